"""The hints that the bug corpus does not pin by itself: a constant factor only when it is simple,
removed NumPy APIs, and what a hidden case may repeat of the student's words."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import _error_message, kind_of, shown_warnings
from autograder.child import StudentError
from autograder.hints import Clue, explain_error, factor, wrong_form
from autograder.protocol import Opaque

WANT = np.random.default_rng(0).standard_normal((3, 4))


@pytest.mark.parametrize(("k", "words"), [(3.0, "3 times"), (0.25, "1/4 of"), (-2.0, "-2 times")])
def test_a_simple_constant_factor_is_named(k, words):
    assert words in factor(k * WANT, WANT, Clue("dx", {}))


@pytest.mark.parametrize("got", [1.042 * WANT, np.array(1.042 * 3.0)])
def test_a_ratio_that_is_not_simple_or_of_one_number_is_no_factor(got):
    assert factor(got, WANT if got.ndim else np.array(3.0), Clue("loss", {})) is None


def test_an_empty_axis_and_an_axis_order_are_told_first():
    assert "length 0" in wrong_form(np.zeros((2, 3, 0, 0)), np.zeros((2, 3, 7, 7)), "dx")
    x = np.random.default_rng(1).standard_normal((2, 4, 5, 6))
    assert "x.transpose(0, 3, 1, 2) is right" in wrong_form(x.transpose(0, 2, 3, 1), x, "x")
    assert wrong_form(np.zeros((2, 3)), np.zeros((2, 4)), "x") == ""


@pytest.mark.parametrize(("kind", "message", "words"), [
    ("AttributeError", "module 'numpy' has no attribute 'int'.\n`np.int` was a deprecated", "use int or"),
    ("AttributeError", "module 'numpy' has no attribute 'float_'", "removed in NumPy 2.0: use np.float64"),
    ("TypeError", "only length-1 arrays can be converted to Python scalars", "a.item()"),
    ("TypeError", "only 0-dimensional arrays can be converted to Python scalars", "a.item()"),
])
def test_code_for_an_older_numpy_is_explained(kind, message, words):
    assert words in explain_error(kind, message)


def test_a_hidden_case_repeats_none_of_the_students_words():
    secret = "deadbeef" * 4
    error = StudentError(f"E{secret}", secret, f'  File "conv.py", line 7, in f_{secret}\n    raise E()')
    message, _ = _error_message("conv_forward", error, "", public=False)
    assert secret not in message and "own class in conv.py, line 7" in message
    public, _ = _error_message("conv_forward", error, "", public=True)
    assert secret in public
    assert secret not in kind_of(Opaque(f"C{secret}"))
    numpy_warning = "RuntimeWarning: overflow encountered in exp"
    assert shown_warnings([f"UserWarning: {secret}", numpy_warning], public=False) == \
        [numpy_warning, "a warning of your code (its text is not shown for a hidden case)"]
