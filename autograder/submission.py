"""Load a submission: a folder, a .zip, or notebooks, into a folder of modules.

Whatever the student handed in, grading sees one folder holding ``basics.py``,
``conv.py``, ... (those it could find). Anything wrong with the submission as a
whole (a corrupt zip, a file that is not a notebook, an empty folder) raises
``SubmissionError`` with a reason a student can act on; a missing module is not
an error, it only costs the tasks that need it.

Only regular files whose real path lies inside the submission count (SPEC §2).
``walk`` lists a folder with ``lstat`` and never follows a link, so a link
``assignments -> <the grader's solutions/>`` is named in ``problems`` and never
read through; FIFOs, sockets, devices, names that are not UTF-8 and folders nested
too deep are skipped the same way. ``File.read`` opens a file without following a
link or blocking (a FIFO named ``conv.py`` cannot hang the grader) and only if it
is still the very file the walk saw, and reads at most its size cap (``/dev/zero``
cannot fill the disk). Zips and notebooks are size-capped before they are parsed.

Notebooks are read as JSON, without a Jupyter kernel: the functions are found by
name wherever they are defined, so deleted, copied or reordered cells do not
break grading, and cells that only explore (plots, prints) are left out.
"""

from __future__ import annotations

import ast
import io
import json
import lzma
import os
import stat
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

MB = 2**20
MAX_MODULE = 1 * MB  # one .py file (the reference's largest module is a few kB)
MAX_SOURCE = 5 * MB  # all Python source copied from one submission
MAX_NOTEBOOK = 20 * MB  # one .ipynb, its outputs (plots) included
MAX_NOTEBOOKS = 50 * MB  # all notebooks read from one submission
MAX_ZIP = 50 * MB  # the .zip file itself
MAX_UNPACKED = 50 * MB  # bytes a zip may expand to, counted while extracting
MAX_FILES = 2000  # members of a zip
MAX_DEPTH = 8  # folders below the submission's top that are looked into
MAX_ENTRIES = 10_000  # entries of a folder submission looked at, all levels together
MAX_LISTED = 20  # skipped entries named one by one in ``problems``; the rest are counted
NOT_LOOKED_INTO = ("__MACOSX", "__pycache__")  # with hidden folders (.git, .ipynb_checkpoints, .venv)
# Imports that never run at grading, besides the exercises' own modules (the notebooks' definitions
# replace them): the stubs, the reference and the grader, which a notebook's test cells import.
GRADER_IMPORTS = frozenset({"assignments", "solutions", "autograder"})


class SubmissionError(Exception):
    """The submission as a whole cannot be graded; the message says why, ``problems`` what else was wrong."""

    def __init__(self, reason: str, problems: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.problems = list(problems)


class Skipped(Exception):
    """One entry of a submission is not read; the message names it and says why."""


@dataclass
class Loaded:
    package_dir: Path
    kind: str  # "folder", "zip" or "notebooks"
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ names, files and the walk


def shown(name: str) -> str:
    """A file name as text that prints and stores anywhere (UTF-8, CSV, HTML); unchanged when plain.

    One to one, so that two names never show alike: a byte that is not UTF-8 (which
    Python holds as a lone surrogate, U+DC80..U+DCFF) becomes ``\\xNN``, a character
    that does not print (a newline) ``\\uNNNN``, and a backslash ``\\\\``.
    """
    out = []
    for char in name:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def not_utf8(name: str) -> bool:
    """Whether a name read from the disk was not UTF-8 (Python holds such bytes as surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _kind(mode: int) -> str:
    """What a non-regular entry is, in words."""
    for test, words in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return words
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB / 10 else f"{n} bytes"


@dataclass(frozen=True)
class File:
    """A regular file of a submission as a walk saw it; opened later only if it is still that file.

    ``name`` is its path relative to the submission, as ``shown`` prints it.
    The device and inode pin it: if a folder on its path is swapped for a link
    after the walk, the file opened is another inode and is refused.
    """

    path: Path
    parts: tuple[str, ...]
    name: str
    device: int
    inode: int
    size: int

    @classmethod
    def at(cls, path: Path, parts: tuple[str, ...] = ()) -> File:
        """The regular file at ``path`` (not following a link); raises Skipped when it is none."""
        parts = parts or (path.name,)
        name = shown("/".join(parts))
        try:
            info = os.lstat(path)
        except OSError as exc:
            raise Skipped(f"{name} cannot be read ({exc.strerror})") from None
        if not stat.S_ISREG(info.st_mode):
            raise Skipped(f"{name} is {_kind(info.st_mode)}, not a regular file: it was not read")
        return cls(path, parts, name, info.st_dev, info.st_ino, info.st_size)

    def open(self) -> BinaryIO:
        """The file opened for reading: never through a link, never blocking, and only if still this file."""
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError as exc:  # ELOOP: it became a link since the walk
            raise Skipped(f"{self.name} cannot be opened ({exc.strerror}): it was not read") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) != (self.device, self.inode):
            os.close(fd)
            raise Skipped(f"{self.name} changed while the submission was being read: it was not read")
        return os.fdopen(fd, "rb")

    def read(self, cap: int) -> bytes:
        """The file's bytes; raises Skipped when it holds more than ``cap`` (it is never read past that)."""
        with self.open() as f:
            data = f.read(cap + 1)
        if len(data) > cap:
            raise Skipped(f"{self.name} is {_size(max(self.size, len(data)))}, over the "
                          f"{_size(cap)} limit for one file: it was not read")
        return data


@dataclass
class Walk:
    """The regular files of a folder, sorted by path, and what was skipped, each with its reason."""

    files: list[File] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def walk(root: Path) -> Walk:
    """Every regular file under ``root``, never following a link and never blocking.

    Iterative (no recursion the input's depth drives), with ``lstat`` only. Links,
    FIFOs, sockets, devices, names that are not UTF-8, folders deeper than
    ``MAX_DEPTH`` and entries past ``MAX_ENTRIES`` are skipped with their reason;
    hidden folders (``.git``), ``__MACOSX`` and ``__pycache__`` are not looked into.
    A folder is listed only if it is still the folder its parent's listing showed.
    """
    found = Walk()
    try:
        top = os.lstat(root)
    except OSError as exc:
        found.skipped.append(f"{shown(root.name)} cannot be read ({exc.strerror})")
        return found
    stack: list[tuple[tuple[str, ...], int, int]] = [((), top.st_dev, top.st_ino)]
    seen = 0
    while stack:
        parts, device, inode = stack.pop()
        folder = root.joinpath(*parts)
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            found.skipped.append(f"{shown('/'.join(parts))}/ cannot be opened ({exc.strerror}): skipped")
            continue
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != (device, inode):
                found.skipped.append(f"{shown('/'.join(parts))}/ changed while being read: skipped")
                continue
            with os.scandir(fd) as listing:
                entries = sorted(((e.name, e.stat(follow_symlinks=False)) for e in listing), reverse=True)
        except OSError as exc:
            found.skipped.append(f"{shown('/'.join(parts))}/ cannot be listed ({exc.strerror}): skipped")
            continue
        finally:
            os.close(fd)
        for name, info in entries:  # reversed, so that the stack hands out folders in sorted order
            seen += 1
            if seen > MAX_ENTRIES:
                found.skipped.append(f"more than {MAX_ENTRIES} entries: the rest were not looked at")
                stack.clear()
                break
            here = (*parts, name)
            why = _why_skipped(name, info.st_mode, len(here))
            if why:
                found.skipped.append(f"{shown('/'.join(here))} {why}")
            elif stat.S_ISDIR(info.st_mode):
                if not (name.startswith(".") or name in NOT_LOOKED_INTO):
                    stack.append((here, info.st_dev, info.st_ino))
            else:
                found.files.append(File(folder / name, here, shown("/".join(here)),
                                        info.st_dev, info.st_ino, info.st_size))
    found.files.sort(key=lambda f: f.parts)
    return found


def _why_skipped(name: str, mode: int, depth: int) -> str | None:
    """Why a walked entry is not taken (None: it is a regular file or a folder to look into)."""
    if not_utf8(name):
        return "has a name that is not valid UTF-8: skipped"
    if stat.S_ISLNK(mode):
        return "is a symbolic link: skipped (only the student's own files count, not what a link points to)"
    if stat.S_ISDIR(mode):
        return f"is more than {MAX_DEPTH} folders deep: not looked into" if depth > MAX_DEPTH else None
    if not stat.S_ISREG(mode):
        return f"is {_kind(mode)}, not a regular file: skipped"
    return None


def _listed(skipped: list[str]) -> list[str]:
    """The first MAX_LISTED reasons, and how many more there were."""
    more = len(skipped) - MAX_LISTED
    return skipped[:MAX_LISTED] + ([f"... and {more} more entries skipped"] if more > 0 else [])


# ------------------------------------------------------------------ the submission


def load(path: Path, workdir: Path, modules: Sequence[str]) -> Loaded:
    """Put the submission's exercise ``modules`` into ``workdir/package``; never modifies ``path``."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise SubmissionError(f"{shown(path.name)} does not exist") from None
    except OSError as exc:
        raise SubmissionError(f"{shown(path.name)} cannot be read ({exc.strerror})") from None
    package = workdir / "package"
    package.mkdir(parents=True)
    try:
        loaded = _load_entry(path, info.st_mode, workdir, package, tuple(modules))
    except Skipped as exc:  # the entry changed between its lstat and its reading
        raise SubmissionError(str(exc)) from None
    missing = [m for m in modules if not (package / f"{m}.py").exists()]
    if len(missing) == len(modules):
        raise SubmissionError(
            f"no exercise module found (expected {', '.join(m + '.py' for m in modules)} "
            "at the top, under assignments/, or notebooks)",
            loaded.problems,
        )
    loaded.problems += [f"{m}.py is missing: its tasks score 0" for m in missing]
    return loaded


def _load_entry(path: Path, mode: int, workdir: Path, package: Path, modules: tuple[str, ...]) -> Loaded:
    """Load the submission by what ``path`` itself is (its ``lstat`` mode): a link is never followed."""
    name = shown(path.name)
    if stat.S_ISDIR(mode):
        walked = walk(path)
        return _load_files(walked.files, _listed(walked.skipped), package, "folder", modules)
    if stat.S_ISREG(mode) and path.suffix == ".zip":
        unpacked = workdir / "unzipped"
        problems = _unzip(File.at(path), unpacked)
        walked = walk(unpacked)  # only what _unzip wrote: regular files and folders
        return _load_files(walked.files, _listed(problems + walked.skipped), package, "zip", modules)
    if stat.S_ISREG(mode) and path.suffix == ".ipynb":
        return _load_notebooks([File.at(path)], [], package, modules)
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"{name} is a symbolic link: only the student's own files are graded, "
                              "not what a link points to")
    if stat.S_ISREG(mode):
        raise SubmissionError(f"{name} is neither a folder, a .zip nor a .ipynb notebook")
    raise SubmissionError(f"{name} is {_kind(mode)}, not a folder, a .zip or a .ipynb notebook")


def _unzip(archive_file: File, out: Path) -> list[str]:
    """Extract the zip's regular files into ``out``; returns the members skipped, with their reasons.

    Capped three times: the zip's own size before it is parsed, the sizes its members
    declare, and the bytes actually written (a zip may lie about its sizes).
    """
    name = archive_file.name
    if archive_file.size > MAX_ZIP:
        raise SubmissionError(f"{name} is {_size(archive_file.size)}, over the {_size(MAX_ZIP)} zip limit")
    try:
        data = archive_file.read(MAX_ZIP)
    except Skipped as exc:
        raise SubmissionError(str(exc)) from None
    skipped: list[str] = []
    written = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
            if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED:
                raise SubmissionError(f"{name} expands to more than {MAX_FILES} files or "
                                      f"{_size(MAX_UNPACKED)}")
            if any(m.flag_bits & 0x1 for m in members):
                raise SubmissionError(f"{name} is password-protected (encrypted): zip the files again "
                                      "without a password")
            out.mkdir()
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                why = _why_member_skipped(member, parts)
                if why:
                    skipped.append(f"{shown(member.filename)} in {name} {why}")
                    continue
                target = out.joinpath(*parts)
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    destination = open(target, "xb")  # a name twice in the zip: the first one counts
                except (OSError, ValueError) as exc:
                    skipped.append(f"{shown(member.filename)} in {name} cannot be extracted ({exc}): skipped")
                    continue
                with archive.open(member) as source, destination:
                    while chunk := source.read(MB):
                        written += len(chunk)
                        if written > MAX_UNPACKED:
                            raise SubmissionError(f"{name} expands to more than {_size(MAX_UNPACKED)}")
                        destination.write(chunk)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
            NotImplementedError) as exc:  # a damaged stream, a bad CRC, a method zipfile lacks
        kind = type(exc).__qualname__
        kind = kind if type(exc).__module__ == "builtins" else f"{type(exc).__module__}.{kind}"  # zlib.error
        raise SubmissionError(f"{name} is not a readable zip file ({kind}: {exc})") from None
    return skipped


def _why_member_skipped(member: zipfile.ZipInfo, parts: tuple[str, ...]) -> str | None:
    """Why a zip member is not extracted (None: it is a regular file at a safe path)."""
    mode = member.external_attr >> 16  # the Unix mode, where the zip was made on Unix; else 0
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return f"is {_kind(mode)}, not a regular file: skipped"
    if member.filename.startswith(("/", "\\")) or ".." in parts:
        return "has an unsafe path (absolute, or with ..): skipped"
    if len(parts) > MAX_DEPTH + 1:
        return f"is more than {MAX_DEPTH} folders deep: skipped"
    return None


def _module_folder(files: list[File], modules: tuple[str, ...]) -> tuple[str, ...] | None:
    """The folder holding the exercise modules: the top, assignments/, or the shallowest match."""
    names = {f"{module}.py" for module in modules}
    folders = {f.parts[:-1] for f in files if f.parts[-1] in names and len(f.parts) <= 4}
    for candidate in ((), ("assignments",)):
        if candidate in folders:
            return candidate
    return min(folders, key=lambda parts: (len(parts), parts)) if folders else None


def _load_files(files: list[File], problems: list[str], package: Path, kind: str,
                modules: tuple[str, ...]) -> Loaded:
    """The modules of the module folder, or else the notebooks, among a walk's regular files."""
    folder = _module_folder(files, modules)
    if folder is None:
        notebooks = [f for f in files if f.parts[-1].endswith(".ipynb")]
        if notebooks:
            loaded = _load_notebooks(notebooks, problems, package, modules)
            loaded.kind = kind if kind == "zip" else "notebooks"
            return loaded
        raise SubmissionError(
            f"no exercise module found (expected {', '.join(m + '.py' for m in modules[:2])}, ... "
            "or notebooks)"
            if files or problems
            else "the submission is empty: no .py module and no notebook",
            problems,
        )
    copied = 0
    for file in files:
        if file.parts[:-1] != folder or not file.parts[-1].endswith(".py") or file.parts[-1] == "__init__.py":
            continue
        try:
            if copied + file.size > MAX_SOURCE:
                raise Skipped(f"{file.name} was not read: the submission's Python files pass "
                              f"{_size(MAX_SOURCE)} in all")
            source = file.read(MAX_MODULE)
        except Skipped as exc:
            problems.append(str(exc))
            continue
        copied += len(source)
        (package / file.parts[-1]).write_bytes(source)
    return Loaded(package, kind, problems)


# ------------------------------------------------------------------ notebooks


def _code_cells(file: File) -> list[object]:
    """The sources of a notebook's code cells, in order; raises Skipped saying why it cannot be read."""
    data = file.read(MAX_NOTEBOOK)
    try:
        notebook = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Skipped(f"{file.name} is not a valid notebook (not UTF-8 text): it was skipped") from None
    except json.JSONDecodeError as exc:
        raise Skipped(f"{file.name} is not a valid notebook (JSONDecodeError: {exc}): skipped") from None
    except (RecursionError, MemoryError):
        raise Skipped(f"{file.name} is not a valid notebook (its JSON is nested too deeply): "
                      "it was skipped") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise Skipped(f"{file.name} is not a valid notebook (it has no list of cells): it was skipped")
    return [c.get("source") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]


def _cell_text(source: object) -> str:
    """A cell's source: a string, or a list of strings (nbformat's two forms); else ValueError."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise ValueError("its source is not text")


def _without_magics(source: str) -> str:
    """IPython-only lines (%magic, !shell, help?) are not Python: blank them, keep line numbers."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") else line
        for line in source.splitlines()
    )


def _keep(node: ast.stmt, not_imported: frozenset[str]) -> bool:
    """Definitions stay; exploration (calls, prints, plots, loops) does not run at grading."""
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return True
    if isinstance(node, ast.Import):
        return not any(a.name.split(".")[0] in not_imported for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] not in not_imported
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


def statement_text(lines: list[str], node: ast.stmt) -> str:
    """A top-level statement as it was written, from the ``lines`` of the source ast parsed.

    A definition owns its lines, its decorators' included (no statement can share
    them); a simple statement may share its line (``import numpy as np; x = 1``),
    so it is cut at its columns, which ast counts in UTF-8 bytes.
    """
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return "\n".join(lines[first - 1:node.end_lineno])
    span = lines[node.lineno - 1:node.end_lineno]
    span[-1] = span[-1].encode()[:node.end_col_offset].decode()
    span[0] = span[0].encode()[node.col_offset:].decode()
    return "\n".join(span)


def _definitions(file: File, problems: list[str], not_imported: frozenset[str]
                 ) -> list[tuple[str, ast.stmt, str]]:
    """The kept statements of one notebook's code cells: the cell each comes from, it, and its text."""
    found = []
    for number, source in enumerate(_code_cells(file), 1):
        where = f"{file.name}, code cell {number}"
        try:
            text = _without_magics(_cell_text(source))  # its lines end with "\n" alone
            tree = ast.parse(text)
        except SyntaxError as exc:
            problems.append(f"{where}: syntax error on line {exc.lineno} ({exc.msg}); that cell was skipped")
            continue
        except (RecursionError, MemoryError):
            problems.append(f"{where}: nested too deeply for Python to read (a very long expression?); "
                            "that cell was skipped")
            continue
        except ValueError as exc:  # a null byte, or a source that is not text
            problems.append(f"{where}: {exc}; that cell was skipped")
            continue
        lines = text.split("\n")
        found += [(where, node, statement_text(lines, node))
                  for node in tree.body if _keep(node, not_imported)]
    return found


def notebook_module(paths: Sequence[Path | File], modules: Sequence[str]) -> tuple[str, list[str]]:
    """The definitions of the notebooks' code cells as the source of one module, and the problems met.

    Later definitions of a name win, as when a student runs the notebooks' cells in order. An
    import that no definition uses (``matplotlib.pyplot`` for exploring) is left out: the sandbox
    imports the module for every case, and a plotting library costs a third of a second each time.
    A notebook that cannot be read is skipped with its reason; when none can be, SubmissionError.
    Imports of the exercise ``modules`` (one notebook's functions used in another) are left out too.
    """
    not_imported = GRADER_IMPORTS | set(modules)
    problems: list[str] = []
    found: list[tuple[str, ast.stmt, str]] = []
    budget, readable = MAX_NOTEBOOKS, 0
    for item in paths:
        try:
            file = item if isinstance(item, File) else File.at(Path(item))
            if file.size > budget:
                raise Skipped(f"{file.name} was not read: the submission's notebooks pass "
                              f"{_size(MAX_NOTEBOOKS)} in all")
            found += _definitions(file, problems, not_imported)
        except Skipped as exc:
            problems.append(str(exc))
            continue
        budget -= file.size
        readable += 1
    if not readable:
        if len(problems) == 1:
            raise SubmissionError(problems[0])
        raise SubmissionError("no notebook could be read", problems)
    used = {
        name.id
        for _, node, _ in found
        if not isinstance(node, ast.Import | ast.ImportFrom)
        for name in ast.walk(node)
        if isinstance(name, ast.Name)
    }
    kept = []
    for where, node, code in found:
        if isinstance(node, ast.Import | ast.ImportFrom) and not _needed(node, used):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            # An import that fails (a library missing on the grader) must not hide the functions.
            code = f"try:\n    {code}\nexcept ImportError:\n    pass"
        kept.append(f"# {where}\n{code}")
    return "import numpy as np\n\n" + "\n\n".join(kept) + "\n", problems


def _load_notebooks(notebooks: list[File], problems: list[str], package: Path,
                    modules: tuple[str, ...]) -> Loaded:
    try:
        source, found = notebook_module(notebooks, modules)
    except SubmissionError as exc:  # no notebook readable: say so, with what the walk skipped
        raise SubmissionError(str(exc), problems + exc.problems) from None
    (package / "_notebook.py").write_text(source)
    for module in modules:
        (package / f"{module}.py").write_text("from ._notebook import *  # noqa: F403\n")
    return Loaded(package, "notebooks", problems + found)
