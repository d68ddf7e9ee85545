"""The forward is right, but the backward multiplies by the mask without the 1 / (1 - p)."""

import numpy as np

MODULE = "dropout"
TASK = "dropout.dropout_backward"
SYMPTOM = "1/(1 - p)"


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    if not train:
        return x.copy(), (np.ones(x.shape), p)
    mask = dropout_mask(x.shape, p, rng)  # noqa: F821
    return x * mask / (1 - p), (mask, p)


def dropout_backward(dout, cache):
    mask, p = cache
    return dout * mask
