"""Tests of the reference solutions/conv.py: output sizes, convolution and max pooling."""

import inspect

import numpy as np
import pytest
from scipy import signal

from solutions import conv

PUBLIC = {
    name
    for name, obj in vars(conv).items()
    if inspect.isfunction(obj) and obj.__module__ == conv.__name__ and not name.startswith("_")
}


# ---------------------------------------------------------------- conv_output_size, conv_param_count


@pytest.mark.parametrize(
    "n, f, pad, stride, expected",
    [
        (7, 3, 0, 1, 5),
        (7, 3, 0, 2, 3),
        (7, 3, 1, 1, 7),
        (128, 5, 2, 1, 128),
        (32, 5, 0, 1, 28),
        (5, 7, 1, 1, 1),  # F = N + 2P: a single position
        (32, 32, 0, 1, 1),
        (3, 5, 1, 2, 1),
        (9, 3, 0, 3, 3),
    ],
    ids=[
        "7x7-f3-s1",
        "7x7-f3-s2",
        "7x7-f3-pad1",
        "quiz-128-f5-pad2",
        "32-f5",
        "F=N+2P",
        "F=N",
        "F=N+2P-s2",
        "9-f3-s3",
    ],
)
def test_conv_output_size(n, f, pad, stride, expected):
    assert conv.conv_output_size(n, f, pad=pad, stride=stride) == expected


def test_conv_output_size_rejects_the_lectures_stride_3():
    with pytest.raises(ValueError, match=r"stride 3 does not divide n \+ 2\*pad - f = 7 \+ 2\*0 - 3 = 4"):
        conv.conv_output_size(7, 3, stride=3)


@pytest.mark.parametrize(
    "n, f, pad, stride, message",
    [
        (3, 5, 0, 1, r"a filter of size 5 does not fit an input of size 3 with padding 0"),
        (4, 7, 1, 1, r"a filter of size 7 does not fit an input of size 4 with padding 1"),
        (7, 3, 0, 0, r"stride >= 1.*stride=0"),
        (7, 3, -1, 1, r"pad >= 0.*pad=-1"),
        (7, 0, 0, 1, r"f >= 1.*f=0"),
    ],
    ids=["filter-too-big", "filter-too-big-padded", "stride-0", "negative-pad", "f-0"],
)
def test_conv_output_size_explains_bad_arguments(n, f, pad, stride, message):
    with pytest.raises(ValueError, match=message):
        conv.conv_output_size(n, f, pad=pad, stride=stride)


@pytest.mark.parametrize(
    "f, c, k, bias, expected",
    [(5, 3, 10, True, 760), (5, 3, 10, False, 750), (3, 1, 1, True, 10), (1, 64, 32, True, 2080)],
    ids=["quiz", "quiz-no-bias", "3x3x1", "1x1x64"],
)
def test_conv_param_count(f, c, k, bias, expected):
    assert conv.conv_param_count(f, c, k, bias=bias) == expected


def test_the_lectures_quiz_output_shape(rng):
    # a 128x128x3 input, ten 5x5x3 filters, padding 2, stride 1: a 128x128x10 output
    x = rng.standard_normal((1, 3, 128, 128))
    w = rng.standard_normal((10, 3, 5, 5))
    b = rng.standard_normal(10)
    out, _ = conv.conv_forward(x, w, b, stride=1, pad=2)
    assert out.shape == (1, 10, 128, 128)
    xpad = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for i, j in [(0, 0), (0, 127), (64, 31), (127, 127)]:
        expected = np.sum(xpad[0, None, :, i : i + 5, j : j + 5] * w, axis=(1, 2, 3)) + b
        np.testing.assert_allclose(out[0, :, i, j], expected, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- conv_forward / conv_backward

# (x shape (N, C, H, W), w shape (F, C, HH, WW), stride, pad)
CONV_CASES = [
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 0),
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 1),
    ((1, 2, 4, 6), (3, 2, 3, 3), 1, 2),
    ((2, 2, 7, 5), (3, 2, 3, 1), 2, 0),
    ((1, 3, 5, 7), (2, 3, 3, 3), 2, 1),
    ((2, 1, 7, 6), (2, 1, 2, 4), 3, 2),
    ((1, 2, 7, 7), (2, 2, 4, 1), 3, 0),
    ((2, 2, 3, 3), (3, 2, 5, 5), 1, 1),  # F = N + 2P: 1x1 output
    ((1, 1, 4, 3), (1, 1, 2, 3), 2, 0),
]


def _conv_id(case):
    (n, c, h, w), (f, _, hh, ww), stride, pad = case
    return f"N{n}-C{c}-{h}x{w}-F{f}-{hh}x{ww}-s{stride}-p{pad}"


def _conv_inputs(case, rng):
    x_shape, w_shape, stride, pad = case
    return (
        {
            "x": rng.standard_normal(x_shape),
            "w": rng.standard_normal(w_shape),
            "b": rng.standard_normal(w_shape[0]),
        },
        {"stride": stride, "pad": pad},
    )


def _conv_loops(x, w, b, stride, pad):
    """Plain nested loops over every output pixel."""
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xpad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def _conv_scipy(x, w, b, stride, pad):
    """scipy.signal.correlate over (C, H, W) in 'valid' mode, subsampled by the stride."""
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return np.array(
        [
            [
                signal.correlate(xpad[n], w[f], mode="valid", method="direct")[0, ::stride, ::stride] + b[f]
                for f in range(w.shape[0])
            ]
            for n in range(x.shape[0])
        ]
    )


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_id)
@pytest.mark.parametrize("reference", [_conv_scipy, _conv_loops], ids=["scipy", "loops"])
def test_conv_forward(case, reference, rng):
    arrays, params = _conv_inputs(case, rng)
    out, _ = conv.conv_forward(**arrays, **params)
    expected = reference(**arrays, **params)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_conv_forward_does_not_flip_the_kernel():
    # cross-correlation: a kernel with a single 1 at (0, 0) reads the top-left pixel of each window
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    out, _ = conv.conv_forward(x, w, np.zeros(1))
    np.testing.assert_array_equal(out[0, 0], x[0, 0, :3, :3])


@pytest.mark.parametrize("case", CONV_CASES, ids=_conv_id)
def test_conv_backward(case, rng, gradcheck):
    arrays, params = _conv_inputs(case, rng)
    out, cache = conv.conv_forward(**arrays, **params)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv.conv_backward(dout, cache)
    gradcheck(lambda **kw: conv.conv_forward(**kw, **params)[0], arrays, dout, {"x": dx, "w": dw, "b": db})


@pytest.mark.parametrize(
    "x_shape, w_shape, b_shape, kwargs, message",
    [
        ((2, 3, 5, 5), (4, 2, 3, 3), (4,), {}, r"x has 3 channels but the filters have 2"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {}, r"4 filters but 3 biases"),
        ((1, 1, 3, 3), (1, 1, 5, 5), (1,), {}, r"filter of size 5 does not fit an input of size 3"),
        ((1, 1, 3, 8), (1, 1, 3, 9), (1,), {}, r"filter of size 9 does not fit an input of size 8"),
        ((1, 1, 7, 7), (1, 1, 3, 3), (1,), {"stride": 3}, r"stride 3 does not divide"),
        ((3, 5, 5), (4, 3, 3, 3), (4,), {}, r"conv_forward: expected x \(N, C, H, W\).*got x \(3, 5, 5\)"),
        ((1, 3, 5, 5), (3, 3, 3), (4,), {}, r"conv_forward: expected .*w \(F, C, HH, WW\).*w \(3, 3, 3\)"),
        ((1, 3, 5, 5), (4, 3, 3, 3), (4, 1), {}, r"conv_forward: expected .*b \(F,\).*b \(4, 1\)"),
    ],
    ids=["channels", "biases", "filter-too-big", "filter-too-wide", "stride-3", "x-3d", "w-3d", "b-2d"],
)
def test_conv_forward_rejects_bad_input(x_shape, w_shape, b_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv.conv_forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape), **kwargs)


# ---------------------------------------------------------------- max pooling

# (x shape, size, stride)
POOL_CASES = [
    ((2, 3, 4, 6), 2, 2),
    ((1, 2, 5, 4), 3, 1),  # overlapping
    ((2, 1, 7, 5), 3, 2),  # overlapping
    ((1, 1, 3, 3), 2, 1),  # overlapping
    ((1, 2, 6, 9), 3, 3),
    ((2, 2, 3, 5), 1, 1),
]


def _pool_id(case):
    (n, c, h, w), size, stride = case
    return f"N{n}-C{c}-{h}x{w}-size{size}-s{stride}"


def _distinct_input(shape, rng):
    """Random values at least 1e-2 apart (a random permutation plus jitter): no ties in any window."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 1e-2 + rng.uniform(0, 1e-3, n) - n * 5e-3).reshape(shape)


def _pool_loops(x, size, stride):
    N, C, H, W = x.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.empty((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = x[
                        n, c, i * stride : i * stride + size, j * stride : j * stride + size
                    ].max()
    return out


@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_id)
def test_max_pool_forward(case, rng):
    shape, size, stride = case
    x = rng.standard_normal(shape)
    out, _ = conv.max_pool_forward(x, size=size, stride=stride)
    expected = _pool_loops(x, size, stride)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("case", POOL_CASES, ids=_pool_id)
def test_max_pool_backward(case, rng, gradcheck):
    shape, size, stride = case
    x = _distinct_input(shape, rng)
    out, cache = conv.max_pool_forward(x, size=size, stride=stride)
    dout = rng.standard_normal(out.shape)
    dx = conv.max_pool_backward(dout, cache)
    gradcheck(lambda x: conv.max_pool_forward(x, size=size, stride=stride)[0], {"x": x}, dout, {"x": dx})


def test_max_pool_backward_accumulates_overlapping_windows():
    # the centre pixel is the maximum of all four 2x2 windows (stride 1): it receives their sum
    x = np.array([[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]])[None, None]
    out, cache = conv.max_pool_forward(x, size=2, stride=1)
    np.testing.assert_array_equal(out[0, 0], [[9.0, 9.0], [9.0, 9.0]])
    dout = np.array([[1.0, 10.0], [100.0, 1000.0]])[None, None]
    dx = conv.max_pool_backward(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 1111.0
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize(
    "shape, size, stride, message",
    [
        ((1, 1, 5, 5), 2, 2, r"stride 2 does not divide"),
        ((1, 1, 4, 5), 2, 2, r"stride 2 does not divide"),
        ((1, 1, 3, 3), 4, 1, r"filter of size 4 does not fit an input of size 3"),
        ((1, 4, 4), 2, 2, r"max_pool_forward: expected x of shape \(N, C, H, W\), got \(1, 4, 4\)"),
        ((1, 1, 1, 4, 4), 2, 2, r"max_pool_forward: expected x of shape \(N, C, H, W\)"),
    ],
    ids=["5x5-size2-s2", "4x5-size2-s2", "window-too-big", "x-3d", "x-5d"],
)
def test_max_pool_forward_rejects_bad_input(shape, size, stride, message):
    with pytest.raises(ValueError, match=message):
        conv.max_pool_forward(np.zeros(shape), size=size, stride=stride)


# ---------------------------------------------------------------- inputs are never modified


def _conv_backward_args(rng):
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    out, cache = conv.conv_forward(x, w, b, stride=2, pad=1)
    return (rng.standard_normal(out.shape), cache), {}


def _pool_backward_args(rng):
    out, cache = conv.max_pool_forward(rng.standard_normal((2, 2, 5, 5)), size=3, stride=2)
    return (rng.standard_normal(out.shape), cache), {}


MUTATION_CASES = {
    "conv_forward": lambda rng: (
        (rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)),
        {"stride": 2, "pad": 1},
    ),
    "conv_backward": _conv_backward_args,
    "max_pool_forward": lambda rng: ((rng.standard_normal((2, 2, 5, 5)),), {"size": 3, "stride": 2}),
    "max_pool_backward": _pool_backward_args,
}
NO_ARRAY_INPUTS = {"conv_output_size", "conv_param_count"}
