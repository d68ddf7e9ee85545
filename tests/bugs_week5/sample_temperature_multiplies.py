"""The logits are multiplied by the temperature instead of divided."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.sample_tokens"
SYMPTOM = "distribution"


def sample_tokens(
    logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0, num_samples: int = 1
) -> np.ndarray:
    if not temperature > 0:
        raise ValueError(f"sample_tokens: temperature must be positive, got {temperature}")
    scaled = logits * temperature
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    ids = rng.choice(len(logits), size=num_samples, p=probs)
    return ids
