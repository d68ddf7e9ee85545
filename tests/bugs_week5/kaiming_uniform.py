"""A uniform distribution on [-std, std]: its variance is std^2 / 3, not 2 / fan_in."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.kaiming_init"
SYMPTOM = "distribution"


def kaiming_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    W = rng.uniform(-np.sqrt(2.0 / fan_in), np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    return W
