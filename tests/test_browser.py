"""The pages in a real browser: Debian's headless chromium, driven by Playwright (never its own browser
download). The class report and a student's feedback load without a console error, their images
render, and the students' table sorts by a click and by the keyboard, telling its order (aria-sort)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.classreport import render_html
from autograder.report import feedback_html
from tests.test_classreport import _stored
from tests.test_feedback import _result

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium installed (`apt-get install chromium` or `make chromium`)"),
]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    with playwright.sync_playwright() as driver:
        # --no-sandbox: CI runs as root, where chromium's own sandbox refuses to start.
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, path: Path):
    """The page at ``path`` and the console errors and uncaught exceptions it had while loading."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def _broken_images(page) -> list[str]:
    broken = "images => images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt)"
    return page.eval_on_selector_all("img", broken)


RESULTS = [_stored("cat", {"conv.conv_forward": [("out: 3 of 9 values are wrong", "")]}), _stored("ann"),
           _stored("bob", {"rnn.rnn_forward": [("h: 1 of 4 values are wrong", "")] * 3}),
           _stored("dan", problem="dan.zip is not a readable zip file")]
BY_TOTAL = [r["batch"]["student"] for r in sorted(RESULTS, key=lambda r: r["score"])]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(RESULTS))
    return path


def _column(page, index: int) -> list[str]:
    return page.eval_on_selector_all("table.sortable tbody tr",
                                     f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def test_the_report_loads_without_an_error_and_its_images_render(browser, report):
    page, errors = _open(browser, report)
    assert errors == []
    assert page.locator("img").count() == 1 and _broken_images(page) == []
    levels = page.eval_on_selector_all("h1, h2, h3, h4", "hs => hs.map(h => Number(h.tagName[1]))")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))  # no level skipped


def test_the_students_table_sorts_by_a_click_and_reverses(browser, report):
    page, _ = _open(browser, report)
    total = page.locator("table.sortable th", has_text="total")
    total.get_by_role("button").click()
    assert len(set(r["score"] for r in RESULTS)) == 4 and _column(page, 0) == BY_TOTAL
    assert total.get_attribute("aria-sort") == "ascending"
    total.get_by_role("button").click()
    assert _column(page, 0) == BY_TOTAL[::-1]
    assert total.get_attribute("aria-sort") == "descending"


def test_the_students_table_sorts_from_the_keyboard(browser, report):
    page, _ = _open(browser, report)
    student = page.locator("table.sortable th", has_text="student")
    student.get_by_role("button").focus()
    page.keyboard.press("Enter")
    assert _column(page, 0) == ["ann", "bob", "cat", "dan"]
    page.keyboard.press("Space")
    assert _column(page, 0) == ["dan", "cat", "bob", "ann"]
    assert student.get_attribute("aria-sort") == "descending"
    assert page.locator("th[aria-sort]").count() == 1  # only the column sorted by says so


def test_a_feedback_page_shows_the_summary_first_and_its_pictures_render(browser, tmp_path):
    path = tmp_path / "feedback.html"
    path.write_text(feedback_html(_result()))
    page, errors = _open(browser, path)
    assert errors == []
    assert page.locator("img").count() == 1 and _broken_images(page) == []
    assert page.get_by_role("table").first.is_visible()
    # The task passed in full is folded: its line is there but not shown until opened.
    passed = page.get_by_text("conv.conv_backward: 8 / 8")
    assert not passed.is_visible()
    page.get_by_text("1 task(s) passed every case").click()
    assert passed.is_visible()
