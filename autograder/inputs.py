"""What a case feeds a function: its argument specs (``spec.Rand``, ``Ints``, ``Seed``) made into arrays.

A case names its arguments in the order of the function's signature; each is a
literal (an int, a float, a string) or a spec. Every case draws its arrays from
its own seed, so the same case always sees the same numbers.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from .protocol import SeedArg, map_leaves
from .spec import Ints, Rand, Seed

# The specs are spec's; tasks.py files written against this module import them from here too.
__all__ = ["Ints", "Rand", "Seed", "case_seed", "describe", "make_inputs", "to_generators"]


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
