"""p is taken as the probability of KEEPING a unit (rng.random(shape) < p)."""

MODULE = "dropout"
TASK = "dropout.dropout_mask"
SYMPTOM = "p is the fraction dropped"
ALSO = ("dropout.dropout_forward",)


def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    return rng.random(shape) < p
