"""The hidden plan, made once per grader version and kept on disk.

Every student's grading needs the same numbers: each hidden case's inputs, the
reference's expected values, the reference's numerical gradients (thousands of
reference calls) and the reference's time on the case (which sets the student's
time limit). ``hidden_plan`` makes them once and stores them in one file named
by the grader's hash (``grader_hash``: this package, tasks.py included, and the
reference), so a change to either makes a new one; a grading, a batch's every
worker and the next run read that file instead.

The file is the ``protocol`` format (JSON and raw float64 arrays, never a
pickle), written atomically into the grader's own cache folder
(``$AUTOGRADER_CACHE``, else ``$XDG_CACHE_HOME/autograder``, else
``~/.cache/autograder``), created closed to others (0700). Student code never
sees it: it is outside the sandbox's root under bubblewrap, and root's alone
under a uid of its own. A file that does not read back whole, or was made for
other tasks, is made again.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from .assignment import Assignment, grader_hash
from .atomic import write_atomic
from .protocol import ProtocolError, decode, encode, read_message, write_message
from .runner import from_wire, to_wire
from .spec import Variant

FORMAT_VERSION = 2  # 2: each case's call form (``positional``)
MAX_BYTES = 512 * 2**20  # the hidden plan's arrays (about 3 MB for week 4)


def cache_folder() -> Path:
    if os.environ.get("AUTOGRADER_CACHE"):
        return Path(os.environ["AUTOGRADER_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "autograder"


def _file(assignment: Assignment, variant: Variant | None) -> Path:
    """One file per grader version and variant (named by its one-way name, never by the secret)."""
    suffix = f"-{variant.name}" if variant else ""
    return cache_folder() / f"hidden-plan-{assignment.name}-{grader_hash(assignment)[:32]}{suffix}.bin"


def load(assignment: Assignment, names: list[str], variant: Variant | None = None
         ) -> dict[str, list[dict[str, Any]]] | None:
    """The stored cases of the tasks ``names``, by task name; None when there is no usable file."""
    try:
        with open(_file(assignment, variant), "rb") as f:
            data = decode(*read_message(f, MAX_BYTES))
    except (OSError, EOFError, ProtocolError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return None
    if not isinstance(data.get("tasks"), dict) or set(data["tasks"]) != set(names):
        return None
    return {name: [{**case, "inputs": from_wire(case["inputs"])} for case in cases]
            for name, cases in data["tasks"].items()}


def store(assignment: Assignment, variant: Variant | None, tasks: dict[str, list[dict[str, Any]]]) -> None:
    """Keep every task's cases (``inputs``, ``expected``, ``seconds``, ``numeric``, ``positional``); a
    failure to write is no error."""
    folder = cache_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        wire = {name: [{**case, "inputs": to_wire(case["inputs"])} for case in cases]
                for name, cases in tasks.items()}
        message = io.BytesIO()
        write_message(message, *encode({"version": FORMAT_VERSION, "tasks": wire}, MAX_BYTES))
        write_atomic(_file(assignment, variant), message.getvalue())
        current = f"hidden-plan-{assignment.name}-{grader_hash(assignment)[:32]}"
        for old in folder.glob(f"hidden-plan-{assignment.name}-*.bin"):  # other grader versions'
            if not old.name.startswith(current):
                old.unlink(missing_ok=True)
    except OSError:
        pass
