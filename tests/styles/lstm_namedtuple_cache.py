"""The step's cache is a NamedTuple (typing.NamedTuple), read by field name in the backward pass."""

from typing import NamedTuple

import numpy as np

MODULE = "lstm"


class StepCache(NamedTuple):
    x: np.ndarray
    prev_h: np.ndarray
    prev_c: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    i: np.ndarray
    f: np.ndarray
    o: np.ndarray
    g: np.ndarray
    tanh_c: np.ndarray


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = (1 / (1 + np.exp(-a[:, k * H:(k + 1) * H])) for k in range(3))
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, StepCache(x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    c = cache
    dc = dnext_c + dnext_h * c.o * (1 - c.tanh_c**2)
    da = np.concatenate([dc * c.g * c.i * (1 - c.i), dc * c.prev_c * c.f * (1 - c.f),
                         dnext_h * c.tanh_c * c.o * (1 - c.o), dc * c.i * (1 - c.g**2)], axis=1)
    return da @ c.Wx.T, da @ c.Wh.T, dc * c.f, c.x.T @ da, c.prev_h.T @ da, da.sum(axis=0)
