"""Options by name, state in place, a draw from a generator, and rows of unit length."""

import numpy as np


def leaky_relu(x, *, slope=0.01, mode="leaky"):
    """x where x > 0, slope * x elsewhere; ``mode="relu"`` is the plain ReLU (slope 0).

    x: any shape -> out: the same shape. ``slope`` and ``mode`` are keyword-only.
    """
    # BEGIN SOLUTION
    # TODO: choose the slope from mode, then keep x where it is positive.
    slope = 0.0 if mode == "relu" else slope
    out = np.where(x > 0, x, slope * x)
    # END SOLUTION
    return out


def momentum_step(w, dw, config):
    """One step of gradient descent with momentum; ``config["velocity"]`` is updated in place.

    w, dw: (D,); config: {"lr": float, "momentum": float, "velocity": (D,)} -> next_w: (D,).
    """
    # BEGIN SOLUTION
    # TODO: v = momentum * v - lr * dw, stored back into config; the step adds v to w.
    velocity = config["momentum"] * config["velocity"] - config["lr"] * dw
    config["velocity"] = velocity
    next_w = w + velocity
    # END SOLUTION
    return next_w


def gaussian_noise(shape, std, rng):
    """Independent normal noise of standard deviation ``std``, drawn from ``rng`` only.

    shape: a tuple; std: float; rng: numpy.random.Generator -> float64 array of that shape.
    """
    # BEGIN SOLUTION
    # TODO: draw from rng, never from np.random.
    noise = std * rng.standard_normal(shape)
    # END SOLUTION
    return noise


def unit_rows(x):
    """Each row of x scaled to Euclidean length 1.

    x: (N, D) -> (N, D).
    """
    # BEGIN SOLUTION
    # TODO: divide each row by its norm (keepdims).
    out = x / np.linalg.norm(x, axis=1, keepdims=True)
    # END SOLUTION
    return out
