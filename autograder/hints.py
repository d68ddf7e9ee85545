"""Diagnoses: from WHERE and HOW a result is wrong, the usual mistake behind it.

Each diagnosis looks at a wrong result ``got`` beside the right one ``want`` and
returns a hint, or None when its symptom is absent. Tasks name the diagnoses
worth trying (``tasks.py``, option ``hints``); the first that matches is shown.
A diagnosis reads the evidence only: a ratio between the two arrays, the region
where they differ, which of several returned values are right, or an alternative
formula evaluated on the case's own inputs (a flipped kernel, a zero h0, the
padding counted once). Some recompute the reference on altered inputs: they need
``Clue.reference`` and are skipped in the student's self-check.

Hints may show the case's inputs and formulas but never an expected value: a
hidden case must not hand out its answer.

Two helpers serve the checks outside the diagnoses: ``why_invalid`` says why a
case's inputs must be refused, ``explain_error`` turns a numpy shape error into
advice.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GATES = ("input (i)", "forget (f)", "output (o)", "candidate (g)")
# Where a gate multiplies a step's gradient: said when that gate's factor is found missing.
GATE_PATHS = {("dprev_c", "f"): " In c = f * prev_c + i * g, prev_c reaches c through the forget gate: "
                                "dprev_c = dc * f."}


@dataclass
class Clue:
    """What a diagnosis may look at besides the two arrays.

    ``extra`` holds what the judge knows about the other values of the same call:
    ``expected`` and ``right`` (the names of the values that are right) for a
    forward, ``wrong`` (the names of the wrong gradients), ``upstream``, ``size``,
    ``stride``, ``all_wrong`` and ``dx_right`` for a backward.
    """

    name: str  # the value's name: "out", "dx", "dWx", ...
    inputs: dict[str, Any]  # the case's arguments, by name
    reference: Callable[..., Any] | None = None  # the reference function of the task's forward
    extra: dict[str, Any] = field(default_factory=dict)


def _close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def _wrong(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return ~np.isclose(got, want, rtol=1e-6, atol=1e-9)


def _ratio(got: Any, want: Any) -> float | None:
    """The k with got == k * want, if there is one (want not all zero)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    norm = float(np.sum(want * want))
    if norm == 0 or got.shape != want.shape:
        return None
    k = float(np.sum(got * want)) / norm
    return k if _close(got, k * want) else None


def _times(k: float) -> str:
    """k as a reader sees it: "12 times", "1/50 of", "0.6 times" the right value."""
    if 0 < abs(k) < 1 and _near(1 / k, round(1 / k)):
        return f"1/{round(1 / k)} of the right value"
    return f"{k:.4g} times the right value"


# --- scale and sign --------------------------------------------------------------------------------

def zero(got, want, clue):
    if not np.any(got) and np.any(want):
        return f"{clue.name} is all zeros: nothing was computed into it (or it was never accumulated)."


def sign(got, want, clue):
    if np.any(want) and _close(got, -want):
        return f"{clue.name} has the wrong sign: check the direction of the step or of a subtraction."


def _counts(want: np.ndarray, clue: Clue) -> list[tuple[int, str]]:
    """The numbers of things a sum or a mean may run over, each with its description."""
    counts = []
    first = next((v for v in clue.inputs.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"), None)
    if first is not None:
        if first.ndim > 1:
            counts.append((first.shape[0], f"the batch (N = {first.shape[0]})"))
        if first.ndim == 3:
            n, t = first.shape[:2]
            counts += [(t, f"the T = {t} time steps"), (n * t, f"the N*T = {n * t} positions")]
        counts.append((first.size, f"all {first.size} elements"))
    upstream = clue.extra.get("upstream")
    if clue.name.startswith("db") and upstream is not None and want.size:
        # A bias is added at every position of the output: its gradient sums dout over all of them.
        positions = upstream.size // want.size
        counts.append((positions, f"the {positions} positions where the bias is added"))
    unique: dict[int, str] = {}
    for n, what in counts:
        if n > 1:
            unique.setdefault(n, what)  # N = T = 3: name the first
    return list(unique.items())


def factor(got, want, clue):
    """A constant factor: named when it is 2, a count the value is summed or averaged over, or 1 - p."""
    k = _ratio(got, want)
    if k is None or _near(k, 1):
        return None
    reasons = []
    if _near(k, 0.5):
        reasons.append("a missing factor 2 (the 2 that comes down from a square)")
    if _near(k, 2):
        reasons.append("an extra factor 2")
    for n, what in _counts(np.asarray(want), clue):
        if _near(k * n, 1):
            reasons.append(f"averaged where it should be summed, over {what}")
        if _near(k, n):
            reasons.append(f"summed where it should be averaged, over {what}")
    p = clue.inputs.get("p")
    if isinstance(p, float) and 0 < p < 1:
        if _near(k, 1 - p):
            reasons.append("missing the dropout scale 1/(1 - p)")
        if _near(k * (1 - p), 1):
            reasons.append("scaled by 1/(1 - p) once too often")
    if not reasons and (np.ndim(want) == 0 or not (_near(k, round(k)) or _near(1 / k, round(1 / k)))):
        return None  # a ratio that is neither named nor simple is no evidence of a missing factor
    cause = " or ".join(reasons) if reasons else "a constant factor is missing or extra"
    return f"{clue.name} is {_times(k)}: {cause}."


def step(got, want, clue):
    """Gradient descent: compare how far each parameter moved with how far it should have."""
    params = clue.inputs.get("params")
    if not isinstance(params, list) or not isinstance(got, list | tuple) or len(got) != len(params):
        return None
    moved = np.concatenate([np.ravel(g - p) for g, p in zip(got, params)])
    right = np.concatenate([np.ravel(w - p) for w, p in zip(want, params)])
    k = _ratio(moved, right)
    if k is None or _near(k, 1):
        return None
    if _near(k, -1):
        return ("every parameter moved by +lr * grad: the step has the wrong sign and climbs the cost. "
                "Gradient descent steps against the gradient: W - lr * dW.")
    if k == 0:
        return "the parameters did not move: return W - lr * dW, not W."
    return f"every parameter moved {_times(k)}: the step is lr * dW, no more, no less."


def transposed(got, want, clue):
    if want.ndim == 2 and _close(got, want.T):
        return f"{clue.name} is transposed: check the order of the factors in the matrix product."


# --- convolution and pooling -----------------------------------------------------------------------

def _size_axes(inputs: dict[str, Any]) -> list[tuple[str, str, int, int, int, int]]:
    """(axis, filter name, n, f, pad, stride) of every output size the inputs define."""
    if "n" in inputs and "f" in inputs:
        return [("n", "f", inputs["n"], inputs["f"], inputs.get("pad", 0), inputs.get("stride", 1))]
    x = inputs.get("x")
    if not isinstance(x, np.ndarray) or x.ndim != 4:
        return []
    stride = inputs.get("stride", 1)
    if isinstance(inputs.get("w"), np.ndarray):
        w, pad = inputs["w"], inputs.get("pad", 0)
        return [("H", "HH", x.shape[2], w.shape[2], pad, stride),
                ("W", "WW", x.shape[3], w.shape[3], pad, stride)]
    if "size" in inputs:
        return [("H", "size", x.shape[2], inputs["size"], 0, stride),
                ("W", "size", x.shape[3], inputs["size"], 0, stride)]
    return []


def _size_slips(n: int, f: int, pad: int, stride: int) -> list[tuple[int, str]]:
    """Sizes that the usual slips in (n + 2P - f)/S + 1 give, each with what it is."""
    slips = []
    if pad:
        slips += [((n + pad - f) // stride + 1,
                   f"({n} + {pad} - {f})/{stride} + 1: the padding counted once; it goes on both sides, 2P"),
                  ((n - f) // stride + 1, f"({n} - {f})/{stride} + 1: the padding left out")]
    if stride > 1:
        slips.append((n + 2 * pad - f + 1, "what stride 1 gives: the stride is ignored"))
    slips.append(((n + 2 * pad - f) // stride, "the formula without its + 1 (the first position)"))
    return slips


def output_size(got, want, clue):
    """An output size (an int, or the spatial shape of out) explained by the formula with the numbers."""
    axes = _size_axes(clue.inputs)
    if not axes:
        return None
    if np.ndim(got) == 0:
        wrong_sizes = [(axes[0], int(got))]
    elif got.ndim == 4 and got.shape[2:] != want.shape[2:]:
        wrong_sizes = [(axis, size) for axis, size, right in zip(axes, got.shape[2:], want.shape[2:])
                       if size != right]
    else:
        return None
    parts = []
    for (axis, fname, n, f, pad, stride), size in wrong_sizes:
        text = f"{axis}' = ({axis} + 2P - {fname})/S + 1 = ({n} + 2*{pad} - {f})/{stride} + 1"
        slip = next((what for value, what in _size_slips(n, f, pad, stride) if value == size), None)
        parts.append(f"{text}; yours, {size}, is {slip}" if slip else f"{text}, not {size}")
    return "the output size is " + "; and ".join(parts) + "."


def why_invalid(inputs: dict[str, Any]) -> str:
    """Why a case's output size does not exist (the reason the function must raise), or ''."""
    for axis, fname, n, f, pad, stride in _size_axes(inputs):
        if stride < 1 or pad < 0 or f < 1:
            return (f"a stride below 1, a negative padding or an empty filter (S={stride}, P={pad}, "
                    f"{fname}={f}) has no output size: raise a ValueError that says so.")
        span = n + 2 * pad - f
        if span < 0:
            return (f"the filter ({fname} = {f}) is larger than the padded input "
                    f"({n} + 2*{pad} = {n + 2 * pad}): it fits nowhere; raise a ValueError that says so.")
        if span % stride:
            return (f"{axis} + 2P - {fname} = {n} + 2*{pad} - {f} = {span} is not a multiple of the stride "
                    f"{stride}: the filter would not end on the last pixel and the output size is not a "
                    "whole number; raise a ValueError that says so.")
    return ""


def param_count(got, want, clue):
    i = clue.inputs
    if np.ndim(got) or not {"f", "c", "k"} <= i.keys():
        return None
    f, c, k, bias = i["f"], i["c"], i["k"], i.get("bias", True)
    if bias and got == f * f * c * k:
        return f"{got} counts the weights of the {k} filters but not their biases: one bias per filter."
    if not bias and got == (f * f * c + 1) * k:
        return "with bias=False the filters have no biases: count only the weights."
    if got in (f * f * k, (f * f + int(bias)) * k):
        return f"each filter is {f} x {f} x {c}: it spans all {c} input channels."


def border(got, want, clue):
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name not in ("out", "dx") or got.shape != want.shape or min(got.shape[2:]) <= 2 * max(pad, 1):
        return None
    wrong = _wrong(got, want)
    ring = max(pad, 1)
    inner = wrong[:, :, ring:-ring, ring:-ring]
    if wrong.any() and not inner.any():
        return (f"only the border pixels of {clue.name} are wrong: check the zero padding "
                "(pad both spatial axes, and cut the padding off dx at the end).")


def uncropped(got, want, clue):
    """dx with the padded input's shape: the padding was never cut off."""
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name == "dx" and pad and got.shape[2:] == tuple(n + 2 * pad for n in want.shape[2:]):
        return (f"dx has the shape of the padded input: cut the padding off at the end, "
                f"dx = dxpad[:, :, {pad}:{pad} + H, {pad}:{pad} + W].")


def crop_offset(got, want, clue):
    """dx cropped from one side of the padded gradient: shifted by pad pixels against the right one."""
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name != "dx" or not pad or got.shape != want.shape or min(want.shape[2:]) <= pad:
        return None
    later, earlier = (..., slice(pad, None), slice(pad, None)), (..., slice(-pad), slice(-pad))
    if _close(got[later], want[earlier]) or _close(got[earlier], want[later]):
        pixels = f"{pad} pixel{'s' if pad > 1 else ''}"
        return (f"dx is shifted by {pixels}: the padding was cut off one side only (the zero padding is on "
                f"both sides). Crop both: dx = dxpad[:, :, {pad}:{pad} + H, {pad}:{pad} + W].")


def flipped_kernel(got, want, clue):
    if clue.name == "dw" and _close(got, want[:, :, ::-1, ::-1]):
        return "dw is flipped: the forward pass is a cross-correlation, do not flip the kernel."
    if clue.reference is None or clue.name != "out":
        return None
    args = dict(clue.inputs, w=clue.inputs["w"][:, :, ::-1, ::-1])
    if _close(got, clue.reference(*args.values())[0]):
        return "you flipped the kernel (a true convolution): this layer is a cross-correlation, w as it is."


def overwritten(got, want, clue):
    """``=`` where ``+=`` belongs in conv_backward: each window's gradient replaced the earlier ones'."""
    i, dout = clue.inputs, clue.extra.get("upstream")
    if clue.name not in ("dx", "dw", "db") or dout is None or dout.ndim != 4 or "w" not in i:
        return None
    x, w, stride, pad = i["x"], i["w"], i["stride"], i["pad"]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    hh, ww = w.shape[2:]
    rows = [slice(r * stride, r * stride + hh) for r in range(dout.shape[2])]
    cols = [slice(c * stride, c * stride + ww) for c in range(dout.shape[3])]
    if clue.name == "dx":
        assigned = np.zeros_like(xpad)
        for r, row in enumerate(rows):
            for c, col in enumerate(cols):
                assigned[:, :, row, col] = np.einsum("nf,fchw->nchw", dout[:, :, r, c], w)
        last = assigned[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    elif clue.name == "dw":
        last = np.einsum("nf,nchw->fchw", dout[:, :, -1, -1], xpad[:, :, rows[-1], cols[-1]])
    else:
        last = dout[:, :, -1, -1].sum(axis=0)
    if _close(got, last):
        return (f"{clue.name} holds only what the last window gave where windows meet: it was assigned "
                f"(=) where it must be accumulated (+=), so each window replaced the earlier ones' gradient.")


def kernel_axes(got, want, clue):
    if got.ndim == 4 and _close(got, want.transpose(0, 1, 3, 2)):
        return "dw has its two kernel axes (HH, WW) swapped."


def bias_axis(got, want, clue):
    b = clue.inputs.get("b")
    if clue.name != "out" or b is None or want.ndim != 4:
        return None
    without = want - b[None, :, None, None]
    if _close(got, without):
        return "the bias is missing: add b[f] to every pixel of activation map f."
    if _close(got, without + b):
        return ("the bias was added along the last axis of out: numpy broadcasting lines a vector up with "
                "the LAST axis. b[f] belongs to every pixel of map f, axis 1: add b[None, :, None, None].")


def stride_ignored(got, want, clue):
    """dx zero in its last rows or columns: the gradient was scattered onto windows 1 pixel apart."""
    stride = clue.inputs.get("stride") or 1
    if clue.name != "dx" or stride < 2 or got.ndim != 4 or got.shape != want.shape:
        return None

    def reach(a: np.ndarray, axis: int) -> int:
        hit = np.flatnonzero(np.any(a != 0, axis=tuple(i for i in range(4) if i != axis)))
        return int(hit[-1]) if hit.size else -1

    short = [f"{what} {reach(got, axis) + 1}" for axis, what in ((2, "row"), (3, "column"))
             if reach(got, axis) < reach(want, axis)]
    if short:
        return (f"dx is zero from {' and from '.join(short)} on, pixels the filter does reach: the "
                f"gradient went to windows 1 pixel apart. With stride {stride}, output pixel (i, j) comes "
                f"from the window at (i*{stride}, j*{stride}) of the padded input:"
                " send dout[:, :, i, j] there.")


def average_pool(got, want, clue):
    size, stride = clue.extra.get("size"), clue.extra.get("stride")
    dout = clue.extra.get("upstream")
    if size is None or dout is None:
        return None
    spread = np.zeros_like(want)
    for di in range(size):
        for dj in range(size):
            rows = slice(di, di + stride * dout.shape[2], stride)
            cols = slice(dj, dj + stride * dout.shape[3], stride)
            spread[:, :, rows, cols] += dout / size**2
    if _close(got, spread):
        return ("the gradient is spread evenly over each window (average pooling): max pooling sends it "
                "all to the window's maximum.")


def overlap(got, want, clue):
    size, stride = clue.extra.get("size"), clue.extra.get("stride")
    if size is None or stride >= size or got.shape != want.shape:
        return None
    cover = np.zeros(want.shape[2:])
    n_out = ((want.shape[2] - size) // stride + 1, (want.shape[3] - size) // stride + 1)
    for i in range(n_out[0]):
        for j in range(n_out[1]):
            cover[i * stride : i * stride + size, j * stride : j * stride + size] += 1
    wrong = _wrong(got, want).any(axis=(0, 1))
    if wrong.any() and np.all(cover[wrong] > 1):
        return ("only pixels shared by overlapping windows are wrong: accumulate (+=) their gradients, "
                "do not overwrite.")


# --- dropout ---------------------------------------------------------------------------------------

def test_time(got, want, clue):
    """At test time out must be x: zeros where x is not zero mean dropout was applied anyway."""
    if clue.inputs.get("train") is not False or got.shape != want.shape:
        return None
    zeroed = int(np.sum((got == 0) & (want != 0)))
    if zeroed:
        return (f"{zeroed} of {want.size} units of out are zero: dropout was applied, but it acts only in "
                "training. With train=False, out is x unchanged.")


# --- the char-RNN ----------------------------------------------------------------------------------

def softmax_axis(got, want, clue):
    """The softmax normalised over the batch or the time axis instead of the V scores of a position."""
    scores, targets = clue.inputs.get("scores"), clue.inputs.get("targets")
    if scores is None or targets is None or scores.ndim != 3:
        return None
    for axis, what in ((1, "the time axis (axis 1)"), (0, "the batch axis (axis 0)")):
        shifted = scores - scores.max(axis=axis, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        loss = -np.take_along_axis(log_probs, targets[..., None], axis=-1).mean()
        dscores = (np.exp(log_probs) - np.eye(scores.shape[-1])[targets]) / targets.size
        if _close(got, loss if np.ndim(want) == 0 else dscores):
            return (f"the softmax was taken over {what}: each position's V scores are normalised among "
                    "themselves, over the last axis (axis=-1, keepdims=True).")


# --- recurrent networks ----------------------------------------------------------------------------

def per_array(got, want, clue):
    grads, max_norm = clue.inputs.get("grads"), clue.inputs.get("max_norm")
    if clue.name != "clipped" or grads is None:
        return None
    own = [g * min(1.0, max_norm / (np.linalg.norm(g) or 1.0)) for g in grads]
    if all(_close(a, b) for a, b in zip(got, own)):
        return "each array was clipped by its own norm: clip_grad_norm uses ONE global norm over all arrays."
    scaled = [g * max_norm / np.sqrt(sum(np.sum(x**2) for x in grads)) for g in grads]
    if all(_close(a, b) for a, b in zip(got, scaled)):
        return ("the gradients were scaled although their norm is below max_norm: clip only when it "
                "exceeds it.")


def sigmoid_for_tanh(got, want, clue):
    i = clue.inputs
    if "prev_h" not in i:
        return None
    a = i["x"] @ i["Wx"] + i["prev_h"] @ i["Wh"] + i["b"]
    if _close(got, 1 / (1 + np.exp(-a))):
        return "that is a sigmoid: the vanilla RNN's nonlinearity is tanh."


def tanh_from_input(got, want, clue):
    if clue.extra.get("all_wrong"):
        return ("every gradient of this step is wrong: the error is in the part they share, "
                "da = dnext_h * (1 - next_h**2), with next_h the step's OUTPUT.")


def early_steps(got, want, clue):
    if clue.name != "dx" or got.ndim != 3 or got.shape != want.shape or got.shape[1] < 2:
        return None
    wrong = _wrong(got, want).any(axis=(0, 2))
    if wrong.any() and not wrong[-1]:
        h0, Wx = clue.inputs.get("h0"), clue.inputs.get("Wx")
        lstm = h0 is not None and Wx is not None and Wx.shape[1] == 4 * h0.shape[1]
        sent = "dprev_h and dprev_c" if lstm else "dprev_h"
        return (f"only the earlier time steps of dx are wrong, the last is right: the gradients reaching "
                f"step t include what step t+1 sends back ({sent}): carry them back through time.")


def last_step(got, want, clue):
    if clue.name.startswith("dW") or clue.name == "db":
        if clue.extra.get("dx_right"):
            return (f"dx is right but {clue.name} is wrong: the weights are shared by every time step, "
                    f"so {clue.name} must be accumulated (+=) over the steps, not overwritten.")


def h0_ignored(got, want, clue):
    if clue.reference is None or "h0" not in clue.inputs:
        return None
    args = dict(clue.inputs, h0=np.zeros_like(clue.inputs["h0"]))
    if _close(got, clue.reference(*args.values())[0]):
        return "the result is what a zero h0 gives: start the recurrence from the h0 you are given."


def _blocks(a: np.ndarray) -> list[np.ndarray]:
    return np.split(a, 4, axis=-1)


def _gates(inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The LSTM step's gate values i, f, o, g, from the case's inputs (the lecture's order)."""
    i = inputs
    a = _blocks(i["x"] @ i["Wx"] + i["prev_h"] @ i["Wh"] + i["b"])
    return {"i": 1 / (1 + np.exp(-a[0])), "f": 1 / (1 + np.exp(-a[1])), "o": 1 / (1 + np.exp(-a[2])),
            "g": np.tanh(a[3])}


def gate_order(got, want, clue):
    if want.shape[-1] % 4 == 0 and got.shape == want.shape and want.shape[-1] >= 4:
        i, f, o, g = _blocks(want)
        if clue.name in ("dWx", "dWh", "db") and _close(got, np.concatenate([i, f, g, o], axis=-1)):
            return (f"the blocks of {clue.name} are in the order i, f, g, o (PyTorch's): the lecture's is "
                    "i, f, o, g.")
    if clue.reference is None or "Wx" not in clue.inputs:
        return None

    def ifgo(a):
        i, f, o, g = _blocks(a)
        return np.concatenate([i, f, g, o], axis=-1)

    args = dict(clue.inputs, Wx=ifgo(clue.inputs["Wx"]), Wh=ifgo(clue.inputs["Wh"]), b=ifgo(clue.inputs["b"]))
    if _close(got, clue.reference(*args.values())[0]):
        return ("your gates are in the order i, f, g, o (PyTorch's): split a in the lecture's order "
                "i, f, o, g.")


def gate_factor(got, want, clue):
    """An LSTM step gradient off, element by element, by exactly one gate's value."""
    if "prev_c" not in clue.inputs or got.shape != want.shape or got.shape != clue.inputs["prev_c"].shape:
        return None
    for (name, gate), words in zip(_gates(clue.inputs).items(), GATES):
        if _close(got * gate, want):
            why = GATE_PATHS.get((clue.name, name), "")
            return (f"{clue.name} lacks a factor {name}: every element is the right value divided by the "
                    f"{words} gate's value.{why}")
        if _close(got, want * gate):
            return (f"{clue.name} has an extra factor {name}: every element is the right value times the "
                    f"{words} gate's value.")


def gate_block(got, want, clue):
    if got.shape != want.shape or want.shape[-1] % 4 or clue.name not in ("dWx", "dWh", "db"):
        return None
    wrong = [bool(_wrong(a, b).any()) for a, b in zip(_blocks(got), _blocks(want))]
    if sum(wrong) == 1:
        gate = GATES[wrong.index(True)]
        return (f"only the {gate} gate's block of {clue.name} is wrong: check that gate's derivative "
                "(sigmoid' = s * (1 - s) for i, f, o; tanh' = 1 - g**2 for g) and what multiplies it.")
    if wrong == [True, True, False, True]:
        return (f"only the output (o) gate's block of {clue.name} is right; i, f and g, which reach the "
                "cost through the cell, are wrong: the gradient through the cell, dc, is wrong. next_c "
                "reaches the cost twice, through next_h = o * tanh(next_c) and directly (dnext_c): dc is "
                "the sum of both.")


def cell_output(got, want, clue):
    """next_h wrong while next_c is right: the mistake is in next_h = o * tanh(next_c)."""
    if clue.name != "next_h" or "next_c" not in clue.extra.get("right", ()):
        return None
    c = clue.extra["expected"]["next_c"]
    hint = "next_c is right but next_h is not: the mistake is in next_h = o * tanh(next_c)"
    usable = np.abs(np.tanh(c)) > 1e-3  # where o = next_h / tanh(next_c) can be read off the right values
    o = want[usable] / np.tanh(c[usable])
    if usable.any() and _close(got[usable], o * c[usable]):
        hint += "; yours is o * next_c: the tanh of the cell is missing"
    return hint + "."


DIAGNOSES: dict[str, Callable[[Any, Any, Clue], str | None]] = {
    f.__name__: f
    for f in (zero, sign, factor, step, transposed, output_size, param_count, border, uncropped, crop_offset,
              flipped_kernel, kernel_axes, overwritten, bias_axis, stride_ignored, average_pool, overlap,
              test_time, per_array, softmax_axis, sigmoid_for_tanh, tanh_from_input, early_steps, last_step,
              h0_ignored, gate_order, gate_factor, gate_block, cell_output)
}


def wrong_form(got: np.ndarray, want: np.ndarray, name: str) -> str:
    """A shape that is wrong in form, told before any value hint: an empty axis, or the right sizes
    in another order ('' when neither)."""
    if 0 in got.shape and 0 not in want.shape:
        return (f"{name} has an axis of length 0: an empty slice. a[pad:-pad] is empty when pad = 0 (-0 is "
                "0, so the slice ends where it starts): crop with explicit ends, a[pad:pad + H].")
    if sorted(got.shape) != sorted(want.shape):
        return ""
    order = next(perm for perm in itertools.permutations(range(got.ndim))
                 if tuple(got.shape[a] for a in perm) == want.shape)
    layout = " (the layout here is (N, C, H, W): channels before height and width)" if got.ndim == 4 else ""
    if _close(got.transpose(order), want):
        if got.ndim == 2:
            return f"{name} is transposed: check the order of the factors in the matrix product."
        return (f"{name} holds the right values in another axis order{layout}: "
                f"{name}.transpose{order} is right.")
    return (f"{name} has the right sizes in another order{layout}: check the axis order; "
            f"{name}.transpose{order} would have the expected shape {want.shape}.")


def diagnose(names: tuple[str, ...], got: Any, want: Any, clue: Clue) -> str:
    """The first matching diagnosis among ``names``, or an empty string."""
    for name in names:
        try:
            hint = DIAGNOSES[name](got, want, clue)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            hint = None  # a diagnosis that does not apply to these shapes
        if hint:
            return hint
    return ""


_SHAPE = re.compile(r"\(([\d,\s]*)\)")


# NumPy APIs that code written for an older NumPy still uses: what replaced them.
REMOVED = {"int": ("1.24", "int or np.int64"), "float": ("1.24", "float or np.float64"),
           "bool": ("1.24", "bool or np.bool_"), "object": ("1.24", "object"), "complex": ("1.24", "complex"),
           "str": ("1.24", "str"), "float_": ("2.0", "np.float64"), "NaN": ("2.0", "np.nan"),
           "Inf": ("2.0", "np.inf"), "product": ("2.0", "np.prod"), "alltrue": ("2.0", "np.all"),
           "sometrue": ("2.0", "np.any"), "asscalar": ("1.23", "a.item()"),
           "cumproduct": ("2.0", "np.cumprod")}
_MISSING_NUMPY = re.compile(r"module 'numpy' has no attribute '(\w+)'")


def explain_error(type_name: str, message: str) -> str:
    """Advice for the errors numpy raises: shapes that do not fit (from the shapes it names), APIs of
    an older NumPy, an array where a number belongs; '' for other errors."""
    removed = _MISSING_NUMPY.search(message) if type_name == "AttributeError" else None
    if removed and removed.group(1) in REMOVED:
        version, use = REMOVED[removed.group(1)]
        return f"np.{removed.group(1)} was removed in NumPy {version}: use {use}."
    if type_name == "TypeError" and re.search(r"only (length-1|0-dimensional) arrays", message):
        return ("int() or float() of an array: NumPy converts only a 0-dimensional array (a single number) "
                "to a Python number. Take the element first, a.item() or a[0], or keep the array.")
    if type_name != "ValueError":
        return ""
    if "could not be broadcast" in message:
        shapes = [tuple(int(n) for n in s.split(",") if n.strip()) for s in _SHAPE.findall(message)]
        vectors, arrays = [s for s in shapes if len(s) == 1], [s for s in shapes if len(s) > 1]
        if vectors and arrays:
            (k,), big = vectors[0], arrays[0]
            axes = [a for a, n in enumerate(big[:-1]) if n == k]
            if axes and big[-1] != k:
                target = tuple(k if a == axes[0] else 1 for a in range(len(big)))
                index = ", ".join(":" if a == axes[0] else "None" for a in range(len(big)))
                return (f"numpy broadcasting lines shapes up from the LAST axis: a vector of shape ({k},) "
                        f"meets the last axis of {big} (length {big[-1]}). To use it along axis {axes[0]}, "
                        f"give it the shape {target}: v[{index}].")
        return ("numpy broadcasting compares shapes from the last axis: print the shapes of the two operands "
                "and make every axis equal or 1.")
    if "mismatch in its core dimension" in message or "not aligned" in message:
        return ("the inner sizes of a matrix product must agree, (N, D) @ (D, M): check the order of the "
                "factors, or a missing or extra transpose (.T).")
    return ""
