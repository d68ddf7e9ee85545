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



class Steps:
    """The closures of every time step, in order."""

    def __init__(self):
        self.backwards = []


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
    raise NotImplementedError("clip_grad_norm: write this part (see the TODO above)")


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx, dprev = [None] * T, np.zeros((N, H))
    grads = None
    for t in reversed(range(T)):
        dx[t], dprev, *dparams = cache.backwards[t](dh[:, t] + dprev)
        grads = dparams if grads is None else [g + d for g, d in zip(grads, dparams)]
    return (np.stack(dx, axis=1), dprev, *grads)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, steps, prev = np.zeros((N, T, h0.shape[1])), Steps(), h0
    for t in range(T):
        prev, backward = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        steps.backwards.append(backward)
    return h, steps


def rnn_step_backward(dnext_h, cache):
    return cache(dnext_h)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)

    def backward(dnext_h):
        da = dnext_h * (1 - next_h**2)
        return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)

    return next_h, backward


