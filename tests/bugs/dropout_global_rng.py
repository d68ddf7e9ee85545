"""The mask is drawn from numpy's global random state, not from the rng it is given."""

import numpy as np

MODULE = "dropout"
TASK = "dropout.dropout_mask"
SYMPTOM = "global random state"
ALSO = ("dropout.dropout_forward",)


def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    return np.random.rand(*shape) >= p
