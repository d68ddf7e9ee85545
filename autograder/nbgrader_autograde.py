"""``autograder nbgrader-autograde COURSE_DIR ASSIGNMENT``: nbgrader's autograde, with no kernel.

``nbgrader autograde`` runs every student notebook in a Jupyter kernel, one at a time: the
student's code runs unsandboxed, as the instructor, and any of its cells can replace the
test cells' grading function. This command keeps all of nbgrader's autograde but the kernel:

1. The submissions: ``submitted/*/ASSIGNMENT/`` (nbgrader's ``CourseDirectory``); one already
   autograded is skipped unless its ``timestamp.txt`` is newer or ``--force`` is given, as
   nbgrader decides (``BaseConverter.init_destination``).
2. Each student's notebooks go through nbgrader's own sanitizing preprocessors (locked cells
   restored from the gradebook, as nbgrader does before it runs them) and are graded with the
   sandboxed grader (``grade.grade_submission``: the definitions read as JSON, student code
   isolated), several students in parallel (``batch.grade_in_parallel``).
3. nbgrader's own ``Autograde`` converter then writes ``autograded/`` and the gradebook, with
   its kernel (the ``Execute`` preprocessor) replaced by ``IsolatedTestCells``: each test cell
   gets the outputs its task's grading produced, the feedback on stdout and the score as an
   ``execute_result``, as ``notebook_grading.grade_task`` prints them in a kernel. nbgrader's
   ``SaveAutoGrades`` reads them as it reads a kernel's (``utils.determine_grade``) into each
   grade's ``auto_score``; students, timestamps, late penalties, missing notebooks and file
   permissions are nbgrader's, so ``generate_feedback``, ``export`` and formgrader work unchanged.

Which task a test cell grades: its source, locked and so restored from the gradebook, calls
``grade_task("conv.conv_forward", globals())`` (``notebooks.grading_source``). The cell's score
is that task's score scaled to the cell's points.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import glob
import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import AutogradeApp
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from sqlalchemy.exc import SAWarning
from traitlets import Unicode
from traitlets.config import Config

from .assignment import current
from .batch import GRADER_ERROR, Job, grade_in_parallel
from .grade import CaseResult, TaskResult
from .notebook_grading import cell_feedback

HIDDEN = "hidden"  # the cases run: the hidden ones, against the reference


class CourseError(Exception):
    """The course cannot be graded (no gradebook, no such assignment, a test cell of no task)."""


def task_of(source: str) -> str | None:
    """The task a test cell grades: the string of its ``grade_task("module.function", ...)`` call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    tasks = current().by_name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "grade_task"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in tasks):
            return node.args[0].value
    return None


# ---------------------------------------------------------------- the course, through nbgrader's API


def open_course(course_dir: Path, assignment: str) -> AutogradeApp:
    """nbgrader's application for the course, its configuration loaded as ``nbgrader autograde`` does.

    Checks that the gradebook holds ``assignment`` and that each of its test cells names a task.
    """
    if not (course_dir / "nbgrader_config.py").is_file():
        raise CourseError(f"{course_dir} is no nbgrader course: it has no nbgrader_config.py")
    app = AutogradeApp(log_level="ERROR")  # not its warning that the folder we run in has no configuration
    app.initialize([], root=str(course_dir.resolve()))
    app.log_level = "WARN"  # nbgrader's warnings (a locked cell the student changed) and errors
    app.coursedir.assignment_id = assignment
    if not (course_dir / "gradebook.db").is_file():
        raise CourseError(f"{course_dir} has no gradebook.db: "
                          f"run `nbgrader generate_assignment {assignment}` there first")
    with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gradebook:
        try:
            notebooks = gradebook.find_assignment(assignment).notebooks
        except MissingEntry:
            raise CourseError(f"the gradebook has no assignment {assignment!r}: "
                              f"run `nbgrader generate_assignment {assignment}` first") from None
        for notebook in notebooks:
            for cell in notebook.grade_cells:
                source = gradebook.find_source_cell(cell.name, notebook.name, assignment).source
                if cell.cell_type == "code" and task_of(source) is None:
                    raise CourseError(f"{notebook.name}.ipynb: the test cell {cell.name!r} calls no "
                                      'grade_task("module.function", globals()) of a known task')
    return app


def to_grade(app: AutogradeApp, force: bool) -> list[str]:
    """The students whose submission nbgrader's autograde would process now (init_destination's rule)."""
    course = app.coursedir
    assignment = course.assignment_id
    excluded = set(course.student_id_exclude.split(",")) if course.student_id_exclude else set()
    students = []
    pattern = course.format_path(course.submitted_directory, course.student_id, assignment)
    for folder in sorted(glob.glob(pattern)):
        student = Path(folder).parent.name
        if student in excluded or not glob.glob(os.path.join(glob.escape(folder), "*.ipynb")):
            continue
        done = course.format_path(course.autograded_directory, student, assignment)
        if force or not os.path.exists(done):
            students.append(student)
            continue
        new, old = course.get_existing_timestamp(folder), course.get_existing_timestamp(done)
        if new is not None and old is not None and new > old:
            students.append(student)
    return students


def resources(app: AutogradeApp, student: str, notebook: str) -> dict[str, Any]:
    """What nbgrader's preprocessors read about the notebook they process (init_single_notebook_resources)."""
    return {"nbgrader": {"student": student, "assignment": app.coursedir.assignment_id,
                         "notebook": notebook, "db_url": app.coursedir.db_url}}


def sanitize(app: AutogradeApp, student: str, out: Path) -> None:
    """The student's notebooks that the gradebook knows, as nbgrader's autograde runs them, into ``out``.

    nbgrader's own sanitizing preprocessors (as configured: by default ClearOutput,
    DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata) restore every
    locked cell from the gradebook, so the student's given helpers are the instructor's.
    """
    course = app.coursedir
    listed = Autograde(coursedir=course, parent=app).sanitize_preprocessors
    preprocessors = [cls(parent=app) for cls in listed]
    with Gradebook(course.db_url, course.course_id) as gradebook:
        known = [nb.name for nb in gradebook.find_assignment(course.assignment_id).notebooks]
    out.mkdir(parents=True)
    submitted = Path(course.format_path(course.submitted_directory, student, course.assignment_id))
    for name in known:
        path = submitted / f"{name}.ipynb"
        if not path.is_file():
            continue  # nbgrader scores a missing notebook 0; the grader finds its functions missing
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        for preprocessor in preprocessors:
            notebook, _ = preprocessor(notebook, resources(app, student, name))
        nbformat.write(notebook, out / path.name)


# ---------------------------------------------------------------- the test cells' outputs


def task_results(result: dict[str, Any]) -> dict[str, TaskResult]:
    """A stored result's tasks (``GradeResult.to_json``), by name, as TaskResults."""
    names = [f.name for f in dataclasses.fields(CaseResult)]
    return {task["name"]: TaskResult(task["name"], task["score"], task["max_score"],
                                     [CaseResult(**{k: case[k] for k in names}) for case in task["cases"]])
            for task in result["tasks"]}


class IsolatedTestCells(NbGraderPreprocessor):
    """Stands in for nbgrader's ``Execute``: the test cells' outputs, from the sandboxed grading."""

    results_dir = Unicode(
        help="the folder of each student's result.json (batch.write_student)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        meta = resources["nbgrader"]
        stored = json.loads((Path(self.results_dir) / meta["student"] / "result.json").read_text())
        self.tasks = task_results(stored)
        failed = not any(task.cases for task in self.tasks.values())  # nothing could be graded
        # The problems of this notebook (a cell skipped for a syntax error); all, if nothing was graded.
        mine = f"{meta['notebook']}.ipynb,"
        self.problems = [p for p in stored["problems"] if failed or p.startswith(mine)]
        self.count = 0
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any],
                        index: int) -> tuple[NotebookNode, dict[str, Any]]:
        if not (utils.is_grade(cell) and cell.cell_type == "code"):
            return cell, resources
        self.count += 1
        cell.execution_count = self.count
        task = self.tasks.get(task_of(cell.source) or "")
        if task is None:  # a grade cell of no task: output on stderr, which nbgrader scores 0
            cell.outputs = [new_output("stream", name="stderr", text="this test cell grades no known task\n")]
            return cell, resources
        points = float(cell.metadata["nbgrader"]["points"])
        score = round(task.score / task.max_score * points, 4) if task.max_score else 0.0
        cell.outputs = [new_output("stream", name="stdout", text=cell_feedback(task, HIDDEN, self.problems)),
                        new_output("execute_result", data={"text/plain": repr(score)},
                                   execution_count=self.count)]
        return cell, resources


def write_autograded(app: AutogradeApp, student: str, results_dir: Path) -> None:
    """nbgrader's Autograde converter for one student, with IsolatedTestCells in place of its kernel.

    Raises nbgrader's NbGraderException when it fails on this student (its log says why).
    """
    app.update_config(Config({IsolatedTestCells.__name__: {"results_dir": str(results_dir)}}))
    course = app.coursedir
    course.student_id, every = glob.escape(student), course.student_id
    try:
        converter = Autograde(coursedir=course, parent=app)
        converter.force = True  # to_grade decided
        listed = converter.autograde_preprocessors
        if Execute not in listed:
            listed = [Execute, *listed]
        converter.autograde_preprocessors = [IsolatedTestCells if cls is Execute else cls for cls in listed]
        converter.start()
    finally:
        course.student_id = every


def flag_for_review(app: AutogradeApp, student: str) -> None:
    """Mark every grade of the student as needing manual grading (the grader failed on them)."""
    with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gradebook:
        for notebook in gradebook.find_submission(app.coursedir.assignment_id, student).notebooks:
            for grade in notebook.grades:
                grade.needs_manual_grade = True
        gradebook.db.commit()


# ---------------------------------------------------------------- the command


@dataclass
class Summary:
    """What one run did, by student id."""

    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student -> why nothing was written
    grader_errors: list[str] = field(default_factory=list)  # written with 0, flagged for review
    totals: dict[str, float] = field(default_factory=dict)  # the gradebook's, after the run
    seconds: float = 0.0


def autograde(course_dir: Path, assignment: str, jobs: int = 2, force: bool = False) -> Summary:
    """Grade the course's submissions of ``assignment`` into its gradebook and ``autograded/``."""
    started = time.perf_counter()
    app = open_course(course_dir, assignment)
    summary = Summary()
    scratch = Path(tempfile.mkdtemp(prefix="autograder-nbgrader-"))
    try:
        todo = []
        for student in to_grade(app, force):
            try:
                sanitize(app, student, scratch / "notebooks" / student)
            except Exception as exc:  # noqa: BLE001 - nbgrader fails on the same notebook: say why, go on
                summary.failed[student] = f"nbgrader cannot read the submission ({type(exc).__name__}: {exc})"
                continue
            todo.append(Job(student, scratch / "notebooks" / student, scratch / "results" / student,
                            {"student": student}))

        def record(job: Job, status: str) -> None:
            """Write a student's grades as soon as they are graded, while the workers grade the next."""
            try:
                write_autograded(app, job.student, scratch / "results")
            except Exception as exc:  # noqa: BLE001 - nbgrader's own failure on one student, logged by it
                summary.failed[job.student] = f"nbgrader's Autograde failed ({type(exc).__name__}: {exc})"
                return
            if status == GRADER_ERROR:
                flag_for_review(app, job.student)
                summary.grader_errors.append(job.student)
            summary.graded.append(job.student)

        with warnings.catch_warnings():
            # nbgrader's add_submission makes SQLAlchemy 2 warn at every new submission (nbgrader's too)
            warnings.filterwarnings("ignore", message=".* not in session", category=SAWarning)
            grade_in_parallel(todo, jobs, record)
        with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as book:
            summary.totals = {s: book.find_submission(assignment, s).score for s in sorted(summary.graded)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def command(args: argparse.Namespace) -> int:
    """``autograder nbgrader-autograde COURSE_DIR ASSIGNMENT [--jobs N] [--force]``."""
    from .cli import UsageError

    course = Path(args.course_dir)
    if not course.is_dir():
        raise UsageError(f"{args.course_dir} is not a folder")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    try:
        summary = autograde(course, args.assignment, args.jobs, args.force)
    except CourseError as exc:
        raise UsageError(str(exc)) from None
    for student, total in summary.totals.items():
        note = "  (the grader failed: flagged for manual grading)" if student in summary.grader_errors else ""
        print(f"{student:20} {total:8g}{note}")
    for student, why in summary.failed.items():
        print(f"{student:20} not autograded: {why}")
    print(f"{len(summary.graded)} submission(s) of {args.assignment} autograded in {summary.seconds:.1f} s "
          f"with {args.jobs} worker(s), student code sandboxed, no kernel; {len(summary.failed)} failed. "
          "Submissions already autograded and not newer were skipped (--force regrades them).")
    return 0
