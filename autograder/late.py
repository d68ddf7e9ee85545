"""Late work: when a submission came in, and what the TA's policy takes off for it.

The policy (``autograder batch --due 2026-12-01T23:59 --late-penalty 10%/day --late-cap 50%``):

- ``--due``: the deadline, ISO 8601; without a time zone it is the grader's local time.
- ``--late-penalty``: ``N`` points or ``N%`` of the maximum score, once (flat) or ``/day`` for
  every day or part of a day after the deadline (1 minute late is 1 day; 25 hours are 2).
- ``--late-cap``: the most the penalty may take, in points or ``%`` of the maximum.
- ``--penalize-late-marker``: Canvas marks a late file ``LATE`` but gives no time; such a
  submission is flagged, and penalised (as one day late) only with this flag.

The penalty never takes a score below 0. Where the time comes from: nbgrader's ``timestamp.txt``
at the top of a submission folder (``nbgrader submit`` writes it: ``2026-12-01 08:00:00.000000 UTC``,
read with nbgrader's own parser), the "Last modified (submission)" column of Moodle's grading
worksheet, or Canvas's ``LATE`` marker (late, time unknown). A ``timestamp.txt`` that a student
uploads to an LMS is hers to forge, so it is never read from an LMS download.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DAY = 86400.0
_AMOUNT = re.compile(r"\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<percent>%?)\s*(?P<per_day>/\s*day)?\s*", re.I)
NBGRADER_TIMESTAMP = "timestamp.txt"


class PolicyError(ValueError):
    """A policy option that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Amount:
    """Points, or a percentage of the maximum score."""

    value: float
    percent: bool

    def points(self, max_score: float) -> float:
        return self.value * max_score / 100 if self.percent else self.value

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{self.value:g} points"


@dataclass(frozen=True)
class Policy:
    due: datetime  # time-zone aware
    penalty: Amount | None = None  # None: late work is flagged, not penalised
    per_day: bool = False
    cap: Amount | None = None
    penalize_marker: bool = False

    def describe(self) -> str:
        if self.penalty is None:
            return f"due {self.due.isoformat(timespec='minutes')}; late work is flagged, not penalised"
        cap = f", at most {self.cap}" if self.cap else ""
        return (
            f"due {self.due.isoformat(timespec='minutes')}; {self.penalty} "
            f"{'per day or part of a day' if self.per_day else 'once'} late{cap}"
        )


def _amount(text: str, option: str, per_day_allowed: bool) -> tuple[Amount, bool]:
    match = _AMOUNT.fullmatch(text)
    if match is None or (match["per_day"] and not per_day_allowed):
        example = "'10%', '10%/day', '5' or '5/day'" if per_day_allowed else "'50%' or '30'"
        raise PolicyError(f"{option} {text!r} is not an amount: expected {example}")
    return Amount(float(match["value"]), bool(match["percent"])), bool(match["per_day"])


def parse_due(text: str) -> datetime:
    """An ISO 8601 date or date and time; without a time zone, the local one."""
    try:
        due = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PolicyError(
            f"--due {text!r} is not an ISO 8601 date and time (e.g. 2026-12-01T23:59)"
        ) from None
    return due.astimezone() if due.tzinfo is None else due


def make_policy(
    due: str | None, penalty: str | None, cap: str | None, penalize_marker: bool
) -> Policy | None:
    """The policy of the command's options; None when there is no deadline."""
    if due is None:
        if penalty or cap or penalize_marker:
            raise PolicyError("--late-penalty, --late-cap and --penalize-late-marker need --due")
        return None
    amount, per_day = _amount(penalty, "--late-penalty", True) if penalty else (None, False)
    if cap and amount is None:
        raise PolicyError("--late-cap needs --late-penalty")
    return Policy(
        parse_due(due),
        amount,
        per_day,
        _amount(cap, "--late-cap", False)[0] if cap else None,
        penalize_marker,
    )


def nbgrader_time(folder: Path) -> tuple[datetime | None, str]:
    """The time in nbgrader's ``timestamp.txt`` at the top of a submission folder; a note if unreadable."""
    stamp = folder / NBGRADER_TIMESTAMP
    if not folder.is_dir() or not stamp.is_file() or stamp.is_symlink():
        return None, ""
    try:
        text = stamp.read_bytes()[:200].decode("utf-8").strip()
        from .nbschema import skip_iri_format_checks

        skip_iri_format_checks()
        from nbgrader.utils import parse_utc  # nbgrader's own reader of what `nbgrader submit` writes

        return parse_utc(text).replace(tzinfo=UTC), ""
    except (OSError, UnicodeDecodeError, ValueError, OverflowError, TypeError) as exc:
        return (
            None,
            f"{NBGRADER_TIMESTAMP} could not be read ({type(exc).__name__}); the submission time is unknown",
        )


def assess(
    policy: Policy | None, submitted: datetime | None, marker: bool, source: str, max_score: float
) -> dict[str, Any] | None:
    """The late record of one submission (JSON-ready), or None when it is on time or nothing is known.

    Keys: ``submitted`` (ISO or None), ``source``, ``due``, ``days_late`` (days or part days, 0 when
    only the marker says late), ``penalty`` (points, before the floor at 0), ``explanation``.
    """
    if submitted is None and not marker:
        return None
    if policy is None or submitted is None:
        if not marker:  # a known time and no deadline: the time is shown, nothing is late
            return {
                "submitted": submitted.isoformat(timespec="seconds"),
                "source": source,
                "due": None,
                "days_late": 0,
                "penalty": 0.0,
                "explanation": "",
            }
        penalized = policy is not None and policy.penalize_marker and policy.penalty is not None
        penalty = _penalty(policy, 1, max_score) if penalized else 0.0
        explanation = "Canvas marked this submission late (its time is not known): " + (
            f"{penalty:g} points were taken off, as for one day late."
            if penalized
            else "it is flagged, not penalised."
        )
        return {
            "submitted": None,
            "source": source,
            "due": policy.due.isoformat() if policy else None,
            "days_late": 0,
            "penalty": penalty,
            "explanation": explanation,
        }
    late_by = (submitted - policy.due).total_seconds()
    if late_by <= 0:
        return {
            "submitted": submitted.isoformat(timespec="seconds"),
            "source": source,
            "due": policy.due.isoformat(),
            "days_late": 0,
            "penalty": 0.0,
            "explanation": "",
        }
    days = math.ceil(late_by / DAY)
    penalty = _penalty(policy, days, max_score)
    explanation = (
        f"Submitted {submitted.isoformat(timespec='minutes')} ({source}), {_duration(late_by)} after "
        f"the deadline {policy.due.isoformat(timespec='minutes')}: "
        + (
            f"{penalty:g} points were taken off ({policy.describe()})."
            if policy.penalty
            else "it is flagged as late, not penalised."
        )
    )
    return {
        "submitted": submitted.isoformat(timespec="seconds"),
        "source": source,
        "due": policy.due.isoformat(),
        "days_late": days,
        "penalty": penalty,
        "explanation": explanation,
    }


def _penalty(policy: Policy, days: int, max_score: float) -> float:
    if policy.penalty is None:
        return 0.0
    penalty = policy.penalty.points(max_score) * (days if policy.per_day else 1)
    if policy.cap is not None:
        penalty = min(penalty, policy.cap.points(max_score))
    return round(penalty, 4)


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def apply(score: float, late: dict[str, Any] | None) -> float:
    """The score after the late penalty, never below 0."""
    return round(max(0.0, score - late["penalty"]), 4) if late else score
