"""The RNN with the input and the state stacked into one matrix product."""

import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    stacked_in = np.hstack([x, prev_h])
    stacked_w = np.vstack([Wx, Wh])
    next_h = np.tanh(stacked_in.dot(stacked_w) + b)
    return next_h, {"inputs": stacked_in, "weights": stacked_w, "h": next_h, "split": x.shape[1]}


def rnn_step_backward(dnext_h, cache):
    dpre = (1.0 - np.square(cache["h"])) * dnext_h
    dstacked = dpre.dot(cache["weights"].T)
    dweights = cache["inputs"].T.dot(dpre)
    d = cache["split"]
    return dstacked[:, :d], dstacked[:, d:], dweights[:d], dweights[d:], np.sum(dpre, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"rnn_forward: x must be (N, T, D) and h0 (N, H), got {x.shape} and {h0.shape}")
    states, steps = [], []
    h = h0
    for t in range(x.shape[1]):
        h, step = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        states.append(h)
        steps.append(step)
    return np.stack(states, axis=1), steps


def rnn_backward(dh, cache):
    grads_x = [None] * len(cache)
    dWx = dWh = db = 0.0
    carry = np.zeros_like(dh[:, 0, :])
    for t in range(len(cache) - 1, -1, -1):
        gx, carry, gWx, gWh, gb = rnn_step_backward(dh[:, t, :] + carry, cache[t])
        grads_x[t] = gx
        dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return np.stack(grads_x, axis=1), carry, dWx, dWh, db


def clip_grad_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm: max_norm must be positive, got {max_norm}")
    norm = float(np.sqrt(sum(float((g * g).sum()) for g in grads)))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * factor for g in grads], norm
