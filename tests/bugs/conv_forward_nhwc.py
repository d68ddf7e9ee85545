"""out is built channels-last, (N, H', W', F), as in TensorFlow: the right numbers in the wrong layout."""

import numpy as np

MODULE = "conv"
TASK = "conv.conv_forward"
SYMPTOM = "another axis order"


def conv_forward(x, w, b, stride=1, pad=0):
    if x.ndim != 4 or w.ndim != 4 or b.ndim != 1:
        raise ValueError(f"conv_forward: bad shapes x {x.shape}, w {w.shape}, b {b.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv_forward: x has {x.shape[1]} channels but the filters have {w.shape[1]}")
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], H_out, W_out, w.shape[0]))
    for i in range(H_out):
        for j in range(W_out):
            window = xpad[:, :, i * stride : i * stride + w.shape[2], j * stride : j * stride + w.shape[3]]
            out[:, i, j, :] = np.einsum("nchw,fchw->nf", window, w) + b
    return out, (xpad, w, stride, pad)
