"""Max-pool backward assigns (=) each window's gradient: overlapping windows overwrite each other."""

import numpy as np

MODULE = "conv"
TASK = "conv.max_pool_backward"
SYMPTOM = "accumulate"


def max_pool_backward(dout, cache):
    x_shape, winner, size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    n, c = np.indices((N, C))
    for i in range(H_out):
        for j in range(W_out):
            di, dj = np.divmod(winner[:, :, i, j], size)
            dx[n, c, i * stride + di, j * stride + dj] = dout[:, :, i, j]
    return dx
