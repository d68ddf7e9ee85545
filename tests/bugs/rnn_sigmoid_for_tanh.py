"""The RNN step uses a sigmoid where the vanilla RNN has tanh."""

import numpy as np

MODULE = "rnn"
TASK = "rnn.rnn_step_forward"
SYMPTOM = "sigmoid"
ALSO = ("rnn.rnn_step_backward", "rnn.rnn_forward", "rnn.rnn_backward", "char_rnn.char_rnn_loss",
        "char_rnn.sample", "char_rnn.train_char_rnn")


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    next_h = 1 / (1 + np.exp(-a))
    return next_h, (x, prev_h, Wx, Wh, next_h)
