"""The CS231n naive style: one Python loop per index, every sum written out."""

import numpy as np

MODULE = "conv"


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
