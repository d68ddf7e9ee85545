"""The variance is 2 / fan_out instead of 2 / fan_in."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.kaiming_init"
SYMPTOM = "distribution"


def kaiming_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    W = rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
    return W
