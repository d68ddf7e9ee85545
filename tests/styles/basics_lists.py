"""Every function that returns several values returns a list (SPEC §1 allows a tuple or a list)."""

import numpy as np

MODULE = "basics"


def mse_loss(y_pred, y):
    if y_pred.shape != y.shape:
        raise ValueError(f"mse_loss: shapes {y_pred.shape} and {y.shape} differ")
    diff = y_pred - y
    return [float(np.mean(diff**2)), 2 * diff / diff.size]


def affine_forward(x, W, b):
    return [x @ W + b, {"x": x, "W": W}]


def affine_backward(dout, cache):
    return [dout @ cache["W"].T, cache["x"].T @ dout, dout.sum(axis=0)]
