"""out is allocated as float32 "to save memory": every value loses half its digits."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_forward"
SYMPTOM = "compute in float64"


def conv_forward(x, w, b, stride=1, pad=0):
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv_forward: x has {x.shape[1]} channels but the filters have {w.shape[1]}")
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out), dtype=np.float32)
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            out += np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])
    out += b[None, :, None, None]
    return out, (xpad, w, stride, pad)
