"""The class's data beside the gradebook: every case of every student, and what a regrade changed.

``cases.csv`` (SPEC §3) has one row per student and case, for item analysis in a
spreadsheet or pandas: ``student, task, case, public, passed, cause``; the cause is
the first line of the failure's message (a hidden case's says only what SPEC §3
lets it), empty when the case passed.

What changed: the totals of the gradebook as it was before a batch rewrote it
(``previous_totals``, read first), against the totals of the stored results after
it (``changes``): a regrade (``--only``, a changed grader or late policy) lists
each student whose total moved, old → new.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .report import STAMP, cause, score_text

CASES_CSV = "cases.csv"
CASES_COLUMNS = ("student", "task", "case", "public", "passed", "cause")


def case_rows(result: dict[str, Any]) -> Iterator[list[str]]:
    """``cases.csv``'s rows of one stored result, in the grader's order (the header is ``CASES_COLUMNS``).

    One result at a time, so that a class of thousands is written as it is read, never held whole.
    """
    from .batch import _cell  # the gradebook's: a message a spreadsheet would run as a formula is quoted

    for task in result["tasks"]:
        for case in task["cases"]:
            yield [_cell(value) for value in (
                result[STAMP]["student"], task["name"], case["label"], case["public"], case["passed"],
                "" if case["passed"] else cause(case["message"]))]


def previous_totals(gradebook: Path) -> dict[str, float]:
    """Each student's total in ``gradebook`` (a gradebook.csv), or nothing when there is none yet."""
    try:
        with gradebook.open(newline="") as file:
            return {row["student"]: float(row["total"]) for row in csv.DictReader(file)}
    except (OSError, KeyError, ValueError):  # no gradebook yet, or not one this grader wrote
        return {}


@dataclass(frozen=True)
class Change:
    """A student's total before and after a batch (``old`` None: new in the gradebook)."""

    student: str
    old: float | None
    new: float

    def __str__(self) -> str:
        old = "new" if self.old is None else score_text(self.old)
        return f"{self.student}: {old} → {score_text(self.new)}"


def changes(previous: dict[str, float], results: Iterable[dict[str, Any]]) -> list[Change]:
    """The students whose shown total (two decimals) differs from ``previous``; empty on a first batch."""
    if not previous:
        return []
    found = []
    for result in results:
        student, new = result[STAMP]["student"], float(result["score"])
        old = previous.get(student)
        if old is None or score_text(old) != score_text(new):
            found.append(Change(student, old, new))
    return found
