"""The cache is a closure that computes the step's backward pass (micrograd's style), and an object for the
sequence: neither can leave the student's process, and neither needs to."""

import numpy as np

MODULE = "rnn"


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)

    def backward(dnext_h):
        da = dnext_h * (1 - next_h**2)
        return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)

    return next_h, backward


def rnn_step_backward(dnext_h, cache):
    return cache(dnext_h)


class Steps:
    """The closures of every time step, in order."""

    def __init__(self):
        self.backwards = []


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, steps, prev = np.zeros((N, T, h0.shape[1])), Steps(), h0
    for t in range(T):
        prev, backward = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        steps.backwards.append(backward)
    return h, steps


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx, dprev = [None] * T, np.zeros((N, H))
    grads = None
    for t in reversed(range(T)):
        dx[t], dprev, *dparams = cache.backwards[t](dh[:, t] + dprev)
        grads = dparams if grads is None else [g + d for g, d in zip(grads, dparams)]
    return (np.stack(dx, axis=1), dprev, *grads)
