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


def rnn_step_forward(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple]:
    """One time step of a vanilla RNN.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        Inputs at this step.
    prev_h : ndarray, shape (N, H)
        Hidden state of the previous step.
    Wx : ndarray, shape (D, H)
        Input-to-hidden weights.
    Wh : ndarray, shape (H, H)
        Hidden-to-hidden weights.
    b : ndarray, shape (H,)
        Biases.

    Returns
    -------
    next_h : ndarray, shape (N, H)
        tanh(x Wx + prev_h Wh + b).
    cache : tuple
        What rnn_step_backward needs.
    """
    # TODO: next_h = tanh(x Wx + prev_h Wh + b). Cache the inputs and next_h itself:
    #   tanh'(a) = 1 - tanh(a)^2 is cheapest from the output.
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(
    dnext_h: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one RNN time step.

    Parameters
    ----------
    dnext_h : ndarray, shape (N, H)
        Gradient of the cost with respect to next_h.
    cache : tuple
        From rnn_step_forward.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dprev_h : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    # TODO: first through the tanh: da = dnext_h * (1 - next_h^2), with next_h the
    #   step's OUTPUT. Then a = x Wx + prev_h Wh + b is two affine nodes: dx = da Wx^T,
    #   dprev_h = da Wh^T, dWx = x^T da, dWh = prev_h^T da, db = da summed over the batch.
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """Run a vanilla RNN over a whole sequence.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        N sequences of T inputs of size D.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)

    Returns
    -------
    h : ndarray, shape (N, T, H)
        The hidden state after every step.
    cache : list
        What rnn_backward needs.
    """
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"rnn_forward: expected x (N, T, D) and h0 (N, H); got x {x.shape}, h0 {h0.shape}")
    # TODO: loop over the T time steps (only over time: each step is vectorised over
    #   the batch), feeding each step's output to the next with rnn_step_forward,
    #   starting from h0. Keep every step's cache.
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches


def rnn_backward(
    dh: np.ndarray, cache: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time over a whole sequence.

    Parameters
    ----------
    dh : ndarray, shape (N, T, H)
        Upstream gradient of every hidden state (from the layers above).
    cache : list
        From rnn_forward.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dWx : ndarray, shape (D, H)
    dWh : ndarray, shape (H, H)
    db : ndarray, shape (H,)
    """
    # TODO: walk the steps backwards, t = T-1 ... 0. The gradient reaching h_t is
    #   dh[:, t] PLUS what step t+1 sent back as its dprev_h. The weights are shared
    #   by every step, so ADD (+=) each step's dWx, dWh, db. What step 0 sends back
    #   is dh0.
    caches = cache
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = caches[0]
    dx = np.empty((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Clip a list of gradients by their global L2 norm.

    Parameters
    ----------
    grads : list of ndarray
        Gradients, any shapes.
    max_norm : float
        Largest norm allowed, > 0.

    Returns
    -------
    clipped : list of ndarray
        New arrays: all grads scaled by max_norm / total_norm when total_norm >
        max_norm, unchanged copies otherwise. The direction is kept.
    total_norm : float
        sqrt(sum of the squares of every element of every array), before clipping.
    """
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    # TODO: ONE norm over all arrays together (not one per array): the square root of
    #   the sum of every squared element. Scale every array by the same factor
    #   max_norm / total_norm, and only when total_norm exceeds max_norm.
    total_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    return [g * scale for g in grads], total_norm
