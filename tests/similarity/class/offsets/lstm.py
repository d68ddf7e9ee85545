"""Long short-term memory (LSTM).

An LSTM keeps a cell state c beside the hidden state h. From the activations
a = x Wx + h_{t-1} Wh + b, split into four blocks of H in the order i, f, o, g:

    i = sigmoid(a_i)   input gate: how much of the candidate to write
    f = sigmoid(a_f)   forget gate: how much of the old cell to keep
    o = sigmoid(a_o)   output gate: how much of the cell to show
    g = tanh(a_g)      the candidate values
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

The cell is updated by addition, so its gradient flows back through time
multiplied only by f, not by a weight matrix: no vanishing through Wh.
"""

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    pre = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    a_i, a_f, a_o, a_g = np.split(pre, 4, axis=1)
    gates = {"i": sigmoid(a_i), "f": sigmoid(a_f), "o": sigmoid(a_o), "g": np.tanh(a_g)}
    next_c = gates["f"] * prev_c + gates["i"] * gates["g"]
    next_h = gates["o"] * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, next_c, gates)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, next_c, gates = cache
    i, f, o, g = gates["i"], gates["f"], gates["o"], gates["g"]
    squashed = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1.0 - squashed * squashed)
    d_pre = np.hstack([
        dc * g * i * (1.0 - i),
        dc * prev_c * f * (1.0 - f),
        dnext_h * squashed * o * (1.0 - o),
        dc * i * (1.0 - g * g),
    ])
    return (np.dot(d_pre, Wx.T), np.dot(d_pre, Wh.T), dc * f,
            np.dot(x.T, d_pre), np.dot(prev_h.T, d_pre), d_pre.sum(0))


def lstm_forward(x, h0, Wx, Wh, b):
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"lstm_forward: x must be (N, T, D) and h0 (N, H), got {x.shape} and {h0.shape}")
    h, c = h0, np.zeros(h0.shape)
    outputs, steps = [], []
    for x_t in np.moveaxis(x, 1, 0):
        h, c, step = lstm_step_forward(x_t, h, c, Wx, Wh, b)
        outputs.append(h)
        steps.append(step)
    return np.stack(outputs, 1), steps


def lstm_backward(dh, cache):
    n, steps, hidden = dh.shape
    grad_h, grad_c = np.zeros((n, hidden)), np.zeros((n, hidden))
    totals = None
    dxs = []
    for t in reversed(range(steps)):
        dx_t, grad_h, grad_c, *rest = lstm_step_backward(dh[:, t] + grad_h, grad_c, cache[t])
        dxs.insert(0, dx_t)
        totals = rest if totals is None else [s + r for s, r in zip(totals, rest)]
    return (np.stack(dxs, 1), grad_h, *totals)
