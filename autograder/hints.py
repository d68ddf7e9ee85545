"""Diagnoses: from WHERE and HOW a result is wrong, the usual mistake behind it.

Each diagnosis looks at a wrong result ``got`` beside the right one ``want`` and
returns a hint, or None when its symptom is absent. Tasks name the diagnoses
worth trying (``tasks.py``, option ``hints``); the first that matches is shown.
On a case the function must refuse (``Case.raises``), they are asked why the
inputs must be refused, with ``want`` None. A diagnosis reads the evidence only:
a ratio between the two arrays, the region where they differ, which of several
returned values are right, or an alternative formula evaluated on the case's own
inputs (``Clue.reference``, the reference on altered inputs; None in the
student's self-check).

Hints may show the case's inputs and formulas but never an expected value: a
hidden case must not hand out its answer.

The engine's diagnoses (``DIAGNOSES``) are those of any course: an all-zero
result, a wrong sign, a constant factor, a gradient step of the wrong size, a
transposed matrix. An assignment declares its own in its checks file with
``@hint(name)``, using the helpers here (``close``, ``near``, ``differs``,
``ratio``, ``times``). ``wrong_form`` tells a shape wrong in form, and
``explain_error`` turns a numpy error into advice.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    reference: Callable[..., Any] | None = None  # the task's forward of the reference, on an inputs dict
    extra: dict[str, Any] = field(default_factory=dict)


# A diagnosis: (got, want, clue) -> a hint, or None when its symptom is absent.
Diagnosis = Callable[[Any, Any, Clue], "str | None"]
HINT_MARK = "autograder_hint"  # the attribute ``hint`` sets: the name a task's ``hints`` option uses


def hint(name: str) -> Callable[[Diagnosis], Diagnosis]:
    """Declare a diagnosis of an assignment's own (in its checks file), under the name that a task's
    ``hints`` option lists. It registers nothing global: the assignment collects it when it loads."""
    def mark(diagnosis: Diagnosis) -> Diagnosis:
        setattr(diagnosis, HINT_MARK, name)
        return diagnosis

    return mark


def close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def differs(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return ~np.isclose(got, want, rtol=1e-6, atol=1e-9)


def ratio(got: Any, want: Any) -> float | None:
    """The k with got == k * want, if there is one (want not all zero)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    norm = float(np.sum(want * want))
    if norm == 0 or got.shape != want.shape:
        return None
    k = float(np.sum(got * want)) / norm
    return k if close(got, k * want) else None


def times(k: float) -> str:
    """k as a reader sees it: "12 times", "1/50 of", "0.6 times" the right value."""
    if 0 < abs(k) < 1 and near(1 / k, round(1 / k)):
        return f"1/{round(1 / k)} of the right value"
    return f"{k:.4g} times the right value"


# --- scale and sign --------------------------------------------------------------------------------

def zero(got, want, clue):
    if not np.any(got) and np.any(want):
        return f"{clue.name} is all zeros: nothing was computed into it (or it was never accumulated)."


def sign(got, want, clue):
    if np.any(want) and close(got, -want):
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
    k = ratio(got, want)
    if k is None or near(k, 1):
        return None
    reasons = []
    if near(k, 0.5):
        reasons.append("a missing factor 2 (the 2 that comes down from a square)")
    if near(k, 2):
        reasons.append("an extra factor 2")
    for n, what in _counts(np.asarray(want), clue):
        if near(k * n, 1):
            reasons.append(f"averaged where it should be summed, over {what}")
        if near(k, n):
            reasons.append(f"summed where it should be averaged, over {what}")
    p = clue.inputs.get("p")
    if isinstance(p, float) and 0 < p < 1:
        if near(k, 1 - p):
            reasons.append("missing the dropout scale 1/(1 - p)")
        if near(k * (1 - p), 1):
            reasons.append("scaled by 1/(1 - p) once too often")
    if not reasons and (np.ndim(want) == 0 or not (near(k, round(k)) or near(1 / k, round(1 / k)))):
        return None  # a ratio that is neither named nor simple is no evidence of a missing factor
    cause = " or ".join(reasons) if reasons else "a constant factor is missing or extra"
    return f"{clue.name} is {times(k)}: {cause}."


def step(got, want, clue):
    """Gradient descent: compare how far each parameter moved with how far it should have."""
    params = clue.inputs.get("params")
    if not isinstance(params, list) or not isinstance(got, list | tuple) or len(got) != len(params):
        return None
    moved = np.concatenate([np.ravel(g - p) for g, p in zip(got, params)])
    right = np.concatenate([np.ravel(w - p) for w, p in zip(want, params)])
    k = ratio(moved, right)
    if k is None or near(k, 1):
        return None
    if near(k, -1):
        return ("every parameter moved by +lr * grad: the step has the wrong sign and climbs the cost. "
                "Gradient descent steps against the gradient: W - lr * dW.")
    if k == 0:
        return "the parameters did not move: return W - lr * dW, not W."
    return f"every parameter moved {times(k)}: the step is lr * dW, no more, no less."


def transposed(got, want, clue):
    if want.ndim == 2 and close(got, want.T):
        return f"{clue.name} is transposed: check the order of the factors in the matrix product."


# The engine's diagnoses, those of any course; an assignment adds its own (``hint``, ``registry``).
DIAGNOSES: dict[str, Diagnosis] = {f.__name__: f for f in (zero, sign, factor, step, transposed)}


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
    if close(got.transpose(order), want):
        if got.ndim == 2:
            return f"{name} is transposed: check the order of the factors in the matrix product."
        return (f"{name} holds the right values in another axis order{layout}: "
                f"{name}.transpose{order} is right.")
    return (f"{name} has the right sizes in another order{layout}: check the axis order; "
            f"{name}.transpose{order} would have the expected shape {want.shape}.")


def diagnose(diagnoses: Iterable[Diagnosis], got: Any, want: Any, clue: Clue) -> str:
    """The first matching one of ``diagnoses`` (``checks.Context.hints`` finds them by name), or ''."""
    for diagnosis in diagnoses:
        try:
            hint = diagnosis(got, want, clue)
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
