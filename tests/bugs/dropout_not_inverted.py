"""Non-inverted dropout: the kept units are not scaled by 1 / (1 - p) in training."""

MODULE = "dropout"
TASK = "dropout.dropout_forward"
SYMPTOM = "non-inverted dropout"


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    if not train:
        return x.copy(), (None,)
    mask = dropout_mask(x.shape, p, rng)  # noqa: F821
    return x * mask, (mask,)


def dropout_backward(dout, cache):
    (mask,) = cache
    if mask is None:
        return dout.copy()
    return dout * mask
