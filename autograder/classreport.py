"""The class report: one self-contained HTML page for the TA, built from the students' results.

It shows what the class scored (a histogram of the totals), how each task went
(its mean score and pass rate, as a table and a bar plot), what the class
struggled with (per task, the failures most students hit, grouped by their
normalised first sentence, with the hint the grader gave), and the submissions
that could not be graded, with the reason.

Its input is the list of stored results (``batch.load_results``: each a
``GradeResult.to_json()`` with the batch stamp), so the report can be rebuilt at
any time from OUT alone. The statistics count the graded submissions only: one
that could not be loaded says nothing about a task. A task's pass rate is the
share of students who passed all its cases.

The page has no external resource: the style is inline and the plots are PNGs
drawn on matplotlib's Agg canvas, embedded as base64, so it can be mailed or
opened offline. Everything students wrote (messages, output, file names) is
HTML-escaped by jinja2's autoescape.
"""

from __future__ import annotations

import base64
import io
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jinja2
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .batch import GRADED, STAMP

TOP_FAILURES = 5  # failure groups shown per task
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


@dataclass
class Struggle:
    """One kind of failure of one task, and how many students hit it."""

    summary: str  # failure_key of the messages
    hint: str
    example: str  # one full message, as a student saw it
    students: set[str] = field(default_factory=set)
    cases: int = 0


@dataclass
class TaskStats:
    """How the class did on one task."""

    name: str
    max_score: float
    scores: list[float] = field(default_factory=list)  # one per graded student
    struggles: list[Struggle] = field(default_factory=list)  # most students first

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


def task_stats(graded: list[dict[str, Any]], top: int = TOP_FAILURES) -> list[TaskStats]:
    """Per task, in the grader's order: every graded student's score and the ``top`` most common failures."""
    stats: dict[str, TaskStats] = {}
    groups: dict[str, dict[tuple[str, str], Struggle]] = defaultdict(dict)
    for result in graded:
        student = result[STAMP]["student"]
        for task in result["tasks"]:
            stats.setdefault(task["name"], TaskStats(task["name"], float(task["max_score"])))
            stats[task["name"]].scores.append(float(task["score"]))
            for case in task["cases"]:
                if case["passed"]:
                    continue
                key = (failure_key(case["message"]), case["hint"])
                struggle = groups[task["name"]].setdefault(key, Struggle(*key, example=case["message"]))
                struggle.students.add(student)
                struggle.cases += 1
    for name, task in stats.items():
        ranked = sorted(groups[name].values(), key=lambda s: (-len(s.students), -s.cases, s.summary))
        task.struggles = ranked[:top]
    return list(stats.values())


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


def tasks_png(stats: list[TaskStats]) -> str:
    """Per task, its mean score and pass rate as horizontal bars, the grader's first task on top."""
    figure = Figure(figsize=(7, 0.28 * len(stats) + 1.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    rows = range(len(stats))
    axes.barh([r - 0.2 for r in rows], [t.mean_percent for t in stats], height=0.4, label="mean score",
              color="#4c72b0")
    axes.barh([r + 0.2 for r in rows], [t.pass_rate for t in stats], height=0.4, label="pass rate",
              color="#dd8452")
    axes.set_yticks(list(rows), [t.name for t in stats], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("percent")
    figure.legend(loc="outside upper center", ncols=2, fontsize=8)  # above the plot, never over a bar
    return _png(figure)


_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"), autoescape=True,
                                trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render_html(results: list[dict[str, Any]]) -> str:
    """The class report of these results (as ``batch.load_results`` gives them) as one HTML page."""
    graded = [r for r in results if r[STAMP]["status"] == GRADED]
    stats = task_stats(graded)
    totals = [float(r["score"]) for r in graded]
    max_score = max((float(r["max_score"]) for r in results), default=0.0)
    return _TEMPLATES.get_template("class_report.html").render(
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        submissions=len(results),
        graded=len(graded),
        max_score=max_score,
        mean=statistics.fmean(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        histogram=histogram_png(totals, max_score) if totals else None,
        tasks=stats,
        tasks_plot=tasks_png(stats) if stats else None,
        hardest=sorted((t for t in stats if t.struggles), key=lambda t: t.mean_percent),
        ungraded=[(r[STAMP]["student"], r[STAMP]["status"], " ".join(r["problems"]))
                  for r in results if r[STAMP]["status"] != GRADED],
    )
