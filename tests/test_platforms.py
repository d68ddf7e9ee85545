"""`autograder prairielearn OUT_DIR` and `autograder coursera OUT.zip`: graders for the platforms'
containers, run for real in their simulated layouts.

Each grader is built once; each test runs its entry point (``run``, as the platform's container
would) in a temporary folder that stands for the platform's tree: ``/grade`` for PrairieLearn
(``student/`` the upload, ``results/results.json`` the verdict), ``/shared`` for Coursera
(``submission/`` the upload, ``feedback.json`` and ``htmlFeedback.html``). ``AUTOGRADER_ROOT``
points the script there and ``AUTOGRADER_PYTHON`` at this virtualenv, whose versions are the
bundle's pins. Docker does not run here: the images' recipes are checked by reading them.

The verdicts are compared with what ``autograder grade --json`` gives the same submission, and
checked against the fields each platform documents (the schemas below), never a stored result.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import bugcorpus
import jsonschema
import nbformat
import pytest

from autograder import prairielearn
from autograder.grade import CaseResult, GradeResult, TaskResult
from autograder.notebooks import build_notebooks, solved, with_function
from tests.test_hidden_cases_leak_nothing import DIGITS, LEAKS, _hidden_secrets
from tests.week4 import TASKS

ROOT = Path(__file__).resolve().parent.parent

# PrairieLearn's results.json (PrairieLearn/PrairieLearn, docs/externalGrading.md, "Grading results"):
# score in [0, 1] unless gradable is false; format_errors a string or strings; images [{label, url}],
# as objects or bare URLs. Stricter than PrairieLearn on one point: unknown keys are rejected, so
# that a misspelt key fails here.
IMAGES = {"type": "array", "items": {"oneOf": [
    {"type": "string"},
    {"type": "object", "properties": {"label": {"type": "string"}, "url": {"type": "string"}},
     "required": ["url"], "additionalProperties": False}]}}
PRAIRIELEARN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"},
        "output": {"type": "string"},
        "format_errors": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "images": IMAGES,
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                           "points": {"type": "number"}, "max_points": {"type": "number"},
                           "message": {"type": "string"}, "output": {"type": "string"}, "images": IMAGES},
            "additionalProperties": False}},
    },
    "additionalProperties": False,
    "if": {"properties": {"gradable": {"const": False}}, "required": ["gradable"]},
    "else": {"required": ["score"]},
}
PRAIRIELEARN_MAX = 1024 * 1024  # the grader host's cap (apps/grader-host/src/index.ts)

# Coursera's feedback.json (coursera/programming-assignments-demo, custom-graders/v2/README.md; the
# checks of coursera/coursera_autograder, commands/grade.py): fractionalScore a number in [0, 1] (or
# isCorrect a boolean), feedback required, feedbackType "HTML" or "TXT".
COURSERA_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "fractionalScore": {"type": "number", "minimum": 0, "maximum": 1},
        "isCorrect": {"type": "boolean"},
        "feedback": {"type": "string"},
        "feedbackType": {"enum": ["HTML", "TXT"]},
    },
    "required": ["feedback"],
    "anyOf": [{"required": ["fractionalScore"]}, {"required": ["isCorrect"]}],
    "additionalProperties": False,
}
COURSERA_MAX_FEEDBACK = 64 * 1024  # "We'll trim/truncate grader feedback string to 64 KB"


# ---------------------------------------------------------------- the bundles and their runs


@pytest.fixture(scope="module")
def prairielearn_grader(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prairielearn") / "grader"
    subprocess.run([sys.executable, "-m", "autograder", "prairielearn", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="module")
def coursera_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("coursera") / "grader.zip"
    subprocess.run([sys.executable, "-m", "autograder", "coursera", str(out), "--part", "Zb6wb=rnn"],
                   cwd=ROOT, check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def coursera_grader(coursera_zip, tmp_path_factory) -> Path:
    """The zip unpacked with its modes, as the image's COPY lines put it in /grader."""
    out = tmp_path_factory.mktemp("coursera") / "grader"
    with zipfile.ZipFile(coursera_zip) as archive:
        for info in archive.infolist():
            target = out / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    return out


def run(grader: Path, root: Path, **env: str) -> None:
    """The grader's entry point, run as the platform runs it, with its tree at ``root``."""
    environment = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root),
                   "AUTOGRADER_PYTHON": sys.executable, **env}
    subprocess.run([str(grader / "run")], cwd=root, env=environment, check=True, timeout=300,
                   capture_output=True)


def run_prairielearn(grader: Path, root: Path, **env: str) -> dict:
    """results.json of a run with ``root/student`` as the upload: validated, and within 1 MB."""
    run(grader, root, **env)
    path = root / "results" / "results.json"
    assert path.stat().st_size <= PRAIRIELEARN_MAX
    results = json.loads(path.read_text())
    jsonschema.validate(results, PRAIRIELEARN_SCHEMA)
    return results


def run_coursera(grader: Path, root: Path, part: str = "", **env: str) -> tuple[dict, str]:
    """feedback.json (validated) and htmlFeedback.html of a run with ``root/submission`` as the upload."""
    run(grader, root, partId=part, **env)
    feedback = json.loads((root / "feedback.json").read_text())
    jsonschema.validate(feedback, COURSERA_SCHEMA)
    assert len(feedback["feedback"].encode()) <= COURSERA_MAX_FEEDBACK
    html = root / "htmlFeedback.html"
    assert (feedback.get("feedbackType") == "HTML") == html.exists()  # the HTML promised is there
    return feedback, html.read_text() if html.exists() else ""


def graded(submission: Path) -> dict:
    """What ``autograder grade --json`` says of ``submission``."""
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "--json", str(submission)], cwd=ROOT,
                          check=True, capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


# ---------------------------------------------------------------- submissions

LEAKY = ("conv", "basics")
BUG = next(bug for bug in bugcorpus.load_bugs() if bug.task == "rnn.rnn_forward")


def notebooks(folder: Path) -> Path:
    """The week's notebooks solved, with BUG in its notebook: what a student working in Jupyter hands in."""
    folder.mkdir(parents=True)
    for name, notebook in build_notebooks(release=False).items():
        notebook = solved(notebook)
        if name.split("_", 1)[1] == f"{BUG.module}.ipynb":  # 04_rnn.ipynb
            for source in BUG.functions.values():
                notebook = with_function(notebook, source)
        nbformat.write(notebook, folder / name)
    return folder


def leaker(folder: Path) -> Path:
    """A submission whose conv and basics functions try to carry a hidden input into their feedback:
    printed, raised, warned, returned as a number (the other modules' ways take minutes to grade)."""
    bugcorpus.write_submission(folder)
    for module in LEAKY:
        functions = LEAKS[module]
        (folder / f"{module}.py").write_text(bugcorpus._splice(bugcorpus.reference_source(module), functions)
                                             + DIGITS)
    return folder


@pytest.fixture(scope="module")
def buggy(tmp_path_factory) -> tuple[Path, dict]:
    folder = bugcorpus.write_submission(tmp_path_factory.mktemp("buggy") / "upload", [BUG])
    return folder, graded(folder)


@pytest.fixture(scope="module")
def notebook_upload(tmp_path_factory) -> tuple[Path, dict]:
    folder = notebooks(tmp_path_factory.mktemp("notebooks") / "upload")
    return folder, graded(folder)


def task_scores(grade: dict) -> dict[str, float]:
    return {task["name"]: task["score"] for task in grade["tasks"]}


# ---------------------------------------------------------------- the recipes


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """A Dockerfile's instructions (keyword, arguments), continuation lines joined, comments left out."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines()
            if line.strip()]


def check_recipe(bundle: Path) -> list[tuple[str, str]]:
    """The checks a Docker build would fail on, without Docker: a pinned FROM first, COPY sources in
    the bundle, the entry point an executable file the image holds. Returns the instructions."""
    steps = instructions((bundle / "Dockerfile").read_text())
    keyword, image = steps[0]
    assert keyword == "FROM" and ":" in image and not image.endswith(":latest"), steps[0]
    copied = {}
    for keyword, arguments in steps:
        if keyword == "COPY":
            *sources, target = shlex.split(arguments)
            for source in sources:
                assert (bundle / source).exists(), f"COPY {source}: not in the bundle"
                copied[target.rstrip("/") + ("/" + source if target.endswith("/") else "")] = bundle / source
    entrypoint = json.loads(dict(steps)["ENTRYPOINT"])
    assert copied[entrypoint[0]].stat().st_mode & 0o111, "the entry point is not executable"
    subprocess.run(["bash", "-n", str(copied[entrypoint[0]])], check=True)  # at least valid bash
    requirements = (bundle / "requirements.txt").read_text().split()
    assert requirements and all("==" in line for line in requirements)  # pinned
    assert any("--requirement /grader/requirements.txt" in args for key, args in steps if key == "RUN")
    return steps


def test_the_prairielearn_grader_holds_its_recipe_entry_point_and_instructions(prairielearn_grader):
    steps = check_recipe(prairielearn_grader)
    assert all(key != "USER" for key, _ in steps)  # root: the sandbox gives student code a uid of its own
    for name in ("assignment/week4/tasks.py", "assignment/solutions/conv.py", "autograder/child.py"):
        assert (prairielearn_grader / name).is_file()
    readme = (prairielearn_grader / "README.md").read_text()
    options = json.loads(readme.split('"externalGradingOptions": ', 1)[1].split("}", 1)[0] + "}")
    assert options["entrypoint"] == json.loads(dict(steps)["ENTRYPOINT"])[0]
    assert options["enabled"] is True and options["timeout"] <= 600 and options["image"]


def test_the_coursera_zip_has_its_dockerfile_at_the_root_and_runs_as_a_user(coursera_zip, coursera_grader):
    with zipfile.ZipFile(coursera_zip) as archive:
        assert "Dockerfile" in archive.namelist()
    steps = check_recipe(coursera_grader)
    user = [args for key, args in steps if key == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert all(key != "ENV" for key, _ in steps)  # Coursera clears what ENV sets: the script sets its own
    assert (coursera_grader / "autograder" / "templates" / "feedback.html").is_file()
    assert "jinja2" in (coursera_grader / "requirements.txt").read_text().lower()
    assert json.loads((coursera_grader / "settings.json").read_text())["parts"] == {"Zb6wb": "rnn"}


def test_a_part_must_name_a_module(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "autograder", "coursera", str(tmp_path / "g.zip"),
                              "--part", "Zb6wb=convolution"], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "no module convolution" in refused.stderr
    assert not (tmp_path / "g.zip").exists()


# ---------------------------------------------------------------- PrairieLearn runs


def test_prairielearn_gives_a_complete_submission_full_marks(prairielearn_grader, tmp_path):
    bugcorpus.write_submission(tmp_path / "student")
    results = run_prairielearn(prairielearn_grader, tmp_path)
    assert results["gradable"] is True and results["score"] == 1.0
    assert {t["name"]: (t["points"], t["max_points"]) for t in results["tests"]} == \
        {task.name: (float(task.points), float(task.points)) for task in TASKS}
    # before student code ran, the grader (reference and hidden cases) was closed to everyone but root
    assert all(p.stat().st_mode & 0o077 == 0 for p in [prairielearn_grader, *prairielearn_grader.rglob("*")])


def test_prairielearn_scores_a_buggy_submission_as_autograder_grade(prairielearn_grader, buggy, tmp_path):
    folder, grade = buggy
    shutil.copytree(folder, tmp_path / "student")
    results = run_prairielearn(prairielearn_grader, tmp_path)
    assert grade["score"] < grade["max_score"]
    assert results["score"] == pytest.approx(grade["score"] / grade["max_score"])
    assert {t["name"]: t["points"] for t in results["tests"]} == task_scores(grade)
    failing = next(t for t in results["tests"] if t["name"] == BUG.task)
    assert failing["points"] < failing["max_points"] and BUG.symptom.lower() in failing["output"].lower()


def test_prairielearn_grades_notebooks_as_autograder_grade(prairielearn_grader, notebook_upload, tmp_path):
    upload, grade = notebook_upload
    shutil.copytree(upload, tmp_path / "student")
    results = run_prairielearn(prairielearn_grader, tmp_path)
    assert grade["score"] < grade["max_score"] and results["gradable"] is True
    assert results["score"] == pytest.approx(grade["score"] / grade["max_score"])
    assert {t["name"]: t["points"] for t in results["tests"]} == task_scores(grade)


def test_a_submission_that_cannot_be_read_is_not_gradable(prairielearn_grader, tmp_path):
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "week4.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    results = run_prairielearn(prairielearn_grader, tmp_path)
    assert results["gradable"] is False and "score" not in results
    assert "zip" in results["message"] and results["format_errors"]


def test_a_prairielearn_grader_that_fails_or_cannot_start_still_answers(prairielearn_grader, tmp_path):
    bugcorpus.write_submission(tmp_path / "student")
    results = run_prairielearn(prairielearn_grader, tmp_path, AUTOGRADER_WALL_SECONDS="soon")
    assert results["gradable"] is False
    assert "could not grade this submission: ValueError" in results["message"]
    results = run_prairielearn(prairielearn_grader, tmp_path, AUTOGRADER_PYTHON="/nonexistent/python")
    assert results["gradable"] is False and "could not start" in results["message"]


def test_results_json_is_cut_to_1_mb_with_a_note():
    # Thirty messages of their own (one said by several cases is written once).
    noisy = [CaseResult(f"case {i}", public=True, passed=False, message=f"{i} " + "x" * 50_000)
             for i in range(30)]
    result = GradeResult("noisy", 0.0, 10.0, [TaskResult("basics.mse_loss", 0.0, 10.0, noisy)])
    results = prairielearn.results_json(result)
    assert len(json.dumps(results, indent=1).encode()) <= PRAIRIELEARN_MAX < 30 * 50_000
    assert prairielearn.FIT in results["output"] and prairielearn.FIT in results["tests"][0]["output"]
    jsonschema.validate(results, PRAIRIELEARN_SCHEMA)


# ---------------------------------------------------------------- Coursera runs


def test_coursera_scores_a_buggy_submission_as_autograder_grade(coursera_grader, buggy, tmp_path):
    folder, grade = buggy
    shutil.copytree(folder, tmp_path / "submission")
    feedback, html = run_coursera(coursera_grader, tmp_path, part="HxbKF")  # a part with no mapping: all
    assert feedback["fractionalScore"] == pytest.approx(grade["score"] / grade["max_score"])
    assert grade["score"] < grade["max_score"] and feedback["feedbackType"] == "HTML"
    assert f"Total: {grade['score']:g} / {grade['max_score']:g}" in html
    assert f"{BUG.task}:" in html and f"Total: {grade['score']:g}" in feedback["feedback"]


def test_a_coursera_part_grades_its_module_only(coursera_grader, buggy, tmp_path):
    folder, grade = buggy
    shutil.copytree(folder, tmp_path / "submission")
    for part, module in (("Zb6wb", "rnn"), ("conv", "conv")):  # mapped when built; named by the part
        tasks = [task for task in grade["tasks"] if task["name"].startswith(f"{module}.")]
        feedback, html = run_coursera(coursera_grader, tmp_path, part=part)
        expected = sum(task["score"] for task in tasks) / sum(task["max_score"] for task in tasks)
        assert feedback["fractionalScore"] == pytest.approx(expected)
        assert all(task["name"] in html for task in tasks)
        assert not any(task["name"] in html for task in grade["tasks"] if task not in tasks)
    assert BUG.module == "rnn" and expected == 1.0  # conv has no bug; the rnn part had one


def test_coursera_grades_notebooks_and_says_why_a_submission_cannot_be_read(coursera_grader, notebook_upload,
                                                                            tmp_path):
    upload, grade = notebook_upload
    shutil.copytree(upload, tmp_path / "notebook" / "submission")
    feedback, _ = run_coursera(coursera_grader, tmp_path / "notebook")
    assert feedback["fractionalScore"] == pytest.approx(grade["score"] / grade["max_score"])
    assert grade["score"] < grade["max_score"]
    (tmp_path / "empty" / "submission").mkdir(parents=True)
    feedback, html = run_coursera(coursera_grader, tmp_path / "empty")
    assert feedback["fractionalScore"] == 0 and "empty" in feedback["feedback"] and "empty" in html


def test_a_coursera_grader_that_cannot_start_still_answers(coursera_grader, tmp_path):
    (tmp_path / "submission").mkdir()
    feedback, html = run_coursera(coursera_grader, tmp_path, AUTOGRADER_PYTHON="/nonexistent/python")
    assert feedback["fractionalScore"] == 0 and "could not start" in feedback["feedback"] and not html


# ---------------------------------------------------------------- hidden cases


def test_no_hidden_input_appears_in_either_platforms_feedback(prairielearn_grader, coursera_grader, tmp_path):
    upload = leaker(tmp_path / "upload")
    shutil.copytree(upload, tmp_path / "grade" / "student")
    shutil.copytree(upload, tmp_path / "shared" / "submission")
    results = run_prairielearn(prairielearn_grader, tmp_path / "grade")
    feedback, html = run_coursera(coursera_grader, tmp_path / "shared", part="conv")
    failed = {t["name"].split(".")[0] for t in results["tests"] if t["points"] < t["max_points"]}
    assert failed == set(LEAKY) and feedback["fractionalScore"] < 1
    texts = {"results.json": json.dumps(results), "feedback.json": json.dumps(feedback), "html": html}
    secrets = _hidden_secrets()
    assert len(secrets) > 50
    leaks = sorted((name, s) for name, text in texts.items() for s in secrets if s in text)
    assert not leaks, leaks[:5]
    assert "x is [[[[" in texts["results.json"] and "x is [[[[" in html  # a public case shows its print
