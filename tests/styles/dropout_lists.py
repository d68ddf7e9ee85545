"""dropout_forward returns [out, mask] as a list; the mask is its cache."""

MODULE = "dropout"


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    if not train:
        return [x.copy(), None]
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return [x * mask, mask]


def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * cache
