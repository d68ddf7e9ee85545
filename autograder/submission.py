"""Load a submission: a folder, a .zip, or notebooks, into a folder of modules.

Whatever the student handed in, grading sees one folder holding ``basics.py``,
``conv.py``, ... (those it could find). Anything wrong with the submission as a
whole (a corrupt zip, a file that is not a notebook, an empty folder) raises
``SubmissionError`` with a reason a student can act on; a missing module is not
an error, it only costs the tasks that need it.

Notebooks are read as JSON, without a Jupyter kernel: the functions are found by
name wherever they are defined, so deleted, copied or reordered cells do not
break grading, and cells that only explore (plots, prints) are left out.
"""

from __future__ import annotations

import ast
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .stubs import MODULES

MAX_UNPACKED = 50 * 2**20  # bytes a zip may expand to
MAX_FILES = 2000
MAX_SOURCE = 5 * 2**20  # bytes of Python source copied from one submission
# Imports that never run at grading: the exercises' own modules (the notebooks' definitions replace
# them) and the grader, which a notebook's test cells import.
EXERCISE_IMPORTS = set(MODULES) | {"assignments", "solutions", "autograder"}


class SubmissionError(Exception):
    """The submission as a whole cannot be graded; the message says why."""


@dataclass
class Loaded:
    package_dir: Path
    kind: str  # "folder", "zip" or "notebooks"
    problems: list[str] = field(default_factory=list)


def load(path: Path, workdir: Path) -> Loaded:
    """Put the submission's modules into ``workdir/package``; never modifies ``path``."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    package = workdir / "package"
    package.mkdir(parents=True)
    if path.is_file() and path.suffix == ".zip":
        unpacked = workdir / "unzipped"
        _unzip(path, unpacked)
        loaded = _load_folder(unpacked, package, "zip")
    elif path.is_file() and path.suffix == ".ipynb":
        loaded = _load_notebooks([path], package)
    elif path.is_dir():
        loaded = _load_folder(path, package, "folder")
    else:
        raise SubmissionError(f"{path.name} is neither a folder, a .zip nor a .ipynb notebook")
    missing = [m for m in MODULES if not (package / f"{m}.py").exists()]
    if len(missing) == len(MODULES):
        raise SubmissionError(
            f"no exercise module found (expected {', '.join(m + '.py' for m in MODULES)} "
            "at the top, under assignments/, or notebooks)"
        )
    loaded.problems += [f"{m}.py is missing: its tasks score 0" for m in missing]
    return loaded


def _unzip(path: Path, out: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
            if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED:
                raise SubmissionError(
                    f"{path.name} expands to more than {MAX_FILES} files or {MAX_UNPACKED // 2**20} MB"
                )
            for member in members:
                name = PurePosixPath(member.filename.replace("\\", "/"))
                if name.is_absolute() or ".." in name.parts:
                    raise SubmissionError(f"{path.name} holds an unsafe path: {member.filename}")
                target = out / Path(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise SubmissionError(f"{path.name} is not a readable zip file ({exc})") from None


def _module_folder(root: Path) -> Path | None:
    """The folder holding the exercise modules: the top, assignments/, or the shallowest match."""
    for candidate in (root, root / "assignments"):
        if any((candidate / f"{m}.py").is_file() for m in MODULES):
            return candidate
    found = sorted(
        (p for m in MODULES for p in root.rglob(f"{m}.py") if len(p.relative_to(root).parts) <= 4),
        key=lambda p: len(p.parts),
    )
    return found[0].parent if found else None


def _load_folder(root: Path, package: Path, kind: str) -> Loaded:
    folder = _module_folder(root)
    if folder is None:
        notebooks = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        if notebooks:
            loaded = _load_notebooks(notebooks, package)
            loaded.kind = kind if kind == "zip" else "notebooks"
            return loaded
        empty = not any(root.iterdir())
        raise SubmissionError(
            "the submission is empty: no .py module and no notebook"
            if empty
            else "no exercise module found (expected basics.py, conv.py, ... or notebooks)"
        )
    copied, problems = 0, []
    for source in sorted(folder.glob("*.py")):
        if source.name == "__init__.py":
            continue
        if source.is_symlink():
            # A link could point at the reference (solutions/conv.py): only the student's own files count.
            problems.append(f"{source.name} is a symbolic link, not a file: it was not graded")
            continue
        copied += source.stat().st_size
        if copied > MAX_SOURCE:
            raise SubmissionError(f"more than {MAX_SOURCE // 2**20} MB of Python source")
        shutil.copy(source, package / source.name)
    return Loaded(package, kind, problems)


def _code_cells(path: Path) -> list[str]:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        sources = [c["source"] for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SubmissionError(f"{path.name} is not a valid notebook ({type(exc).__name__}: {exc})") from None
    return ["".join(s) if isinstance(s, list) else str(s) for s in sources]


def _without_magics(source: str) -> str:
    """IPython-only lines (%magic, !shell, help?) are not Python: blank them, keep line numbers."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") else line
        for line in source.splitlines()
    )


def _keep(node: ast.stmt) -> bool:
    """Definitions stay; exploration (calls, prints, plots, loops) does not run at grading."""
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Import):
        return not any(a.name.split(".")[0] in EXERCISE_IMPORTS for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] not in EXERCISE_IMPORTS
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not all(isinstance(target, ast.Name) for target in targets):
            return False  # a constant is a name; `dh[:, -1] = 1` changes an array that was not kept
        try:
            ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
        return True
    return False


def _needed(node: ast.Import | ast.ImportFrom, used: set[str]) -> bool:
    """Whether a kept definition uses a name this import binds (a star import might)."""
    return any(a.name == "*" or (a.asname or a.name.split(".")[0]) in used for a in node.names)


def notebook_module(paths: list[Path]) -> tuple[str, list[str]]:
    """The definitions of the notebooks' code cells as the source of one module, and the cells skipped.

    Later definitions of a name win, as when a student runs the notebooks' cells in order. An
    import that no definition uses (``matplotlib.pyplot`` for exploring) is left out: the sandbox
    imports the module for every case, and a plotting library costs a third of a second each time.
    """
    problems, found = [], []
    for path in paths:
        for number, source in enumerate(_code_cells(path), 1):
            try:
                tree = ast.parse(_without_magics(source))
            except SyntaxError as exc:
                problems.append(
                    f"{path.name}, code cell {number}: syntax error on line {exc.lineno} "
                    f"({exc.msg}); that cell was skipped"
                )
                continue
            found += [(f"# {path.name}, code cell {number}", node) for node in tree.body if _keep(node)]
    used = {
        name.id
        for _, node in found
        if not isinstance(node, ast.Import | ast.ImportFrom)
        for name in ast.walk(node)
        if isinstance(name, ast.Name)
    }
    kept = []
    for where, node in found:
        code = ast.unparse(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            if not _needed(node, used):
                continue
            # An import that fails (a library missing on the grader) must not hide the functions.
            code = f"try:\n    {code}\nexcept ImportError:\n    pass"
        kept.append(f"{where}\n{code}")
    return "import numpy as np\n\n" + "\n\n".join(kept) + "\n", problems


def _load_notebooks(paths: list[Path], package: Path) -> Loaded:
    source, problems = notebook_module(paths)
    (package / "_notebook.py").write_text(source)
    for module in MODULES:
        (package / f"{module}.py").write_text("from ._notebook import *  # noqa: F403\n")
    return Loaded(package, "notebooks", problems)
