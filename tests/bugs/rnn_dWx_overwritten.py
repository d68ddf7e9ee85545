"""dWx is assigned at every time step instead of accumulated: only the first step's survives."""

import numpy as np

MODULE = "rnn"
TASK = "rnn.rnn_backward"
SYMPTOM = "accumulated"
ALSO = ("char_rnn.char_rnn_loss",)


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])  # noqa: F821
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
