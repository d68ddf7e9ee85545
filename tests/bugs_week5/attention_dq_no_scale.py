"""dq forgets the 1/sqrt(D) of the scores (dk has it)."""

import numpy as np

MODULE = "attention"
TASK = "attention.scaled_dot_product_attention_backward"
SYMPTOM = "sqrt(D)"


def scaled_dot_product_attention_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q, k, v, weights, scale = cache
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    dq = dscores @ k
    dk = dscores.transpose(0, 2, 1) @ q * scale
    return dq, dk, dv
