"""mse_loss without its ValueError: shapes (4, 3) and (3, 4) fail in numpy, but (4, 3) and (4, 1) broadcast
silently; the student relied on numpy to complain."""

import numpy as np

MODULE = "basics"
TASK = "basics.mse_loss"
SYMPTOM = "should raise ValueError"


def mse_loss(y_pred, y):
    diff = y_pred - y.reshape(y_pred.shape) if y.size == y_pred.size else y_pred - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
