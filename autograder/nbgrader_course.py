"""``autograder nbgrader COURSE_DIR``: write an nbgrader course for an assignment (week 4 by default).

The course is nbgrader's standard layout (``nbgrader/coursedir.py``): ``nbgrader_config.py``
at the root and the instructor's notebooks, with their solutions between nbgrader's
markers, under ``source/week4/``. nbgrader releases the student version, and after
``autograder nbgrader-autograde`` has filled its gradebook it writes feedback and exports.

The course holds no path of the machine that wrote it: ``nbgrader_config.py`` finds
everything relative to itself or to the Python that runs nbgrader, so the folder can be
copied anywhere and used with any checkout's grader, its virtualenv activated or not.

Its kernels never see the reference: the course's kernelspec starts
``autograder.course_kernel``, where ``import solutions`` fails, and their test cells run
the public cases: the course's own copy, ``public_cases/public_cases.bin``, with the
assignment's checks file beside it (``nbgrader_config.py`` points the kernels there). The
hidden cases run only in ``autograder nbgrader-autograde``, on the sandboxed grader.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import public
from .assignment import WEEK4, Assignment, current
from .notebooks import write_notebooks
from .release import own_checks

CELL_TIMEOUT = 300  # seconds per cell when nbgrader runs a notebook (nbgrader validate)

CONFIG = '''\
"""nbgrader configuration of the course for {title}, written by `autograder nbgrader`.

It names no path of the machine that wrote it: the course folder can be moved or copied anywhere.
Grade with `autograder nbgrader-autograde {assignment}` (not `nbgrader autograde`): it grades each
student's notebooks with the sandboxed grader, without a kernel, into this course's gradebook.
"""

import os
import sys

c = get_config()  # noqa: F821 - nbgrader provides it when it loads this file
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = {course_id}

# No shared exchange: the course keeps its own, next to this file (release_assignment and
# collect are optional; the grader reads submitted/<student>/{assignment}/ directly).
c.Exchange.root = os.path.join(HERE, "exchange")

# nbgrader creates gradebook.db by running `alembic` by name: the one installed beside the Python
# that runs nbgrader, even when that virtualenv is not activated (its bin/ not on PATH).
os.environ["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable),
                                                   os.environ.get("PATH")]))

# The notebooks nbgrader runs (nbgrader validate) run in the course's kernel, found first on
# JUPYTER_PATH whatever other "python3" kernelspecs this machine has: the Python that runs
# nbgrader, where numpy and the autograder are installed, with the reference hidden
# (autograder/course_kernel.py), so that its test cells run the public cases only.
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(HERE, "jupyter"),
                                                           os.environ.get("JUPYTER_PATH")]))
c.Execute.kernel_name = "python3"
c.Execute.timeout = {timeout}

# The public cases those test cells run, and the assignment's own checks beside them: this course's
# copy (autograder/public.py), whichever checkout's grader the kernel imports.
os.environ["{public_variable}"] = os.path.join(HERE, "public_cases", "{public_file}")
'''

# jupyter_client replaces a kernelspec's "python" by the interpreter that starts the kernel.
KERNEL = {"argv": ["python", "-m", "autograder.course_kernel", "-f", "{connection_file}"],
          "display_name": "Python 3 (the grader's, without the reference)", "language": "python"}

NEXT_STEPS = (  # (command, why), for the assignment; {option}: its --assignment, unless week 4's
    ("nbgrader generate_assignment {a}", "the student version, into release/{a}/"),
    ("nbgrader db student add STUDENT_ID", "once per student"),
    ("", "each student's notebooks go into submitted/STUDENT_ID/{a}/ (or: nbgrader collect)"),
    ("autograder nbgrader-autograde . {a}{option}", "the scores, into gradebook.db (not nbgrader autograde)"),
    ("nbgrader generate_feedback {a}", "HTML feedback, under feedback/"),
    ("nbgrader export", "grades.csv"),
)


def write_course(course_dir: str | Path, assignment: Assignment | None = None) -> list[Path]:
    """Write ``nbgrader_config.py`` and ``source/<assignment>/*.ipynb``; returns the files written."""
    assignment = assignment or current()
    course = Path(course_dir)
    if course.exists() and not course.is_dir():
        raise NotADirectoryError(f"{course} exists and is not a folder")
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    config.write_text(CONFIG.format(course_id=json.dumps(f"ann-{assignment.name}"), title=assignment.title,
                                    assignment=assignment.name, timeout=CELL_TIMEOUT,
                                    public_variable=public.PATH_VARIABLE, public_file=public.FILENAME))
    cases = public.write(course / "public_cases" / public.FILENAME, assignment)
    own = [cases.parent / assignment.checks_file.name] if assignment.checks_file else []
    for path in own:
        path.write_bytes(own_checks(assignment).read_bytes())
    kernel = course / "jupyter" / "kernels" / "python3" / "kernel.json"
    kernel.parent.mkdir(parents=True, exist_ok=True)
    kernel.write_text(json.dumps(KERNEL, indent=1) + "\n")
    notebooks = write_notebooks(course / "source" / assignment.name, False, assignment)
    return [config, kernel, cases, *own, *notebooks]


def command(args: argparse.Namespace) -> int:
    """The ``autograder nbgrader COURSE_DIR`` command."""
    from .cli import UsageError

    try:
        written = write_course(args.course_dir)
    except OSError as exc:
        raise UsageError(f"cannot write the course: {exc}") from None
    for path in written:
        print(f"wrote {path}")
    print(f"Next, in {args.course_dir}:")
    assignment = current()
    option = "" if assignment.folder == WEEK4 else f" --assignment {assignment.folder}"
    for step, why in NEXT_STEPS:
        print(f"  {step.format(a=assignment.name, option=option):<40} # {why.format(a=assignment.name)}")
    return 0
