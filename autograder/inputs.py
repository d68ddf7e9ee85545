"""What a case feeds a function: its argument specs (``spec.Rand``, ``Ints``, ``Seed``, ...) made into arrays.

A case names its arguments by the function's parameter names; each is a literal
(a number, a string, a bool, None), a spec, or a list or dict of these. Every case
draws its arrays from its own seed, so the same case always sees the same numbers.
``call_form`` decides which arguments go by position and which by name.
"""

from __future__ import annotations

import copy
import inspect
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .protocol import SeedArg, map_leaves
from .spec import SPECS, Bools, Ints, Positive, Rand, Seed, Uniform, Variant

# The specs are spec's; tasks.py files written against this module import them from here too.
__all__ = ["Bools", "Ints", "Positive", "Rand", "Seed", "Uniform", "Variant", "call_form", "call_with",
           "case_seed", "describe", "fresh", "make_inputs", "split_call", "to_generators"]


def case_seed(task: str, index: int) -> int:
    """A stable seed per (task, case): grading is deterministic across runs and machines."""
    return zlib.crc32(f"{task}#{index}".encode())


def make_inputs(spec: Any, rng: np.random.Generator) -> Any:
    """Materialise a spec: specs become arrays, containers are walked, literals kept."""
    return map_leaves(spec, lambda v: v.make(rng) if isinstance(v, SPECS) else v)


def to_generators(value: Any) -> Any:
    """Replace every Seed in an argument tree by a fresh Generator, just before a call."""
    return map_leaves(value, lambda v: SeedArg(v.seed, v.skip).generator() if isinstance(v, Seed) else v)


def call_form(function: Callable[..., Any], names: list[str]) -> int:
    """How many of a case's arguments go by position: the leading ``names`` that are the leading
    positional parameters of ``function``'s signature, in order. The others go by name (a
    keyword-only parameter, or one that follows a skipped default)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # no signature to read: everything by position, as listed
        return len(names)
    positional = 0
    for name, parameter in zip(names, parameters):
        if parameter.name != name or parameter.kind not in (parameter.POSITIONAL_ONLY,
                                                            parameter.POSITIONAL_OR_KEYWORD):
            break
        positional += 1
    return positional


Inputs = dict[str, Any] | list[Any]  # a case's inputs by parameter name, or arguments by position


def split_call(inputs: Inputs, positional: int | None) -> tuple[list[Any], dict[str, Any]]:
    """A call's (args, kwargs): of a case's inputs dict, the first ``positional`` (None: all) by
    position and the others by name; a list goes all by position."""
    if not isinstance(inputs, dict):
        return list(inputs), {}
    items = list(inputs.items())
    positional = len(items) if positional is None else positional
    return [value for _, value in items[:positional]], dict(items[positional:])


def fresh(inputs: Any) -> Any:
    """A deep copy of a case's inputs for one call of a trusted function (the reference), its
    generators made anew: nothing the call changes in place reaches the case, nor the next call."""
    return to_generators(copy.deepcopy(inputs))


def call_with(function: Callable[..., Any], inputs: Inputs, positional: int | None) -> Any:
    """``function`` called on ``inputs`` (see ``split_call``), as they are: ``fresh`` copies them."""
    args, kwargs = split_call(inputs, positional)
    return function(*args, **kwargs)


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
