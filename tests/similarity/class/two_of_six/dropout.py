"""Dropout: at training time each unit is dropped (set to zero) with probability p.

This is *inverted* dropout: the kept units are scaled by 1 / (1 - p) during
training, so that every unit's expected value is unchanged and the network is
used as it is at test time. p is the fraction DROPPED, as in the lecture and in
PyTorch.
"""

import numpy as np


def dropout_mask(shape, p, rng):
    if p < 0 or p >= 1:
        raise ValueError(f"dropout_mask: need 0 <= p < 1, got {p}")
    uniform = rng.uniform(0.0, 1.0, size=shape)
    return uniform >= p


def dropout_forward(x, p, rng, train=True):
    if p < 0 or p >= 1:
        raise ValueError(f"dropout_forward: need 0 <= p < 1, got {p}")
    keep = 1.0 - p
    if train:
        factor = dropout_mask(x.shape, p, rng).astype(float) / keep
    else:
        factor = np.ones_like(x, dtype=float)
    return np.multiply(x, factor), {"factor": factor}


def dropout_backward(dout, cache):
    return np.multiply(dout, cache["factor"])
