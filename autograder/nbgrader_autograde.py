"""``autograder nbgrader-autograde COURSE_DIR ASSIGNMENT``: nbgrader's autograde, with no kernel.

``nbgrader autograde`` runs every student notebook in a Jupyter kernel, one at a time: the
student's code runs unsandboxed, as the instructor, and any of its cells can replace the
test cells' grading function. This command does what nbgrader's ``Autograde`` converter
does, step for step, but grades in the sandbox, several students at once:

1. The submissions: ``submitted/*/ASSIGNMENT/`` (nbgrader's ``CourseDirectory``); one already
   autograded is skipped unless its ``timestamp.txt`` is newer or ``--force`` is given, as
   nbgrader decides (``BaseConverter.init_destination``).
2. Sanitizing, as nbgrader's ``sanitize_preprocessors``: nbgrader's own ``ClearOutput``,
   ``DeduplicateIds``, ``OverwriteCells`` (every locked cell restored from the gradebook, so the
   student's given helpers are the instructor's) and ``CheckCellMetadata``, and the gradebook's
   kernelspec (``OverwriteKernelspec``). The gradebook's cells are read once for the run
   (``Release``), not once per cell of every notebook.
3. Grading: the sanitized notebooks with the sandboxed grader (``grade.grade_submission``),
   several students in parallel (``batch.grade_in_parallel``).
4. Writing, as nbgrader's ``autograde_preprocessors`` with ``Execute`` replaced: each test
   cell gets the outputs a kernel would give it (``notebook_grading.grade_task``: the feedback
   on stdout, the score as an ``execute_result``), then nbgrader's own ``IgnorePattern``,
   ``ClearMetadataPreprocessor`` and ``LimitOutput`` as configured; the grades go into the
   gradebook through nbgrader's API as ``SaveAutoGrades`` and ``AssignLatePenalties`` put them
   (``utils.determine_grade`` reads each test cell's score), in one transaction per student.
   ``autograded/STUDENT/ASSIGNMENT/`` gets the notebooks, the submission's other files and
   its ``timestamp.txt``, the source folder's other files, and nbgrader's file permissions.

So ``nbgrader generate_feedback``, ``export`` and formgrader read the result unchanged.

Which task a test cell grades: its source, locked and so restored from the gradebook, calls
``grade_task("conv.conv_forward", globals())`` (``notebooks.grading_source``). The cell's score
is that task's score scaled to the cell's points.

nbgrader and nbformat are imported inside the functions that use them, once
``skip_iri_format_checks`` has spared their import its slowest part.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import glob
import json
import os
import shutil
import stat
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assignment import current
from .batch import GRADER_ERROR, Job, grade_in_parallel
from .cleanup import LockedFolder
from .grade import CaseResult, TaskResult
from .nbschema import skip_iri_format_checks
from .notebook_grading import cell_feedback

if TYPE_CHECKING:
    from datetime import datetime

    from nbformat import NotebookNode
    from nbgrader.api import Gradebook, SubmittedAssignment, SubmittedNotebook
    from nbgrader.apps import AutogradeApp

HIDDEN = "hidden"  # the cases run: the hidden ones, against the reference


class CourseError(Exception):
    """The course cannot be graded (no gradebook, no such assignment, a test cell of no task)."""


class SubmissionError(Exception):
    """One student's submission cannot be autograded (the reason, for the TA)."""


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


# ---------------------------------------------------------------- the release, read once


@dataclass(frozen=True)
class SourceCell:
    """A cell of the release as the gradebook holds it (nbgrader's ``SourceCell``, detached)."""

    name: str
    cell_type: str
    locked: bool
    checksum: str | None
    source: str


@dataclass(frozen=True)
class GradedCell:
    """A grade or task cell of the release: its points (nbgrader's ``GradeCell``/``TaskCell``)."""

    name: str
    max_score: float


@dataclass
class Release:
    """The assignment's notebooks in the gradebook, by notebook name, read in one go.

    Answers the two look-ups of nbgrader's ``OverwriteCells`` as ``Gradebook`` does (the same
    errors too), so that sanitizing costs no query per cell of every student's notebooks.
    """

    source_cells: dict[tuple[str, str], SourceCell]  # (notebook, cell) ->
    graded_cells: dict[tuple[str, str], GradedCell]  # (notebook, cell) ->
    kernelspecs: dict[str, dict[str, Any] | None]  # notebook -> its kernelspec (None: keep the student's)
    test_cells: dict[str, list[str]]  # notebook -> its code grade cells' names
    cell_names: dict[str, str]  # the database id of a grade, solution or task cell -> its name

    @classmethod
    def read(cls, gradebook: Gradebook, assignment: str) -> Release:
        release = cls({}, {}, {}, {}, {})
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.source_cells:
                release.source_cells[notebook.name, cell.name] = SourceCell(
                    cell.name, cell.cell_type, cell.locked, cell.checksum, cell.source)
            for cell in (*notebook.grade_cells, *notebook.task_cells):
                release.graded_cells[notebook.name, cell.name] = GradedCell(cell.name, float(cell.max_score))
            for cell in (*notebook.grade_cells, *notebook.solution_cells, *notebook.task_cells):
                release.cell_names[cell.id] = cell.name
            kernelspec = notebook.kernelspec
            release.kernelspecs[notebook.name] = json.loads(kernelspec) if kernelspec else None
            release.test_cells[notebook.name] = [c.name for c in notebook.grade_cells
                                                 if c.cell_type == "code"]
        return release

    def find_source_cell(self, name: str, notebook: str, assignment: str) -> SourceCell:
        from nbgrader.api import MissingEntry

        try:
            return self.source_cells[notebook, name]
        except KeyError:
            raise MissingEntry(f"No such source cell: {assignment}/{notebook}/{name}") from None

    def find_graded_cell(self, name: str, notebook: str, assignment: str) -> GradedCell:
        from nbgrader.api import MissingEntry

        try:
            return self.graded_cells[notebook, name]
        except KeyError:
            raise MissingEntry(f"No such graded cell: {assignment}/{notebook}/{name}") from None


def overwrite_cells_class() -> type:
    """nbgrader's ``OverwriteCells``, its gradebook look-ups answered by a ``Release``.

    A class made on demand: its base is nbgrader's, which this module imports only when used.
    """
    from nbgrader.preprocessors import OverwriteCells
    from traitlets import Any as AnyTrait

    class OverwriteCellsFromRelease(OverwriteCells):
        """Cell types, locks, points, checksums as the gradebook has them; locked cells' sources restored."""

        release = AnyTrait()

        def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict]:
            self.notebook_id = resources["nbgrader"]["notebook"]
            self.assignment_id = resources["nbgrader"]["assignment"]
            self.gradebook = self.release  # what OverwriteCells.preprocess_cell asks
            return super(OverwriteCells, self).preprocess(nb, resources)  # each cell, no session of its own

    return OverwriteCellsFromRelease


def metadata_validator() -> Any:
    """nbgrader's ``MetadataValidator`` (what its ``CheckCellMetadata`` runs), its JSON schema checked once.

    nbgrader checks each cell's metadata with ``jsonschema.validate``, which first checks the
    schema itself against JSON Schema's meta-schema: a millisecond a cell, nine tenths of the
    time sanitizing takes. Here the schema is checked and compiled once; the rules (nbgrader's
    v3 ones, run by its own class) and the errors are the same.
    """
    import jsonschema
    from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError
    from nbgrader.nbgraderformat.common import BaseMetadataValidator

    class CompiledSchema(BaseMetadataValidator):
        """``BaseMetadataValidator.validate_cell``, with one compiled validator of the schema."""

        def validate_cell(self, cell: NotebookNode) -> None:
            if "nbgrader" not in cell.metadata:
                return
            meta, expected = cell.metadata["nbgrader"], self.schema_version
            version = meta.get("schema_version", 0)
            if version < expected:
                raise SchemaTooOldError(f"Outdated schema version: {version} (expected {expected})",
                                        version, expected)
            if version > expected:
                raise SchemaTooNewError(f"Schema version is too new: {version} (expected {expected})",
                                        version, expected)
            if error := jsonschema.exceptions.best_match(self.compiled.iter_errors(meta)):
                raise error

    class Validator(MetadataValidator, CompiledSchema):  # MetadataValidator's rules call CompiledSchema's
        def __init__(self) -> None:
            super().__init__()
            kind = jsonschema.validators.validator_for(self.schema)
            kind.check_schema(self.schema)
            self.compiled = kind(self.schema)

    return Validator()


# ---------------------------------------------------------------- the course, through nbgrader's API


class Course:
    """An nbgrader course as ``nbgrader autograde ASSIGNMENT`` sees it: its configuration, gradebook and
    release, and nbgrader's preprocessors configured as the course configures them.

    Holds the gradebook open for the run (``close``).
    """

    def __init__(self, course_dir: Path, assignment: str) -> None:
        if not (course_dir / "nbgrader_config.py").is_file():
            raise CourseError(f"{course_dir} is no nbgrader course: it has no nbgrader_config.py")
        if not (course_dir / "gradebook.db").is_file():
            raise CourseError(f"{course_dir} has no gradebook.db: "
                              f"run `nbgrader generate_assignment {assignment}` there first")
        skip_iri_format_checks()
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.apps import AutogradeApp
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import AssignLatePenalties

        self.app: AutogradeApp = AutogradeApp(log_level="ERROR")  # not its warning that cwd has no config
        self.app.initialize([], root=str(course_dir.resolve()))
        self.app.log_level = "WARN"  # nbgrader's warnings (a locked cell the student changed) and errors
        self.log = self.app.log
        self.dirs = self.app.coursedir
        self.dirs.assignment_id = self.assignment = assignment
        self.converter = Autograde(coursedir=self.dirs, parent=self.app)  # its configuration, and permissions
        self.sanitizers, self.finishers = self._preprocessors()
        self.metadata = metadata_validator()
        self.late_policy = AssignLatePenalties(parent=self.app)
        self.late_policy.init_plugin()
        self.gradebook = Gradebook(self.dirs.db_url, self.dirs.course_id)
        try:
            self.release = Release.read(self.gradebook, assignment)
        except MissingEntry:
            self.gradebook.close()
            raise CourseError(f"the gradebook has no assignment {assignment!r}: "
                              f"run `nbgrader generate_assignment {assignment}` first") from None
        self.overwrite_cells.release = self.release
        for (notebook, name), cell in self.release.source_cells.items():
            if name in self.release.test_cells[notebook] and task_of(cell.source) is None:
                self.gradebook.close()
                raise CourseError(f"{notebook}.ipynb: the test cell {name!r} calls no "
                                  'grade_task("module.function", globals()) of a known task')

    def _preprocessors(self) -> tuple[list, list]:
        """nbgrader's preprocessors that need no kernel and no gradebook session, as the course configures
        them (those before the grading, those after); a course that configures others is refused.

        This reproduces nbgrader's default ``Autograde.sanitize_preprocessors`` and
        ``autograde_preprocessors``, each with its own options (``LimitOutput.max_lines``,
        ``IgnorePattern.pattern``, the late-submission plugin...), and the default
        ``OverwriteCells.add_missing_cells = False``.
        """
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput

        defaults = Autograde.class_traits()
        for name in ("sanitize_preprocessors", "autograde_preprocessors"):
            if list(getattr(self.converter, name)) != list(defaults[name].default()):
                raise CourseError(f"the course configures Autograde.{name}: nbgrader-autograde runs "
                                  "nbgrader's default ones (without a kernel); use `nbgrader autograde` "
                                  "for this course")
        self.overwrite_cells = overwrite_cells_class()(parent=self.app)
        if self.overwrite_cells.add_missing_cells:
            raise CourseError("the course sets OverwriteCells.add_missing_cells, which nbgrader-autograde "
                              "does not reproduce; use `nbgrader autograde` for this course")
        sanitizers = [ClearOutput(parent=self.app), DeduplicateIds(parent=self.app), self._kernelspec,
                      self.overwrite_cells, self._check_metadata]
        finishers = [IgnorePattern(parent=self.app), ClearMetadataPreprocessor(parent=self.app),
                     LimitOutput(parent=self.app)]
        return sanitizers, finishers

    def _kernelspec(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict]:
        """nbgrader's OverwriteKernelspec: the release's kernelspec, when the gradebook has one."""
        if kernelspec := self.release.kernelspecs[resources["nbgrader"]["notebook"]]:
            nb.metadata["kernelspec"] = kernelspec
        return nb, resources

    def _check_metadata(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict]:
        """nbgrader's CheckCellMetadata, with the validator made once (``metadata_validator``)."""
        from nbgrader.nbgraderformat import SchemaTooNewError, SchemaTooOldError, ValidationError

        try:
            self.metadata.validate_nb(nb)
        except (ValidationError, SchemaTooOldError, SchemaTooNewError) as exc:
            raise SubmissionError(f"{resources['nbgrader']['notebook']}.ipynb: its nbgrader metadata is "
                                  f"corrupted ({getattr(exc, 'message', exc)})") from None
        return nb, resources

    def close(self) -> None:
        self.gradebook.close()

    def submitted(self, student: str) -> Path:
        return Path(self.dirs.format_path(self.dirs.submitted_directory, student, self.assignment))

    def autograded(self, student: str) -> Path:
        return Path(self.dirs.format_path(self.dirs.autograded_directory, student, self.assignment))

    def resources(self, student: str, notebook: str) -> dict[str, Any]:
        """What nbgrader's preprocessors read of a notebook (init_single_notebook_resources)."""
        return {"nbgrader": {"student": student, "assignment": self.assignment, "notebook": notebook,
                             "db_url": self.dirs.db_url}}

    def timestamp(self, folder: Path) -> datetime | None:
        """The submission time in ``folder/timestamp.txt`` (a datetime), or None when it has none.

        nbgrader fails on a timestamp it cannot parse (``CourseDirectory.fail``, which does not
        exist, stops the whole run); here it fails that student alone, with the reason.
        """
        try:
            return self.dirs.get_existing_timestamp(str(folder))
        except Exception as exc:  # noqa: BLE001 - unparseable text or an unreadable file: this student's
            raise SubmissionError(f"{folder / 'timestamp.txt'} holds no time nbgrader can read "
                                  f"({type(exc).__name__})") from None


def to_grade(course: Course, force: bool) -> list[str]:
    """The students whose submission nbgrader's autograde would process now (init_destination's rule).

    A submission whose timestamp cannot be read is graded (and fails, saying why).
    """
    dirs = course.dirs
    excluded = set(dirs.student_id_exclude.split(",")) if dirs.student_id_exclude else set()
    students = []
    pattern = dirs.format_path(dirs.submitted_directory, dirs.student_id, course.assignment)
    for folder in sorted(glob.glob(pattern)):
        student = Path(folder).parent.name
        if student in excluded or not glob.glob(os.path.join(glob.escape(folder), "*.ipynb")):
            continue
        done = course.autograded(student)
        if force or not done.exists():
            students.append(student)
            continue
        try:
            new, old = course.timestamp(Path(folder)), course.timestamp(done)
        except SubmissionError:
            students.append(student)
            continue
        if new is not None and old is not None and new > old:
            students.append(student)
    return students


# ---------------------------------------------------------------- sanitizing, before grading


def sanitize(course: Course, student: str, out: Path) -> None:
    """The student's notebooks that the gradebook knows, sanitized as nbgrader does, into ``out``."""
    import nbformat

    out.mkdir(parents=True)
    submitted = course.submitted(student)
    handed_in = sorted(path.stem for path in submitted.glob("*.ipynb"))
    known = [name for name in handed_in if name in course.release.kernelspecs]
    for name in sorted(set(handed_in) - set(known)):
        course.log.warning("Skipping unknown notebook: %s", submitted / f"{name}.ipynb")
    if not known:  # nbgrader's own words
        raise SubmissionError("No notebooks found, did you forget to run 'nbgrader generate_assignment'?")
    for name in known:
        if not stat.S_ISREG(os.lstat(submitted / f"{name}.ipynb").st_mode):  # a link, a FIFO: never read
            raise SubmissionError(f"{name}.ipynb is not a regular file")
        notebook = nbformat.read(submitted / f"{name}.ipynb", as_version=4)  # as nbconvert's exporter reads
        resources = course.resources(student, name)
        for preprocessor in course.sanitizers:
            notebook, resources = preprocessor(notebook, resources)
        nbformat.write(notebook, out / f"{name}.ipynb")


# ---------------------------------------------------------------- the test cells' outputs


def task_results(result: dict[str, Any]) -> dict[str, TaskResult]:
    """A stored result's tasks (``GradeResult.to_json``), by name, as TaskResults."""
    names = [f.name for f in dataclasses.fields(CaseResult)]
    return {task["name"]: TaskResult(task["name"], task["score"], task["max_score"],
                                     [CaseResult(**{k: case[k] for k in names if k in case})  # old: no where
                                      for case in task["cases"]])
            for task in result["tasks"]}


def fill_test_cells(nb: NotebookNode, notebook: str, result: dict[str, Any]) -> None:
    """Give each test cell of ``nb`` the outputs a kernel would give it, from the sandboxed ``result``.

    The feedback on stdout, then the cell's score (its task's score scaled to its points)
    as an ``execute_result``, as ``notebook_grading.grade_task`` prints them in a kernel;
    numbered as a kernel runs them. A test cell of no task gets stderr, which nbgrader scores 0.
    The outputs are made as plain nodes: ``new_output`` would validate each against nbformat's
    schema, and the notebook is validated as it is written.
    """
    from nbformat import from_dict
    from nbgrader.utils import is_grade

    tasks = task_results(result)
    failed = not any(task.cases for task in tasks.values())  # nothing could be graded
    # The problems of this notebook (a cell skipped for a syntax error); all, if nothing was graded.
    problems = [p for p in result["problems"] if failed or p.startswith(f"{notebook}.ipynb,")]
    count = 0
    for cell in nb.cells:
        if not (is_grade(cell) and cell.cell_type == "code"):
            continue
        count += 1
        cell.execution_count = count
        task = tasks.get(task_of(cell.source) or "")
        if task is None:
            cell.outputs = [from_dict({"output_type": "stream", "name": "stderr",
                                       "text": "this test cell grades no known task\n"})]
            continue
        points = float(cell.metadata["nbgrader"]["points"])
        score = round(task.score / task.max_score * points, 4) if task.max_score else 0.0
        cell.outputs = [from_dict({"output_type": "stream", "name": "stdout",
                                   "text": cell_feedback(task, HIDDEN, problems)}),
                        from_dict({"output_type": "execute_result", "data": {"text/plain": repr(score)},
                                   "metadata": {}, "execution_count": count})]


# ---------------------------------------------------------------- one student into the gradebook, autograded/


def copy_files(src: Path, dest: Path, exclude: list[str], skip: set[str] = frozenset()) -> None:
    """nbgrader's copy of an assignment's other files (``utils.find_all_files``), ``dest`` overwritten.

    Only regular files: a link the student handed in is not followed (nbgrader would copy what
    it points at, say the instructor's files, into autograded/ and then into the feedback).
    """
    from nbgrader.utils import find_all_files

    for filename in find_all_files(str(src), exclude):
        if filename in skip or not stat.S_ISREG(os.lstat(filename).st_mode):
            continue
        path = dest / os.path.relpath(filename, src)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        shutil.copy(filename, path)


def record_submission(course: Course, student: str, timestamp: datetime | None) -> SubmittedAssignment:
    """The student and the submission in the gradebook, as nbgrader's Autograde.init_assignment makes them."""
    from nbgrader.api import MissingEntry

    gradebook = course.gradebook
    if course.converter.create_student:
        gradebook.update_or_create_student(student)
    else:
        try:
            gradebook.find_student(student)
        except MissingEntry:
            raise SubmissionError(f"No student with ID '{student}' exists in the database") from None
    if timestamp:
        submission = gradebook.update_or_create_submission(course.assignment, student, timestamp=timestamp)
        if submission.total_seconds_late > 0:
            course.log.warning("%s is %s seconds late", submission, submission.total_seconds_late)
        return submission
    return gradebook.update_or_create_submission(course.assignment, student)


def save_grades(course: Course, notebook: SubmittedNotebook, nb: NotebookNode) -> None:
    """nbgrader's SaveAutoGrades on a SubmittedNotebook: each grade cell's auto_score, each answer's comment.

    Raises MissingEntry for a cell the gradebook does not have (nbgrader fails that student too).
    """
    from nbgrader.api import MissingEntry
    from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution, is_task

    names = course.release.cell_names  # not grade.name: a query per cell, as every commit expires them
    grades = {names[grade.cell_id]: grade for grade in notebook.grades}
    comments = {names[comment.cell_id]: comment for comment in notebook.comments}
    for cell in nb.cells:
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        try:
            if is_grade(cell):
                grade = grades[name]
                grade.auto_score, _ = determine_grade(cell, course.log)
                # a grader's manual score, or no automatic one: a human looks again
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            if is_solution(cell) or is_task(cell):
                untouched = cell.metadata.nbgrader.get("checksum") == compute_checksum(cell)
                comments[name].auto_comment = "No response." if untouched and not is_task(cell) else None
        except KeyError:
            raise MissingEntry(f"No such grade or comment: {course.assignment}/{notebook.name}/{name}") \
                from None


def assign_late_penalty(course: Course, submission: SubmittedAssignment, notebook: SubmittedNotebook) -> None:
    """nbgrader's AssignLatePenalties on one SubmittedNotebook (the course's late-submission plugin)."""
    notebook.late_submission_penalty = None
    if submission.total_seconds_late > 0:
        course.gradebook.db.flush()
        course.gradebook.db.expire(notebook, ["score"])  # its score from the grades just set
        penalty = course.late_policy.plugin_inst.late_submission_penalty(
            submission.student_id, notebook.score, submission.total_seconds_late)
        if penalty is not None:
            notebook.late_submission_penalty = course.late_policy._check_late_penalty(notebook, penalty)


def run_hook(hook: Any, course: Course, student: str, notebooks: list[str], which: str) -> None:
    """nbgrader's pre/post_convert_hook, called as nbgrader calls it (a failure is logged, not raised)."""
    if hook:
        try:
            hook(assignment=course.assignment, student=student, notebooks=notebooks)
        except Exception:  # noqa: BLE001 - nbgrader's rule: the instructor's hook never stops grading
            course.log.info("%s-convert hook failed", which, exc_info=True)


def write_student(course: Course, student: str, notebooks: Path, result: dict[str, Any],
                  for_review: bool) -> None:
    """nbgrader's Autograde of one student, its kernel replaced by the sandboxed ``result``.

    ``notebooks`` holds the sanitized notebooks (``sanitize``). The gradebook gets the
    student's grades, comments and late penalties in one transaction (a new student and
    submission are committed first by nbgrader's ``add_student`` and ``add_submission``, as in
    nbgrader), ``autograded/`` the notebooks and files; on a failure the grades are rolled
    back and the folder removed. ``for_review``: the grader failed on this student, so every
    grade is flagged for manual grading.
    """
    import nbformat

    submitted, dest = course.submitted(student), course.autograded(student)
    converter, gradebook = course.converter, course.gradebook
    names = sorted(path.stem for path in notebooks.glob("*.ipynb"))
    paths = [str(submitted / f"{name}.ipynb") for name in names]
    shutil.rmtree(dest, ignore_errors=True)  # --force, or a newer submission: nbgrader removes the old
    run_hook(converter.pre_convert_hook, course, student, paths, "Pre")
    try:
        dest.mkdir(parents=True)
        copy_files(submitted, dest, [*course.dirs.ignore, "*.ipynb"])
        submission = record_submission(course, student, course.timestamp(submitted))
        source = Path(course.dirs.format_path(course.dirs.source_directory, ".", course.assignment))
        keep = {str(source / name) for name in converter.exclude_overwriting.get(course.assignment, [])}
        copy_files(source, dest, [*course.dirs.ignore, "*.ipynb"], skip=keep)
        for notebook in submission.notebooks:
            name = notebook.name  # read once: each read goes through two relationships
            if name not in names:  # not handed in: nbgrader scores it 0
                course.log.warning("No submitted file: %s", submitted / f"{name}.ipynb")
                for grade in notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
                continue
            nb = nbformat.read(notebooks / f"{name}.ipynb", as_version=4)
            fill_test_cells(nb, name, result)
            resources = course.resources(student, name)
            for preprocessor in course.finishers:
                nb, resources = preprocessor(nb, resources)
            save_grades(course, notebook, nb)
            assign_late_penalty(course, submission, notebook)
            nbformat.write(nb, dest / f"{name}.ipynb")
        if for_review:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.needs_manual_grade = True
        gradebook.db.commit()
    except BaseException:
        gradebook.db.rollback()
        shutil.rmtree(dest, ignore_errors=True)
        raise
    converter.set_permissions(course.assignment, student)
    run_hook(converter.post_convert_hook, course, student, paths, "Post")


# ---------------------------------------------------------------- the command


@dataclass
class Summary:
    """What one run did, by student id."""

    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # student -> why nothing was written
    grader_errors: list[str] = field(default_factory=list)  # written with 0, flagged for review
    totals: dict[str, float] = field(default_factory=dict)  # the gradebook's, after the run
    seconds: float = 0.0


def why(exc: BaseException) -> str:
    """One line for the TA: our reason, or nbgrader's exception."""
    return str(exc) if isinstance(exc, SubmissionError) else f"{type(exc).__name__}: {exc}"


def autograde(course_dir: Path, assignment: str, jobs: int = 2, force: bool = False) -> Summary:
    """Grade the course's submissions of ``assignment`` into its gradebook and ``autograded/``."""
    from sqlalchemy.exc import SAWarning

    started = time.perf_counter()
    course = Course(course_dir, assignment)
    summary = Summary()
    with LockedFolder("autograder-nbgrader-") as scratch:  # copies of the notebooks: a kill -9's go too
        try:
            todo = []
            for student in to_grade(course, force):
                try:
                    # not graded in vain: the time is read at the end
                    course.timestamp(course.submitted(student))
                    sanitize(course, student, scratch / "notebooks" / student)
                except Exception as exc:  # noqa: BLE001 - nbgrader fails on the same notebook: say why, go on
                    summary.failed[student] = f"nbgrader cannot read the submission ({why(exc)})"
                    continue
                todo.append(Job(student, scratch / "notebooks" / student, scratch / "results" / student,
                                {"student": student}))

            def record(job: Job, status: str) -> None:
                """Write a student's grades as soon as they are graded, while the workers grade the next."""
                try:
                    result = json.loads((job.folder / "result.json").read_text())
                    write_student(course, job.student, job.path, result, for_review=status == GRADER_ERROR)
                except Exception as exc:  # noqa: BLE001 - one student's failure is that student's row
                    summary.failed[job.student] = f"not written to the gradebook ({why(exc)})"
                    return
                if status == GRADER_ERROR:
                    summary.grader_errors.append(job.student)
                summary.graded.append(job.student)

            with warnings.catch_warnings():
                # nbgrader's add_submission makes SQLAlchemy 2 warn at every new submission (nbgrader's too)
                warnings.filterwarnings("ignore", message=".* not in session", category=SAWarning)
                grade_in_parallel(todo, jobs, record)
            summary.totals = {student: course.gradebook.find_submission(assignment, student).score
                              for student in sorted(summary.graded)}
        finally:
            course.close()
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
    for student, reason in summary.failed.items():
        print(f"{student:20} not autograded: {reason}")
    print(f"{len(summary.graded)} submission(s) of {args.assignment} autograded in {summary.seconds:.1f} s "
          f"with {args.jobs} worker(s), student code sandboxed, no kernel; {len(summary.failed)} failed. "
          "Submissions already autograded and not newer were skipped (--force regrades them).")
    return 0
