"""The student's self-check: the public cases, in-process, with no reference code.

Expected values come from ``public_cases.bin``; gradients are also checked
numerically against the student's own forward passes. The submission is read as
the grade reads it (``submission.load``: modules, a zip, notebooks run as Run All
runs them, each function from the file where it is filled in), then run in this
process.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from . import public
from .assignment import ENVIRONMENT, AssignmentError, current
from .grade import GradeResult, Plan, failed_to_load, module_problems, run_plan, summarize
from .runner import InProcessRunner
from .submission import Exercises, SubmissionError, load


def default_path(folder: Path = Path(".")) -> Path:
    """What ``check`` and ``pytest`` check by default: the student bundle's folder (its stubs and
    its notebooks side by side); the stubs of the assignment chosen with ``--assignment`` (``week5/
    assignments/``); else the ``assignments/`` folder here."""
    if (folder / "notebooks").is_dir() and (folder / "assignments").is_dir():
        return folder
    if os.environ.get(ENVIRONMENT):
        return public.default_path().parent
    return folder / "assignments"


def exercises(plan: Plan) -> Exercises:
    """What the self-check looks for: the plan's functions, and the notebooks' names where known."""
    try:
        stems = {lecture.module: lecture.stem for lecture in current().lectures}
    except AssignmentError:  # the student bundle: no assignment folder; notebooks are taken in path order
        stems = {}
    return Exercises.of([task for task, _ in plan], stems)


def run_selfcheck(path: Path, plan: Plan | None = None) -> GradeResult:
    started = time.perf_counter()
    plan = plan or public.load_plan()
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as workdir:
        try:
            loaded = load(Path(path), Path(workdir), exercises(plan))
        except SubmissionError as exc:
            return failed_to_load(str(path), [task for task, _ in plan], str(exc), started, exc.problems)
        runner = InProcessRunner(loaded.package_dir)
        try:
            results = run_plan(runner, plan, reference=None, registry=public.registry())
        finally:
            runner.close()
        problems = loaded.problems + runner.problems + module_problems(loaded.package_dir, results)
    return summarize(str(path), results, problems, started, {"mode": "in-process"}, sources=loaded.sources)
