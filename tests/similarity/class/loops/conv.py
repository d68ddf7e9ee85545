"""Convolution and pooling layers.

A convolutional layer slides F filters of size C x HH x WW over the input; each
filter makes one activation map. Its output size along one spatial axis is

    W_out = (N + 2P - F) / S + 1

for an input of size N, filter size F, zero padding P and stride S. As in every
deep-learning library, "convolution" here is cross-correlation: the filter is
not flipped.
"""

import numpy as np


def conv_output_size(n: int, f: int, pad: int = 0, stride: int = 1) -> int:
    """Output size of a convolution or pooling along one spatial axis.

    Parameters
    ----------
    n : int
        Input size (height or width), in pixels.
    f : int
        Filter size, in pixels.
    pad : int
        Zero padding added on each side, in pixels.
    stride : int
        Step between two filter positions, in pixels.

    Returns
    -------
    int
        (n + 2*pad - f) / stride + 1.

    Raises
    ------
    ValueError
        When ``f < 1``, ``pad < 0`` or ``stride < 1``; when the filter does not
        fit (``f > n + 2*pad``); when the stride does not divide ``n + 2*pad - f``
        (the filter would not end on the last pixel).
    """
    # TODO: reject f < 1, pad < 0, stride < 1 and a filter larger than the padded
    #   input with a ValueError that says why; then W = (N + 2P - F) / S + 1, which
    #   must be a whole number (a 7x7 input with a 3x3 filter at stride 3 is not).
    raise NotImplementedError("conv_output_size: write this part (see the TODO above)")


def conv_param_count(f: int, c: int, k: int, bias: bool = True) -> int:
    """Number of learnable parameters of a convolutional layer.

    Parameters
    ----------
    f : int
        Filter size (each filter is f x f x c).
    c : int
        Input channels (the depth of every filter).
    k : int
        Number of filters.
    bias : bool
        Whether each filter has a bias.

    Returns
    -------
    int
        k * (f * f * c + 1) with biases, k * f * f * c without.
    """
    # TODO: each of the k filters has f*f*c weights, plus one bias when bias is True
    #   (the lecture's quiz: ten 5x5x3 filters have 760 parameters).
    raise NotImplementedError("conv_param_count: write this part (see the TODO above)")


def conv_forward(x, w, b, stride=1, pad=0):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv_forward: shapes x {x.shape} and w {w.shape} do not agree")
    N, _, _, _ = x.shape
    F, _, HH, WW = w.shape
    H_out = conv_output_size(x.shape[2], HH, pad, stride)
    W_out = conv_output_size(x.shape[3], WW, pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xpad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dxpad, dw, db = np.zeros_like(xpad), np.zeros_like(w), np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            db[f] += dout[n, f].sum()
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                    dw[f] += xpad[n, :, rows, cols] * dout[n, f, i, j]
                    dxpad[n, :, rows, cols] += w[f] * dout[n, f, i, j]
    return dxpad[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]], dw, db


def max_pool_forward(x, size=2, stride=2):
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: expected x (N, C, H, W), got {x.shape}")
    N, C, H, W = x.shape
    H_out, W_out = conv_output_size(H, size, 0, stride), conv_output_size(W, size, 0, stride)
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size].max(axis=(2, 3))
    return out, (x, size, stride)


def max_pool_backward(dout, cache):
    x, size, stride = cache
    dx = np.zeros_like(x)
    N, C, H_out, W_out = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    return dx
