"""The class report: one self-contained HTML page built from the students' stored results."""

from __future__ import annotations

import base64
import re
from collections import Counter

import pytest
from bugcorpus import load_bugs, write_submission
from markupsafe import escape

from autograder import batch
from autograder.classreport import failure_key, render_html, task_stats, weakest_task
from autograder.grade import CaseResult, GradeResult, TaskResult, grade_submission
from tests.week4 import TASKS

FLIPPED = "out: {n} of {n} values are wrong; the largest error is {e} at index (0, 1, 2, 3), relative error 1"
FLIPPED_HINT = "you flipped the kernel (a true convolution): this layer is a cross-correlation."
OTHER = "conv_forward() raised IndexError: index 7 is out of bounds for axis 2 with size 7"


def _stored(student: str, failures: dict[str, list[tuple[str, str]]] | None = None,
            problem: str = "") -> dict:
    """A result as batch stores it: every task full marks except the (message, hint) failures given."""
    failures = failures or {}
    tasks = []
    for task in TASKS:
        if problem:
            tasks.append(TaskResult(task.name, 0.0, float(task.points), []))
            continue
        cases = [CaseResult(f"case {i}", False, False, message, hint)
                 for i, (message, hint) in enumerate(failures.get(task.name, []))]
        cases.append(CaseResult("a passing case", True, True))
        score = task.points * (1 - (len(cases) - 1) / len(cases))
        tasks.append(TaskResult(task.name, score, float(task.points), cases))
    result = GradeResult(student, sum(t.score for t in tasks), 100.0, tasks, [problem] if problem else [])
    status = batch.NOT_GRADED if problem else batch.GRADED
    return {**result.to_json(), batch.STAMP: {"student": student, "status": status}}


@pytest.fixture(scope="module")
def results() -> list[dict]:
    flipped = [(FLIPPED.format(n=n, e=e), FLIPPED_HINT) for n, e in ((200, 26.4), (96, 13.2))]
    return [
        _stored("ann", {"conv.conv_forward": flipped}),
        _stored("ben", {"conv.conv_forward": flipped[:1]}),
        _stored("cat", {"conv.conv_forward": flipped[1:]}),
        _stored("dan", {"conv.conv_forward": [(OTHER, "")],
                        "rnn.rnn_forward": [("<script>alert(1)</script>", "")]}),
        _stored("eve"),
        _stored("fay", problem="fay.zip is not a readable zip file (File is not a zip file)"),
    ]


@pytest.fixture(scope="module")
def html(results) -> str:
    return render_html(results)


def test_the_page_is_self_contained(html):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert re.findall(r"<script\b[^>]*>", html, re.I) == ["<script>"]  # the inline sorter, nothing loaded
    assert "@import" not in html and "url(" not in html and "fetch(" not in html


def test_one_sortable_row_per_student_linking_her_feedback(results, html):
    table = html.split('<table class="sortable">')[1].split("</table>")[0]
    rows = re.findall(r'<tr><td><a href="students/(\w+)/feedback.html">(\w+)</a></td>', table)
    assert rows == [(r["batch"]["student"], r["batch"]["student"]) for r in results]
    assert '<th scope="col"><button type="button">weakest task</button></th>' in table  # a button: keys too
    assert 'data-sort="' in table


def test_each_task_shows_the_pass_rate_of_each_case(results):
    stats = {t.name: t for t in task_stats([r for r in results if r["batch"]["status"] == "graded"])}
    conv = stats["conv.conv_forward"]
    # ann fails two cases, ben and cat one each, dan one; everyone passes "a passing case".
    assert (conv.cases["a passing case"].passed, conv.cases["a passing case"].total) == (5, 5)
    assert (conv.cases["case 0"].passed, conv.cases["case 0"].total) == (0, 4)
    assert conv.cases["case 1"].pass_rate == 0 and conv.cases["case 1"].total == 1


@pytest.mark.parametrize(("student", "weakest"), [
    ("ann", "conv.conv_forward"),
    ("eve", ""),
    ("fay", "fay.zip is not a readable zip file (File is not a zip file)"),
])
def test_the_weakest_task(results, student, weakest):
    assert weakest_task(next(r for r in results if r["batch"]["student"] == student)) == weakest


def test_a_graded_row_where_nothing_passed_says_so_instead_of_naming_the_first_task():
    stored = _stored("zed", {task.name: [("f() is not written yet: it raised NotImplementedError.", "")]
                             for task in TASKS})
    for task in stored["tasks"]:
        task["score"] = 0.0
    assert weakest_task(stored) == "nothing passed"
    stored["problems"] = ["rnn.py is missing: its tasks score 0"]
    assert weakest_task(stored) == "nothing passed: rnn.py is missing: its tasks score 0"


def test_a_module_that_does_not_import_is_a_problem_of_the_submission_not_a_struggle():
    problem = "conv.py does not import (invalid syntax, line 1): every conv.* task scores 0"
    message = "conv_forward() raised SyntaxError: conv.py does not import: invalid syntax (conv.py, line 1)"
    stored = _stored("ivy", {"conv.conv_forward": [(message, "")] * 3})
    stored["problems"] = [problem]
    page = render_html([stored])
    assert "raised SyntaxError" not in page and page.count(problem) == 1
    assert not next(t for t in task_stats([stored]) if t.name == "conv.conv_forward").struggles


def test_the_histogram_is_an_embedded_png(html):
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 1  # its text alternative says what it shows
    assert images[0][0].startswith("Histogram of the total scores of the 5 graded submissions, in ten bins")
    assert base64.b64decode(images[0][1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_each_task_has_bars_of_its_mean_and_its_pass_rate(results, html):
    table = html[html.index("<h2>Tasks</h2>"):html.index("<h3>Pass rate of each case</h3>")]
    bars = re.findall(r'<td>([\w.]+)</td>.*?class="mean" style="width: ([\d.]+)%".*?'
                      r'class="pass" style="width: ([\d.]+)%"', table, re.S)
    stats = task_stats([r for r in results if r["batch"]["status"] == "graded"])
    assert bars == [(t.name, f"{t.mean_percent:.1f}", f"{t.pass_rate:.1f}") for t in stats]
    conv = next(t for t in stats if t.name == "conv.conv_forward")
    assert conv.pass_rate == 20.0 and conv.mean_percent < 100  # four of five students failed a case


def test_the_title_is_the_assignments(html):
    assert "<h1>Week 4: convolutional and recurrent networks: class report</h1>" in html


def test_every_task_is_in_the_table(html):
    for task in TASKS:
        assert f"<td>{task.name}</td>" in html


def test_the_most_frequent_failure_comes_first_with_its_hint(results, html):
    conv = next(t for t in task_stats([r for r in results if r["batch"]["status"] == "graded"])
                if t.name == "conv.conv_forward")
    first, second = conv.struggles[:2]
    assert (first.summary, first.hint, len(first.students), first.cases) == (
        "out: # of # values are wrong", FLIPPED_HINT, 3, 4)
    assert len(second.students) == 1
    section = html.split("<h3>conv.conv_forward")[1].split("<h3>")[0]
    assert section.index("out: # of # values are wrong") < section.index("raised IndexError")
    assert FLIPPED_HINT in section


def test_statistics_count_the_graded_submissions_only(results):
    stats = {t.name: t for t in task_stats([r for r in results if r["batch"]["status"] == "graded"])}
    assert len(stats["conv.conv_forward"].scores) == 5
    assert stats["conv.conv_forward"].pass_rate == pytest.approx(100 * 1 / 5)
    assert stats["basics.mse_loss"].pass_rate == 100


def test_what_students_wrote_is_escaped(html):
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_submissions_that_could_not_be_graded_are_listed_with_the_reason(html):
    section = html.split("could not be graded</h2>")[1]
    assert "<td>fay</td>" in section and "fay.zip is not a readable zip file" in section


def test_a_class_with_nothing_graded_still_gets_a_report(results):
    page = render_html([r for r in results if r["batch"]["status"] != "graded"])
    assert "No submission could be graded." in page and "<td>fay</td>" in page


@pytest.mark.parametrize(("message", "key"), [
    (FLIPPED.format(n=200, e=26.4), "out: # of # values are wrong"),
    ("dW has shape (3, 5); expected (5, 3).", "dW has shape (#, #)"),
    ("mse_loss() is not written yet: it raised NotImplementedError.",
     "mse_loss() is not written yet: it raised NotImplementedError"),
    ("conv_forward() raised SyntaxError: conv.py does not import (line 1)\n  File \"conv.py\", line 1",
     "conv_forward() raised SyntaxError: conv.py does not import (line #)"),
    ("dx: relative error 3.2e-01 for float64 input x2", "dx: relative error # for float64 input x2"),
    ("", ""),
])
def test_failure_key_keeps_the_first_sentence_without_its_numbers(message, key):
    assert failure_key(message) == key


def test_a_real_bugs_most_frequent_failure_is_reported(tmp_path):
    """A bug's messages differ in their numbers from case to case: they group, and the top group is shown."""
    bug = next(b for b in load_bugs() if b.task == "conv.conv_forward")
    result = grade_submission(write_submission(tmp_path / "student", [bug]), isolated=False)
    stored = {**result.to_json(), batch.STAMP: {"student": "student", "status": batch.GRADED}}
    messages = [c.message for t in result.tasks if t.name == bug.task for c in t.cases if not c.passed]
    [(key, count)] = Counter(map(failure_key, messages)).most_common(1)
    top = next(t for t in task_stats([stored]) if t.name == bug.task).struggles[0]
    assert top.cases == count
    assert str(escape(key)) in render_html([stored])


def test_scores_are_shown_with_at_most_two_decimals(results, html):
    ann = next(r for r in results if r["batch"]["student"] == "ann")
    assert round(ann["score"], 2) != ann["score"]  # a score that needs the rounding: 100 - 8 * 2/3
    shown = re.sub(r"<[^>]+>", " ", html.split("<script>")[0])
    shown = re.sub(r'data:image/png;base64,\S+', "", shown)
    assert f"{ann['score']:.2f} / 100" in shown
    assert re.findall(r"\d\.\d{3,}", shown) == []


def test_the_causes_the_class_hit_most_name_their_students(results, html):
    section = html.split("<h3>The causes most students hit</h3>")[1].split("</table>")[0]
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([\w.]+)</td><td>([^<]*)</td>\s*<td>([^<]*)</td>",
                      section)
    assert rows[0] == ("3", "conv.conv_forward", "out: # of # values are wrong", "ann, ben, cat")
    assert ("1", "conv.conv_forward", failure_key(OTHER), "dan") in rows
