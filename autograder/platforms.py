"""What the hosted platforms' graders share: the bundle's contents, its run script, grading in it.

Gradescope (``gradescope.py``), PrairieLearn (``prairielearn.py``) and Coursera (``coursera.py``)
each run one container per submission and read one result file. Each bundle carries the same
grader: the ``autograder`` package, the assignment under ``assignment/`` (its tasks: the hidden
cases; its reference), the pinned packages grading imports (``requirements.txt``) and the choices
made when it was built (``settings.json``). Each runs the same way: a shell script that starts
``python -m autograder.<platform>`` and, should the grader not even start, writes the platform's
result file itself, so that the platform always gets a verdict; the grader grades the upload
with student code isolated and writes its result whatever happened.

Each platform's module keeps only what is its own: its layout (where the upload and the result
lie, ``AUTOGRADER_ROOT`` moving them for a test), its output schema and its run script's words.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top: in a platform's container, the grader must be running (and
# able to write its result) before anything that could fail to import is imported.
from .atomic import write_atomic
from .stubs import ROOT

if TYPE_CHECKING:
    from .assignment import Assignment
    from .grade import GradeResult
    from .isolation import Limits

PACKAGE = Path(__file__).resolve().parent
BUNDLE = PACKAGE.parent  # in a bundle: the folder holding the package, the assignment and settings.json
BUNDLED = "assignment"  # the bundle's folder holding the assignment and its reference
SETTINGS = "settings.json"  # in the bundle: the choices made when it was built
# All that the grader imports beyond the standard library (IPython reads notebooks' cells), and what a
# student's code may import in the sandbox (isolation.STUDENT_PACKAGES).
GRADING_REQUIREMENTS = ("numpy", "rich", "ipython", "scipy", "matplotlib")
HTML_REQUIREMENTS = ("jinja2", "markupsafe")  # what report.feedback_html adds, for a platform showing HTML
# The images' base: Debian 12 with the Python the tests run on; bubblewrap is the Makefile's pin.
PYTHON_IMAGE = "python:3.11.7-slim-bookworm"
BUBBLEWRAP_DEB = "0.8.0-2+deb12u1"
VENV = "/opt/autograder-venv"  # in an image: outside the grader's folder, which is closed to student code

EXECUTABLE = 0o755
REGULAR = 0o644

File = tuple[str, bytes, int]  # a file of a bundle: its name there, its bytes, its Unix mode


def assignment_files(assignment: Assignment) -> tuple[list[tuple[str, bytes]], str]:
    """The assignment's folder and its reference, where they lie to each other, under ``assignment/``.

    Returns the files (their names in the bundle, their bytes) and the assignment folder's name there.
    """
    base = Path(os.path.commonpath([assignment.folder, assignment.reference]))
    files = [(f"{BUNDLED}/{path.relative_to(base).as_posix()}", path.read_bytes())
             for folder in (assignment.folder, assignment.reference)
             for path in sorted(folder.rglob("*"))
             if path.is_file() and path.suffix in (".py", ".toml", ".md") and "__pycache__" not in path.parts]
    return sorted(set(files)), f"{BUNDLED}/{assignment.folder.relative_to(base).as_posix()}"


def grader_files(settings: dict, assignment: Assignment | None = None, html: bool = False) -> list[File]:
    """The grader as a bundle carries it: the package, the assignment, requirements.txt, settings.json.

    ``settings``: the platform's choices, to which the bundled assignment's folder is added;
    ``html``: the bundle writes HTML feedback (its template and jinja2 come along).
    """
    from .assignment import current
    from .release import pinned_requirements

    assignment = assignment or current()
    content, folder = assignment_files(assignment)
    requirements = GRADING_REQUIREMENTS + (HTML_REQUIREMENTS if html else ())
    files: list[File] = [
        ("requirements.txt", pinned_requirements(requirements).encode(), REGULAR),
        (SETTINGS, (json.dumps({**settings, "assignment": folder}, indent=1) + "\n").encode(), REGULAR),
    ]
    # The whole package: grading reaches modules by file as well as by import (the sandbox
    # copies child.py, protocol.py and limits.py into the child's folder).
    package = sorted(PACKAGE.glob("*.py")) + ([PACKAGE / "templates" / "feedback.html"] if html else [])
    files += [(path.relative_to(ROOT).as_posix(), path.read_bytes(), REGULAR) for path in package]
    files += [(name, data, REGULAR) for name, data in content]
    return files


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = REGULAR) -> None:
    # zipfile keeps Unix permissions in the high 16 bits of external_attr; a platform needs the
    # run script executable, and unzip restores the mode from there.
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_zip(out: Path, files: list[File]) -> list[str]:
    """Write ``files`` to the zip ``out`` with their modes; returns their names."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, mode in files:
            _add(archive, name, data, mode)
    return [name for name, _, _ in files]


def write_folder(out: Path, files: list[File]) -> list[str]:
    """Write ``files`` under the folder ``out`` with their modes; returns their names."""
    for name, data, mode in files:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
    return [name for name, _, _ in files]


def run_script(comment: str, module: str, root: str, source: str, result: str, fallback: str,
               python: str = f"{VENV}/bin/python") -> str:
    """The shell script a platform runs for each submission (bash).

    ``comment``: the platform's contract, in a few lines; ``module``: the grader (``autograder.<module>``);
    ``root``: the platform's tree (``AUTOGRADER_ROOT`` moves it); ``source``: a shell expression, the
    bundle's folder; ``result``: the result file under the root; ``fallback``: the result written when
    the grader cannot even start, a printf format whose ``%s`` are the words and the exit status.
    ``python``: the interpreter, which ``AUTOGRADER_PYTHON`` replaces for a test.
    """
    header = "".join(f"# {line}\n" if line else "#\n" for line in comment.strip().splitlines())
    return f"""#!/usr/bin/env bash
{header}# The grader (python -m autograder.{module}) writes {result} itself, a verdict with the
# reason when grading fails; the fallback below covers a grader that cannot even start.
# AUTOGRADER_ROOT moves the {root} tree and AUTOGRADER_PYTHON picks the interpreter:
# the tests run this script in a temporary folder with the test suite's own virtualenv.
export PATH="${{PATH:-/usr/local/bin:/usr/bin:/bin}}"  # Coursera clears the image's environment
root="${{AUTOGRADER_ROOT:-{root}}}"
python="${{AUTOGRADER_PYTHON:-{python}}}"
source={source}
result="$root/{result}"
rm -f "$result"
(cd "$source" && AUTOGRADER_ROOT="$root" exec "$python" -m autograder.{module})
status=$?
if [ ! -s "$result" ]; then
    mkdir -p "$(dirname "$result")"
    printf '{fallback}\\n' "The autograder could not start (exit status $status)." \\
        "Your submission was not graded: please tell your instructor." > "$result"
fi
exit 0
"""


def dockerfile(comment: str, user: str = "") -> str:
    """An image recipe holding the bundle in /grader, its pinned packages in a virtualenv and bubblewrap.

    ``user``: the user the grader runs as (default: root, whose sandbox gives student code a uid of its own).
    """
    header = "".join(f"# {line}\n" if line else "#\n" for line in comment.strip().splitlines())
    lines = [
        header.rstrip("\n"),
        f"FROM {PYTHON_IMAGE}",
        "# bubblewrap: the sandbox, where the platform lets its namespaces be made (else the grader says so",
        "# and runs student code as a uid of its own, as root, or with resource limits only).",
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        f"bubblewrap={BUBBLEWRAP_DEB} && rm -rf /var/lib/apt/lists/*",
        "COPY requirements.txt /grader/requirements.txt",
        f"RUN python -m venv {VENV} && {VENV}/bin/pip install --no-cache-dir --requirement "
        "/grader/requirements.txt",
        "COPY autograder /grader/autograder",
        f"COPY {BUNDLED} /grader/{BUNDLED}",
        f"COPY {SETTINGS} run /grader/",
        f"RUN {VENV}/bin/python -m compileall -q /grader/autograder && chmod 755 /grader/run",
    ]
    if user:
        lines += [f"RUN useradd --uid 1000 --no-create-home --shell /usr/sbin/nologin {user} "
                  "&& chmod -R a+rX /grader", f"USER {user}"]
    return "\n".join(lines) + '\nENTRYPOINT ["/grader/run"]\n'


# ---------------------------------------------------------------- inside the platform's container


def protect(source: Path) -> None:
    """Take every permission of group and others on the bundle: hidden cases and reference included.

    Root (the grader) still reads it; the unprivileged user that runs student code does not.
    """
    # Python would otherwise write the reference's bytecode into source/ later, readable by all.
    sys.dont_write_bytecode = True
    for path in [source, *source.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)


def submission_path(folder: Path) -> Path:
    """What to grade in the platform's submission folder.

    Platforms store the uploaded files as they are: modules, notebooks, or a single zip
    that the student made. ``submission.load`` reads folders and notebooks; a lone zip
    is graded as the zip.
    """
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix == ".zip":
        return entries[0]
    return folder


def limits_from_env() -> Limits:
    """The sandbox's limits, with the wall-clock limit of ``AUTOGRADER_WALL_SECONDS`` when it is set."""
    from .isolation import Limits

    wall = os.environ.get("AUTOGRADER_WALL_SECONDS")
    return dataclasses.replace(Limits(), wall=float(wall)) if wall else Limits()


def bundle_settings(source: Path) -> dict:
    """The choices made when the bundle was built (its settings.json)."""
    return json.loads((source / SETTINGS).read_text())


def use_bundled(source: Path) -> Assignment:
    """Grade the assignment of the bundle in ``source`` from now on, its files closed to student code."""
    from .assignment import current, use

    if os.geteuid() == 0:
        # Only root's sandbox runs student code as another uid, which closed files keep out.
        protect(source)
    use(source / bundle_settings(source)["assignment"])
    return current()


def grade_upload(upload: Path, modules: tuple[str, ...] = ()) -> GradeResult:
    """Grade the platform's ``upload`` folder with the hidden cases (``use_bundled`` first), isolated.

    ``modules``: grade only these modules' tasks (all of them when empty).
    """
    from .grade import grade_submission, hidden_plan

    plan = [(task, cases) for task, cases in hidden_plan() if task.name.split(".")[0] in modules] or None
    return grade_submission(submission_path(upload), isolated=True, limits=limits_from_env(), plan=plan)


def readable(result: GradeResult) -> bool:
    """Whether any of the submission could be read: a submission that did not load has no case run."""
    return any(task.cases for task in result.tasks)


def shorten(text: str, limit: int, why: str) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, with a note saying it was cut and ``why``."""
    data = text.encode()
    if len(data) <= limit:
        return text
    note = f"\n... (cut here: {why})\n"
    keep = max(limit - len(note.encode()), 0)
    return data[:keep].decode(errors="ignore") + note


def write_result(path: Path, text: str) -> None:
    """Write a result file whole or not at all (a half-written one would read as a grader error),
    readable by the platform's harness, whichever user it reads as."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    path.chmod(REGULAR)


def write_json(path: Path, data: dict) -> None:
    """``write_result`` of ``data`` as JSON."""
    write_result(path, json.dumps(data, indent=1))


def answer(path: Path, grade: Callable[[], dict[str, Any]], failure: Callable[[str], dict[str, Any]]
           ) -> dict[str, Any]:
    """Write ``grade()``'s result to ``path``; when grading fails, ``failure(message)``'s, saying why.

    The platform gets a verdict whatever happened: one missing would show the student an error with
    no score and nothing to act on. Returns what was written.
    """
    try:
        data = grade()
    except BaseException as exc:  # noqa: BLE001 - even an interrupt must leave a result behind
        traceback.print_exc()  # stderr: the platform's log, which instructors see and students do not
        data = failure(f"The autograder could not grade this submission: {type(exc).__name__}: {exc}. "
                       "This is a problem of the grader, not a verdict on your code: please tell your "
                       "instructor.")
    write_json(path, data)
    return data
