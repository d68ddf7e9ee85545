"""Optimisers with state: SGD with momentum and Adam, in CS231n's form.

Each update takes the weights w, their gradient dw and a ``config`` dict holding
the hyperparameters and the optimiser's state (a velocity; Adam's moments and step
count). It returns the next weights and the config, whose state it updates IN
PLACE: the caller keeps one config per parameter and hands it back at every step.
"""

import numpy as np


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    """One step of stochastic gradient descent with momentum.

    Parameters
    ----------
    w : ndarray, any shape
        Weights (not modified: the step returns new ones).
    dw : ndarray, the shape of ``w``
        Gradient of the loss with respect to w.
    config : dict, updated in place
        - "learning_rate" (default 1e-2), "momentum" (default 0.9);
        - "velocity": ndarray of w's shape (default zeros), replaced by
          momentum * velocity - learning_rate * dw.

    Returns
    -------
    next_w : ndarray, the shape of ``w``
        w + the new velocity.
    config : dict
        The same dict, updated.
    """
    # TODO: raise a ValueError when dw's shape is not w's (numpy would broadcast a (D,) dw over
    #   a (N, D) w without a word). Fill in the defaults with config.setdefault; the velocity
    #   starts at zeros. v = momentum * v - learning_rate * dw; next_w = w + v (a new array:
    #   never w += ...). Store v in config["velocity"].
    raise NotImplementedError("sgd_momentum: write this part (see the TODO above)")
    return next_w, config


def adam(w: np.ndarray, dw: np.ndarray, config: dict) -> tuple[np.ndarray, dict]:
    """One step of Adam, with bias correction.

    Parameters
    ----------
    w : ndarray, any shape
        Weights (not modified).
    dw : ndarray, the shape of ``w``
        Gradient of the loss with respect to w.
    config : dict, updated in place
        - "learning_rate" (default 1e-3), "beta1" (default 0.9), "beta2" (default 0.999),
          "epsilon" (default 1e-8): beta1 and beta2 in [0, 1);
        - "m", "v": the moving averages of dw and dw**2 (default zeros of w's shape);
        - "t": the number of steps taken (default 0), one more after this step.

    Returns
    -------
    next_w : ndarray, the shape of ``w``
        w - learning_rate * m_hat / (sqrt(v_hat) + epsilon), with the bias-corrected
        m_hat = m / (1 - beta1^t) and v_hat = v / (1 - beta2^t), t counting this step.
    config : dict
        The same dict, updated.
    """
    # TODO: raise a ValueError unless 0 <= beta1 < 1 and 0 <= beta2 < 1 (beta = 1 divides by
    #   1 - beta^t = 0). Fill in the defaults with config.setdefault. Count this step first
    #   (t += 1), update m and v, correct their bias with t, then step; store m, v and t in config.
    raise NotImplementedError("adam: write this part (see the TODO above)")
    return next_w, config
