"""Backpropagation through time that never passes dprev_h back to the earlier step."""

import numpy as np

MODULE = "rnn"
TASK = "rnn.rnn_backward"
SYMPTOM = "earlier time steps"
ALSO = ("char_rnn.char_rnn_loss",)


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    for t in reversed(range(T)):
        dx[:, t], dh0, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])  # noqa: F821
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh0, dWx, dWh, db
