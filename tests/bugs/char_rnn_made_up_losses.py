"""The network is trained, but the loss curve is made up for the plot: a straight line from log(V) down."""

import numpy as np

MODULE = "char_rnn"
TASK = "char_rnn.train_char_rnn"
SYMPTOM = "the losses are not those of this training"


def train_char_rnn(text="hello", hidden_size=16, steps=300, lr=0.5, max_norm=5.0, seed=0):
    vocab = "".join(sorted(set(text)))
    indices = np.array([[vocab.index(ch) for ch in text]])
    params = init_params(len(vocab), hidden_size, np.random.default_rng(seed))
    for _ in range(steps):
        _, grads = char_rnn_loss(params, indices[:, :-1], indices[:, 1:])
        clipped, _ = clip_grad_norm([grads[name] for name in PARAM_NAMES], max_norm)
        params = {name: params[name] - lr * g for name, g in zip(PARAM_NAMES, clipped)}
    losses = list(np.linspace(np.log(len(vocab)), 0.01, steps))
    return params, vocab, losses
