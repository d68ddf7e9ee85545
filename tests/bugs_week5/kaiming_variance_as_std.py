"""2 / fan_in is passed as the standard deviation: it is the variance."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.kaiming_init"
SYMPTOM = "distribution"


def kaiming_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    W = rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
    return W
