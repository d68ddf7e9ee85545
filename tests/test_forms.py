"""Every correct submission gets its marks, in whatever form the student hands it in (issue 16, SPEC §2).

``tests/forms/corpus/`` holds one correct submission per form (written by
``tests/forms/make_forms.py``, each checked correct the way its student ran it by
``tests/forms/check_forms.py``: modules imported in plain Python, notebooks run in a real IPython
kernel). ``tests/forms/forms.json`` says what situation each reproduces. Each must score full
marks through every way the project reads a submission:

- ``grade``: ``grade_submission(path)``, isolated in the sandbox, one form at a time;
- ``batch``: one ``autograder batch`` over the whole corpus (every entry is one student);
- ``nbgrader-autograde``: the forms that are the project's six notebooks, as the students of one
  nbgrader course (``tests/test_nbgrader.py`` builds its course the same way);
- the release's self-check, ``run_selfcheck`` on the form, in a fresh interpreter: full public marks.

A failure names the form and shows each task that lost points with its first failing case's
message, and the submission's problems.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grade import grade_submission
from tests.week4 import WEEK4

FORMS_DIR = Path(__file__).resolve().parent / "forms"
CORPUS = FORMS_DIR / "corpus"
MANIFEST = json.loads((FORMS_DIR / "forms.json").read_text(encoding="utf-8"))
FORMS = list(MANIFEST)
NOTEBOOK_FORMS = [name for name, facts in MANIFEST.items() if facts["nbgrader"]]


def entry(name: str) -> Path:
    return CORPUS / MANIFEST[name]["entry"]


def explain(name: str, result: dict) -> str:
    """What a form lost: the situation, each task short of full marks with its first failing case."""
    lines = [f"{name}: {MANIFEST[name]['situation']}", f"score {result['score']:g} / {result['max_score']:g}"]
    for task in result["tasks"]:
        if task["score"] < task["max_score"]:
            first = next((c for c in task["cases"] if not c["passed"]), None)
            why = first["message"] if first else "no case ran"
            lines.append(f"  {task['name']} {task['score']:g}/{task['max_score']:g}: {why}")
    lines += [f"  problem: {problem}" for problem in result["problems"]]
    return "\n".join(lines)


def assert_full_marks(name: str, result: dict) -> None:
    assert result["tasks"], f"{name}: no task was graded"
    assert result["score"] == result["max_score"] == WEEK4.total_points, explain(name, result)


# One form for each cause issue 16 found (more forms cover each and what else students do).
ISSUE_CAUSES = {
    "nb_lambda_helper", "nb_alias", "nb_try_import", "nb_type_alias", "nb_rng_default_argument",  # dropped
    "nb_question_marks", "nb_black_continuations",  # magic stripping
    "nb_name_error_cell", "nb_two_step_helpers",  # one namespace for all notebooks
    "py_sibling_import_module", "py_sibling_from_import", "py_package_relative",  # sibling imports
    "py_namedtuple_cache", "py_dataclass_cache", "py_dict_subclass_cache",  # the wire
    "zip_with_venv", "zip_with_git",  # caps
    "py_matplotlib_at_top", "folder_case_mismatch",  # unclear rules
    "zip_release_filled_notebooks", "folder_modules_and_notebooks",  # where a function comes from
}


def test_the_corpus_covers_the_issue():
    """At least 35 forms, the issue's causes among them, each with its situation said, as many on
    disk as in the manifest."""
    assert len(FORMS) >= 35
    assert ISSUE_CAUSES <= set(FORMS), sorted(ISSUE_CAUSES - set(FORMS))
    assert all(len(facts["situation"]) > 40 for facts in MANIFEST.values())
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(facts["entry"] for facts in MANIFEST.values())
    suffixes = {Path(facts["entry"]).suffix for facts in MANIFEST.values()}
    assert suffixes == {"", ".zip", ".ipynb"}
    assert len(NOTEBOOK_FORMS) >= 20


@pytest.mark.parametrize("name", FORMS, ids=FORMS)
def test_grade_gives_full_marks(name):
    assert_full_marks(name, grade_submission(entry(name)).to_json())


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, dict]:
    """One ``autograder batch`` over the whole corpus: each student's result.json, by form name."""
    out = tmp_path_factory.mktemp("forms-batch")
    done = subprocess.run([sys.executable, "-m", "autograder", "batch", str(CORPUS), "--out", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    return {folder.name: json.loads((folder / "result.json").read_text(encoding="utf-8"))
            for folder in sorted((out / "students").iterdir())}


@pytest.mark.parametrize("name", FORMS, ids=FORMS)
def test_batch_gives_full_marks(name, batch):
    assert name in batch, f"{name} has no row in the batch: {sorted(batch)}"
    assert_full_marks(name, batch[name])


# The self-check runs the student's code in its own process, as the student's `autograder check` does:
# one form's changes to sys.path or sys.modules (py_sys_path_hack's) must not reach the next form.
SELF_CHECK = """
import json, sys
from pathlib import Path
from autograder.selfcheck import run_selfcheck
Path(sys.argv[2]).write_text(json.dumps(run_selfcheck(Path(sys.argv[1])).to_json()))
"""


@pytest.mark.parametrize("name", FORMS, ids=FORMS)
def test_the_self_check_gives_full_public_marks(name, tmp_path):
    out = tmp_path / "selfcheck.json"
    done = subprocess.run([sys.executable, "-c", SELF_CHECK, str(entry(name)), str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert out.is_file(), f"{name}: the self-check did not finish ({done.returncode}):\n{done.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["tasks"], f"{name}: the self-check ran no task"
    assert result["score"] == result["max_score"], explain(name, result)


def first_failures(notebook: Path) -> list[str]:
    """An autograded notebook's test cells short of their points, each with its feedback's first failure."""
    import nbformat

    found = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        grading = cell.metadata.get("nbgrader", {})
        if not grading.get("grade"):
            continue
        outputs = cell.get("outputs", [])
        printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        shown = [float(o.data["text/plain"]) for o in outputs if o.output_type == "execute_result"]
        if shown != [grading["points"]]:
            failure = next((line for line in printed.splitlines() if line.startswith("- **")), printed[-300:])
            found.append(f"{grading['grade_id']} {shown}: {failure}")
    return found


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[str, dict[str, tuple[float, float, list[str]]]]:
    """One nbgrader course whose students are the notebook forms, autograded with
    ``autograder nbgrader-autograde``: student -> notebook -> (score, max score, failures)."""
    from nbgrader.api import Gradebook
    from test_nbgrader import ASSIGNMENT, BIN, isolated_env, run

    root = tmp_path_factory.mktemp("forms-nbgrader")
    env = isolated_env(root)
    path = root / "course"
    run([sys.executable, "-m", "autograder", "nbgrader", str(path)], root, env)
    run([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT], path, env)
    for name in NOTEBOOK_FORMS:
        shutil.copytree(entry(name), path / "submitted" / name / ASSIGNMENT)
    run([sys.executable, "-m", "autograder", "nbgrader-autograde", str(path), ASSIGNMENT], root, env)
    scores: dict[str, dict[str, tuple[float, float, list[str]]]] = {}
    with Gradebook(f"sqlite:///{path / 'gradebook.db'}") as gradebook:
        for name in NOTEBOOK_FORMS:
            autograded = path / "autograded" / name / ASSIGNMENT
            scores[name] = {nb.name: (nb.score, nb.max_score, first_failures(autograded / f"{nb.name}.ipynb"))
                            for nb in gradebook.find_submission(ASSIGNMENT, name).notebooks}
    return scores


@pytest.mark.nbgrader
@pytest.mark.parametrize("name", NOTEBOOK_FORMS, ids=NOTEBOOK_FORMS)
def test_nbgrader_autograde_gives_full_marks(name, course):
    notebooks = course[name]
    assert len(notebooks) == len(WEEK4.lectures), f"{name}: nbgrader graded {sorted(notebooks)}"
    short = [f"  {notebook} {score:g}/{points:g}: {'; '.join(failures)}"
             for notebook, (score, points, failures) in notebooks.items() if score != points]
    assert not short, "\n".join([f"{name}: {MANIFEST[name]['situation']}", *short])
