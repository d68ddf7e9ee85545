"""Randomness a network needs: sampling the next token, and initialising weights.

Every random number comes from the ``rng`` argument (a numpy.random.Generator),
never from numpy's global generator: the same seed gives the same draws, and
nothing else in the program changes them.
"""

import numpy as np


def sample_tokens(
    logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0, num_samples: int = 1
) -> np.ndarray:
    """Draw token ids from softmax(logits / temperature).

    Parameters
    ----------
    logits : ndarray, shape (V,)
        Unnormalised log-probabilities of the V tokens of a vocabulary.
    rng : numpy.random.Generator
        The only source of randomness.
    temperature : float
        Positive. Below 1 sharpens the distribution (towards the argmax), above 1 flattens it.
    num_samples : int
        Number of independent draws.

    Returns
    -------
    ids : ndarray of int64, shape (num_samples,)
        Token ids in [0, V), each drawn with probability softmax(logits / temperature).
    """
    # TODO: raise a ValueError unless temperature > 0. Divide the logits by the temperature,
    #   take a softmax that subtracts the maximum first (logits may be large), and draw
    #   num_samples ids from those probabilities with rng (rng.choice does it).
    raise NotImplementedError("sample_tokens: write this part (see the TODO above)")
    return ids


def kaiming_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He (Kaiming) initialisation of a weight matrix for ReLU layers.

    Parameters
    ----------
    fan_in : int
        Number of inputs of the layer (rows of W).
    fan_out : int
        Number of outputs (columns of W).
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    W : ndarray of float64, shape (fan_in, fan_out)
        Independent normal values of mean 0 and standard deviation sqrt(2 / fan_in).
    """
    # TODO: a normal distribution whose VARIANCE is 2 / fan_in (its standard deviation is the
    #   square root of that), drawn from rng.
    raise NotImplementedError("kaiming_init: write this part (see the TODO above)")
    return W
