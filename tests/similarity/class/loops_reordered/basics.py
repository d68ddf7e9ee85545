"""The lecture's opening: a cost function, gradient descent and a computational graph.

A network is a graph of simple nodes. The forward pass computes every node's
output from its inputs; the backward pass applies the chain rule node by node,
from the cost back to the parameters: dC/dinput = dC/doutput * doutput/dinput.
"""

import numpy as np



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
    raise NotImplementedError("sgd_step: write this part (see the TODO above)")


def affine_backward(dout, cache):
    return [dout @ cache["W"].T, cache["x"].T @ dout, dout.sum(axis=0)]


def affine_forward(x, W, b):
    return [x @ W + b, {"x": x, "W": W}]


def mse_loss(y_pred, y):
    if y_pred.shape != y.shape:
        raise ValueError(f"mse_loss: shapes {y_pred.shape} and {y.shape} differ")
    diff = y_pred - y
    return [float(np.mean(diff**2)), 2 * diff / diff.size]


