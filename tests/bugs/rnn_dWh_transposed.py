"""dWh is da^T prev_h, the transpose of prev_h^T da (Wh is square, so the shape is right)."""

MODULE = "rnn"
TASK = "rnn.rnn_step_backward"
SYMPTOM = "transposed"
ALSO = ("rnn.rnn_backward", "char_rnn.char_rnn_loss")


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h**2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = da.T @ prev_h
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
