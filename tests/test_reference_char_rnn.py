"""Tests of the reference solutions/char_rnn.py: the lecture's "hello" character-level RNN."""

import inspect
import warnings

import numpy as np
import pytest

from solutions import char_rnn

PUBLIC = {
    name
    for name, obj in vars(char_rnn).items()
    if inspect.isfunction(obj) and obj.__module__ == char_rnn.__name__ and not name.startswith("_")
}


def _params(V, H, rng):
    """Random parameters, larger than init_params' so that no gradient is negligible."""
    return {
        "Wx": rng.normal(0, 0.5, (V, H)),
        "Wh": rng.normal(0, 0.5, (H, H)),
        "b": rng.normal(0, 0.5, H),
        "Why": rng.normal(0, 0.5, (H, V)),
        "by": rng.normal(0, 0.5, V),
    }


# ---------------------------------------------------------------- given helpers


def test_one_hot():
    out = char_rnn.one_hot(np.array([[2, 0], [1, 1]]), 3)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[0], [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(out[1], [[0, 1, 0], [0, 1, 0]])


def test_init_params_shapes_and_seed():
    a = char_rnn.init_params(4, 6, np.random.default_rng(0))
    b = char_rnn.init_params(4, 6, np.random.default_rng(0))
    shapes = {"Wx": (4, 6), "Wh": (6, 6), "b": (6,), "Why": (6, 4), "by": (4,)}
    assert {k: v.shape for k, v in a.items()} == shapes
    for key in shapes:
        np.testing.assert_array_equal(a[key], b[key])


# ---------------------------------------------------------------- softmax cross-entropy


def test_softmax_cross_entropy_value(rng):
    scores, targets = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    loss, _ = char_rnn.softmax_cross_entropy(scores, targets)
    probs = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    expected = -np.mean([np.log(probs[n, t, targets[n, t]]) for n in range(2) for t in range(3)])
    assert type(loss) is float
    assert loss == pytest.approx(expected, rel=1e-13)


def test_softmax_cross_entropy_uniform_scores_give_log_v():
    loss, dscores = char_rnn.softmax_cross_entropy(np.zeros((1, 2, 5)), np.array([[0, 3]]))
    assert loss == pytest.approx(np.log(5), rel=1e-14)
    expected = np.full((1, 2, 5), 0.2)
    expected[0, 0, 0] -= 1
    expected[0, 1, 3] -= 1
    np.testing.assert_allclose(dscores, expected / 2, rtol=1e-14, atol=1e-16)


def test_softmax_cross_entropy_large_scores_do_not_overflow():
    scores = np.array([[[1000.0, 0.0, -1000.0], [5000.0, 5000.0, 0.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dscores = char_rnn.softmax_cross_entropy(scores, np.array([[0, 1]]))
    assert loss == pytest.approx(np.log(2) / 2, rel=1e-12)
    assert np.all(np.isfinite(dscores))


SCE_SHAPES = [(2, 3, 4), (1, 1, 5), (3, 2, 2), (1, 4, 3)]


@pytest.mark.parametrize("N, T, V", SCE_SHAPES, ids=[f"N{n}-T{t}-V{v}" for n, t, v in SCE_SHAPES])
def test_softmax_cross_entropy_gradient(N, T, V, rng, gradcheck):
    scores, targets = rng.standard_normal((N, T, V)), rng.integers(0, V, (N, T))
    _, dscores = char_rnn.softmax_cross_entropy(scores, targets)
    gradcheck(
        lambda scores: char_rnn.softmax_cross_entropy(scores, targets)[0],
        {"scores": scores},
        1.0,
        {"scores": dscores},
    )


# ---------------------------------------------------------------- char_rnn_loss


def test_char_rnn_loss_value(rng):
    V, H, N, T = 4, 3, 2, 3
    params = _params(V, H, rng)
    inputs, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    loss, grads = char_rnn.char_rnn_loss(params, inputs, targets)
    h = np.zeros((N, H))
    log_likelihood = 0.0
    for t in range(T):
        h = np.tanh(params["Wx"][inputs[:, t]] + h @ params["Wh"] + params["b"])
        scores = h @ params["Why"] + params["by"]
        log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        log_likelihood += log_probs[np.arange(N), targets[:, t]].sum()
    assert loss == pytest.approx(-log_likelihood / (N * T), rel=1e-12)
    assert set(grads) == set(params)


# (V, H, N, T)
LOSS_SHAPES = [(4, 5, 1, 4), (3, 2, 2, 3), (5, 3, 2, 1), (2, 1, 1, 1)]


@pytest.mark.parametrize(
    "V, H, N, T", LOSS_SHAPES, ids=[f"V{v}-H{h}-N{n}-T{t}" for v, h, n, t in LOSS_SHAPES]
)
def test_char_rnn_loss_gradients(V, H, N, T, rng, gradcheck):
    params = _params(V, H, rng)
    inputs, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    _, grads = char_rnn.char_rnn_loss(params, inputs, targets)
    gradcheck(lambda **p: char_rnn.char_rnn_loss(p, inputs, targets)[0], params, 1.0, grads)


# ---------------------------------------------------------------- sample


def test_sample_feeds_each_prediction_back_in():
    # hidden unit k is on when character k was read; Why maps character k to character k + 1
    V = 4
    params = {
        "Wx": 10 * np.eye(V),
        "Wh": np.zeros((V, V)),
        "b": np.zeros(V),
        "Why": np.roll(np.eye(V), 1, axis=1),
        "by": np.zeros(V),
    }
    assert char_rnn.sample(params, "abcd", "a", 6) == "abcdab"
    assert char_rnn.sample(params, "abcd", "c", 3) == "cda"
    assert char_rnn.sample(params, "abcd", "b", 1) == "b"


def test_sample_keeps_the_hidden_state():
    # the output depends only on the hidden state's memory of the PREVIOUS character: unit 0 copies
    # the input "a" and Wh hands it on to unit 1, which alone drives the output towards "b"
    params = {
        "Wx": np.array([[10.0, 0.0], [0.0, 0.0]]),
        "Wh": np.array([[0.0, 10.0], [0.0, 0.0]]),
        "b": np.zeros(2),
        "Why": np.array([[0.0, 0.0], [-1.0, 1.0]]),
        "by": np.array([0.1, 0.0]),
    }
    # step 1 reads "a": h = (1, 0), scores favour "a" (by); step 2 reads "a": h = (1, 1) -> "b"
    assert char_rnn.sample(params, "ab", "a", 3) == "aab"


# ---------------------------------------------------------------- training: the lecture's "hello"


@pytest.fixture(scope="module")
def trained_default():
    return char_rnn.train_char_rnn()


def test_train_char_rnn_defaults_learn_hello(trained_default):
    params, vocab, losses = trained_default
    assert vocab == "ehlo"
    assert len(losses) == 300
    assert losses[0] == pytest.approx(np.log(4), abs=0.1)  # small initial weights: near uniform
    assert losses[-1] < 0.02 * losses[0]
    assert char_rnn.sample(params, vocab, "h", 5) == "hello"


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_train_char_rnn_other_seeds(seed):
    params, vocab, losses = char_rnn.train_char_rnn(seed=seed)
    assert losses[-1] < 0.02 * losses[0]
    assert char_rnn.sample(params, vocab, "h", 5) == "hello"


def test_train_char_rnn_is_deterministic(trained_default):
    params, _, losses = char_rnn.train_char_rnn(seed=0)
    assert losses == trained_default[2]
    for name in char_rnn.PARAM_NAMES:
        np.testing.assert_array_equal(params[name], trained_default[0][name])


def test_train_char_rnn_clips_the_gradient(monkeypatch):
    calls = []
    original = char_rnn.clip_grad_norm

    def spy(grads, max_norm):
        calls.append(max_norm)
        return original(grads, max_norm)

    monkeypatch.setattr(char_rnn, "clip_grad_norm", spy)
    char_rnn.train_char_rnn(steps=3, max_norm=2.5)
    assert calls == [2.5, 2.5, 2.5]


# ---------------------------------------------------------------- inputs are never modified


def _loss_args(rng):
    return (_params(4, 3, rng), rng.integers(0, 4, (2, 3)), rng.integers(0, 4, (2, 3))), {}


MUTATION_CASES = {
    "one_hot": lambda rng: ((rng.integers(0, 4, (2, 3)), 4), {}),
    "softmax_cross_entropy": lambda rng: ((rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))), {}),
    "char_rnn_loss": _loss_args,
    "sample": lambda rng: ((_params(4, 3, rng), "ehlo", "h", 5), {}),
}
NO_ARRAY_INPUTS = {"init_params", "train_char_rnn"}
