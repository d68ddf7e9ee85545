"""The late policy: the penalty of each submission, and a batch that reads nbgrader's timestamp.txt."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta

import pytest
from bugcorpus import reference_source

from autograder import cli, late

DUE = "2026-12-01T23:59:00+00:00"
DEADLINE = datetime.fromisoformat(DUE)


def _assess(
    penalty: str | None,
    after: timedelta | None,
    cap: str | None = None,
    marker: bool = False,
    penalize_marker: bool = False,
) -> dict | None:
    policy = late.make_policy(DUE, penalty, cap, penalize_marker)
    submitted = DEADLINE + after if after is not None else None
    return late.assess(policy, submitted, marker, "test", 100.0)


@pytest.mark.parametrize(
    ("penalty", "after", "cap", "days", "points"),
    [
        ("10%/day", timedelta(minutes=1), None, 1, 10),  # one minute late is one day
        ("10%/day", timedelta(hours=25), None, 2, 20),
        ("10%/day", timedelta(days=9), "50%", 9, 50),  # capped
        ("5/day", timedelta(days=3), "12", 3, 12),  # points, capped in points
        ("20%", timedelta(days=4), None, 4, 20),  # flat: once, however late
        ("7", timedelta(hours=1), None, 1, 7),
        (None, timedelta(days=2), None, 2, 0),  # a deadline without a penalty: flagged only
    ],
)
def test_the_penalty(penalty, after, cap, days, points):
    record = _assess(penalty, after, cap)
    assert (record["days_late"], record["penalty"]) == (days, points)
    assert record["explanation"].startswith("Submitted 2026-12")


def test_on_time_is_no_penalty_and_the_time_is_kept():
    record = _assess("10%/day", timedelta(seconds=-1))
    assert (record["days_late"], record["penalty"], record["explanation"]) == (0, 0, "")
    assert record["submitted"] == "2026-12-01T23:58:59+00:00"


def test_the_penalty_never_takes_a_score_below_zero():
    assert late.apply(12.0, {"penalty": 30.0}) == 0.0 and late.apply(12.0, {"penalty": 2.5}) == 9.5


def test_canvas_late_marker_is_flagged_and_penalised_as_one_day_only_when_asked():
    flagged = _assess("10%/day", None, marker=True)
    assert flagged["penalty"] == 0 and "flagged, not penalised" in flagged["explanation"]
    penalised = _assess("10%/day", None, marker=True, penalize_marker=True)
    assert penalised["penalty"] == 10 and "one day late" in penalised["explanation"]
    assert late.assess(None, None, True, "Canvas", 100.0)["penalty"] == 0  # no policy at all: a flag
    assert late.assess(None, None, False, "Canvas", 100.0) is None


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"due": "tomorrow"}, "not an ISO 8601 date"),
        ({"due": DUE, "penalty": "ten"}, "is not an amount"),
        ({"due": DUE, "penalty": "10%", "cap": "5/day"}, "is not an amount"),
        ({"penalty": "10%"}, "need --due"),
        ({"due": DUE, "cap": "50%"}, "--late-cap needs --late-penalty"),
    ],
)
def test_bad_policy_options_say_what_was_expected(options, why):
    with pytest.raises(late.PolicyError, match=why):
        late.make_policy(options.get("due"), options.get("penalty"), options.get("cap"), False)


def test_a_naive_due_date_is_local_time():
    assert late.parse_due("2026-12-01T23:59") == datetime(2026, 12, 1, 23, 59).astimezone()


def test_a_batch_applies_the_policy_to_nbgrader_timestamps(tmp_path):
    """Two days late at 5 points a day; the other on time; the third's timestamp.txt is garbage."""
    src, out = tmp_path / "submitted", tmp_path / "out"
    stamps = {
        "late_one": "2026-12-03 09:00:00.000000 UTC",
        "on_time": "2026-12-01 22:00:00.000000 UTC",
        "garbled": "next tuesday, probably",
    }
    for student, stamp in stamps.items():
        (src / student).mkdir(parents=True)
        (src / student / "basics.py").write_text(reference_source("basics"))  # basics only: 12 points
        (src / student / "timestamp.txt").write_text(stamp)
    options = ["--due", DUE, "--late-penalty", "5/day"]
    assert cli.main(["batch", str(src), "--out", str(out), "--jobs", "2", *options]) == 0
    with open(out / "gradebook.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    late_one, on_time, garbled = rows["late_one"], rows["on_time"], rows["garbled"]
    assert (late_one["total"], late_one["days late"], late_one["late penalty"]) == ("2", "2", "10")
    assert late_one["flags"] == "late" and late_one["submitted"] == "2026-12-03T09:00:00+00:00"
    assert (on_time["total"], on_time["late penalty"], on_time["flags"]) == ("12", "0", "")
    assert garbled["total"] == "12" and "timestamp.txt could not be read" in garbled["problems"]
    stored = json.loads((out / "students" / "late_one" / "result.json").read_text())
    assert stored["score"] == 2 and stored["late"]["score_before_penalty"] == 12
    feedback = (out / "students" / "late_one" / "feedback.md").read_text()
    assert "**Total: 2 / 100**" in feedback and "10 points were taken off" in feedback
    assert json.loads((out / "students" / "late_one" / "results.json").read_text())["score"] == 2
