"""A notebook's code as the grader runs it: its code cells in Python, and what they define.

Jupyter runs a cell through IPython, which first turns what is not Python (``%magic``,
``%%cell magic``, ``!shell``, ``help?``) into calls on ``get_ipython()``; so does the grader,
with IPython's own transformer (``IPython.core.inputtransformer2``), on the grader's side: the
sandbox runs plain Python, and its ``get_ipython()`` (``notebook_runtime.Shell``) answers the
calls. No statement of the student's is dropped or rewritten beyond that transform. The body
of ``%%time``, ``%%timeit`` and ``%%capture`` is the student's code and runs: it is
transformed too, as IPython's own ``%%time`` does.

The notebook is read as JSON (nbformat 4, and nbformat 3's worksheets), without a kernel.
A cell is left out, with its reason, when it is not text or not Python even after the
transform (the kernel would have said ``SyntaxError`` and Run All gone on). The grader's own
test cells (nbgrader's ``grade: true, solution: false``) are not run: the grade is the grader's.

``definitions`` reads, without running anything, which names a notebook's (or a module's)
top level binds, and whether the last definition of a function is an untouched stub
(``is_stub``: it raises ``NotImplementedError`` whatever its arguments): ``submission`` takes
each graded function from the file where the student filled it in.
"""

from __future__ import annotations

import ast
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from .notebook_runtime import RUN_BODY


class NotANotebook(Exception):
    """The file is not a notebook that can be read (the message says why)."""


@dataclass
class Notebook:
    """A notebook's code cells that run, in order, as (code cell number from 1, Python source)."""

    cells: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # cells left out, each with its reason


@functools.cache
def _transformer():  # noqa: ANN202 - IPython's TransformerManager, imported (0.1 s) only for notebooks
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def to_python(cell: str) -> str:
    """A cell's source as the Python IPython runs for it (``transform_cell``); the body of a cell
    magic that runs code (``%%time``) transformed too, since it runs."""
    text = cell.replace("\r\n", "\n").replace("\r", "\n")
    first, _, body = text.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        name, _, line = first[2:].partition(" ")
        if name in RUN_BODY:
            return f"get_ipython().run_cell_magic({name!r}, {line!r}, {to_python(body)!r})\n"
    try:
        return _transformer().transform_cell(text)
    except Exception:  # noqa: BLE001 - IPython could not read it: Python will say why
        return text


def _cell_text(source: object) -> str:
    """A cell's source: a string, or a list of strings (nbformat's two forms); else ValueError."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise ValueError("its source is not text")


def _graders_test(cell: dict) -> bool:
    """nbgrader's test cell of the course (``grade`` and not ``solution``): its grading is ours."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return isinstance(nbgrader, dict) and nbgrader.get("grade") is True and nbgrader.get("solution") is False


def code_cells(data: bytes, name: str) -> list[dict]:
    """The code cells of a notebook file's bytes, in order; raises NotANotebook saying why not."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))  # a BOM (Windows' editors) is no error
    except UnicodeDecodeError:
        raise NotANotebook(f"{name} is not a valid notebook (not UTF-8 text): it was skipped") from None
    except json.JSONDecodeError as exc:
        raise NotANotebook(f"{name} is not a valid notebook (JSONDecodeError: {exc}): skipped") from None
    except (RecursionError, MemoryError):
        raise NotANotebook(f"{name} is not a valid notebook (its JSON is nested too deeply): "
                           "it was skipped") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if isinstance(notebook, dict) and cells is None and isinstance(notebook.get("worksheets"), list):
        # nbformat 3: the cells of its worksheets, a code cell's source under "input"
        sheets = [sheet.get("cells") for sheet in notebook["worksheets"] if isinstance(sheet, dict)]
        cells = [{**c, "source": c.get("input")} for sheet in sheets if isinstance(sheet, list)
                 for c in sheet if isinstance(c, dict)]
    if not isinstance(cells, list):
        raise NotANotebook(f"{name} is not a valid notebook (it has no list of cells): it was skipped")
    return [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]


def read_notebook(data: bytes, name: str) -> Notebook:
    """A notebook file's cells that run, as Python; ``name`` is its path in the submission."""
    notebook = Notebook()
    for number, cell in enumerate(code_cells(data, name), 1):
        where = f"{name}, code cell {number}"
        if _graders_test(cell):
            continue
        try:
            source = to_python(_cell_text(cell.get("source")))
            compile(source, where, "exec", dont_inherit=True)  # compiling runs nothing
        except SyntaxError as exc:
            notebook.problems.append(f"{where}: syntax error on line {exc.lineno} ({exc.msg}); "
                                     "that cell was skipped")
            continue
        except (RecursionError, MemoryError):
            notebook.problems.append(f"{where}: nested too deeply for Python to read (a very long "
                                     "expression?); that cell was skipped")
            continue
        except ValueError as exc:  # a null byte, or a source that is not text
            notebook.problems.append(f"{where}: {exc}; that cell was skipped")
            continue
        notebook.cells.append((number, source))
    return notebook


# --- what a top level defines, read without running it ---------------------------------------------


@dataclass
class Definitions:
    """The names a top level binds, each with whether its last binding is filled in (False: a
    function that is an untouched stub), and whether it may bind names no reading can see."""

    filled: dict[str, bool] = field(default_factory=dict)
    opaque: bool = False  # a star import, exec(), globals(): names appear only when it runs


def is_stub(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function is an untouched stub: it raises NotImplementedError whatever its arguments,
    in its own body or a loop's (a stub may keep given code, such as checks, before it; nbgrader's
    may sit in a loop), not under a condition (a filled-in function may refuse a case that way)."""
    blocks = [function.body]
    while blocks:
        for node in blocks.pop():
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
                    return True
            elif isinstance(node, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
                blocks.append(node.body)
    return False


_DYNAMIC = frozenset({"exec", "globals", "vars", "__import__"})


def _magic_body(node: ast.stmt) -> str | None:
    """The code of ``get_ipython().run_cell_magic("time", line, body)`` (``to_python``'s form)."""
    call = node.value if isinstance(node, ast.Expr) else None
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "run_cell_magic" and len(call.args) == 3
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
            and call.args[0].value in RUN_BODY):
        return call.args[2].value
    return None


def _targets(node: ast.expr) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def _read(statements: list[ast.stmt], found: Definitions) -> None:
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.filled[node.name] = not is_stub(node)
        elif isinstance(node, ast.ClassDef):
            found.filled[node.name] = True
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    found.opaque = True
                else:
                    found.filled[alias.asname or alias.name.split(".")[0]] = True
        elif (body := _magic_body(node)) is not None:
            try:
                _read(ast.parse(body).body, found)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
        else:
            for target in (getattr(node, "targets", None) or [getattr(node, "target", None)]):
                for name in _targets(target) if target is not None else ():
                    found.filled[name] = True
            for item in getattr(node, "items", ()):  # with ... as name
                for name in _targets(item.optional_vars) if item.optional_vars is not None else ():
                    found.filled[name] = True
            for block in ("body", "orelse", "finalbody"):  # if, for, while, try, with: their blocks run
                _read(getattr(node, block, None) or [], found)
            for handler in getattr(node, "handlers", ()):
                _read(handler.body, found)
        found.opaque = found.opaque or any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in _DYNAMIC
            for call in ast.walk(node))


def definitions(sources: Iterable[str]) -> Definitions:
    """What the top level of ``sources`` (a module, or a notebook's cells in order) defines."""
    found = Definitions()
    for source in sources:
        try:
            _read(ast.parse(source).body, found)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            found.opaque = True  # what it defines is for Python to say
    return found
