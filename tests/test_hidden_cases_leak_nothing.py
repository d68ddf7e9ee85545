"""SPEC §3, "What a hidden case shows": never its inputs, what the student's code printed, or the
message of an exception the student's code raised; public cases show all of these.

A hostile submission tries every channel it has to carry a hidden input into its feedback: it
prints the input, raises it as an exception message, names an exception class after it, warns
with it, returns it as a string, a float or as dict keys. The class is graded by ``autograder
batch`` (the isolated grader, as a TA runs it) and every file it writes, and its terminal output,
are searched for every hidden input, as hex and as the numbers ``print`` and ``repr`` show.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.grade import hidden_plan
from tests.bugcorpus import _splice, reference_source, write_submission

ROOT = Path(__file__).resolve().parent.parent

# Each function leaks its first array argument one way, then fails, on every case.
LEAKS = {
    "conv": {
        "conv_forward": '''def conv_forward(x, w, b, stride=1, pad=0):
    print("x is", x, repr(x.ravel()[:4].tolist()))
    raise ValueError(x.tobytes().hex())''',
        "conv_param_count": '''def conv_param_count(f, c, k, bias=True):
    import warnings
    warnings.warn(f"secret {f}{c}{k}")
    raise KeyError("param " + str(f * 1000 + c))''',
    },
    "basics": {
        "mse_loss": '''def mse_loss(y_pred, y):
    return float(y_pred.ravel()[0]), y_pred''',
        "affine_forward": '''def affine_forward(x, W, b):
    import warnings
    warnings.warn(x.tobytes().hex()[:64], RuntimeWarning)
    raise type("E" + x.tobytes().hex()[:60], (Exception,), {})()''',
    },
    "char_rnn": {
        "sample": '''def sample(params, vocab, start, length):
    return "x" * _digits(params["Wx"])  # a length''',
        "char_rnn_loss": '''def char_rnn_loss(params, inputs, targets):
    return 1.0, {params["Wx"].tobytes().hex()[:40]: params["Wx"], "Wx": params["Wx"]}''',
    },
    "lstm": {
        "lstm_step_forward": '''def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    raise type("Timeout", (Exception,), {})(x.tobytes().hex())  # named like the grader's own error''',
        "lstm_forward": '''def lstm_forward(x, h0, Wx, Wh, b):
    import child  # the worker's own module: its error class, with the grader's names
    raise child.StudentError("MissingFunction", x.tobytes().hex())''',
    },
    "dropout": {
        "dropout_forward": '''def dropout_forward(x, p, rng, train=True):
    exec(compile("raise ValueError()", x.tobytes().hex()[:30] + ".py", "exec"))  # a file name''',
    },
    "rnn": {
        "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
    import warnings
    warnings.warn("overflow encountered in " + x.tobytes().hex()[:28], RuntimeWarning)  # numpy's words
    return np.zeros((0, _digits(x))), None  # a shape''',
        "clip_grad_norm": '''def clip_grad_norm(grads, max_norm):
    return [np.zeros(1)] * (_digits(grads[0]) % 1000), 0.0  # a list's length''',
        "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
    class Cache:
        pass
    cache = type("C" + x.tobytes().hex()[:50], (Cache,), {})()
    print(x.tobytes().hex())
    return x, cache''',
    },
}


# Six digits of an array's first value, as a number: how a leak through a length, a shape or an int looks.
DIGITS = '''
def _digits(array):
    return int(f"{abs(float(array.ravel()[0])):.10f}".split(".")[1][:6])
'''


def _digits(value: np.ndarray | dict | list) -> str:
    """What the student's ``_digits`` gives for an argument (a dict: its Wx; a list: its first)."""
    array = value["Wx"] if isinstance(value, dict) else value[0] if isinstance(value, list) else value
    return str(int(f"{abs(float(array.ravel()[0])):.10f}".split(".")[1][:6]))


def _hidden_secrets() -> set[str]:
    """Every hidden float input as the student's code could spell it: hex, repr, print's digits."""
    secrets = set()
    for _, cases in hidden_plan():
        for planned in cases:
            if planned.case.public:
                continue
            arrays = [v for v in planned.inputs.values() if isinstance(v, np.ndarray)]
            arrays += [v for d in planned.inputs.values() if isinstance(d, dict) for v in d.values()]
            for array in arrays:
                if array.dtype.kind != "f" or array.size == 0:
                    continue
                secrets.add(array.tobytes().hex()[:24])
                first = float(array.ravel()[0])
                secrets.add(repr(first)[:10])
                secrets.add(np.array2string(array.ravel()[:1], precision=8).strip("[] "))
    return {s for s in secrets if len(s.strip("-0.")) >= 6}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("leak")
    student = write_submission(base / "class" / "leaker")
    for module, functions in LEAKS.items():
        path = student / f"{module}.py"
        path.write_text(_splice(reference_source(module), functions) + DIGITS)
    out = base / "out"
    command = [sys.executable, "-m", "autograder", "batch", str(base / "class"), "--out", str(out)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out, run.stdout + run.stderr


def test_the_leaking_functions_failed_with_their_type_and_place(graded):
    out, _ = graded
    feedback = (out / "students" / "leaker" / "feedback.md").read_text()
    assert "raised ValueError in conv.py, line" in feedback
    assert "raised an exception of its own class in basics.py, line" in feedback
    assert "a hidden case shows no exception message" in feedback


def test_no_hidden_input_appears_in_any_output(graded):
    out, terminal = graded
    secrets = _hidden_secrets()
    assert len(secrets) > 50
    texts = {"terminal": terminal}
    texts |= {str(p.relative_to(out)): p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()
              and p.suffix in (".json", ".md", ".csv", ".html", ".txt")}
    assert any(name.endswith("results.json") for name in texts) and any("report" in n for n in texts)
    leaks = sorted((name, s) for name, text in texts.items() for s in secrets if s in text)
    assert not leaks, leaks[:5]


def test_no_number_the_student_chose_from_a_hidden_input_appears(graded):
    """A returned shape, a string's or a list's length: only the sizes the case expects are shown."""
    out, terminal = graded
    numbers = {_digits(planned.inputs[name]) for task, cases in hidden_plan() for planned in cases
               if not planned.case.public for name in ("x", "params", "grads") if name in planned.inputs
               and task.name in ("rnn.rnn_forward", "rnn.clip_grad_norm", "char_rnn.sample")}
    numbers |= {str(int(n) % 1000) for n in numbers}
    numbers = {n for n in numbers if len(n) >= 3}
    texts = [terminal] + [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()
                          and p.suffix in (".json", ".md", ".csv", ".html")]
    leaks = {n for n in numbers for text in texts if re.search(rf"(?<![\d.]){n}(?![\d.])", text)}
    assert len(numbers) >= 4 and not leaks, leaks


def test_a_public_case_shows_what_the_student_printed_and_raised(graded):
    out, _ = graded
    feedback = (out / "students" / "leaker" / "feedback.md").read_text()
    assert "x is [[[[" in feedback  # conv_forward's public case: its print is the student's to read
    assert "raised ValueError: " in feedback


# A hidden case keeps its input in a global (and passes); a public case of a later task prints it.
KEPT_FOR_LATER = {
    "conv_param_count": '''def conv_param_count(f, c, k, bias=True):
    globals()["_kept"] = f"kept-{f}-{c}-{k}-{bias}"
    return f * f * c * k + (k if bias else 0)''',
    "conv_output_size": '''def conv_output_size(n, f, pad=0, stride=1):
    print("earlier:", globals().get("_kept"))
    if stride < 1 or pad < 0 or f < 1 or f > n + 2 * pad or (n + 2 * pad - f) % stride:
        raise ValueError(f"no output size for n={n}, f={f}, pad={pad}, stride={stride}")
    return (n + 2 * pad - f) // stride + 1''',
}


def test_a_worker_that_ran_a_hidden_case_shows_nothing_to_a_later_public_case(tmp_path):
    from autograder.grade import grade_submission

    student = write_submission(tmp_path / "keeper")
    (student / "conv.py").write_text(_splice(reference_source("conv"), KEPT_FOR_LATER))
    result = grade_submission(student)
    assert result.score == result.max_score
    public_output = "".join(case.output for task in result.tasks for case in task.cases if case.public)
    assert "earlier: None" in public_output  # conv_forward's public cases print, and that is shown
    hidden = [case for task, cases in hidden_plan() if task.name == "conv.conv_param_count" for case in cases
              if not case.case.public]
    for case in hidden:
        args = case.inputs
        assert f"kept-{args['f']}-{args['c']}-{args['k']}" not in public_output


# A hidden case ends its worker; the next worker, forked by the child, looks up its own stack for the
# request the child was serving when it forked it, and a public case prints what it finds.
FORKED_WITH_THE_REQUEST = {
    "conv_param_count": '''def conv_param_count(f, c, k, bias=True):
    import os
    if (f, c, k) != (5, 3, 10):  # not the public case: end the worker in the middle of the call
        os._exit(3)
    return f * f * c * k + (k if bias else 0)''',
    "conv_output_size": '''def conv_output_size(n, f, pad=0, stride=1):
    import json, sys
    frame = sys._getframe()
    while frame is not None:
        if "header" in frame.f_locals:
            print("FOUND", json.dumps(frame.f_locals["header"])[:3000], frame.f_locals.get("buffers"))
        frame = frame.f_back
    if stride < 1 or pad < 0 or f < 1 or f > n + 2 * pad or (n + 2 * pad - f) % stride:
        raise ValueError(f"no output size for n={n}, f={f}, pad={pad}, stride={stride}")
    return (n + 2 * pad - f) // stride + 1''',
}


def test_a_worker_forked_after_a_hidden_case_holds_nothing_of_its_request(tmp_path):
    from autograder.grade import grade_submission

    student = write_submission(tmp_path / "forked")
    (student / "conv.py").write_text(_splice(reference_source("conv"), FORKED_WITH_THE_REQUEST))
    result = grade_submission(student)
    public_output = "".join(case.output for task in result.tasks for case in task.cases if case.public)
    assert "FOUND" in public_output or "conv_forward" not in public_output  # the walk ran, and printed
    assert '"call"' not in public_output and "conv_param_count" not in public_output, public_output[:500]
