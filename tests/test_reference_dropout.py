"""Tests of the reference solutions/dropout.py (inverted dropout, p = the fraction DROPPED).

Statistical bounds: over n independent units the number dropped is Binomial(n, p), standard
deviation sqrt(n p (1 - p)); the mean of the outputs out_i = x_i m_i / (1 - p) has expectation
mean(x) and standard deviation sqrt(sum_i x_i^2 p / (1 - p)) / n. Every such test allows 5
standard deviations (a false failure has probability below 1e-6) and uses a fixed seed.
"""

import inspect

import numpy as np
import pytest

from solutions import dropout

PUBLIC = {
    name
    for name, obj in vars(dropout).items()
    if inspect.isfunction(obj) and obj.__module__ == dropout.__name__ and not name.startswith("_")
}
N_UNITS = 100_000
PS = [0.1, 0.25, 0.5, 0.8]


@pytest.mark.parametrize("p", PS, ids=lambda p: f"p{p}")
def test_dropout_mask_drops_a_fraction_p(p, rng):
    mask = dropout.dropout_mask((100, N_UNITS // 100), p, rng)
    assert mask.dtype == bool and mask.shape == (100, N_UNITS // 100)
    dropped = np.count_nonzero(~mask)
    assert abs(dropped - N_UNITS * p) <= 5 * np.sqrt(N_UNITS * p * (1 - p))


@pytest.mark.parametrize("p", PS, ids=lambda p: f"p{p}")
def test_dropout_forward_drops_a_fraction_p_and_scales_the_rest(p, rng):
    x = rng.uniform(0.5, 1.5, N_UNITS)  # no zero: a zero output means a dropped unit
    out, _ = dropout.dropout_forward(x, p, rng)
    kept = out != 0
    assert abs(np.count_nonzero(~kept) - N_UNITS * p) <= 5 * np.sqrt(N_UNITS * p * (1 - p))
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)


@pytest.mark.parametrize("p", PS, ids=lambda p: f"p{p}")
def test_dropout_forward_preserves_the_expectation(p, rng):
    x = rng.uniform(0.5, 1.5, N_UNITS)
    out, _ = dropout.dropout_forward(x, p, rng)
    std_of_mean = np.sqrt(np.sum(x**2) * p / (1 - p)) / N_UNITS
    assert abs(out.mean() - x.mean()) <= 5 * std_of_mean


def test_p_zero_keeps_everything(rng):
    x = rng.standard_normal((20, 30))
    assert dropout.dropout_mask(x.shape, 0.0, rng).all()
    out, _ = dropout.dropout_forward(x, 0.0, rng)
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("p", [0.0, 0.5, 0.9], ids=lambda p: f"p{p}")
def test_dropout_is_the_identity_at_test_time(p, rng):
    x = rng.standard_normal((4, 5))
    out, cache = dropout.dropout_forward(x, p, rng, train=False)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(dropout.dropout_backward(dout, cache), dout)


def test_same_seed_same_output_different_seed_different_mask():
    x = np.random.default_rng(7).standard_normal((50, 40))
    out_a, _ = dropout.dropout_forward(x, 0.5, np.random.default_rng(1))
    out_b, _ = dropout.dropout_forward(x, 0.5, np.random.default_rng(1))
    out_c, _ = dropout.dropout_forward(x, 0.5, np.random.default_rng(2))
    np.testing.assert_array_equal(out_a, out_b)
    assert not np.array_equal(out_a != 0, out_c != 0)
    mask_a = dropout.dropout_mask((50, 40), 0.5, np.random.default_rng(1))
    mask_b = dropout.dropout_mask((50, 40), 0.5, np.random.default_rng(1))
    mask_c = dropout.dropout_mask((50, 40), 0.5, np.random.default_rng(2))
    np.testing.assert_array_equal(mask_a, mask_b)
    assert not np.array_equal(mask_a, mask_c)


def test_dropout_draws_only_from_the_given_rng():
    np.random.seed(3)
    _, keys, position, *_ = np.random.get_state()
    dropout.dropout_mask((10, 10), 0.5, np.random.default_rng(0))
    dropout.dropout_forward(np.ones((10, 10)), 0.5, np.random.default_rng(0))
    _, keys_after, position_after, *_ = np.random.get_state()
    assert position_after == position  # np.random.random() or rand() would move it
    np.testing.assert_array_equal(keys_after, keys)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.7], ids=lambda p: f"p{p}")
def test_dropout_backward_uses_the_forwards_mask(p, rng):
    x = rng.uniform(0.5, 1.5, (30, 40)) * rng.choice([-1.0, 1.0], (30, 40))
    out, cache = dropout.dropout_forward(x, p, rng)
    rng.random(1000)  # a fresh mask drawn now would differ
    dout = rng.standard_normal(x.shape)
    dx = dropout.dropout_backward(dout, cache)
    np.testing.assert_allclose(dx, dout * out / x, rtol=1e-14)
    assert np.all(dx[out == 0] == 0)


# (shape, p, train)
GRAD_CASES = [
    ((3, 4), 0.0, True),
    ((3, 4), 0.3, True),
    ((2, 3, 5), 0.7, True),
    ((1, 6), 0.5, True),
    ((4, 2), 0.5, False),
]


@pytest.mark.parametrize(
    "shape, p, train",
    GRAD_CASES,
    ids=[f"{'x'.join(map(str, s))}-p{p}-{'train' if t else 'test'}" for s, p, t in GRAD_CASES],
)
def test_dropout_backward_gradient(shape, p, train, rng, gradcheck):
    x = rng.standard_normal(shape)
    out, cache = dropout.dropout_forward(x, p, np.random.default_rng(5), train=train)
    dout = rng.standard_normal(shape)
    dx = dropout.dropout_backward(dout, cache)

    def forward(x):  # the same seed: the same mask at every evaluation
        return dropout.dropout_forward(x, p, np.random.default_rng(5), train=train)[0]

    gradcheck(forward, {"x": x}, dout, {"x": dx})


@pytest.mark.parametrize("p", [-0.1, -1e-9, 1.0, 1.5], ids=lambda p: f"p{p}")
def test_p_outside_0_1_is_rejected(p, rng):
    with pytest.raises(ValueError, match=r"0 <= p < 1, got"):
        dropout.dropout_mask((3, 3), p, rng)
    with pytest.raises(ValueError, match=r"0 <= p < 1, got"):
        dropout.dropout_forward(np.ones((3, 3)), p, rng)
    with pytest.raises(ValueError, match=r"0 <= p < 1, got"):
        dropout.dropout_forward(np.ones((3, 3)), p, rng, train=False)


# ---------------------------------------------------------------- inputs are never modified


def _backward_args(rng):
    _, cache = dropout.dropout_forward(rng.standard_normal((4, 5)), 0.5, rng)
    return (rng.standard_normal((4, 5)), cache), {}


MUTATION_CASES = {
    "dropout_forward": lambda rng: ((rng.standard_normal((4, 5)), 0.5, rng), {}),
    "dropout_backward": _backward_args,
}
NO_ARRAY_INPUTS = {"dropout_mask"}
