"""The padding is cut off one side only: dx = dxpad[:, :, :H, :W], the top-left corner of the padded gradient."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_backward"
SYMPTOM = "zero padding"


def conv_backward(dout, cache):
    xpad, w, stride, pad = cache
    _, _, H_out, W_out = dout.shape
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            rows = slice(di, di + stride * H_out, stride)
            cols = slice(dj, dj + stride * W_out, stride)
            dw[:, :, di, dj] = np.einsum("nfhw,nchw->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    H, W = xpad.shape[2] - 2 * pad, xpad.shape[3] - 2 * pad
    dx = dxpad[:, :, :H, :W]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
