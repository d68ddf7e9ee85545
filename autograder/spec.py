"""How a graded task is described: a Task, its Cases, and the specs of their arrays (``tasks.py``).

Plain data: an assignment's tasks load without numpy (``inputs`` makes the arrays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Case:
    args: dict[str, Any]
    label: str = ""
    public: bool = False
    raises: str | None = None


@dataclass(frozen=True)
class Task:
    name: str
    points: float
    check: str
    cases: tuple[Case, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.name.split(".")[0]

    @property
    def function(self) -> str:
        return self.name.split(".")[1]


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
