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
from dataclasses import dataclass


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    ai, af, ao, ag = np.split(a, 4, axis=1)
    i, f, o, g = 1 / (1 + np.exp(-ai)), 1 / (1 + np.exp(-af)), 1 / (1 + np.exp(-ao)), np.tanh(ag)
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, StepCache(x, prev_h, prev_c, Wx, Wh, (i, f, o, g), tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache.gates
    dc = dnext_c + dnext_h * o * (1 - cache.tanh_c**2)
    da = np.hstack([dc * g * i * (1 - i), dc * cache.prev_c * f * (1 - f),
                    dnext_h * cache.tanh_c * o * (1 - o), dc * i * (1 - g**2)])
    return (da @ cache.Wx.T, da @ cache.Wh.T, dc * f, cache.x.T @ da, cache.prev_h.T @ da, da.sum(axis=0))


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """Run an LSTM over a whole sequence; the initial cell state is zero.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, 4H)
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)

    Returns
    -------
    h : ndarray, shape (N, T, H)
        The hidden state after every step.
    cache : list
        What lstm_backward needs.
    """
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"lstm_forward: expected x (N, T, D) and h0 (N, H); got x {x.shape}, h0 {h0.shape}")
    # TODO: as rnn_forward, with lstm_step_forward, carrying both h and c from step to
    #   step; c starts at zeros of the shape of h0.
    raise NotImplementedError("lstm_forward: write this part (see the TODO above)")


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    first = cache[0]
    dx = np.zeros((N, T, first.x.shape[1]))
    dWx, dWh, db = np.zeros_like(first.Wx), np.zeros_like(first.Wh), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db


@dataclass
class StepCache:
    x: np.ndarray
    prev_h: np.ndarray
    prev_c: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    gates: tuple
    tanh_c: np.ndarray
