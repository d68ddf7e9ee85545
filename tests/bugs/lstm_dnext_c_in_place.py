"""dnext_c += ... adds the path through next_h to the caller's array: the upstream gradient changes."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_backward"
SYMPTOM = "changed its input dnext_c in place"


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dnext_c += dnext_h * o * (1 - tanh_c**2)
    dc = dnext_c
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tanh_c * o * (1 - o),
                         dc * i * (1 - g**2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
