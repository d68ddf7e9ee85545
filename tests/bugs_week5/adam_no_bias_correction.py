"""The moments are used as they are, without the bias correction 1 / (1 - beta^t)."""

import numpy as np

MODULE = "optim"
TASK = "optim.adam"
SYMPTOM = "bias correction"


def adam(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    beta1, beta2 = config["beta1"], config["beta2"]
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
        raise ValueError(f"adam: beta1 and beta2 must be in [0, 1), got {beta1} and {beta2}")
    config["t"] = config.get("t", 0) + 1
    config["m"] = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    config["v"] = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw**2
    m_hat = config["m"]
    v_hat = config["v"]
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config
