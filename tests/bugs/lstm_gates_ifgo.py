"""The LSTM gates are split in PyTorch's order i, f, g, o instead of the lecture's i, f, o, g."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_forward"
SYMPTOM = "i, f, g, o"
ALSO = ("lstm.lstm_step_backward", "lstm.lstm_forward", "lstm.lstm_backward")


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])  # noqa: F821
    f = sigmoid(a[:, H : 2 * H])  # noqa: F821
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])  # noqa: F821
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    di = dc * g * i * (1 - i)
    df = dc * prev_c * f * (1 - f)
    dg = dc * i * (1 - g**2)
    do = dnext_h * tanh_c * o * (1 - o)
    da = np.concatenate([di, df, dg, do], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
