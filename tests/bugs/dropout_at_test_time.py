"""Dropout also at test time: the train flag is ignored."""

MODULE = "dropout"
TASK = "dropout.dropout_forward"
SYMPTOM = "only in training"


def dropout_forward(x, p, rng, train=True):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: need 0 <= p < 1, got {p}")
    scaled_mask = dropout_mask(x.shape, p, rng) / (1 - p)  # noqa: F821
    return x * scaled_mask, (scaled_mask,)
