"""The rectified linear unit, a layer with a forward and a backward pass."""

import numpy as np


def relu_forward(x):
    """out = max(0, x), element by element.

    x: (N, D) -> out: (N, D), cache: what the backward pass needs.
    """
    # BEGIN SOLUTION
    # TODO: out is the larger of 0 and x, element by element; keep x for the backward pass.
    out = np.maximum(0, x)
    cache = x
    # END SOLUTION
    return out, cache


def relu_backward(dout, cache):
    """dx: the upstream gradient where x > 0, zero elsewhere.

    dout: (N, D), cache from relu_forward -> dx: (N, D).
    """
    # BEGIN SOLUTION
    # TODO: pass dout through where the input was positive.
    x = cache
    dx = dout * (x > 0)
    # END SOLUTION
    return dx
