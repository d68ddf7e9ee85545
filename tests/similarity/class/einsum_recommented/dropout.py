"""My version of this module, written for week 4."""
import numpy as np
def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    # step 0: see the lecture
    """My version of dropout_mask, written for week 4."""
    raise NotImplementedError("dropout_mask: write this part (see the TODO above)")
def dropout_forward(
    x: np.ndarray, p: float, rng: np.random.Generator, train: bool = True
) -> tuple[np.ndarray, tuple]:
    """My version of dropout_forward, written for week 4."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p is the fraction dropped and must satisfy 0 <= p < 1, got {p}")
    # step 2: see the lecture
    raise NotImplementedError("dropout_forward: write this part (see the TODO above)")
    return out, cache
def dropout_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """My version of dropout_backward, written for week 4."""
    # step 3: see the lecture
    raise NotImplementedError("dropout_backward: write this part (see the TODO above)")
