"""How a graded task is described: a Task, its Cases, and the specs of their arguments (``tasks.py``).

A case's ``args`` name the reference function's parameters (``{"x": Rand((2, 3)), "mode": "relu"}``).
Each value is a literal (int, float, str, bool, None, a tuple of ints such as a shape), a
spec below (an array drawn from the case's own seed, or a random generator), or a list or
dict of these. Plain data: an assignment's tasks load without numpy (``inputs`` makes the arrays).
"""

from __future__ import annotations

import hashlib
import hmac
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
class Uniform:
    """A float64 array drawn uniformly from [low, high)."""

    shape: tuple[int, ...]
    low: float = 0.0
    high: float = 1.0

    def make(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, self.shape)


@dataclass(frozen=True)
class Positive:
    """A float64 array in [0.5, 1.5) * scale: a variance, a learning rate, a divisor that is never near 0."""

    shape: tuple[int, ...]
    scale: float = 1.0

    def make(self, rng: np.random.Generator) -> np.ndarray:
        return self.scale * rng.uniform(0.5, 1.5, self.shape)


@dataclass(frozen=True)
class Bools:
    """A bool array, each element True with probability ``p`` (a mask)."""

    shape: tuple[int, ...]
    p: float = 0.5

    def make(self, rng: np.random.Generator) -> np.ndarray:
        return rng.random(self.shape) < self.p


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


SPECS = (Rand, Uniform, Positive, Bools, Ints, Seed)  # what ``inputs.make_inputs`` makes from a case's seed


@dataclass(frozen=True)
class Variant:
    """One student's own hidden cases (SPEC §3, ``--secret``): their inputs come from seeds keyed by
    the secret and the student id, so two students get different inputs and a regrade the same.

    ``name`` is what a result shows: a one-way hash of the key, from which neither the secret nor
    the seeds can be worked out. ``key`` stays in memory: it is never written anywhere.
    """

    name: str
    key: bytes = field(repr=False)

    @classmethod
    def of(cls, secret: str, student: str) -> Variant:
        key = hmac.new(secret.encode(), student.encode(), hashlib.sha256).digest()
        return cls(hashlib.sha256(b"variant\0" + key).hexdigest()[:16], key)

    def seed(self, task: str, index: int) -> int:
        """The seed of a hidden case of this variant (a public case keeps ``case_seed``: it ships as data)."""
        return int.from_bytes(hmac.new(self.key, f"{task}#{index}".encode(), hashlib.sha256).digest()[:8])
