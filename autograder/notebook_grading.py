"""What a notebook's cells call: grade one task in the notebook's own kernel.

A locked test cell ends with ``grade_task("conv.conv_forward", globals())``. nbgrader
scores that cell from its outputs (``nbgrader.utils.determine_grade``): an error or
ANY output on stderr gives 0, otherwise the first ``execute_result`` that reads as
a number is the partial credit. So ``grade_task`` never raises, sends nothing to
stderr (the student's prints and warnings are captured and reported on stdout),
prints its feedback on stdout, and returns the score as a plain ``float``, the
cell's last expression.

The cases and judges are those of ``autograder grade``: ``grade.plan_cases`` and
``grade.run_plan``, here through a runner that calls the functions the notebook
defined, found by name in its namespace. On a student's machine, and in the nbgrader
course's kernels (which hide the reference: ``course_kernel``), these are the public
cases of ``public_cases.bin``; where the reference is importable, the hidden cases.

A kernel is no place to grade: the student's code runs there unsandboxed and any of
its cells can replace ``grade_task``. The grade of the nbgrader course is made by
``autograder nbgrader-autograde`` (``nbgrader_autograde``), which grades the notebooks
in the sandbox and writes each test cell's output as this module's ``cell_feedback``.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import notebook_runtime, public
from .assignment import AssignmentError, current
from .checks import Reference
from .child import Executor, StudentError
from .grade import Plan, TaskResult, plan_cases, run_plan, summarize
from .notebook_cells import NotANotebook, read_notebook
from .report import feedback_markdown
from .runner import InProcessRunner

PRINTED_SHOWN = 2000  # characters of the student's own printed output shown in the feedback


def _code_dir(namespace: dict[str, Any]) -> Path:
    """Where the notebook's own functions were compiled (the kernel's cell files): their frames
    are the ones a traceback shows the student."""
    own = Counter(Path(value.__code__.co_filename).parent for value in namespace.values()
                  if isinstance(value, types.FunctionType) and value.__module__ == namespace.get("__name__"))
    return own.most_common(1)[0][0] if own else Path.cwd()


class NamespaceExecutor(Executor):
    """An Executor whose functions are those a notebook defined, looked up by name when called."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        super().__init__(_code_dir(namespace))
        self.namespace = namespace

    def _import_package(self) -> None:
        """Nothing to import: the kernel has run the notebook's cells."""

    def function(self, qualname: str) -> Any:
        name = qualname.split(".")[1]
        fn = self.namespace.get(name)
        if not callable(fn):
            raise StudentError("MissingFunction", f"this notebook has no function {name}() "
                                                  "(was its cell run before this one?)")
        return fn


class NamespaceRunner(InProcessRunner):
    """The in-process runner of the self-check, calling into a notebook's namespace."""

    def __init__(self, namespace: dict[str, Any]) -> None:  # an InProcessRunner is its executor, swapped
        self.executor = NamespaceExecutor(namespace)
        self.problems = []


def reference_installed() -> bool:
    """Whether the assignment and its reference are here: the grading machine.

    Not in the student bundle (no assignment folder), nor in the nbgrader course's
    kernels (``course_kernel`` hides the reference); a module named ``solutions`` next to
    a student's notebook is not the reference and does not count.
    """
    try:
        assignment = current()
        assignment.reference_module(assignment.modules[0])
    except (AssignmentError, ImportError):
        return False
    return True


def task_plan(task: str) -> tuple[Plan, Reference | None, str]:
    """The task's cases, the reference to judge them with (None: public), and which cases they are."""
    if reference_installed():
        by_name = current().by_name  # the hidden cases: only where the reference is (never in a release)
        plan = plan_cases([by_name[task]], Reference()) if task in by_name else []
        reference, which = Reference(), "hidden"
    else:
        plan = [entry for entry in public.load_plan() if entry[0].name == task]
        reference, which = None, "public"
    if not plan:
        raise ValueError(f"no task named {task!r}")
    return plan, reference, which


@contextlib.contextmanager
def _captured() -> Iterator[io.StringIO]:
    """Everything printed inside, on stdout or stderr, Python's or the process's file descriptor 2,
    goes into the yielded buffer; the grader's own warnings are silenced.

    The student's warnings are still recorded, case by case, by the Executor.
    """
    buffer = io.StringIO()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as low_level, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(low_level.fileno(), 2)
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                yield buffer
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            low_level.seek(0)
            buffer.write(low_level.read().decode(errors="replace"))


def cell_feedback(task: TaskResult, which: str, problems: Sequence[str] = ()) -> str:
    """What a test cell prints: ``task``'s score and every failing case explained (Markdown).

    ``which`` says which cases ran ("hidden" or "public"); ``problems`` are those of the
    submission that the student should read there (a cell skipped for a syntax error).
    """
    result = summarize(f"{task.name} ({which} cases)", [task], list(problems), time.perf_counter())
    return feedback_markdown(result)


def grade_task(task: str, namespace: dict[str, Any]) -> float:
    """Grade ``task`` (``"module.function"``) on the functions of ``namespace``, a notebook's
    ``globals()``; prints the feedback and returns the score (0 to the task's points)."""
    try:
        with _captured() as printed:
            plan, reference, which = task_plan(task)
            runner = NamespaceRunner(namespace)
            try:
                results = run_plan(runner, plan, reference, registry=None if reference else public.registry())
            finally:
                runner.close()
    except Exception as exc:  # noqa: BLE001 - an exception here would zero the cell without a word
        print(f"{task}: the grader could not run ({type(exc).__name__}: {exc}). Score 0: tell your TA.")
        return 0.0
    (result,) = results
    print(cell_feedback(result, which), end="")
    if text := printed.getvalue():
        print(f"\nYour code printed ({len(text)} characters in all, shown up to {PRINTED_SHOWN}):\n"
              f"{text[:PRINTED_SHOWN]}")
    return float(result.score)


def import_functions(notebook: str | os.PathLike, *names: str) -> tuple[Callable[..., Any], ...]:
    """Functions defined in another notebook (path relative to this one's folder), read from its file.

    Its cells run as ``autograder grade`` runs them (``notebook_cells``, ``notebook_runtime``): in
    order, in a namespace of its own, a cell that raises skipped. Raises ImportError, saying why,
    when a function is missing.
    """
    path = Path(notebook)
    if not path.is_file():
        raise ImportError(f"{path} is not in {Path.cwd()}: keep the week's notebooks in one folder")
    try:
        cells = read_notebook(path.read_bytes(), path.name)
    except NotANotebook as exc:
        raise ImportError(str(exc)) from None
    module = types.ModuleType(f"_nb_{path.stem}")
    module.__file__ = str(path.resolve())
    raised = len(notebook_runtime.problems)
    notebook_runtime.run_notebook(vars(module), path.name, cells.cells)  # the student's own code and kernel
    problems = notebook_runtime.problems[raised:]
    del notebook_runtime.problems[raised:]
    missing = [name for name in names if not callable(getattr(module, name, None))]
    if missing:
        why = "".join(f"; its code cell {cell} raised {kind}: {text}" for _, cell, kind, text, _ in problems)
        raise ImportError(f"{path.name} defines no {', '.join(f'{name}()' for name in missing)}: "
                          f"write and save it there first{why}")
    return tuple(getattr(module, name) for name in names)
