"""Turn the reference solutions into student stubs: one source, two packages.

A solution block runs from a ``# BEGIN SOLUTION`` line to a ``# END SOLUTION``
line. In the stub, the block keeps its opening comment lines (the author's hint,
``# TODO ...``) and its code becomes ``raise NotImplementedError(...)``; every
line outside the blocks (imports, signatures, docstrings, input checks) is kept
as it is. nbgrader uses the same two markers.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from .assignment import Assignment, current

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
ROOT = Path(__file__).resolve().parent.parent  # where the grader is installed

_DEF = re.compile(r"^\s*def (\w+)\(")


class MarkerError(ValueError):
    """A solution file whose BEGIN/END SOLUTION markers do not pair up."""


def solution_blocks(source: str) -> list[tuple[str, list[str]]]:
    """The solution blocks of a module: (function name, the block's lines) in order."""
    blocks, current, function = [], None, "?"
    for number, line in enumerate(source.splitlines(), 1):
        if (match := _DEF.match(line)) and current is None:
            function = match.group(1)
        if line.strip() == BEGIN:
            if current is not None:
                raise MarkerError(f"line {number}: {BEGIN} inside another solution block")
            current = []
        elif line.strip() == END:
            if current is None:
                raise MarkerError(f"line {number}: {END} without a {BEGIN}")
            blocks.append((function, current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        raise MarkerError(f"{BEGIN} in {function}() is never closed")
    return blocks


def make_stub(source: str) -> str:
    """The student's version of a solution module's source."""
    blocks = iter(solution_blocks(source))
    out, skipping = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            function, body = next(blocks)
            indent = line[: len(line) - len(line.lstrip())]
            hint = []
            for body_line in body:
                if not body_line.strip().startswith("#"):
                    break
                hint.append(body_line)
            out += hint
            out.append(
                f'{indent}raise NotImplementedError("{function}: write this part (see the TODO above)")'
            )
            skipping = True
        elif stripped == END:
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def package_docstring(assignment: Assignment) -> str:
    """The stub package's ``__init__.py``: what to do, in the assignment's own terms."""
    files = ", ".join(f"{module}.py" for module in assignment.modules)
    text = textwrap.fill(f"Fill in every ``raise NotImplementedError`` of {files}, following the TODO "
                         "above it. Check your work with ``autograder check`` or ``pytest``.", 80)
    return (f'"""{assignment.title}.\n\n{text}\n\nGenerated from the reference solutions by '
            "``autograder stubs``: do not edit the\nfiles' structure (names, signatures), only the "
            'bodies you are asked to write.\n"""\n')


def expected_assignments(assignment: Assignment | None = None) -> dict[str, str]:
    """File name -> text of every file that the stub package must hold."""
    assignment = assignment or current()
    files = {"__init__.py": package_docstring(assignment)}
    for module in assignment.modules:
        files[f"{module}.py"] = make_stub((assignment.reference / f"{module}.py").read_text())
    return files


def write_assignments(out: Path | None = None, assignment: Assignment | None = None) -> list[Path]:
    """(Re)write the stub package (by default the assignment's own folder); returns the files written."""
    assignment = assignment or current()
    out = out or assignment.stubs
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_assignments(assignment).items():
        path = out / name
        path.write_text(text)
        written.append(path)
    return written
