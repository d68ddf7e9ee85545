"""Tests of the reference solutions/lstm.py (gate order i, f, o, g)."""

import inspect
import warnings

import numpy as np
import pytest

from solutions import lstm

PUBLIC = {
    name
    for name, obj in vars(lstm).items()
    if inspect.isfunction(obj) and obj.__module__ == lstm.__name__ and not name.startswith("_")
}


def _weights(D, H, rng):
    return {
        "Wx": rng.normal(0, 0.5, (D, 4 * H)),
        "Wh": rng.normal(0, 0.5, (H, 4 * H)),
        "b": rng.normal(0, 0.5, 4 * H),
    }


def _step(x, prev_h, prev_c, Wx, Wh, b):
    """The lecture's LSTM step, written out: [i f o] = sigmoid, g = tanh."""
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = (1 / (1 + np.exp(-a[:, k * H : (k + 1) * H])) for k in range(3))
    g = np.tanh(a[:, 3 * H :])
    c = f * prev_c + i * g
    return o * np.tanh(c), c


# ---------------------------------------------------------------- sigmoid (a given helper)


def test_sigmoid_values_and_no_overflow():
    a = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = lstm.sigmoid(a)
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-a[1:-1])), rtol=1e-14)
    assert s[0] == 0.0 and s[-1] == 1.0


# ---------------------------------------------------------------- forward


def test_lstm_step_forward_formula(rng):
    inputs = {
        "x": rng.standard_normal((3, 4)),
        "prev_h": rng.standard_normal((3, 2)),
        "prev_c": rng.standard_normal((3, 2)),
        **_weights(4, 2, rng),
    }
    next_h, next_c, _ = lstm.lstm_step_forward(**inputs)
    expected_h, expected_c = _step(**inputs)
    np.testing.assert_allclose(next_c, expected_c, rtol=1e-13)
    np.testing.assert_allclose(next_h, expected_h, rtol=1e-13)


G0 = np.tanh(0.5)  # the candidate g when its bias block is 0.5
# gate block saturated (index in i, f, o, g order), its bias, expected next_c and next_h from prev_c
GATE_CASES = {
    "i-closed": (0, -40.0, lambda pc: 0.5 * pc, lambda c: 0.5 * np.tanh(c)),  # nothing written
    "f-closed": (1, -40.0, lambda pc: 0.5 * G0 + 0 * pc, lambda c: 0.5 * np.tanh(c)),  # the past forgotten
    "o-closed": (2, -40.0, lambda pc: 0.5 * pc + 0.5 * G0, lambda c: 0 * c),  # nothing shown
    "g-saturated": (3, 40.0, lambda pc: 0.5 * pc + 0.5, lambda c: 0.5 * np.tanh(c)),  # candidate = 1
    "i-open": (0, 40.0, lambda pc: 0.5 * pc + G0, lambda c: 0.5 * np.tanh(c)),
    "f-open": (1, 40.0, lambda pc: pc + 0.5 * G0, lambda c: 0.5 * np.tanh(c)),
    "o-open": (2, 40.0, lambda pc: 0.5 * pc + 0.5 * G0, lambda c: np.tanh(c)),
}


@pytest.mark.parametrize("case", GATE_CASES, ids=list(GATE_CASES))
def test_gate_order_is_i_f_o_g(case, rng):
    # zero weights: the gates are the sigmoids (tanh for g) of the bias blocks alone.
    # Unsaturated blocks: i = f = o = sigmoid(0) = 0.5 and g = tanh(0.5).
    block, value, expected_c, expected_h = GATE_CASES[case]
    N, D, H = 3, 2, 4
    b = np.zeros((4, H))
    b[3] = 0.5
    b[block] = value
    prev_c = rng.uniform(-2, 2, (N, H))
    next_h, next_c, _ = lstm.lstm_step_forward(
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        prev_c,
        np.zeros((D, 4 * H)),
        np.zeros((H, 4 * H)),
        b.reshape(-1),
    )
    np.testing.assert_allclose(next_c, expected_c(prev_c), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(next_h, expected_h(next_c), rtol=1e-12, atol=1e-12)


def test_lstm_forward_starts_from_a_zero_cell(rng):
    N, T, D, H = 2, 4, 3, 3
    x, h0, w = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), _weights(D, H, rng)
    h, _ = lstm.lstm_forward(x, h0, **w)
    assert h.shape == (N, T, H)
    prev_h, prev_c = h0, np.zeros((N, H))
    for t in range(T):
        prev_h, prev_c = _step(x[:, t], prev_h, prev_c, **w)
        np.testing.assert_allclose(h[:, t], prev_h, rtol=1e-12, err_msg=f"step {t}")


@pytest.mark.parametrize(
    "x_shape, h0_shape, message",
    [
        ((2, 3), (2, 4), r"lstm_forward: expected x \(N, T, D\) and h0 \(N, H\); got x \(2, 3\)"),
        ((2, 3, 4, 1), (2, 4), r"lstm_forward: expected x \(N, T, D\) .*got x \(2, 3, 4, 1\)"),
        ((2, 3, 4), (2,), r"lstm_forward: expected .*h0 \(N, H\).*h0 \(2,\)"),
    ],
    ids=["x-2d", "x-4d", "h0-1d"],
)
def test_lstm_forward_rejects_wrong_ndim(x_shape, h0_shape, message, rng):
    with pytest.raises(ValueError, match=message):
        lstm.lstm_forward(np.zeros(x_shape), np.zeros(h0_shape), **_weights(4, 4, rng))


# ---------------------------------------------------------------- backward

STEP_SHAPES = [(2, 3, 4), (1, 5, 2), (3, 1, 1), (2, 2, 3)]


@pytest.mark.parametrize("N, D, H", STEP_SHAPES, ids=[f"N{n}-D{d}-H{h}" for n, d, h in STEP_SHAPES])
def test_lstm_step_backward(N, D, H, rng, gradcheck):
    inputs = {
        "x": rng.standard_normal((N, D)),
        "prev_h": rng.standard_normal((N, H)),
        "prev_c": rng.standard_normal((N, H)),
        **_weights(D, H, rng),
    }
    next_h, next_c, cache = lstm.lstm_step_forward(**inputs)
    dnext_h, dnext_c = rng.standard_normal(next_h.shape), rng.standard_normal(next_c.shape)
    dx, dprev_h, dprev_c, dWx, dWh, db = lstm.lstm_step_backward(dnext_h, dnext_c, cache)
    grads = {"x": dx, "prev_h": dprev_h, "prev_c": dprev_c, "Wx": dWx, "Wh": dWh, "b": db}
    # L = sum(next_h * dnext_h) + sum(next_c * dnext_c)
    gradcheck(lambda **kw: lstm.lstm_step_forward(**kw)[:2], inputs, (dnext_h, dnext_c), grads)


SEQ_SHAPES = [(2, 3, 4, 3), (1, 4, 3, 2), (3, 1, 2, 4), (1, 1, 1, 1), (2, 5, 2, 2)]


@pytest.mark.parametrize("N, T, D, H", SEQ_SHAPES, ids=[f"N{n}-T{t}-D{d}-H{h}" for n, t, d, h in SEQ_SHAPES])
def test_lstm_backward(N, T, D, H, rng, gradcheck):
    inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)), **_weights(D, H, rng)}
    h, cache = lstm.lstm_forward(**inputs)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = lstm.lstm_backward(dh, cache)
    grads = {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}
    gradcheck(lambda **kw: lstm.lstm_forward(**kw)[0], inputs, dh, grads)


# ---------------------------------------------------------------- inputs are never modified


def _step_args(rng):
    return (rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))), _weights(
        3, 4, rng
    )


def _step_backward_args(rng):
    args, kwargs = _step_args(rng)
    next_h, next_c, cache = lstm.lstm_step_forward(*args, **kwargs)
    return (rng.standard_normal(next_h.shape), rng.standard_normal(next_c.shape), cache), {}


def _backward_args(rng):
    h, cache = lstm.lstm_forward(
        rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4)), **_weights(3, 4, rng)
    )
    return (rng.standard_normal(h.shape), cache), {}


MUTATION_CASES = {
    "sigmoid": lambda rng: ((rng.standard_normal((3, 4)),), {}),
    "lstm_step_forward": _step_args,
    "lstm_step_backward": _step_backward_args,
    "lstm_forward": lambda rng: (
        (rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4))),
        _weights(3, 4, rng),
    ),
    "lstm_backward": _backward_args,
}
