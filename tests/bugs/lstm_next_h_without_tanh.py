"""next_h = o * next_c: the tanh of the cell is computed but not used."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_step_forward"
SYMPTOM = "tanh"
ALSO = ("lstm.lstm_forward", "lstm.lstm_backward")


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])  # noqa: F821
    f = sigmoid(a[:, H : 2 * H])  # noqa: F821
    o = sigmoid(a[:, 2 * H : 3 * H])  # noqa: F821
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * next_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
