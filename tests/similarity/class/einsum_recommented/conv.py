"""My version of this module, written for week 4."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
def conv_output_size(n: int, f: int, pad: int = 0, stride: int = 1) -> int:
    """My version of conv_output_size, written for week 4."""
    raise NotImplementedError("conv_output_size: write this part (see the TODO above)")
def conv_param_count(f: int, c: int, k: int, bias: bool = True) -> int:
    # step 1: see the lecture
    """My version of conv_param_count, written for week 4."""
    raise NotImplementedError("conv_param_count: write this part (see the TODO above)")
def conv_forward(x, w, b, stride=1, pad=0):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):
        # step 2: see the lecture
        raise ValueError(f"conv_forward: shapes x {x.shape}, w {w.shape}, b {b.shape} do not agree")
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # step 3: see the lecture
    windows = sliding_window_view(xpad, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", windows[:, :, :H_out, :W_out], w) + b[None, :, None, None]
    return out, (xpad, w, stride, pad)
def conv_backward(dout, cache):
    # step 4: see the lecture
    xpad, w, stride, pad = cache
    _, _, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    windows = sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    # step 5: see the lecture
    dw = np.einsum("nfhw,nchwij->fcij", dout, windows)
    dxpad = np.zeros_like(xpad)
    contributions = np.einsum("nfhw,fcij->nchwij", dout, w)
    for i in range(HH):
        # step 6: see the lecture
        for j in range(WW):
            dxpad[:, :, i : i + stride * H_out : stride, j : j + stride * W_out : stride] +=\
                contributions[..., i, j]
    H, W = xpad.shape[2] - 2 * pad, xpad.shape[3] - 2 * pad
    # step 7: see the lecture
    return dxpad[:, :, pad : pad + H, pad : pad + W], dw, dout.sum(axis=(0, 2, 3))
def max_pool_forward(x, size=2, stride=2):
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: expected x (N, C, H, W), got {x.shape}")
    # step 8: see the lecture
    H_out = conv_output_size(x.shape[2], size, 0, stride)
    W_out = conv_output_size(x.shape[3], size, 0, stride)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    return windows.max(axis=(4, 5)), (x, size, stride)
def max_pool_backward(dout, cache):
    x, size, stride = cache
    N, C, H_out, W_out = dout.shape
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    # step 10: see the lecture
    rows, cols = np.divmod(windows.reshape(N, C, H_out, W_out, -1).argmax(axis=-1), size)
    n, c, i, j = np.indices(rows.shape)
    dx = np.zeros_like(x)
    np.add.at(dx, (n, c, i * stride + rows, j * stride + cols), dout)
    # step 11: see the lecture
    return dx
