"""The mask is drawn once per shape and kept in a module global "to save time": every later call, whatever
its rng, gets the same mask."""

MODULE = "dropout"
TASK = "dropout.dropout_mask"
SYMPTOM = "gave the same mask"
ALSO = ("dropout.dropout_forward",)

_MASKS = {}


def dropout_mask(shape, p, rng):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    key = (tuple(shape), p)
    if key not in _MASKS:
        _MASKS[key] = rng.random(shape) >= p
    return _MASKS[key]
