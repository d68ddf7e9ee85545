"""Greedy decoding instead of sampling: every draw is the most likely token."""

import numpy as np

MODULE = "sampling"
TASK = "sampling.sample_tokens"
SYMPTOM = "does not come from rng"


def sample_tokens(
    logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0, num_samples: int = 1
) -> np.ndarray:
    if not temperature > 0:
        raise ValueError(f"sample_tokens: temperature must be positive, got {temperature}")
    scaled = logits / temperature
    probs = np.exp(scaled - scaled.max())
    probs /= probs.sum()
    ids = np.full(num_samples, np.argmax(probs))
    return ids
