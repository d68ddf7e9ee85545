"""Other assignments go through every command with no change to the engine.

Each example is a folder of content only: ``tests/second_assignment/`` (the ReLU layer's forward
and backward, the minimal example) and the repository's week 5 (``week5/``: attention, state
updated in place, keyword-only arguments, functions judged by their properties, its own hints).
Copied to a temporary folder (``autograder stubs`` writes into it), each is made into stubs and
public cases, self-checked, graded, batch-graded, released (the bundle's check and pytest),
bundled for Gradescope and run there, and taken through the real nbgrader round trip, each with
``--assignment`` on the command line. Week 4 stays the default.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from bugcorpus import CORPORA, Bug, load_bug, write_submission

from autograder.assignment import Assignment, load
from autograder.notebooks import build_notebooks, solved
from tests.test_gradescope import run_autograder, unpack
from tests.test_nbgrader import BIN, isolated_env, run
from tests.test_release import _run as run_in_bundle

ROOT = Path(__file__).resolve().parent.parent
WEEK5_BUGS = CORPORA["week5"][1]


@dataclass(frozen=True)
class Example:
    content: Path  # the assignment's folder
    bug: Bug  # a student's mistake: it costs points on bug.task only
    todo: str  # words of a stub's TODO, kept from the reference
    solution: str  # a line of the reference that no stub and no bundle may hold


EXAMPLES = {
    "relu": Example(Path(__file__).resolve().parent / "second_assignment",
                    Bug("relu_backward_identity", "layers", "layers.relu_backward", "", (),
                        "dout passed through unmasked", {"relu_backward": "def relu_backward(dout, cache):\n"
                                                                            "    return dout\n"}),
                    "TODO: out is the larger", "np.maximum(x, 0)"),
    "week5": Example(ROOT / "week5", load_bug(WEEK5_BUGS / "adam_no_bias_correction.py"),
                     "TODO: the scores q k^T / sqrt(D)", "scores = np.where(mask, scores, -np.inf)"),
}


def cli(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def stubbed(content: Path, folder: Path) -> Path:
    """A copy of the assignment ``content`` as ``folder``, with the stubs and public cases that
    `autograder stubs` wrote."""
    shutil.copytree(content, folder, ignore=shutil.ignore_patterns("__pycache__"))
    made = cli("stubs", "--assignment", folder)
    assert made.returncode == 0, made.stderr
    return folder


def students_of(top: Path, sources: dict[str, str]) -> dict[str, Path]:
    """One folder per student under ``top``, holding that student's ``layers.py``."""
    for student, source in sources.items():
        (top / student).mkdir()
        (top / student / "layers.py").write_text(source)
    return {student: top / student for student in sources}


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request, tmp_path_factory) -> tuple[Example, Path, Assignment]:
    """An example, a copy of its folder with its stubs and public cases, and that copy loaded."""
    chosen = EXAMPLES[request.param]
    folder = stubbed(chosen.content, tmp_path_factory.mktemp("assignment") / chosen.content.name)
    return chosen, folder, load(folder)


@pytest.fixture(scope="module")
def submissions(example, tmp_path_factory) -> dict[str, Path]:
    """A student who wrote the reference, one who made the example's mistake, one who handed in the stubs."""
    chosen, folder, assignment = example
    top = tmp_path_factory.mktemp("class")
    write_submission(top / "good", assignment=assignment)
    write_submission(top / "buggy", [chosen.bug], assignment)
    shutil.copytree(assignment.stubs, top / "stubs", ignore=shutil.ignore_patterns("*.bin", "__init__.py"))
    return {student: top / student for student in ("good", "buggy", "stubs")}


def test_stubs_and_public_cases_come_from_the_assignments_own_reference(example):
    chosen, folder, assignment = example
    for module in assignment.modules:
        stub = (assignment.stubs / f"{module}.py").read_text()
        assert "raise NotImplementedError" in stub and chosen.solution not in stub
    assert any(chosen.todo in (assignment.stubs / f"{m}.py").read_text() for m in assignment.modules)
    assert assignment.public_cases.is_file()
    assert assignment.title in (assignment.stubs / "__init__.py").read_text()
    committed = chosen.content / "assignments"
    if committed.is_dir():  # the repository's own copy is what `autograder stubs` writes
        assert {p.name: p.read_bytes() for p in committed.iterdir() if p.is_file()} == \
            {p.name: p.read_bytes() for p in assignment.stubs.iterdir() if p.is_file()}


def test_the_self_check_scores_the_stubs_0_and_the_reference_full(example, submissions):
    _, folder, assignment = example
    for student, expected in (("stubs", 0), ("good", assignment.total_points)):
        checked = cli("check", submissions[student], "--assignment", folder, "--json")
        assert json.loads(checked.stdout)["score"] == expected, student + checked.stderr
        assert checked.returncode == (0 if student == "good" else 1)  # SPEC §3: as pytest


def test_grade_and_batch_name_the_assignment_and_score_its_tasks(example, submissions, tmp_path):
    chosen, folder, assignment = example
    graded = cli("grade", submissions["buggy"], "--assignment", folder, "--json")
    result = json.loads(graded.stdout)
    assert result["assignment"] == assignment.name and result["max_score"] == assignment.total_points
    assert {t["name"] for t in result["tasks"] if t["score"] < t["max_score"]} == {chosen.bug.task}
    batch = cli("batch", submissions["good"].parent, "--out", tmp_path / "out", "--assignment", folder)
    assert batch.returncode == 0, batch.stderr
    rows = (tmp_path / "out" / "gradebook.csv").read_text()
    assert chosen.bug.task in rows and "conv" not in rows
    for student, expected in (("good", assignment.total_points), ("stubs", 0)):
        stored = json.loads((tmp_path / "out" / "students" / student / "result.json").read_text())
        assert stored["assignment"] == assignment.name and stored["score"] == expected, student


def test_the_release_bundle_self_checks_with_check_and_pytest(example, tmp_path):
    chosen, folder, assignment = example
    out = tmp_path / "bundle"
    assert cli("release", out, "--assignment", folder).returncode == 0
    for lecture in assignment.lectures:
        assert (out / "assignments" / f"{lecture.module}.py").is_file()
        assert (out / "notebooks" / lecture.filename).is_file()
    assert not list(out.rglob("tasks.py")) and not list(out.rglob("solutions"))
    assert not any(chosen.solution in path.read_text(errors="replace") for path in out.rglob("*.py"))
    checked = run_in_bundle(out, "-m", "autograder", "check")
    assert checked.returncode == 1, checked.stderr
    assert f"total: 0 / {assignment.total_points:g}" in checked.stdout, checked.stdout + checked.stderr
    tested = run_in_bundle(out, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    public_cases = sum(case.public for task in assignment.tasks for case in task.cases)
    assert f"{public_cases} failed" in tested.stdout, tested.stdout[-2000:]


def test_the_gradescope_bundle_grades_an_upload_of_the_assignment(example, submissions, tmp_path):
    _, folder, assignment = example
    zipped = tmp_path / f"{assignment.name}.zip"
    assert cli("gradescope", zipped, "--assignment", folder).returncode == 0
    root = tmp_path / "autograder"
    unpack(zipped, root)
    for file in submissions["good"].iterdir():
        shutil.copy(file, root / "submission")
    results = run_autograder(root)
    assert results["score"] == assignment.total_points
    assert {test["name"].split(".")[0] for test in results["tests"]} <= set(assignment.modules)


@pytest.mark.nbgrader
def test_the_nbgrader_round_trip(example, tmp_path):
    from nbgrader.api import Gradebook

    _, folder, assignment = example
    name = assignment.name
    env = isolated_env(tmp_path)
    course = tmp_path / "course"
    assert cli("nbgrader", course, "--assignment", folder).returncode == 0
    nbgrader = str(BIN / "nbgrader")
    run([nbgrader, "generate_assignment", name], course, env)
    notebooks = build_notebooks(False, assignment)
    released = {p.name: nbformat.read(p, as_version=4) for p in (course / "release" / name).glob("*.ipynb")}
    for student, handed_in in (("complete", {n: solved(nb) for n, nb in notebooks.items()}),
                               ("untouched", released)):
        submitted = course / "submitted" / student / name
        submitted.mkdir(parents=True)
        for notebook_name, notebook in handed_in.items():
            nbformat.write(notebook, submitted / notebook_name)
    run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(course), name, "--assignment",
         str(folder)], tmp_path, env)
    run([nbgrader, "export"], course, env)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(name, s).score for s in ("complete", "untouched")}
    assert scores == {"complete": assignment.total_points, "untouched": 0}
