"""Convolution and pooling layers.

A convolutional layer slides F filters of size C x HH x WW over the input; each
filter makes one activation map. Its output size along one spatial axis is

    W_out = (N + 2P - F) / S + 1

for an input of size N, filter size F, zero padding P and stride S. As in every
deep-learning library, "convolution" here is cross-correlation: the filter is
not flipped.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


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
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
        raise ValueError(f"conv_forward: shapes x {x.shape}, w {w.shape}, b {b.shape} do not agree")
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xpad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", windows[:, :, :H_out, :W_out], w) + b[None, :, None, None]
    return out, (xpad, w, stride, pad)


def conv_backward(dout, cache):
    xpad, w, stride, pad = cache
    _, _, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    windows = sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    dw = np.einsum("nfhw,nchwij->fcij", dout, windows)
    dxpad = np.zeros_like(xpad)
    contributions = np.einsum("nfhw,fcij->nchwij", dout, w)
    for i in range(HH):
        for j in range(WW):
            dxpad[:, :, i : i + stride * H_out : stride, j : j + stride * W_out : stride] += \
                contributions[..., i, j]
    H, W = xpad.shape[2] - 2 * pad, xpad.shape[3] - 2 * pad
    return dxpad[:, :, pad : pad + H, pad : pad + W], dw, dout.sum(axis=(0, 2, 3))


def max_pool_forward(x, size=2, stride=2):
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: expected x (N, C, H, W), got {x.shape}")
    H_out = conv_output_size(x.shape[2], size, 0, stride)
    W_out = conv_output_size(x.shape[3], size, 0, stride)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    return windows.max(axis=(4, 5)), (x, size, stride)


def max_pool_backward(dout, cache):
    x, size, stride = cache
    N, C, H_out, W_out = dout.shape
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    rows, cols = np.divmod(windows.reshape(N, C, H_out, W_out, -1).argmax(axis=-1), size)
    n, c, i, j = np.indices(rows.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, i * stride + rows, j * stride + cols), dout)  # overlapping windows accumulate
    return dx
