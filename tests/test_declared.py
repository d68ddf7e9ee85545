"""What a task may declare beyond arrays in, arrays out (SPEC §4), on ``tests/declared_assignment/``.

Arguments by name (keyword-only included), state updated in place, a sampler judged by its
properties, and a check and a hint of the assignment's own: each judged right and wrong, in the
grader and through the commands (stubs, check, grade, the release's self-check).
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.assignment import AssignmentError, load
from autograder.checks import Failed, Reference, check_inputs_unchanged
from autograder.grade import grade_submission, plan_cases
from autograder.inputs import case_seed, make_inputs
from autograder.runner import Outcome
from autograder.stubs import BEGIN, END
from tests.test_release import _run as run_in_bundle
from tests.test_second_assignment import cli, stubbed, students_of

CONTENT = Path(__file__).resolve().parent / "declared_assignment"
BUGS = {  # a student's one wrong function -> the words its failing case must hold
    "no_update": ("def momentum_step(w, dw, config):\n"
                  "    velocity = config['momentum'] * config['velocity'] - config['lr'] * dw\n"
                  "    return w + velocity\n",
                  "layers.momentum_step", "did not update config['velocity']"),
    "new_config": ("def momentum_step(w, dw, config):\n"
                   "    v = config['momentum'] * config['velocity'] - config['lr'] * dw\n"
                   "    config = dict(config, velocity=v)\n"
                   "    return w + config['velocity']\n",
                   "layers.momentum_step", "did not update config['velocity']"),
    "x_in_place": ("def leaky_relu(x, *, slope=0.01, mode='leaky'):\n"
                   "    x[x < 0] *= 0.0 if mode == 'relu' else slope\n    return x\n",
                   "layers.leaky_relu", "changed its input x in place"),
    "no_slope": ("def leaky_relu(x, *, slope=0.01, mode='leaky'):\n    return np.maximum(x, 0)\n",
                 "layers.leaky_relu", "multiplies them by slope"),
    "uniform": ("def gaussian_noise(shape, std, rng):\n    return std * rng.uniform(-1.7, 1.7, shape)\n",
                "layers.gaussian_noise", "does not follow the reference's distribution"),
    "global_rng": ("def gaussian_noise(shape, std, rng):\n"
                   "    return std * np.random.standard_normal(shape)\n",
                   "layers.gaussian_noise", "numpy's global seed"),
    "fixed_seed": ("def gaussian_noise(shape, std, rng):\n"
                   "    return std * np.random.default_rng(0).standard_normal(shape)\n",
                   "layers.gaussian_noise", "gave the same sample"),
    "float32": ("def gaussian_noise(shape, std, rng):\n"
                "    return (std * rng.standard_normal(shape)).astype(np.float32)\n",
                "layers.gaussian_noise", "dtype float32"),
    "unnormalised": ("def unit_rows(x):\n    return x / np.abs(x).sum(axis=1, keepdims=True)\n",
                     "layers.unit_rows", "not 1"),
}


def _reference_source() -> str:
    lines = (CONTENT / "solutions" / "layers.py").read_text().splitlines()
    return "\n".join(line for line in lines if line.strip() not in (BEGIN, END))


def _with(source: str, function: str) -> str:
    """The reference module with one function replaced (the bug's definition appended last wins)."""
    return source + "\n\n" + function


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> Path:
    """The assignment's folder (a copy), with its stubs and public cases."""
    return stubbed(CONTENT, tmp_path_factory.mktemp("declared") / "declared")


@pytest.fixture(scope="module")
def students(declared, tmp_path_factory) -> dict[str, Path]:
    top = tmp_path_factory.mktemp("students")
    sources = {"good": _reference_source(), "stubs": (declared / "assignments" / "layers.py").read_text()}
    sources |= {name: _with(_reference_source(), bug) for name, (bug, _, _) in BUGS.items()}
    return students_of(top, sources)


def _scores(result) -> dict[str, float]:
    return {task.name: task.score for task in result.tasks}


def test_keyword_only_arguments_go_by_name_and_the_rest_by_position():
    assignment = load(CONTENT)
    plan = plan_cases(assignment.tasks, Reference(assignment), public_only=True)
    forms = {task.name: [case.positional for case in cases] for task, cases in plan}
    assert forms["layers.leaky_relu"] == [1] and forms["layers.momentum_step"] == [3]


def test_the_reference_never_alters_a_case_s_nested_dict():
    assignment = load(CONTENT)
    task = assignment.by_name["layers.momentum_step"]
    (planned,) = plan_cases([task], Reference(assignment), public_only=True, numerics=True)[0][1]
    made = make_inputs(task.cases[0].args, np.random.default_rng(case_seed(task.name, 0)))
    assert np.array_equal(planned.inputs["config"]["velocity"], made["config"]["velocity"])
    # ... while the expected values carry the reference's state after the call, which differs.
    after = planned.expected["state after the call"]["config"]["velocity"]
    assert not np.allclose(after, made["config"]["velocity"])


def test_the_reference_scores_full_and_each_bug_fails_its_task_with_its_cause(declared, students):
    assignment = load(declared)
    good = grade_submission(students["good"], isolated=False, assignment=assignment)
    assert good.score == good.max_score == 12, [c.message for t in good.tasks for c in t.cases
                                                if not c.passed]
    stubs = grade_submission(students["stubs"], isolated=False, assignment=assignment)
    assert stubs.score == 0
    for name, (_, task, cause) in BUGS.items():
        result = grade_submission(students[name], isolated=False, assignment=assignment)
        lost = {t: s for t, s in _scores(result).items() if s < _scores(good)[t]}
        assert list(lost) == [task], (name, lost)
        failures = [f"{c.message} {c.hint}" for t in result.tasks if t.name == task
                    for c in t.cases if not c.passed]
        assert any(cause in failure for failure in failures), (name, failures)


def test_a_dict_changed_in_place_gets_a_hint_about_dicts():
    before = {"x": np.ones(3), "bn_param": {"mode": "train", "running_mean": np.zeros(3)}}
    after = [np.ones(3), {"mode": "train", "running_mean": np.full(3, 0.5)}]
    with pytest.raises(Failed) as failed:
        check_inputs_unchanged("batchnorm_forward", before, Outcome(args_after=after))
    assert failed.value.message == "batchnorm_forward() changed its input bn_param['running_mean'] in place."
    assert "d = dict(bn_param)" in failed.value.hint and "bn_param + ..." not in failed.value.hint
    # Declared as state, the same change is judged against the reference's state after the call.
    check_inputs_unchanged("batchnorm_forward", before, Outcome(args_after=after), {"bn_param": after[1]})


def test_the_sandboxed_grader_passes_arguments_by_name(declared, students):
    graded = cli("grade", students["good"], "--assignment", declared, "--json")
    assert graded.returncode == 0, graded.stderr
    assert json.loads(graded.stdout)["score"] == 12
    graded = cli("grade", students["no_update"], "--assignment", declared, "--json")
    assert json.loads(graded.stdout)["score"] == 9


def test_the_self_check_judges_with_the_assignment_s_own_checks(declared, students):
    for student, expected in (("stubs", 0), ("good", 12), ("unnormalised", 9)):
        checked = cli("check", students[student], "--assignment", declared, "--json")
        assert json.loads(checked.stdout)["score"] == expected, (student, checked.stderr)
        assert checked.returncode == (0 if expected == 12 else 1)  # SPEC §3: full marks only


def test_the_release_carries_the_checks_file_and_self_checks_with_it(declared, students, tmp_path):
    out = tmp_path / "bundle"
    made = cli("release", out, "--assignment", declared)
    assert made.returncode == 0, made.stderr
    assert (out / "assignments" / "checks.py").is_file() and not list(out.rglob("tasks.py"))
    readme = (out / "README.md").read_text()
    assert "pytest -k leaky_relu" in readme and "conv" not in readme
    checked = run_in_bundle(out, "-m", "autograder", "check")
    assert checked.returncode == 1 and "total: 0 / 12" in checked.stdout, checked.stdout + checked.stderr
    shutil.copy(students["good"] / "layers.py", out / "assignments" / "layers.py")
    tested = run_in_bundle(out, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert "4 passed" in tested.stdout, tested.stdout[-2000:]


@pytest.mark.parametrize("old, new, words", [
    ('"unit_rows", (', '"no_such_check", (', "task layers.unit_rows names the check 'no_such_check'"),
    ('"no_slope")', '"no_such_hint")', "task layers.leaky_relu names the hint 'no_such_hint'"),
])
def test_a_task_naming_what_exists_nowhere_is_refused_at_load(old, new, words, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(CONTENT, folder)
    tasks = (folder / "tasks.py").read_text()
    assert old in tasks
    (folder / "tasks.py").write_text(tasks.replace(old, new))
    with pytest.raises(AssignmentError, match=words):
        load(folder)
    made = cli("stubs", "--assignment", folder)
    assert made.returncode != 0 and words in made.stderr and "Traceback" not in made.stderr


def test_the_nbgrader_course_s_kernels_judge_with_its_copy_of_the_cases_and_checks(declared, students,
                                                                                  tmp_path):
    """The course carries its public cases and checks file; a kernel that cannot import the reference
    (``course_kernel``) grades a test cell with them, whatever assignment the checkout defaults to."""
    course = tmp_path / "course"
    made = cli("nbgrader", course, "--assignment", declared)
    assert made.returncode == 0, made.stderr
    assert f"nbgrader-autograde . declared --assignment {declared}" in made.stdout
    assert (course / "public_cases" / "checks.py").is_file()
    assert str(declared) not in (course / "nbgrader_config.py").read_text()  # no path of this machine
    cell = ("import runpy\n"
            "from autograder.course_kernel import hide_reference\n"
            "hide_reference()\n"
            "from autograder.notebook_grading import grade_task\n"
            f"namespace = runpy.run_path({str(students['unnormalised'] / 'layers.py')!r})\n"
            "print('score', grade_task('layers.unit_rows', namespace),\n"
            "      grade_task('layers.leaky_relu', namespace))\n")
    environment = {**os.environ, **_environment_of(course / "nbgrader_config.py")}
    ran = subprocess.run([sys.executable, "-c", cell], cwd=tmp_path, env=environment, capture_output=True,
                         text=True, timeout=120)
    assert "score 0.0 3.0" in ran.stdout, ran.stdout + ran.stderr
    assert "the rows of out have lengths" in ran.stdout


def _environment_of(config: Path) -> dict[str, str]:
    """The environment variables that an nbgrader_config.py sets, run as nbgrader runs it."""
    from traitlets.config import Config

    before = dict(os.environ)
    try:
        runpy.run_path(str(config), init_globals={"get_config": Config})
        return {name: value for name, value in os.environ.items() if before.get(name) != value}
    finally:
        os.environ.clear()
        os.environ.update(before)
