"""The gradient of the MSE forgets the 2 that comes down from the square."""

import numpy as np

MODULE = "basics"
TASK = "basics.mse_loss"
SYMPTOM = "missing factor 2"


def mse_loss(y_pred, y):
    if np.shape(y_pred) != np.shape(y):
        raise ValueError(f"mse_loss: shapes {np.shape(y_pred)} and {np.shape(y)} differ")
    diff = y_pred - y
    n = diff.size
    loss = float(np.sum(diff**2) / n)
    dy_pred = diff / n
    return loss, dy_pred
