"""`autograder batch`: a class of realistic submissions, good, buggy and broken, graded into OUT.

One batch run over the class is shared by the tests (module fixture); the tests
that re-run it work on copies of its folders.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from bugcorpus import load_bugs, write_submission
from rich.console import Console

from autograder import assignment, batch, cli, report
from autograder.assignment import load
from tests.week4 import ASSIGNMENTS, BY_NAME, TASKS, TOTAL_POINTS

ROOT = Path(__file__).resolve().parent.parent
CONV_POINTS = sum(task.points for task in TASKS if task.name.startswith("conv."))
GRADESCOPE_TEST_FIELDS = {"name", "score", "max_score", "status", "output"}


def _buggy_picks() -> list:
    """Three bugs from different modules (the corpus grows; any three will do)."""
    picks, modules = [], set()
    for bug in load_bugs():
        if bug.module not in modules:
            picks.append(bug)
            modules.add(bug.module)
    assert len(picks) >= 2, "the bug corpus needs bugs in at least two modules"
    return picks[:3]


BUGS = _buggy_picks()
NOT_GRADED = {"corrupt": "zip", "empty": "empty", "malformed": "notebook"}


def _make_class(src: Path) -> None:
    write_submission(src / "reference")
    for bug in BUGS:
        write_submission(src / f"bug_{bug.name}", [bug])
    (src / "stubs").mkdir()
    for module in ASSIGNMENTS.glob("*.py"):
        shutil.copy(module, src / "stubs" / module.name)
    (src / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not a zip file")
    (src / "empty").mkdir()
    write_submission(src / "syntax")
    (src / "syntax" / "conv.py").write_text("def conv_output_size(n, f, pad=0, stride=1:\n    return n\n")
    (src / "malformed.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": ')
    good = write_submission(src.parent / "good_folder")
    with zipfile.ZipFile(src / "good.zip", "w") as archive:
        for file in sorted(good.iterdir()):
            archive.write(file, f"assignments/{file.name}")
    (src / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # not a student


EXPECTED_STUDENTS = {"reference", *(f"bug_{b.name}" for b in BUGS), "stubs", *NOT_GRADED, "syntax", "good"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(DIR, OUT, summary) of one batch over the class."""
    root = tmp_path_factory.mktemp("class")
    src, out = root / "submissions", root / "out"
    src.mkdir()
    _make_class(src)
    summary = batch.run_batch(src, out, jobs=2)
    return src, out, summary


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def _copy(graded, tmp_path) -> tuple[Path, Path]:
    src, out, _ = graded
    shutil.copytree(src, tmp_path / "submissions")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "submissions", tmp_path / "out"


def _keep_only(src: Path, *names: str) -> None:
    for entry in src.iterdir():
        if entry.name not in names:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


# ---------------------------------------------------------------- the gradebook


def test_every_submission_has_a_row_with_the_right_total(graded):
    _, out, summary = graded
    rows = _gradebook(out)
    assert set(rows) == EXPECTED_STUDENTS
    assert not summary.errors and not summary.skipped and not summary.interrupted
    assert float(rows["reference"]["total"]) == float(rows["good"]["total"]) == TOTAL_POINTS
    assert float(rows["stubs"]["total"]) == 0
    # conv.py does not import: exactly the conv tasks are lost
    assert float(rows["syntax"]["total"]) == TOTAL_POINTS - CONV_POINTS
    assert all(float(rows["syntax"][t.name]) == 0 for t in TASKS if t.name.startswith("conv."))
    for bug in BUGS:
        row = rows[f"bug_{bug.name}"]
        assert float(row[bug.task]) < BY_NAME[bug.task].points, bug.name
        assert float(row["total"]) < TOTAL_POINTS
        assert row["status"] == "graded"
    assert all(float(row["max"]) == TOTAL_POINTS for row in rows.values())


def test_a_submission_that_cannot_be_graded_has_its_reason(graded):
    _, out, summary = graded
    rows = _gradebook(out)
    assert sorted(summary.not_graded) == sorted(NOT_GRADED)
    for student, reason in NOT_GRADED.items():
        assert rows[student]["status"] == "not graded"
        assert reason in rows[student]["problems"].lower(), rows[student]["problems"]
        assert float(rows[student]["total"]) == 0
    assert rows["reference"]["problems"] == ""


def test_the_gradebook_has_a_column_per_task_in_the_graders_order(graded):
    _, out, _ = graded
    with open(out / "gradebook.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["student", *(t.name for t in TASKS), "total", "max", "status", "problems",
                      "submitted", "days late", "late penalty", "flags"]


def test_cases_csv_has_a_row_per_student_and_case_with_the_cause_of_each_failure(graded):
    _, out, _ = graded
    with open(out / "cases.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["student", "task", "case", "public", "passed", "cause"]
        rows = list(reader)
    graded_students = EXPECTED_STUDENTS - set(NOT_GRADED)
    n_cases = sum(len(task.cases) for task in TASKS)
    assert len(rows) == len(graded_students) * n_cases  # a submission that did not load has no case
    by_student = {s: [r for r in rows if r["student"] == s] for s in graded_students}
    assert all(r["passed"] == "True" and r["cause"] == "" for r in by_student["reference"])
    assert {r["public"] for r in rows} == {"True", "False"}
    for bug in BUGS:
        lost = [r for r in by_student[f"bug_{bug.name}"] if r["passed"] == "False"]
        assert lost and {r["task"] for r in lost} >= {bug.task}
        assert all(r["cause"] and "\n" not in r["cause"] for r in lost)
    result = json.loads((out / "students" / "stubs" / "result.json").read_text())
    first = result["tasks"][0]["cases"][0]
    assert by_student["stubs"][0]["cause"] == first["message"].strip().splitlines()[0]


# ---------------------------------------------------------------- the students' files


def test_each_student_has_result_feedback_and_gradescope_results(graded):
    _, out, _ = graded
    rows = _gradebook(out)
    for student in EXPECTED_STUDENTS:
        folder = out / "students" / student
        result = json.loads((folder / "result.json").read_text())
        assert result["score"] == float(rows[student]["total"])
        assert [t["name"] for t in result["tasks"]] == [t.name for t in TASKS]
        assert result["batch"]["student"] == student
        assert (folder / "feedback.md").read_text().startswith(f"# Feedback for {result['submission']}")
        gradescope = json.loads((folder / "results.json").read_text())
        assert gradescope["score"] == result["score"]
        assert len(gradescope["tests"]) == len(TASKS)
        for test in gradescope["tests"]:
            assert GRADESCOPE_TEST_FIELDS <= test.keys()
            assert test["status"] in ("passed", "failed")


def test_gradescope_statuses_follow_the_bugs(graded):
    _, out, _ = graded
    reference = json.loads((out / "students" / "reference" / "results.json").read_text())
    assert {t["status"] for t in reference["tests"]} == {"passed"}
    for bug in BUGS:
        folder = out / "students" / f"bug_{bug.name}"
        tests = json.loads((folder / "results.json").read_text())["tests"]
        failed = next(t for t in tests if t["name"] == bug.task)
        tasks = json.loads((folder / "result.json").read_text())["tasks"]
        task = next(t for t in tasks if t["name"] == bug.task)
        first_failure = next(c for c in task["cases"] if not c["passed"])
        assert failed["status"] == "failed" and first_failure["message"] in failed["output"]
        assert first_failure["message"] in (folder / "feedback.md").read_text()


def _similarity_rows(out: Path) -> list[list[str]]:
    with open(out / "similarity.csv", newline="") as f:
        return list(csv.reader(f))


def test_the_batch_compares_the_class_code_and_the_report_shows_it(graded):
    _, out, summary = graded
    rows = _similarity_rows(out)
    assert rows[0] == ["student_a", "student_b", "similarity"]
    assert not [row for row in rows[1:] if "stubs" in row[:2]], "the stubs are no one's own code"
    kept = json.loads((out / "students" / "reference" / "code.json").read_text())
    assert kept["files"]["conv.py"] == (ROOT / "solutions" / "conv.py").read_text().replace(
        "    # BEGIN SOLUTION\n", "").replace("    # END SOLUTION\n", "")
    left_out = dict(map(tuple, json.loads((out / "similarity.json").read_text())["left_out"]))
    assert set(NOT_GRADED) <= set(left_out) and "zip" in left_out["corrupt"]
    assert "<h2 id=\"similarity\">Similar code</h2>" in (out / "report.html").read_text()
    assert f"similarity: {out / 'similarity.csv'}" in batch.describe(summary, 2)


def test_only_keeps_the_similarity_of_the_whole_class(graded, tmp_path):
    src, out = _copy(graded, tmp_path)
    before = _similarity_rows(out)
    batch.run_batch(src, out, jobs=1, only=["stubs"])
    assert _similarity_rows(out) == before


def test_no_temp_file_is_left(graded):
    _, out, _ = graded
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


# ---------------------------------------------------------------- re-runs


def test_a_rerun_skips_everything_and_force_regrades_everything(graded, tmp_path, capsys):
    src, out = _copy(graded, tmp_path)
    before = (out / "students" / "reference" / "result.json").read_bytes()
    again = batch.run_batch(src, out, jobs=2)
    assert sorted(again.skipped) == sorted(EXPECTED_STUDENTS)
    assert again.graded == again.not_graded == again.errors == []
    assert (out / "students" / "reference" / "result.json").read_bytes() == before
    assert set(_gradebook(out)) == EXPECTED_STUDENTS

    _keep_only(src, "reference", "empty", "corrupt.zip")  # three suffice: --force overrides the same check
    assert cli.main(["batch", str(src), "--out", str(out), "--force"]) == 0
    printed = capsys.readouterr().out
    assert "1 graded, 2 could not be graded" in printed and "0 skipped" in printed
    assert f"gradebook: {out / 'gradebook.csv'}" in printed and str(out / "report.html") in printed
    assert (out / "students" / "reference" / "result.json").read_bytes() != before


def test_changing_one_submission_regrades_only_that_one(graded, tmp_path):
    src, out = _copy(graded, tmp_path)
    bug = BUGS[0]
    fixed = write_submission(tmp_path / "fixed")
    shutil.copy(fixed / f"{bug.module}.py", src / f"bug_{bug.name}" / f"{bug.module}.py")
    old = float(_gradebook(out)[f"bug_{bug.name}"]["total"])
    again = batch.run_batch(src, out, jobs=2)
    assert again.graded == [f"bug_{bug.name}"]
    assert len(again.skipped) == len(EXPECTED_STUDENTS) - 1
    assert float(_gradebook(out)[f"bug_{bug.name}"]["total"]) == TOTAL_POINTS
    # What changed, old → new, on stdout and in the report: this student only.
    change = f"bug_{bug.name}: {report.score_text(old)} → {TOTAL_POINTS:g}"
    assert f"1 total(s) changed since the last gradebook: {change}" in batch.describe(again, 2)
    page = (out / "report.html").read_text()
    assert "<h2>What changed</h2>" in page and page.count("<td class=\"num\">new</td>") == 0


def test_a_new_grader_regrades(graded, tmp_path, monkeypatch):
    src, out = _copy(graded, tmp_path)
    _keep_only(src, "empty", "corrupt.zip")  # the quick ones suffice: the decision is made before grading
    assert sorted(batch.run_batch(src, out).skipped) == ["corrupt", "empty"]
    monkeypatch.setattr(batch, "grader_hash", lambda: "a changed tasks.py")
    assert sorted(batch.run_batch(src, out).not_graded) == ["corrupt", "empty"]


def test_the_grader_hash_covers_the_reference_and_the_tasks(tmp_path):
    for folder in ("week4", "solutions"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    week4 = load(tmp_path / "week4")
    hashes = [assignment.grader_hash(week4)]
    for changed in (tmp_path / "solutions" / "conv.py", tmp_path / "week4" / "tasks.py"):
        changed.write_text(changed.read_text() + "\n# a fix\n")
        assignment._grader_hash.cache_clear()
        hashes.append(assignment.grader_hash(week4))
    assert len(set(hashes)) == 3


def test_the_content_hash_sees_every_file_but_not_where_the_folder_is(tmp_path):
    one = write_submission(tmp_path / "one")
    two = shutil.copytree(one, tmp_path / "elsewhere" / "two")
    assert batch.content_hash(one) == batch.content_hash(two)
    (two / "notes.txt").write_text("a new file")
    assert batch.content_hash(one) != batch.content_hash(two)
    (two / "notes.txt").unlink()
    (two / "rnn.py").write_text((two / "rnn.py").read_text().replace("tanh", "tanh "))
    assert batch.content_hash(one) != batch.content_hash(two)


# ---------------------------------------------------------------- the student id and the command


def test_student_ids_drop_the_suffix_and_keep_both_names_on_a_clash(tmp_path):
    src = tmp_path / "src"
    for folder in ("alice", "bob", ".git", "__MACOSX", "out"):
        (src / folder).mkdir(parents=True)
    for file in ("alice.zip", "carol.ipynb", "dave.v2.zip"):
        (src / file).write_text("")
    found = batch.find_submissions(src, src / "out")
    assert sorted(found.entries) == ["alice", "alice.zip", "bob", "carol", "dave.v2"]
    assert found.entries["alice"] == src / "alice"
    assert found.clashes == {"alice": ["alice.zip"], "alice.zip": ["alice"]}
    assert [why.split(":")[0] for why in found.skipped] == [".git", "__MACOSX", "out"]


def test_entries_that_would_share_an_id_each_get_a_row_of_their_own_and_a_flag(tmp_path):
    """alice/, alice.zip and alice.zip.zip: three submissions, three rows, each with its own grade."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_submission(src / "alice")  # the reference: full marks
    (src / "alice.zip").write_bytes(b"not a zip")  # cannot be graded
    with zipfile.ZipFile(src / "alice.zip.zip", "w") as archive:  # the untouched stubs: 0
        for module in ASSIGNMENTS.glob("*.py"):
            archive.write(module, module.name)
    (src / ".hidden").mkdir()
    summary = batch.run_batch(src, out, jobs=2, console=Console(file=io.StringIO()))
    rows = {row["student"]: row for row in csv.DictReader(open(out / "gradebook.csv"))}
    assert sorted(rows) == ["alice", "alice.zip", "alice.zip.zip"]
    assert float(rows["alice"]["total"]) == 100 and float(rows["alice.zip.zip"]["total"]) == 0
    assert rows["alice.zip"]["status"] != "graded"
    assert all("id clash" in row["flags"] for row in rows.values())
    assert any(".hidden" in notice and "hidden entry" in notice for notice in summary.notices)


def test_a_formula_in_the_gradebook_is_quoted():
    result = {"tasks": [{"name": "conv.conv_forward", "score": 1.0}], "score": 1.0, "max_score": 8.0,
              "problems": ["=HYPERLINK(\"http://x\")"], "batch": {"student": "@eve", "status": "graded"}}
    row = list(csv.reader(batch.gradebook_csv([result]).splitlines()))[1]
    assert row == ["'@eve", "1", "1", "8", "graded", "'=HYPERLINK(\"http://x\")", "", "", "", ""]


def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys):
    assert cli.main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert cli.main(["batch", str(tmp_path), "--out", str(tmp_path / "out"), "--jobs", "0"]) == 2
    assert cli.main(["batch", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 3


# ---------------------------------------------------------------- the grader's own failures
# The graders below run in spawned workers: module-level functions, pickled by name.


def _raises_for_boom(job: batch.Job) -> str:
    if job.student == "boom":
        raise RuntimeError("an unexpected grader bug")
    return batch.grade_job(job)


def _dies_for_dies(job: batch.Job) -> str:
    if job.student == "dies":
        os._exit(3)  # the worker process itself dies, as if killed
    return batch.grade_job(job)


@pytest.mark.parametrize(("grader", "student", "why"), [
    (_raises_for_boom, "boom", "grader error: RuntimeError: an unexpected grader bug"),
    (_dies_for_dies, "dies", "grader error: the grading process died"),
])
def test_a_grader_failure_costs_one_row_and_the_batch_goes_on(tmp_path, grader, student, why):
    jobs = []
    for name in ("before", student, "after"):
        (tmp_path / "src" / name).mkdir(parents=True)  # empty: graded at once, without a sandbox
        stamp = {"student": name, "entry": name, "submission_sha256": "x", "grader_sha256": "y"}
        jobs.append(batch.Job(name, tmp_path / "src" / name, tmp_path / "out" / "students" / name, stamp))
    statuses = {}
    batch.grade_in_parallel(jobs, 1, lambda job, status: statuses.update({job.student: status}), grade=grader)
    assert statuses == {"before": batch.NOT_GRADED, student: batch.GRADER_ERROR, "after": batch.NOT_GRADED}
    result = json.loads((tmp_path / "out" / "students" / student / "result.json").read_text())
    assert result["problems"][0].startswith(why) and result["score"] == 0
    assert not batch.is_current(jobs[1]), "a grader error is retried on the next run"
    assert batch.is_current(jobs[0])
    assert set(_gradebook_of(tmp_path / "out")) == {"before", student, "after"}


def _gradebook_of(out: Path) -> dict[str, dict[str, str]]:
    batch.write_outputs(out)
    return _gradebook(out)


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_keeps_what_is_finished(tmp_path):
    src, out, tmp = tmp_path / "src", tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    for number in range(30):
        write_submission(src / f"student{number:02}")
    env = {**os.environ, "TMPDIR": str(tmp)}  # the sandboxes' folders land here: it must end empty
    # Started as from a terminal: a suite run in the background (`make test &`) ignores SIGINT, and a
    # process started with SIGINT ignored keeps ignoring it (as Python, and a background job, should).
    process = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out)],
                               cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("students/*/result.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert "interrupted" in stdout and "Traceback" not in stderr
    finished = {p.parent.name for p in out.glob("students/*/result.json")}
    assert 1 <= len(finished) < 30
    assert set(_gradebook(out)) == finished
    assert (out / "report.html").is_file()
    assert [p for p in out.rglob("*") if p.suffix == ".tmp"] == []
    assert list(tmp.iterdir()) == [], "a stopped worker must close its sandbox"
