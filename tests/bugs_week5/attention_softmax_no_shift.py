"""The softmax exponentiates the raw scores: large scores overflow to inf/inf."""

import numpy as np

MODULE = "attention"
TASK = "attention.scaled_dot_product_attention_forward"
SYMPTOM = "overflow"


def scaled_dot_product_attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    shifted = np.exp(scores)  # a masked score: exp(-inf) = 0
    total = shifted.sum(axis=-1, keepdims=True)
    weights = shifted / np.where(total > 0, total, 1.0)
    out = weights @ v
    cache = (q, k, v, weights, scale)
    return out, cache
