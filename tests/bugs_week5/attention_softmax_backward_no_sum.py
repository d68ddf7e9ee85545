"""The softmax's backward multiplies by the weights only, dS = A * dA, forgetting that every weight of a row
depends on every score."""

import numpy as np

MODULE = "attention"
TASK = "attention.scaled_dot_product_attention_backward"
SYMPTOM = "dq"


def scaled_dot_product_attention_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q, k, v, weights, scale = cache
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    dscores = weights * dweights
    dq = dscores @ k * scale
    dk = dscores.transpose(0, 2, 1) @ q * scale
    return dq, dk, dv
