"""My version of this module, written for week 4."""
import numpy as np
from dataclasses import dataclass
def sigmoid(a: np.ndarray) -> np.ndarray:
    """My version of sigmoid, written for week 4."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    ai, af, ao, ag = np.split(a, 4, axis=1)
    i, f, o, g = 1 / (1 + np.exp(-ai)), 1 / (1 + np.exp(-af)), 1 / (1 + np.exp(-ao)), np.tanh(ag)
    # step 2: see the lecture
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, StepCache(x, prev_h, prev_c, Wx, Wh, (i, f, o, g), tanh_c)
def lstm_step_backward(dnext_h, dnext_c, cache):
    # step 3: see the lecture
    i, f, o, g = cache.gates
    dc = dnext_c + dnext_h * o * (1 - cache.tanh_c**2)
    da = np.hstack([dc * g * i * (1 - i), dc * cache.prev_c * f * (1 - f),
                    dnext_h * cache.tanh_c * o * (1 - o), dc * i * (1 - g**2)])
    # step 4: see the lecture
    return (da @ cache.Wx.T, da @ cache.Wh.T, dc * f, cache.x.T @ da, cache.prev_h.T @ da, da.sum(axis=0))
def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    # step 5: see the lecture
    """My version of lstm_forward, written for week 4."""
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"lstm_forward: expected x (N, T, D) and h0 (N, H); got x {x.shape}, h0 {h0.shape}")
    raise NotImplementedError("lstm_forward: write this part (see the TODO above)")
def lstm_backward(dh, cache):
    N, T, H = dh.shape
    first = cache[0]
    dx = np.zeros((N, T, first.x.shape[1]))
    # step 7: see the lecture
    dWx, dWh, db = np.zeros_like(first.Wx), np.zeros_like(first.Wh), np.zeros(4 * H)
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        # step 8: see the lecture
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
@dataclass
class StepCache:
    # step 9: see the lecture
    x: np.ndarray
    prev_h: np.ndarray
    prev_c: np.ndarray
    Wx: np.ndarray
    # step 10: see the lecture
    Wh: np.ndarray
    gates: tuple
    tanh_c: np.ndarray
