"""The mask ignores rng and drops the first p*n units: exactly the right fraction, always the same units."""

import numpy as np

MODULE = "dropout"
TASK = "dropout.dropout_mask"
SYMPTOM = "by their position"
ALSO = ("dropout.dropout_forward",)


def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    mask = np.ones(int(np.prod(shape)), dtype=bool)
    mask[: round(p * mask.size)] = False
    return mask.reshape(shape)
