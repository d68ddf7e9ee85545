"""Test mode updates the running statistics with the test batch's."""

import numpy as np

MODULE = "norm"
TASK = "norm.batchnorm_forward"
SYMPTOM = "running_mean"


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict
) -> tuple[np.ndarray, tuple]:
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1]))
    if mode == "train":
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
        running_mean = momentum * running_mean + (1 - momentum) * x.mean(axis=0)
        running_var = momentum * running_var + (1 - momentum) * x.var(axis=0)
    else:
        raise ValueError(f'batchnorm: mode must be "train" or "test", got {mode!r}')
    xhat = (x - mean) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    cache = (xhat, gamma, var + eps)
    return out, cache
