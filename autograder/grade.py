"""Grade a submission: plan the cases, run each through a runner, score the tasks.

The pipeline: ``submission.load`` (folder, zip or notebooks -> a package folder),
a runner (``sandbox.Sandbox`` when grading, in-process for the self-check),
``checks`` (judge each case), then the scores below, which ``report`` prints.
Grading is deterministic: every case draws its inputs from its own fixed seed.
"""

from __future__ import annotations

import functools
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import submission
from .checks import CHECKS, Context, Failed, Reference, judge_raises
from .inputs import case_seed, make_inputs
from .runner import InProcessRunner, Runner
from .sandbox import Limits, Sandbox, SandboxError
from .spec import Case, Task


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


def judge_case(ctx: Context, task: Task, planned: PlannedCase) -> CaseResult:
    case = planned.case
    try:
        if case.raises:
            judge_raises(ctx, task, case, planned.inputs)
        else:
            CHECKS[task.check].judge(ctx, task, case, planned.inputs, planned.expected)
        failure = None
    except Failed as failed:
        failure = failed
    except SandboxError:  # the platform cannot run student code at all: no case can be judged
        raise
    except Exception as exc:  # noqa: BLE001 - a grader bug must cost no student a crash of the batch
        failure = Failed(
            f"the grader could not judge this case ({type(exc).__name__}: {exc}); "
            "please report it to your TA."
        )
    finally:
        ctx.runner.release()
    return CaseResult(
        label=case.label,
        public=case.public,
        passed=failure is None,
        message=failure.message if failure else "",
        hint=failure.hint if failure else "",
        warnings=sorted(set(ctx.warnings))[:5],
        output="\n".join(ctx.output)[-2000:],
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
        problems = loaded.problems + module_problems(loaded.package_dir, results)
    isolation = runner.isolation() if isinstance(runner, Sandbox) else {"mode": "in-process"}
    return summarize(path.name, results, problems, started, isolation)


_DOES_NOT_IMPORT = re.compile(r"(\w+)\.py (?:does not import|could not be imported): ([^\n]*)")


def module_problems(package_dir: Path, results: list[TaskResult]) -> list[str]:
    """A module that does not import, said once as a problem of the submission, not once per case.

    A syntax error is found by compiling the source here (compiling runs none of it); any other
    failure to import (a top-level NameError, a missing library) by every case of the module's
    tasks failing with it. The cases keep their own messages.
    """
    problems = {}
    for module in dict.fromkeys(task.name.split(".")[0] for task in results):
        try:
            compile((package_dir / f"{module}.py").read_bytes(), f"{module}.py", "exec")
        except SyntaxError as exc:
            problems[module] = f"{exc.msg}, line {exc.lineno}"
        except (OSError, ValueError, RecursionError, MemoryError):  # missing (said elsewhere), or seen below
            pass
    for task in results:
        module = task.name.split(".")[0]
        failures = [_DOES_NOT_IMPORT.search(case.message) for case in task.cases]
        if module not in problems and failures and all(f and f[1] == module for f in failures):
            problems[module] = failures[0][2]
    return [f"{module}.py does not import ({why}): every {module}.* task scores 0"
            for module, why in problems.items()]


_UNIMPORTABLE = re.compile(r"(\w+)\.py does not import \(")


def unimportable_modules(problems: list[str]) -> set[str]:
    """The modules that ``module_problems`` reported as not importing."""
    return {match[1] for problem in problems if (match := _UNIMPORTABLE.match(problem))}
