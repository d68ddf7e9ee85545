"""dx is cropped with dxpad[:, :, pad:-pad, pad:-pad]: right for pad > 0, an empty array for pad = 0."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_backward"
SYMPTOM = "axis of length 0"


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
    dx = dxpad[:, :, pad:-pad, pad:-pad]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
