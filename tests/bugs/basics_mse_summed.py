"""The MSE is summed over the elements instead of averaged (and its gradient with it)."""

import numpy as np

MODULE = "basics"
TASK = "basics.mse_loss"
SYMPTOM = "summed where it should be averaged"


def mse_loss(y_pred, y):
    if np.shape(y_pred) != np.shape(y):
        raise ValueError(f"mse_loss: shapes {np.shape(y_pred)} and {np.shape(y)} differ")
    diff = y_pred - y
    loss = float(np.sum(diff**2))
    dy_pred = 2 * diff
    return loss, dy_pred
