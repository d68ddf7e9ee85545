"""Numerical gradient checking by central differences, in float64.

Two checks of an analytic gradient ``grad`` of a scalar function ``f`` at ``x``:

- ``full_check``: every element, ``(f(x + h e_i) - f(x - h e_i)) / 2h``. It costs
  two evaluations of ``f`` per element and is the only check that says WHICH
  element is wrong.
- ``directional_check``: a few random Gaussian unit directions ``u``,
  ``(f(x + h u) - f(x - h u)) / 2h`` against ``<grad, u>``. Two evaluations per
  direction, whatever the size of ``x``. A single fixed direction can miss an
  error orthogonal to it (torch.autograd.gradcheck's fast mode passed wrong
  gradients that way, pytorch#59584), so several independent directions are used.

Tolerances. With h = 1e-5 in float64 the truncation error of a central difference
is O(h^2 f''') ~ 1e-10 and the rounding error is O(eps |f| / h) ~ 2e-11 |f|
(eps = 2.2e-16). An element passes when

    |a - n| <= RTOL * (|a| + |n|) + ATOL * (1 + |f(x)|),

with RTOL = 1e-6 and ATOL = 1e-8: about 100 times the noise floor, and still a
million times smaller than any real mistake (a missing factor, a transposed
matrix, a dropped term). The error reported is the CS231n relative error
``max |a - n| / max(1e-8, |a| + |n|)``: about 1e-7 or less is right, above 1e-2 is
wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

H = 1e-5
RTOL = 1e-6
ATOL = 1e-8

ScalarFunction = Callable[[np.ndarray], float]


def rel_error(a: np.ndarray, n: np.ndarray, eps: float = 1e-8) -> float:
    """CS231n relative error: max over elements of |a - n| / max(eps, |a| + |n|)."""
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(eps, np.abs(a) + np.abs(n))))


def numerical_gradient(f: ScalarFunction, x: np.ndarray, h: float = H) -> np.ndarray:
    """The gradient of ``f`` at ``x`` by central differences, element by element.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; it is called with perturbed copies of ``x``.
    x : ndarray, float64, any shape
    h : float
        Step size.

    Returns
    -------
    ndarray, the shape of ``x``
        2 * x.size evaluations of ``f``.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x.copy())
        flat[i] = old - h
        minus = f(x.copy())
        flat[i] = old
        grad_flat[i] = (plus - minus) / (2 * h)
    return grad


@dataclass(frozen=True)
class GradCheck:
    """The outcome of one gradient check.

    ``worst_index``, ``analytic`` and ``numeric`` describe the element (full
    check) or the direction (directional check) with the largest error.
    """

    mode: str  # "full" or "directional"
    ok: bool
    rel_error: float
    worst_index: tuple[int, ...] | int
    analytic: float
    numeric: float
    evaluations: int


def _passes(a: np.ndarray, n: np.ndarray, f_scale: float) -> np.ndarray:
    return np.abs(a - n) <= RTOL * (np.abs(a) + np.abs(n)) + ATOL * (1 + f_scale)


def full_numeric(f: ScalarFunction, x: np.ndarray, h: float = H) -> tuple[np.ndarray, float]:
    """What ``full_check`` compares with: the numerical gradient of ``f`` at ``x``, and ``|f(x)|``."""
    return numerical_gradient(f, x, h), abs(f(np.array(x, dtype=np.float64)))


def full_check(f: ScalarFunction, x: np.ndarray, grad: np.ndarray, h: float = H,
               numeric: tuple[np.ndarray, float] | None = None) -> GradCheck:
    """Compare ``grad`` with the element-wise numerical gradient of ``f`` at ``x``.

    ``numeric``: ``full_numeric(f, x, h)`` computed ahead (the reference's, the same for every student).
    """
    numeric_grad, f_scale = numeric if numeric is not None else full_numeric(f, x, h)
    grad = np.asarray(grad, dtype=np.float64)
    ok = _passes(grad, numeric_grad, f_scale)
    errors = np.abs(grad - numeric_grad) / np.maximum(1e-8, np.abs(grad) + np.abs(numeric_grad))
    worst = np.unravel_index(int(np.argmax(errors)), x.shape) if x.size else ()
    return GradCheck(
        mode="full",
        ok=bool(ok.all()),
        rel_error=rel_error(grad, numeric_grad),
        worst_index=tuple(int(i) for i in worst),
        analytic=float(grad[worst]) if x.size else 0.0,
        numeric=float(numeric_grad[worst]) if x.size else 0.0,
        evaluations=0 if numeric is not None else 2 * x.size + 1,
    )


def _directions(shape: tuple[int, ...], directions: int, seed: int) -> list[np.ndarray]:
    """Random Gaussian unit directions, the same for the same seed."""
    rng = np.random.default_rng(seed)
    units = []
    for _ in range(directions):
        u = rng.standard_normal(shape)
        units.append(u / (np.linalg.norm(u) or 1.0))
    return units


def directional_numeric(f: ScalarFunction, x: np.ndarray, directions: int = 3, seed: int = 0,
                        h: float = H) -> tuple[np.ndarray, float]:
    """What ``directional_check`` compares with: ``f``'s derivatives along the directions, and ``|f(x)|``."""
    x = np.array(x, dtype=np.float64)
    derivatives = [(f(x + h * u) - f(x - h * u)) / (2 * h) for u in _directions(x.shape, directions, seed)]
    return np.array(derivatives), abs(f(x.copy()))


def directional_check(
    f: ScalarFunction,
    x: np.ndarray,
    grad: np.ndarray,
    directions: int = 3,
    seed: int = 0,
    h: float = H,
    numeric: tuple[np.ndarray, float] | None = None,
) -> GradCheck:
    """Compare ``grad`` with numerical derivatives of ``f`` along random unit directions.

    ``numeric``: ``directional_numeric(f, x, directions, seed, h)`` computed ahead.
    """
    derivatives, f_scale = numeric if numeric is not None else directional_numeric(f, x, directions, seed, h)
    grad = np.asarray(grad, dtype=np.float64)
    analytic = np.array([float(np.sum(grad * u)) for u in _directions(np.shape(x), directions, seed)])
    ok = _passes(analytic, derivatives, f_scale)
    errors = np.abs(analytic - derivatives) / np.maximum(1e-8, np.abs(analytic) + np.abs(derivatives))
    worst = int(np.argmax(errors))
    return GradCheck(
        mode="directional",
        ok=bool(ok.all()),
        rel_error=rel_error(analytic, derivatives),
        worst_index=worst,
        analytic=float(analytic[worst]),
        numeric=float(derivatives[worst]),
        evaluations=0 if numeric is not None else 2 * directions + 1,
    )
