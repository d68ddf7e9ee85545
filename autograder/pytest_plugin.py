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
(``pytest_plugins = ["autograder.pytest_plugin"]``). The tested folder is
``assignments/`` under pytest's rootdir, or ``--submission PATH``. A plain
``pytest`` run with an exit status, as GitHub Classroom's pytest autograding
expects, needs nothing more.
"""

from __future__ import annotations

import io
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
from .spec import Task


@dataclass
class SelfCheck:
    """One pytest session's self-check: the student's folder, its runner, the results so far."""

    folder: Path
    runner: InProcessRunner
    tasks: dict[str, tuple[Task, int]] = field(default_factory=dict)  # name -> (task, its public cases)
    results: dict[str, list[CaseResult]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    registry: Registry = field(default_factory=engine)  # their checks and hints (``public.registry``)

    def judge(self, task: Task, planned: PlannedCase) -> CaseResult:
        result = judge_case(Context(self.runner, registry=self.registry), task, planned)
        self.results.setdefault(task.name, []).append(result)
        return result

    def grade(self) -> GradeResult:
        """The tasks that ran, each scored over all its public cases (a case not run earns nothing)."""
        scored = [score_task(*self.tasks[name], cases) for name, cases in self.results.items()]
        return summarize(str(self.folder), scored, [], self.started, {"mode": "in-process"})

    def close(self) -> None:
        self.runner.close()


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
        return self.config.stash[STATE].folder / f"{self.task.module}.py", None, self.name


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
                    help="the folder with your exercise modules (default: assignments/ under the "
                         "rootdir); write --submission=PATH, with the =")


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("--submission")
    folder = Path(option).resolve() if option else config.rootpath / "assignments"
    if option and not folder.is_dir():
        raise pytest.UsageError(f"--submission {option}: no such folder")
    config.stash[STATE] = SelfCheck(folder, InProcessRunner(folder))  # imports a module only when called


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
