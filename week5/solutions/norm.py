"""Normalisation layers and activations: layer norm, batch norm with its running statistics, GELU.

Layer normalisation standardises each example over its own D features; batch
normalisation standardises each feature over the N examples of a minibatch, and
keeps running averages of the batch's mean and variance for test time.
"""

import numpy as np


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Forward pass of layer normalisation.

    Parameters
    ----------
    x : ndarray, shape (..., D)
        Inputs: (N, D), or (N, T, D) for sequences; each row of D features is normalised.
    gamma : ndarray, shape (D,)
        Scale of each feature.
    beta : ndarray, shape (D,)
        Shift of each feature.
    eps : float, keyword-only
        Added to the variance before the square root; must be positive.

    Returns
    -------
    out : ndarray, the shape of ``x``
        gamma * (x - mean) / sqrt(var + eps) + beta, mean and (biased) var over the last axis.
    cache : tuple
        What layernorm_backward needs.
    """
    # BEGIN SOLUTION
    # TODO: raise a ValueError unless eps > 0. Mean and variance over the LAST axis (the
    #   features of one example; keepdims=True), the biased variance (divide by D, numpy's
    #   default ddof=0); xhat = (x - mean) / sqrt(var + eps); out = gamma * xhat + beta.
    if not eps > 0:
        raise ValueError(f"layernorm: eps must be positive, got {eps}")
    mean = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xhat = (x - mean) * inv_std
    out = gamma * xhat + beta
    cache = (xhat, inv_std, gamma)
    # END SOLUTION
    return out, cache


def layernorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer normalisation.

    Parameters
    ----------
    dout : ndarray, shape (..., D)
        Upstream gradient of out.
    cache : tuple
        From layernorm_forward.

    Returns
    -------
    dx : ndarray, the shape of ``dout``
    dgamma : ndarray, shape (D,)
    dbeta : ndarray, shape (D,)
    """
    # BEGIN SOLUTION
    # TODO: dbeta and dgamma sum dout and dout * xhat over every axis but the last (gamma
    #   and beta are shared by all examples). For dx, with dxhat = dout * gamma and the sums
    #   over the D features of one example:
    #   dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps).
    xhat, inv_std, gamma = cache
    batch_axes = tuple(range(dout.ndim - 1))
    dbeta = dout.sum(axis=batch_axes)
    dgamma = (dout * xhat).sum(axis=batch_axes)
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=-1, keepdims=True)
                    - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True))
    # END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict
) -> tuple[np.ndarray, tuple]:
    """Forward pass of batch normalisation, with the running statistics of CS231n.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        A minibatch of N examples of D features.
    gamma : ndarray, shape (D,)
        Scale of each feature.
    beta : ndarray, shape (D,)
        Shift of each feature.
    bn_param : dict
        The layer's state, updated IN PLACE:
        - "mode": "train" or "test" (required);
        - "eps": added to the variance (default 1e-5);
        - "momentum": weight of the old running averages (default 0.9);
        - "running_mean", "running_var": arrays of shape (D,) (default zeros), in training
          replaced by momentum * running + (1 - momentum) * the batch's statistic.

    Returns
    -------
    out : ndarray, shape (N, D)
        Training: normalised with the batch's mean and (biased) variance over the N examples;
        test: with the running ones. Then scaled by gamma and shifted by beta.
    cache : tuple
        What a backward pass would need.
    """
    # BEGIN SOLUTION
    # TODO: read mode, eps and momentum (bn_param.get with the defaults above) and the running
    #   mean and variance (zeros of shape (D,) when absent). "train": normalise with the batch's
    #   mean and variance over axis 0 and update the running averages; "test": normalise with
    #   the running ones and leave them as they are; any other mode: raise a ValueError.
    #   Store the running mean and variance back INTO bn_param: the caller keeps that dict.
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
    else:
        raise ValueError(f'batchnorm: mode must be "train" or "test", got {mode!r}')
    xhat = (x - mean) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    cache = (xhat, gamma, var + eps)
    # END SOLUTION
    return out, cache


def activation(x: np.ndarray, kind: str = "gelu") -> np.ndarray:
    """An element-wise activation, chosen by name.

    Parameters
    ----------
    x : ndarray, any shape
    kind : str
        "relu": max(0, x); "tanh"; "gelu": the tanh approximation of GPT-2 and BERT,
        0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).

    Returns
    -------
    out : ndarray, the shape of ``x``
    """
    # BEGIN SOLUTION
    # TODO: one formula per kind; an unknown kind is a ValueError that names the known ones
    #   (never a silent fallback to another activation).
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "tanh":
        return np.tanh(x)
    if kind == "gelu":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
    raise ValueError(f'activation: kind must be "relu", "tanh" or "gelu", got {kind!r}')
    # END SOLUTION
