"""``autograder nbgrader COURSE_DIR``: write an nbgrader course for week 4.

The course is nbgrader's standard layout (``nbgrader/coursedir.py``): ``nbgrader_config.py``
at the root and the instructor's notebooks, with their solutions between nbgrader's
markers, under ``source/week4/``. From there nbgrader does the rest: it releases the
student version, autogrades the submissions into its SQLite gradebook and writes feedback.

Each test cell calls ``autograder.notebook_grading.grade_task``; the configuration makes
the kernels nbgrader starts import this autograder and its reference, so that on the
grading machine they run the hidden cases, as ``autograder grade`` does.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .notebooks import write_notebooks
from .stubs import ROOT

ASSIGNMENT = "week4"
COURSE_ID = "ann-week4"
CELL_TIMEOUT = 300  # seconds per cell: a test cell runs every hidden case of one task

CONFIG = '''\
"""nbgrader configuration of the week-4 course (CNNs and RNNs), written by `autograder nbgrader`."""

import os

c = get_config()  # noqa: F821 - nbgrader provides it when it loads this file
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = {course_id}

# No shared exchange: the course keeps its own, next to this file (release_assignment and
# collect are optional; autograde reads submitted/<student>/{assignment}/ directly).
c.Exchange.root = os.path.join(HERE, "exchange")

# Every notebook runs in the Python that runs nbgrader, where numpy and the autograder are
# installed, whatever other "python3" kernelspecs this machine has: the course's own
# (jupyter/kernels/python3) is found first, and Jupyter starts its "python" as the running
# interpreter.
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(HERE, "jupyter"),
                                                           os.environ.get("JUPYTER_PATH")]))
c.Execute.kernel_name = "python3"
c.Execute.timeout = {timeout}

# The test cells import the autograder, and here also its reference (solutions/), which makes
# them run the hidden cases: the kernels nbgrader starts inherit this PYTHONPATH.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [{project}, os.environ.get("PYTHONPATH")]))
'''

# jupyter_client replaces a kernelspec's "python" by the interpreter that starts the kernel.
KERNEL = {"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
          "display_name": "Python 3 (the grader's)", "language": "python"}

NEXT_STEPS = (  # (command, why), for the assignment
    ("nbgrader generate_assignment {a}", "the student version, into release/{a}/"),
    ("nbgrader db student add STUDENT_ID", "once per student"),
    ("", "each student's notebooks go into submitted/STUDENT_ID/{a}/ (or: nbgrader collect)"),
    ("nbgrader autograde {a}", "the scores, into gradebook.db"),
    ("nbgrader generate_feedback {a}", "HTML feedback, under feedback/"),
    ("nbgrader export", "grades.csv"),
)


def write_course(course_dir: str | Path) -> list[Path]:
    """Write ``nbgrader_config.py`` and ``source/week4/*.ipynb``; returns the files written."""
    course = Path(course_dir)
    if course.exists() and not course.is_dir():
        raise NotADirectoryError(f"{course} exists and is not a folder")
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    config.write_text(CONFIG.format(course_id=json.dumps(COURSE_ID), assignment=ASSIGNMENT,
                                    timeout=CELL_TIMEOUT, project=json.dumps(str(ROOT))))
    kernel = course / "jupyter" / "kernels" / "python3" / "kernel.json"
    kernel.parent.mkdir(parents=True, exist_ok=True)
    kernel.write_text(json.dumps(KERNEL, indent=1) + "\n")
    return [config, kernel, *write_notebooks(course / "source" / ASSIGNMENT, release=False)]


def command(args: argparse.Namespace) -> int:
    """The ``autograder nbgrader COURSE_DIR`` command."""
    from .cli import UsageError

    try:
        written = write_course(args.course_dir)
    except OSError as exc:
        raise UsageError(f"cannot write the course: {exc}") from None
    for path in written:
        print(f"wrote {path}")
    print(f"Next, in {args.course_dir}, with this Python's bin/ on PATH (nbgrader runs alembic):")
    for step, why in NEXT_STEPS:
        print(f"  {step.format(a=ASSIGNMENT):<40} # {why.format(a=ASSIGNMENT)}")
    return 0
