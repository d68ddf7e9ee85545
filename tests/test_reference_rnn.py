"""Tests of the reference solutions/rnn.py: vanilla RNN, backpropagation through time, clipping."""

import inspect

import numpy as np
import pytest

from solutions import rnn

PUBLIC = {
    name
    for name, obj in vars(rnn).items()
    if inspect.isfunction(obj) and obj.__module__ == rnn.__name__ and not name.startswith("_")
}


def _weights(D, H, rng):
    return {"Wx": rng.normal(0, 0.5, (D, H)), "Wh": rng.normal(0, 0.5, (H, H)), "b": rng.normal(0, 0.5, H)}


# ---------------------------------------------------------------- forward


def test_rnn_step_forward_formula(rng):
    x, prev_h, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), _weights(4, 5, rng)
    next_h, _ = rnn.rnn_step_forward(x, prev_h, **w)
    expected = np.tanh(x @ w["Wx"] + prev_h @ w["Wh"] + w["b"])
    np.testing.assert_allclose(next_h, expected, rtol=1e-14)


def test_rnn_forward_runs_the_recurrence_from_h0(rng):
    N, T, D, H = 2, 4, 3, 5
    x, h0, w = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), _weights(D, H, rng)
    h, _ = rnn.rnn_forward(x, h0, **w)
    assert h.shape == (N, T, H)
    prev = h0
    for t in range(T):
        prev = np.tanh(x[:, t] @ w["Wx"] + prev @ w["Wh"] + w["b"])
        np.testing.assert_allclose(h[:, t], prev, rtol=1e-13, err_msg=f"step {t}")


@pytest.mark.parametrize(
    "x_shape, h0_shape, message",
    [
        ((2, 3), (2, 4), r"rnn_forward: expected x \(N, T, D\) and h0 \(N, H\); got x \(2, 3\)"),
        ((2, 3, 4, 1), (2, 4), r"rnn_forward: expected x \(N, T, D\) .*got x \(2, 3, 4, 1\)"),
        ((2, 3, 4), (2, 4, 1), r"rnn_forward: expected .*h0 \(N, H\).*h0 \(2, 4, 1\)"),
    ],
    ids=["x-2d", "x-4d", "h0-3d"],
)
def test_rnn_forward_rejects_wrong_ndim(x_shape, h0_shape, message, rng):
    with pytest.raises(ValueError, match=message):
        rnn.rnn_forward(np.zeros(x_shape), np.zeros(h0_shape), **_weights(4, 4, rng))


# ---------------------------------------------------------------- backward

STEP_SHAPES = [(2, 3, 4), (1, 5, 2), (3, 1, 1), (4, 2, 3)]


@pytest.mark.parametrize("N, D, H", STEP_SHAPES, ids=[f"N{n}-D{d}-H{h}" for n, d, h in STEP_SHAPES])
def test_rnn_step_backward(N, D, H, rng, gradcheck):
    inputs = {"x": rng.standard_normal((N, D)), "prev_h": rng.standard_normal((N, H)), **_weights(D, H, rng)}
    next_h, cache = rnn.rnn_step_forward(**inputs)
    dnext_h = rng.standard_normal(next_h.shape)
    dx, dprev_h, dWx, dWh, db = rnn.rnn_step_backward(dnext_h, cache)
    grads = {"x": dx, "prev_h": dprev_h, "Wx": dWx, "Wh": dWh, "b": db}
    gradcheck(lambda **kw: rnn.rnn_step_forward(**kw)[0], inputs, dnext_h, grads)


SEQ_SHAPES = [(2, 3, 4, 5), (1, 4, 3, 2), (3, 1, 2, 4), (1, 1, 1, 1), (2, 6, 2, 3)]


@pytest.mark.parametrize("N, T, D, H", SEQ_SHAPES, ids=[f"N{n}-T{t}-D{d}-H{h}" for n, t, d, h in SEQ_SHAPES])
def test_rnn_backward(N, T, D, H, rng, gradcheck):
    inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)), **_weights(D, H, rng)}
    h, cache = rnn.rnn_forward(**inputs)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, cache)
    grads = {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}
    gradcheck(lambda **kw: rnn.rnn_forward(**kw)[0], inputs, dh, grads)


def test_rnn_backward_only_last_step_upstream(rng, gradcheck):
    # a loss on h_T only: every earlier gradient must come through the recurrence
    inputs = {"x": rng.standard_normal((2, 5, 3)), "h0": rng.standard_normal((2, 4)), **_weights(3, 4, rng)}
    h, cache = rnn.rnn_forward(**inputs)
    dh = np.zeros(h.shape)
    dh[:, -1] = rng.standard_normal((2, 4))
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, cache)
    assert np.all(np.abs(dx[:, 0]) > 0)
    grads = {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}
    gradcheck(lambda **kw: rnn.rnn_forward(**kw)[0], inputs, dh, grads)


# ---------------------------------------------------------------- clip_grad_norm


def test_clip_grad_norm_below_the_threshold_returns_unchanged_new_arrays(call_unmodified):
    grads = [np.array([3.0, 4.0]), np.array([[0.0, 12.0]])]  # global norm 13
    for max_norm in (13.0, 20.0):
        clipped, total_norm = call_unmodified(rnn.clip_grad_norm, grads, max_norm)
        assert total_norm == pytest.approx(13.0, rel=1e-15)
        assert len(clipped) == 2
        for g, c in zip(grads, clipped, strict=True):
            np.testing.assert_array_equal(c, g)
            assert c is not g and not np.shares_memory(c, g)


def test_clip_grad_norm_scales_all_arrays_by_the_global_norm(call_unmodified):
    # each array alone is within max_norm 6.5 or not (5 and 12); the GLOBAL norm is 13
    grads = [np.array([3.0, 4.0]), np.array([[0.0, 12.0]])]
    clipped, total_norm = call_unmodified(rnn.clip_grad_norm, grads, 6.5)
    assert total_norm == pytest.approx(13.0, rel=1e-15)
    np.testing.assert_allclose(clipped[0], [1.5, 2.0], rtol=1e-15)
    np.testing.assert_allclose(clipped[1], [[0.0, 6.0]], rtol=1e-15)
    global_norm = np.sqrt(sum(np.sum(c**2) for c in clipped))
    assert global_norm == pytest.approx(6.5, rel=1e-14)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 3.0], ids=lambda m: f"max{m}")
def test_clip_grad_norm_random(max_norm, rng):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal((2, 2, 2))]
    expected_norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    assert expected_norm > 3.0
    clipped, total_norm = rnn.clip_grad_norm(grads, max_norm)
    assert total_norm == pytest.approx(expected_norm, rel=1e-14)
    assert np.sqrt(sum(np.sum(c**2) for c in clipped)) == pytest.approx(max_norm, rel=1e-14)
    for g, c in zip(grads, clipped, strict=True):
        assert c.shape == g.shape
        np.testing.assert_allclose(c, g * (max_norm / expected_norm), rtol=1e-14)


@pytest.mark.parametrize("max_norm", [0.0, -1.0], ids=["zero", "negative"])
def test_clip_grad_norm_rejects_a_non_positive_max_norm(max_norm):
    with pytest.raises(ValueError, match=r"max_norm must be > 0"):
        rnn.clip_grad_norm([np.ones(3)], max_norm)


# ---------------------------------------------------------------- inputs are never modified


def _step_backward_args(rng):
    next_h, cache = rnn.rnn_step_forward(
        rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), **_weights(3, 4, rng)
    )
    return (rng.standard_normal(next_h.shape), cache), {}


def _backward_args(rng):
    h, cache = rnn.rnn_forward(
        rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4)), **_weights(3, 4, rng)
    )
    return (rng.standard_normal(h.shape), cache), {}


MUTATION_CASES = {
    "rnn_step_forward": lambda rng: (
        (rng.standard_normal((2, 3)), rng.standard_normal((2, 4))),
        _weights(3, 4, rng),
    ),
    "rnn_step_backward": _step_backward_args,
    "rnn_forward": lambda rng: (
        (rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4))),
        _weights(3, 4, rng),
    ),
    "rnn_backward": _backward_args,
    "clip_grad_norm": lambda rng: (
        ([10 * rng.standard_normal((3, 4)), 10 * rng.standard_normal(5)], 1.0),
        {},
    ),
}
