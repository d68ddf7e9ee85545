"""Max-pool backward written as average-pool backward: dout spread evenly over each window."""

import numpy as np

MODULE = "conv"
TASK = "conv.max_pool_backward"
SYMPTOM = "average pooling"


def max_pool_backward(dout, cache):
    x_shape, winner, size, stride = cache
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for i in range(H_out):
        for j in range(W_out):
            dx[:, :, i * stride : i * stride + size, j * stride : j * stride + size] += (
                dout[:, :, i, j, None, None] / (size * size)
            )
    return dx
