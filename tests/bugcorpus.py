"""Build realistic student submissions from the reference and a corpus of bugs.

Each assignment has its corpus (``CORPORA``): week 4's in ``tests/bugs/``, week 5's in
``tests/bugs_week5/``. A bug is one file of it: a docstring saying what the student got
wrong, ``MODULE`` (the module it lives in), ``TASK`` (the task that must lose
points), ``SYMPTOM`` (words the feedback must contain, case-insensitive),
optionally ``ALSO`` (other tasks allowed to lose points, e.g. a forward bug seen
by a sequence task that calls it), and one or more function definitions that
replace the reference's functions of the same names. Every other top-level
statement (an import, a class, ``_MASKS = {}``: state kept in a module global)
is added to the end of the module.

``write_submission(out, bugs, assignment)`` writes a submission folder: the
assignment's reference modules (week 4's by default) without their solution
markers, with every named bug spliced in.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from autograder.assignment import Assignment
from autograder.similarity import statement_text
from autograder.stubs import BEGIN, END
from tests.week4 import WEEK4
from tests.week5 import WEEK5

BUGS_DIR = Path(__file__).resolve().parent / "bugs"
CORPORA = {"week4": (WEEK4, BUGS_DIR), "week5": (WEEK5, Path(__file__).resolve().parent / "bugs_week5")}
STYLES_DIR = Path(__file__).resolve().parent / "styles"  # correct code in other styles, in the same format
METADATA = {"MODULE", "TASK", "SYMPTOM", "ALSO"}


@dataclass(frozen=True)
class Bug:
    name: str
    module: str
    task: str
    symptom: str
    also: tuple[str, ...]
    description: str
    functions: dict[str, str]  # function name -> its source
    module_state: str = ""  # the other top-level statements: imports, classes, globals


def _constant(tree: ast.Module, name: str, default=None):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    if default is None:
        raise ValueError(f"bug file without {name}")
    return default


def _is_metadata(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and bool({getattr(t, "id", None) for t in node.targets} & METADATA)


def load_bug(path: Path) -> Bug:
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    functions = {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    return Bug(
        name=path.stem,
        module=_constant(tree, "MODULE"),
        task=_constant(tree, "TASK", ""),  # a correct style (tests/styles/) names no task and no symptom
        symptom=_constant(tree, "SYMPTOM", ""),
        also=tuple(_constant(tree, "ALSO", ())),
        description=(ast.get_docstring(tree) or "").strip(),
        functions=functions,
        module_state="\n".join(statement_text(lines, node) for node in tree.body[1:]  # after the docstring
                                if not isinstance(node, ast.FunctionDef) and not _is_metadata(node)),
    )


def load_bugs(folder: Path = BUGS_DIR) -> list[Bug]:
    return [load_bug(p) for p in sorted(folder.glob("*.py")) if p.name != "__init__.py"]


def _splice(source: str, functions: dict[str, str]) -> str:
    """Replace the top-level definitions named in ``functions`` by the given sources."""
    lines = source.splitlines()
    spans = {
        node.name: (node.lineno - 1, node.end_lineno)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }
    for name in sorted(functions, key=lambda n: -spans[n][0]):
        start, end = spans[name]
        lines[start:end] = functions[name].splitlines()
    return "\n".join(lines) + "\n"


def reference_source(module: str, assignment: Assignment = WEEK4) -> str:
    """A solution module as a student would hand it in: the markers removed."""
    text = (assignment.reference / f"{module}.py").read_text()
    return "\n".join(line for line in text.splitlines() if line.strip() not in (BEGIN, END)) + "\n"


def write_submission(out: Path, bugs: list[Bug] = (), assignment: Assignment = WEEK4) -> Path:
    """A complete submission folder with ``bugs`` spliced into the assignment's reference."""
    out.mkdir(parents=True, exist_ok=True)
    for module in assignment.modules:
        source = reference_source(module, assignment)
        for bug in bugs:
            if bug.module == module:
                source = _splice(source, bug.functions) + bug.module_state + "\n"
        (out / f"{module}.py").write_text(source)
    return out
