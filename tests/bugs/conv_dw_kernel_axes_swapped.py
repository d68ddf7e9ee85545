"""dw from an einsum whose output subscripts swap the kernel's two axes ("fcji" for "fcij")."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_backward"
SYMPTOM = "kernel axes"


def conv_backward(dout, cache):
    xpad, w, stride, pad = cache
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("nfhw,nchwij->fcji", dout, windows[:, :, :H_out, :W_out])
    dxpad = np.zeros_like(xpad)
    for di in range(HH):
        for dj in range(WW):
            rows = slice(di, di + stride * H_out, stride)
            cols = slice(dj, dj + stride * W_out, stride)
            dxpad[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, di, dj])
    H, W = xpad.shape[2] - 2 * pad, xpad.shape[3] - 2 * pad
    dx = dxpad[:, :, pad : pad + H, pad : pad + W]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
