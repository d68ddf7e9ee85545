"""The cell's gradient is taken only through next_h: the incoming dnext_c is dropped."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_backward"
SYMPTOM = "through the cell"
ALSO = ("lstm.lstm_backward",)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_h * o * (1 - tanh_c**2)
    di = dc * g * i * (1 - i)
    df = dc * prev_c * f * (1 - f)
    do = dnext_h * tanh_c * o * (1 - o)
    dg = dc * i * (1 - g**2)
    da = np.hstack([di, df, do, dg])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)
