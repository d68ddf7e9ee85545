"""Code from an older NumPy: np.int, an alias removed in NumPy 1.24."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_param_count"
SYMPTOM = "removed in NumPy 1.24"


def conv_param_count(f, c, k, bias=True):
    return np.int(f * f * c * k + (k if bias else 0))
