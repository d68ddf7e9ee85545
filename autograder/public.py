"""The public cases as data: what a student's self-check runs, without the reference.

The release command runs the reference on every public case and stores the
inputs and the expected values in one file (``assignments/public_cases.bin``,
the ``protocol`` format: JSON and raw float64, no pickle). The self-check
rebuilds its plan from that file alone, so a student's copy needs neither
``solutions/`` nor the hidden cases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .grade import Plan, PlannedCase, plan_cases
from .inputs import Seed
from .protocol import SeedArg, decode, encode, map_leaves, read_message, write_message
from .runner import to_wire
from .spec import Case, Task
from .stubs import ASSIGNMENTS

PUBLIC_CASES = ASSIGNMENTS / "public_cases.bin"
FORMAT_VERSION = 1


def build(tasks: tuple[Task, ...]) -> dict[str, Any]:
    """The public cases of ``tasks`` with the reference's expected values."""
    from .checks import Reference

    entries = []
    for task, planned in plan_cases(tasks, Reference(), public_only=True):
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


def write(path: Path = PUBLIC_CASES) -> Path:
    from .tasks import TASKS

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_message(f, *encode(build(TASKS)))
    return path


def _from_wire(value: Any) -> Any:
    return map_leaves(value, lambda v: Seed(v.seed) if isinstance(v, SeedArg) else v)


def read(path: Path = PUBLIC_CASES) -> dict[str, Any]:
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


def load_plan(path: Path = PUBLIC_CASES) -> Plan:
    """The self-check's plan: public cases only, expected values from the file."""
    plan = []
    for entry in read(path)["tasks"]:
        cases = [
            PlannedCase(Case({}, c["label"], True, c["raises"]), _from_wire(c["inputs"]), c["expected"])
            for c in entry["cases"]
        ]
        task = Task(
            entry["name"], entry["points"], entry["check"], tuple(p.case for p in cases), entry["options"]
        )
        plan.append((task, cases))
    return plan
