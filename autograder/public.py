"""The public cases as data: what a student's self-check runs, without the reference.

``autograder stubs`` and the release run the reference on every public case and
store the inputs, their call form and the expected values in one file beside the
stubs (``assignments/public_cases.bin``, the ``protocol`` format: JSON and raw
float64, no pickle). The self-check rebuilds its plan from that file alone, so a
student's copy needs neither the reference nor the hidden cases, nor the
assignment's folder. An assignment with checks of its own names its checks file
there: the student bundle and the nbgrader course carry it beside the public cases
(``registry``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import registry as registries
from .assignment import Assignment, AssignmentError, current
from .checks import Registry, engine
from .grade import Plan, PlannedCase, plan_cases
from .protocol import decode, encode, read_message, write_message
from .runner import from_wire, to_wire
from .spec import Case, Task
from .stubs import ROOT

FILENAME = "public_cases.bin"
FORMAT_VERSION = 2  # 2: each case's call form (``positional``), the assignment's checks file


PATH_VARIABLE = "AUTOGRADER_PUBLIC_CASES"  # set by the nbgrader course's config: its own copy of the file


def default_path() -> Path:
    """The public cases of the assignment graded here (``$AUTOGRADER_PUBLIC_CASES`` first: the
    nbgrader course's); in the student bundle, beside its stubs."""
    if os.environ.get(PATH_VARIABLE):
        return Path(os.environ[PATH_VARIABLE])
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
                        "positional": p.positional,
                        "expected": p.expected,
                    }
                    for p in planned
                ],
            }
        )
    checks = assignment.checks_file.name if assignment.checks_file else None
    return {"version": FORMAT_VERSION, "assignment": assignment.name, "checks": checks, "tasks": entries}


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
            PlannedCase(Case({}, c["label"], True, c["raises"]), from_wire(c["inputs"]), c["expected"],
                        positional=c["positional"])
            for c in entry["cases"]
        ]
        task = Task(
            entry["name"], entry["points"], entry["check"], tuple(p.case for p in cases), entry["options"]
        )
        plan.append((task, cases))
    return plan


def registry(path: Path | None = None) -> Registry:
    """The checks and hints that the public cases of ``path`` are judged with: the engine's, and the
    assignment's own checks file, beside the file (the student bundle, the nbgrader course) or in
    the assignment's folder (the grader's checkout)."""
    path = path or default_path()
    data = read(path)
    if not data["checks"]:
        return engine()
    beside = path.parent / data["checks"]
    if beside.is_file():
        try:
            return registries.load(beside, data["assignment"])
        except registries.RegistryError as exc:
            raise ValueError(str(exc)) from None
    try:
        assignment = current()
    except AssignmentError:
        assignment = None
    if assignment is None or assignment.name != data["assignment"]:
        raise FileNotFoundError(f"{beside} is missing: the public cases of {data['assignment']} are judged "
                                "with its checks file, which comes beside them (instructors: run "
                                "`autograder release`)")
    return assignment.registry
