"""My version of this module, written for week 4."""
import numpy as np
def rnn_step_forward(
    # step 0: see the lecture
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple]:
    """My version of rnn_step_forward, written for week 4."""
    raise NotImplementedError("rnn_step_forward: write this part (see the TODO above)")
    # step 1: see the lecture
    return next_h, cache
def rnn_step_backward(
    dnext_h: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # step 2: see the lecture
    """My version of rnn_step_backward, written for week 4."""
    raise NotImplementedError("rnn_step_backward: write this part (see the TODO above)")
    return dx, dprev_h, dWx, dWh, db
def rnn_forward(
    # step 3: see the lecture
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """My version of rnn_forward, written for week 4."""
    if x.ndim != 3 or h0.ndim != 2:
        # step 4: see the lecture
        raise ValueError(f"rnn_forward: expected x (N, T, D) and h0 (N, H); got x {x.shape}, h0 {h0.shape}")
    raise NotImplementedError("rnn_forward: write this part (see the TODO above)")
def rnn_backward(
    dh: np.ndarray, cache: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """My version of rnn_backward, written for week 4."""
    raise NotImplementedError("rnn_backward: write this part (see the TODO above)")
def clip_grad_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    # step 6: see the lecture
    """My version of clip_grad_norm, written for week 4."""
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    raise NotImplementedError("clip_grad_norm: write this part (see the TODO above)")
