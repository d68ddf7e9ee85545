"""An unknown kind falls back to ReLU instead of being refused."""

import numpy as np

MODULE = "norm"
TASK = "norm.activation"
SYMPTOM = "should raise ValueError"


def activation(x: np.ndarray, kind: str = "gelu") -> np.ndarray:
    if kind == "tanh":
        return np.tanh(x)
    if kind == "gelu":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
    return np.maximum(x, 0.0)
