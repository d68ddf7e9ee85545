"""List returns whose caches are closures: [next_h, backward], and the sequence's list of them."""

import numpy as np

MODULE = "rnn"


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)

    def backward(dnext_h):
        da = dnext_h * (1 - next_h**2)
        return [da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)]

    return [next_h, backward]


def rnn_step_backward(dnext_h, cache):
    return cache(dnext_h)


def rnn_forward(x, h0, Wx, Wh, b):
    h, steps, prev_h = [], [], h0
    for t in range(x.shape[1]):
        prev_h, step = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h.append(prev_h)
        steps.append(step)
    return [np.stack(h, axis=1), steps]


def rnn_backward(dh, cache):
    dx, dprev, dWx, dWh, db = [], 0, 0, 0, 0
    for t in reversed(range(dh.shape[1])):
        dx_t, dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev, cache[t])
        dx.insert(0, dx_t)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return [np.stack(dx, axis=1), dprev, dWx, dWh, db]
