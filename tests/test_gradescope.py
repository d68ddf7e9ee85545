"""`autograder gradescope OUT.zip`: a bundle that follows Gradescope's autograder specification.

The zip is built once; each test unpacks it into a simulated ``/autograder`` tree in a
temporary folder (``source/`` the bundle, ``submission/`` the upload, ``run_autograder``
copied to the top as Gradescope's image build does) and runs ``run_autograder`` there.

setup.sh is not run: on Gradescope it apt-installs Python and pip-installs
requirements.txt into /autograder/venv. Here ``AUTOGRADER_PYTHON`` points
run_autograder at this virtualenv instead, whose versions are the same pins (checked
below), and ``AUTOGRADER_ROOT`` at the simulated tree.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import bugcorpus
import jsonschema
import pytest

from autograder import gradescope, platforms, report
from autograder.grade import grade_submission
from autograder.stubs import ROOT
from tests.week4 import TASKS

PACKAGE = Path(gradescope.__file__).parent

# Gradescope's results.json, as published in gradescope/autograder_samples, docs/specs.md
# ("Output format", "Controlling Test Case Visibility", "Test case status", "Output String
# Formatting"; https://gradescope-autograders.readthedocs.io/en/latest/specs/). Every key is
# optional there, but a top-level score or a score on every test is required. Stricter than
# Gradescope on one point: unknown keys are rejected, so that a misspelt key fails here.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
        "leaderboard": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                               "order": {"enum": ["asc", "desc"]}},
                "required": ["name", "value"],
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}
POINTS = {task.name: float(task.points) for task in TASKS}


def task_scores(results: dict) -> dict[str, float]:
    """Each task's score: the sum of its two tests, "TASK (public cases)" and "TASK (hidden cases)"."""
    scores: dict[str, float] = {}
    for test in results["tests"]:
        task = test["name"].split(" (")[0]
        scores[task] = scores.get(task, 0.0) + test["score"]
    return scores


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    gradescope.build(out)
    return out


def unpack(bundle: Path, root: Path) -> None:
    """Gradescope's image build: the zip into root/source (with its file modes), run_autograder copied up."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()


def run_autograder(root: Path, **env: str) -> dict:
    """Run root/run_autograder as Gradescope does (cwd /autograder); results.json, validated."""
    environment = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root),
                   "AUTOGRADER_PYTHON": sys.executable, **env}
    subprocess.run([str(root / "run_autograder")], cwd=root, env=environment, check=True, timeout=300,
                   capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results


def test_the_bundle_follows_the_specification(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert (infos[script].external_attr >> 16) & stat.S_IXUSR, f"{script} is not executable"
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        requirements = archive.read("requirements.txt").decode().split()
        settings = json.loads(archive.read("settings.json"))
    assert settings == {"hidden_visibility": "after_published", "assignment": "assignment/week4"}  # defaults
    # the whole grader: every module of the package, and the assignment: its tasks and its reference
    grader = {p.relative_to(ROOT).as_posix() for p in PACKAGE.glob("*.py")}
    week4 = {f"assignment/{p.relative_to(ROOT).as_posix()}" for folder in ("week4", "solutions")
             for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".toml", ".md")}
    assert set(infos) == {"setup.sh", "run_autograder", "requirements.txt", "settings.json", *grader, *week4}
    assert {"assignment/week4/tasks.py", "assignment/week4/assignment.toml", "assignment/solutions/conv.py"} \
        <= set(infos)
    # pinned, only what grading imports, and the versions the tests below run with
    assert requirements == [f"{name}=={version(name)}" for name in platforms.GRADING_REQUIREMENTS]
    assert "nbgrader" not in " ".join(requirements)
    for script in (gradescope.SETUP_SH, gradescope.RUN_AUTOGRADER):
        subprocess.run(["bash", "-n"], input=script, text=True, check=True)  # at least valid bash


def test_a_complete_submission_scores_100(bundle, tmp_path):
    unpack(bundle, tmp_path)
    bugcorpus.write_submission(tmp_path / "submission")
    results = run_autograder(tmp_path)
    assert results["score"] == 100
    assert task_scores(results) == pytest.approx(POINTS)
    assert all(t["status"] == "passed" for t in results["tests"])
    # every task as two tests: its public cases shown at once, its hidden ones once the grades are published
    names = {t["name"]: t["visibility"] for t in results["tests"]}
    assert names == {**{f"{task} (public cases)": "visible" for task in POINTS},
                     **{f"{task} (hidden cases)": "after_published" for task in POINTS}}
    # before student code ran, the bundle (reference and hidden cases) was closed to everyone but its owner
    for path in [tmp_path / "source", *(tmp_path / "source").rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path


def test_an_empty_submission_scores_0_and_says_why(bundle, tmp_path):
    unpack(bundle, tmp_path)
    results = run_autograder(tmp_path)
    assert results["score"] == 0
    assert "empty" in results["output"]


def test_an_infinite_loop_costs_only_its_task(bundle, tmp_path):
    # Uploaded as a zip, which the student made: the grader opens it.
    loop = bugcorpus.Bug("sgd_loop", "basics", "basics.sgd_step", "", (), "an infinite loop",
                         {"sgd_step": "def sgd_step(params, grads, lr):\n    while True:\n        pass"})
    folder = bugcorpus.write_submission(tmp_path / "work", [loop])
    unpack(bundle, tmp_path)
    shutil.make_archive(str(tmp_path / "submission" / "week4"), "zip", folder)
    # 2 s per call: 20 times the slowest correct call (train_char_rnn, under 0.1 s), room for a loaded machine
    results = run_autograder(tmp_path, AUTOGRADER_WALL_SECONDS="2")
    assert task_scores(results) == pytest.approx({**POINTS, "basics.sgd_step": 0.0})
    assert results["score"] == 100 - POINTS["basics.sgd_step"]
    looping = next(t for t in results["tests"] if t["name"] == "basics.sgd_step (public cases)")
    assert looping["status"] == "failed" and "did not finish within 2 s" in looping["output"]


def test_a_grader_that_fails_still_writes_results(bundle, tmp_path):
    unpack(bundle, tmp_path)
    bugcorpus.write_submission(tmp_path / "submission")
    results = run_autograder(tmp_path, AUTOGRADER_WALL_SECONDS="soon")  # grading raises ValueError
    assert results["score"] == 0 and results["tests"] == []
    assert "could not grade this submission: ValueError" in results["output"]


def test_a_grader_that_cannot_start_still_writes_results(bundle, tmp_path):
    unpack(bundle, tmp_path)
    results = run_autograder(tmp_path, AUTOGRADER_PYTHON="/nonexistent/python")
    assert results["score"] == 0
    assert "could not start" in results["output"]


def test_the_visibility_of_hidden_cases_is_chosen_when_the_bundle_is_built(tmp_path):
    out = tmp_path / "autograder.zip"
    command = [sys.executable, "-m", "autograder", "gradescope", str(out)]
    subprocess.run([*command, "--hidden-visibility", "after_due_date"], check=True, capture_output=True)
    unpack(out, tmp_path)
    assert gradescope.bundle_settings(tmp_path / "source")["hidden_visibility"] == "after_due_date"
    refused = subprocess.run([*command, "--hidden-visibility", "later"], capture_output=True, text=True)
    assert refused.returncode == 2 and "after_published" in refused.stderr


def test_each_task_splits_into_its_public_and_its_hidden_cases(tmp_path):
    flipped = next(bug for bug in bugcorpus.load_bugs() if bug.task == "conv.conv_forward")
    result = grade_submission(bugcorpus.write_submission(tmp_path / "submission", [flipped]))
    results = report.gradescope_results(gradescope.split_public_hidden(result), "hidden")
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert task_scores(results) == pytest.approx({task.name: task.score for task in result.tasks})
    tests = {t["name"]: t for t in results["tests"]}
    for task in result.tasks:
        public, hidden = tests[f"{task.name} (public cases)"], tests[f"{task.name} (hidden cases)"]
        assert public["max_score"] + hidden["max_score"] == pytest.approx(task.max_score)
        assert (public["visibility"], hidden["visibility"]) == ("visible", "hidden")
    assert tests["conv.conv_forward (hidden cases)"]["status"] == "failed"
    assert results["score"] == result.score < 100
