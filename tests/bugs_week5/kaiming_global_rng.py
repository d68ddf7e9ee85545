"""The weights come from numpy's global generator (np.random.randn), not from rng."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.kaiming_init"
SYMPTOM = "global"


def kaiming_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    W = np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)
    return W
