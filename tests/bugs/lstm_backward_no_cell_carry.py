"""lstm_backward carries dprev_h back through time but restarts the cell gradient at zero each step."""

import numpy as np

MODULE = "lstm"
TASK = "lstm.lstm_backward"
SYMPTOM = "earlier time steps"


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, _, dWx_t, dWh_t, db_t = lstm_step_backward(  # noqa: F821
            dh[:, t] + dprev_h, np.zeros((N, H)), cache[t]
        )
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db
