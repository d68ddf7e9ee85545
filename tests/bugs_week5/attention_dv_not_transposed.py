"""dv multiplies by the weights A instead of their transpose A^T."""

import numpy as np

MODULE = "attention"
TASK = "attention.scaled_dot_product_attention_backward"
SYMPTOM = "dv"


def scaled_dot_product_attention_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q, k, v, weights, scale = cache
    dv = weights @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    dq = dscores @ k * scale
    dk = dscores.transpose(0, 2, 1) @ q * scale
    return dq, dk, dv
