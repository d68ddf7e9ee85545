"""The public cases shipped with the stubs are what the reference gives today (week 4's and week 5's)."""

import numpy as np
import pytest

from autograder import public
from tests.week4 import WEEK4
from tests.week5 import WEEK5

ASSIGNMENTS = pytest.mark.parametrize("assignment", [WEEK4, WEEK5], ids=lambda a: a.name)


def _close(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.allclose(a, b, rtol=1e-10, atol=1e-12)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return isinstance(b, float) and np.isclose(a, b, rtol=1e-10)
    return type(a) is type(b) and a == b


@ASSIGNMENTS
def test_public_cases_file_is_not_stale(assignment):
    """Fails when tasks.py or solutions/ changed without `autograder stubs` being rerun."""
    stored, fresh = public.read(assignment.public_cases), public.build(assignment)
    assert [t["name"] for t in stored["tasks"]] == [t["name"] for t in fresh["tasks"]]
    for old, new in zip(stored["tasks"], fresh["tasks"]):
        assert _close(old, new), f"{old['name']}: public_cases.bin is stale, run `autograder stubs`"


@ASSIGNMENTS
def test_every_task_has_a_public_case_and_hidden_cases(assignment):
    for task in assignment.tasks:
        assert any(c.public for c in task.cases), task.name
        assert any(not c.public for c in task.cases), task.name


@ASSIGNMENTS
def test_points_total_100(assignment):
    assert sum(t.points for t in assignment.tasks) == 100
