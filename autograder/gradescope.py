"""Gradescope: ``autograder gradescope OUT.zip`` builds the autograder bundle, and runs in it.

Gradescope's contract (gradescope/autograder_samples, docs/specs.md): the zip holds
``setup.sh`` and an executable ``run_autograder`` at its root. Gradescope unpacks
it into ``/autograder/source`` and runs ``setup.sh`` once, as root, when it builds
the image. For each submission it puts the student's upload in
``/autograder/submission``, runs ``run_autograder`` from ``/autograder``, and
reads ``/autograder/results/results.json``.

The bundle holds the whole grader: the ``autograder`` package, the assignment
under ``assignment/`` (its tasks: the hidden cases; its reference) and the pinned
packages that grading imports. ``run_autograder`` runs ``python -m autograder.gradescope``,
which is ``main`` below: it makes the bundle unreadable to anyone but root, grades
the upload with student code isolated (``grade_submission``; the sandbox drops to
an unprivileged user when run as root), and always writes results.json, a score
of 0 with the reason if grading itself fails. Gradescope shows a submission with
no results.json as an error, with no score and nothing to act on.

Each task is reported as two of Gradescope's tests: its public cases, always visible (the
student can rerun them with ``autograder check``), and its hidden cases, with the visibility
chosen when the bundle was built (``--hidden-visibility``, kept in ``settings.json``; by
default ``after_published``: the student sees what failed once the grades are published).
One test per task would have to show or hide the public and hidden verdicts together.

``AUTOGRADER_ROOT`` (default ``/autograder``) moves the whole tree, so a test can
run ``run_autograder`` in a temporary folder; ``AUTOGRADER_PYTHON`` chooses the
interpreter (default: the virtualenv ``setup.sh`` made); ``AUTOGRADER_WALL_SECONDS``
sets the wall-clock limit of one call of a student function.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top: in Gradescope, `main` must be running (and writing
# results.json) before anything that could fail to import is imported.
from .stubs import ROOT

if TYPE_CHECKING:
    from .assignment import Assignment
    from .grade import GradeResult
    from .isolation import Limits

PACKAGE = Path(__file__).resolve().parent
BUNDLED = "assignment"  # the bundle's folder holding the assignment and its reference
SETTINGS = "settings.json"  # in the bundle: the choices made when it was built
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's, most hidden first
HIDDEN_VISIBILITY = "after_published"
# All that the grader imports beyond the standard library (IPython reads notebooks' cells), and what a
# student's code may import in the sandbox (isolation.STUDENT_PACKAGES).
GRADING_REQUIREMENTS = ("numpy", "rich", "ipython", "scipy", "matplotlib")
DEFAULT_ROOT = "/autograder"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (an Ubuntu image),
# with this bundle unpacked in /autograder/source (gradescope/autograder_samples, docs/specs.md).
# It installs Python 3.11 or later (the grader needs it) and, in a virtualenv of its own, the
# pinned packages of requirements.txt: only what grading imports. run_autograder uses that
# virtualenv; the virtualenv keeps pip away from the system's Python (PEP 668 on Ubuntu 24.04).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04 images ship Python 3.10; 3.11 is in their universe repository.
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    python=python3.11
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir --requirement /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this from /autograder for every submission (gradescope/autograder_samples,
# docs/specs.md). The grader (python -m autograder.gradescope) writes results/results.json
# itself, a score of 0 with the reason when grading fails; the fallback below covers a grader
# that cannot even start, so that Gradescope always gets a result.
# AUTOGRADER_ROOT moves the /autograder tree and AUTOGRADER_PYTHON picks the interpreter:
# the tests run this script in a temporary folder with the test suite's own virtualenv.
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-/autograder/venv/bin/python}"
results="$root/results/results.json"
rm -f "$results"
(cd "$root/source" && AUTOGRADER_ROOT="$root" exec "$python" -m autograder.gradescope)
status=$?
if [ ! -s "$results" ]; then
    mkdir -p "$root/results"
    printf '{"score": 0, "output": "%s (exit status %s). %s", "tests": []}\\n' \\
        "The autograder could not start" "$status" \\
        "Your submission was not graded: please tell your instructor." > "$results"
fi
exit 0
"""

EXECUTABLE = 0o755
REGULAR = 0o644


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = REGULAR) -> None:
    # zipfile keeps Unix permissions in the high 16 bits of external_attr; Gradescope needs
    # run_autograder executable, and unzip restores the mode from there.
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _assignment_files(assignment: Assignment) -> tuple[list[tuple[str, bytes]], str]:
    """The assignment's folder and its reference, where they lie to each other, under ``assignment/``.

    Returns the files (their names in the bundle, their bytes) and the assignment folder's name there.
    """
    base = Path(os.path.commonpath([assignment.folder, assignment.reference]))
    files = [(f"{BUNDLED}/{path.relative_to(base).as_posix()}", path.read_bytes())
             for folder in (assignment.folder, assignment.reference)
             for path in sorted(folder.rglob("*"))
             if path.is_file() and path.suffix in (".py", ".toml", ".md") and "__pycache__" not in path.parts]
    return sorted(set(files)), f"{BUNDLED}/{assignment.folder.relative_to(base).as_posix()}"


def build(out: Path, hidden_visibility: str = HIDDEN_VISIBILITY, assignment: Assignment | None = None
          ) -> list[str]:
    """Write the Gradescope bundle of ``assignment`` to ``out`` (a .zip); returns the names it holds.

    ``hidden_visibility``: when Gradescope shows students the tests of hidden cases (VISIBILITIES).
    """
    from .assignment import current
    from .release import pinned_requirements

    assignment = assignment or current()
    content, folder = _assignment_files(assignment)

    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"not {hidden_visibility!r}")
    settings = {"hidden_visibility": hidden_visibility, "assignment": folder}
    files: list[tuple[str, bytes, int]] = [
        ("setup.sh", SETUP_SH.encode(), EXECUTABLE),
        ("run_autograder", RUN_AUTOGRADER.encode(), EXECUTABLE),
        ("requirements.txt", pinned_requirements(GRADING_REQUIREMENTS).encode(), REGULAR),
        (SETTINGS, (json.dumps(settings, indent=1) + "\n").encode(), REGULAR),
    ]
    # The whole package: grading reaches modules by file as well as by import (the sandbox
    # copies child.py, protocol.py and limits.py into the child's folder).
    for path in sorted(PACKAGE.glob("*.py")):
        files.append((path.relative_to(ROOT).as_posix(), path.read_bytes(), REGULAR))
    files += [(name, data, REGULAR) for name, data in content]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, mode in files:
            _add(archive, name, data, mode)
    return [name for name, _, _ in files]


def command(args: argparse.Namespace) -> int:
    """``autograder gradescope OUT.zip``."""
    from .cli import UsageError

    out = Path(args.out)
    if out.suffix != ".zip":
        raise UsageError(f"{out} should end with .zip: Gradescope takes the autograder as a zip file")
    names = build(out, args.hidden_visibility)
    print(f"wrote {out}: {len(names)} files (setup.sh, run_autograder, the grader, its hidden cases "
          "and the reference). Upload it as the assignment's autograder; never give it to students.")
    print("Students see the results of public cases at once, those of hidden cases: "
          f"{args.hidden_visibility}.")
    return 0


# ---------------------------------------------------------------- inside Gradescope


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
    """What to grade in Gradescope's submission folder.

    Gradescope stores the uploaded files as they are: modules, notebooks, or a single
    zip that the student made. ``submission.load`` reads folders and notebooks; a lone
    zip is graded as the zip.
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


def failure_results(reason: str, started: float) -> dict[str, Any]:
    """results.json when grading itself failed: 0 points and the reason, never a missing file."""
    return {
        "score": 0.0,
        "execution_time": round(time.perf_counter() - started, 3),
        "output": f"The autograder could not grade this submission: {reason}. "
                  "This is a problem of the grader, not a verdict on your code: please tell your instructor.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def split_public_hidden(result: GradeResult) -> GradeResult:
    """The result with each task as two: its public cases and its hidden cases.

    Each part is worth its share of the task's cases, so the parts' scores add up to the
    task's. A task with no case (the module did not load) stays one, with its reason.
    """
    from .grade import TaskResult

    tasks = []
    for task in result.tasks:
        parts = [[case for case in task.cases if case.public is public] for public in (True, False)]
        if not task.cases:
            tasks.append(task)
            continue
        for which, cases in zip(("public", "hidden"), parts):
            if cases:
                # The same expression for both: a part whose cases all pass scores exactly its points.
                share = round(task.max_score * len(cases) / len(task.cases), 4)
                score = round(task.max_score * sum(c.passed for c in cases) / len(task.cases), 4)
                tasks.append(TaskResult(f"{task.name} ({which} cases)", score, share, cases))
    return dataclasses.replace(result, tasks=tasks)


def bundle_settings(source: Path) -> dict[str, str]:
    """The choices made when the bundle was built (its settings.json): visibility, the assignment."""
    settings = json.loads((source / SETTINGS).read_text())
    if settings.get("hidden_visibility") not in VISIBILITIES:
        raise ValueError(f"{SETTINGS}: hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    return settings


def grade_upload(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` with the hidden cases, isolated; the results.json object."""
    from .assignment import use
    from .grade import grade_submission
    from .report import gradescope_results

    settings = bundle_settings(root / "source")
    protect(root / "source")
    use(root / "source" / settings["assignment"])
    result = grade_submission(submission_path(root / "submission"), isolated=True, limits=limits_from_env())
    return gradescope_results(split_public_hidden(result), settings["hidden_visibility"])


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write results.json whole or not at all: a half-written file would read as a grader error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(results, indent=1))
    os.replace(partial, path)


def main() -> int:
    """The grader of ``run_autograder``: grade, then write results.json whatever happened."""
    started = time.perf_counter()
    root = Path(os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    try:
        results = grade_upload(root)
    except BaseException as exc:  # noqa: BLE001 - even an interrupt must leave a results.json behind
        traceback.print_exc()  # stdout and stderr are shown to instructors only
        results = failure_results(f"{type(exc).__name__}: {exc}", started)
    write_results(root / "results" / "results.json", results)
    print(f"score {results['score']:g}; results in {root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
