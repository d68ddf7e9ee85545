"""The lecture's "hello" example: a character-level vanilla RNN.

The network reads "hell" one character at a time and must predict the next
character at every step: "e", "l", "l", "o". Characters enter one-hot encoded;
the output layer turns each hidden state into one score per character,

    y_t = h_t W_hy + b_y,

and softmax cross-entropy compares the scores with the next character. After
training, the model fed "h" continues it as "ello". The hidden state is what
lets it answer "l" after the first "l" and "o" after the second.

The recurrence is your own ``rnn_forward`` / ``rnn_backward`` and the update
uses your ``clip_grad_norm``: when they are right, this trains.
"""

import numpy as np

from .rnn import clip_grad_norm, rnn_backward, rnn_forward

# Parameter names, in the order every list of parameters or gradients uses.
PARAM_NAMES = ("Wx", "Wh", "b", "Why", "by")


def one_hot(indices, vocab_size):
    indices = np.asarray(indices)
    out = np.zeros(indices.shape + (vocab_size,))
    np.put_along_axis(out, indices[..., np.newaxis], 1.0, axis=-1)
    return out


def init_params(vocab_size, hidden_size, rng):
    def gaussian(*shape):
        return 0.1 * rng.standard_normal(shape)

    params = {}
    params["Wx"] = gaussian(vocab_size, hidden_size)
    params["Wh"] = gaussian(hidden_size, hidden_size)
    params["b"] = np.zeros(hidden_size)
    params["Why"] = gaussian(hidden_size, vocab_size)
    params["by"] = np.zeros(vocab_size)
    return params


def softmax_cross_entropy(scores, targets):
    top = np.max(scores, axis=-1, keepdims=True)
    exp = np.exp(scores - top)
    probs = exp / np.sum(exp, axis=-1, keepdims=True)
    chosen = np.take_along_axis(probs, np.expand_dims(targets, -1), axis=-1)
    log_chosen = np.take_along_axis(scores - top, np.expand_dims(targets, -1), axis=-1) - np.log(
        np.sum(exp, axis=-1, keepdims=True))
    loss = float(np.mean(-log_chosen))
    grad = probs.copy()
    np.put_along_axis(grad, np.expand_dims(targets, -1), chosen - 1.0, axis=-1)
    return loss, grad / targets.size


def char_rnn_loss(params, inputs, targets):
    vocab = params["Why"].shape[1]
    hidden = params["Wh"].shape[0]
    h, steps = rnn_forward(one_hot(inputs, vocab), np.zeros((inputs.shape[0], hidden)),
                           params["Wx"], params["Wh"], params["b"])
    loss, dscores = softmax_cross_entropy(h @ params["Why"] + params["by"], targets)
    grads = {"Why": np.tensordot(h, dscores, axes=([0, 1], [0, 1])), "by": dscores.sum(axis=(0, 1))}
    _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dscores @ params["Why"].T, steps)
    return loss, grads


def sample(params, vocab, start, length):
    h = np.zeros((1, params["Wh"].shape[0]))
    chars = list(start)
    while len(chars) < length:
        x = one_hot(np.array([[vocab.find(chars[-1])]]), len(vocab))
        hs, _ = rnn_forward(x, h, params["Wx"], params["Wh"], params["b"])
        h = hs[:, 0]
        chars.append(vocab[int((h @ params["Why"] + params["by"]).argmax())])
    return "".join(chars)


def train_char_rnn(text="hello", hidden_size=16, steps=300, lr=0.5, max_norm=5.0, seed=0):
    vocab = "".join(sorted(set(text)))
    codes = np.array([[vocab.index(ch) for ch in text]])
    params = init_params(len(vocab), hidden_size, np.random.default_rng(seed))
    names = sorted(params)
    history = []
    for _ in range(steps):
        loss, grads = char_rnn_loss(params, codes[:, :-1], codes[:, 1:])
        history.append(loss)
        clipped, _ = clip_grad_norm([grads[k] for k in names], max_norm)
        for k, g in zip(names, clipped):
            params[k] = params[k] - lr * g
    return params, vocab, history
