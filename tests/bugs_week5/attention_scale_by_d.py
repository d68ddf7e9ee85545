"""The scores are divided by D, not by sqrt(D)."""

import numpy as np

MODULE = "attention"
TASK = "attention.scaled_dot_product_attention_forward"
SYMPTOM = "divided by D"
ALSO = ('attention.scaled_dot_product_attention_backward',)


def scaled_dot_product_attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    scale = 1.0 / q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) * scale
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    shifted = np.exp(scores - np.where(np.isfinite(row_max), row_max, 0.0))  # a masked score: exp(-inf) = 0
    total = shifted.sum(axis=-1, keepdims=True)
    weights = shifted / np.where(total > 0, total, 1.0)
    out = weights @ v
    cache = (q, k, v, weights, scale)
    return out, cache
