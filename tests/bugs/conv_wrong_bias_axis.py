"""The bias is added with plain broadcasting, which lines b up with the LAST axis of out."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_forward"
SYMPTOM = "last axis"
ALSO = ("conv.conv_backward",)


def conv_forward(x, w, b, stride=1, pad=0):
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)  # noqa: F821
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)  # noqa: F821
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out))
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            out += np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])
    out = out + b
    return out, (xpad, w, stride, pad)
