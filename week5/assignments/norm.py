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
    # TODO: raise a ValueError unless eps > 0. Mean and variance over the LAST axis (the
    #   features of one example; keepdims=True), the biased variance (divide by D, numpy's
    #   default ddof=0); xhat = (x - mean) / sqrt(var + eps); out = gamma * xhat + beta.
    raise NotImplementedError("layernorm_forward: write this part (see the TODO above)")
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
    # TODO: dbeta and dgamma sum dout and dout * xhat over every axis but the last (gamma
    #   and beta are shared by all examples). For dx, with dxhat = dout * gamma and the sums
    #   over the D features of one example:
    #   dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps).
    raise NotImplementedError("layernorm_backward: write this part (see the TODO above)")
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
    # TODO: read mode, eps and momentum (bn_param.get with the defaults above) and the running
    #   mean and variance (zeros of shape (D,) when absent). "train": normalise with the batch's
    #   mean and variance over axis 0 and update the running averages; "test": normalise with
    #   the running ones and leave them as they are; any other mode: raise a ValueError.
    #   Store the running mean and variance back INTO bn_param: the caller keeps that dict.
    raise NotImplementedError("batchnorm_forward: write this part (see the TODO above)")
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
    # TODO: one formula per kind; an unknown kind is a ValueError that names the known ones
    #   (never a silent fallback to another activation).
    raise NotImplementedError("activation: write this part (see the TODO above)")
