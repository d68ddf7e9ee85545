"""Grade a submission: plan the cases, run each through a runner, score the tasks.

The pipeline: ``submission.load`` (folder, zip or notebooks -> a package folder),
a runner (``sandbox.Sandbox`` when grading, in-process for the self-check),
``checks`` (judge each case), then the scores below, which ``report`` prints.
Grading is deterministic: every case draws its inputs from its own fixed seed.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import submission
from .checks import CHECKS, Context, Failed, Reference, judge_raises, shown_warnings
from .inputs import case_seed, make_inputs
from .runner import InProcessRunner, Runner
from .spec import Case, Task

if TYPE_CHECKING:  # the sandbox is Unix-only: imported when grading asks for it, never by the self-check
    from .sandbox import Limits


@dataclass
class CaseResult:
    label: str
    public: bool
    passed: bool
    message: str = ""
    hint: str = ""
    warnings: list[str] = field(default_factory=list)
    output: str = ""


@dataclass
class TaskResult:
    name: str
    score: float
    max_score: float
    cases: list[CaseResult]

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cases)


@dataclass
class GradeResult:
    submission: str
    score: float
    max_score: float
    tasks: list[TaskResult]
    problems: list[str] = field(default_factory=list)  # about the submission as a whole
    elapsed_seconds: float = 0.0
    isolation: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The SPEC §3 object: score, max_score, tasks[{name, score, max_score, ...}], ..."""
        data = asdict(self)
        for task, result in zip(data["tasks"], self.tasks):
            task["passed"], task["total"] = result.passed, len(result.cases)
        return data


@dataclass
class PlannedCase:
    """A case with its inputs made and its expected values known (None: computed on demand)."""

    case: Case
    inputs: dict[str, Any]
    expected: dict[str, Any] | None


Plan = list[tuple[Task, list[PlannedCase]]]


def plan_cases(tasks: Iterable[Task], reference: Reference, public_only: bool = False) -> Plan:
    """Make every case's inputs from its seed and its expected values from the reference."""
    plan = []
    for task in tasks:
        planned = []
        for index, case in enumerate(task.cases):
            if public_only and not case.public:
                continue
            rng = np.random.default_rng(case_seed(task.name, index))
            inputs = make_inputs(case.args, rng)
            expected = None if case.raises else CHECKS[task.check].expected(reference, task, inputs, rng)
            planned.append(PlannedCase(case, inputs, expected))
        plan.append((task, planned))
    return plan


def _platform_failure(exc: Exception) -> bool:
    """Is ``exc`` the sandbox saying it cannot run student code at all? (Only once it is imported.)"""
    sandbox = sys.modules.get(f"{__package__}.sandbox")
    return sandbox is not None and isinstance(exc, sandbox.SandboxError)


def judge_case(ctx: Context, task: Task, planned: PlannedCase) -> CaseResult:
    """Judge one case. A hidden case's result holds no printed output and no text the student's
    code chose (SPEC §3): the judges word its failure, ``shown_warnings`` filters its warnings."""
    case = planned.case
    ctx.public = case.public
    try:
        if case.raises:
            judge_raises(ctx, task, case, planned.inputs)
        else:
            CHECKS[task.check].judge(ctx, task, case, planned.inputs, planned.expected)
        failure = None
    except Failed as failed:
        failure = failed
    except Exception as exc:  # noqa: BLE001 - a grader bug must cost no student a crash of the batch
        if _platform_failure(exc):  # no case can be judged: the caller says so once
            raise
        detail = f"{type(exc).__name__}: {exc}" if case.public else type(exc).__name__
        failure = Failed(f"the grader could not judge this case ({detail}); please report it to your TA.")
    finally:
        ctx.runner.release()
    return CaseResult(
        label=case.label,
        public=case.public,
        passed=failure is None,
        message=failure.message if failure else "",
        hint=failure.hint if failure else "",
        warnings=shown_warnings(ctx.warnings, case.public),
        output="\n".join(ctx.output)[-2000:] if case.public else "",
    )


def run_plan(
    runner: Runner,
    plan: Plan,
    reference: Reference | None,
    gradcheck: str = "both",
    budget: float = float("inf"),
) -> list[TaskResult]:
    """Judge every planned case; a task scores the share of its cases passed times its points.

    ``budget`` (seconds) bounds the whole run: a submission whose every call loops until its
    wall limit would otherwise take cases x limit, and a platform that stops the grader keeps
    no partial result. Cases not started in time fail with that reason.
    """
    deadline = time.monotonic() + budget
    results = []
    for task, planned_cases in plan:
        cases = [
            judge_case(Context(runner, reference, gradcheck), task, p)
            if time.monotonic() < deadline
            else CaseResult(
                p.case.label,
                p.case.public,
                False,
                f"not run: the submission used up its "
                f"{budget:g} s for all cases (its calls kept running into their time limit)",
            )
            for p in planned_cases
        ]
        results.append(score_task(task, len(cases), cases))
    return results


def score_task(task: Task, total: int, cases: list[CaseResult]) -> TaskResult:
    """Partial credit: the share of the task's ``total`` cases passed times its points."""
    passed = sum(c.passed for c in cases)
    score = round(task.points * passed / total, 4) if total else 0.0
    return TaskResult(task.name, score, float(task.points), cases)


def summarize(
    submission: str,
    results: list[TaskResult],
    problems: list[str],
    started: float,
    isolation: dict[str, Any] | None = None,
) -> GradeResult:
    return GradeResult(
        submission=submission,
        score=round(sum(t.score for t in results), 4),
        max_score=float(sum(t.max_score for t in results)),
        tasks=results,
        problems=problems,
        elapsed_seconds=round(time.perf_counter() - started, 3),
        isolation=isolation or {},
    )


@functools.cache
def hidden_plan() -> Plan:
    """All cases of the week with the reference's expected values (made once per process)."""
    from .tasks import TASKS

    return plan_cases(TASKS, Reference())


def failed_to_load(submission: str, plan: Plan, reason: str, started: float) -> GradeResult:
    results = [TaskResult(task.name, 0.0, float(task.points), []) for task, _ in plan]
    return summarize(submission, results, [reason], started)


def grade_submission(
    path: str | Path,
    *,
    isolated: bool = True,
    limits: Limits | None = None,
    gradcheck: str = "both",
    plan: Plan | None = None,
) -> GradeResult:
    """Grade one submission (folder, .zip or notebooks) with the hidden cases."""
    from .sandbox import Limits, Sandbox

    started = time.perf_counter()
    plan = plan or hidden_plan()
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="autograder-load-") as workdir:
        try:
            loaded = submission.load(path, Path(workdir))
        except submission.SubmissionError as exc:
            return failed_to_load(path.name, plan, str(exc), started)
        limits = limits or Limits()
        runner = Sandbox(loaded.package_dir, limits) if isolated else InProcessRunner(loaded.package_dir)
        try:
            results = run_plan(runner, plan, Reference(), gradcheck, limits.total)
        finally:
            runner.close()
    isolation = runner.isolation() if isinstance(runner, Sandbox) else {"mode": "in-process"}
    return summarize(path.name, results, loaded.problems, started, isolation)
