"""Present a grade: a terminal table, Markdown and HTML feedback, and Gradescope's results.json.

Every lost point is explained the same way everywhere: the case (what was
checked, on which shapes and parameters), what came back against what was
expected, and a hint. Hidden cases never show their inputs or the reference's
arrays, only shapes and the size of the error.
"""

from __future__ import annotations

import functools
import re
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


def _score(value: float) -> str:
    return f"{value:g}"


def table(result: GradeResult, title: str = "") -> Table:
    """A per-task table: score, cases passed, and the first failure explained."""
    grid = Table(
        title=title or f"{result.submission}: {_score(result.score)} / {_score(result.max_score)}",
        show_lines=False,
        expand=False,
    )
    grid.add_column("task")
    grid.add_column("score", justify="right")
    grid.add_column("cases", justify="right")
    grid.add_column("first failure", overflow="fold", max_width=90)
    for task in result.tasks:
        failure = first_failure(task)
        full = task.score == task.max_score and task.cases
        style = "green" if full else ("yellow" if task.score > 0 else "red")
        why = ""
        if failure is not None:
            # Labels and messages hold brackets ("[2, 3]", "x(4, 3)"): not rich markup.
            why = escape(
                f"[{failure.label}] {failure.message}" + (f"\nhint: {failure.hint}" if failure.hint else "")
            )
        grid.add_row(
            task.name,
            f"[{style}]{_score(task.score)}/{_score(task.max_score)}[/{style}]",
            f"{task.passed}/{len(task.cases)}",
            why,
        )
    return grid


def graded_from(result: GradeResult) -> str:
    """The file each module was graded from, in one line ("basics: basics.py, conv: 02_convolution.ipynb,
    conv.conv_forward: scratch.ipynb"); empty for a result that names none (an older stored result)."""
    return ", ".join(f"{name}: {file}" for name, file in getattr(result, "sources", {}).items())


def print_result(result: GradeResult, console: Console | None = None, title: str = "") -> None:
    console = console or Console()
    console.print(table(result, title))
    if sources := graded_from(result):
        console.print(f"graded from: {escape(sources)}")
    for problem in result.problems:
        console.print(f"[yellow]note:[/yellow] {escape(problem)}")
    console.print(f"[bold]total: {_score(result.score)} / {_score(result.max_score)}[/bold]")


def _case_markdown(case: CaseResult) -> str:
    lines = [f"- **{case.label}**" + (" (public)" if case.public else "") + f": {case.message}"]
    if case.hint:
        lines.append(f"  - hint: {case.hint}")
    if case.warnings:
        lines.append("  - numpy warnings: " + "; ".join(case.warnings))
    if case.output:
        lines.append("  - your code printed:\n\n```\n" + case.output.strip()[:1500] + "\n```")
    return "\n".join(lines)


NOTHING_GRADED = "Nothing could be graded (see above): every task scores 0."


def _sections(result: GradeResult) -> list[tuple[TaskResult, str, list[CaseResult]]]:
    """Per task: the task, why none of its cases could run ("" when they ran), its failing cases.

    A module that does not import is one problem of the submission: each of its tasks says so
    in one line instead of repeating it for every case. Empty when nothing could be graded.
    """
    if not any(task.cases for task in result.tasks):
        return []
    unimportable = unimportable_modules(result.problems)
    sections = []
    for task in result.tasks:
        module = task.name.split(".")[0]
        broken = module in unimportable
        why = f"Not graded: {module}.py does not import (see the problem above)." if broken else ""
        sections.append((task, why, [c for c in task.cases if not c.passed]))
    return sections


def feedback_markdown(result: GradeResult, late: dict[str, Any] | None = None) -> str:
    """Per-student feedback: the total, the problems of the submission (each said once), every failing
    case explained."""
    out = [
        f"# Feedback for {result.submission}" + (f" ({result.assignment})" if result.assignment else ""),
        "",
        f"**Total: {_score(result.score)} / {_score(result.max_score)}**",
        "",
    ]
    if late and late["explanation"]:
        out += [f"**Late:** {late['explanation']}", ""]
    if sources := graded_from(result):
        out += [f"**Graded from:** {sources}", ""]
    out += [f"> {problem}" for problem in result.problems]
    sections = _sections(result)
    for task, why, failures in sections:
        out += [
            "",
            f"## {task.name}: {_score(task.score)} / {_score(task.max_score)} "
            f"({task.passed} of {len(task.cases)} cases passed)",
        ]
        out += [why] if why else [_case_markdown(c) for c in failures] or ["All cases passed."]
    if not sections:
        out += ["", NOTHING_GRADED]
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
    """The same feedback as ``feedback_markdown``, as one self-contained HTML page (everything escaped)."""
    page = templates().get_template("feedback.html")
    return page.render(result=result, late=late, tasks=_sections(result), nothing=NOTHING_GRADED,
                       score=_score, sources=graded_from(result))


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
        "output": "\n".join(result.problems) or f"Total: {_score(result.score)} / {_score(result.max_score)}",
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
