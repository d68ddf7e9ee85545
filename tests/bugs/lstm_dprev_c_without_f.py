"""dprev_c is passed back as dc, forgetting that c = f * prev_c + i * g multiplies prev_c by f."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_backward"
SYMPTOM = "forget gate"
ALSO = ("lstm.lstm_backward",)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    di = dc * g * i * (1 - i)
    df = dc * prev_c * f * (1 - f)
    do = dnext_h * tanh_c * o * (1 - o)
    dg = dc * i * (1 - g**2)
    da = np.hstack([di, df, do, dg])
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
