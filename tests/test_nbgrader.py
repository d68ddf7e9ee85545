"""End to end with the real nbgrader: course, release, three students, autograde, feedback, export.

One course is built once for the module (about a minute), as an instructor would, with
the nbgrader command line and its SQLite gradebook: ``autograder nbgrader COURSE``,
``nbgrader generate_assignment``, ``nbgrader db student add``, the submissions under
``submitted/<student>/week4/``, ``nbgrader autograde``, ``generate_feedback`` and
``export``. The students: one hands in the reference (full marks), one the untouched
release (zero), one the reference with realistic bugs (``test_notebooks.BUGS``). Each
notebook's nbgrader score must equal ``autograder grade`` on the same notebooks.

A decoy "python3" kernelspec that cannot start comes first on JUPYTER_PATH: the course's
configuration must still run the notebooks in this Python.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from test_notebooks import SOLVED, buggy_notebooks, nbgrader_meta, solution_code_lines, write

from autograder.nbgrader_course import ASSIGNMENT
from autograder.notebooks import BY_MODULE, build_notebooks

pytestmark = pytest.mark.nbgrader

BIN = Path(sys.executable).parent  # this virtualenv's: nbgrader, and alembic, which nbgrader runs
STUDENTS = ("complete", "untouched", "buggy")


@dataclass
class Course:
    root: Path
    written: str  # what `autograder nbgrader` printed
    scores: dict[str, dict[str, float]]  # student -> notebook -> nbgrader's score
    max_scores: dict[str, float]  # notebook -> its points


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def isolated_env(root: Path) -> dict[str, str]:
    """No user configuration, and a decoy python3 kernelspec that would fail to start."""
    decoy = root / "decoy" / "kernels" / "python3"
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps({"argv": ["/nonexistent/python", "-m", "ipykernel_launcher",
                                                            "-f", "{connection_file}"],
                                                   "display_name": "decoy", "language": "python"}))
    (root / "jupyter-config").mkdir()
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "JUPYTER_PATH": str(root / "decoy"), "JUPYTER_CONFIG_DIR": str(root / "jupyter-config")}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("nbgrader")
    env = isolated_env(root)
    path = root / "course"
    written = run([sys.executable, "-m", "autograder", "nbgrader", str(path)], root, env)
    nbgrader = str(BIN / "nbgrader")
    run([nbgrader, "generate_assignment", ASSIGNMENT], path, env)
    release = path / "release" / ASSIGNMENT
    submissions = {
        "complete": SOLVED,
        "untouched": {p.name: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))},
        "buggy": buggy_notebooks(),
    }
    for student, notebooks in submissions.items():
        run([nbgrader, "db", "student", "add", student], path, env)
        write(notebooks, path / "submitted" / student / ASSIGNMENT)
    run([nbgrader, "autograde", ASSIGNMENT], path, env)
    run([nbgrader, "generate_feedback", ASSIGNMENT], path, env)
    run([nbgrader, "export"], path, env)
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    with Gradebook(f"sqlite:///{path / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
                scores[student][notebook.name] = notebook.score
        max_scores = {nb.name: nb.max_score for nb in gradebook.find_assignment(ASSIGNMENT).notebooks}
    return Course(path, written, dict(scores), max_scores)


def test_autograder_nbgrader_writes_the_course_and_says_what_next(course):
    for name in ("nbgrader_config.py", "kernel.json", *build_notebooks(release=False)):
        assert f"{name}\n" in course.written
    assert f"nbgrader generate_assignment {ASSIGNMENT}" in course.written
    assert sorted(p.name for p in (course.root / "source" / ASSIGNMENT).iterdir()) == sorted(SOLVED)


def test_nbgraders_release_is_ours_and_holds_no_solution_code(course):
    folder = course.root / "release" / ASSIGNMENT
    release = {p.name: nbformat.read(p, as_version=4) for p in folder.iterdir()}
    ours = build_notebooks(release=True)
    assert {name: [c.source for c in nb.cells] for name, nb in release.items()} == \
        {name: [c.source for c in nb.cells] for name, nb in ours.items()}
    lines = {line.strip() for nb in release.values() for c in nb.cells for line in c.source.splitlines()}
    assert not solution_code_lines() & lines


def test_complete_notebooks_get_full_marks_and_untouched_ones_zero(course):
    assert course.scores["complete"] == course.max_scores
    assert sum(course.max_scores.values()) == 100
    assert set(course.scores["untouched"].values()) == {0.0}
    assert 0 < sum(course.scores["buggy"].values()) < 100


def test_each_notebooks_nbgrader_score_equals_autograder_grade_on_the_same_files(course):
    for student in STUDENTS:
        folder = course.root / "submitted" / student / ASSIGNMENT
        command = [sys.executable, "-m", "autograder", "grade", str(folder), "--json"]
        graded = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        per_notebook: dict[str, float] = defaultdict(float)
        for task in graded["tasks"]:
            per_notebook[BY_MODULE[task["name"].split(".")[0]].stem] += task["score"]
        assert course.scores[student] == pytest.approx(dict(per_notebook)), student


def test_test_cells_ran_the_hidden_cases_and_wrote_nothing_on_stderr(course):
    for student in STUDENTS:
        for path in (course.root / "autograded" / student / ASSIGNMENT).glob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                if nbgrader_meta(cell).get("grade"):
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
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert rows == pytest.approx({s: sum(course.scores[s].values()) for s in STUDENTS})
