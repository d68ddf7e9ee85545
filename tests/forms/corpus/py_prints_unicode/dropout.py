"""Dropout: at training time each unit is dropped (set to zero) with probability p.

This is *inverted* dropout: the kept units are scaled by 1 / (1 - p) during
training, so that every unit's expected value is unchanged and the network is
used as it is at test time. p is the fraction DROPPED, as in the lecture and in
PyTorch.
"""

import numpy as np


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """Draw a dropout mask.

    Parameters
    ----------
    shape : tuple of int
        The mask's shape (that of the activations).
    p : float
        Probability of dropping a unit, 0 <= p < 1.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same mask.

    Returns
    -------
    mask : ndarray of bool, shape ``shape``
        True where the unit is kept (probability 1 - p, independently).
    """
    # TODO: raise a ValueError unless 0 <= p < 1. Then draw uniform numbers in [0, 1)
    #   from rng (not from np.random) and keep the units whose number is at least p:
    #   each is kept with probability 1 - p.
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p is the fraction dropped and must satisfy 0 <= p < 1, got {p}")
    return rng.random(shape) >= p


def dropout_forward(
    x: np.ndarray, p: float, rng: np.random.Generator, train: bool = True
) -> tuple[np.ndarray, tuple]:
    """Forward pass of inverted dropout.

    Parameters
    ----------
    x : ndarray, any shape
        Activations.
    p : float
        Probability of dropping a unit, 0 <= p < 1.
    rng : numpy.random.Generator
        Source of the mask.
    train : bool
        Training (drop and scale) or test time (identity).

    Returns
    -------
    out : ndarray, the shape of ``x``
        x * mask / (1 - p) in training, a copy of x at test time.
    cache : tuple
        What dropout_backward needs.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p is the fraction dropped and must satisfy 0 <= p < 1, got {p}")
    # TODO: at test time return x unchanged (as a new array). In training, draw the mask
    #   with dropout_mask, zero the dropped units and divide the kept ones by (1 - p)
    #   so that E[out] = x; cache the scaled mask: the backward pass needs the same one.
    if not train:
        return x.copy(), (np.ones(x.shape),)
    scaled_mask = dropout_mask(x.shape, p, rng) / (1 - p)
    out = x * scaled_mask
    cache = (scaled_mask,)
    return out, cache


def dropout_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of inverted dropout.

    Parameters
    ----------
    dout : ndarray, the shape of the forward's x
        Upstream gradient.
    cache : tuple
        From dropout_forward.

    Returns
    -------
    dx : ndarray, the shape of ``dout``
        dout through the forward pass's mask and scale: out = x * m / (1 - p)
        gives dx = dout * m / (1 - p).
    """
    # TODO: reuse the forward pass's mask (never draw a new one), with the same 1 / (1 - p).
    (scaled_mask,) = cache
    return dout * scaled_mask
