"""The softmax normalises over axis 1 (the time steps) instead of the last axis (the V characters)."""

import numpy as np

MODULE = "char_rnn"
TASK = "char_rnn.softmax_cross_entropy"
SYMPTOM = "time axis"
ALSO = ("char_rnn.char_rnn_loss", "char_rnn.train_char_rnn")


def softmax_cross_entropy(scores, targets):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-np.take_along_axis(log_probs, targets[..., None], axis=-1).mean())
    dscores = (np.exp(log_probs) - np.eye(scores.shape[-1])[targets]) / targets.size
    return loss, dscores
