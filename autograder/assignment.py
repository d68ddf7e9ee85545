"""An assignment: a folder of content the engine reads, never code of the engine's.

The folder holds an ``assignment.toml``::

    name = "week4"                    # what every output is named after
    title = "Week 4: ..."             # for READMEs, reports, the nbgrader course
    heading = "Week 4"                # the notebooks' titles start with it
    reference = "solutions"           # the reference package (default: solutions/ in the folder)
    stubs = "assignments"             # the student's package, written by ``autograder stubs``
    tasks = "tasks.py"                # defines TASKS: a tuple of ``spec.Task``
    checks = "checks.py"              # its own checks and hints (``registry``); default: checks.py if present
    [[notebooks]]                     # one per reference module, in lecture order
    module = "basics"
    lecture = "lecture/01_basics.md"  # the lecture notes of that notebook

A lecture file is Markdown: its ``# `` title names the notebook, the text up to the
first ``## `` section is the introduction, a ``## name`` section whose name is one of
the module's functions is the note above that function's exercise, and a
``## Try it`` section's Python code block is the notebook's last, ungraded cell.

Which assignment a process grades: ``use(folder)`` (the command line's
``--assignment``), else ``$AUTOGRADER_ASSIGNMENT`` (how a batch's workers and the
Gradescope bundle inherit it), else this repository's week 4 (``week4/``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import os
import re
import sys
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .spec import Task

if TYPE_CHECKING:
    from .checks import Registry

ROOT = Path(__file__).resolve().parent.parent
WEEK4 = ROOT / "week4"
MANIFEST = "assignment.toml"
ENVIRONMENT = "AUTOGRADER_ASSIGNMENT"


class AssignmentError(ValueError):
    """A folder that is not an assignment, or one whose content does not hold together."""


@dataclass(frozen=True)
class Lecture:
    """One notebook: the reference module it is built from, and the lecture text around it."""

    module: str
    stem: str  # the notebook's file name without .ipynb (the lecture file's)
    title: str
    intro: str  # Markdown: the lecture's explanation and formulas
    notes: dict[str, str] = field(default_factory=dict)  # function -> Markdown above its exercise
    explore: str = ""  # an ungraded cell that tries the functions out

    @property
    def filename(self) -> str:
        return f"{self.stem}.ipynb"


@dataclass(frozen=True, eq=False)  # one object per folder (``load``): compared and hashed as itself
class Assignment:
    folder: Path
    name: str
    title: str
    heading: str
    reference: Path  # the reference package's folder
    stubs: Path  # the student's package's folder
    tasks: tuple[Task, ...]
    lectures: tuple[Lecture, ...]
    checks_file: Path | None  # its own checks and hints, if it has any
    registry: Registry  # the checks and hints its tasks may name: the engine's and its own

    @property
    def modules(self) -> tuple[str, ...]:
        """The exercise modules, in lecture order."""
        return tuple(lecture.module for lecture in self.lectures)

    @property
    def by_name(self) -> dict[str, Task]:
        return {task.name: task for task in self.tasks}

    @property
    def total_points(self) -> float:
        return sum(task.points for task in self.tasks)

    @property
    def public_cases(self) -> Path:
        return self.stubs / "public_cases.bin"

    @property
    def reference_package(self) -> str:
        """The name the reference is imported under: a package of its own for each assignment."""
        name = "_reference_" + _identifier(self.name)
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(self.reference)]
            sys.modules[name] = package
        return name

    def reference_module(self, module: str) -> types.ModuleType:
        return importlib.import_module(f"{self.reference_package}.{module}")


def load(folder: str | os.PathLike) -> Assignment:
    """Read the assignment in ``folder``; ``AssignmentError`` says what is wrong with it."""
    return _load(Path(folder).resolve())


@functools.cache
def _load(folder: Path) -> Assignment:
    manifest = folder / MANIFEST
    try:
        settings = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AssignmentError(f"{folder} is not an assignment: cannot read its {MANIFEST} ({exc})") from None
    try:
        name = str(settings["name"])
        notebooks = settings["notebooks"]
    except KeyError as exc:
        raise AssignmentError(f"{manifest} needs a {exc.args[0]!r} entry") from None
    reference = (folder / settings.get("reference", "solutions")).resolve()
    lectures = tuple(_lecture(folder / entry["lecture"], entry["module"]) for entry in notebooks)
    for lecture in lectures:
        if not (reference / f"{lecture.module}.py").is_file():
            raise AssignmentError(f"{manifest}: the reference has no {lecture.module}.py in {reference}")
    tasks = _tasks(folder / settings.get("tasks", "tasks.py"), name)
    modules = {lecture.module for lecture in lectures}
    for task in tasks:
        if task.module not in modules:
            raise AssignmentError(f"{manifest}: task {task.name} is in no notebook's module")
    checks_file = folder / settings["checks"] if "checks" in settings else folder / "checks.py"
    checks_file = checks_file if "checks" in settings or checks_file.is_file() else None
    return Assignment(folder, name, str(settings.get("title", name)), str(settings.get("heading", name)),
                      reference, (folder / settings.get("stubs", "assignments")).resolve(), tasks, lectures,
                      checks_file, load_registry(checks_file, tasks, name))


def load_registry(checks_file: Path | None, tasks: tuple[Task, ...], name: str) -> Registry:
    """The checks and hints of the engine and of ``checks_file``; ``AssignmentError`` when the file does
    not load or a task names a check or hint that exists nowhere."""
    from . import registry  # the checks import numpy: only when an assignment is loaded

    try:
        loaded = registry.load(checks_file, name)
        registry.check_tasks(tasks, loaded)
    except registry.RegistryError as exc:
        raise AssignmentError(str(exc)) from None
    return loaded


def _tasks(path: Path, name: str) -> tuple[Task, ...]:
    """The ``TASKS`` that the assignment's task file defines (the instructor's code: trusted)."""
    spec = importlib.util.spec_from_file_location("_tasks_" + _identifier(name), path)
    if spec is None or not path.is_file():
        raise AssignmentError(f"no task file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks = getattr(module, "TASKS", None)
    if not isinstance(tasks, tuple | list) or not all(isinstance(task, Task) for task in tasks):
        raise AssignmentError(f"{path} must define TASKS, a tuple of autograder.spec.Task")
    return tuple(tasks)


def _lecture(path: Path, module: str) -> Lecture:
    """A lecture file's title, introduction, notes by function, and its "Try it" code."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssignmentError(f"cannot read the lecture notes {path}: {exc.strerror}") from None
    title, _, body = text.partition("\n")
    if not title.startswith("# "):
        raise AssignmentError(f"{path} must start with its title, a '# ' line")
    sections = re.split(r"^## (.+)$", body, flags=re.MULTILINE)
    intro, notes, explore = sections[0], {}, ""
    for heading, section in zip(sections[1::2], sections[2::2]):
        if heading.strip() == "Try it":
            code = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
            explore = code.group(1) if code else ""
        else:
            notes[heading.strip()] = section.strip()
    return Lecture(module, path.stem, title[2:].strip(), "\n" + intro.strip("\n") + "\n", notes, explore)


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)


def use(folder: str | os.PathLike) -> Assignment:
    """Grade ``folder``'s assignment in this process and in the processes it starts."""
    assignment = load(folder)
    os.environ[ENVIRONMENT] = str(assignment.folder)
    return assignment


def current() -> Assignment:
    """The assignment this process grades (``use``, ``$AUTOGRADER_ASSIGNMENT``, or week 4)."""
    return load(os.environ.get(ENVIRONMENT) or WEEK4)


def grader_hash(assignment: Assignment | None = None) -> str:
    """SHA-256 of the grader: every module of this package, and the assignment's tasks and reference.

    Any change to how grades are computed, to the cases, or to the reference they compare
    with, makes every stored result and the cached plan stale.
    """
    return _grader_hash(assignment or current())


@functools.cache
def _grader_hash(assignment: Assignment) -> str:
    digest = hashlib.sha256(assignment.name.encode())
    for folder in (Path(__file__).resolve().parent, assignment.folder, assignment.reference):
        for file in sorted(folder.glob("*.py")):
            digest.update(f"{folder.name}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()
