"""The forget gate is differentiated as if it were a tanh: (1 - f**2) instead of f * (1 - f)."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_backward"
SYMPTOM = "only the forget (f) gate"
ALSO = ("lstm.lstm_backward",)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.concatenate(
        [dc * g * i * (1 - i), dc * prev_c * (1 - f**2), dnext_h * tanh_c * o * (1 - o), dc * i * (1 - g**2)],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
