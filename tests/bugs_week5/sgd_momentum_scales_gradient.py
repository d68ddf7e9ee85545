"""The momentum multiplies the new gradient's step too: v = momentum * (v - learning_rate * dw)."""

import numpy as np

MODULE = "optim"
TASK = "optim.sgd_momentum"
SYMPTOM = "momentum multiplies the old velocity"


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    if np.shape(dw) != np.shape(w):
        raise ValueError(f"sgd_momentum: dw has shape {np.shape(dw)} but w has shape {np.shape(w)}")
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * (velocity - config["learning_rate"] * dw)
    next_w = w + velocity
    config["velocity"] = velocity
    return next_w, config
