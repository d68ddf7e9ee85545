"""Shared fixtures: a seeded rng, a gradient check, an input-mutation check, one assignment a test."""

import copy
import os

import numpy as np
import pytest

from autograder.assignment import ENVIRONMENT
from autograder.gradcheck import full_check


@pytest.fixture(autouse=True)
def one_assignment_per_test():
    """`--assignment` run in-process sets $AUTOGRADER_ASSIGNMENT for the process: not past its test."""
    before = os.environ.get(ENVIRONMENT)
    yield
    if before is None:
        os.environ.pop(ENVIRONMENT, None)
    else:
        os.environ[ENVIRONMENT] = before


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240604)


def _upstream_loss(out, dout) -> float:
    """L = sum(out * dout), summed over every output when there are several."""
    if isinstance(out, tuple):
        return float(sum(np.sum(o * d) for o, d in zip(out, dout, strict=True)))
    return float(np.sum(out * dout))


@pytest.fixture
def gradcheck():
    """check(forward, inputs, dout, grads): full element-wise central-difference check.

    ``forward(**inputs)`` returns the output (or a tuple of outputs); for every name in
    ``grads``, ``grads[name]`` must be dL/d inputs[name] with L = sum(out * dout).
    """

    def check(forward, inputs: dict, dout, grads: dict) -> None:
        assert grads, "nothing to check"
        for name, grad in grads.items():
            assert np.shape(grad) == np.shape(inputs[name]), f"d{name}: shape {np.shape(grad)}"

            def loss(value, name=name):
                return _upstream_loss(forward(**{**inputs, name: value}), dout)

            result = full_check(loss, inputs[name], grad)
            assert result.ok, f"d{name} disagrees with the numerical gradient: {result}"

    return check


def _assert_same(before, after, where: str) -> None:
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{where}: an array became {type(after).__name__}"
        assert before.shape == after.shape and before.dtype == after.dtype, f"{where}: shape/dtype changed"
        assert np.array_equal(before, after), f"{where}: modified in place"
    elif isinstance(before, (tuple, list)):
        assert len(before) == len(after), f"{where}: length changed"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            _assert_same(b, a, f"{where}[{i}]")
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), f"{where}: keys changed"
        for key in before:
            _assert_same(before[key], after[key], f"{where}[{key!r}]")


@pytest.fixture
def call_unmodified():
    """call(fn, *args, **kwargs): calls fn and asserts that no array among the arguments changed."""

    def call(fn, *args, **kwargs):
        before = copy.deepcopy((args, kwargs))
        result = fn(*args, **kwargs)
        _assert_same(before, (args, kwargs), f"{fn.__name__} arguments")
        return result

    return call
