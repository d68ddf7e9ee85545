"""Cosines in the even columns and sines in the odd ones."""

import numpy as np

MODULE = "attention"
TASK = "attention.positional_encoding"
SYMPTOM = "swapped"


def positional_encoding(T: int, D: int) -> np.ndarray:
    positions = np.arange(T)[:, None]
    frequencies = 10000.0 ** (-np.arange(0, D, 2) / D)
    angles = positions * frequencies
    pe = np.zeros((T, D))
    pe[:, 0::2] = np.cos(angles)
    pe[:, 1::2] = np.sin(angles[:, : D // 2])
    return pe
