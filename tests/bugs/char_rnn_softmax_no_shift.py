"""The softmax exponentiates the raw scores: it overflows as soon as a score passes ~709."""

import numpy as np

MODULE = "char_rnn"
TASK = "char_rnn.softmax_cross_entropy"
SYMPTOM = "overflow"


def softmax_cross_entropy(scores, targets):
    exp = np.exp(scores)
    probs = exp / exp.sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(probs, targets[..., None], axis=-1)
    loss = float(-np.log(picked).mean())
    dscores = (probs - one_hot(targets, scores.shape[-1])) / targets.size  # noqa: F821
    return loss, dscores
