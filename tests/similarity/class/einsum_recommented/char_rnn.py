"""My version of this module, written for week 4."""
import numpy as np
from .rnn import clip_grad_norm, rnn_backward, rnn_forward
PARAM_NAMES = ("Wx", "Wh", "b", "Why", "by")
def one_hot(indices: np.ndarray, vocab_size: int) -> np.ndarray:
    """My version of one_hot, written for week 4."""
    return np.eye(vocab_size)[indices]
def init_params(vocab_size: int, hidden_size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """My version of init_params, written for week 4."""
    return {
        "Wx": rng.normal(0, 0.1, (vocab_size, hidden_size)),
        # step 2: see the lecture
        "Wh": rng.normal(0, 0.1, (hidden_size, hidden_size)),
        "b": np.zeros(hidden_size),
        "Why": rng.normal(0, 0.1, (hidden_size, vocab_size)),
        "by": np.zeros(vocab_size),
    # step 3: see the lecture
    }
def softmax_cross_entropy(scores: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """My version of softmax_cross_entropy, written for week 4."""
    raise NotImplementedError("softmax_cross_entropy: write this part (see the TODO above)")
    # step 4: see the lecture
    return loss, dscores
def char_rnn_loss(
    params: dict[str, np.ndarray], inputs: np.ndarray, targets: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    # step 5: see the lecture
    """My version of char_rnn_loss, written for week 4."""
    raise NotImplementedError("char_rnn_loss: write this part (see the TODO above)")
    return loss, grads
def sample(params: dict[str, np.ndarray], vocab: str, start: str, length: int) -> str:
    # step 6: see the lecture
    """My version of sample, written for week 4."""
    raise NotImplementedError("sample: write this part (see the TODO above)")
def train_char_rnn(
    text: str = "hello",
    # step 7: see the lecture
    hidden_size: int = 16,
    steps: int = 300,
    lr: float = 0.5,
    max_norm: float = 5.0,
    # step 8: see the lecture
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], str, list[float]]:
    """My version of train_char_rnn, written for week 4."""
    vocab = "".join(sorted(set(text)))
    # step 9: see the lecture
    indices = np.array([[vocab.index(ch) for ch in text]])
    params = init_params(len(vocab), hidden_size, np.random.default_rng(seed))
    losses = []
    raise NotImplementedError("train_char_rnn: write this part (see the TODO above)")
    # step 10: see the lecture
    return params, vocab, losses
