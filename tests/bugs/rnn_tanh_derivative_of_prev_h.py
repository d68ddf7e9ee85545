"""The tanh derivative is taken from the step's input prev_h instead of its output next_h."""

MODULE = "rnn"
TASK = "rnn.rnn_step_backward"
SYMPTOM = "they share"
ALSO = ("rnn.rnn_backward", "char_rnn.char_rnn_loss")


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - prev_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
