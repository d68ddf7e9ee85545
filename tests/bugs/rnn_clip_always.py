"""The gradients are rescaled to max_norm even when their norm is already below it."""

import numpy as np

MODULE = "rnn"
TASK = "rnn.clip_grad_norm"
SYMPTOM = "below max_norm"


def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return [g * (max_norm / total_norm) for g in grads], total_norm
