"""The student's self-check as pytest tests: ``pytest`` in the student's checkout.

The same public cases, expected values and judges as ``autograder check``: the
plan comes from ``public_cases.bin`` alone (``public.load_plan``) and every case
is judged by ``grade.judge_case`` on the student's code, imported in-process.
Nothing here needs the reference or the hidden cases.

- One test item per (task, public case): ``public_cases.bin::conv::conv_forward[<case>]``
  is a case of ``conv.conv_forward``. ``pytest -k conv_forward`` runs that task's
  cases, ``pytest -k conv`` those of ``conv.py``.
- A failing item reports what was checked and a hint, not the grader's traceback.
- The run ends with the per-task score table of the cases that ran.

The student bundle's top-level ``conftest.py`` loads this plugin
(``pytest_plugins = ["autograder.pytest_plugin"]``). The tested submission is pytest's
rootdir when it is the student bundle (``assignments/`` and ``notebooks/``), else its
``assignments/``, or ``--submission PATH``; it is read as the grade reads it
(``submission.load``: notebooks run as Run All runs them). A plain
``pytest`` run with an exit status, as GitHub Classroom's pytest autograding
expects, needs nothing more.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.console import Console

from . import public
from .checks import Context, Registry, engine
from .grade import CaseResult, GradeResult, PlannedCase, judge_case, score_task, summarize
from .report import print_result, score_text
from .runner import InProcessRunner
from .selfcheck import default_path, exercises
from .spec import Task
from .submission import Loaded, SubmissionError, load


@dataclass
class SelfCheck:
    """One pytest session's self-check: the student's submission as loaded, its runner, the results so far."""

    folder: Path
    workdir: tempfile.TemporaryDirectory
    loaded: Loaded | None = None  # None: it could not be read, for ``error``
    error: str = ""
    runner: InProcessRunner | None = None
    tasks: dict[str, tuple[Task, int]] = field(default_factory=dict)  # name -> (task, its public cases)
    results: dict[str, list[CaseResult]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    registry: Registry = field(default_factory=engine)  # their checks and hints (``public.registry``)

    @classmethod
    def of(cls, folder: Path) -> SelfCheck:
        """The submission in ``folder``, read as the grade reads it (notebooks run as Run All runs them)."""
        state = cls(folder, tempfile.TemporaryDirectory(prefix="autograder-check-"))
        try:
            state.loaded = load(folder, Path(state.workdir.name), exercises(public.load_plan()))
        except SubmissionError as exc:
            state.error = str(exc)
        else:
            state.runner = InProcessRunner(state.loaded.package_dir)  # imports a module only when called
        return state

    def judge(self, task: Task, planned: PlannedCase) -> CaseResult:
        if self.runner is None:
            why = f"your submission cannot be read: {self.error}"
            result = CaseResult(planned.case.label, True, False, why)
        else:
            result = judge_case(Context(self.runner, registry=self.registry), task, planned)
        self.results.setdefault(task.name, []).append(result)
        return result

    def file(self, module: str) -> Path:
        """The file a module's functions were taken from (by the most of them)."""
        source = self.loaded.sources.get(module) if self.loaded else None
        return self.folder / (source or f"{module}.py")

    def grade(self) -> GradeResult:
        """The tasks that ran, each scored over all its public cases (a case not run earns nothing)."""
        scored = [score_task(*self.tasks[name], cases) for name, cases in self.results.items()]
        problems = self.loaded.problems if self.loaded else [self.error]
        problems = problems + (self.runner.problems if self.runner else [])
        return summarize(str(self.folder), scored, problems, self.started, {"mode": "in-process"},
                         sources=self.loaded.sources if self.loaded else {})

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
        self.workdir.cleanup()


STATE = pytest.StashKey[SelfCheck]()


def explain(result: CaseResult) -> str:
    """A failed case as the student reads it: what was checked and found, then the hint."""
    lines = [result.message]
    if result.hint:
        lines.append(f"hint: {result.hint}")
    if result.warnings:
        lines.append("numpy warnings: " + "; ".join(result.warnings))
    return "\n".join(lines)


class PublicCase(pytest.Item):
    """One public case of one task, judged like `autograder check` judges it."""

    def __init__(self, *, task: Task, planned: PlannedCase, **kwargs) -> None:
        super().__init__(**kwargs)
        self.task, self.planned = task, planned

    def runtest(self) -> None:
        result = self.config.stash[STATE].judge(self.task, self.planned)
        if not result.passed:
            # pytrace=False: the report is the explanation alone, not the grader's traceback, and
            # stays a standard pytest failure for any reporting plugin (junitxml, classroom graders).
            pytest.fail(explain(result), pytrace=False)

    def reportinfo(self) -> tuple[Path, None, str]:
        # The header of a failure names the student's file to fix, not the data file.
        return self.config.stash[STATE].file(self.task.module), None, self.name


class ModuleCases(pytest.Collector):
    """The public cases of one exercise module (``conv``): its tasks' cases, one item each."""

    def __init__(self, *, tasks: list[tuple[Task, list[PlannedCase]]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.tasks = tasks

    def collect(self) -> Iterator[PublicCase]:
        for task, planned_cases in self.tasks:
            seen: set[str] = set()
            for number, planned in enumerate(planned_cases, 1):
                label = planned.case.label or f"case {number}"
                # Two cases with one label would share a test id; the number tells them apart.
                label = f"{label} #{number}" if label in seen else label
                seen.add(label)
                name = f"{task.function}[{label}]"
                yield PublicCase.from_parent(self, name=name, task=task, planned=planned)


class PublicCases(pytest.File):
    """``public_cases.bin``: every public case of the week, grouped by module."""

    def collect(self) -> Iterator[ModuleCases]:
        state = self.config.stash[STATE]
        state.registry = public.registry(self.path)
        modules: dict[str, list[tuple[Task, list[PlannedCase]]]] = {}
        for task, planned_cases in public.load_plan(self.path):
            state.tasks[task.name] = (task, len(planned_cases))
            modules.setdefault(task.module, []).append((task, planned_cases))
        for module, tasks in modules.items():
            yield ModuleCases.from_parent(self, name=module, tasks=tasks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "the self-check (public cases)")
    group.addoption("--submission", metavar="PATH", default=None,
                    help="your basics.py, conv.py, ... or notebooks: a folder, a zip or a notebook (default: "
                         "the rootdir's assignments/ and notebooks/); write --submission=PATH, with the =")


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("--submission")
    folder = Path(option).resolve() if option else default_path(config.rootpath)
    if option and not folder.exists():
        raise pytest.UsageError(f"--submission {option}: no such folder (nor zip, nor notebook)")
    config.stash[STATE] = SelfCheck.of(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PublicCases | None:
    if file_path.name == public.FILENAME:
        return PublicCases.from_parent(parent, path=file_path)
    return None


def pytest_report_header(config: pytest.Config) -> str:
    return f"autograder self-check of {config.stash[STATE].folder} (public cases, in-process)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    state = config.stash[STATE]
    if not state.results:
        return
    writer = config.get_terminal_writer()
    buffer = io.StringIO()
    console = Console(file=buffer, width=writer.fullwidth, force_terminal=writer.hasmarkup,
                      color_system="standard" if writer.hasmarkup else None)
    result = state.grade()
    total = f"{score_text(result.score)} / {score_text(result.max_score)}"
    print_result(result, console, title=f"public cases: {total}")
    terminalreporter.write_sep("=", "self-check score per task (public cases only)")
    terminalreporter.write(buffer.getvalue())
