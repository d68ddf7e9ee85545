"""The weights are updated in place (w += v): the caller's array changes."""

import numpy as np

MODULE = "optim"
TASK = "optim.sgd_momentum"
SYMPTOM = "changed its input w in place"


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    if np.shape(dw) != np.shape(w):
        raise ValueError(f"sgd_momentum: dw has shape {np.shape(dw)} but w has shape {np.shape(w)}")
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * velocity - config["learning_rate"] * dw
    w += velocity
    next_w = w
    config["velocity"] = velocity
    return next_w, config
