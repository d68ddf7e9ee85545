"""Present a grade: a terminal table, Markdown and HTML feedback, and Gradescope's results.json.

Every lost point is explained the same way everywhere: the case (what was
checked, on which shapes and parameters), what came back against what was
expected, and a hint. Hidden cases never show their inputs or the reference's
arrays, only shapes and the size of the error.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

# A stored result (OUT/students/<id>/result.json) is GradeResult.to_json() plus, under STAMP, what
# the batch records: who, from which entry, which content and grader, and how it ended (a status).
STAMP = "batch"
GRADED, NOT_GRADED, GRADER_ERROR = "graded", "not graded", "grader error"
NOT_SUBMITTED = "not submitted"  # a roster student with no submission in the download

_UNIMPORTABLE = re.compile(r"(\w+)\.py does not import \(")  # the words of grade.module_problems


def unimportable_modules(problems: list[str]) -> set[str]:
    """The modules that ``grade.module_problems`` reported as not importing."""
    return {match[1] for problem in problems if (match := _UNIMPORTABLE.match(problem))}


if TYPE_CHECKING:  # the grading stack (numpy, the sandbox) is not needed to write feedback
    import jinja2

    from .grade import CaseResult, GradeResult, TaskResult


def first_failure(task: TaskResult) -> CaseResult | None:
    return next((c for c in task.cases if not c.passed), None)


def score_text(value: float) -> str:
    """A score as people read it: at most two decimals, no trailing zero (90.8333 is "90.83", 53.0 "53").

    Files for machines (gradebook.csv, results.json) keep the stored precision.
    """
    return f"{value:.2f}".rstrip("0").rstrip(".")


_SENTENCE_END = re.compile(r"[.;](?:\s|$)")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def failure_key(message: str) -> str:
    """What a failure says, without its particulars: the first sentence, every number as ``#``.

    "out: 200 of 200 values are wrong; the largest error is 26.4 ..." and "out: 96
    of 96 values are wrong; ..." are one failure, "out: # of # values are wrong".
    """
    first_line = message.strip().splitlines()[0] if message.strip() else ""
    sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    return " ".join(_NUMBER.sub("#", sentence).split())


def cause(message: str) -> str:
    """The first line of a failure's message: what went wrong, without its details."""
    lines = message.strip().splitlines()
    return lines[0] if lines else ""


@dataclass
class FailureGroup:
    """Failing cases of one task that say the same thing (``failure_key``) with the same hint: said once."""

    cases: list[CaseResult]

    @property
    def first(self) -> CaseResult:
        return self.cases[0]

    @property
    def covers(self) -> str:
        """The cases it covers: "x(2, 3, 7, 7) (public)", or "3 cases: a; b; c"."""
        labels = "; ".join(c.label + (" (public)" if c.public else "") for c in self.cases)
        return labels if len(self.cases) == 1 else f"{len(self.cases)} cases: {labels}"

    @property
    def others(self) -> list[CaseResult]:
        """Its other cases whose message says more than the first's (other sizes and indices)."""
        return [case for case in self.cases[1:] if case.message != self.first.message]

    @property
    def briefly(self) -> str:
        """The cases it covers in a table's cell: its first case, and how many more."""
        more = len(self.cases) - 1
        return self.first.label + (f" and {more} more case{'s' if more > 1 else ''}" if more else "")

    @property
    def where(self) -> dict[str, Any] | None:
        """The map of where its array is wrong: a public case's (with values) before a hidden one's."""
        maps = sorted((c for c in self.cases if c.where), key=lambda c: not c.public)
        return maps[0].where if maps else None


def failure_groups(task: TaskResult) -> list[FailureGroup]:
    """The task's failing cases, grouped by what they say and their hint, in the order of their first case."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for case in task.cases:
        if not case.passed:
            groups.setdefault((failure_key(case.message), case.hint), FailureGroup([])).cases.append(case)
    return list(groups.values())


PASSED, PARTLY, FAILED, UNGRADED = "passed", "partly", "failed", "not graded"


@dataclass
class TaskView:
    """One task as the student's page shows it."""

    task: TaskResult
    status: str  # PASSED, PARTLY, FAILED or UNGRADED
    why: str  # why none of its cases could run ("" when they ran)
    groups: list[FailureGroup]

    @property
    def cause(self) -> str:
        """The one line of the summary table: why it was not graded, or its first failure's first line."""
        return self.why or (cause(self.groups[0].first.message) if self.groups else "")


def task_views(result: GradeResult) -> list[TaskView]:
    """Every task with its status and its failures grouped.

    A module that does not import is one problem of the submission: each of its tasks says so
    in one line instead of repeating it for every case. Empty when nothing could be graded.
    """
    if not any(task.cases for task in result.tasks):
        return []
    unimportable = unimportable_modules(result.problems)
    views = []
    for task in result.tasks:
        module = task.name.split(".")[0]
        if module in unimportable or not task.cases:
            why = f"Not graded: {module}.py does not import (see the problem above)."
            views.append(TaskView(task, UNGRADED, why, []))
            continue
        status = PASSED if task.passed == len(task.cases) else PARTLY if task.passed else FAILED
        views.append(TaskView(task, status, "", failure_groups(task)))
    return views


def table(result: GradeResult, title: str = "") -> Table:
    """The summary table: per task its score, cases passed, status and the first failure explained
    (said once for the cases that share it)."""
    grid = Table(
        title=title or f"{result.submission}: {score_text(result.score)} / {score_text(result.max_score)}",
        show_lines=False,
        expand=False,
    )
    grid.add_column("task")
    grid.add_column("score", justify="right")
    grid.add_column("cases", justify="right")
    grid.add_column("status")
    grid.add_column("first failure", overflow="fold", max_width=90)
    style = {PASSED: "green", PARTLY: "yellow", FAILED: "red", UNGRADED: "red"}
    for view in task_views(result):
        task, why = view.task, view.why
        if view.groups:
            group = view.groups[0]
            why = f"[{group.briefly}] {group.first.message}" + (f"\nhint: {group.first.hint}"
                                                               if group.first.hint else "")
        # Labels and messages hold brackets ("[2, 3]", "x(4, 3)"): not rich markup.
        grid.add_row(task.name, f"[{style[view.status]}]{score_text(task.score)}/{score_text(task.max_score)}"
                     f"[/{style[view.status]}]", f"{task.passed}/{len(task.cases)}", view.status, escape(why))
    return grid


def graded_from(result: GradeResult) -> str:
    """The file each module was graded from, in one line ("basics: basics.py, conv: 02_convolution.ipynb,
    conv.conv_forward: scratch.ipynb"); empty for a result that names none (an older stored result)."""
    return ", ".join(f"{name}: {file}" for name, file in getattr(result, "sources", {}).items())


def print_result(result: GradeResult, console: Console | None = None, title: str = "") -> None:
    """The summary table, its title with the total, then the problems and the total again (last seen)."""
    console = console or Console()
    total = f"{score_text(result.score)} / {score_text(result.max_score)}"
    console.print(table(result, f"{title}: {total}" if title else ""))
    if sources := graded_from(result):
        console.print(f"graded from: {escape(sources)}")
    for problem in result.problems:
        console.print(f"[yellow]note:[/yellow] {escape(problem)}")
    console.print(f"[bold]total: {total}[/bold]")


def _group_markdown(group: FailureGroup) -> str:
    case = group.first
    lines = [f"- **{group.covers}**: {case.message}"]
    if case.hint:
        lines.append(f"  - hint: {case.hint}")
    lines += [f"  - {other.label}: {other.message}" for other in group.others]
    if case.warnings:
        lines.append("  - numpy warnings: " + "; ".join(case.warnings))
    if case.output:
        lines.append("  - your code printed:\n\n```\n" + case.output.strip()[:1500] + "\n```")
    return "\n".join(lines)


NOTHING_GRADED = "Nothing could be graded (see above): every task scores 0."


def _cell(text: str) -> str:
    """Text in a Markdown table's cell: one line, no column separator."""
    return " ".join(text.split()).replace("|", "\\|")


def feedback_markdown(result: GradeResult, late: dict[str, Any] | None = None) -> str:
    """Per-student feedback: the total and a summary table first, the problems of the submission (each
    said once), then each task to fix with its failures (a message shared by cases said once); the tasks
    passed in full folded at the end."""
    out = [
        f"# Feedback for {result.submission}" + (f" ({result.assignment})" if result.assignment else ""),
        "",
        f"**Total: {score_text(result.score)} / {score_text(result.max_score)}**",
        "",
    ]
    if late and late["explanation"]:
        out += [f"**Late:** {late['explanation']}", ""]
    if sources := graded_from(result):
        out += [f"**Graded from:** {sources}", ""]
    out += [f"> {problem}" for problem in result.problems]
    views = task_views(result)
    if not views:
        return "\n".join([*out, "", NOTHING_GRADED]) + "\n"
    to_fix, passed = [v for v in views if v.status != PASSED], [v for v in views if v.status == PASSED]
    out += ["", "## Summary", ""]
    if to_fix:
        out += ["| task | score | status | cause |", "|---|---:|---|---|"]
        out += [f"| {v.task.name} | {score_text(v.task.score)} / {score_text(v.task.max_score)} | {v.status} "
                f"| {_cell(v.cause)} |" for v in to_fix]
        out += [""]
    if passed:
        out += [f"{'And ' if to_fix else ''}{len(passed)} task(s) passed in full (below)."]
    if to_fix:
        out += ["", "## What to fix"]
    for view in to_fix:
        task = view.task
        out += ["", f"### {task.name}: {score_text(task.score)} / {score_text(task.max_score)} "
                f"({task.passed} of {len(task.cases)} cases passed)", ""]
        out += [view.why] if view.why else [_group_markdown(g) for g in view.groups]
    if passed:
        out += ["", f"<details><summary>Passed in full: {len(passed)} task(s)</summary>", ""]
        out += [f"- {v.task.name}: {score_text(v.task.score)} / {score_text(v.task.max_score)}, "
                f"all {len(v.task.cases)} cases passed" for v in passed]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


@functools.cache
def templates() -> jinja2.Environment:
    """The package's HTML templates, every value autoescaped.

    Imported on first use: Gradescope's bundle installs only what grading needs, and grading
    writes no HTML there.
    """
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def feedback_html(result: GradeResult, late: dict[str, Any] | None = None) -> str:
    """The same feedback as ``feedback_markdown``, as one self-contained HTML page (everything escaped),
    with a picture of where each wrong array is wrong and its text alternative (``errormap``)."""
    from .errormap import describe, picture_png

    page = templates().get_template("feedback.html")
    views = task_views(result)
    return page.render(result=result, late=late, views=views, nothing=NOTHING_GRADED, score=score_text,
                       to_fix=[v for v in views if v.status != PASSED],
                       passed=[v for v in views if v.status == PASSED],
                       picture=picture_png, describe=describe, sources=graded_from(result))


def _task_output(task: TaskResult) -> str:
    failures = [c for c in task.cases if not c.passed]
    if not task.cases:
        return "not graded: the submission could not be loaded"
    if not failures:
        return f"all {len(task.cases)} cases passed"
    return "\n".join(f"[{c.label}] {c.message}" + (f"\nhint: {c.hint}" if c.hint else "") for c in failures)


def gradescope_results(result: GradeResult, hidden_visibility: str = "after_published") -> dict[str, Any]:
    """Gradescope's results.json (docs/specs.md of gradescope/autograder_samples).

    A test whose cases are all hidden gets ``hidden_visibility`` (Gradescope's ``hidden``,
    ``after_due_date``, ``after_published`` or ``visible``); every other test is visible.
    """
    return {
        "score": result.score,
        "execution_time": result.elapsed_seconds,
        "output": "\n".join(result.problems)
        or f"Total: {score_text(result.score)} / {score_text(result.max_score)}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": task.name,
                "number": str(number),
                "score": task.score,
                "max_score": task.max_score,
                "status": "passed" if task.cases and task.score == task.max_score else "failed",
                "output": _task_output(task),
                "visibility": hidden_visibility if task.cases and not any(c.public for c in task.cases)
                else "visible",
            }
            for number, task in enumerate(result.tasks, 1)
        ],
    }
