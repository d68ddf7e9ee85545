"""An assignment's notebooks, built with nbformat from its one source: the reference modules.

One notebook per topic, in lecture order (the assignment's ``notebooks``), each from
one reference module:

- Markdown cells carry the lecture's explanation and formulas (the assignment's
  lecture notes, ``assignment.Lecture``);
- a locked *given* cell holds the module's imports, and one locked cell each of its
  helpers (``sigmoid``, ``one_hot``, ...);
- every graded function becomes a *solution* cell (the whole function; the hint
  stays above nbgrader's ``### BEGIN SOLUTION`` marker, so nbgrader's release keeps it)
  followed by a locked, autograded *test* cell worth the task's points, which calls
  ``notebook_grading.grade_task`` and shows the score as its last expression;
- an ungraded cell at the end tries the functions out.

``build_notebooks(release=False)`` is the instructor's version (nbgrader's
``source/``); ``release=True`` is the student's, with every solution region replaced
exactly as nbgrader's ``ClearSolutions`` does (``# YOUR CODE HERE`` and
``raise NotImplementedError()``), so both releases agree line for line.

A notebook that needs another notebook's functions (the char-RNN trains on the
student's own RNN) reads them from that notebook's file with
``notebook_grading.import_functions``: nbgrader runs one kernel per notebook, and
``autograder grade`` merges all notebooks' definitions, so both find the same code.
"""

from __future__ import annotations

import ast
import copy
from itertools import takewhile
from pathlib import Path

from .assignment import Assignment, Lecture, current
from .nbschema import skip_iri_format_checks
from .stubs import BEGIN, END, solution_blocks

skip_iri_format_checks()  # before nbformat's import: a second of it otherwise

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

NB_BEGIN, NB_END = "### BEGIN SOLUTION", "### END SOLUTION"
# nbgrader's default ClearSolutions.code_stub for Python: the release must match nbgrader's own.
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


HOW_TO = """\
**How this notebook works.** Each exercise is a function: write your code in place of
`raise NotImplementedError()`, following the `# TODO` above it, and run the cell. The locked
cell after it grades that function and shows its score; its printout says which case failed,
what was expected and a hint. On your machine it runs the public cases; the graders run more
(other shapes and sizes, the edge cases), so make your function general. Do not rename the
functions. Only definitions are graded: cells that explore, print or plot are fine anywhere.
"""

def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
              points: float | None = None) -> dict:
    """Cell metadata in nbgrader's schema v3 (``nbgraderformat/v3.json``)."""
    meta = {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _solution_source(function: str) -> str:
    """A reference function with its hint above nbgrader's markers and its code between them."""
    out: list[str] = []
    block: list[str] | None = None
    for line in function.splitlines():
        if line.strip() == BEGIN:
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif line.strip() == END:
            hint = list(takewhile(lambda text: text.strip().startswith("#"), block))
            out += [*hint, indent + NB_BEGIN, *block[len(hint):], indent + NB_END]
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return "\n".join(out)


def clear_solutions(source: str) -> str:
    """The student's version of a solution cell, as nbgrader's ClearSolutions makes it."""
    out, inside = [], False
    for line in source.split("\n"):
        if "BEGIN SOLUTION" in line:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in CODE_STUB]
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def strip_markers(source: str) -> str:
    """A solution cell as a student who wrote the reference hands it in: the markers removed."""
    return "\n".join(line for line in source.split("\n") if line.strip() not in (NB_BEGIN, NB_END))


def _segments(source: str) -> list[tuple[ast.stmt, str]]:
    """The module's top-level statements after its docstring, each with its text.

    A statement's text takes the comments above it and the indented lines after it: a
    function's ``# END SOLUTION`` may follow its last statement.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    segments, start = [], body[0].lineno - 1 if body else 0
    for node in body:
        end = node.end_lineno
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
            end += 1
        segments.append((node, "\n".join(lines[start:end]).strip("\n")))
        start = end
    return segments


def _import_cell(imports: list[tuple[ast.stmt, str]], assignment: Assignment) -> str:
    """The given imports; a relative import (another notebook's functions) reads that notebook."""
    by_module = {lecture.module: lecture for lecture in assignment.lectures}
    lines = []
    for node, text in imports:
        if not (isinstance(node, ast.ImportFrom) and node.level):
            lines.append(text)
        else:
            other = by_module[node.module].filename
            names = [alias.name for alias in node.names]
            targets = ", ".join(names) + ("," if len(names) == 1 else "")
            quoted = ", ".join(f'"{name}"' for name in [other, *names])
            lines += ["", "from autograder.notebook_grading import import_functions", "",
                      f"# Your own functions from {other}, graded there and used here: save it first.",
                      f"{targets} = import_functions(\n    {quoted})"]
    return "\n".join(lines)


def grading_source(task: str) -> str:
    """A test cell: its last expression is the score, which nbgrader reads as partial credit."""
    return f'from autograder.notebook_grading import grade_task\n\ngrade_task("{task}", globals())'


def build_notebook(lecture: Lecture, release: bool, assignment: Assignment) -> nbformat.NotebookNode:
    """One topic's notebook: the instructor's (``release=False``) or the student's version."""
    source = (assignment.reference / f"{lecture.module}.py").read_text()
    graded = {function for function, _ in solution_blocks(source)}
    segments = _segments(source)
    imports = [(node, text) for node, text in segments if isinstance(node, ast.Import | ast.ImportFrom)]
    cells = [new_markdown_cell(f"# {assignment.heading}: {lecture.title}\n{lecture.intro}\n{HOW_TO}"),
             new_code_cell(_import_cell(imports, assignment), metadata=_nbgrader("imports", locked=True))]
    for node, text in segments:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        name = node.name if isinstance(node, ast.FunctionDef) else ast.unparse(node.targets[0])
        if name not in graded:
            cells.append(new_code_cell(text, metadata=_nbgrader(f"given_{name}", locked=True)))
            continue
        task = assignment.by_name[f"{lecture.module}.{name}"]
        heading = f"## Exercise: `{name}` ({task.points:g} points)"
        note = lecture.notes.get(name)
        cells.append(new_markdown_cell(f"{heading}\n\n{note}" if note else heading))
        solution = _solution_source(text)
        cells.append(new_code_cell(clear_solutions(solution) if release else solution,
                                   metadata=_nbgrader(name, solution=True)))
        test = _nbgrader(f"test_{name}", grade=True, locked=True, points=task.points)
        cells.append(new_code_cell(grading_source(task.name), metadata=test))
    if lecture.explore:
        cells += [new_markdown_cell("## Try it (not graded)"), new_code_cell(lecture.explore.rstrip("\n"))]
    for number, cell in enumerate(cells):
        # Stable ids: the same source builds byte-identical notebooks.
        cell["id"] = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{number}"
    return new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})


def build_notebooks(release: bool, assignment: Assignment | None = None) -> dict[str, nbformat.NotebookNode]:
    """File name -> notebook, in lecture order (``release=True``: the student's version)."""
    assignment = assignment or current()
    return {lecture.filename: build_notebook(lecture, release, assignment) for lecture in assignment.lectures}


def write_notebooks(out_dir: str | Path, release: bool, assignment: Assignment | None = None) -> list[Path]:
    """Write every notebook into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook in build_notebooks(release, assignment).items():
        nbformat.write(notebook, out / name)
        written.append(out / name)
    return written


# --- rehearsing grading: what students would hand in -------------------------------------------

def solved(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A source notebook as a student who wrote the reference hands it in: it must score full marks."""
    out = copy.deepcopy(notebook)
    for cell in out.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = strip_markers(cell.source)
    return out


def with_function(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """The notebook with the solution cell of the function defined in ``source`` replaced by it."""
    name = next(node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
    out = copy.deepcopy(notebook)
    cell = next(c for c in out.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)
    cell.source = source
    return out
