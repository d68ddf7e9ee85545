"""A second assignment goes through every command with no change to the engine.

``tests/second_assignment/`` is a folder of content only: a reference module with solution
markers (the ReLU layer's forward and backward), its task declarations, its lecture notes
and its notebook order. Copied to a temporary folder (``autograder stubs`` writes into it),
it is made into stubs and public cases, self-checked, graded, batch-graded, released (the
bundle's check and pytest), bundled for Gradescope and run there, and taken through the real
nbgrader round trip, each with ``--assignment`` on the command line. Week 4 stays the default.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load
from autograder.notebooks import build_notebooks, solved
from tests.test_gradescope import run_autograder, unpack
from tests.test_nbgrader import BIN, isolated_env, run
from tests.test_release import _run as run_in_bundle

ROOT = Path(__file__).resolve().parent.parent
CONTENT = Path(__file__).resolve().parent / "second_assignment"
BUGGY_BACKWARD = "def relu_backward(dout, cache):\n    return dout\n"


def cli(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def stubbed(content: Path, folder: Path) -> Path:
    """A copy of the assignment ``content`` as ``folder``, with the stubs and public cases that
    `autograder stubs` wrote."""
    shutil.copytree(content, folder)
    made = cli("stubs", "--assignment", folder)
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture(scope="module")
def relu(tmp_path_factory) -> Path:
    """The assignment's folder (a copy), with its stubs and public cases."""
    return stubbed(CONTENT, tmp_path_factory.mktemp("second") / "relu")


@pytest.fixture(scope="module")
def submissions(relu, tmp_path_factory) -> dict[str, Path]:
    """A student who wrote the reference, one with a wrong backward, one who handed in the stubs."""
    top = tmp_path_factory.mktemp("class")
    reference = (relu / "solutions" / "layers.py").read_text()
    sources = {"good": reference, "buggy": reference.split("def relu_backward")[0] + BUGGY_BACKWARD,
               "stubs": (relu / "assignments" / "layers.py").read_text()}
    return students_of(top, sources)


def students_of(top: Path, sources: dict[str, str]) -> dict[str, Path]:
    """One folder per student under ``top``, holding that student's ``layers.py``."""
    for student, source in sources.items():
        (top / student).mkdir()
        (top / student / "layers.py").write_text(source)
    return {student: top / student for student in sources}


def test_stubs_and_public_cases_come_from_the_assignments_own_reference(relu):
    stub = (relu / "assignments" / "layers.py").read_text()
    assert "raise NotImplementedError" in stub and "TODO: out is the larger" in stub
    assert "np.maximum" not in stub
    assert (relu / "assignments" / "public_cases.bin").is_file()
    assert "Practice: the ReLU layer" in (relu / "assignments" / "__init__.py").read_text()
    assert [t.name for t in load(relu).tasks] == ["layers.relu_forward", "layers.relu_backward"]


def test_the_self_check_scores_the_stubs_0_and_the_reference_full(relu, submissions):
    for student, expected in (("stubs", 0), ("good", 10)):
        checked = cli("check", submissions[student], "--assignment", relu, "--json")
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["score"] == expected, student


def test_grade_and_batch_name_the_assignment_and_score_its_tasks(relu, submissions, tmp_path):
    graded = cli("grade", submissions["buggy"], "--assignment", relu, "--json")
    result = json.loads(graded.stdout)
    assert result["assignment"] == "relu" and result["max_score"] == 10
    assert {t["name"]: t["score"] for t in result["tasks"]} == {"layers.relu_forward": 4,
                                                                 "layers.relu_backward": 0}
    batch = cli("batch", submissions["good"].parent, "--out", tmp_path / "out", "--assignment", relu)
    assert batch.returncode == 0, batch.stderr
    rows = (tmp_path / "out" / "gradebook.csv").read_text()
    assert "layers.relu_backward" in rows and "conv" not in rows
    stored = json.loads((tmp_path / "out" / "students" / "good" / "result.json").read_text())
    assert stored["assignment"] == "relu" and stored["score"] == 10


def test_the_release_bundle_self_checks_with_check_and_pytest(relu, tmp_path):
    out = tmp_path / "bundle"
    assert cli("release", out, "--assignment", relu).returncode == 0
    assert (out / "assignments" / "layers.py").is_file() and (out / "notebooks" / "01_relu.ipynb").is_file()
    assert not list(out.rglob("tasks.py")) and not list(out.rglob("solutions"))
    assert "np.maximum" not in (out / "assignments" / "layers.py").read_text()
    checked = run_in_bundle(out, "-m", "autograder", "check")
    assert checked.returncode == 0 and "total: 0 / 10" in checked.stdout, checked.stdout + checked.stderr
    tested = run_in_bundle(out, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert "2 failed" in tested.stdout, tested.stdout[-2000:]


def test_the_gradescope_bundle_grades_an_upload_of_the_assignment(relu, submissions, tmp_path):
    zipped = tmp_path / "relu.zip"
    assert cli("gradescope", zipped, "--assignment", relu).returncode == 0
    root = tmp_path / "autograder"
    unpack(zipped, root)
    shutil.copy(submissions["good"] / "layers.py", root / "submission")
    results = run_autograder(root)
    assert results["score"] == 10 and all("layers." in test["name"] for test in results["tests"])


@pytest.mark.nbgrader
def test_the_nbgrader_round_trip(relu, tmp_path):
    from nbgrader.api import Gradebook

    env = isolated_env(tmp_path)
    course = tmp_path / "course"
    assert cli("nbgrader", course, "--assignment", relu).returncode == 0
    nbgrader = str(BIN / "nbgrader")
    run([nbgrader, "generate_assignment", "relu"], course, env)
    notebooks = build_notebooks(False, load(relu))
    released = {p.name: nbformat.read(p, as_version=4) for p in (course / "release" / "relu").glob("*.ipynb")}
    for student, handed_in in (("complete", {n: solved(nb) for n, nb in notebooks.items()}),
                               ("untouched", released)):
        folder = course / "submitted" / student / "relu"
        folder.mkdir(parents=True)
        for name, notebook in handed_in.items():
            nbformat.write(notebook, folder / name)
    run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(course), "relu", "--assignment",
         str(relu)], tmp_path, env)
    run([nbgrader, "export"], course, env)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission("relu", s).score for s in ("complete", "untouched")}
    assert scores == {"complete": 10, "untouched": 0}
