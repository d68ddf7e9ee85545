"""dx is returned with the padding still on: the gradient of the padded input, not of x."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_backward"
SYMPTOM = "cut the padding off"


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
    db = dout.sum(axis=(0, 2, 3))
    return dxpad, dw, db
