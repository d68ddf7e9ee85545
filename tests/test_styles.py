"""Correct code in the styles SPEC §1 allows gets full marks, graded and self-checked.

Each file of ``tests/styles/`` (the bug corpus's format, without TASK or SYMPTOM) replaces reference
functions by a correct alternative: lists instead of tuples, a closure or an object as the cache,
einsum with sliding_window_view, plain loops. It is graded in-process with the hidden cases of the
modules it reaches, and self-checked with the public ones: nothing may be lost.
"""

from __future__ import annotations

import pytest
from bugcorpus import STYLES_DIR, load_bugs, write_submission
from test_bug_corpus import plan_for, public_plan

from autograder.grade import grade_submission
from autograder.selfcheck import run_selfcheck

STYLES = load_bugs(STYLES_DIR)


def _lost(result) -> dict[str, str]:
    return {task.name: next(c.message for c in task.cases if not c.passed)
            for task in result.tasks if task.score < task.max_score}


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_a_correct_style_gets_full_marks(style, tmp_path):
    folder = write_submission(tmp_path / style.name, [style])
    graded = grade_submission(folder, isolated=False, plan=plan_for(style.module))
    assert not _lost(graded), "graded"
    checked = run_selfcheck(folder, plan_for(style.module, public_plan()))
    assert not _lost(checked), "self-checked"


def test_there_are_styles_of_each_kind():
    names = {s.name for s in STYLES}
    assert {"basics_lists", "rnn_closure_cache", "conv_sliding_window_einsum", "conv_plain_loops"} <= names
