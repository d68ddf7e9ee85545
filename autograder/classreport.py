"""The class report: one self-contained HTML page for the TA, built from the students' results.

It shows what changed since the last gradebook (after a regrade: old and new totals),
every student (one row each, sortable by any column from the mouse or the keyboard,
linking her feedback page), what the class scored (a histogram of the totals), how
each task went (its mean score and pass rate, as a table with a bar beside each
figure, and under each task the pass rate of each of its cases), what the class
struggled with (the causes most students hit over the whole class, and which
students; then per task, the failures most students hit, grouped by their normalised
first sentence, with the hint the grader gave), the problems of whole submissions (a
module that does not import: once per student, not once per case), and the
submissions that could not be graded, with the reason. Scores show at most two
decimals.

Its input is the stored results (each a ``GradeResult.to_json()`` with the batch
stamp), so the report can be rebuilt at any time from OUT alone: the class's rows
without their cases, and the tasks' statistics tallied case by case as the results
were read (``TaskTally``), so that a class of thousands is never held in memory
whole. The statistics count the graded submissions only: one that could not be
loaded says nothing about a task. A task's pass rate is the share of students who
passed all its cases.

The page has no external resource: the style is inline, the histogram is a PNG
drawn on matplotlib's Agg canvas, embedded as base64, and the tasks' bars are
styled table cells (as fast to make as the table itself), so it can be mailed or
opened offline; the only script is the few inline lines that sort the students'
table. Everything students wrote (messages, output, file names) is HTML-escaped by
jinja2's autoescape.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .assignment import current
from .classdata import Change
from .report import GRADED, STAMP, failure_key, score_text, templates, unimportable_modules

TOP_FAILURES = 5  # failure groups shown per task
TOP_CAUSES = 10  # the causes the class hit most, over all tasks


@dataclass
class Struggle:
    """One kind of failure of one task, and how many students hit it."""

    summary: str  # failure_key of the messages
    hint: str
    example: str  # one full message, as a student saw it
    students: set[str] = field(default_factory=set)
    cases: int = 0


@dataclass
class CaseStats:
    """How the class did on one case of a task."""

    label: str
    public: bool
    passed: int = 0
    total: int = 0  # graded students who ran it

    @property
    def pass_rate(self) -> float:
        return 100 * self.passed / self.total if self.total else 0.0


@dataclass
class TaskStats:
    """How the class did on one task."""

    name: str
    max_score: float
    scores: list[float] = field(default_factory=list)  # one per graded student
    struggles: list[Struggle] = field(default_factory=list)  # most students first
    cases: dict[str, CaseStats] = field(default_factory=dict)  # by label, in the task's order

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def mean_percent(self) -> float:
        return 100 * self.mean / self.max_score if self.max_score else 0.0

    @property
    def pass_rate(self) -> float:
        """Percent of the graded students with full marks on the task."""
        return 100 * sum(s >= self.max_score for s in self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def zero(self) -> int:
        return sum(s == 0 for s in self.scores)


class TaskTally:
    """The tasks' statistics, added up one stored result at a time (a class is never held whole).

    ``add`` counts a graded result's task scores, its cases' passes, and its failures,
    grouped by ``failure_key`` and hint; ``stats`` gives, per task in the grader's order,
    the scores and the ``top`` failures most students hit.
    """

    def __init__(self) -> None:
        self.tasks: dict[str, TaskStats] = {}
        self.groups: dict[str, dict[tuple[str, str], Struggle]] = defaultdict(dict)

    def add(self, result: dict[str, Any]) -> None:
        if result[STAMP]["status"] != GRADED:  # one that could not be loaded says nothing about a task
            return
        student = result[STAMP]["student"]
        unimportable = unimportable_modules(result["problems"])
        for task in result["tasks"]:
            stats = self.tasks.setdefault(task["name"], TaskStats(task["name"], float(task["max_score"])))
            stats.scores.append(float(task["score"]))
            for case in task["cases"]:
                counts = stats.cases.setdefault(case["label"], CaseStats(case["label"], case["public"]))
                counts.passed += case["passed"]
                counts.total += 1
                if case["passed"] or task["name"].split(".")[0] in unimportable:  # a problem, said once
                    continue
                key = (failure_key(case["message"]), case["hint"])
                struggle = self.groups[task["name"]].setdefault(key, Struggle(*key, example=case["message"]))
                struggle.students.add(student)
                struggle.cases += 1

    def stats(self, top: int = TOP_FAILURES) -> list[TaskStats]:
        for name, task in self.tasks.items():
            ranked = sorted(self.groups[name].values(), key=lambda s: (-len(s.students), -s.cases, s.summary))
            task.struggles = ranked[:top]
        return list(self.tasks.values())


def task_stats(results: Iterable[dict[str, Any]], top: int = TOP_FAILURES) -> list[TaskStats]:
    """Per task, in the grader's order: every graded student's score and the ``top`` most common failures."""
    tally = TaskTally()
    for result in results:
        tally.add(result)
    return tally.stats(top)


def top_causes(stats: list[TaskStats], top: int = TOP_CAUSES) -> list[tuple[str, Struggle]]:
    """(task, failure) for the ``top`` failures hit by the most students over the whole class."""
    found = [(task.name, struggle) for task in stats for struggle in task.struggles]
    return sorted(found, key=lambda item: (-len(item[1].students), -item[1].cases))[:top]


def _png(figure: Figure) -> str:
    """The figure as a base64 PNG, for an ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_png(totals: list[float], max_score: float) -> str:
    """The distribution of total scores, in ten bins from 0 to the maximum."""
    figure = Figure(figsize=(7, 3.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.hist(totals, bins=10, range=(0, max_score or 1), color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total score (out of {max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"{len(totals)} graded submissions: mean {statistics.fmean(totals):.1f}, "
                   f"median {statistics.median(totals):.1f}")
    return _png(figure)


def weakest_task(result: dict[str, Any]) -> str:
    """The task that lost the largest share of its points (the first on a tie); why, when none can be named.

    A row that was not graded gives its reason; a graded row where every task scored 0 says
    "nothing passed" (with the submission's first problem, if any) rather than naming the first task.
    """
    tasks = result["tasks"]
    if result[STAMP]["status"] != GRADED:
        return " | ".join(result["problems"]) or result[STAMP]["status"]
    if all(t["score"] == 0 for t in tasks):
        return "nothing passed" + (f": {result['problems'][0]}" if result["problems"] else "")
    lost = [(t["score"] / t["max_score"], i) for i, t in enumerate(tasks) if t["score"] < t["max_score"]]
    return tasks[min(lost)[1]]["name"] if lost else ""


@dataclass
class StudentRow:
    """One student in the report's table."""

    student: str
    name: str
    score: float
    max_score: float
    status: str
    late: str  # "2 days, -20" / "LATE marker" / ""
    flags: str
    weakest: str
    feedback: str  # the link to her feedback page, relative to report.html


def student_rows(results: list[dict[str, Any]]) -> list[StudentRow]:
    rows = []
    for result in results:
        stamp, record = result[STAMP], result.get("late") or {}
        late = ""
        if record.get("days_late"):
            late = f"{record['days_late']} day(s)"
        elif record and not record.get("submitted"):
            late = "LATE marker"
        if record.get("penalty"):
            late += f", -{record['penalty']:g}"
        rows.append(StudentRow(stamp["student"], stamp.get("lms", {}).get("name", ""), float(result["score"]),
                               float(result["max_score"]), stamp["status"], late,
                               ", ".join(stamp.get("flags", [])), weakest_task(result),
                               f"students/{quote(stamp['student'])}/feedback.html"))
    return rows


def render_html(results: list[dict[str, Any]], similarity: dict[str, Any] | None = None,
                changed: list[Change] | None = None, tasks: list[TaskStats] | None = None) -> str:
    """The class report of these results as one HTML page.

    ``similarity``: the section on similar code (``similarity.report_data``), when there is one;
    ``changed``: the totals this batch changed (``classdata.changes``); ``tasks``: the tasks'
    statistics, when ``results`` are the class's rows without their cases (``batch.load_results``;
    ``batch.write_outputs`` tallies the cases as it reads them), else made from ``results``.
    """
    graded = [r for r in results if r[STAMP]["status"] == GRADED]
    stats = task_stats(graded) if tasks is None else tasks
    totals = [float(r["score"]) for r in graded]
    max_score = max((float(r["max_score"]) for r in results), default=0.0)
    return templates().get_template("class_report.html").render(
        title=current().title,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        submissions=len(results),
        graded=len(graded),
        max_score=max_score,
        mean=statistics.fmean(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        histogram=histogram_png(totals, max_score) if totals else None,
        tasks=stats,
        hardest=sorted((t for t in stats if t.struggles), key=lambda t: t.mean_percent),
        causes=top_causes(stats),
        students=student_rows(results),
        whole=[(r[STAMP]["student"], problem) for r in graded for problem in r["problems"]],
        ungraded=[(r[STAMP]["student"], r[STAMP]["status"], " ".join(r["problems"]))
                  for r in results if r[STAMP]["status"] != GRADED],
        similarity=similarity,
        changed=changed or [],
        score=score_text,
    )
