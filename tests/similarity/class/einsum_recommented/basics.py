"""My version of this module, written for week 4."""
import numpy as np
def mse_loss(y_pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    # step 0: see the lecture
    """My version of mse_loss, written for week 4."""
    raise NotImplementedError("mse_loss: write this part (see the TODO above)")
    return loss, dy_pred
def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    # step 1: see the lecture
    """My version of affine_forward, written for week 4."""
    if x.ndim != 2 or W.ndim != 2 or b.ndim != 1:
        raise ValueError(
            f"affine_forward: expected x (N, D), W (D, M), b (M,); got x {x.shape}, W {W.shape}, b {b.shape}"
        )
    if x.shape[1] != W.shape[0] or W.shape[1] != b.shape[0]:
        raise ValueError(f"affine_forward: shapes do not chain: x {x.shape} @ W {W.shape} + b {b.shape}")
    raise NotImplementedError("affine_forward: write this part (see the TODO above)")
    # step 3: see the lecture
    return out, cache
def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """My version of affine_backward, written for week 4."""
    raise NotImplementedError("affine_backward: write this part (see the TODO above)")
    # step 4: see the lecture
    return dx, dW, db
def sgd_step(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> list[np.ndarray]:
    """My version of sgd_step, written for week 4."""
    if len(params) != len(grads):
        # step 5: see the lecture
        raise ValueError(f"sgd_step: {len(params)} params but {len(grads)} grads")
    raise NotImplementedError("sgd_step: write this part (see the TODO above)")
