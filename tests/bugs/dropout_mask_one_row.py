"""One random row, broadcast to every row: each row drops the same units."""

import numpy as np

MODULE = "dropout"
TASK = "dropout.dropout_mask"
SYMPTOM = "every row of the mask drops the same units"
ALSO = ("dropout.dropout_forward", "dropout.dropout_backward")  # the backward is tested on that forward


def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    return np.broadcast_to(rng.random(shape[-1]) >= p, shape).copy()
