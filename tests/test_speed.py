"""A failure costs seconds and only its own task; what is the same for every student is made once.

Timings are never asserted here (``bench/bench_speed.py`` measures them): these tests check the
behaviour that makes grading fast. The cached plan: made once per grader version, read back whole,
remade when broken. The limits: each case's calls get a limit from the reference's own time, a
function that ran out of time gets a tenth of it afterwards, and the submission's time is shared
out among its tasks, so a loop costs its own tasks only.
"""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from autograder import cache, grade
from autograder.grade import call_limit, grade_submission, hidden_plan, plan_cases
from autograder.sandbox import Limits
from tests.bugcorpus import _splice, reference_source, write_submission
from tests.week4 import TASKS, WEEK4

ENDLESS_CONV = {"conv_forward": "def conv_forward(x, w, b, stride=1, pad=0):\n"
                                "    while True:\n        pass\n"}


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path / "cache"))
    grade._hidden_plan.cache_clear()
    yield tmp_path / "cache"
    grade._hidden_plan.cache_clear()


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_the_hidden_plan_is_made_once_and_read_back_whole(fresh_cache):
    made = hidden_plan()
    files = list(fresh_cache.glob("hidden-plan-*.bin"))
    assert len(files) == 1 and cache.grader_hash()[:32] in files[0].name
    assert stat.S_IMODE(fresh_cache.stat().st_mode) == 0o700, "the cache is the grader's alone"
    grade._hidden_plan.cache_clear()
    read = hidden_plan()
    assert [t.name for t, _ in read] == [t.name for t, _ in made]
    for (_, ours), (_, theirs) in zip(made, read):
        for a, b in zip(ours, theirs):
            assert a.case is b.case and a.seconds == b.seconds
            assert _same(a.inputs, b.inputs) and _same(a.expected, b.expected) and _same(a.numeric, b.numeric)
    assert any(p.numeric for _, cases in read for p in cases), "numerical gradients of the reference"


def test_a_broken_cache_file_is_made_again(fresh_cache):
    hidden_plan()
    (file,) = fresh_cache.glob("hidden-plan-*.bin")
    file.write_bytes(file.read_bytes()[:1000])
    grade._hidden_plan.cache_clear()
    plan = hidden_plan()
    assert sum(len(cases) for _, cases in plan) == sum(len(t.cases) for t in TASKS)
    assert cache.load(WEEK4, [t.name for t in TASKS]) is not None, "rewritten whole"


def test_grading_with_the_cached_numerics_equals_grading_without(tmp_path):
    """The reference's numerical gradients made ahead judge exactly as those made live."""
    bugs = {"conv_backward": reference_source("conv").replace("db = dout.sum(axis=(0, 2, 3))",
                                                              "db = dout.sum(axis=(0, 2, 3)) * 1.01")}
    submission = write_submission(tmp_path / "s")
    (submission / "conv.py").write_text(bugs["conv_backward"])
    tasks = [t for t in TASKS if t.module in ("conv", "rnn")]
    from autograder.checks import Reference

    ahead = grade_submission(submission, isolated=False, plan=plan_cases(tasks, Reference(), numerics=True))
    live = grade_submission(submission, isolated=False, plan=plan_cases(tasks, Reference()))
    assert [(t.name, t.score) for t in ahead.tasks] == [(t.name, t.score) for t in live.tasks]
    assert next(t for t in ahead.tasks if t.name == "conv.conv_backward").score == 0, "the bug is caught"
    messages = [[[c.message for c in t.cases] for t in result.tasks] for result in (ahead, live)]
    assert messages[0] == messages[1]


def test_a_call_limit_comes_from_the_reference_time_within_bounds():
    limits = Limits(wall=20, floor=2, factor=1000)
    assert call_limit(limits, 0.0001) == 2
    assert call_limit(limits, 0.005) == 5
    assert call_limit(limits, 1.0) == 20
    assert all(p.seconds > 0 for _, cases in hidden_plan() for p in cases if not p.case.raises)


def test_an_endless_loop_costs_its_function_and_what_calls_it_only(tmp_path):
    submission = write_submission(tmp_path / "s")
    (submission / "conv.py").write_text(_splice(reference_source("conv"), ENDLESS_CONV))
    plan = [(t, c) for t, c in hidden_plan() if t.module in ("basics", "conv")]
    result = grade_submission(submission, limits=Limits(floor=1.0), plan=plan)
    lost = {t.name for t in result.tasks if t.score < t.max_score}
    assert lost == {"conv.conv_forward", "conv.conv_backward"}
    messages = [c.message for t in result.tasks if t.name in lost for c in t.cases]
    first = [m for m in messages if "did not finish within 1 s, its time limit (1000 times the" in m]
    second = [m for m in messages if "gets a tenth of its time limit" in m]
    assert len(first) == len(second) == 1
    rest = [m for m in messages if m not in first + second]
    assert all("not run: conv_forward() ran out of time on two earlier cases" in m for m in rest)
    assert result.elapsed_seconds < 60, "a loop costs its limit once, then a tenth of it, then nothing"


def test_the_submission_time_is_shared_out_so_a_slow_task_costs_only_itself(tmp_path):
    """A task that used its share starts no more cases; the tasks after it are graded in full."""
    submission = write_submission(tmp_path / "s")
    (submission / "conv.py").write_text(_splice(reference_source("conv"), ENDLESS_CONV))
    plan = [(t, c) for t, c in hidden_plan() if t.name in ("conv.conv_forward", "basics.mse_loss",
                                                           "conv.conv_param_count")]
    plan.sort(key=lambda entry: entry[0].name != "conv.conv_forward")  # first: a third of the time is its
    result = grade_submission(submission, limits=Limits(floor=1.0, total=3.0), plan=plan)
    by_name = {t.name: t for t in result.tasks}
    assert by_name["basics.mse_loss"].score == by_name["basics.mse_loss"].max_score
    assert by_name["conv.conv_param_count"].score == by_name["conv.conv_param_count"].max_score
    forward = [c.message for c in by_name["conv.conv_forward"].cases]
    assert any("stopped when conv.conv_forward's share of the submission's time (1 s) ran out" in m
               for m in forward), forward
    assert any("used up its 1 s share" in m for m in forward), forward


def test_the_cache_is_out_of_the_sandbox_sight(tmp_path):
    """Under bubblewrap the cache folder does not exist for student code (outside its root)."""
    from tests.test_sandbox import BWRAP

    if not BWRAP:
        pytest.skip("bubblewrap does not run here")
    from autograder.sandbox import Sandbox

    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "probe.py").write_text("import os\ndef sees(path):\n    return os.path.exists(path)\n")
    hidden_plan()
    with Sandbox(folder) as box:
        assert box.call("probe.sees", [str(cache.cache_folder())]).value is False
        assert box.call("probe.sees", [str(Path(cache.__file__))]).value is False
