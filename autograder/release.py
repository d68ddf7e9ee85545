"""``autograder release OUT``: the student bundle, with no solution and no hidden case.

The bundle is what a student clones or downloads::

    OUT/
      README.md            how to set up and check your work
      .gitignore           the virtualenv and caches, for a student's git repository
      requirements.txt     the pinned packages, and this folder's autograder (`-e .`)
      pyproject.toml       makes autograder/ installable; pytest's settings
      conftest.py          loads the pytest self-check (autograder.pytest_plugin)
      assignments/         the stubs and public_cases.bin (public inputs, expected values), and the
                           assignment's own checks file if it has one (what the self-check judges with)
      notebooks/           the same exercises as notebooks, release versions
      autograder/          only the modules the self-check and the notebooks import

Stubs and public cases are made afresh from ``solutions/`` (the same generators
as ``autograder stubs``), so the bundle never depends on a stale checkout. The
autograder package is shipped as the import closure of its entry points: the
self-check's and whatever the notebooks' cells import. A module gets in because
something imports it, never because it sits in the package; ``tasks.py`` (every
hidden case) and ``solutions`` must stay out, and a shipped module that imports
either at import time stops the release, naming the module; so does an
assignment's checks file that imports its tasks or its reference.

The notebooks' kernels run in ``notebooks/``: they find the autograder because
``pip install -r requirements.txt`` installs this folder in editable mode (an
ordinary install would separate the package from ``assignments/public_cases.bin``).
The bundle is written into a temporary folder beside OUT and renamed at the end:
a release that fails leaves nothing behind.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

from . import public, stubs
from .assignment import Assignment, current

PACKAGE = Path(__file__).resolve().parent
LOCK = stubs.ROOT / "requirements.lock"
# What `python -m autograder check` and `pytest` import first; cli imports selfcheck and report lazily.
SELF_CHECK_ENTRY_POINTS = ("__init__", "__main__", "cli", "selfcheck", "report", "pytest_plugin")
REFERENCE_ONLY = ("solutions",)  # week 4's reference as a package: never shipped (nor any assignment's)
# What the student's code may import (isolation.STUDENT_PACKAGES: the sandbox has the same), and
# what the self-check needs: IPython reads the notebooks as Jupyter does.
STUDENT_REQUIREMENTS = ("numpy", "scipy", "matplotlib", "rich", "pytest", "notebook", "ipython")

CONFTEST = '''"""Loads the self-check into pytest: `pytest` runs the public cases on assignments/."""

pytest_plugins = ["autograder.pytest_plugin"]
'''

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}-exercises"
version = "1.0"
description = "{title}: the exercises and their self-check"
requires-python = ">=3.11"

[tool.setuptools]
# `pip install -e .` (in requirements.txt) lets the notebooks import the self-check.
packages = ["autograder"]

[tool.pytest.ini_options]
# The public cases are collected from assignments/public_cases.bin (see conftest.py).
testpaths = ["assignments"]
pythonpath = ["."]
"""

# GitHub Classroom runs this on every push (its command grader passes on exit status 0, which the
# self-check gives at full marks only) and reports it with its grading reporter; the runners' README
# (classroom-resources/autograding-grading-reporter) gives this shape. Not a format string: ${{ }}.
CLASSROOM_WORKFLOW = """name: Autograding Tests
"on":
  - push
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Public cases
        id: public-cases
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: public cases
          setup-command: pip install -r requirements.txt
          command: python -m autograder check
          timeout: 15
          max-score: 1
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          PUBLIC-CASES_RESULTS: "${{steps.public-cases.outputs.result}}"
        with:
          runners: public-cases
"""
WORKFLOW_PATH = ".github/workflows/classroom.yml"

GITIGNORE = """.venv/
__pycache__/
.pytest_cache/
.ipynb_checkpoints/
"""

README = """# {title}

Your exercises are the functions of `assignments/` ({files});
`notebooks/` holds the same exercises with the lecture's explanations. Fill in every
`raise NotImplementedError(...)`, following the TODO above it; do not change the functions'
names or signatures.

## Set up (Python 3.11 or later), in this folder

    python -m venv .venv
    source .venv/bin/activate        # Windows: .venv\\Scripts\\activate
    pip install -r requirements.txt
    jupyter notebook notebooks/      # if you work in the notebooks

## Check your work

Run either command in this folder; both run the same public cases on `assignments/`:

    python -m autograder check       # a table: every task, its score, the first failure and a hint
    pytest                           # one test per case; the same table at the end

    pytest -k {function}    # only the cases of {task}
    pytest -k "{module} and not {function}"    # {module}.py without that task: any -k works
    pytest --submission=other/folder # check another folder (write the `=`)

In the notebooks, the cell after each exercise runs the same cases on your function.

A failing case says what was checked, on which shapes, what came back against what was
expected, and a hint. Gradients are checked numerically against your own forward passes.

The public cases are a sample. Your grade comes from more cases of each function (other
shapes and sizes, the edge cases), so passing them all is necessary, not sufficient: test
your edge cases too.

`python -m autograder check` exits 1 while a public case fails and 0 once all pass (add
`--exit-zero` to always get 0), so a pre-commit hook or CI can run it. On GitHub (Classroom),
`{workflow}` runs it on every push:

"""


class ReleaseError(Exception):
    """The bundle cannot be written, or would ship something it must not."""


def module_imports(source: str) -> set[str]:
    """What ``source`` imports when it is itself imported: sibling modules of the package
    (``from .grade import x``, ``from autograder import public``) by their own name, any
    other module by its top-level name (``numpy``, ``solutions``).

    Imports inside functions run only when called (``grade.hidden_plan`` imports
    ``tasks`` that way) and do not count; those of class bodies and of module-level
    ``if``/``try`` blocks do.
    """
    found: set[str] = set()

    def add(dotted: str, names: list[str]) -> None:
        parts = dotted.split(".")
        if parts[0] != PACKAGE.name:
            found.add(parts[0])
        else:  # autograder.x, or `from autograder import x`
            found.update(parts[1:2] or names)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level == 1:
                found.update([node.module.split(".")[0]] if node.module else names)
            elif node.level == 0 and node.module:
                add(node.module, names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, [])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def shipped_modules(package: Path = PACKAGE,
                    entry_points: tuple[str, ...] = SELF_CHECK_ENTRY_POINTS) -> list[str]:
    """The entry points and the package's modules they import, directly or not (sorted names)."""
    shipped: set[str] = set()
    todo = [(name, "the bundle's entry points") for name in entry_points]
    while todo:
        name, importer = todo.pop()
        if name in REFERENCE_ONLY:
            raise ReleaseError(f"{importer} imports {name} at import time: the student bundle would need the "
                               "reference or the hidden cases (import it in the function that uses it)")
        if name in shipped or not (package / f"{name}.py").is_file():
            continue  # shipped already, or not a module of the package (numpy, sys)
        shipped.add(name)
        imports = module_imports((package / f"{name}.py").read_text())
        todo += [(imported, f"{name}.py") for imported in imports]
    return sorted(shipped)


def _project_name(name: str) -> str:
    """PEP 503 normalized: Jinja2 and jinja2, typing_extensions and typing-extensions are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements(names: tuple[str, ...], lock: Path = LOCK) -> str:
    """``name==version`` lines for ``names``, the versions of the repository's requirements.lock."""
    pins = {}
    for line in lock.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            pins[_project_name(line.split("==")[0].strip())] = line.strip()
    missing = [name for name in names if _project_name(name) not in pins]
    if missing:
        raise ReleaseError(f"{lock.name} pins no version of {', '.join(missing)}")
    return "".join(pins[_project_name(name)] + "\n" for name in names)


def notebook_imports(notebooks: list[Path]) -> set[str]:
    """What the code cells of ``notebooks`` import (``module_imports`` of every cell)."""
    found: set[str] = set()
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                found |= module_imports(source)
    return found


def own_checks(assignment: Assignment) -> Path:
    """The assignment's checks file, which the self-check needs; refused if it imports what must
    not ship: its tasks (the hidden cases) or its reference."""
    path = assignment.checks_file
    forbidden = {*REFERENCE_ONLY, assignment.reference.name, "tasks"}
    imported = module_imports(path.read_text()) & forbidden
    if imported:
        raise ReleaseError(f"{path} imports {', '.join(sorted(imported))} at import time: the student bundle "
                           "would need the reference or the hidden cases (import it in the function that "
                           "uses it)")
    return path


def _write_bundle(out: Path, assignment: Assignment) -> None:
    from .notebooks import write_notebooks

    assignments = out / "assignments"
    stubs.write_assignments(assignments, assignment)
    public.write(assignments / public.FILENAME, assignment)
    if assignment.checks_file:
        shutil.copy(own_checks(assignment), assignments / assignment.checks_file.name)
    notebooks = write_notebooks(out / "notebooks", True, assignment)
    (out / "autograder").mkdir()
    entry_points = (*SELF_CHECK_ENTRY_POINTS, *sorted(notebook_imports(notebooks)))
    for name in shipped_modules(entry_points=entry_points):
        shutil.copy(PACKAGE / f"{name}.py", out / "autograder" / f"{name}.py")
    requirements = pinned_requirements(STUDENT_REQUIREMENTS) + "-e .\n"
    files = ", ".join(f"`{module}.py`" for module in assignment.modules)
    first = assignment.tasks[0]  # the README's examples: the assignment's own first task
    readme = README.format(title=assignment.title, files=files, task=first.name, function=first.function,
                           module=first.module, workflow=WORKFLOW_PATH)
    readme += textwrap.indent(CLASSROOM_WORKFLOW, "    ")  # after format(): the workflow's ${{ }} stay
    pyproject = PYPROJECT.format(name=assignment.name, title=assignment.title)
    for name, text in (("README.md", readme), ("conftest.py", CONFTEST), ("pyproject.toml", pyproject),
                       ("requirements.txt", requirements), (".gitignore", GITIGNORE),
                       (WORKFLOW_PATH, CLASSROOM_WORKFLOW)):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)


def write_release(out: Path, assignment: Assignment | None = None) -> list[Path]:
    """Write the student bundle of ``assignment`` into ``out`` (absent or empty); returns its files."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not empty: remove it or choose another folder, "
                           "so that no file of an older release stays behind")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _write_bundle(partial, assignment or current())
    except BaseException:
        shutil.rmtree(partial)
        raise
    if out.exists():
        out.rmdir()
    partial.rename(out)
    return sorted(path for path in out.rglob("*") if path.is_file())


def command(args: argparse.Namespace) -> int:
    """``autograder release OUT``."""
    from .cli import UsageError

    out = Path(args.out)
    try:
        written = write_release(out)
    except ReleaseError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote the student bundle {out}: {len(written)} files "
          f"(check it: cd {out} && python -m autograder check && pytest)")
    return 0
