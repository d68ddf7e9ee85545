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


def lstm_step_forward(
    x: np.ndarray,
    prev_h: np.ndarray,
    prev_c: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One time step of an LSTM.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    prev_h : ndarray, shape (N, H)
    prev_c : ndarray, shape (N, H)
    Wx : ndarray, shape (D, 4H)
        Input weights of the gates, in the order i, f, o, g.
    Wh : ndarray, shape (H, 4H)
    b : ndarray, shape (4H,)

    Returns
    -------
    next_h : ndarray, shape (N, H)
    next_c : ndarray, shape (N, H)
    cache : tuple
        What lstm_step_backward needs.
    """
    # TODO: a = x Wx + prev_h Wh + b has shape (N, 4H); its column blocks
    #   [0:H], [H:2H], [2H:3H], [3H:4H] are i, f, o, g in THAT order (PyTorch uses
    #   i, f, g, o). Sigmoid for i, f, o, tanh for g; then
    #   next_c = f * prev_c + i * g and next_h = o * tanh(next_c).
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache


def lstm_step_backward(
    dnext_h: np.ndarray, dnext_c: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one LSTM time step.

    Parameters
    ----------
    dnext_h : ndarray, shape (N, H)
    dnext_c : ndarray, shape (N, H)
    cache : tuple
        From lstm_step_forward.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dprev_h : ndarray, shape (N, H)
    dprev_c : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    """
    # TODO: next_c reaches the cost twice: directly (dnext_c) and through
    #   next_h = o * tanh(next_c), so dc = dnext_c + dnext_h * o * (1 - tanh(next_c)^2).
    #   From c = f * prev_c + i * g: dprev_c = dc * f, di = dc * g, df = dc * prev_c,
    #   dg = dc * i; do = dnext_h * tanh(next_c). Through the nonlinearities
    #   (sigmoid' = s (1 - s), tanh' = 1 - t^2) to da, stacked i, f, o, g; then the
    #   affine part as in the RNN step.
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),  # input gate
            dc * prev_c * f * (1 - f),  # forget gate
            dnext_h * tanh_c * o * (1 - o),  # output gate
            dc * i * (1 - g**2),  # candidate
        ],
        axis=1,
    )
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dprev_c = dc * f
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


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
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def lstm_backward(
    dh: np.ndarray, cache: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for an LSTM.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state.
    cache : list
        From lstm_forward.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, 4H)
    dWh : ndarray, shape (H, 4H)
    db : ndarray, shape (4H,)
    """
    # TODO: as rnn_backward, but two gradients travel back in time: dprev_h (added to
    #   dh[:, t-1]) and dprev_c (the next step's dnext_c; zero after the last step,
    #   since only h reaches the cost). Accumulate dWx, dWh, db over the steps.
    caches = cache
    N, T, H = dh.shape
    x0, _, _, Wx, Wh, *_ = caches[0]
    dx = np.empty((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dprev_h, dprev_c, caches[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
