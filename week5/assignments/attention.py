"""Scaled dot-product attention and the sinusoidal positional encoding.

Every query looks at every key: their dot products, divided by sqrt(D), become
weights through a softmax over the keys, and the query's output is the weighted
mean of the values. A mask says which keys a query may look at (True: it may).
"""

import numpy as np


def scaled_dot_product_attention_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    """Forward pass of scaled dot-product attention.

    Parameters
    ----------
    q : ndarray, shape (N, Tq, D)
        Queries: N sequences of Tq queries of D features.
    k : ndarray, shape (N, Tk, D)
        Keys: Tk per sequence, with the queries' D features.
    v : ndarray, shape (N, Tk, Dv)
        Values: one per key.
    mask : ndarray of bool, shape (N, Tq, Tk), or None
        True where query i may attend to key j; None: every query sees every key.

    Returns
    -------
    out : ndarray, shape (N, Tq, Dv)
        out = softmax(q k^T / sqrt(D) with the masked scores at -inf, over the keys) v.
        A query that may attend to no key (its row of the mask all False) gets zeros.
    cache : tuple
        What scaled_dot_product_attention_backward needs.
    """
    # TODO: the scores q k^T / sqrt(D), shape (N, Tq, Tk); set the masked ones (mask False) to
    #   -inf. Softmax over the KEYS (the last axis), subtracting each row's maximum first so that
    #   exp cannot overflow. A row with every key masked has no maximum and no softmax (0/0): its
    #   weights must be zeros, not NaN. Then out = weights v.
    raise NotImplementedError("scaled_dot_product_attention_forward: write this part (see the TODO above)")
    return out, cache


def scaled_dot_product_attention_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of scaled dot-product attention.

    Parameters
    ----------
    dout : ndarray, shape (N, Tq, Dv)
        Upstream gradient of out.
    cache : tuple
        From scaled_dot_product_attention_forward.

    Returns
    -------
    dq : ndarray, shape (N, Tq, D)
    dk : ndarray, shape (N, Tk, D)
    dv : ndarray, shape (N, Tk, Dv)
    """
    # TODO: with A the softmax weights, out = A v gives dv = A^T dout and dA = dout v^T.
    #   The softmax's backward, row by row: dS = A * (dA - sum(dA * A) over the keys); a
    #   masked weight is 0, so its score gets no gradient. Then S = q k^T / sqrt(D) gives
    #   dq = dS k / sqrt(D) and dk = dS^T q / sqrt(D).
    raise NotImplementedError("scaled_dot_product_attention_backward: write this part (see the TODO above)")
    return dq, dk, dv


def positional_encoding(T: int, D: int) -> np.ndarray:
    """The sinusoidal positional encoding of "Attention is all you need".

    Parameters
    ----------
    T : int
        Number of positions (0, 1, ..., T - 1).
    D : int
        Number of features; an odd D ends with a sine column.

    Returns
    -------
    pe : ndarray, shape (T, D)
        pe[t, 2i] = sin(t / 10000^(2i / D)) and pe[t, 2i + 1] = cos(t / 10000^(2i / D)).
    """
    # TODO: the even columns 2i hold sines and the odd columns 2i + 1 cosines of the same
    #   angle t / 10000^(2i / D): one frequency per pair of columns.
    raise NotImplementedError("positional_encoding: write this part (see the TODO above)")
    return pe
