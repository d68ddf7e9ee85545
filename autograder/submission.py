"""Load a submission: a folder, a .zip, or notebooks, into a folder of modules (a package).

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
What is never graded (hidden folders such as ``.git/`` and ``.ipynb_checkpoints/``,
virtual environments, ``__MACOSX/``, ``__pycache__/``) is not looked into, in a folder or
a zip, and counts against no limit: one line of ``problems`` says what was left out.

A notebook is code that runs, as Jupyter's "Run All" runs it (``notebook_cells`` turns
its cells into Python, ``notebook_runtime`` runs them in the student's process): each
notebook becomes a module of its own in the package (``_nb_02_convolution.py``), so that
an error in one costs only the tasks it defines. Where a module comes from is decided
function by function (``_choose``): a filled-in definition beats an untouched stub
wherever each is; among filled-in ones the module (``conv.py``, or ``Conv.py`` with a
note) comes first, then the notebook named for it, then the others in path order. The
package's ``conv.py`` is the student's own file when all of its functions come from it,
else a module the grader writes that takes each function from its file
(``notebook_runtime.assemble``); ``Loaded.sources`` says which file each came from.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from .notebook_cells import Definitions, NotANotebook, definitions, read_notebook

if TYPE_CHECKING:
    from .spec import Task

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
NEVER_GRADED = ("__MACOSX", "__pycache__")  # with hidden folders (.git, .ipynb_checkpoints) and virtualenvs
UNREMARKABLE = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")  # left out without a word: tools make them
VIRTUALENVS = ("venv", "env", "virtualenv", "site-packages", "node_modules")  # and any folder with pyvenv.cfg
MAX_NAMED = 5  # folders never graded named in the one line that says they were left out


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
    # The file each module was graded from ("conv": "conv.py"), and each function's where it differs
    # from its module's ("conv.conv_forward": "02_convolution.ipynb").
    sources: dict[str, str] = field(default_factory=dict)
    # The student's own code as handed in, by file (a notebook's code cells in order, as Python): what
    # the similarity report compares.
    code: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exercises:
    """What a submission is searched for: each exercise module's graded functions, and the notebook
    named for it (its stem, ``02_convolution``)."""

    functions: Mapping[str, tuple[str, ...]]
    notebooks: Mapping[str, str] = field(default_factory=dict)

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(self.functions)

    @classmethod
    def of(cls, tasks: Iterable[Task], notebooks: Mapping[str, str] | None = None) -> Exercises:
        """The functions the grader calls, by module: the tasks' and the forward passes they use."""
        functions: dict[str, list[str]] = {}
        for task in tasks:
            for name in (task.name, task.options.get("forward")):
                if isinstance(name, str) and "." in name:
                    module, function = name.split(".", 1)
                    functions.setdefault(module, [])
                    if function not in functions[module]:
                        functions[module].append(function)
        return cls({m: tuple(f) for m, f in functions.items()}, dict(notebooks or {}))


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
    never_graded: list[str] = field(default_factory=list)  # folders not looked into (.git/, .venv/)


def never_graded(name: str, virtualenv: bool = False) -> bool:
    """Whether a folder of that name holds nothing graded (``virtualenv``: it holds a pyvenv.cfg)."""
    return virtualenv or name.startswith(".") or name in NEVER_GRADED or name in VIRTUALENVS


def left_out(folders: list[str]) -> list[str]:
    """The one line of ``problems`` that says which folders were never graded (none: no line)."""
    folders = [folder for folder in folders if PurePosixPath(folder).name not in UNREMARKABLE]
    if not folders:
        return []
    more = len(folders) - MAX_NAMED
    named = ", ".join(folders[:MAX_NAMED]) + (f" and {more} more" if more > 0 else "")
    return [f"not graded, and counted against no limit: {named} (hidden folders, virtual environments, "
            "caches)"]


def walk(root: Path) -> Walk:
    """Every regular file under ``root``, never following a link and never blocking.

    Iterative (no recursion the input's depth drives), with ``lstat`` only. Links,
    FIFOs, sockets, devices, names that are not UTF-8, folders deeper than
    ``MAX_DEPTH`` and entries past ``MAX_ENTRIES`` are skipped with their reason;
    what is never graded (``never_graded``: ``.git``, a virtualenv) is not looked into.
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
                if never_graded(name, os.path.lexists(folder / name / "pyvenv.cfg")):
                    found.never_graded.append(shown("/".join(here)) + "/")
                else:
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


def load(path: Path, workdir: Path, exercises: Exercises) -> Loaded:
    """Put the submission's exercise modules into ``workdir/package``; never modifies ``path``."""
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
        loaded = _load_entry(path, info.st_mode, workdir, package, exercises)
    except Skipped as exc:  # the entry changed between its lstat and its reading
        raise SubmissionError(str(exc)) from None
    modules = exercises.modules
    missing = [m for m in modules if not (package / f"{m}.py").exists()]
    if len(missing) == len(modules):
        raise SubmissionError(
            f"no exercise module found (expected {', '.join(m + '.py' for m in modules)} "
            "at the top, under assignments/, or notebooks)",
            loaded.problems,
        )
    loaded.problems += [f"{m}.py is missing: its tasks score 0" if loaded.kind != "notebooks" else
                        f"no notebook defines the functions of {m} ({', '.join(exercises.functions[m])}): "
                        "its tasks score 0" for m in missing]
    return loaded


def _load_entry(path: Path, mode: int, workdir: Path, package: Path, exercises: Exercises) -> Loaded:
    """Load the submission by what ``path`` itself is (its ``lstat`` mode): a link is never followed."""
    name = shown(path.name)
    if stat.S_ISDIR(mode):
        walked = walk(path)
        problems = _listed(walked.skipped) + left_out(walked.never_graded)
        return _load_files(walked.files, problems, package, "folder", exercises)
    if stat.S_ISREG(mode) and path.suffix == ".zip":
        unpacked = workdir / "unzipped"
        problems, ignored = _unzip(File.at(path), unpacked)
        walked = walk(unpacked)  # only what _unzip wrote: regular files and folders
        problems = _listed(problems + walked.skipped) + left_out(ignored + walked.never_graded)
        return _load_files(walked.files, problems, package, "zip", exercises)
    if stat.S_ISREG(mode) and path.suffix == ".ipynb":
        return _load_files([File.at(path)], [], package, "notebooks", exercises)
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"{name} is a symbolic link: only the student's own files are graded, "
                              "not what a link points to")
    if stat.S_ISREG(mode):
        raise SubmissionError(f"{name} is neither a folder, a .zip nor a .ipynb notebook")
    raise SubmissionError(f"{name} is {_kind(mode)}, not a folder, a .zip or a .ipynb notebook")


def _never_graded_folder(parts: tuple[str, ...], virtualenvs: set[tuple[str, ...]]) -> str | None:
    """The folder of a zip member's path that is never graded (``never_graded``), or None."""
    for depth in range(1, len(parts)):
        if never_graded(parts[depth - 1], parts[:depth] in virtualenvs):
            return "/".join(parts[:depth]) + "/"
    return None


def _unzip(archive_file: File, out: Path) -> tuple[list[str], list[str]]:
    """Extract the zip's regular files into ``out``; returns the members skipped, with their reasons,
    and the folders never graded (``.git/``, ``.venv/``, ``__MACOSX/``: not extracted, not counted).

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
    ignored: dict[str, None] = {}
    written = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            paths = {m.filename: PurePosixPath(m.filename.replace("\\", "/")).parts
                     for m in archive.infolist()}
            virtualenvs = {parts[:-1] for parts in paths.values() if parts and parts[-1] == "pyvenv.cfg"}
            members = []
            for member in archive.infolist():
                folder = _never_graded_folder(paths[member.filename], virtualenvs)
                if folder is not None:
                    ignored[shown(folder)] = None
                elif not member.is_dir():
                    members.append(member)
            if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED:
                raise SubmissionError(f"{name} expands to more than {MAX_FILES} files or "
                                      f"{_size(MAX_UNPACKED)}")
            if any(m.flag_bits & 0x1 for m in members):
                raise SubmissionError(f"{name} is password-protected (encrypted): zip the files again "
                                      "without a password")
            out.mkdir()
            for member in members:
                parts = paths[member.filename]
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
    return skipped, list(ignored)


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
    """The folder holding the exercise modules (a name's case aside): the top, assignments/, or the
    shallowest match."""
    names = {f"{module}.py" for module in modules}
    folders = {f.parts[:-1] for f in files if f.parts[-1].lower() in names and len(f.parts) <= 4}
    for candidate in ((), ("assignments",)):
        if candidate in folders:
            return candidate
    return min(folders, key=lambda parts: (len(parts), parts)) if folders else None


# ------------------------------------------------------------------ where each function comes from


@dataclass
class _Source:
    """A file the graded functions may come from, as a module of the package."""

    module: str  # its name in the package: conv, _nb_02_convolution
    file: str  # its path in the submission, as shown
    defined: Definitions


def _load_files(files: list[File], problems: list[str], package: Path, kind: str,
                exercises: Exercises) -> Loaded:
    """The modules of the module folder and every notebook, among a walk's regular files, as a package."""
    folder = _module_folder(files, exercises.modules)
    notebooks = [f for f in files if f.parts[-1].endswith(".ipynb")]
    if folder is None and not notebooks:
        raise SubmissionError(
            f"no exercise module found (expected {', '.join(m + '.py' for m in exercises.modules[:2])}, ... "
            "or notebooks)"
            if files or problems
            else "the submission is empty: no .py module and no notebook",
            problems,
        )
    code: dict[str, str] = {}
    modules = _copy_modules(files, folder, package, exercises, problems, code) if folder is not None else {}
    read = _write_notebooks(notebooks, package, problems, needed=folder is None, code=code)
    if folder is None and kind == "folder":
        kind = "notebooks"
    loaded = Loaded(package, kind, problems, code=code)
    _choose(modules, read, package, exercises, loaded)
    return loaded


def _copy_modules(files: list[File], folder: tuple[str, ...], package: Path, exercises: Exercises,
                  problems: list[str], code: dict[str, str]) -> dict[str, _Source]:
    """Copy the module folder's .py files into the package (and their text into ``code``); returns the
    exercise modules found.

    A module whose name differs from an exercise's only in case (``Conv.py``) is taken under the
    exercise's name, with a note.
    """
    by_lower = {module.lower(): module for module in exercises.modules}
    found: dict[str, _Source] = {}
    copied = 0
    for file in sorted(files, key=lambda f: f.parts[-1] not in by_lower.values()):  # exact names first
        if file.parts[:-1] != folder or not file.parts[-1].endswith(".py") or file.parts[-1] == "__init__.py":
            continue
        stem = file.parts[-1][:-3]
        module = by_lower.get(stem.lower(), stem)
        if module in found:  # conv.py and Conv.py both: the exact name wins
            problems.append(f"{file.name} was not read: {found[module].file} is {module}.py")
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
        (package / f"{module}.py").write_bytes(source)
        code[file.name] = source.decode("utf-8-sig", "replace")
        if module in exercises.functions:
            if module != stem:
                problems.append(f"{file.name} was taken as {module}.py (the names differ only in case)")
            found[module] = _Source(module, file.name, definitions([source.decode("utf-8-sig", "replace")]))
    return found


def _identifier(stem: str, taken: set[str]) -> str:
    """A module name of the package for a notebook: ``_nb_`` and its name, unique."""
    base = "_nb_" + re.sub(r"\W", "_", stem)
    base = base if base.isidentifier() else f"_nb_{len(taken)}"
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


NOTEBOOK_MODULE = '''# {file!r}, run as Jupyter's "Run All" runs it (written by autograder.submission).
from . import _runtime

_runtime.run_notebook(globals(), {file!r}, {cells}, {siblings!r})
'''


def _write_notebooks(files: list[File], package: Path, problems: list[str], needed: bool,
                     code: dict[str, str]) -> list[_Source]:
    """Each readable notebook as a module of the package that runs its cells (``notebook_runtime``),
    and its cells' Python into ``code``.

    ``needed``: the submission has nothing else; if no notebook can be read, SubmissionError.
    """
    found: list[tuple[File, list[tuple[int, str]]]] = []
    unread: list[str] = []
    budget = MAX_NOTEBOOKS
    for file in files:
        try:
            if file.size > budget:
                raise Skipped(f"{file.name} was not read: the submission's notebooks pass "
                              f"{_size(MAX_NOTEBOOKS)} in all")
            notebook = read_notebook(file.read(MAX_NOTEBOOK), file.name)
        except (Skipped, NotANotebook) as exc:
            unread.append(str(exc))
            continue
        budget -= file.size
        unread += notebook.problems
        found.append((file, notebook.cells))
    if needed and not found:
        if len(unread) == 1 and not problems:
            raise SubmissionError(unread[0])
        reason = unread[0] if len(unread) == 1 else "no notebook could be read"
        raise SubmissionError(reason, problems + unread)
    problems += unread
    taken: set[str] = set()
    names = {file.name: _identifier(PurePosixPath(file.name).stem, taken) for file, _ in found}
    sources = []
    for file, cells in found:
        listed = "[\n" + "".join(f"    ({number}, {source!r}),\n" for number, source in cells) + "]"
        text = NOTEBOOK_MODULE.format(file=file.name, cells=listed, siblings=names)
        (package / f"{names[file.name]}.py").write_text(text, encoding="utf-8")
        code[file.name] = "\n\n".join(source for _, source in cells)
        sources.append(_Source(names[file.name], file.name, definitions(source for _, source in cells)))
    return sources


def _named_for(source: _Source, module: str, exercises: Exercises) -> bool:
    """Whether a notebook is the one named for ``module`` (``02_convolution.ipynb``, its Colab copy
    ``Copy of 02_convolution.ipynb``, or ``conv.ipynb``)."""
    stem = PurePosixPath(source.file).stem
    lecture = exercises.notebooks.get(module)
    return stem == module or bool(lecture) and lecture in stem


ASSEMBLED_MODULE = '''# {module}, as graded: each function from the file where the student wrote it
# (written by autograder.submission).
from . import _runtime

_runtime.assemble(globals(), {functions}, {files!r}, rest={rest!r})
'''


def _choose(modules: dict[str, _Source], notebooks: list[_Source], package: Path, exercises: Exercises,
            loaded: Loaded) -> None:
    """For each exercise module, where each of its functions comes from; the package's module for it.

    A function's sources, best first: the files where it is filled in, then those where it is
    an untouched stub, then those whose definitions only running can tell (a star import). In
    each group the module comes first, then the notebook named for it, then the other notebooks
    in path order.
    """
    used: set[str] = set()
    for module, functions in exercises.functions.items():
        own = modules.get(module)
        named = sorted(notebooks, key=lambda source: not _named_for(source, module, exercises))
        candidates = ([own] if own else []) + named
        chosen = {function: [s for filled in (True, False) for s in candidates
                             if s.defined.filled.get(function) is filled]
                  + [s for s in candidates if function not in s.defined.filled and s.defined.opaque]
                  for function in functions}
        if own and all(not sources or sources[0] is own for sources in chosen.values()):
            loaded.sources[module] = own.file  # the student's own file, as it is
            used.add(own.module)
            continue
        if not any(chosen.values()):
            continue  # no file defines any of its functions: the module is missing
        if own:  # the student's module stays, under another name, for the functions it gives
            os.replace(package / f"{module}.py", package / f"_py_{module}.py")
            own.module = f"_py_{module}"
        firsts = [sources[0].file for sources in chosen.values() if sources]
        main = max(firsts, key=firsts.count)
        loaded.sources[module] = main
        loaded.sources.update({f"{module}.{function}": sources[0].file for function, sources in chosen.items()
                               if sources and sources[0].file != main})
        used.update(sources[0].module for sources in chosen.values() if sources)
        listed = "{\n" + "".join(f"    {function!r}: {[s.module for s in sources]!r},\n"
                                 for function, sources in chosen.items()) + "}"
        files = {s.module: s.file for s in candidates}
        rest = own.module if own and any(sources[:1] == [own] for sources in chosen.values()) else None
        text = ASSEMBLED_MODULE.format(module=module, functions=listed, files=files, rest=rest)
        (package / f"{module}.py").write_text(text, encoding="utf-8")
    for source in notebooks:
        if source.module not in used:
            loaded.problems.append(f"{source.file} was read, but no graded function was taken from it "
                                   "(each was found filled in elsewhere, or it defines none)")
