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
    raise NotImplementedError("dropout_mask: write this part (see the TODO above)")


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    if not train:
        return [x.copy(), None]
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return [x * mask, mask]


def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * cache
