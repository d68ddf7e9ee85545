"""Week 5's own hints: the usual mistakes of attention, normalisation and the optimisers, told by
where and how a wrong array differs from the right one.

Each hint looks at a wrong value beside the right one (``got``, ``want``) and the case's inputs
(``clue.inputs``), and returns what the student most likely did, or None. Most evaluate the
mistaken formula itself on the case's own inputs (no scale, the mask ignored, the variance over
the batch, ...) and name it when it gives exactly what the student's code gave. They show no
expected value: a hidden case must not hand out its answer.
"""

from __future__ import annotations

import numpy as np

from autograder.hints import Clue, hint


def _same(got: object, alternative: np.ndarray) -> bool:
    got = np.asarray(got, dtype=float)
    return got.shape == alternative.shape and bool(np.allclose(got, alternative, rtol=1e-6, atol=1e-9))


def _ratio(got: object, want: object) -> float | None:
    """The k with got == k * want (to 1e-3: Adam's epsilon is not a factor), if there is one."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    norm = float(np.sum(want * want))
    if norm == 0 or got.shape != want.shape:
        return None
    k = float(np.sum(got * want)) / norm
    return k if np.allclose(got, k * want, rtol=1e-3, atol=1e-12) else None


def _near(a: float, b: float, tolerance: float = 1e-4) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


# --- attention -----------------------------------------------------------------------------------

def _attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None, scale: float,
               axis: int = -1) -> np.ndarray:
    """Attention as a mistaken formula computes it: any scale, any softmax axis."""
    scores = q @ k.transpose(0, 2, 1) * scale
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(all="ignore"):
        weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
        weights = weights / weights.sum(axis=axis, keepdims=True)
    return np.nan_to_num(weights) @ v


@hint("attention_variant")
def attention_variant(got, want, clue: Clue) -> str | None:
    """out as the usual slips in softmax(q k^T / sqrt(D), masked) v give it."""
    if clue.name != "out":
        return None
    q, k, v, mask = (clue.inputs.get(name) for name in ("q", "k", "v", "mask"))
    d = q.shape[-1]
    slips = [(1.0, mask, -1, "the scores are not divided by sqrt(D): S = q k^T / sqrt(D), "
                             f"here sqrt({d})"),
             (1.0 / d, mask, -1, f"the scores are divided by D = {d}, not by sqrt(D)"),
             (d**-0.5, mask, -2, "the softmax runs over the queries (axis -2); each query's weights "
                                 "must sum to 1 over the KEYS, the last axis")]
    if mask is not None:
        slips += [(d**-0.5, None, -1, "the mask is ignored: out is wrong exactly in the rows of the "
                                      "queries that may not see every key. Set the masked scores to -inf "
                                      "before the softmax"),
                  (d**-0.5, ~mask, -1, "the mask is inverted: True means the query MAY attend to the key, "
                                       "so the scores where the mask is False become -inf")]
    for scale, used_mask, axis, cause in slips:
        if _same(got, _attention(q, k, v, used_mask, scale, axis)):
            return cause + "."
    return None


@hint("attention_scale")
def attention_scale(got, want, clue: Clue) -> str | None:
    """dq or dk off by exactly sqrt(D): the scale of the scores forgotten (or applied twice)."""
    q = clue.inputs.get("q")
    ratio = _ratio(got, want)
    if ratio is None or q is None or clue.name not in ("dq", "dk"):
        return None
    d = q.shape[-1]
    if _near(ratio, d**0.5):
        return (f"{clue.name} is sqrt(D) = {d**0.5:.4g} times the right value: the scores are "
                f"S = q k^T / sqrt(D), so {clue.name} carries the factor 1/sqrt(D) too.")
    if _near(ratio, d**-0.5):
        return f"{clue.name} is 1/sqrt(D) of the right value: the factor 1/sqrt(D) is applied twice."
    return None


@hint("sin_cos_swapped")
def sin_cos_swapped(got, want, clue: Clue) -> str | None:
    """Cosines in the even columns and sines in the odd ones."""
    got = np.asarray(got, dtype=float)
    pairs = want.shape[-1] // 2
    if got.shape != want.shape or pairs == 0:
        return None
    if _same(got[:, 0:2 * pairs:2], want[:, 1::2]) and _same(got[:, 1::2], want[:, 0:2 * pairs:2]):
        return ("sines and cosines are swapped: the even columns 2i hold the sines, the odd ones 2i + 1 "
                "the cosines.")
    return None


# --- normalisation -------------------------------------------------------------------------------

def _normalise(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray,
               eps: float, eps_inside: bool = True) -> np.ndarray:
    std = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
    with np.errstate(all="ignore"):
        return gamma * (x - mean) / std + beta


def _layernorm_slips(x, gamma, beta, eps) -> list[tuple[np.ndarray, str]]:
    last = {"axis": -1, "keepdims": True}
    mean = x.mean(**last)
    return [(_normalise(x, gamma, beta, x.mean(axis=0), x.var(axis=0), eps),
             "the mean and variance are taken over the batch (axis 0): layer norm normalises each "
             "example over its own features, the last axis"),
            (_normalise(x, gamma, beta, mean, x.var(ddof=1, **last), eps),
             "the variance divides by D - 1 (ddof=1): use the biased variance, x.var(axis=-1), which "
             "divides by D"),
            (_normalise(x, gamma, beta, mean, x.var(**last), eps, eps_inside=False),
             "eps is added after the square root: divide by sqrt(var + eps), not by sqrt(var) + eps")]


def _batchnorm_slips(x, gamma, beta, bn_param) -> list[tuple[np.ndarray, str]]:
    eps, d = bn_param.get("eps", 1e-5), x.shape[1]
    running = (bn_param.get("running_mean", np.zeros(d)), bn_param.get("running_var", np.zeros(d)))
    batch = (x.mean(axis=0), x.var(axis=0))
    if bn_param["mode"] == "test":
        return [(_normalise(x, gamma, beta, *batch, eps),
                 "test mode normalises with the batch's statistics: use the running mean and variance")]
    return [(_normalise(x, gamma, beta, *running, eps),
             "training normalises with the running statistics: use the batch's mean and variance "
             "(and update the running ones)"),
            (_normalise(x, gamma, beta, x.mean(axis=0), x.var(axis=0, ddof=1), eps),
             "the variance divides by N - 1 (ddof=1): use the biased variance, x.var(axis=0)"),
            (_normalise(x, gamma, beta, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), eps),
             "the statistics are taken over the features (axis 1): batch norm normalises each feature "
             "over the N examples, axis 0")]


@hint("norm_variant")
def norm_variant(got, want, clue: Clue) -> str | None:
    """out of layer or batch norm as the usual slips in the axis, the variance or eps give it."""
    if clue.name != "out":
        return None
    x, gamma, beta = (clue.inputs[name] for name in ("x", "gamma", "beta"))
    bn_param = clue.inputs.get("bn_param")
    slips = (_batchnorm_slips(x, gamma, beta, bn_param) if isinstance(bn_param, dict)
             else _layernorm_slips(x, gamma, beta, clue.inputs.get("eps", 1e-5)))
    return next((cause + "." for alternative, cause in slips if _same(got, alternative)), None)


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
    if clue.name != "next_w" or w is None or not isinstance(config, dict):
        return None
    ratio = _ratio(np.asarray(got, dtype=float) - w, want - w)
    if ratio is None or _near(ratio, 1):
        return None
    if ratio == 0:
        return "w did not move: next_w = w + the step."
    if _near(ratio, -1):
        return "the step has the wrong sign: it climbs the loss. The update must go against the gradient."
    t = config.get("t", 0) + 1
    beta1, beta2 = config.get("beta1", 0.9), config.get("beta2", 0.999)
    if _near(ratio, (1 - beta1**t) / (1 - beta2**t) ** 0.5, 1e-3):
        return (f"the step is {ratio:.4g} times the right one, (1 - beta1^t) / sqrt(1 - beta2^t) with "
                f"t = {t}: the bias correction is missing. m_hat = m / (1 - beta1^t), "
                "v_hat = v / (1 - beta2^t).")
    if _near(ratio, config.get("momentum", 0.9)):
        return (f"the step is momentum = {ratio:.4g} times the right one: momentum multiplies the old "
                "velocity only, v = momentum * v - learning_rate * dw.")
    return f"the step next_w - w is {ratio:.4g} times the right one."
