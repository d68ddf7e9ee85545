"""What a case feeds a function: argument specs, made into arrays from a seed.

A case names its arguments in the order of the function's signature; each is a
literal (an int, a float, a string) or one of the specs below. Every case draws
its arrays from its own seed, so the same case always sees the same numbers.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .protocol import SeedArg, map_leaves


@dataclass(frozen=True)
class Rand:
    """A float64 array of independent normal values (continuous: no ties for max-pool)."""

    shape: tuple[int, ...]
    scale: float = 1.0

    def make(self, rng: np.random.Generator) -> np.ndarray:
        return self.scale * rng.standard_normal(self.shape)


@dataclass(frozen=True)
class Ints:
    """An int64 array of indices drawn uniformly from [0, high)."""

    shape: tuple[int, ...]
    high: int

    def make(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.high, self.shape)


@dataclass(frozen=True)
class Seed:
    """A ``numpy.random.Generator`` seeded with ``seed``, made anew for every call.

    ``skip``: the numbers it has drawn before the call (the same seed in another state).
    """

    seed: int
    skip: int = 0

    def make(self, rng: np.random.Generator) -> Seed:
        return self


def case_seed(task: str, index: int) -> int:
    """A stable seed per (task, case): grading is deterministic across runs and machines."""
    return zlib.crc32(f"{task}#{index}".encode())


def make_inputs(spec: Any, rng: np.random.Generator) -> Any:
    """Materialise a spec: specs become arrays, containers are walked, literals kept."""
    return map_leaves(spec, lambda v: v.make(rng) if isinstance(v, Rand | Ints | Seed) else v)


def to_generators(value: Any) -> Any:
    """Replace every Seed in an argument tree by a fresh Generator, just before a call."""
    return map_leaves(value, lambda v: SeedArg(v.seed, v.skip).generator() if isinstance(v, Seed) else v)


def describe(value: Any) -> str:
    """A short description of an argument for feedback: shapes, never the numbers."""
    if isinstance(value, np.ndarray):
        return f"array{tuple(value.shape)}"
    if isinstance(value, Seed):
        return f"default_rng({value.seed})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(describe(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return repr(value)
