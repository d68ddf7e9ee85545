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

import rnn

# Parameter names, in the order every list of parameters or gradients uses.
PARAM_NAMES = ("Wx", "Wh", "b", "Why", "by")


def one_hot(indices: np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot encode integer character indices.

    Parameters
    ----------
    indices : ndarray of int, any shape S
    vocab_size : int

    Returns
    -------
    ndarray, shape S + (vocab_size,)
        1.0 at each index, 0.0 elsewhere.
    """
    return np.eye(vocab_size)[indices]


def init_params(vocab_size: int, hidden_size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Small random weights and zero biases for the char-RNN.

    Returns
    -------
    dict
        Wx (V, H), Wh (H, H), b (H,), Why (H, V), by (V,).
    """
    return {
        "Wx": rng.normal(0, 0.1, (vocab_size, hidden_size)),
        "Wh": rng.normal(0, 0.1, (hidden_size, hidden_size)),
        "b": np.zeros(hidden_size),
        "Why": rng.normal(0, 0.1, (hidden_size, vocab_size)),
        "by": np.zeros(vocab_size),
    }


def softmax_cross_entropy(scores: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy, averaged over every prediction.

    Parameters
    ----------
    scores : ndarray, shape (N, T, V)
        Unnormalised scores of the V characters at each of the N*T positions.
    targets : ndarray of int, shape (N, T)
        The index of the correct next character at each position.

    Returns
    -------
    loss : float
        The mean over the N*T positions of -log softmax(scores)[target].
    dscores : ndarray, shape (N, T, V)
        d loss / d scores = (softmax(scores) - one_hot(targets)) / (N*T).
    """
    # TODO: subtract each position's maximum score before np.exp (the softmax is
    #   unchanged and nothing overflows); use log-probabilities for the loss. The
    #   gradient is probabilities minus the one-hot targets, divided by N*T (the mean).
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)
    loss = float(-picked.mean())
    dscores = (np.exp(log_probs) - one_hot(targets, scores.shape[-1])) / targets.size
    return loss, dscores


def char_rnn_loss(
    params: dict[str, np.ndarray], inputs: np.ndarray, targets: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients of the char-RNN on one batch of sequences.

    Parameters
    ----------
    params : dict
        Wx (V, H), Wh (H, H), b (H,), Why (H, V), by (V,).
    inputs : ndarray of int, shape (N, T)
        Character indices fed to the network; the initial hidden state is zero.
    targets : ndarray of int, shape (N, T)
        The next character after each input.

    Returns
    -------
    loss : float
    grads : dict
        The gradient of the loss for every key of ``params``, the same shapes.
    """
    # TODO: forward: one_hot(inputs) (N, T, V) -> rnn_forward from h0 = 0 -> h (N, T, H)
    #   -> scores = h Why + by (N, T, V) -> softmax_cross_entropy. Backward in reverse:
    #   dWhy = sum over (N, T) of h^T dscores, dby = dscores summed over (N, T),
    #   dh = dscores Why^T, then rnn.rnn_backward(dh, cache).
    Wx, Wh, b, Why, by = (params[name] for name in PARAM_NAMES)
    x = one_hot(inputs, Why.shape[1])
    h, cache = rnn.rnn_forward(x, np.zeros((inputs.shape[0], Wh.shape[0])), Wx, Wh, b)
    scores = h @ Why + by
    loss, dscores = softmax_cross_entropy(scores, targets)
    dWhy = np.einsum("nth,ntv->hv", h, dscores)
    dby = dscores.sum(axis=(0, 1))
    _, _, dWx, dWh, db = rnn.rnn_backward(dscores @ Why.T, cache)
    grads = dict(zip(PARAM_NAMES, (dWx, dWh, db, dWhy, dby)))
    return loss, grads


def sample(params: dict[str, np.ndarray], vocab: str, start: str, length: int) -> str:
    """Generate text greedily: feed each predicted character back in.

    Parameters
    ----------
    params : dict
        Trained parameters (see char_rnn_loss).
    vocab : str
        The characters, in the order of their indices.
    start : str
        The first character.
    length : int
        Length of the returned text, ``start`` included.

    Returns
    -------
    str
        ``start`` followed by the length - 1 most likely next characters.
    """
    # TODO: keep the hidden state h (1, H) from step to step: run rnn_forward on one
    #   character (x of shape (1, 1, V)) from h, score h with Why and by, and pick the
    #   argmax as the next character.
    Wx, Wh, b, Why, by = (params[name] for name in PARAM_NAMES)
    text = start
    h = np.zeros((1, Wh.shape[0]))
    for _ in range(length - 1):
        x = one_hot(np.array([[vocab.index(text[-1])]]), len(vocab))
        h = rnn.rnn_forward(x, h, Wx, Wh, b)[0][:, -1]
        text += vocab[int(np.argmax(h @ Why + by))]
    return text


def train_char_rnn(
    text: str = "hello",
    hidden_size: int = 16,
    steps: int = 300,
    lr: float = 0.5,
    max_norm: float = 5.0,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], str, list[float]]:
    """Train the char-RNN to predict ``text[1:]`` from ``text[:-1]`` with SGD and clipping.

    Parameters
    ----------
    text : str
        The training sequence.
    hidden_size : int
        H, the size of the hidden state.
    steps : int
        Number of gradient steps (one whole sequence each).
    lr : float
        Learning rate.
    max_norm : float
        The global gradient norm is clipped to this before every step.
    seed : int
        Seed of the initial weights: the same seed trains the same model.

    Returns
    -------
    params : dict
        The trained parameters.
    vocab : str
        The sorted distinct characters of ``text``: index i is character vocab[i].
    losses : list of float
        The loss before each step.
    """
    vocab = "".join(sorted(set(text)))
    indices = np.array([[vocab.index(ch) for ch in text]])  # (1, len(text))
    params = init_params(len(vocab), hidden_size, np.random.default_rng(seed))
    losses = []
    # TODO: for each step: char_rnn_loss on inputs indices[:, :-1] and targets
    #   indices[:, 1:], append the loss, clip the gradients' global norm to max_norm
    #   (clip_grad_norm, in PARAM_NAMES order), and take a gradient-descent step
    #   W <- W - lr * dW on every parameter.
    for _ in range(steps):
        loss, grads = char_rnn_loss(params, indices[:, :-1], indices[:, 1:])
        losses.append(loss)
        clipped, _ = rnn.clip_grad_norm([grads[name] for name in PARAM_NAMES], max_norm)
        params = {name: params[name] - lr * g for name, g in zip(PARAM_NAMES, clipped)}
    return params, vocab, losses
