"""Week 5 (``week5/``): its reference against the formulas and numerical gradients, on small cases.

The week's grading (the reference at full marks, the stubs at 0, its bug corpus caught) is in
``test_bug_corpus.py``; its round trip through every command in ``test_second_assignment.py``,
both parametrized over the assignments.
"""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pytest

from tests.test_second_assignment import cli
from tests.week5 import WEEK5

attention = WEEK5.reference_module("attention")
norm = WEEK5.reference_module("norm")
optim = WEEK5.reference_module("optim")
sampling = WEEK5.reference_module("sampling")


@pytest.mark.parametrize("lecture", WEEK5.lectures, ids=lambda lecture: lecture.module)
def test_each_lectures_try_it_cell_runs_on_the_reference(lecture, capsys):
    """The notebook's last cell, run as the notebook runs it: after its module's code."""
    namespace = dict(vars(WEEK5.reference_module(lecture.module)))
    exec(compile(lecture.explore, lecture.filename, "exec"), namespace)
    assert capsys.readouterr().out.strip()


def naive_attention(q, k, v, mask=None):
    """Query by query, key by key: the lecture's formula with plain loops."""
    n, tq, d = q.shape
    out = np.zeros((n, tq, v.shape[-1]))
    for b in range(n):
        for i in range(tq):
            seen = [j for j in range(k.shape[1]) if mask is None or mask[b, i, j]]
            scores = np.array([q[b, i] @ k[b, j] / math.sqrt(d) for j in seen])
            weights = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum() if seen else []
            out[b, i] = sum((w * v[b, j] for w, j in zip(weights, seen)), np.zeros(v.shape[-1]))
    return out


# --- attention -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "tq", "tk", "d", "dv", "p"), [(2, 3, 3, 4, 5, None), (2, 4, 6, 3, 2, 0.6),
                                                             (1, 1, 1, 2, 3, None), (3, 5, 2, 4, 2, 0.3)])
def test_attention_is_the_formula(rng, call_unmodified, n, tq, tk, d, dv, p):
    q, k, v = (rng.standard_normal(shape) for shape in ((n, tq, d), (n, tk, d), (n, tk, dv)))
    mask = None if p is None else rng.random((n, tq, tk)) < p
    out, _ = call_unmodified(attention.scaled_dot_product_attention_forward, q, k, v, mask)
    assert out.shape == (n, tq, dv)
    np.testing.assert_allclose(out, naive_attention(q, k, v, mask), rtol=1e-12, atol=1e-12)


def test_attention_gives_a_query_that_sees_no_key_zeros_and_one_that_sees_one_its_value(rng):
    q, k, v = rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 5, 4)), rng.standard_normal((1, 5, 2))
    mask = np.zeros((1, 3, 5), dtype=bool)
    mask[0, 1, 3] = True
    mask[0, 2] = True
    with np.errstate(all="raise"):  # no 0/0 on the way
        out, _ = attention.scaled_dot_product_attention_forward(q, k, v, mask)
    assert np.array_equal(out[0, 0], np.zeros(2))
    np.testing.assert_allclose(out[0, 1], v[0, 3])
    np.testing.assert_allclose(out[0, 2], naive_attention(q, k, v)[0, 2])


def test_attention_is_stable_on_large_scores(rng):
    q, k = 40 * rng.standard_normal((2, 3, 4)), 40 * rng.standard_normal((2, 4, 4))
    v = rng.standard_normal((2, 4, 3))
    with np.errstate(over="raise"):
        out, _ = attention.scaled_dot_product_attention_forward(q, k, v)
    np.testing.assert_allclose(out, naive_attention(q, k, v), rtol=1e-10)


@pytest.mark.parametrize("p", [None, 0.5, 0.0])
def test_attention_backward_matches_numerical_gradients(rng, gradcheck, call_unmodified, p):
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 3))
    mask = None if p is None else rng.random((2, 3, 5)) < p
    out, cache = attention.scaled_dot_product_attention_forward(q, k, v, mask)
    dout = rng.standard_normal(out.shape)
    dq, dk, dv = call_unmodified(attention.scaled_dot_product_attention_backward, dout, cache)

    def forward(q, k, v):
        return attention.scaled_dot_product_attention_forward(q, k, v, mask)[0]

    gradcheck(forward, {"q": q, "k": k, "v": v}, dout, {"q": dq, "k": dk, "v": dv})


@pytest.mark.parametrize(("t", "d"), [(4, 6), (7, 5), (3, 1)])
def test_positional_encoding_is_the_formula(t, d):
    pe = attention.positional_encoding(t, d)
    assert pe.shape == (t, d)
    for pos in range(t):
        for col in range(d):
            angle = pos / 10000 ** (2 * (col // 2) / d)
            want = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert pe[pos, col] == pytest.approx(want, abs=1e-12)


# --- normalisation and activations -----------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 6), (1, 7)])
def test_layernorm_standardises_each_example_over_its_features(rng, call_unmodified, shape):
    x = 3 + 2 * rng.standard_normal(shape)
    gamma, beta = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    out, _ = call_unmodified(norm.layernorm_forward, x, np.ones(shape[-1]), np.zeros(shape[-1]), eps=1e-12)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), 1, rtol=1e-9)
    out, _ = norm.layernorm_forward(x, gamma, beta, eps=0.1)
    want = gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 0.1) + beta
    np.testing.assert_allclose(out, want, rtol=1e-12)


def test_layernorm_eps_is_keyword_only_and_positive(rng):
    assert inspect.signature(norm.layernorm_forward).parameters["eps"].kind is inspect.Parameter.KEYWORD_ONLY
    for eps in (0.0, -0.1):
        with pytest.raises(ValueError, match="eps"):
            norm.layernorm_forward(rng.standard_normal((2, 3)), np.ones(3), np.zeros(3), eps=eps)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_layernorm_backward_matches_numerical_gradients(rng, gradcheck, call_unmodified, shape):
    d = shape[-1]
    x, gamma, beta = rng.standard_normal(shape), rng.standard_normal(d), rng.standard_normal(d)
    out, cache = norm.layernorm_forward(x, gamma, beta, eps=1e-3)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = call_unmodified(norm.layernorm_backward, dout, cache)

    def forward(x, gamma, beta):
        return norm.layernorm_forward(x, gamma, beta, eps=1e-3)[0]

    grads = {"x": dx, "gamma": dgamma, "beta": dbeta}
    gradcheck(forward, {"x": x, "gamma": gamma, "beta": beta}, dout, grads)


def test_batchnorm_trains_its_running_statistics_in_place_and_uses_them_at_test_time(rng):
    x, gamma, beta = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3)
    bn_param = {"mode": "train", "momentum": 0.8}
    out, _ = norm.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) + beta)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * x.mean(0))
    np.testing.assert_allclose(bn_param["running_var"], 0.2 * x.var(0))
    bn_param["mode"] = "test"
    running = {key: bn_param[key].copy() for key in ("running_mean", "running_var")}
    x_test = rng.standard_normal((2, 3))
    out, _ = norm.batchnorm_forward(x_test, gamma, beta, bn_param)
    want = gamma * (x_test - running["running_mean"]) / np.sqrt(running["running_var"] + 1e-5) + beta
    np.testing.assert_allclose(out, want)
    assert all(np.array_equal(bn_param[key], value) for key, value in running.items())
    with pytest.raises(ValueError, match="mode"):
        norm.batchnorm_forward(x, gamma, beta, {"mode": "eval"})


def test_activation_kinds(rng):
    x = 3 * rng.standard_normal((4, 5))
    np.testing.assert_array_equal(norm.activation(x, "relu"), np.maximum(x, 0))
    np.testing.assert_allclose(norm.activation(x, "tanh"), np.tanh(x))
    exact_gelu = np.vectorize(lambda v: v * (1 + math.erf(v / math.sqrt(2))) / 2)(x)
    np.testing.assert_allclose(norm.activation(x), exact_gelu, atol=1e-3)  # the tanh approximation
    with pytest.raises(ValueError, match="kind"):
        norm.activation(x, "GELU")


# --- optimisers ----------------------------------------------------------------------------------

def test_sgd_momentum_accumulates_its_velocity_in_config(rng):
    w, dw1, dw2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    config, w_before = {"learning_rate": 0.1, "momentum": 0.5}, w.copy()
    w1, returned = optim.sgd_momentum(w, dw1, config)
    assert returned is config and np.array_equal(w, w_before)
    np.testing.assert_allclose(w1, w - 0.1 * dw1)
    w2, _ = optim.sgd_momentum(w1, dw2, config)
    np.testing.assert_allclose(config["velocity"], 0.5 * -0.1 * dw1 - 0.1 * dw2)
    np.testing.assert_allclose(w2, w1 + config["velocity"])
    with pytest.raises(ValueError, match="shape"):
        optim.sgd_momentum(w, dw1[0], {})


def test_adam_first_step_is_the_learning_rate_in_the_gradients_direction_and_counts_its_steps(rng):
    w, dw = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    config = {"learning_rate": 1e-2}
    next_w, returned = optim.adam(w, dw, config)
    assert returned is config and config["t"] == 1
    np.testing.assert_allclose(next_w, w - 1e-2 * np.sign(dw), rtol=1e-5)  # bias correction: m_hat = dw
    np.testing.assert_allclose(config["m"], 0.1 * dw)
    np.testing.assert_allclose(config["v"], 1e-3 * dw**2)
    optim.adam(next_w, dw, config)
    assert config["t"] == 2
    np.testing.assert_allclose(config["m"], 0.9 * 0.1 * dw + 0.1 * dw)
    for beta in ("beta1", "beta2"):
        with pytest.raises(ValueError, match="beta"):
            optim.adam(w, dw, {beta: 1.0})


# --- sampling and initialisation ----------------------------------------------------------------

@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sample_tokens_follows_the_tempered_softmax_and_only_its_rng(temperature):
    logits = np.array([2.0, 1.0, 0.0, -1.0, 1000.0 - 1000.0])
    ids = sampling.sample_tokens(logits, np.random.default_rng(0), temperature, num_samples=40000)
    assert ids.shape == (40000,) and ids.dtype == np.int64
    probs = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
    assert np.abs(np.bincount(ids, minlength=5) / 40000 - probs).max() < 5 * np.sqrt(0.25 / 40000)
    np.random.seed(1)
    again = sampling.sample_tokens(logits, np.random.default_rng(0), temperature, num_samples=40000)
    assert np.array_equal(ids, again)
    with pytest.raises(ValueError, match="temperature"):
        sampling.sample_tokens(logits, np.random.default_rng(0), 0.0)


def test_sample_tokens_survives_large_logits():
    with np.errstate(over="raise"):
        ids = sampling.sample_tokens(np.array([3000.0, 3001.0]), np.random.default_rng(0), num_samples=20000)
    assert abs(ids.mean() - 1 / (1 + math.exp(-1))) < 0.02


def test_kaiming_init_has_the_variance_two_over_fan_in():
    W = sampling.kaiming_init(512, 64, np.random.default_rng(0))
    assert W.shape == (512, 64) and W.dtype == np.float64
    assert abs(W.std() - math.sqrt(2 / 512)) < 0.01 * math.sqrt(2 / 512)
    assert abs(W.mean()) < 5 * math.sqrt(2 / 512) / math.sqrt(W.size)
    assert np.array_equal(W, sampling.kaiming_init(512, 64, np.random.default_rng(0)))


def test_check_without_a_path_checks_the_assignments_own_stubs():
    checked = cli("check", "--assignment", WEEK5.folder, "--json")
    result = json.loads(checked.stdout)
    assert checked.returncode == 1  # SPEC §3: a failing public case
    assert result["score"] == 0 and {task["name"] for task in result["tasks"]} == set(WEEK5.by_name)
    messages = {case["message"] for task in result["tasks"] for case in task["cases"]}
    assert all("is not written yet" in message for message in messages), messages  # the stubs, found
