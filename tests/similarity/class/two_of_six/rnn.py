"""A vanilla recurrent network, backpropagation through time, and gradient clipping.

At every time step the hidden state is updated from the previous one and the
input, with the same weights at every step:

    h_t = f_W(h_{t-1}, x_t) = tanh(x_t Wx + h_{t-1} Wh + b)

Backpropagation through time runs the chain rule backwards over the unrolled
graph: h_{t-1} reaches the cost directly (through dh[:, t-1]) and through h_t,
so its gradient is the sum of both. Repeated multiplication by Wh makes
gradients explode or vanish over long sequences; clipping their norm keeps a
step bounded.
"""

import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b)
    return h, Step(x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    dz = dnext_h * (1 - cache.h * cache.h)
    return (np.einsum("nh,dh->nd", dz, cache.Wx), np.einsum("nh,kh->nk", dz, cache.Wh),
            np.einsum("nd,nh->dh", cache.x, dz), np.einsum("nk,nh->kh", cache.prev_h, dz),
            np.einsum("nh->h", dz))


def rnn_forward(x, h0, Wx, Wh, b):
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError("rnn_forward: x is (N, T, D) and h0 is (N, H)")
    n, steps, _ = x.shape
    out = np.zeros((n, steps, Wh.shape[0]))
    records = []
    state = h0
    t = 0
    while t < steps:
        state, record = rnn_step_forward(x[:, t, :], state, Wx, Wh, b)
        out[:, t, :] = state
        records.append(record)
        t += 1
    return out, records


def rnn_backward(dh, cache):
    first = cache[0]
    dx = np.zeros((dh.shape[0], dh.shape[1], first.x.shape[1]))
    dWx, dWh, db = np.zeros(first.Wx.shape), np.zeros(first.Wh.shape), np.zeros(dh.shape[2])
    upstream = np.zeros(dh[:, 0, :].shape)
    t = dh.shape[1] - 1
    while t >= 0:
        dx[:, t, :], upstream, gx, gh, gb = rnn_step_backward(dh[:, t, :] + upstream, cache[t])
        dWx += gx
        dWh += gh
        db += gb
        t -= 1
    return dx, upstream, dWx, dWh, db


def clip_grad_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("clip_grad_norm: max_norm must be positive")
    squares = [np.einsum("i,i->", g.ravel(), g.ravel()) for g in grads]
    norm = float(np.sqrt(np.sum(squares)))
    if norm <= max_norm:
        return [g.copy() for g in grads], norm
    return [g * (max_norm / norm) for g in grads], norm


class Step:
    def __init__(self, x, prev_h, Wx, Wh, h):
        self.x, self.prev_h, self.Wx, self.Wh, self.h = x, prev_h, Wx, Wh, h
