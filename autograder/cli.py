"""The ``autograder`` command line (SPEC §3).

Exit status 0 whenever grading ran, whatever the score; non-zero, with one clear
line on stderr, only when the grader itself could not run. The self-check is the
exception, as pytest is: 1 when a public case fails (``--exit-zero``: always 0), so
that CI and GitHub Classroom can use it.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path


class UsageError(Exception):
    """Bad arguments or an unreadable path: the grader cannot run."""


def _existing(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{path} does not exist")
    return p


def _student_prints_aside(json_out: bool) -> contextlib.AbstractContextManager:
    """With ``--json``, stdout holds the one JSON object: what in-process student code prints (a
    notebook's top level runs) goes to stderr."""
    return contextlib.redirect_stdout(sys.stderr) if json_out else contextlib.nullcontext()


def cmd_check(args: argparse.Namespace) -> int:
    from .selfcheck import default_path, run_selfcheck

    args.path = args.path or str(default_path())
    with _student_prints_aside(args.json):
        result = run_selfcheck(_existing(args.path))
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        from .report import print_result

        print_result(result, title=f"self-check of {args.path} (public cases)")
    # A task with no case ran none: its module did not import, which is a failure too.
    full_marks = all(task.cases and task.passed == len(task.cases) for task in result.tasks)
    return 0 if full_marks or args.exit_zero else 1


SECRET_HELP = ("each student's own hidden cases: their inputs drawn from seeds keyed by this secret and "
               "the student id (default: $AUTOGRADER_SECRET; prefer it: a command line shows in `ps`)")


def secret_of(args: argparse.Namespace) -> str | None:
    """The secret of ``--secret`` or ``$AUTOGRADER_SECRET`` (None: everyone gets the same hidden cases)."""
    secret = args.secret if args.secret is not None else os.environ.get("AUTOGRADER_SECRET")
    if secret == "":
        raise UsageError("the secret is empty: give a long random string, or none at all")
    return secret


def cmd_grade(args: argparse.Namespace) -> int:
    from .grade import grade_submission
    from .report import print_result
    from .spec import Variant

    path = _existing(args.submission)
    secret = secret_of(args)
    student = args.student or (path.stem if path.suffix in (".zip", ".ipynb") else path.name)
    variant = Variant.of(secret, student) if secret else None
    with _student_prints_aside(args.json and args.in_process):
        result = grade_submission(path, isolated=not args.in_process, gradcheck=args.gradcheck,
                                  variant=variant)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print_result(result)
    return 0


def cmd_stubs(args: argparse.Namespace) -> int:
    from . import public
    from .stubs import write_assignments

    for path in write_assignments():
        print(f"wrote {path}")
    print(f"wrote {public.write()}")
    return 0


def _delegate(module: str) -> Callable[[argparse.Namespace], int]:
    """A command implemented by ``autograder.<module>.command(args)``, imported only when used."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return importlib.import_module(f"autograder.{module}").command(args)

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check,
    "grade": cmd_grade,
    "stubs": cmd_stubs,
    "batch": _delegate("batch"),
    "release": _delegate("release"),
    "nbgrader": _delegate("nbgrader_course"),
    "nbgrader-autograde": _delegate("nbgrader_autograde"),
    "gradescope": _delegate("gradescope"),
    "prairielearn": _delegate("prairielearn"),
    "coursera": _delegate("coursera"),
    "export-similarity": _delegate("similarity"),
    "merge": _delegate("shards"),
}


REQUIRE_HELP = "refuse to grade where student code would have resource limits only (no root, no bubblewrap)"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="autograder", description="Self-grading exercises: week 4 (CNNs, RNNs) or any assignment."
    )
    # Every command takes --assignment (SPEC §3); add_parser below gives each the common option.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--assignment", dest="assignment_dir", metavar="DIR",
                        help="the assignment's folder, with its assignment.toml (default: week4/ here)")
    sub = top.add_subparsers(dest="command", required=True)

    def command(name: str, **kwargs: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kwargs)

    check = command("check", help="self-check your stubs with the public cases (no reference needed)")
    check.add_argument(
        "path", nargs="?", default=None,
        help="your modules, notebooks or zip (default: assignments/, or the student bundle's folder with "
             "its notebooks/ too)"
    )
    check.add_argument("--json", action="store_true", help="print the result as one JSON object (as grade's)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 whatever fails (default: 1 when a public case fails, as pytest)")
    grade = command("grade", help="grade one submission with the hidden cases, isolated")
    grade.add_argument("submission", help="a folder, a .zip, a notebook or a folder of notebooks")
    grade.add_argument("--json", action="store_true", help="print ONE JSON object (SPEC §3)")
    grade.add_argument(
        "--gradcheck",
        choices=("both", "full", "directional"),
        default="both",
        help="numerical gradient check: element-wise, random directions, or both (default)",
    )
    grade.add_argument("--in-process", action="store_true", help="no isolation (trusted code, benchmarks)")
    grade.add_argument("--require-isolation", action="store_true", help=REQUIRE_HELP)
    grade.add_argument("--secret", default=None, help=SECRET_HELP)
    grade.add_argument("--student", metavar="ID", help="with a secret: whose hidden cases (default: the "
                       "submission's name without .zip or .ipynb, as batch names it)")
    command("stubs", help="instructors: regenerate the stubs and their public cases from the reference")
    batch = command("batch", help="TAs: grade every entry of DIR (one per student) into OUT")
    batch.add_argument(
        "dir", help="one entry per student: a folder, a .zip, or notebooks; its name is the id "
        "(with --lms: the LMS's download)"
    )
    batch.add_argument(
        "--out", required=True, help="folder for results, feedback, gradebook.csv and the report"
    )
    batch.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    batch.add_argument(
        "--force", action="store_true", help="regrade submissions already graded and unchanged"
    )
    batch.add_argument("--only", nargs="+", metavar="ID", help="grade (or regrade) just these students")
    batch.add_argument(
        "--lms", choices=("canvas", "moodle"), help="DIR is this LMS's download of the submissions"
    )
    batch.add_argument(
        "--roster", metavar="CSV", help="the LMS's gradebook export (Canvas) or grading worksheet (Moodle)"
    )
    batch.add_argument(
        "--lms-column", metavar="NAME", help="Canvas: the assignment column of lms_import.csv (default: the "
        "roster's only assignment column, else a new column '<heading> autograder': 'Week 4 autograder')"
    )
    batch.add_argument("--due", metavar="ISO-DATETIME", help="the deadline, e.g. 2026-12-01T23:59 (local)")
    batch.add_argument(
        "--late-penalty", metavar="AMOUNT", help="points or %% of the maximum, once or per day or part "
        "of a day late: '10%%/day', '5/day', '20%%', '10'"
    )
    batch.add_argument("--late-cap", metavar="AMOUNT", help="the most the late penalty takes: '50%%' or '30'")
    batch.add_argument(
        "--penalize-late-marker", action="store_true",
        help="Canvas: penalise a LATE file with no known time as one day late (default: flag only)",
    )
    batch.add_argument("--require-isolation", action="store_true", help=REQUIRE_HELP)
    batch.add_argument("--secret", default=None, help=SECRET_HELP)
    batch.add_argument(
        "--timeout",
        type=float,
        help="seconds one submission may take before it gets a grader-error row "
        "(default: its cases' time budget plus a margin, 380)",
    )
    batch.add_argument(
        "--shard", metavar="i/N", help="grade only slice i of N of the class (by a hash of the student id); "
        "index/N: i is $JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job); `autograder merge` joins them",
    )
    merge = command("merge", help="TAs: build the class's gradebook, report and LMS files from shards' OUTs")
    merge.add_argument("out", help="the folder to write (new, or a previous merge's)")
    merge.add_argument("shards", nargs="+", metavar="OUT_i", help="each shard's --out folder")
    export = command(
        "export-similarity",
        help="TAs: write each student's code as plain files (DIR/students/<id>/*.py; the given code in "
        "DIR/given/), for MOSS, JPlag or Dolos",
    )
    export.add_argument("out", help="the OUT folder of `autograder batch`, which keeps each student's code")
    export.add_argument("dir", help="the folder to write")
    release = command(
        "release", help="instructors: write the student bundle (no solution, no hidden case)"
    )
    release.add_argument("out", help="folder to write")
    nbgrader = command("nbgrader", help="instructors: write an nbgrader course for the assignment")
    nbgrader.add_argument("course_dir", help="the course folder to write")
    autograde = command(
        "nbgrader-autograde",
        help="instructors: grade an nbgrader course's submissions, sandboxed and without a kernel",
    )
    autograde.add_argument("course_dir", help="the nbgrader course (written by `autograder nbgrader`)")
    autograde.add_argument("assignment", help="the assignment to grade: submitted/*/ASSIGNMENT/*.ipynb")
    autograde.add_argument("--jobs", type=int, default=2, help="students graded in parallel (default 2)")
    autograde.add_argument(
        "--force", action="store_true", help="regrade submissions already autograded (as nbgrader's --force)"
    )
    gradescope = command("gradescope", help="instructors: write a Gradescope autograder bundle")
    gradescope.add_argument("out", help="the .zip to write")
    gradescope.add_argument(
        "--hidden-visibility",
        choices=("hidden", "after_due_date", "after_published", "visible"),  # gradescope.VISIBILITIES
        default="after_published",
        help="when students see the results of hidden cases (default after_published); public ones: at once",
    )
    prairielearn = command("prairielearn", help="instructors: write a PrairieLearn external grader "
                           "(Dockerfile, entry point, the grader)")
    prairielearn.add_argument("out", help="the folder to write (new or empty)")
    coursera = command("coursera", help="instructors: write a Coursera custom grader (a zip, its Dockerfile "
                       "at the root)")
    coursera.add_argument("out", help="the .zip to write")
    coursera.add_argument("--part", action="append", metavar="PARTID=MODULE",
                          help="the Coursera part PARTID grades only MODULE's tasks (repeat for each part; "
                          "default: every part grades the whole assignment)")
    return top


def choose_assignment(folder: str) -> None:
    """Grade ``folder``'s assignment, in this process and the ones it starts (batch workers)."""
    from .assignment import AssignmentError, use

    try:
        use(folder)
    except AssignmentError as exc:
        raise UsageError(str(exc)) from None


def announce_isolation(require: bool) -> None:
    """Say on stderr, before any grading, when student code will not be fully isolated here."""
    from .isolation import LEVELS, best_backend, warning

    backend = best_backend()
    if require and LEVELS[backend] == "none":
        raise UsageError(f"--require-isolation: refusing to grade, {warning(backend)}")
    if warning(backend):
        print(f"autograder: {warning(backend)}", file=sys.stderr)


def skip_last_collection() -> None:
    """Have this process end without the interpreter's last garbage collection.

    That collection walks every object still alive (60 ms with numpy and matplotlib
    loaded) to free memory that the system frees anyway when the process ends; objects
    frozen (``gc.freeze``) are left out of it. Files are still flushed and closed.
    """
    atexit.register(gc.freeze)


def main(argv: list[str] | None = None) -> int:
    skip_last_collection()
    args = parser().parse_args(argv)
    try:
        if args.assignment_dir:
            choose_assignment(args.assignment_dir)
        if getattr(args, "require_isolation", None) is not None and not getattr(args, "in_process", False):
            announce_isolation(args.require_isolation)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        # The student bundle ships the self-check only, without the reference and the hidden cases.
        print(
            f"autograder: '{args.command}' is not available here ({exc.name} is missing): "
            "it needs the full grader, not the student bundle",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("autograder: interrupted", file=sys.stderr)
        return 130
