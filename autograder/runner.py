"""How the grader calls a student's function: one interface, two ways to run it.

``InProcessRunner`` runs the student's code in the grader's own process: the
self-check on a student's own machine, where speed matters and nothing needs
isolating. ``sandbox.Sandbox`` runs it in an isolated child process: grading.
Both pass every value through the same wire format (``protocol``), so both see
plain arrays, fresh argument copies and the same errors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from .child import Executor, StudentError
from .protocol import ProtocolError, SeedArg, decode, encode, map_leaves
from .spec import Seed


@dataclass
class Outcome:
    """What one call of a student function gave."""

    value: Any = None
    args_after: list[Any] = field(default_factory=list)  # each argument after the call (None: immutable)
    warnings: list[str] = field(default_factory=list)
    output: str = ""
    error: StudentError | None = None
    kwargs_after: dict[str, Any] = field(default_factory=dict)  # the same, of the arguments given by name

    def inputs_after(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Each of a call's ``inputs`` (by name, positional ones first) as the call left it."""
        after = {**self.kwargs_after, **dict(zip(inputs, self.args_after))}
        return {name: after.get(name) for name in inputs}


class Runner(Protocol):
    problems: list[str]  # about the submission as a whole, found while running it (a notebook's cells)

    def call(self, function: str, args: list[Any], keep: tuple[int, ...] = (),
             global_seed: int | None = None, kwargs: dict[str, Any] | None = None) -> Outcome: ...

    def release(self, fresh: bool = True) -> None:
        """Forget the objects kept by earlier calls; ``fresh``: start the next case from scratch."""

    def limit_calls(self, seconds: float) -> None:
        """The wall-clock limit of each call from now on."""

    def set_deadline(self, deadline: float | None, why: str = "") -> None:
        """Every call from now on ends by ``deadline`` (``time.monotonic()``), imports included;
        ``why`` says whose time it is in a stopped call's message. None: no deadline."""

    def close(self) -> None: ...


def to_wire(args: Any) -> Any:
    """Arguments as the wire carries them: Seed specs become SeedArg."""
    return map_leaves(args, lambda v: SeedArg(v.seed, v.skip) if isinstance(v, Seed) else v)


def from_wire(args: Any) -> Any:
    """Arguments as stored (the public cases, the cached plan): SeedArg back to Seed specs."""
    return map_leaves(args, lambda v: Seed(v.seed, v.skip) if isinstance(v, SeedArg) else v)


def outcome_from(result: Any, output: str = "") -> Outcome:
    """The Outcome of a reply of ``child.Executor``; ``ProtocolError`` if it is not one (a forged reply)."""
    if not isinstance(result, dict):
        raise ProtocolError("a reply that is not a dict")
    if "error" in result:
        error = result["error"]
        if not (isinstance(error, list) and len(error) == 3 and all(isinstance(e, str) for e in error)):
            raise ProtocolError("a malformed error reply")
        return Outcome(error=StudentError(*error), output=output)
    if result.keys() & {"imported", "dropped"}:
        return Outcome(output=output)
    after, warnings = result.get("args_after"), result.get("warnings")
    by_name = result.get("kwargs_after", {})
    if "value" not in result or not isinstance(after, list) or not isinstance(by_name, dict) or \
            not isinstance(warnings, list):
        raise ProtocolError("a malformed reply")
    return Outcome(result["value"], after, [str(w)[:500] for w in warnings[:20]], output, None, by_name)


def cell_problems(records: Any, known: list[str]) -> None:
    """Add to ``known`` each notebook cell that raised, said once, from ``notebook_runtime``'s records
    ([notebook, cell, exception type, message, line]); a malformed record is left out."""
    if not isinstance(records, list):
        return
    for record in records[:100]:
        if not (isinstance(record, list) and len(record) == 5 and type(record[0]) is str
                and type(record[1]) is int and type(record[2]) is str and type(record[3]) is str
                and (record[4] is None or type(record[4]) is int)):
            continue
        notebook, cell, kind, message, line = record
        kind = kind if re.fullmatch(r"\w{1,40}", kind) else "an exception of its own class"
        where = f"{notebook[:200]}, code cell {cell}" + (f", line {line}" if line else "")
        problem = f"{where}: {kind}: {message[:300]}; the rest of the cell was skipped, the next cells ran"
        if problem not in known:
            known.append(problem)


def round_trip(value: Any) -> Any:
    return decode(*encode(value))


class InProcessRunner:
    """Calls the student's functions in this process, through the wire format."""

    def __init__(self, package_dir: str | os.PathLike) -> None:
        self.executor = Executor(package_dir)
        self.problems: list[str] = []

    def call(self, function: str, args: list[Any], keep: tuple[int, ...] = (),
             global_seed: int | None = None, kwargs: dict[str, Any] | None = None) -> Outcome:
        result = self.executor.call(function, round_trip(to_wire(args)), keep, global_seed,
                                    round_trip(to_wire(kwargs or {})))
        cell_problems(round_trip(self.executor.problems), self.problems)
        self.executor.problems = []
        return outcome_from(round_trip(result))

    def release(self, fresh: bool = True) -> None:
        self.executor.drop()

    def limit_calls(self, seconds: float) -> None:
        """No limit in-process: the student's own machine, the student's own code."""

    def set_deadline(self, deadline: float | None, why: str = "") -> None:
        """No deadline in-process either."""

    def close(self) -> None:
        self.executor.close()
