"""The student's page: the total and a summary first, a shared message said once, and a picture of
where a wrong array is wrong (``errormap``), a hidden case's showing where only."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

from autograder.checks import Failed, compare
from autograder.errormap import MAX_SIDE, describe, error_map, picture_png
from autograder.grade import CaseResult, GradeResult, TaskResult
from autograder.hints import Clue
from autograder.report import feedback_html, feedback_markdown, task_views

RNG = np.random.default_rng(0)
FLIPPED_HINT = "you flipped the kernel (a true convolution): this layer is a cross-correlation."


def _where(got: np.ndarray, want: np.ndarray, public: bool, inputs: dict | None = None, name: str = "dx"):
    with pytest.raises(Failed) as failed:
        compare(name, got, want, clue=Clue(name, inputs or {}), public=public)
    return failed.value.where


def test_a_conv_gradient_wrong_on_its_border_is_mapped_over_height_and_width():
    want = RNG.standard_normal((2, 3, 7, 7))
    got = want.copy()
    got[:, 1, 0, :] += 1.0  # the top row of channel 1 only
    got[:, 1, 0, 3] += 0.5  # one element of it more wrong
    where = _where(got, want, public=True)
    cells = np.array(where["cells"])
    assert cells.shape == (7, 7) and where["channels"] == [1] and where["relative"]
    assert cells[0, 3] == 1.0 and cells[0, 0] == pytest.approx(1 / 1.5, abs=0.01) and (cells[1:] == 0).all()
    assert describe(where) == "Where dx is wrong: row (height) 0 of 0–6; every column (width); channel(s) 1."


def test_a_hidden_case_s_map_holds_where_only_never_a_value():
    want = RNG.standard_normal((4, 5))
    got = want + np.where(np.arange(5) == 2, 3.7, 0.0)
    where = _where(got, want, public=False)
    assert {type(v) for row in where["cells"] for v in row} == {bool} and not where["relative"]
    assert where["cells"] == [[i == 2 for i in range(5)]] * 4
    assert "3.7" not in json.dumps(where)


def test_an_lstm_weight_gradient_names_its_wrong_gate_block():
    h, d = 3, 2
    want = RNG.standard_normal((d, 4 * h))
    got = want.copy()
    got[:, h:2 * h] *= 2  # the forget gate's block
    where = _where(got, want, public=True, inputs={"prev_h": np.zeros((1, h))}, name="dWx")
    assert where["blocks"] == 4
    assert "gate block(s) f of i, f, o, g" in describe(where)
    assert "gate" not in describe(_where(got, want, public=True, name="dWx"))  # no hidden state: no gates


def test_time_steps_and_a_large_array_are_shrunk_to_the_limit():
    want = RNG.standard_normal((2, 5, 300))
    got = want.copy()
    got[:, :2, 150] += 1  # early time steps, one unit
    where = _where(got, want, public=True)
    cells = np.array(where["cells"])
    assert where["rows"] == "time step" and cells.shape == (5, MAX_SIDE)
    assert (cells[:2].max(axis=1) == 1).all() and (cells[2:] == 0).all()
    assert "time step 0–1 of 0–4" in describe(where)
    assert error_map("loss", np.array(2.0), {}, True) is None


def test_the_picture_is_a_png():
    where = _where(RNG.standard_normal((3, 4)) + 1, np.zeros((3, 4)), public=True)
    assert base64.b64decode(picture_png(where)).startswith(b"\x89PNG\r\n\x1a\n")


def _result() -> GradeResult:
    flipped = [CaseResult(f"x(2, 3, {n}, {n})", n == 7, False, f"out: {n * 4} of {n * 4} values are wrong; "
                          "the largest error is 2.5", FLIPPED_HINT,
                          where=_where(np.ones((2, 2)), np.zeros((2, 2)), n == 7, name="out"))
               for n in (7, 8, 9)]
    return GradeResult("dave", 8.0, 16.0, [
        TaskResult("conv.conv_forward", 0.0, 8.0, flipped),
        TaskResult("conv.conv_backward", 8.0, 8.0, [CaseResult("one", True, True),
                                                    CaseResult("two", False, True)]),
    ])


def test_the_markdown_puts_the_total_and_the_summary_first_and_says_a_shared_message_once():
    page = feedback_markdown(_result())
    assert page.index("**Total: 8 / 16**") < page.index("## Summary") < page.index("## What to fix")
    cause = "out: 28 of 28 values are wrong; the largest error is 2.5"
    assert f"| conv.conv_forward | 0 / 8 | failed | {cause} |" in page
    assert page.count(FLIPPED_HINT) == 1
    assert "3 cases: x(2, 3, 7, 7) (public); x(2, 3, 8, 8); x(2, 3, 9, 9)" in page
    folded = page.split("<details>")[1]
    assert "conv.conv_backward: 8 / 8, all 2 cases passed" in folded and "### conv.conv_backward" not in page


def test_the_html_page_shows_the_picture_with_its_text_alternative():
    page = feedback_html(_result())
    assert page.count(FLIPPED_HINT) == 1
    image = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', page)
    assert image and base64.b64decode(image[1]).startswith(b"\x89PNG")
    assert image[2].startswith("Where out is wrong: ")
    headings = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert headings == [1, 2, 2, 3, 2]  # in order: no level skipped
    assert page.index("Total: 8 / 16") < page.index('id="summary"') < page.index("<details>")


def test_a_task_whose_module_does_not_import_is_not_graded_in_one_line():
    result = GradeResult("erin", 0.0, 8.0, [TaskResult("conv.conv_forward", 0.0, 8.0, [])],
                         ["conv.py does not import (SyntaxError)"])
    result.tasks.append(TaskResult("basics.mse_loss", 3.0, 3.0, [CaseResult("a", True, True)]))
    views = task_views(result)
    assert [v.status for v in views] == ["not graded", "passed"]
    assert views[0].cause.startswith("Not graded: conv.py does not import")


def test_a_message_the_cases_share_word_for_word_is_written_once():
    same = [CaseResult(label, False, False, "the kept units of out are not x / (1 - p).") for label in "abc"]
    task = TaskResult("dropout.dropout_forward", 0.0, 3.0, same)
    page = feedback_markdown(GradeResult("s", 0.0, 3.0, [task]))
    assert page.count("the kept units of out are not x / (1 - p).") == 2  # the summary's cause, the group
    assert "**3 cases: a; b; c**" in page
    assert feedback_html(_result()).count("x(2, 3, 8, 8): out: 32 of 32") == 1  # differing ones are kept
