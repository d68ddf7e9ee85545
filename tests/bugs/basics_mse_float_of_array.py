"""The loss as a (1, 1) matrix product, then float() of it: NumPy 2 converts only 0-dimensional arrays."""

MODULE = "basics"
TASK = "basics.mse_loss"
SYMPTOM = "0-dimensional array"


def mse_loss(y_pred, y):
    if y_pred.shape != y.shape:
        raise ValueError(f"mse_loss: shapes {y_pred.shape} and {y.shape} differ")
    diff = (y_pred - y).reshape(1, -1)
    loss = float(diff @ diff.T) / diff.size
    return loss, 2.0 * (y_pred - y) / diff.size
