"""Layer norm takes its mean and variance over the batch axis, as batch norm does."""

import numpy as np

MODULE = "norm"
TASK = "norm.layernorm_forward"
SYMPTOM = "over the batch"
ALSO = ('norm.layernorm_backward',)


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    if not eps > 0:
        raise ValueError(f"layernorm: eps must be positive, got {eps}")
    mean = x.mean(axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=0, keepdims=True) + eps)
    xhat = (x - mean) * inv_std
    out = gamma * xhat + beta
    cache = (xhat, inv_std, gamma)
    return out, cache
