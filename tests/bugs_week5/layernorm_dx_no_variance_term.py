"""dx forgets that the variance depends on x: the xhat * mean(dxhat * xhat) term is missing."""

import numpy as np

MODULE = "norm"
TASK = "norm.layernorm_backward"
SYMPTOM = "dx"


def layernorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xhat, inv_std, gamma = cache
    batch_axes = tuple(range(dout.ndim - 1))
    dbeta = dout.sum(axis=batch_axes)
    dgamma = (dout * xhat).sum(axis=batch_axes)
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=-1, keepdims=True))
    return dx, dgamma, dbeta
