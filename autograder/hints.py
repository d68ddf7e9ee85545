"""Diagnoses: from WHERE and HOW a result is wrong, the usual mistake behind it.

Each diagnosis looks at a wrong array ``got`` beside the right one ``want`` and
returns a hint, or None when its symptom is absent. Tasks name the diagnoses
worth trying (``tasks.py``, option ``hints``); the first that matches is shown.
Some recompute the reference on altered inputs (a flipped kernel, a zero h0):
they need ``Clue.reference`` and are skipped in the student's self-check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GATES = ("input (i)", "forget (f)", "output (o)", "candidate (g)")


@dataclass
class Clue:
    """What a diagnosis may look at besides the two arrays."""

    name: str  # the value's name: "out", "dx", "dWx", ...
    inputs: dict[str, Any]  # the case's arguments, by name
    reference: Callable[..., Any] | None = None  # the reference function of the task's forward
    extra: dict[str, Any] = field(default_factory=dict)


def _close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def _wrong(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return ~np.isclose(got, want, rtol=1e-6, atol=1e-9)


def zero(got, want, clue):
    if not np.any(got) and np.any(want):
        return f"{clue.name} is all zeros: nothing was computed into it (or it was never accumulated)."


def sign(got, want, clue):
    if np.any(want) and _close(got, -want):
        return f"{clue.name} has the wrong sign: check the direction of the step or of a subtraction."


def factor(got, want, clue):
    norm = float(np.sum(want * want))
    if norm == 0:
        return None
    k = float(np.sum(got * want)) / norm
    if abs(k - 1) < 1e-6 or not _close(got, k * want):
        return None
    known = {2.0: "a factor 2 (as from the derivative of a square)", 0.5: "a missing factor 2"}
    batch = next((v.shape[0] for v in clue.inputs.values() if isinstance(v, np.ndarray) and v.ndim > 1), None)
    if batch and batch > 1 and abs(k * batch - 1) < 1e-6:
        return f"{clue.name} is 1/{batch} of the right value: it is averaged over the batch where it should be summed."
    if batch and batch > 1 and abs(k / batch - 1) < 1e-6:
        return f"{clue.name} is {batch} times the right value: it is summed where it should be averaged."
    p = clue.inputs.get("p")
    if isinstance(p, float) and 0 < p < 1 and (abs(k - (1 - p)) < 1e-6 or abs(k * (1 - p) - 1) < 1e-6):
        return f"{clue.name} is off by the dropout scale: check the 1/(1 - p) factor."
    for value, words in known.items():
        if abs(k - value) < 1e-6:
            return f"{clue.name} is off by {words}."
    return f"{clue.name} is {k:.4g} times the right value: a constant factor is missing or extra."


def transposed(got, want, clue):
    if want.ndim == 2 and _close(got, want.T):
        return f"{clue.name} is transposed: check the order of the factors in the matrix product."


def border(got, want, clue):
    pad = int(clue.inputs.get("pad", 0) or 0)
    if got.ndim != 4 or got.shape != want.shape or min(got.shape[2:]) <= 2 * max(pad, 1):
        return None
    wrong = _wrong(got, want)
    ring = max(pad, 1)
    inner = wrong[:, :, ring:-ring, ring:-ring]
    if wrong.any() and not inner.any():
        return (f"only the border pixels of {clue.name} are wrong: check the zero padding "
                "(pad both spatial axes, and cut the padding off dx at the end).")


def flipped_kernel(got, want, clue):
    if clue.name == "dw" and _close(got, want[:, :, ::-1, ::-1]):
        return "dw is flipped: the forward pass is a cross-correlation, do not flip the kernel."
    if clue.reference is None or clue.name != "out":
        return None
    args = dict(clue.inputs, w=clue.inputs["w"][:, :, ::-1, ::-1])
    if _close(got, clue.reference(*args.values())[0]):
        return "you flipped the kernel (a true convolution): this layer is a cross-correlation, w as it is."


def kernel_axes(got, want, clue):
    if got.ndim == 4 and got.shape == want.transpose(0, 1, 3, 2).shape and _close(got, want.transpose(0, 1, 3, 2)):
        return "dw has its two kernel axes (HH, WW) swapped."


def bias_axis(got, want, clue):
    b = clue.inputs.get("b")
    if b is None or got.shape != want.shape:
        return None
    without = want - b[None, :, None, None]
    if _close(got, without):
        return "the bias is missing: add b[f] to every pixel of activation map f."
    if got.shape[-1] == b.shape[0] and _close(got, without + b):
        return "the bias is added along the wrong axis: b[f] belongs to filter f, axis 1 of out."


def db_mean(got, want, clue):
    if clue.name == "db" and np.any(want):
        k = float(np.sum(got * want)) / float(np.sum(want * want))
        if k < 1 and _close(got, k * want):
            return "db is averaged: the bias is added at every position, so its gradient is the SUM of dout."


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
        return "the gradient is spread evenly over each window (average pooling): max pooling sends it all to the window's maximum."


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
        return "only pixels shared by overlapping windows are wrong: accumulate (+=) their gradients, do not overwrite."


def per_array(got, want, clue):
    grads, max_norm = clue.inputs.get("grads"), clue.inputs.get("max_norm")
    if clue.name != "clipped" or grads is None:
        return None
    own = [g * min(1.0, max_norm / (np.linalg.norm(g) or 1.0)) for g in grads]
    if all(_close(a, b) for a, b in zip(got, own)):
        return "each array was clipped by its own norm: clip_grad_norm uses ONE global norm over all arrays."
    scaled = [g * max_norm / np.sqrt(sum(np.sum(x**2) for x in grads)) for g in grads]
    if all(_close(a, b) for a, b in zip(got, scaled)):
        return "the gradients were scaled although their norm is below max_norm: clip only when it exceeds it."


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
        return ("only the earlier time steps of dx are wrong, the last is right: the gradient reaching h_t is "
                "dh[:, t] PLUS what step t+1 sends back (dprev_h): carry it back through time.")


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


def gate_order(got, want, clue):
    if want.shape[-1] % 4 == 0 and got.shape == want.shape and want.shape[-1] >= 4:
        i, f, o, g = _blocks(want)
        if clue.name in ("dWx", "dWh", "db") and _close(got, np.concatenate([i, f, g, o], axis=-1)):
            return f"the blocks of {clue.name} are in the order i, f, g, o (PyTorch's): the lecture's is i, f, o, g."
    if clue.reference is None or "Wx" not in clue.inputs:
        return None

    def ifgo(a):
        i, f, o, g = _blocks(a)
        return np.concatenate([i, f, g, o], axis=-1)

    args = dict(clue.inputs, Wx=ifgo(clue.inputs["Wx"]), Wh=ifgo(clue.inputs["Wh"]), b=ifgo(clue.inputs["b"]))
    if _close(got, clue.reference(*args.values())[0]):
        return "your gates are in the order i, f, g, o (PyTorch's): split a in the lecture's order i, f, o, g."


def gate_block(got, want, clue):
    if got.shape != want.shape or want.shape[-1] % 4 or clue.name not in ("dWx", "dWh", "db"):
        return None
    wrong = [bool(_wrong(a, b).any()) for a, b in zip(_blocks(got), _blocks(want))]
    if sum(wrong) == 1:
        gate = GATES[wrong.index(True)]
        return f"only the {gate} gate's block of {clue.name} is wrong: check that gate's gradient."


DIAGNOSES: dict[str, Callable[[np.ndarray, np.ndarray, Clue], str | None]] = {
    f.__name__: f
    for f in (zero, sign, factor, transposed, border, flipped_kernel, kernel_axes, bias_axis, db_mean,
              average_pool, overlap, per_array, sigmoid_for_tanh, tanh_from_input, early_steps, last_step,
              h0_ignored, gate_order, gate_block)
}


def diagnose(names: tuple[str, ...], got: Any, want: Any, clue: Clue) -> str:
    """The first matching diagnosis among ``names``, or an empty string."""
    for name in names:
        try:
            hint = DIAGNOSES[name](got, want, clue)
        except (ValueError, TypeError, IndexError, KeyError):
            hint = None  # a diagnosis that does not apply to these shapes
        if hint:
            return hint
    return ""
