"""Per-student hidden cases (SPEC §3, ``--secret``): each student's own inputs, the same on a regrade,
full marks for correct work whatever the secret, and the secret written nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bugcorpus import write_submission

from autograder.grade import grade_submission, hidden_plan
from autograder.spec import Variant

ROOT = Path(__file__).resolve().parent.parent
SECRET = "correct horse battery staple 7f3a9c"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path / "cache"))


def _inputs(plan, public: bool) -> list[np.ndarray]:
    return [value for _, cases in plan for case in cases if case.case.public == public
            for value in case.inputs.values() if isinstance(value, np.ndarray)]


def test_two_students_get_their_own_hidden_inputs_and_everyone_the_same_public_ones():
    alice, bob = Variant.of(SECRET, "alice"), Variant.of(SECRET, "bob")
    assert alice.name != bob.name and alice == Variant.of(SECRET, "alice")
    plans = {name: hidden_plan(variant=variant) for name, variant in
             (("alice", alice), ("bob", bob), ("none", None))}
    for public in (True, False):
        mine = _inputs(plans["alice"], public)
        same = [all(np.array_equal(a, b) for a, b in zip(mine, _inputs(plans[other], public)))
                for other in ("bob", "none")]
        assert same == ([True, True] if public else [False, False])
    assert SECRET not in repr(alice) and SECRET.encode() not in alice.name.encode()


def test_correct_work_scores_full_under_any_secret_and_a_regrade_is_identical(tmp_path):
    folder = write_submission(tmp_path / "alice")
    first = grade_submission(folder, variant=Variant.of(SECRET, "alice"))
    other = grade_submission(folder, variant=Variant.of("another secret", "alice"))
    again = grade_submission(folder, variant=Variant.of(SECRET, "alice"))
    assert first.score == other.score == first.max_score
    assert first.variant == again.variant != other.variant
    keep = ("score", "tasks", "variant")
    assert {k: first.to_json()[k] for k in keep} == {k: again.to_json()[k] for k in keep}


def test_a_batch_with_a_secret_writes_it_nowhere(tmp_path):
    src, out, cache = tmp_path / "class", tmp_path / "out", tmp_path / "cache"
    write_submission(src / "alice")
    write_submission(src / "bob")
    env = {**os.environ, "AUTOGRADER_SECRET": SECRET, "AUTOGRADER_CACHE": str(cache)}
    run = subprocess.run([sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    results = {s: json.loads((out / "students" / s / "result.json").read_text()) for s in ("alice", "bob")}
    assert results["alice"]["variant"] == Variant.of(SECRET, "alice").name != results["bob"]["variant"]
    assert all(r["score"] == r["max_score"] for r in results.values())
    files = [p for folder in (out, cache) for p in folder.rglob("*") if p.is_file()]
    assert files and not [p for p in files if SECRET.encode() in p.read_bytes()]
    assert SECRET not in run.stdout + run.stderr
