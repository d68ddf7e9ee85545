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
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top (platforms' too): in Gradescope, `main` must be running (and
# writing results.json) before anything that could fail to import is imported.
from . import platforms

if TYPE_CHECKING:
    from .assignment import Assignment
    from .grade import GradeResult

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's, most hidden first
HIDDEN_VISIBILITY = "after_published"
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

RUN_AUTOGRADER = platforms.run_script(
    "Gradescope runs this from /autograder for every submission (gradescope/autograder_samples,\n"
    "docs/specs.md) and reads results/results.json.",
    "gradescope", DEFAULT_ROOT, '"$root/source"', "results/results.json",
    '{"score": 0, "output": "%s %s", "tests": []}', python="/autograder/venv/bin/python")


def build(out: Path, hidden_visibility: str = HIDDEN_VISIBILITY, assignment: Assignment | None = None
          ) -> list[str]:
    """Write the Gradescope bundle of ``assignment`` to ``out`` (a .zip); returns the names it holds.

    ``hidden_visibility``: when Gradescope shows students the tests of hidden cases (VISIBILITIES).
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, "
                         f"not {hidden_visibility!r}")
    files = [("setup.sh", SETUP_SH.encode(), platforms.EXECUTABLE),
             ("run_autograder", RUN_AUTOGRADER.encode(), platforms.EXECUTABLE)]
    return platforms.write_zip(out, files + platforms.grader_files({"hidden_visibility": hidden_visibility},
                                                                   assignment))


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


def failure_results(message: str, started: float) -> dict[str, Any]:
    """results.json when grading itself failed: 0 points and the reason, never a missing file."""
    return {
        "score": 0.0,
        "execution_time": round(time.perf_counter() - started, 3),
        "output": message,
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
    settings = platforms.bundle_settings(source)
    if settings.get("hidden_visibility") not in VISIBILITIES:
        raise ValueError(f"{platforms.SETTINGS}: hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    return settings


def grade_upload(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` with the hidden cases, isolated; the results.json object."""
    from .report import gradescope_results

    settings = bundle_settings(root / "source")
    platforms.use_bundled(root / "source")
    result = platforms.grade_upload(root / "submission")
    return gradescope_results(split_public_hidden(result), settings["hidden_visibility"])


def main() -> int:
    """The grader of ``run_autograder``: grade, then write results.json whatever happened."""
    started = time.perf_counter()
    root = Path(os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    results = platforms.answer(root / "results" / "results.json", lambda: grade_upload(root),
                               lambda message: failure_results(message, started))
    print(f"score {results['score']:g}; results in {root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
