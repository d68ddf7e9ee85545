"""The recurrence starts from zeros instead of the h0 it is given."""

import numpy as np

MODULE = "rnn"
TASK = "rnn.rnn_forward"
SYMPTOM = "zero h0"
ALSO = ("rnn.rnn_backward", "char_rnn.sample")


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = Wh.shape[0]
    h = np.zeros((N, T, H))
    caches = []
    prev_h = np.zeros((N, H))
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)  # noqa: F821
        h[:, t] = prev_h
        caches.append(step_cache)
    return h, caches
