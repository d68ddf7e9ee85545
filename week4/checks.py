"""Week 4's own checks and hints: what only this week's exercises need.

The engine judges most tasks by their values and gradients (``autograder.checks``). These
judge what it cannot: dropout by its properties (the student's mask need not be the
reference's), the char-RNN by training the student's network, and the hints that know
convolutions, pooling, dropout, RNNs and LSTMs. ``@check(name)`` declares a judge that a
``Task(check=name)`` of ``tasks.py`` names; ``@hint(name)`` a diagnosis that a task's
``hints`` option lists. The grader loads this file with the assignment (``assignment.toml``:
``checks = "checks.py"``), and the student bundle carries it for the self-check.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import numpy as np

from autograder.checks import Context, Failed, check, check_inputs_unchanged, compare, kind_of, same, unpack
from autograder.hints import Clue, close, differs, hint
from autograder.properties import binomial_ok, expect_new_sample_per_seed, expect_reproducible, first_value
from autograder.spec import Case, Task

GATES = ("input (i)", "forget (f)", "output (o)", "candidate (g)")
# Where a gate multiplies a step's gradient: said when that gate's factor is found missing.
GATE_PATHS = {("dprev_c", "f"): " In c = f * prev_c + i * g, prev_c reaches c through the forget gate: "
                                "dprev_c = dc * f."}



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


@hint("output_size")
def output_size(got, want, clue):
    """An output size (an int, or the spatial shape of out) explained by the formula with the numbers;
    on a case the function must refuse (``want`` None), why no output size exists."""
    if want is None:
        return why_invalid(clue.inputs) or None
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


@hint("param_count")
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


@hint("border")
def border(got, want, clue):
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name not in ("out", "dx") or got.shape != want.shape or min(got.shape[2:]) <= 2 * max(pad, 1):
        return None
    wrong = differs(got, want)
    ring = max(pad, 1)
    inner = wrong[:, :, ring:-ring, ring:-ring]
    if wrong.any() and not inner.any():
        return (f"only the border pixels of {clue.name} are wrong: check the zero padding "
                "(pad both spatial axes, and cut the padding off dx at the end).")


@hint("uncropped")
def uncropped(got, want, clue):
    """dx with the padded input's shape: the padding was never cut off."""
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name == "dx" and pad and got.shape[2:] == tuple(n + 2 * pad for n in want.shape[2:]):
        return (f"dx has the shape of the padded input: cut the padding off at the end, "
                f"dx = dxpad[:, :, {pad}:{pad} + H, {pad}:{pad} + W].")


@hint("crop_offset")
def crop_offset(got, want, clue):
    """dx cropped from one side of the padded gradient: shifted by pad pixels against the right one."""
    pad = int(clue.inputs.get("pad", 0) or 0)
    if clue.name != "dx" or not pad or got.shape != want.shape or min(want.shape[2:]) <= pad:
        return None
    later, earlier = (..., slice(pad, None), slice(pad, None)), (..., slice(-pad), slice(-pad))
    if close(got[later], want[earlier]) or close(got[earlier], want[later]):
        pixels = f"{pad} pixel{'s' if pad > 1 else ''}"
        return (f"dx is shifted by {pixels}: the padding was cut off one side only (the zero padding is on "
                f"both sides). Crop both: dx = dxpad[:, :, {pad}:{pad} + H, {pad}:{pad} + W].")


@hint("flipped_kernel")
def flipped_kernel(got, want, clue):
    if clue.name == "dw" and close(got, want[:, :, ::-1, ::-1]):
        return "dw is flipped: the forward pass is a cross-correlation, do not flip the kernel."
    if clue.reference is None or clue.name != "out":
        return None
    args = dict(clue.inputs, w=clue.inputs["w"][:, :, ::-1, ::-1])
    if close(got, clue.reference(args)[0]):
        return "you flipped the kernel (a true convolution): this layer is a cross-correlation, w as it is."


@hint("overwritten")
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
    if close(got, last):
        return (f"{clue.name} holds only what the last window gave where windows meet: it was assigned "
                f"(=) where it must be accumulated (+=), so each window replaced the earlier ones' gradient.")


@hint("kernel_axes")
def kernel_axes(got, want, clue):
    if got.ndim == 4 and close(got, want.transpose(0, 1, 3, 2)):
        return "dw has its two kernel axes (HH, WW) swapped."


@hint("bias_axis")
def bias_axis(got, want, clue):
    b = clue.inputs.get("b")
    if clue.name != "out" or b is None or want.ndim != 4:
        return None
    without = want - b[None, :, None, None]
    if close(got, without):
        return "the bias is missing: add b[f] to every pixel of activation map f."
    if close(got, without + b):
        return ("the bias was added along the last axis of out: numpy broadcasting lines a vector up with "
                "the LAST axis. b[f] belongs to every pixel of map f, axis 1: add b[None, :, None, None].")


@hint("stride_ignored")
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


@hint("average_pool")
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
    if close(got, spread):
        return ("the gradient is spread evenly over each window (average pooling): max pooling sends it "
                "all to the window's maximum.")


@hint("overlap")
def overlap(got, want, clue):
    size, stride = clue.extra.get("size"), clue.extra.get("stride")
    if size is None or stride >= size or got.shape != want.shape:
        return None
    cover = np.zeros(want.shape[2:])
    n_out = ((want.shape[2] - size) // stride + 1, (want.shape[3] - size) // stride + 1)
    for i in range(n_out[0]):
        for j in range(n_out[1]):
            cover[i * stride : i * stride + size, j * stride : j * stride + size] += 1
    wrong = differs(got, want).any(axis=(0, 1))
    if wrong.any() and np.all(cover[wrong] > 1):
        return ("only pixels shared by overlapping windows are wrong: accumulate (+=) their gradients, "
                "do not overwrite.")


# --- dropout ---------------------------------------------------------------------------------------

@hint("test_time")
def test_time(got, want, clue):
    """At test time out must be x: zeros where x is not zero mean dropout was applied anyway."""
    if clue.inputs.get("train") is not False or got.shape != want.shape:
        return None
    zeroed = int(np.sum((got == 0) & (want != 0)))
    if zeroed:
        return (f"{zeroed} of {want.size} units of out are zero: dropout was applied, but it acts only in "
                "training. With train=False, out is x unchanged.")


# --- the char-RNN ----------------------------------------------------------------------------------

@hint("softmax_axis")
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
        if close(got, loss if np.ndim(want) == 0 else dscores):
            return (f"the softmax was taken over {what}: each position's V scores are normalised among "
                    "themselves, over the last axis (axis=-1, keepdims=True).")


# --- recurrent networks ----------------------------------------------------------------------------

@hint("per_array")
def per_array(got, want, clue):
    grads, max_norm = clue.inputs.get("grads"), clue.inputs.get("max_norm")
    if clue.name != "clipped" or grads is None:
        return None
    own = [g * min(1.0, max_norm / (np.linalg.norm(g) or 1.0)) for g in grads]
    if all(close(a, b) for a, b in zip(got, own)):
        return "each array was clipped by its own norm: clip_grad_norm uses ONE global norm over all arrays."
    scaled = [g * max_norm / np.sqrt(sum(np.sum(x**2) for x in grads)) for g in grads]
    if all(close(a, b) for a, b in zip(got, scaled)):
        return ("the gradients were scaled although their norm is below max_norm: clip only when it "
                "exceeds it.")


@hint("sigmoid_for_tanh")
def sigmoid_for_tanh(got, want, clue):
    i = clue.inputs
    if "prev_h" not in i:
        return None
    a = i["x"] @ i["Wx"] + i["prev_h"] @ i["Wh"] + i["b"]
    if close(got, 1 / (1 + np.exp(-a))):
        return "that is a sigmoid: the vanilla RNN's nonlinearity is tanh."


@hint("tanh_from_input")
def tanh_from_input(got, want, clue):
    if clue.extra.get("all_wrong"):
        return ("every gradient of this step is wrong: the error is in the part they share, "
                "da = dnext_h * (1 - next_h**2), with next_h the step's OUTPUT.")


@hint("early_steps")
def early_steps(got, want, clue):
    if clue.name != "dx" or got.ndim != 3 or got.shape != want.shape or got.shape[1] < 2:
        return None
    wrong = differs(got, want).any(axis=(0, 2))
    if wrong.any() and not wrong[-1]:
        h0, Wx = clue.inputs.get("h0"), clue.inputs.get("Wx")
        lstm = h0 is not None and Wx is not None and Wx.shape[1] == 4 * h0.shape[1]
        sent = "dprev_h and dprev_c" if lstm else "dprev_h"
        return (f"only the earlier time steps of dx are wrong, the last is right: the gradients reaching "
                f"step t include what step t+1 sends back ({sent}): carry them back through time.")


@hint("last_step")
def last_step(got, want, clue):
    if clue.name.startswith("dW") or clue.name == "db":
        if clue.extra.get("dx_right"):
            return (f"dx is right but {clue.name} is wrong: the weights are shared by every time step, "
                    f"so {clue.name} must be accumulated (+=) over the steps, not overwritten.")


@hint("h0_ignored")
def h0_ignored(got, want, clue):
    if clue.reference is None or "h0" not in clue.inputs:
        return None
    args = dict(clue.inputs, h0=np.zeros_like(clue.inputs["h0"]))
    if close(got, clue.reference(args)[0]):
        return "the result is what a zero h0 gives: start the recurrence from the h0 you are given."


def _blocks(a: np.ndarray) -> list[np.ndarray]:
    return np.split(a, 4, axis=-1)


def _gates(inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The LSTM step's gate values i, f, o, g, from the case's inputs (the lecture's order)."""
    i = inputs
    a = _blocks(i["x"] @ i["Wx"] + i["prev_h"] @ i["Wh"] + i["b"])
    return {"i": 1 / (1 + np.exp(-a[0])), "f": 1 / (1 + np.exp(-a[1])), "o": 1 / (1 + np.exp(-a[2])),
            "g": np.tanh(a[3])}


@hint("gate_order")
def gate_order(got, want, clue):
    if want.shape[-1] % 4 == 0 and got.shape == want.shape and want.shape[-1] >= 4:
        i, f, o, g = _blocks(want)
        if clue.name in ("dWx", "dWh", "db") and close(got, np.concatenate([i, f, g, o], axis=-1)):
            return (f"the blocks of {clue.name} are in the order i, f, g, o (PyTorch's): the lecture's is "
                    "i, f, o, g.")
    if clue.reference is None or "Wx" not in clue.inputs:
        return None

    def ifgo(a):
        i, f, o, g = _blocks(a)
        return np.concatenate([i, f, g, o], axis=-1)

    args = dict(clue.inputs, Wx=ifgo(clue.inputs["Wx"]), Wh=ifgo(clue.inputs["Wh"]), b=ifgo(clue.inputs["b"]))
    if close(got, clue.reference(args)[0]):
        return ("your gates are in the order i, f, g, o (PyTorch's): split a in the lecture's order "
                "i, f, o, g.")


@hint("gate_factor")
def gate_factor(got, want, clue):
    """An LSTM step gradient off, element by element, by exactly one gate's value."""
    if "prev_c" not in clue.inputs or got.shape != want.shape or got.shape != clue.inputs["prev_c"].shape:
        return None
    for (name, gate), words in zip(_gates(clue.inputs).items(), GATES):
        if close(got * gate, want):
            why = GATE_PATHS.get((clue.name, name), "")
            return (f"{clue.name} lacks a factor {name}: every element is the right value divided by the "
                    f"{words} gate's value.{why}")
        if close(got, want * gate):
            return (f"{clue.name} has an extra factor {name}: every element is the right value times the "
                    f"{words} gate's value.")


@hint("gate_block")
def gate_block(got, want, clue):
    if got.shape != want.shape or want.shape[-1] % 4 or clue.name not in ("dWx", "dWh", "db"):
        return None
    wrong = [bool(differs(a, b).any()) for a, b in zip(_blocks(got), _blocks(want))]
    if sum(wrong) == 1:
        gate = GATES[wrong.index(True)]
        return (f"only the {gate} gate's block of {clue.name} is wrong: check that gate's derivative "
                "(sigmoid' = s * (1 - s) for i, f, o; tanh' = 1 - g**2 for g) and what multiplies it.")
    if wrong == [True, True, False, True]:
        return (f"only the output (o) gate's block of {clue.name} is right; i, f and g, which reach the "
                "cost through the cell, are wrong: the gradient through the cell, dc, is wrong. next_c "
                "reaches the cost twice, through next_h = o * tanh(next_c) and directly (dnext_c): dc is "
                "the sum of both.")


@hint("cell_output")
def cell_output(got, want, clue):
    """next_h wrong while next_c is right: the mistake is in next_h = o * tanh(next_c)."""
    if clue.name != "next_h" or "next_c" not in clue.extra.get("right", ()):
        return None
    c = clue.extra["expected"]["next_c"]
    hint = "next_c is right but next_h is not: the mistake is in next_h = o * tanh(next_c)"
    usable = np.abs(np.tanh(c)) > 1e-3  # where o = next_h / tanh(next_c) can be read off the right values
    o = want[usable] / np.tanh(c[usable])
    if usable.any() and close(got[usable], o * c[usable]):
        hint += "; yours is o * next_c: the tanh of the cell is missing"
    return hint + "."




# --- dropout: judged by its properties (the student's mask need not be the reference's) ----------

def _expect_independent(mask: np.ndarray) -> None:
    """No two rows (or columns) of a 2-D mask are copies: each unit is dropped on its own."""
    if mask.ndim != 2 or not 0 < mask.mean() < 1:
        return  # p = 0 keeps every unit: any rule gives the same mask
    for axis, what in ((0, "row"), (1, "column")):
        if np.all(mask == np.take(mask, [0], axis=axis)):
            raise Failed(f"every {what} of the mask drops the same units: the units must be dropped "
                         "independently of each other.",
                         "draw one random number per unit (rng.random(shape)), not one per row or column, "
                         "and do not pick units by their position.")


def _expect_new_mask_per_seed(ctx: Context, task: Task, inputs: dict[str, Any], first: np.ndarray,
                              mask_of: Any) -> None:
    """Another seed, or the same seed's generator after it drew, gives another mask (unless p = 0)."""
    if 0 < first.mean() < 1:
        expect_new_sample_per_seed(ctx, task, inputs, first, mask_of, "mask", "rng.random(shape) >= p")


@check("dropout_mask")
def judge_dropout_mask(ctx: Context, task: Task, case: Case, inputs: dict[str, Any], expected: dict) -> None:
    mask = ctx.call(task.name, inputs).value
    shape, p = tuple(inputs["shape"]), inputs["p"]
    if not isinstance(mask, np.ndarray) or mask.shape != shape:
        raise Failed(f"the mask should be an ndarray of shape {shape}; it is {kind_of(mask)}.")
    if mask.dtype != bool:
        raise Failed(f"the mask should be a bool array (True = kept); its dtype is {mask.dtype}.",
                     "a comparison such as rng.random(shape) >= p gives a bool array.")
    _expect_independent(mask)
    ok, detail = binomial_ok(int(mask.size - mask.sum()), mask.size, p)
    if not ok:
        flipped, _ = binomial_ok(int(mask.size - mask.sum()), mask.size, 1 - p)
        raise Failed(f"wrong fraction dropped: {detail}.",
                     "p is the fraction DROPPED (True = kept with probability 1 - p)." if flipped else "")
    expect_reproducible(ctx, task, inputs, mask)
    _expect_new_mask_per_seed(ctx, task, inputs, mask, lambda value: value)


def _expect_dropped(out: Any, x: np.ndarray, p: float) -> np.ndarray:
    """``out`` is inverted dropout of ``x`` in training: kept units x / (1 - p), dropped ones 0, each
    unit on its own, a plausible fraction dropped. Returns the kept units' mask."""
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Failed(f"out should be an ndarray of shape {x.shape}; it is {kind_of(out)}.")
    kept = out != 0
    if not np.allclose(out[kept], x[kept] / (1 - p), rtol=1e-9, atol=0):
        unscaled = np.allclose(out[kept], x[kept], rtol=1e-9, atol=0)
        raise Failed("the kept units of out are not x / (1 - p).",
                     "that is non-inverted dropout: divide the kept units by (1 - p) so that E[out] = x."
                     if unscaled else "out must be x * mask / (1 - p).")
    _expect_independent(kept)
    ok, detail = binomial_ok(int((~kept).sum()), x.size, p)
    if not ok:
        raise Failed(f"wrong fraction dropped: {detail}.",
                     "p is the fraction DROPPED, not the fraction kept.")
    return kept


@check("dropout_forward")
def judge_dropout_forward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                          expected: dict) -> None:
    outcome = ctx.call(task.name, inputs, keep=(1,))
    out = unpack(outcome.value, ("out", "cache"), task.function)["out"]
    x, p = inputs["x"], inputs["p"]
    check_inputs_unchanged(task.function, inputs, outcome)
    if not inputs["train"]:
        compare("out at test time (train=False)", out, x, (test_time,), Clue("out", inputs))
        return
    kept = _expect_dropped(out, x, p)
    expect_reproducible(ctx, task, inputs, out)
    _expect_new_mask_per_seed(ctx, task, inputs, kept, lambda value: first_value(value) != 0)


@check("dropout_backward")
def judge_dropout_backward(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                           expected: dict) -> None:
    fwd = ctx.call("dropout.dropout_forward", inputs, keep=(1,), role="needed to test dropout_backward")
    out, cache = unpack(fwd.value, ("out", "cache"), "dropout_forward").values()
    x = inputs["x"]
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Failed("dropout_forward() returned no usable out, so its backward cannot be tested.")
    # Judged against this forward, whatever its other mistakes; but a forward that drops nothing in
    # training (an identity) would let an identity backward pass: it must drop some units, not all.
    if inputs["train"] and inputs["p"] > 0 and not 0 < int(np.sum(out == 0)) < x.size:
        raise Failed(f"dropout_forward() dropped {'every' if np.all(out == 0) else 'no'} unit of x at p = "
                     f"{inputs['p']} in training, so its backward cannot be tested.",
                     "make dropout_forward pass first: out = x * mask / (1 - p).")
    dout = np.random.default_rng(x.size).standard_normal(x.shape)
    dx = ctx.call(task.name, [dout, cache]).value
    again = ctx.call(task.name, [dout, cache]).value
    # The forward is x times a fixed mask and scale, so its exact derivative is out / x.
    want = dout * out / x
    compare("dx", dx, want, ctx.hints(("factor", "zero")), Clue("dx", inputs))
    if not same(dx, again):
        raise Failed("calling dropout_backward() twice with the same cache gave different results.",
                     "reuse the forward pass's mask from the cache; never draw a new one.")


# --- the char-RNN: does the student's network learn "hello"? -------------------------------------

def greedy_text(params: dict[str, np.ndarray], vocab: str, start: str, length: int) -> str:
    """The grader's own greedy continuation, to judge a student's trained parameters."""
    text, h = start, np.zeros(params["Wh"].shape[0])
    for _ in range(length - 1):
        x = np.eye(len(vocab))[vocab.index(text[-1])]
        h = np.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"])
        text += vocab[int(np.argmax(h @ params["Why"] + params["by"]))]
    return text


UNSEEN_STEPS = 30  # enough for any order of "hello" to fit better than "hello" itself; too few to reach 0


def _trained(ctx: Context, task: Task, inputs: dict[str, Any]) -> tuple[dict, str, list]:
    """Train the student's network on ``inputs``: its parameters, vocabulary and losses, checked in form."""
    value = ctx.call(task.name, inputs).value
    params, vocab, losses = unpack(value, ("params", "vocab", "losses"), task.function).values()
    text, steps = inputs["text"], inputs["steps"]
    if not isinstance(params, dict) or not all(isinstance(params.get(k), np.ndarray)
                                                for k in ("Wx", "Wh", "b", "Why", "by")):
        raise Failed("params should be a dict of arrays Wx, Wh, b, Why, by.")
    if vocab != "".join(sorted(set(text))):
        raise Failed(f"vocab should be the sorted characters of {text!r}.")
    if not isinstance(losses, list | tuple) or len(losses) != steps or \
            not all(isinstance(v, int | float) and np.isfinite(v) for v in losses):
        raise Failed(f"losses should be a list of {steps} finite floats, one per step.")
    return params, vocab, losses


def _pairs(vocab: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A text as the loss takes it: each character's index (1, T - 1), and the next one's."""
    indices = np.array([[vocab.index(ch) for ch in text]])
    return indices[:, :-1], indices[:, 1:]


def _continues(params: dict, vocab: str, text: str) -> str:
    try:
        return greedy_text(params, vocab, text[0], len(text))
    except (ValueError, IndexError) as exc:
        raise Failed(f"the trained parameters have the wrong shapes: {exc}.") from None


def unseen_text(ctx: Context, task: Task, case: Case, inputs: dict[str, Any]) -> str | None:
    """When grading, another order of the case's characters: a text the student cannot know ahead
    (the choice is keyed by the hash of the task declarations and the reference, files the student
    bundle does not hold), so no canned answer passes. None in the self-check."""
    if ctx.reference is None:
        return None
    assignment = ctx.reference.assignment
    secret = hashlib.sha256()
    for file in sorted(assignment.reference.glob("*.py")) + [assignment.folder / "tasks.py"]:
        secret.update(file.read_bytes())
    key, text = f"{secret.hexdigest()} {case.label}", inputs["text"]
    orders = {"".join(p) for p in itertools.islice(itertools.permutations(text), 720)} - {text}
    return min(orders, key=lambda order: hashlib.sha256(f"{key} {order}".encode()).digest(), default=None)


@check("char_rnn_train")
def judge_char_rnn_train(ctx: Context, task: Task, case: Case, inputs: dict[str, Any],
                         expected: dict) -> None:
    params, vocab, losses = _trained(ctx, task, inputs)
    text, steps = inputs["text"], inputs["steps"]
    if not losses[-1] < min(0.1, losses[0] / 4):
        raise Failed(f"the loss did not fall enough: {losses[0]:.3f} at the start, {losses[-1]:.3f} after "
                     f"{steps} steps (it should end below 0.1).",
                     "if rnn_backward passes its own task, look at the update: W <- W - lr * dW after "
                     "clipping.")
    continued = _continues(params, vocab, text)
    if continued != text:
        raise Failed(f"the trained network continues {text[0]!r} as {continued!r}, not {text!r}.")
    loss = ctx.numeric("char_rnn.char_rnn_loss")([params, *_pairs(vocab, text)])[0]
    if not abs(loss - losses[-1]) <= 0.25 * losses[-1] + 1e-4:
        raise Failed(f"the returned parameters have a loss of {loss:.4g} on {text!r}, but the last loss "
                     f"reported is {losses[-1]:.4g}: the losses are not those of this training.",
                     "append the loss that char_rnn_loss returns at each step, and return the parameters "
                     "that the steps updated.")
    other = dict(inputs, seed=inputs["seed"] + 1, steps=10)
    other_params = _trained(ctx, task, other)[0]
    if same(params, other_params):
        raise Failed(f"seeds {inputs['seed']} and {other['seed']} gave the same parameters: they were not "
                     "trained from the seed's initial weights.",
                     "start from init_params(V, hidden_size, np.random.default_rng(seed)) and train them.")
    order = unseen_text(ctx, task, case, inputs)
    if order is not None:  # trained on it a little, the network fits the new order better than the old one
        retrained, revocab, _ = _trained(ctx, task, dict(inputs, text=order, steps=UNSEEN_STEPS))
        loss_of = ctx.numeric("char_rnn.char_rnn_loss")
        fit = {t: loss_of([retrained, *_pairs(revocab, t)])[0] for t in (order, text)}
        if not fit[order] < fit[text]:
            raise Failed("trained on the same characters in another order (a text it could not know ahead), "
                         "the network fits that order no better than the original: its parameters do not "
                         "come from training on the text it is given.",
                         "train on the text argument, from init_params(V, hidden_size, "
                         "np.random.default_rng(seed)): never return parameters made ahead.")


