"""What the grading engine guarantees, whatever a submission does.

Same submission, same result; one misbehaving case (an exception, NaN, a wrong type or shape) costs
that case only and never stops the grader; warnings are reported, not fatal; a missing or broken
module costs only its tasks; the CLI prints ONE JSON object (SPEC §3); hidden cases show no expected
value; and the numerical gradient checks themselves find what they are meant to find.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from bugcorpus import Bug, load_bug, write_submission

from autograder import cli, gradcheck
from autograder.grade import GradeResult, grade_submission, hidden_plan
from autograder.stubs import ROOT
from tests.week4 import ASSIGNMENTS, BY_NAME, SOLUTIONS, TASKS

BUGGY = ("conv_flipped_kernel", "basics_mse_summed", "conv_param_count_no_bias", "rnn_clip_per_array",
         "lstm_dprev_c_without_f", "conv_output_pad_once")
EXPECTED_VALUE = re.compile(r"expected\s*[-+]?\.?\d")  # "expected 760", "expected -0.42": a reference value


def _buggy(tmp_path):
    return write_submission(tmp_path / "buggy", [load_bug(ROOT / "tests" / "bugs" / f"{name}.py")
                                                 for name in BUGGY])


def _patched(tmp_path, module: str, **functions: str):
    """The reference with some functions of ``module`` replaced by the given sources."""
    bug = Bug("patched", module, "", "", (), "", functions)
    return write_submission(tmp_path / "patched", [bug])


def _without_time(result: GradeResult) -> dict:
    data = result.to_json()
    del data["elapsed_seconds"]
    return data


# --- determinism -----------------------------------------------------------------------------------

def test_grading_twice_gives_the_same_result(tmp_path):
    path = _buggy(tmp_path)
    first, second = grade_submission(path, isolated=False), grade_submission(path, isolated=False)
    assert first.score < 100
    assert _without_time(first) == _without_time(second)


def test_isolated_grading_gives_the_same_result_as_in_process(tmp_path):
    path = _buggy(tmp_path)
    isolated, in_process = grade_submission(path), grade_submission(path, isolated=False)
    assert isolated.isolation["mode"].startswith("subprocess")
    assert isolated.to_json()["tasks"] == in_process.to_json()["tasks"]
    assert isolated.score == in_process.score


# --- one misbehaving case costs that case only ----------------------------------------------------

MISBEHAVING = {
    "basics": {
        "mse_loss": '''def mse_loss(y_pred, y):
    if y_pred.ndim == 3:
        raise RuntimeError("boom")
    if y_pred.shape != y.shape:
        raise ValueError(f"shapes {y_pred.shape} and {y.shape} differ")
    diff = y_pred - y
    return float(np.mean(diff**2)), 2 * diff / diff.size''',
        "affine_forward": '''def affine_forward(x, W, b):
    out = x @ W + b
    return (out.tolist() if x.shape[0] == 1 else out), (x, W)''',
        "affine_backward": '''def affine_backward(dout, cache):
    x, W = cache
    if x.shape[0] == 6:
        return dout @ W.T, x.T @ dout
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)''',
        "sgd_step": '''def sgd_step(params, grads, lr):
    return [p - lr * g + (np.nan if lr == 1.5 else 0.0) for p, g in zip(params, grads)]''',
    },
    "conv": {
        "conv_param_count": '''def conv_param_count(f, c, k, bias=True):
    if not bias:
        raise NotImplementedError
    return k * (f * f * c + 1)''',
        "conv_forward": '''def conv_forward(x, w, b, stride=1, pad=0):
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out))
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            out += np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])
    out += b[None, :, None, None]
    if x.shape == (1, 2, 8, 6):
        out = out[:, :, :-1]
    return out, (xpad, w, stride, pad)''',
    },
    "rnn": {
        "clip_grad_norm": '''def clip_grad_norm(grads, max_norm):
    np.log(np.zeros(1))
    total_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    return [g * scale for g in grads], total_norm''',
    },
    "char_rnn": {
        "sample": '''def sample(params, vocab, start, length):
    if vocab == "abc":
        raise SystemExit(1)
    text, h = start, np.zeros((1, params["Wh"].shape[0]))
    for _ in range(length - 1):
        x = one_hot(np.array([[vocab.index(text[-1])]]), len(vocab))
        h = rnn_forward(x, h, params["Wx"], params["Wh"], params["b"])[0][:, -1]
        text += vocab[int(np.argmax(h @ params["Why"] + params["by"]))]
    return text''',
    },
}
# task -> (label of the one case that must fail, words its message and hint must contain)
FAILS = {
    "basics.mse_loss": ("shape (2, 3, 5)", ["raised RuntimeError in basics.py, line"]),
    "basics.affine_forward": ("N=1, D=3, M=2", ["out should be an ndarray of shape (1, 2); it is a list"]),
    "basics.affine_backward": ("N=6, D=2, M=7",
                               ["should return a tuple of 3 values (dx, dW, db); it returned 2 values"]),
    "basics.sgd_step": ("three parameters, lr 1.5", ["NaN"]),
    "conv.conv_param_count": ("ten 5x5x3 filters without bias", ["not written yet"]),
    "conv.conv_forward": ("x(1, 2, 8, 6), w(3, 2, 3, 2), stride 1, pad 1",
                          ["out has shape (1, 3, 7, 7); expected (1, 3, 8, 7)",
                           "H' = (H + 2P - HH)/S + 1 = (8 + 2*1 - 3)/1 + 1"]),
    "char_rnn.sample": ("vocab 'abc', 8 characters from 'c'", ["raised SystemExit"]),
}


def test_a_misbehaving_case_fails_alone_with_a_message(tmp_path):
    bugs = [Bug(f"misbehaving_{module}", module, "", "", (), "", functions)
            for module, functions in MISBEHAVING.items()]
    result = grade_submission(write_submission(tmp_path / "misbehaving", bugs), isolated=False)
    assert [task.name for task in result.tasks] == [task.name for task in TASKS], "every task was graded"
    for task in result.tasks:
        failed = [case for case in task.cases if not case.passed]
        if task.name not in FAILS:
            assert not failed, f"{task.name} lost {[(c.label, c.message) for c in failed]}"
            continue
        label, words = FAILS[task.name]
        assert [case.label for case in failed] == [label], task.name
        share = 1 - 1 / len(task.cases)
        assert task.score == pytest.approx(task.max_score * share, abs=1e-4), task.name
        for word in words:
            assert word in f"{failed[0].message}\n{failed[0].hint}", task.name


def test_numpy_warnings_are_reported_not_fatal(tmp_path):
    path = _patched(tmp_path, "rnn", clip_grad_norm=MISBEHAVING["rnn"]["clip_grad_norm"])
    plan = [(task, cases) for task, cases in hidden_plan() if task.name == "rnn.clip_grad_norm"]
    (task,) = grade_submission(path, isolated=False, plan=plan).tasks
    assert task.score == task.max_score
    assert all(any("RuntimeWarning: divide by zero" in w for w in case.warnings) for case in task.cases)


# --- a missing or broken module costs only its tasks --------------------------------------------

def test_a_missing_or_broken_module_costs_only_its_tasks(tmp_path):
    path = write_submission(tmp_path / "partial")
    (path / "lstm.py").unlink()
    (path / "conv.py").write_text((path / "conv.py").read_text() + "\ndef broken(:\n    pass\n")
    result = grade_submission(path, isolated=False)
    lost = {"lstm": "the submission has no lstm.py", "conv": "conv.py does not import"}
    for task in result.tasks:
        module = BY_NAME[task.name].module
        if module in lost:
            assert task.score == 0 and all(lost[module] in case.message for case in task.cases), task.name
        else:
            assert task.score == task.max_score, task.name
    assert result.score == 100 - sum(t.points for t in TASKS if t.module in lost)
    assert any("lstm.py is missing" in problem for problem in result.problems)


# --- the command line ------------------------------------------------------------------------------

def test_cli_grade_json_is_one_object_and_exits_0_at_score_0():
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(ASSIGNMENTS), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)  # raises unless stdout is exactly one JSON document
    assert isinstance(data, dict) and data["score"] == 0.0 and data["max_score"] == 100.0
    assert [task["name"] for task in data["tasks"]] == list(BY_NAME)
    for task in data["tasks"]:
        assert isinstance(task["score"], float) and task["max_score"] == float(BY_NAME[task["name"]].points)


def test_cli_grade_of_a_missing_path_fails_with_one_line(tmp_path, capsys):
    status = cli.main(["grade", str(tmp_path / "nowhere"), "--json"])
    out, err = capsys.readouterr()
    assert status != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "nowhere" in err


# --- hidden cases keep their answers ---------------------------------------------------------------

def test_hidden_cases_show_no_expected_value(tmp_path):
    result = grade_submission(_buggy(tmp_path), isolated=False)
    failed = [case for task in result.tasks for case in task.cases if not case.passed]
    hidden = [case for case in failed if not case.public]
    assert len(hidden) > 10
    for case in hidden:
        assert not EXPECTED_VALUE.search(f"{case.message}\n{case.hint}"), case.message
    # the pattern does catch what public cases show
    assert any(EXPECTED_VALUE.search(case.message) for case in failed if case.public)


# --- the numerical gradient checks -----------------------------------------------------------------

def _quadratic(scale: np.ndarray):
    """f(x) = sum(scale * x**2) / 2 and its exact gradient scale * x."""
    return (lambda x: float(np.sum(scale * x**2) / 2)), (lambda x: scale * x)


def test_full_check_passes_a_right_gradient_and_locates_a_wrong_element():
    rng = np.random.default_rng(0)
    x, scale = rng.standard_normal((3, 4)), rng.uniform(1, 2, (3, 4))
    f, grad = _quadratic(scale)
    right = gradcheck.full_check(f, x, grad(x))
    assert right.ok and right.rel_error < 1e-7 and right.evaluations == 2 * x.size + 1
    planted = grad(x)
    planted[1, 2] += 0.5
    wrong = gradcheck.full_check(f, x, planted)
    assert not wrong.ok and wrong.worst_index == (1, 2)
    assert wrong.analytic == planted[1, 2] and wrong.numeric == pytest.approx(grad(x)[1, 2], abs=1e-8)


def test_directional_check_catches_an_error_orthogonal_to_the_all_ones_direction():
    rng = np.random.default_rng(1)
    x, scale = rng.standard_normal(20), rng.uniform(1, 2, 20)
    f, grad = _quadratic(scale)
    wrong = grad(x)
    wrong[0] += 0.3
    wrong[1] -= 0.3  # the error (0.3, -0.3, 0, ...) is orthogonal to (1, 1, ..., 1)
    ones = np.ones_like(x) / np.sqrt(x.size)
    along_ones = (f(x + gradcheck.H * ones) - f(x - gradcheck.H * ones)) / (2 * gradcheck.H)
    assert np.sum(wrong * ones) == pytest.approx(along_ones, rel=1e-8), "one fixed direction misses it"
    for seed in range(5):
        assert gradcheck.directional_check(f, x, grad(x), seed=seed).ok
        caught = gradcheck.directional_check(f, x, wrong, seed=seed)
        assert not caught.ok and caught.rel_error > 1e-3 and caught.evaluations == 2 * 3 + 1


def test_relative_error_near_zero_follows_cs231n():
    assert gradcheck.rel_error(0.0, 0.0) == 0.0
    # |a - n| / max(1e-8, |a| + |n|): tiny values are divided by the floor, not by themselves
    assert gradcheck.rel_error(1e-12, -1e-12) == pytest.approx(2e-4)
    assert gradcheck.rel_error(1e-3, 0.0) == 1.0
    assert gradcheck.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 4e-7])) == pytest.approx(1e-7)
    flat = lambda x: 3.0  # noqa: E731 - a constant function: its gradient is exactly zero
    x = np.arange(4.0)
    assert gradcheck.full_check(flat, x, np.zeros(4)).ok
    assert gradcheck.full_check(flat, x, np.full(4, 1e-12)).ok, "round-off around zero passes"
    off = gradcheck.full_check(flat, x, np.eye(4)[2])
    assert not off.ok and off.worst_index == (2,) and off.rel_error == 1.0


def test_a_symlinked_module_is_not_graded_as_the_students_own(tmp_path):
    """A link to the reference must not earn the reference's points."""
    submission = write_submission(tmp_path / "linked")
    (submission / "conv.py").unlink()
    (submission / "conv.py").symlink_to(SOLUTIONS / "conv.py")
    result = grade_submission(submission, isolated=False)
    conv = [t for t in result.tasks if t.name.startswith("conv.")]
    assert all(t.score == 0 for t in conv)
    assert any("symbolic link" in p for p in result.problems)


def test_the_total_budget_fails_the_cases_not_started_in_time(tmp_path):
    """A budget of zero: no case runs, every case says why, the grader returns a result."""
    from autograder.sandbox import Limits

    result = grade_submission(write_submission(tmp_path / "slow"), isolated=False, limits=Limits(total=0))
    cases = [c for t in result.tasks for c in t.cases]
    assert result.score == 0 and cases
    assert all(not c.passed and "used up its 0 s" in c.message for c in cases)


SLOW_JUST_UNDER_EVERY_LIMIT = """
import time as _time

_time.sleep(4.5)  # just under the import limit (5 s), in every fresh worker


def _slow(function):
    def just_under_the_call_limit(*args, **kwargs):
        _time.sleep(0.9)
        return function(*args, **kwargs)
    return just_under_the_call_limit


for _name in [name for name, value in list(globals().items()) if callable(value) and not name.startswith("_")
              and getattr(value, "__module__", None) == __name__]:
    globals()[_name] = _slow(globals()[_name])
"""


def test_a_submission_slow_just_under_every_limit_ends_within_its_budget(tmp_path):
    """Every import and call just under its limit: the submission's time, all of it, is its budget."""
    from autograder.sandbox import Limits

    folder = write_submission(tmp_path / "slow")
    for module in folder.glob("*.py"):
        module.write_text(module.read_text() + SLOW_JUST_UNDER_EVERY_LIMIT)
    limits = Limits(total=12.0, wall=1.0, floor=1.0, factor=1.0)
    result = grade_submission(folder, limits=limits)
    assert result.elapsed_seconds < limits.total + 6, "imports, calls and restarts count against the budget"
    messages = [case.message for task in result.tasks for case in task.cases if not case.passed]
    assert result.score < 100 and any("share of the submission's time" in m for m in messages)
