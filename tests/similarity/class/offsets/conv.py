"""Convolution and pooling layers.

A convolutional layer slides F filters of size C x HH x WW over the input; each
filter makes one activation map. Its output size along one spatial axis is

    W_out = (N + 2P - F) / S + 1

for an input of size N, filter size F, zero padding P and stride S. As in every
deep-learning library, "convolution" here is cross-correlation: the filter is
not flipped.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_output_size(n, f, pad=0, stride=1):
    if f < 1 or pad < 0 or stride < 1:
        raise ValueError(f"conv_output_size: f, pad and stride must be >= 1, >= 0, >= 1, not {f}, {pad}, {stride}")
    room = n - f + 2 * pad
    if room < 0 or room % stride:
        raise ValueError(f"a filter of {f} does not fit {n} pixels with padding {pad} and stride {stride}")
    return room // stride + 1


def conv_param_count(f, c, k, bias=True):
    per_filter = c * f * f + (1 if bias else 0)
    return k * per_filter


def conv_forward(x, w, b, stride=1, pad=0):
    n_filters, _, kh, kw = w.shape
    rows = conv_output_size(x.shape[2], kh, pad, stride)
    cols = conv_output_size(x.shape[3], kw, pad, stride)
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    acc = np.zeros((x.shape[0], rows, cols, n_filters))
    for di in range(kh):
        for dj in range(kw):
            patch = padded[:, :, di:di + stride * rows:stride, dj:dj + stride * cols:stride]
            acc += np.tensordot(patch, w[:, :, di, dj], axes=([1], [1]))
    out = acc.transpose(0, 3, 1, 2) + b.reshape(1, -1, 1, 1)
    return out, (padded, w, stride, pad)


def conv_backward(dout, cache):
    padded, w, stride, pad = cache
    _, _, kh, kw = w.shape
    rows, cols = dout.shape[2], dout.shape[3]
    grad_padded = np.zeros(padded.shape)
    dw = np.empty(w.shape)
    for di in range(kh):
        for dj in range(kw):
            window = (slice(None), slice(None),
                      slice(di, di + stride * rows, stride), slice(dj, dj + stride * cols, stride))
            dw[:, :, di, dj] = np.tensordot(dout, padded[window], axes=([0, 2, 3], [0, 2, 3]))
            grad_padded[window] += np.tensordot(dout, w[:, :, di, dj], axes=([1], [0])).transpose(0, 3, 1, 2)
    height, width = padded.shape[2] - 2 * pad, padded.shape[3] - 2 * pad
    dx = grad_padded[:, :, pad:pad + height, pad:pad + width]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def max_pool_forward(x, size=2, stride=2):
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: x must be (N, C, H, W), not {x.shape}")
    conv_output_size(x.shape[2], size, 0, stride)
    conv_output_size(x.shape[3], size, 0, stride)
    view = _windows(np.ascontiguousarray(x), size, stride)
    flat = view.reshape(*view.shape[:4], size * size)
    best = flat.argmax(axis=-1)
    return flat.max(axis=-1), (x.shape, best, size, stride)


def max_pool_backward(dout, cache):
    shape, best, size, stride = cache
    dx = np.zeros(shape)
    n_idx, c_idx, r_idx, q_idx = np.indices(best.shape)
    rows = r_idx * stride + best // size
    cols = q_idx * stride + best % size
    np.add.at(dx, (n_idx, c_idx, rows, cols), dout)
    return dx


def _windows(x, size, stride):
    n, c, h, w = x.shape
    rows, cols = (h - size) // stride + 1, (w - size) // stride + 1
    s0, s1, s2, s3 = x.strides
    shape = (n, c, rows, cols, size, size)
    return as_strided(x, shape=shape, strides=(s0, s1, s2 * stride, s3 * stride, s2, s3), writeable=False)
