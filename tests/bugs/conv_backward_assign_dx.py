"""The window loop assigns dx (=) where it must accumulate (+=): where windows overlap, the last one wins."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_backward"
SYMPTOM = "accumulated (+=)"


def conv_backward(dout, cache):
    xpad, w, stride, pad = cache
    F, C, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for i in range(H_out):
        for j in range(W_out):
            window = xpad[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], window)
            dxpad[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW] = np.einsum(
                "nf,fchw->nchw", dout[:, :, i, j], w)
    H, W = xpad.shape[2] - 2 * pad, xpad.shape[3] - 2 * pad
    dx = dxpad[:, :, pad : pad + H, pad : pad + W]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
