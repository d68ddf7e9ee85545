"""Convolution and pooling layers.

A convolutional layer slides F filters of size C x HH x WW over the input; each
filter makes one activation map. Its output size along one spatial axis is

    W_out = (N + 2P - F) / S + 1

for an input of size N, filter size F, zero padding P and stride S. As in every
deep-learning library, "convolution" here is cross-correlation: the filter is
not flipped.
"""

import numpy as np


def conv_output_size(n: int, f: int, pad: int = 0, stride: int = 1) -> int:
    """Output size of a convolution or pooling along one spatial axis.

    Parameters
    ----------
    n : int
        Input size (height or width), in pixels.
    f : int
        Filter size, in pixels.
    pad : int
        Zero padding added on each side, in pixels.
    stride : int
        Step between two filter positions, in pixels.

    Returns
    -------
    int
        (n + 2*pad - f) / stride + 1.

    Raises
    ------
    ValueError
        When ``f < 1``, ``pad < 0`` or ``stride < 1``; when the filter does not
        fit (``f > n + 2*pad``); when the stride does not divide ``n + 2*pad - f``
        (the filter would not end on the last pixel).
    """
    # TODO: reject f < 1, pad < 0, stride < 1 and a filter larger than the padded
    #   input with a ValueError that says why; then W = (N + 2P - F) / S + 1, which
    #   must be a whole number (a 7x7 input with a 3x3 filter at stride 3 is not).
    if f < 1 or pad < 0 or stride < 1:
        raise ValueError(f"need f >= 1, pad >= 0, stride >= 1; got f={f}, pad={pad}, stride={stride}")
    span = n + 2 * pad - f
    if span < 0:
        raise ValueError(f"a filter of size {f} does not fit an input of size {n} with padding {pad}")
    if span % stride != 0:
        raise ValueError(
            f"stride {stride} does not divide n + 2*pad - f = {n} + 2*{pad} - {f} = {span}: "
            "the filter would not end on the last pixel"
        )
    return span // stride + 1


def conv_param_count(f: int, c: int, k: int, bias: bool = True) -> int:
    """Number of learnable parameters of a convolutional layer.

    Parameters
    ----------
    f : int
        Filter size (each filter is f x f x c).
    c : int
        Input channels (the depth of every filter).
    k : int
        Number of filters.
    bias : bool
        Whether each filter has a bias.

    Returns
    -------
    int
        k * (f * f * c + 1) with biases, k * f * f * c without.
    """
    # TODO: each of the k filters has f*f*c weights, plus one bias when bias is True
    #   (the lecture's quiz: ten 5x5x3 filters have 760 parameters).
    return k * (f * f * c + int(bias))


def conv_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolutional layer (cross-correlation, zero padding).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        N inputs with C channels of H x W pixels.
    w : ndarray, shape (F, C, HH, WW)
        F filters, each C x HH x WW.
    b : ndarray, shape (F,)
        One bias per filter.
    stride : int
        Step between filter positions, the same along both axes.
    pad : int
        Zeros added on each side of both spatial axes.

    Returns
    -------
    out : ndarray, shape (N, F, H', W')
        out[n, f, i, j] = b[f] + sum_{c,di,dj} w[f, c, di, dj] * xpad[n, c, i*S + di, j*S + dj],
        with H' = (H + 2P - HH) / S + 1 and W' = (W + 2P - WW) / S + 1.
    cache : tuple
        What conv_backward needs.
    """
    if x.ndim != 4 or w.ndim != 4 or b.ndim != 1:
        raise ValueError(
            "conv_forward: expected x (N, C, H, W), w (F, C, HH, WW), b (F,); got "
            f"x {x.shape}, w {w.shape}, b {b.shape}"
        )
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"conv_forward: x has {x.shape[1]} channels but the filters have {w.shape[1]}")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"conv_forward: {w.shape[0]} filters but {b.shape[0]} biases")
    # TODO: H' and W' from conv_output_size (it raises when the filter does not fit);
    #   pad x with zeros on the two spatial axes (np.pad). Then loop over the
    #   HH x WW kernel offsets (di, dj), not over pixels: the input pixels that
    #   offset meets are xpad[:, :, di : di + S*H' : S, dj : dj + S*W' : S], shape
    #   (N, C, H', W'); contract their C axis with w[:, :, di, dj] (np.einsum or
    #   np.tensordot) and add to out. Finally add b[f] to every pixel of map f.
    H_out = conv_output_size(x.shape[2], w.shape[2], pad, stride)
    W_out = conv_output_size(x.shape[3], w.shape[3], pad, stride)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((x.shape[0], w.shape[0], H_out, W_out))
    for di in range(w.shape[2]):
        for dj in range(w.shape[3]):
            seen = xpad[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            out += np.einsum("nchw,fc->nfhw", seen, w[:, :, di, dj])
    out += b[None, :, None, None]
    cache = (xpad, w, stride, pad)
    return out, cache


def conv_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolutional layer.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H', W')
        Upstream gradient.
    cache : tuple
        From conv_forward.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    # TODO: db sums dout over everything but the filter axis. For each kernel offset
    #   (di, dj) take the same strided slice of xpad as the forward pass:
    #   dw[:, :, di, dj] contracts dout with it over (N, H', W'), and dout
    #   contracted with w[:, :, di, dj] over F is ADDED (+=) into that slice of
    #   dxpad: neighbouring positions share input pixels. Cut the padding off dxpad.
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
    dx = dxpad[:, :, pad : pad + H, pad : pad + W]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool_forward(x: np.ndarray, size: int = 2, stride: int = 2) -> tuple[np.ndarray, tuple]:
    """Forward pass of max pooling with square windows and no padding.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    size : int
        Window size (size x size pixels).
    stride : int
        Step between windows; windows overlap when ``stride < size``.

    Returns
    -------
    out : ndarray, shape (N, C, H', W')
        The maximum of each window, H' = (H - size) / stride + 1 (likewise W').
    cache : tuple
        What max_pool_backward needs.
    """
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: expected x of shape (N, C, H, W), got {x.shape}")
    # TODO: H', W' from conv_output_size with pad 0. Loop over the size x size offsets
    #   (di, dj) of a window: x[:, :, di : di + S*H' : S, dj : dj + S*W' : S] holds that
    #   offset's pixel of every window; the running maximum over the offsets is the output.
    #   Remember which offset won each window for the backward pass.
    H_out = conv_output_size(x.shape[2], size, 0, stride)
    W_out = conv_output_size(x.shape[3], size, 0, stride)
    windows = np.stack(
        [
            x[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride]
            for di in range(size)
            for dj in range(size)
        ]
    )  # (size*size, N, C, H', W'): one slice per offset
    winner = windows.argmax(axis=0)
    out = windows.max(axis=0)
    cache = (x.shape, winner, size, stride)
    return out, cache


def max_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of max pooling.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H', W')
        Upstream gradient.
    cache : tuple
        From max_pool_forward.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Each window's gradient goes to the pixel that was its maximum; a pixel
        that is the maximum of several overlapping windows receives their sum.
    """
    # TODO: for each window offset (di, dj), the windows whose maximum sat at that
    #   offset pass dout on to the pixel there: ADD (+=) dout * (winner == k) into the
    #   same strided slice of dx, so that overlapping windows accumulate.
    x_shape, winner, size, stride = cache
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x_shape)
    for k in range(size * size):
        di, dj = divmod(k, size)
        dx[:, :, di : di + stride * H_out : stride, dj : dj + stride * W_out : stride] += dout * (winner == k)
    return dx
