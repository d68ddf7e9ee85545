"""Grade a submission: plan the cases, run each through a runner, score the tasks.

The pipeline: ``submission.load`` (folder, zip or notebooks -> a package folder),
a runner (``sandbox.Sandbox`` when grading, in-process for the self-check),
``checks`` (judge each case), then the scores below, which ``report`` prints.
Grading is deterministic: every case draws its inputs from its own fixed seed.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import cache, submission
from .assignment import Assignment, current
from .checks import (
    Context,
    Failed,
    Reference,
    Registry,
    engine,
    expected_nothing,
    fed_function,
    judge_raises,
    reference_numerics,
    shown_warnings,
)
from .cleanup import LockedFolder
from .inputs import call_form, case_seed, make_inputs
from .runner import InProcessRunner, Runner
from .sandbox import Limits, Sandbox, SandboxError
from .spec import Case, Task, Variant

LOAD_PREFIX = "autograder-load-"  # the loaded submissions' folders in the temp folder


@dataclass
class CaseResult:
    label: str
    public: bool
    passed: bool
    message: str = ""
    hint: str = ""
    warnings: list[str] = field(default_factory=list)
    output: str = ""
    # A wrong array's map of where it is wrong (``errormap.error_map``; a hidden case's: booleans only).
    where: dict[str, Any] | None = None


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
    assignment: str = ""  # the assignment's name (week4)
    variant: str | None = None  # the student's own hidden cases (--secret): their variant's name
    # The file each module was graded from ("conv": "conv.py"), and each function's where it differs
    # ("conv.conv_forward": "02_convolution.ipynb"): submission.Loaded.sources.
    sources: dict[str, str] = field(default_factory=dict)

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
    seconds: float = 0.0  # the reference's own time on the case: it sets the student's time limit
    numeric: dict[str, Any] = field(default_factory=dict)  # the reference's numerical gradients
    positional: int | None = None  # how many inputs go by position (``inputs.call_form``); None: all


Plan = list[tuple[Task, list[PlannedCase]]]


def plan_cases(tasks: Iterable[Task], reference: Reference, public_only: bool = False,
               numerics: bool = False, variant: Variant | None = None) -> Plan:
    """Make every case's inputs from its seed, its expected values and the reference's time on it.

    ``numerics``: also the reference's numerical gradients (``checks.reference_numerics``),
    what grading compares gradients with; the self-check takes them from the student's forward.
    ``variant``: a student's own hidden cases (their seeds); the public cases stay everyone's.
    """
    plan = []
    for task in tasks:
        check = reference.assignment.registry.checks[task.check]
        planned = []
        for index, case in enumerate(task.cases):
            if public_only and not case.public:
                continue
            if variant is not None and not case.public:  # a student's own hidden case
                rng = np.random.default_rng(variant.seed(task.name, index))
            else:
                rng = np.random.default_rng(case_seed(task.name, index))
            inputs = make_inputs(case.args, rng)
            positional = call_form(reference.function(fed_function(task)), list(inputs))
            started = time.perf_counter()
            expected = None if case.raises else check.expected(reference, task, inputs, rng)
            seconds = time.perf_counter() - started
            if check.expected is expected_nothing:  # nothing made ahead: time the function itself
                seconds = _reference_seconds(reference, task, inputs)
            numeric = reference_numerics(reference, task, inputs, expected) if numerics and expected else {}
            planned.append(PlannedCase(case, inputs, expected, seconds, numeric, positional))
        plan.append((task, planned))
    return plan


def _reference_seconds(reference: Reference, task: Task, inputs: dict[str, Any]) -> float:
    started = time.perf_counter()
    with contextlib.suppress(Exception):  # a case it must raise on, or arguments of another form
        reference.run(task.name, inputs)
    return time.perf_counter() - started


def call_limit(limits: Limits, seconds: float) -> float:
    """The wall-clock limit of each call of a case: a multiple of the reference's time, within bounds."""
    return min(limits.wall, max(limits.floor, limits.factor * seconds))


def judge_case(ctx: Context, task: Task, planned: PlannedCase) -> CaseResult:
    """Judge one case. A hidden case's result holds no printed output and no text the student's
    code chose (SPEC §3): the judges word its failure, ``shown_warnings`` filters its warnings."""
    case = planned.case
    ctx.public, ctx.positional = case.public, planned.positional
    failure: Failed | None = Failed("interrupted")  # until judged: a fresh worker for whatever comes next
    try:
        if case.raises:
            judge_raises(ctx, task, case, planned.inputs)
        else:
            ctx.registry.checks[task.check].judge(ctx, task, case, planned.inputs, planned.expected)
        failure = None
    except Failed as failed:
        failure = failed
    except SandboxError:  # the platform cannot run student code at all: no case can be judged
        raise
    except Exception as exc:  # noqa: BLE001 - a grader bug must cost no student a crash of the batch
        detail = f"{type(exc).__name__}: {exc}" if case.public else type(exc).__name__
        failure = Failed(f"the grader could not judge this case ({detail}); please report it to your TA.")
    finally:
        ctx.runner.release(fresh=failure is not None)  # a passed case leaves its worker to the next
    return CaseResult(
        label=case.label,
        public=case.public,
        passed=failure is None,
        message=failure.message if failure else "",
        hint=failure.hint if failure else "",
        warnings=shown_warnings(ctx.warnings, case.public),
        output="\n".join(ctx.output)[-2000:] if case.public else "",
        where=failure.where if failure else None,
    )


def run_plan(
    runner: Runner,
    plan: Plan,
    reference: Reference | None,
    gradcheck: str = "both",
    limits: Limits | None = None,
    registry: Registry | None = None,
) -> list[TaskResult]:
    """Judge every planned case; a task scores the share of its cases passed times its points.

    ``registry``: the checks and hints the tasks name (by default the reference's assignment's,
    else the engine's alone).

    Each case's calls get ``call_limit`` (from the reference's time on the case). The
    submission's total time (``limits.total``: imports, calls and restarts, all of it) is
    shared out among the tasks: each task's calls end by its deadline, its share of the time
    that is left when it starts (a task that needs less leaves the rest to the tasks after
    it). So a function that is far too slow, or slow just under every limit, costs its own
    tasks, never the tasks after it, and the submission ends within ``limits.total``.
    """
    limits = limits or Limits()
    registry = registry or (reference.assignment.registry if reference else engine())
    end = time.monotonic() + limits.total
    results, after_hidden = [], False  # after_hidden: the current worker has run a hidden case
    for number, (task, planned_cases) in enumerate(plan):
        share = max(0.0, end - time.monotonic()) / (len(plan) - number)
        deadline = time.monotonic() + share
        runner.set_deadline(deadline, f"{task.name}'s share of the submission's time ({share:.0f} s)")
        judged: dict[int, CaseResult] = {}
        # Public cases first, and a fresh worker for a public case after a hidden one: nothing that a
        # worker kept or printed after seeing a hidden input reaches a case whose output is shown.
        for index in sorted(range(len(planned_cases)), key=lambda i: not planned_cases[i].case.public):
            planned = planned_cases[index]
            if time.monotonic() >= deadline:
                judged[index] = CaseResult(planned.case.label, planned.case.public, False,
                                           f"not run: {task.name} used up its {share:.0f} s share of the "
                                           "submission's time (its calls kept running into their time limit)")
                continue
            if planned.case.public and after_hidden:
                runner.release()
            runner.limit_calls(call_limit(limits, planned.seconds))
            context = Context(runner, reference, gradcheck, numerics=planned.numeric, registry=registry)
            judged[index] = judge_case(context, task, planned)
            after_hidden = judged[index].passed and (after_hidden or not planned.case.public)  # failed: fresh
        if number + 1 == len(plan) or plan[number + 1][0].module != task.module:
            runner.release()  # every module's tasks start with a fresh worker
            after_hidden = False
        cases = [judged[index] for index in range(len(planned_cases))]
        results.append(score_task(task, len(cases), cases))
    runner.set_deadline(None)
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
    assignment: str = "",
    sources: dict[str, str] | None = None,
) -> GradeResult:
    return GradeResult(
        submission=submission,
        score=round(sum(t.score for t in results), 4),
        max_score=float(sum(t.max_score for t in results)),
        tasks=results,
        problems=problems,
        elapsed_seconds=round(time.perf_counter() - started, 3),
        isolation=isolation or {},
        assignment=assignment,
        sources=sources or {},
    )


def hidden_plan(assignment: Assignment | None = None, variant: Variant | None = None) -> Plan:
    """Every case of the assignment with the reference's expected values and numerical gradients.

    Made once per grader version (and per ``variant``: a student's own hidden cases) and kept on
    disk (``cache``); in memory for the last few.
    """
    return _hidden_plan(assignment or current(), variant)


@functools.lru_cache(maxsize=4)  # a batch worker grades variant after variant: a few megabytes each
def _hidden_plan(assignment: Assignment, variant: Variant | None) -> Plan:
    tasks = assignment.tasks
    stored = cache.load(assignment, [task.name for task in tasks], variant)
    if stored is not None and all(len(stored[task.name]) == len(task.cases) for task in tasks):
        return [(task, [PlannedCase(case, c["inputs"], c["expected"], c["seconds"], c["numeric"],
                                    c["positional"]) for case, c in zip(task.cases, stored[task.name])])
                for task in tasks]
    plan = plan_cases(tasks, Reference(assignment), numerics=True, variant=variant)
    cache.store(assignment, variant, {
        task.name: [{"inputs": p.inputs, "expected": p.expected, "seconds": p.seconds, "numeric": p.numeric,
                     "positional": p.positional} for p in cases] for task, cases in plan})
    return plan


def failed_to_load(
    submission: str, tasks: Iterable[Task], reason: str, started: float, also: Iterable[str] = (),
    assignment: str = ""
) -> GradeResult:
    """Every task at 0 for ``reason`` (and the ``also`` problems that came with it): no case is planned."""
    results = [TaskResult(task.name, 0.0, float(task.points), []) for task in tasks]
    return summarize(submission, results, [reason, *also], started, assignment=assignment)


def grade_submission(
    path: str | Path,
    *,
    isolated: bool = True,
    limits: Limits | None = None,
    gradcheck: str = "both",
    plan: Plan | None = None,
    assignment: Assignment | None = None,
    variant: Variant | None = None,
) -> GradeResult:
    """Grade one submission (folder, .zip or notebooks) with the hidden cases of ``assignment``.

    ``assignment``: by default the one this process grades (``assignment.current``);
    ``variant``: the student's own hidden cases (``Variant.of(secret, student)``), named in the result.
    """
    started = time.perf_counter()
    assignment = assignment or current()
    path = Path(path)
    name = submission.shown(path.name)  # a name that is not UTF-8 must not break the JSON, CSV or HTML
    with LockedFolder(LOAD_PREFIX) as workdir:  # a copy of the student's code: one a kill -9 left goes too
        try:
            loaded = submission.load(path, workdir, exercises(assignment))
        except Exception as exc:  # noqa: BLE001 - beyond SubmissionError, the last line of defence
            if isinstance(exc, submission.SubmissionError):
                reason, also = str(exc), exc.problems
            else:  # a loader bug costs one row
                why = f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace").decode()
                reason, also = f"the submission could not be read ({why})", []
            tasks = [task for task, _ in plan] if plan else assignment.tasks
            result = failed_to_load(name, tasks, reason, started, also, assignment.name)
            result.variant = variant.name if variant else None
            return result
        limits = limits or Limits()
        runner = Sandbox(loaded.package_dir, limits) if isolated else InProcessRunner(loaded.package_dir)
        try:
            plan = plan or hidden_plan(assignment, variant)  # while the sandbox's child starts
            results = run_plan(runner, plan, Reference(assignment), gradcheck, limits)
        finally:
            runner.close()
        problems = loaded.problems + runner.problems + module_problems(loaded.package_dir, results)
    isolation = runner.isolation() if isinstance(runner, Sandbox) else {"mode": "in-process"}
    result = summarize(name, results, problems, started, isolation, assignment.name, loaded.sources)
    result.variant = variant.name if variant else None
    return result


def exercises(assignment: Assignment) -> submission.Exercises:
    """What a submission of ``assignment`` is searched for: its graded functions, its notebooks' names."""
    return submission.Exercises.of(assignment.tasks, {lecture.module: lecture.stem
                                                      for lecture in assignment.lectures})


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
