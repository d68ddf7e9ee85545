"""The student stubs in assignments/ are generated from solutions/ and hold no solution."""

import importlib
import inspect

import numpy as np
import pytest

from autograder import public, stubs
from autograder.stubs import MarkerError, make_stub, solution_blocks
from tests.week4 import ASSIGNMENTS, MODULES, SOLUTIONS

SOLUTION_MODULES = {name: importlib.import_module(f"solutions.{name}") for name in MODULES}
STUB_MODULES = {name: importlib.import_module(f"assignments.{name}") for name in MODULES}
# given helpers, written outside the solution markers: they work in the stubs
HELPERS = {("char_rnn", "one_hot"), ("char_rnn", "init_params"), ("lstm", "sigmoid")}


def _public_functions(module):
    return {
        name
        for name, obj in vars(module).items()
        if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")
    }


# ---------------------------------------------------------------- drift


def test_assignments_match_the_generator_exactly():
    """Fails when solutions/ (or the generator) changed without `autograder stubs` being rerun."""
    on_disk = {path.name: path.read_text() for path in ASSIGNMENTS.glob("*.py")}
    expected = stubs.expected_assignments()
    assert sorted(on_disk) == sorted(expected)
    assert sorted(p.name for p in ASSIGNMENTS.iterdir() if p.is_file()) == sorted(
        [*expected, public.FILENAME]
    )
    for name, text in expected.items():
        assert on_disk[name] == text, f"assignments/{name} is stale: regenerate with `autograder stubs`"


@pytest.mark.parametrize("module", MODULES)
def test_stubs_keep_every_public_function_and_signature(module):
    solution, stub = SOLUTION_MODULES[module], STUB_MODULES[module]
    assert _public_functions(stub) == _public_functions(solution)
    for name in _public_functions(solution):
        assert inspect.signature(getattr(stub, name)) == inspect.signature(getattr(solution, name)), name


# ---------------------------------------------------------------- every graded function raises


def _arrays(rng, *shapes):
    return tuple(rng.standard_normal(s) for s in shapes)


def _valid_calls(rng):
    """(module, function) -> (args, kwargs): valid inputs; caches come from the reference forward passes."""
    sol = SOLUTION_MODULES
    x, W, b = _arrays(rng, (3, 4), (4, 2), (2,))
    _, affine_cache = sol["basics"].affine_forward(x, W, b)
    cx, cw, cb = _arrays(rng, (2, 3, 5, 5), (4, 3, 3, 3), (4,))
    conv_out, conv_cache = sol["conv"].conv_forward(cx, cw, cb, stride=2, pad=1)
    pool_out, pool_cache = sol["conv"].max_pool_forward(cx, size=3, stride=2)
    _, drop_cache = sol["dropout"].dropout_forward(x, 0.5, np.random.default_rng(0))
    sx, sh, sWx, sWh, sb = _arrays(rng, (2, 3), (2, 4), (3, 4), (4, 4), (4,))
    _, step_cache = sol["rnn"].rnn_step_forward(sx, sh, sWx, sWh, sb)
    qx = rng.standard_normal((2, 5, 3))
    _, rnn_cache = sol["rnn"].rnn_forward(qx, sh, sWx, sWh, sb)
    lWx, lWh, lb = _arrays(rng, (3, 16), (4, 16), (16,))
    _, _, lstm_step_cache = sol["lstm"].lstm_step_forward(sx, sh, sh, lWx, lWh, lb)
    _, lstm_cache = sol["lstm"].lstm_forward(qx, sh, lWx, lWh, lb)
    params = sol["char_rnn"].init_params(4, 8, np.random.default_rng(0))
    chars = rng.integers(0, 4, (1, 4))
    return {
        ("basics", "mse_loss"): ((x, x + 1), {}),
        ("basics", "affine_forward"): ((x, W, b), {}),
        ("basics", "affine_backward"): ((rng.standard_normal((3, 2)), affine_cache), {}),
        ("basics", "sgd_step"): (([W, b], [W, b], 0.1), {}),
        ("conv", "conv_output_size"): ((7, 3), {"pad": 1, "stride": 2}),
        ("conv", "conv_param_count"): ((5, 3, 10), {}),
        ("conv", "conv_forward"): ((cx, cw, cb), {"stride": 2, "pad": 1}),
        ("conv", "conv_backward"): ((rng.standard_normal(conv_out.shape), conv_cache), {}),
        ("conv", "max_pool_forward"): ((cx,), {"size": 3, "stride": 2}),
        ("conv", "max_pool_backward"): ((rng.standard_normal(pool_out.shape), pool_cache), {}),
        ("dropout", "dropout_mask"): (((3, 4), 0.5, np.random.default_rng(0)), {}),
        ("dropout", "dropout_forward"): ((x, 0.5, np.random.default_rng(0)), {}),
        ("dropout", "dropout_backward"): ((x, drop_cache), {}),
        ("rnn", "rnn_step_forward"): ((sx, sh, sWx, sWh, sb), {}),
        ("rnn", "rnn_step_backward"): ((sh, step_cache), {}),
        ("rnn", "rnn_forward"): ((qx, sh, sWx, sWh, sb), {}),
        ("rnn", "rnn_backward"): ((rng.standard_normal((2, 5, 4)), rnn_cache), {}),
        ("rnn", "clip_grad_norm"): (([sWx, sWh], 1.0), {}),
        ("lstm", "lstm_step_forward"): ((sx, sh, sh, lWx, lWh, lb), {}),
        ("lstm", "lstm_step_backward"): ((sh, sh, lstm_step_cache), {}),
        ("lstm", "lstm_forward"): ((qx, sh, lWx, lWh, lb), {}),
        ("lstm", "lstm_backward"): ((rng.standard_normal((2, 5, 4)), lstm_cache), {}),
        ("char_rnn", "softmax_cross_entropy"): ((rng.standard_normal((1, 4, 4)), chars), {}),
        ("char_rnn", "char_rnn_loss"): ((params, chars, chars), {}),
        ("char_rnn", "sample"): ((params, "ehlo", "h", 5), {}),
        ("char_rnn", "train_char_rnn"): ((), {}),
    }


GRADED = sorted(_valid_calls(np.random.default_rng(0)))


def test_every_public_function_is_graded_or_a_given_helper():
    public = {(module, name) for module in MODULES for name in _public_functions(STUB_MODULES[module])}
    assert public == set(GRADED) | HELPERS


@pytest.mark.parametrize("module, name", GRADED, ids=[f"{m}.{n}" for m, n in GRADED])
def test_graded_stub_raises_not_implemented(module, name, rng):
    args, kwargs = _valid_calls(rng)[module, name]
    # the reference accepts these inputs, so the stub's error cannot come from an input check
    getattr(SOLUTION_MODULES[module], name)(*args, **kwargs)
    with pytest.raises(NotImplementedError, match=name):
        getattr(STUB_MODULES[module], name)(*args, **kwargs)


def test_given_helpers_work_in_the_stubs():
    a = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(STUB_MODULES["lstm"].sigmoid(a), SOLUTION_MODULES["lstm"].sigmoid(a))
    idx = np.array([[0, 3, 1]])
    np.testing.assert_array_equal(
        STUB_MODULES["char_rnn"].one_hot(idx, 4), SOLUTION_MODULES["char_rnn"].one_hot(idx, 4)
    )
    stub_params = STUB_MODULES["char_rnn"].init_params(4, 5, np.random.default_rng(3))
    ref_params = SOLUTION_MODULES["char_rnn"].init_params(4, 5, np.random.default_rng(3))
    assert stub_params.keys() == ref_params.keys()
    for key in ref_params:
        np.testing.assert_array_equal(stub_params[key], ref_params[key])


# ---------------------------------------------------------------- no solution leaks


def _code_lines(lines):
    return {line.strip() for line in lines if line.strip() and not line.strip().startswith("#")}


def _outside_blocks(source):
    """The solution file's lines outside every solution block (public anyway: signatures, checks, ...)."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.strip() in (stubs.BEGIN, stubs.END):
            inside = line.strip() == stubs.BEGIN
        elif not inside:
            kept.append(line)
    return kept


@pytest.mark.parametrize("module", MODULES)
def test_no_solution_code_in_the_stubs(module):
    source = (SOLUTIONS / f"{module}.py").read_text()
    stub_lines = _code_lines((ASSIGNMENTS / f"{module}.py").read_text().splitlines())
    public = _code_lines(_outside_blocks(source))  # e.g. a bare ")" or "return dx" also used outside
    blocks = solution_blocks(source)
    assert blocks, f"solutions/{module}.py has no solution block"
    for function, body in blocks:
        secret = _code_lines(body) - public
        assert secret, f"{function}: a solution block without code of its own"
        leaked = secret & stub_lines
        assert not leaked, f"assignments/{module}.py holds solution code of {function}: {sorted(leaked)}"


@pytest.mark.parametrize("module", MODULES)
def test_stubs_keep_the_hints_and_no_markers(module):
    source = (SOLUTIONS / f"{module}.py").read_text()
    stub = (ASSIGNMENTS / f"{module}.py").read_text()
    assert stubs.BEGIN not in stub and stubs.END not in stub
    for function, body in solution_blocks(source):
        hint = []
        for line in body:
            if not line.strip().startswith("#"):
                break
            hint.append(line)
        assert hint, f"{function}: the solution block opens without a hint"
        assert "\n".join(hint) in stub, f"{function}: the hint is missing from the stub"


# ---------------------------------------------------------------- the generator itself


def test_make_stub_replaces_the_block_and_keeps_the_hint():
    source = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    if x < 0:\n"
        "        raise ValueError('x')\n"
        "    # BEGIN SOLUTION\n"
        "    # TODO: double it.\n"
        "    y = 2 * x\n"
        "    # END SOLUTION\n"
        "    return y\n"
    )
    assert make_stub(source) == (
        "def f(x):\n"
        '    """Doc."""\n'
        "    if x < 0:\n"
        "        raise ValueError('x')\n"
        "    # TODO: double it.\n"
        '    raise NotImplementedError("f: write this part (see the TODO above)")\n'
        "    return y\n"
    )


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", r"BEGIN SOLUTION in f\(\) is never closed"),
        (
            "def f():\n    return 1\n    # END SOLUTION\n",
            r"line 3: # END SOLUTION without a # BEGIN SOLUTION",
        ),
        (
            "def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n",
            r"line 3: # BEGIN SOLUTION inside another solution block",
        ),
        (
            "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n    # END SOLUTION\n",
            r"line 5: # END SOLUTION without",
        ),
    ],
    ids=["begin-never-closed", "end-without-begin", "nested-begin", "extra-end"],
)
def test_make_stub_rejects_unbalanced_markers(source, message):
    with pytest.raises(MarkerError, match=message):
        make_stub(source)
