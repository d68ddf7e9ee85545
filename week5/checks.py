"""Week 5's own hints: the usual mistakes of attention, normalisation and the optimisers, told by
where and how a wrong array differs from the right one.

Each hint looks at a wrong value beside the right one (``got``, ``want``) and the case's inputs
(``clue.inputs``), and returns what the student most likely did, or None. Some look for a ratio
or an invariant of the wrong value (a factor sqrt(D), attention weights that sum to 1 over the
queries); others call the reference (``clue.reference``, only when grading) on inputs altered so
that it computes the mistake (q scaled by sqrt(D): the scores without their scale; no mask), as
week 4's hints do. This file ships with the student bundle, so it holds no formula of the
reference, and a hint shows no expected value: a hidden case must not hand out its answer.
"""

from __future__ import annotations

import numpy as np

from autograder.hints import Clue, close, hint, near, ratio


def _step_ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    """The k with got == k * want to 1e-3, if there is one: Adam's epsilon bends an exact ratio."""
    k = float(np.sum(got * want)) / max(float(np.sum(want * want)), 1e-300)
    return k if np.allclose(got, k * want, rtol=1e-3, atol=1e-12) else None


# --- attention -----------------------------------------------------------------------------------

@hint("attention_variant")
def attention_variant(got, want, clue: Clue) -> str | None:
    """out as the usual slips in softmax(q k^T / sqrt(D), masked) v give it."""
    q, k, v, mask = (clue.inputs.get(name) for name in ("q", "k", "v", "mask"))
    if clue.name != "out" or q is None:
        return None
    if mask is None and close(np.sum(got, axis=1), np.sum(v, axis=1)):
        # Weights that sum to 1 over the queries make the outputs sum, over the queries, to the values' sum.
        return ("the softmax runs over the queries (axis 1): each query's weights must sum to 1 over the "
                "KEYS, the last axis.")
    if clue.reference is None:
        return None
    d = q.shape[-1]
    slips = [(dict(q=q * d**0.5),
              f"the scores are not divided by sqrt(D): S = q k^T / sqrt(D), here sqrt({d})"),
             (dict(q=q / d**0.5), f"the scores are divided by D = {d}, not by sqrt(D)")]
    if mask is not None:
        slips += [(dict(mask=None),
                   "the mask is ignored: out is wrong exactly in the rows of the queries that may not see "
                   "every key. Set the masked scores to -inf before the softmax"),
                  (dict(mask=~mask),
                   "the mask is inverted: True means the query MAY attend to the key, so the scores where "
                   "the mask is False become -inf")]
    for changed, cause in slips:
        inputs = {**clue.inputs, **changed}
        with np.errstate(all="ignore"):
            if close(got, clue.reference(inputs)[0]):
                return cause + "."
    return None


@hint("attention_scale")
def attention_scale(got, want, clue: Clue) -> str | None:
    """dq or dk off by exactly sqrt(D): the scale of the scores forgotten (or applied twice)."""
    q = clue.inputs.get("q")
    k = ratio(got, want) if want is not None else None
    if k is None or q is None or clue.name not in ("dq", "dk"):
        return None
    d = q.shape[-1]
    if near(k, d**0.5):
        return (f"{clue.name} is sqrt(D) = {d**0.5:.4g} times the right value: the scores are "
                f"S = q k^T / sqrt(D), so {clue.name} carries the factor 1/sqrt(D) too.")
    if near(k, d**-0.5):
        return f"{clue.name} is 1/sqrt(D) of the right value: the factor 1/sqrt(D) is applied twice."
    return None


@hint("sin_cos_swapped")
def sin_cos_swapped(got, want, clue: Clue) -> str | None:
    """Cosines in the even columns and sines in the odd ones."""
    got = np.asarray(got, dtype=float)
    pairs = want.shape[-1] // 2
    if got.shape != want.shape or pairs == 0:
        return None
    if close(got[:, 0:2 * pairs:2], want[:, 1::2]) and close(got[:, 1::2], want[:, 0:2 * pairs:2]):
        return ("sines and cosines are swapped: the even columns 2i hold the sines, the odd ones 2i + 1 "
                "the cosines.")
    return None


# --- normalisation -------------------------------------------------------------------------------
# The reference normalises with gamma = 1 and beta = 0 (xhat), on inputs altered so that its statistics
# are the mistaken ones: x with its axes moved (another axis), eps rescaled (the variance divided by n - 1).

def _layernorm_slips(reference, x, eps) -> list[tuple[np.ndarray, str]]:
    def xhat(x, eps):
        d = x.shape[-1]
        return reference({"x": x, "gamma": np.ones(d), "beta": np.zeros(d), "eps": eps})[0]

    d = x.shape[-1]
    return [(np.moveaxis(xhat(np.moveaxis(x, 0, -1), eps), -1, 0),
             "the mean and variance are taken over the batch (axis 0): layer norm normalises each example "
             "over its own features, the last axis"),
            (((d - 1) / d) ** 0.5 * xhat(x, eps * (d - 1) / d),
             "the variance divides by D - 1 (ddof=1): use the biased variance, x.var(axis=-1), which "
             "divides by D")]


def _batchnorm_slips(reference, x, bn_param) -> list[tuple[np.ndarray, str]]:
    def xhat(x, **param):
        return reference({"x": x, "gamma": np.ones(x.shape[1]), "beta": np.zeros(x.shape[1]),
                          "bn_param": {**bn_param, **param}})[0]

    n, eps = x.shape[0], bn_param.get("eps", 1e-5)
    if bn_param["mode"] == "test":
        return [(xhat(x, mode="train"),
                 "test mode normalises with the batch's statistics: use the running mean and variance")]
    slips = [(((n - 1) / n) ** 0.5 * xhat(x, eps=eps * (n - 1) / n),
              "the variance divides by N - 1 (ddof=1): use the biased variance, x.var(axis=0)"),
             (xhat(x.T, running_mean=np.zeros(n), running_var=np.zeros(n)).T,
              "the statistics are taken over the features (axis 1): batch norm normalises each feature "
              "over the N examples, axis 0")]
    if "running_mean" in bn_param:
        slips.append((xhat(x, mode="test"), "training normalises with the running statistics: use the "
                                            "batch's mean and variance (and update the running ones)"))
    return slips


@hint("norm_variant")
def norm_variant(got, want, clue: Clue) -> str | None:
    """out of layer or batch norm as the usual slips in the axis, the variance or eps give it."""
    if clue.name != "out" or clue.reference is None:
        return None
    x, gamma, beta = (clue.inputs[name] for name in ("x", "gamma", "beta"))
    bn_param = clue.inputs.get("bn_param")
    with np.errstate(all="ignore"):
        slips = (_batchnorm_slips(clue.reference, x, bn_param) if isinstance(bn_param, dict)
                 else _layernorm_slips(clue.reference, x, clue.inputs.get("eps", 1e-5)))
    return next((cause + "." for xhat, cause in slips if close(got, gamma * xhat + beta)), None)


@hint("eps_outside_sqrt")
def eps_outside_sqrt(got, want, clue: Clue) -> str | None:
    """Layer norm divided by std + eps: the student's xhat times (std + eps) is x minus its mean."""
    x, gamma, beta, eps = (clue.inputs.get(name) for name in ("x", "gamma", "beta", "eps"))
    if clue.name != "out" or x is None or not np.all(gamma):
        return None
    eps = 1e-5 if eps is None else eps
    xhat = (np.asarray(got, dtype=float) - beta) / gamma
    centred = x - x.mean(axis=-1, keepdims=True)
    if close(xhat * (x.std(axis=-1, keepdims=True) + eps), centred):
        return "eps is added after the square root: divide by sqrt(var + eps), not by sqrt(var) + eps."
    return None


@hint("summed_axes")
def summed_axes(got, want, clue: Clue) -> str | None:
    """dgamma or dbeta with a shape other than (D,): summed over the wrong axes."""
    if clue.name in ("dgamma", "dbeta") and np.shape(got) != np.shape(want):
        return (f"{clue.name} must have gamma's shape {want.shape}: gamma and beta are shared by every "
                "example (and time step), so sum over every axis but the last, the features.")
    return None


# --- optimisers ----------------------------------------------------------------------------------

@hint("optimiser_step")
def optimiser_step(got, want, clue: Clue) -> str | None:
    """next_w whose step (next_w - w) is a known multiple of the right step."""
    w, config = clue.inputs.get("w"), clue.inputs.get("config")
    if clue.name != "next_w" or want is None or not isinstance(config, dict):
        return None
    k = _step_ratio(np.asarray(got, dtype=float) - w, want - w)
    if k is None or near(k, 1):
        return None
    if k == 0:
        return "w did not move: next_w = w + the step."
    if near(k, -1):
        return "the step has the wrong sign: it climbs the loss. The update must go against the gradient."
    t = config.get("t", 0) + 1
    uncorrected = (1 - config.get("beta1", 0.9) ** t) / (1 - config.get("beta2", 0.999) ** t) ** 0.5
    if abs(k - uncorrected) <= 1e-3 * uncorrected:
        return (f"the step is {k:.4g} times the right one, (1 - beta1^t) / sqrt(1 - beta2^t) with t = {t}: "
                "the bias correction is missing. m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).")
    if near(k, config.get("momentum", 0.9)):
        return (f"the step is momentum = {k:.4g} times the right one: momentum multiplies the old "
                "velocity only, v = momentum * v - learning_rate * dw.")
    return f"the step next_w - w is {k:.4g} times the right one."


# --- inputs to refuse ----------------------------------------------------------------------------

@hint("must_refuse")
def must_refuse(got, want, clue: Clue) -> str | None:
    """On a case the function must refuse (``want`` None): what is wrong with its inputs, which numpy
    would have taken without a word."""
    if want is not None:
        return None
    inputs, config = clue.inputs, clue.inputs.get("config")
    if "kind" in inputs:
        return (f'kind {inputs["kind"]!r} is none of "relu", "tanh" and "gelu" (the names are '
                "case-sensitive): raise a ValueError that names the known kinds instead of falling back to "
                "one of them.")
    if "temperature" in inputs:
        return (f"a temperature of {inputs['temperature']} is not positive: logits / temperature is then "
                "infinite or flips the distribution. Raise a ValueError.")
    if isinstance(inputs.get("bn_param"), dict):
        return (f"mode {inputs['bn_param'].get('mode')!r} is neither \"train\" nor \"test\" (the names are "
                "case-sensitive): raise a ValueError rather than guess.")
    if "eps" in inputs:
        return (f"eps = {inputs['eps']} is not positive: sqrt(var + eps) can then be 0 (a constant row) or "
                "the root of a negative number. Raise a ValueError.")
    if isinstance(config, dict) and np.shape(inputs["dw"]) != np.shape(inputs["w"]):
        return (f"dw has shape {np.shape(inputs['dw'])} and w {np.shape(inputs['w'])}: numpy would broadcast "
                "one over the other without a word. Compare the shapes and raise a ValueError.")
    if isinstance(config, dict):
        return ("beta1 and beta2 must be in [0, 1): with beta = 1 the moment never changes and the bias "
                "correction divides by 1 - beta^t = 0. Raise a ValueError.")
    return None
