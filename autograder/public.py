"""The public cases as data: what a student's self-check runs, without the reference.

``autograder stubs`` and the release run the reference on every public case and
store the inputs and the expected values in one file beside the stubs
(``assignments/public_cases.bin``, the ``protocol`` format: JSON and raw float64,
no pickle). The self-check rebuilds its plan from that file alone, so a student's
copy needs neither the reference nor the hidden cases, nor the assignment's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .assignment import Assignment, AssignmentError, current
from .grade import Plan, PlannedCase, plan_cases
from .protocol import decode, encode, read_message, write_message
from .runner import from_wire, to_wire
from .spec import Case, Task
from .stubs import ROOT

FILENAME = "public_cases.bin"
FORMAT_VERSION = 1


def default_path() -> Path:
    """The public cases of the assignment graded here; in the student bundle, beside its stubs."""
    try:
        return current().public_cases
    except AssignmentError:  # the student bundle: no assignment folder, only its stubs
        return ROOT / "assignments" / FILENAME


def build(assignment: Assignment) -> dict[str, Any]:
    """The public cases of the assignment's tasks with the reference's expected values."""
    from .checks import Reference

    entries = []
    for task, planned in plan_cases(assignment.tasks, Reference(assignment), public_only=True):
        entries.append(
            {
                "name": task.name,
                "points": task.points,
                "check": task.check,
                "options": task.options,
                "cases": [
                    {
                        "label": p.case.label,
                        "raises": p.case.raises,
                        "inputs": to_wire(p.inputs),
                        "expected": p.expected,
                    }
                    for p in planned
                ],
            }
        )
    return {"version": FORMAT_VERSION, "tasks": entries}


def write(path: Path | None = None, assignment: Assignment | None = None) -> Path:
    """Write the public cases (by default beside the assignment's stubs); returns the file."""
    assignment = assignment or current()
    path = path or assignment.public_cases
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_message(f, *encode(build(assignment)))
    return path


def read(path: Path | None = None) -> dict[str, Any]:
    path = path or default_path()
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the public cases come with the stubs (instructors: run `autograder stubs`)"
        )
    with open(path, "rb") as f:
        data = decode(*read_message(f))
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {data.get('version')}; this grader reads {FORMAT_VERSION}"
        )
    return data


def load_plan(path: Path | None = None) -> Plan:
    """The self-check's plan: public cases only, expected values from the file."""
    plan = []
    for entry in read(path)["tasks"]:
        cases = [
            PlannedCase(Case({}, c["label"], True, c["raises"]), from_wire(c["inputs"]), c["expected"])
            for c in entry["cases"]
        ]
        task = Task(
            entry["name"], entry["points"], entry["check"], tuple(p.case for p in cases), entry["options"]
        )
        plan.append((task, cases))
    return plan
