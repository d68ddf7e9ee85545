"""Tests of the reference solutions/basics.py: cost, affine node, gradient descent."""

import inspect

import numpy as np
import pytest

from solutions import basics

PUBLIC = {
    name
    for name, obj in vars(basics).items()
    if inspect.isfunction(obj) and obj.__module__ == basics.__name__ and not name.startswith("_")
}


# ---------------------------------------------------------------- mse_loss


def test_mse_loss_is_the_mean_of_the_squares_and_a_python_float():
    y_pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[0.0, 2.0], [3.0, 0.0]])
    loss, dy_pred = basics.mse_loss(y_pred, y)
    assert type(loss) is float
    assert loss == pytest.approx((1.0 + 16.0) / 4)
    np.testing.assert_allclose(dy_pred, [[0.5, 0.0], [0.0, 2.0]], rtol=1e-15)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (1, 1)], ids=lambda s: "x".join(map(str, s)))
def test_mse_loss_gradient(shape, rng, gradcheck):
    y_pred, y = rng.standard_normal(shape), rng.standard_normal(shape)
    _, dy_pred = basics.mse_loss(y_pred, y)
    gradcheck(lambda y_pred: basics.mse_loss(y_pred, y)[0], {"y_pred": y_pred}, 1.0, {"y_pred": dy_pred})


@pytest.mark.parametrize(
    "shapes",
    [((3, 2), (2, 3)), ((4,), (4, 1)), ((2, 2), (2,))],
    ids=["transposed", "extra-axis", "broadcast"],
)
def test_mse_loss_rejects_different_shapes(shapes):
    with pytest.raises(ValueError, match=r"mse_loss: y_pred has shape .* but y has shape .*must be equal"):
        basics.mse_loss(np.zeros(shapes[0]), np.zeros(shapes[1]))


# ---------------------------------------------------------------- affine


def test_affine_forward_known_values():
    x = np.array([[1.0, 2.0], [0.0, -1.0]])
    W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]])
    b = np.array([10.0, 20.0, 30.0])
    out, _ = basics.affine_forward(x, W, b)
    np.testing.assert_array_equal(out, [[11.0, 22.0, 38.0], [10.0, 19.0, 27.0]])


AFFINE_SHAPES = [(4, 3, 5), (1, 2, 3), (3, 1, 1), (2, 6, 2)]


@pytest.mark.parametrize("N, D, M", AFFINE_SHAPES, ids=[f"N{n}-D{d}-M{m}" for n, d, m in AFFINE_SHAPES])
def test_affine_backward(N, D, M, rng, gradcheck):
    inputs = {"x": rng.standard_normal((N, D)), "W": rng.standard_normal((D, M)), "b": rng.standard_normal(M)}
    out, cache = basics.affine_forward(**inputs)
    assert out.shape == (N, M)
    dout = rng.standard_normal(out.shape)
    dx, dW, db = basics.affine_backward(dout, cache)
    gradcheck(lambda **kw: basics.affine_forward(**kw)[0], inputs, dout, {"x": dx, "W": dW, "b": db})


@pytest.mark.parametrize(
    "shapes",
    [((3,), (3, 2), (2,)), ((1, 3), (3, 2, 1), (2,)), ((1, 3), (3, 2), (1, 2))],
    ids=["x-1d", "W-3d", "b-2d"],
)
def test_affine_forward_rejects_wrong_ndim(shapes):
    x, W, b = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=r"affine_forward: expected x \(N, D\), W \(D, M\), b \(M,\)"):
        basics.affine_forward(x, W, b)


def test_affine_forward_rejects_shapes_that_do_not_chain():
    with pytest.raises(ValueError, match="shapes do not chain"):
        basics.affine_forward(np.zeros((2, 3)), np.zeros((4, 5)), np.zeros(5))


# ---------------------------------------------------------------- sgd_step


def test_sgd_step_moves_against_the_gradient_into_new_arrays(rng, call_unmodified):
    params = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    new = call_unmodified(basics.sgd_step, params, grads, 0.1)
    assert len(new) == 2
    for p, g, q in zip(params, grads, new, strict=True):
        np.testing.assert_allclose(q, p - 0.1 * g, rtol=1e-15)
        assert q is not p and not np.shares_memory(q, p)
        # each component moves opposite to the sign of its gradient
        assert np.all(np.sign(q - p) == -np.sign(g))


def test_sgd_step_decreases_a_quadratic_cost(rng):
    y = rng.standard_normal((4, 3))
    w = [rng.standard_normal((4, 3))]
    losses = []
    for _ in range(5):
        loss, grad = basics.mse_loss(w[0], y)
        losses.append(loss)
        w = basics.sgd_step(w, [grad], lr=1.0)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))


def test_sgd_step_rejects_mismatched_lists():
    with pytest.raises(ValueError, match="2 params but 1 grads"):
        basics.sgd_step([np.zeros(2), np.zeros(3)], [np.zeros(2)], 0.1)


# ---------------------------------------------------------------- inputs are never modified


def _affine_backward_args(rng):
    _, cache = basics.affine_forward(
        rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    )
    return (rng.standard_normal((3, 2)), cache), {}


MUTATION_CASES = {
    "mse_loss": lambda rng: ((rng.standard_normal((3, 2)), rng.standard_normal((3, 2))), {}),
    "affine_forward": lambda rng: (
        (rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)),
        {},
    ),
    "affine_backward": _affine_backward_args,
    "sgd_step": lambda rng: (
        (
            [rng.standard_normal((3, 2)), rng.standard_normal(2)],
            [rng.standard_normal((3, 2)), rng.standard_normal(2)],
            0.5,
        ),
        {},
    ),
}
