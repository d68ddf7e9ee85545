"""End to end with the real nbgrader: course, release, four students, autograde, feedback, export.

One course is built once for the module, as an instructor would, with the nbgrader command
line and its SQLite gradebook: ``autograder nbgrader COURSE``, the course folder then moved
elsewhere (nothing may point back at where it was written), ``nbgrader generate_assignment``,
the submissions under ``submitted/<student>/week4/``, ``autograder nbgrader-autograde`` in
place of ``nbgrader autograde``, then nbgrader's ``generate_feedback`` and ``export``. Every
command runs with a PATH that lacks this virtualenv's bin/ (nbgrader runs ``alembic`` by name).

The students: one hands in the reference (full marks), one the untouched release (zero), one
the reference with realistic bugs (``test_notebooks.BUGS``), and one cheats: the release with
``from solutions.conv import *`` in the convolution notebook and, in the first notebook, a
cell that replaces the test cells' grading function. Under ``nbgrader autograde``, in a
kernel that could import the reference, the first scored 33/33 and the second anything it
liked; graded in the sandbox, both get 0.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from test_notebooks import RELEASE, SOLVED, buggy_notebooks, nbgrader_meta, solution_code_lines, write

from autograder.grade import grade_submission
from autograder.notebooks import build_notebooks
from autograder.stubs import ROOT
from tests.week4 import BY_MODULE, BY_NAME, WEEK4

ASSIGNMENT = WEEK4.name
pytestmark = pytest.mark.nbgrader

BIN = Path(sys.executable).parent  # this virtualenv's: nbgrader, and alembic, which nbgrader runs
STUDENTS = ("complete", "untouched", "buggy", "cheater")
SUBMITTED_AT = "2024-06-04 10:00:00.000000 UTC"  # the complete student's timestamp.txt
REPLACE_GRADER = '''\
import autograder.notebook_grading as grading

grading.grade_task = lambda task, namespace: 100.0


def grade_task(task, namespace):
    return 100.0
'''


@dataclass
class Course:
    root: Path
    written: str  # what `autograder nbgrader` printed
    autograded: str  # what `autograder nbgrader-autograde` printed
    env: dict[str, str]
    scores: dict[str, dict[str, float]]  # student -> notebook -> nbgrader's score
    max_scores: dict[str, float]  # notebook -> its points
    timestamps: dict[str, object]  # student -> the submission's timestamp in the gradebook


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def isolated_env(root: Path) -> dict[str, str]:
    """No user configuration, no virtualenv on PATH, and a decoy python3 kernelspec that cannot start."""
    decoy = root / "decoy" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps({"argv": ["/nonexistent/python", "-m", "ipykernel_launcher",
                                                            "-f", "{connection_file}"],
                                                   "display_name": "decoy", "language": "python"}))
    (root / "jupyter-config").mkdir()
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != BIN)
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, "PATH": path, "JUPYTER_PATH": str(root / "decoy"),
            "JUPYTER_CONFIG_DIR": str(root / "jupyter-config")}


def cheating_notebooks() -> dict[str, nbformat.NotebookNode]:
    notebooks = copy.deepcopy(RELEASE)
    notebooks["02_convolution.ipynb"].cells.insert(2, new_code_cell("from solutions.conv import *"))
    notebooks["01_computational_graph.ipynb"].cells.insert(2, new_code_cell(REPLACE_GRADER))
    return notebooks


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("nbgrader")
    env = isolated_env(root)
    written = run([sys.executable, "-m", "autograder", "nbgrader", str(root / "written")], root, env)
    path = root / "elsewhere" / "course"
    shutil.copytree(root / "written", path)
    shutil.rmtree(root / "written")  # a path left in the course would now point at nothing
    nbgrader = str(BIN / "nbgrader")
    run([nbgrader, "generate_assignment", ASSIGNMENT], path, env)
    release = path / "release" / ASSIGNMENT
    submissions = {
        "complete": SOLVED,
        "untouched": {p.name: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))},
        "buggy": buggy_notebooks(),
        "cheater": cheating_notebooks(),
    }
    for student, notebooks in submissions.items():
        write(notebooks, path / "submitted" / student / ASSIGNMENT)
    (path / "submitted" / "complete" / ASSIGNMENT / "timestamp.txt").write_text(SUBMITTED_AT)
    autograded = run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(path), ASSIGNMENT],
                     root, env)
    run([nbgrader, "generate_feedback", ASSIGNMENT], path, env)
    run([nbgrader, "export"], path, env)
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    with Gradebook(f"sqlite:///{path / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
                scores[student][notebook.name] = notebook.score
        max_scores = {nb.name: nb.max_score for nb in gradebook.find_assignment(ASSIGNMENT).notebooks}
        timestamps = {s: gradebook.find_submission(ASSIGNMENT, s).timestamp for s in STUDENTS}
    return Course(path, written, autograded, env, dict(scores), max_scores, timestamps)


def test_autograder_nbgrader_writes_the_course_and_says_what_next(course):
    for name in ("nbgrader_config.py", "kernel.json", *build_notebooks(release=False)):
        assert f"{name}\n" in course.written
    assert f"nbgrader generate_assignment {ASSIGNMENT}" in course.written
    assert f"autograder nbgrader-autograde . {ASSIGNMENT}" in course.written
    assert sorted(p.name for p in (course.root / "source" / ASSIGNMENT).iterdir()) == sorted(SOLVED)


def test_the_course_names_no_path_of_the_machine_that_wrote_it(course):
    for file in ("nbgrader_config.py", "jupyter/kernels/python3/kernel.json"):
        text = (course.root / file).read_text()
        assert str(ROOT) not in text and "/written" not in text and "PYTHONPATH" not in text, file


def test_nbgraders_release_is_ours_and_holds_no_solution_code(course):
    folder = course.root / "release" / ASSIGNMENT
    release = {p.name: nbformat.read(p, as_version=4) for p in folder.iterdir()}
    ours = build_notebooks(release=True)
    assert {name: [c.source for c in nb.cells] for name, nb in release.items()} == \
        {name: [c.source for c in nb.cells] for name, nb in ours.items()}
    lines = {line.strip() for nb in release.values() for c in nb.cells for line in c.source.splitlines()}
    assert not solution_code_lines() & lines


def test_complete_notebooks_get_full_marks_untouched_and_cheating_ones_zero(course):
    assert course.scores["complete"] == course.max_scores
    assert sum(course.max_scores.values()) == 100
    assert set(course.scores["untouched"].values()) == {0.0}
    assert set(course.scores["cheater"].values()) == {0.0}
    assert 0 < sum(course.scores["buggy"].values()) < 100
    for student in STUDENTS:
        assert f"{student} " in course.autograded
    assert f"{len(STUDENTS)} submission(s) of {ASSIGNMENT} autograded" in course.autograded


def test_each_notebooks_score_equals_autograder_grade_on_the_same_files(course):
    for student in ("buggy", "cheater"):
        graded = grade_submission(course.root / "submitted" / student / ASSIGNMENT)
        per_notebook: dict[str, float] = dict.fromkeys(course.max_scores, 0.0)
        for task in graded.tasks:
            per_notebook[BY_MODULE[task.name.split(".")[0]].stem] += task.score
        assert course.scores[student] == pytest.approx(per_notebook), student


def test_test_cells_show_the_hidden_cases_feedback_and_the_locked_cells_are_the_instructors(course):
    source = {p.name: nbformat.read(p, as_version=4) for p in (course.root / "source" / ASSIGNMENT).iterdir()}
    for student in STUDENTS:
        for path in (course.root / "autograded" / student / ASSIGNMENT).glob("*.ipynb"):
            locked = {nbgrader_meta(c)["grade_id"]: c.source for c in source[path.name].cells
                      if nbgrader_meta(c).get("locked")}
            for cell in nbformat.read(path, as_version=4).cells:
                meta = nbgrader_meta(cell)
                if meta.get("locked"):
                    assert cell.source == locked[meta["grade_id"]], (student, path.name, meta["grade_id"])
                if meta.get("grade"):
                    kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
                    assert kinds == [("stream", "stdout"), ("execute_result", None)], (student, path.name)
                    assert "(hidden cases)" in cell.outputs[0].text
    # the buggy student's dropout_forward is right but writes to stderr: that must cost nothing
    assert course.scores["buggy"]["03_dropout"] == course.max_scores["03_dropout"]


def test_feedback_explains_the_bugs_and_the_export_has_every_student(course):
    feedback = course.root / "feedback" / "buggy" / ASSIGNMENT
    assert sorted(p.stem for p in feedback.glob("*.html")) == sorted(course.max_scores)
    conv = (feedback / "02_convolution.html").read_text()
    assert "you flipped the kernel" in conv
    with open(course.root / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert {s: float(row["score"]) for s, row in rows.items()} == \
        pytest.approx({s: sum(course.scores[s].values()) for s in STUDENTS})
    assert rows["complete"]["timestamp"] == "2024-06-04 10:00:00"  # nbgrader read timestamp.txt
    assert course.timestamps["untouched"] is None


def test_a_second_run_skips_what_is_autograded_as_nbgrader_does(course):
    out = run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(course.root), ASSIGNMENT],
              course.root, course.env)
    assert f"0 submission(s) of {ASSIGNMENT} autograded" in out


def test_the_course_kernel_cannot_import_the_reference(course):
    from jupyter_client.manager import start_new_kernel

    kernels = os.pathsep.join([str(course.root / "jupyter"), course.env["JUPYTER_PATH"]])  # the config's
    env = {**course.env, "JUPYTER_PATH": kernels}
    saved = dict(os.environ)
    os.environ.update(env)  # the kernelspecs are looked up on JUPYTER_PATH of this process
    try:
        manager, client = start_new_kernel(kernel_name="python3")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        replies = {code: client.execute_interactive(code, timeout=60)["content"]
                   for code in ("import numpy, autograder.notebook_grading", "from solutions.conv import *")}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert replies["import numpy, autograder.notebook_grading"]["status"] == "ok"
    assert replies["from solutions.conv import *"]["ename"] == "ModuleNotFoundError"


@pytest.mark.parametrize("course_dir, assignment, message", [
    ("missing", ASSIGNMENT, "is not a folder"),
    (".", ASSIGNMENT, "no nbgrader course"),
    ("COURSE", "week5", "no assignment 'week5'"),
])
def test_a_course_that_cannot_be_graded_is_one_clear_line(course, tmp_path, course_dir, assignment, message):
    folder = course.root if course_dir == "COURSE" else tmp_path / course_dir
    done = subprocess.run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(folder), assignment],
                          cwd=tmp_path, env=course.env, capture_output=True, text=True)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_test_cell_scores_its_tasks_share_scaled_to_its_own_points(tmp_path):
    from nbgrader.utils import determine_grade

    from autograder.nbgrader_autograde import fill_test_cells

    notebook = copy.deepcopy(buggy_notebooks()["02_convolution.ipynb"])
    folder = write({"02_convolution.ipynb": notebook}, tmp_path / "alice")
    result = grade_submission(folder)
    tests = [cell for cell in notebook.cells if nbgrader_meta(cell).get("grade")]
    for cell in tests:
        cell.metadata.nbgrader["points"] *= 2  # the instructor gave every test cell twice the task's points
    stray = new_code_cell("print('no grade_task here')", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "stray", "points": 1,
        "schema_version": 3}})
    notebook.cells.append(stray)
    fill_test_cells(notebook, "02_convolution", json.loads(json.dumps(result.to_json())))
    scores = {task.name: task.score for task in result.tasks}
    for cell in tests:
        task = cell.source.split('"')[1]
        assert determine_grade(cell)[0] == pytest.approx(2 * scores[task]), task
    assert scores["conv.conv_forward"] < BY_NAME["conv.conv_forward"].points  # the flipped kernel
    assert determine_grade(stray)[0] == 0  # a grade cell of no task: never the full marks of a silent cell


# ---------------------------------------------------------------- against nbgrader autograde itself


def gradebook_rows(course_dir: Path) -> dict[str, list[tuple]]:
    """Every row nbgrader's autograde writes, by what it is, as plain values (no database ids)."""
    from nbgrader.api import Gradebook

    rows: dict[str, list[tuple]] = defaultdict(list)
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", f"ann-{ASSIGNMENT}") as gradebook:
        rows["students"] = sorted(s.id for s in gradebook.students)
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            student = submission.student_id
            rows["submissions"].append((student, submission.timestamp, submission.total_seconds_late))
            for notebook in submission.notebooks:
                rows["notebooks"].append((student, notebook.name, notebook.score,
                                          notebook.late_submission_penalty))
                rows["grades"] += [(student, notebook.name, g.name, g.auto_score, g.manual_score,
                                    g.needs_manual_grade) for g in notebook.grades]
                rows["comments"] += [(student, notebook.name, c.name, c.auto_comment)
                                     for c in notebook.comments]
    return {kind: sorted(values) for kind, values in rows.items()}


def autograded_files(folder: Path) -> dict[str, object]:
    """autograded/STUDENT/ASSIGNMENT/: each file's permissions; each notebook's cells, not their outputs."""
    files: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        files[path.name] = oct(path.stat().st_mode & 0o777)
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            files[path.stem] = (nb.metadata.get("kernelspec"),
                                [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells])
        else:
            files[path.stem] = path.read_text()
    return files


def test_the_gradebook_and_notebooks_are_those_nbgrader_autograde_writes(course, tmp_path):
    """One more student, not in the gradebook, late (the course zeroes late work), one notebook
    solved, one untouched, four not handed in, a file of her own: graded by ``nbgrader autograde``
    (the course's kernel runs the public cases, which a solved notebook passes as it passes the
    hidden ones) and by ``nbgrader-autograde`` on two copies of the course, row for row the same.
    The four students already autograded are skipped by both."""
    from nbgrader.api import Gradebook

    notebooks = {"01_computational_graph.ipynb": RELEASE["01_computational_graph.ipynb"],
                 "03_dropout.ipynb": SOLVED["03_dropout.ipynb"]}
    copies = {}
    for name in ("nbgrader", "ours"):
        root = shutil.copytree(course.root, tmp_path / name / "course", symlinks=True)
        with open(root / "nbgrader_config.py", "a") as f:
            f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", f"ann-{ASSIGNMENT}") as gradebook:
            gradebook.update_or_create_assignment(ASSIGNMENT, duedate="2024-06-01 12:00:00 UTC")
        folder = write(notebooks, root / "submitted" / "late" / ASSIGNMENT)
        (folder / "timestamp.txt").write_text("2024-06-02 12:00:00.000000 UTC")  # a day late
        (folder / "notes.txt").write_text("my notes\n")
        copies[name] = root
    run([str(BIN / "nbgrader"), "autograde", ASSIGNMENT], copies["nbgrader"], course.env)
    out = run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(copies["ours"]), ASSIGNMENT],
              tmp_path, course.env)
    assert f"1 submission(s) of {ASSIGNMENT} autograded" in out

    theirs, ours = gradebook_rows(copies["nbgrader"]), gradebook_rows(copies["ours"])
    assert ours == theirs
    late = {row[1]: row[2:] for row in ours["notebooks"] if row[0] == "late"}
    assert late["03_dropout"] == (course.max_scores["03_dropout"], course.max_scores["03_dropout"])  # zeroed
    assert late["01_computational_graph"] == (0, 0) and late["02_convolution"] == (0, None)  # not handed in
    answers = defaultdict(set)
    for student, notebook, _, comment in ours["comments"]:
        if student == "late":
            answers[notebook].add(comment)
    assert answers["03_dropout"] == {None} and answers["01_computational_graph"] == {"No response."}
    folder = Path("autograded") / "late" / ASSIGNMENT
    assert autograded_files(copies["ours"] / folder) == autograded_files(copies["nbgrader"] / folder)


def test_a_broken_submission_fails_alone_and_a_link_is_not_followed(course, tmp_path):
    root = shutil.copytree(course.root, tmp_path / "course", symlinks=True)
    for student in ("badtime", "linked"):
        write({"03_dropout.ipynb": SOLVED["03_dropout.ipynb"]}, root / "submitted" / student / ASSIGNMENT)
    (root / "submitted" / "badtime" / ASSIGNMENT / "timestamp.txt").write_text("last Tuesday, or so")
    secret = tmp_path / "instructor-only.txt"
    secret.write_text("the exam's answers\n")
    (root / "submitted" / "linked" / ASSIGNMENT / "answers.txt").symlink_to(secret)
    out = run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(root), ASSIGNMENT],
              tmp_path, course.env)
    assert "badtime              not autograded:" in out and "timestamp.txt holds no time" in out
    assert f"1 submission(s) of {ASSIGNMENT} autograded" in out and "linked " in out
    assert not (root / "autograded" / "badtime").exists()
    linked = root / "autograded" / "linked" / ASSIGNMENT
    assert sorted(p.name for p in linked.iterdir()) == ["03_dropout.ipynb"]


def corrupted(change) -> nbformat.NotebookNode:
    """The solved dropout notebook with its first test cell's nbgrader metadata changed by ``change``."""
    notebook = copy.deepcopy(SOLVED["03_dropout.ipynb"])
    change(next(c for c in notebook.cells if nbgrader_meta(c).get("grade")).metadata.nbgrader)
    return notebook


@pytest.mark.parametrize("change", [
    lambda meta: None,  # as released: valid
    lambda meta: meta.update(points="lots"),
    lambda meta: meta.pop("grade_id"),
    lambda meta: meta.update(grade_id=""),
    lambda meta: meta.update(schema_version=2),
    lambda meta: meta.update(schema_version=4),
    lambda meta: meta.update(grade_id="dropout_mask"),  # a duplicate id
    lambda meta: meta.update(task=True),  # a task cell that is code
])
def test_the_metadata_check_is_nbgraders_own(change):
    from nbgrader.nbgraderformat import MetadataValidator

    from autograder.nbgrader_autograde import metadata_validator

    def verdict(validator) -> tuple[str, str] | None:
        try:
            validator.validate_nb(corrupted(change))
        except Exception as exc:  # noqa: BLE001 - the verdict is the exception
            return type(exc).__name__, str(exc)
        return None

    assert verdict(metadata_validator()) == verdict(MetadataValidator())


def test_a_course_whose_preprocessors_are_not_nbgraders_defaults_is_refused(course, tmp_path):
    root = shutil.copytree(course.root, tmp_path / "course", symlinks=True)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.Autograde.sanitize_preprocessors = []\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(root), ASSIGNMENT],
                          cwd=tmp_path, env=course.env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "configures Autograde.sanitize_preprocessors" in done.stderr, done.stderr
