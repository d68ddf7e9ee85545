"""The lecture's opening: a cost function, gradient descent and a computational graph.

A network is a graph of simple nodes. The forward pass computes every node's
output from its inputs; the backward pass applies the chain rule node by node,
from the cost back to the parameters: dC/dinput = dC/doutput * doutput/dinput.
"""

import numpy as np


def mse_loss(y_pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient.

    Parameters
    ----------
    y_pred : ndarray, any shape
        The network's predictions.
    y : ndarray, the shape of ``y_pred``
        The targets.

    Returns
    -------
    loss : float
        C = (1/n) * sum_i (y_pred_i - y_i)^2, the mean over all n elements.
    dy_pred : ndarray, the shape of ``y_pred``
        dC/dy_pred.
    """
    # TODO: raise a ValueError that names both shapes when they differ. Then the mean
    #   (not the sum) of the squared differences, as a Python float, and its
    #   gradient: d/dy_pred of (1/n) sum (y_pred - y)^2 = (2/n) (y_pred - y).
    if np.shape(y_pred) != np.shape(y):
        raise ValueError(
            f"mse_loss: y_pred has shape {np.shape(y_pred)} but y has shape {np.shape(y)}; they must be equal"
        )
    diff = y_pred - y
    loss = float(np.mean(diff**2))
    dy_pred = 2.0 * diff / diff.size
    return loss, dy_pred


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Forward pass of an affine (fully connected) node: out = x W + b.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        A minibatch of N inputs with D features.
    W : ndarray, shape (D, M)
        Weights.
    b : ndarray, shape (M,)
        Biases.

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : tuple
        What affine_backward needs.
    """
    if x.ndim != 2 or W.ndim != 2 or b.ndim != 1:
        raise ValueError(
            f"affine_forward: expected x (N, D), W (D, M), b (M,); got x {x.shape}, W {W.shape}, b {b.shape}"
        )
    if x.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"affine_forward: shapes do not chain: x {x.shape} @ W {W.shape} + b {b.shape}")
    # TODO: out = x W + b (b broadcasts over the N rows); keep x and W for the backward pass.
    out = x @ W + b
    cache = (x, W)
    return out, cache


def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of an affine node by the chain rule.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
        Upstream gradient dC/dout.
    cache : tuple
        From affine_forward.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    # TODO: by the chain rule, dx = dout W^T, dW = x^T dout, and db sums dout over
    #   the batch (b was added to every row). Check each shape against the docstring.
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def sgd_step(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> list[np.ndarray]:
    """One step of gradient descent: W <- W - lr * dC/dW for every parameter.

    Parameters
    ----------
    params : list of ndarray
        The parameters, any shapes.
    grads : list of ndarray
        dC/dparam for each parameter, the same shapes, in the same order.
    lr : float
        The learning rate (step size), > 0.

    Returns
    -------
    list of ndarray
        The updated parameters as new arrays; ``params`` is left unchanged.
    """
    if len(params) != len(grads):
        raise ValueError(f"sgd_step: {len(params)} params but {len(grads)} grads")
    # TODO: step against the gradient (downhill), scaled by the learning rate.
    #   Build new arrays: an in-place "-=" would change the caller's params.
    return [p - lr * g for p, g in zip(params, grads)]
