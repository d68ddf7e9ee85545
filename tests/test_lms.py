"""LMS downloads in, LMS imports out: ``autograder batch DOWNLOAD --lms canvas|moodle --roster CSV``.

The class is built from the LMSes' documented formats (``lms_fixtures``); every total in
``lms_import.csv`` must equal ``autograder grade --json`` on that student's own files.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lms_fixtures as fixtures
import pytest

from autograder import cli, lms
from autograder.grade import grade_submission
from autograder.report import NOTHING_GRADED, feedback_html, feedback_markdown
from tests.week4 import TASKS

SUBMITTERS = [s for s in fixtures.STUDENTS if s.submits]


def _batch(*args: str) -> None:
    assert cli.main(["batch", *args, "--jobs", "2"]) == 0


def _grade_json(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Both LMSes' batches (Canvas from its zip, Moodle unzipped) and each student's own grade."""
    root = tmp_path_factory.mktemp("lms")
    canvas_zip = fixtures.canvas_download(root / "canvas.zip")
    moodle_dir = fixtures.unzip(fixtures.moodle_download(root / "moodle.zip"), root / "moodle")
    canvas_roster, moodle_roster = (
        fixtures.canvas_roster(root / "canvas.csv"),
        fixtures.moodle_roster(root / "m.csv"),
    )
    _batch(
        str(canvas_zip), "--lms", "canvas", "--roster", str(canvas_roster), "--out", str(root / "out_canvas")
    )
    _batch(
        str(moodle_dir), "--lms", "moodle", "--roster", str(moodle_roster), "--out", str(root / "out_moodle")
    )
    own = {s.key: fixtures.own_submission(s.key, root / "own" / s.key) for s in SUBMITTERS}
    with ThreadPoolExecutor(2) as pool:  # the grades are independent: two at a time, as the batch does
        totals = dict(zip(own, (r["score"] for r in pool.map(_grade_json, own.values()))))
    return {
        "root": root,
        "canvas": root / "out_canvas",
        "moodle": root / "out_moodle",
        "own": totals,
        "canvas_zip": canvas_zip,
        "canvas_roster": canvas_roster,
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _result(out: Path, student: str) -> dict:
    return json.loads((out / "students" / student / "result.json").read_text())


# ---------------------------------------------------------------- the imports equal the students' own grades


def test_canvas_import_rows_equal_autograder_grade_on_each_students_own_files(graded):
    rows = {
        r["ID"]: r for r in _rows(graded["canvas"] / "lms_import.csv") if r["Student"] != "Points Possible"
    }
    for student in SUBMITTERS:
        assert float(rows[student.canvas_id]["Week 4 (778)"]) == graded["own"][student.key], student.key


def test_moodle_import_rows_equal_autograder_grade_on_each_students_own_files(graded):
    rows = {r["Identifier"]: r for r in _rows(graded["moodle"] / "lms_import.csv")}
    for student in SUBMITTERS:
        assert float(rows[f"Participant {student.moodle_id}"]["Grade"]) == graded["own"][student.key], (
            student.key
        )


def test_the_renamings_are_undone(graded):
    """dave's conv-1.py wins over conv.py (a stub), lstm (1).py is lstm.py; frank's conv (1).py is conv.py."""
    for out, dave, frank in ((graded["canvas"], "10004", "10006"), (graded["moodle"], "20004", "20006")):
        scores = {t["name"]: t["score"] for t in _result(out, dave)["tasks"]}
        assert scores["conv.conv_forward"] == 8 and scores["lstm.lstm_forward"] == 2
        assert any("conv-1.py" in p and "latest" in p for p in _result(out, dave)["problems"])
        assert {t["name"]: t["score"] for t in _result(out, frank)["tasks"]}["conv.conv_backward"] == 10


# ---------------------------------------------------------------- the import files' layouts


def test_canvas_import_has_canvas_columns_a_points_possible_row_and_the_rosters_column(graded):
    with open(graded["canvas"] / "lms_import.csv", newline="") as f:
        header, points, *rows = list(csv.reader(f))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Week 4 (778)"]
    assert points[0] == "Points Possible" and points[-1] == "100.00"
    roster_order = [s.canvas_id for s in fixtures.STUDENTS if s.on_roster]
    assert [r[1] for r in rows] == [*roster_order, "10006"]  # the roster's order, then the one on no roster
    alice = rows[0]
    assert alice[:5] == ["Smith, Alice", "10001", "S10001", "alice@uni.example", "ANN 3 (Fall 2026)"]


def test_moodle_import_is_the_worksheet_with_grade_and_feedback_filled_in(graded):
    with open(graded["root"] / "m.csv", newline="") as f:
        roster_header, *roster_rows = list(csv.reader(f))
    rows = _rows(graded["moodle"] / "lms_import.csv")
    assert list(rows[0]) == roster_header
    by_id = {r["Identifier"]: r for r in rows}
    for original in roster_rows:  # every column but the two filled in is as downloaded
        row = by_id[original[0]]
        assert [row[h] for h in roster_header if h not in ("Grade", "Feedback comments")] == [
            v for h, v in zip(roster_header, original) if h not in ("Grade", "Feedback comments")
        ]
        assert row["Feedback comments"].startswith("<p>Total: ")
    assert "conv.py does not import" in by_id["Participant 20005"]["Feedback comments"]


# ---------------------------------------------------------------- the roster


def test_every_roster_student_has_a_row_and_one_who_did_not_submit_gets_0(graded):
    canvas = {r["ID"]: r for r in _rows(graded["canvas"] / "lms_import.csv")}
    moodle = {r["Identifier"]: r for r in _rows(graded["moodle"] / "lms_import.csv")}
    assert canvas["10007"]["Week 4 (778)"] == "0" and moodle["Participant 20007"]["Grade"] == "0"
    for out, grace in ((graded["canvas"], "10007"), (graded["moodle"], "20007")):
        gradebook = {r["student"]: r for r in _rows(out / "gradebook.csv")}
        assert set(gradebook) == {
            s.canvas_id if out == graded["canvas"] else s.moodle_id for s in fixtures.STUDENTS
        }
        assert (gradebook[grace]["total"], gradebook[grace]["status"]) == ("0", "not submitted")


def test_a_submission_on_no_roster_is_graded_and_flagged(graded):
    for out, frank in ((graded["canvas"], "10006"), (graded["moodle"], "20006")):
        row = {r["student"]: r for r in _rows(out / "gradebook.csv")}[frank]
        assert row["status"] == "graded" and float(row["total"]) > 0
        assert row["flags"] == "not on the roster"


def test_canvas_late_marker_is_flagged_and_explained_not_penalised_by_default(graded):
    row = {r["student"]: r for r in _rows(graded["canvas"] / "gradebook.csv")}["10005"]
    assert row["flags"] == "late" and row["late penalty"] == "0"
    assert float(row["total"]) == graded["own"]["erin"]
    assert (
        "Canvas marked this submission late" in (graded["canvas"] / "students/10005/feedback.md").read_text()
    )


# ---------------------------------------------------------------- feedback that reaches the student


def test_canvas_feedback_zip_is_named_as_canvas_reupload_reads_names(graded):
    """Canvas takes the first two all-digit `_` parts as the user id and the id of one of her files."""
    with zipfile.ZipFile(graded["canvas_zip"]) as download:
        files_of = {}
        for name in download.namelist():
            user, file_id = [p for p in name.split("_") if p.isdigit()][:2]
            files_of.setdefault(user, set()).add(file_id)
    with zipfile.ZipFile(graded["canvas"] / "canvas_feedback.zip") as archive:
        names = archive.namelist()
        assert len(names) == len(SUBMITTERS)
        for name in names:
            user, file_id = [p for p in name.split("_") if p.isdigit()][:2]
            assert file_id in files_of[user]
            page = (graded["canvas"] / "students" / user / "feedback.html").read_text()
            assert archive.read(name).decode() == page


def test_each_student_has_markdown_and_self_contained_html_feedback(graded):
    for out in (graded["canvas"], graded["moodle"]):
        for folder in (out / "students").iterdir():
            page = (folder / "feedback.html").read_text()
            assert (folder / "feedback.md").is_file() and page.startswith("<!DOCTYPE html>")
            assert not re.search(r"<(link|script)\b", page) and "http" not in page
            # Pictures of where an array is wrong are embedded, never fetched.
            sources = re.findall(r'<img src="([^"]*)"', page)
            assert page.count("<img") == len(sources)
            assert all(src.startswith("data:image/png;base64,") for src in sources)


def test_a_module_that_does_not_import_is_one_problem_not_one_per_case(graded):
    for out, erin in ((graded["canvas"], "10005"), (graded["moodle"], "20005")):
        result = _result(out, erin)
        assert (
            "conv.py does not import (invalid syntax, line 1): every conv.* task scores 0"
            in result["problems"]
        )
        assert (
            sum(not c["passed"] for t in result["tasks"] if t["name"].startswith("conv.") for c in t["cases"])
            > 30
        )
        for page in ("feedback.md", "feedback.html"):
            assert (out / "students" / erin / page).read_text().count("invalid syntax") == 1, page


# ---------------------------------------------------------------- the class report


def test_the_report_has_a_row_per_student_linking_her_feedback(graded):
    for out in (graded["canvas"], graded["moodle"]):
        page = (out / "report.html").read_text()
        links = re.findall(r'<td><a href="(students/(\w+)/feedback\.html)">(\w+)</a></td>', page)
        assert sorted(s for _, s, _ in links) == sorted(f.name for f in (out / "students").iterdir())
        assert all((out / href).is_file() and student == shown for href, student, shown in links)


def test_the_weakest_task_of_a_row_with_nothing_is_not_the_first_task(graded):
    page = (graded["canvas"] / "report.html").read_text()
    grace = re.search(r'<tr><td><a href="students/10007/feedback.html">.*?</tr>', page, re.S)[0]
    assert "basics.mse_loss" not in grace and "not submitted" in grace


# ---------------------------------------------------------------- --only


def test_only_regrades_just_those_students_and_rewrites_the_outputs(graded, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded["canvas"], out)
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(graded["canvas_zip"]) as old, zipfile.ZipFile(download, "w") as new:
        for name in old.namelist():  # alice's conv.py is now the stub
            stub = (fixtures.ASSIGNMENTS / "conv.py").read_bytes()
            new.writestr(name, stub if name == "smithalice_10001_55502_conv.py" else old.read(name))
    before = {s: (out / "students" / s / "result.json").stat().st_mtime_ns for s in ("10002", "10004")}
    _batch(
        str(download),
        "--lms",
        "canvas",
        "--roster",
        str(graded["canvas_roster"]),
        "--out",
        str(out),
        "--only",
        "10001",
    )
    alice = _result(out, "10001")["score"]
    assert alice == 100 - sum(t.points for t in TASKS if t.name.startswith("conv."))
    assert {s: (out / "students" / s / "result.json").stat().st_mtime_ns for s in before} == before
    assert {r["student"]: float(r["total"]) for r in _rows(out / "gradebook.csv")}["10001"] == alice
    assert {r["ID"]: r["Week 4 (778)"] for r in _rows(out / "lms_import.csv")}["10001"] == f"{alice:g}"
    assert f"{alice:g} / 100" in (out / "report.html").read_text()


def test_only_an_unknown_id_exits_2_with_one_line(graded, tmp_path, capsys):
    code = cli.main(
        [
            "batch",
            str(graded["canvas_zip"]),
            "--lms",
            "canvas",
            "--out",
            str(tmp_path / "o"),
            "--only",
            "99999",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "99999" in err


# ---------------------------------------------------------------- reading downloads: names and hostile input


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("conv.py", ("conv.py", 0, 0)),
        ("conv-1.py", ("conv.py", 1, 0)),
        ("conv-12.py", ("conv.py", 12, 0)),
        ("conv (1).py", ("conv.py", 0, 1)),
        ("conv-1 (2).py", ("conv.py", 1, 2)),
        ("conv (2)-1.py", ("conv.py", 1, 2)),
        ("02_convolution-3.ipynb", ("02_convolution.ipynb", 3, 0)),
        ("char_rnn.py", ("char_rnn.py", 0, 0)),
        ("-1.py", ("-1.py", 0, 0)),
        ("Makefile", ("Makefile", 0, 0)),
    ],
)
def test_original_name_undoes_reuploads_and_browser_copies(name, expected):
    assert lms.original_name(name) == expected


def test_the_highest_reupload_wins_then_the_latest_file_id(tmp_path):
    for name in (
        "a_1_7_conv.py",
        "a_1_9_conv (1).py",
        "a_1_8_conv-1.py",
        "a_1_3_basics (1).py",
        "a_1_4_basics.py",
    ):
        (tmp_path / name).write_text(name)
    student = lms.read_download(tmp_path, lms.CANVAS, tmp_path / "work").students["1"]
    assert {u.relative: u.file.name for u in student.winners()} == {
        "conv.py": "a_1_8_conv-1.py",
        "basics.py": "a_1_4_basics.py",
    }


@pytest.mark.parametrize(
    ("name", "user", "late", "original"),
    [
        ("smithalice_10001_55501_conv.py", "10001", False, "conv.py"),
        ("smithalice_LATE_10001_55501_02_convolution.ipynb", "10001", True, "02_convolution.ipynb"),
        ("obrien_mary_42_7_my_file_1_2.py", "42", False, "my_file_1_2.py"),
        ("anon_x7Yb2_55501_conv.py", "anon_x7Yb2", False, "conv.py"),
        ("LATE_anon_x7Yb2_55501_conv.py", "anon_x7Yb2", True, "conv.py"),
    ],
)
def test_canvas_file_names(tmp_path, name, user, late, original):
    (tmp_path / name).write_text("x = 1\n")
    [(found, student)] = lms.read_download(tmp_path, lms.CANVAS, tmp_path / "work").students.items()
    assert (found, student.late_marker, [u.relative for u in student.uploads]) == (user, late, [original])


def test_hostile_downloads_are_read_safely_and_every_skip_is_named(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    (download / "smithalice_10001_1_conv.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", download / "smithalice_10001_2_basics.py")
    os.mkfifo(download / "smithalice_10001_3_rnn.py")
    with open(os.path.join(os.fsencode(download), b"smithalice_10001_4_\xff\xfe.py"), "wb") as f:
        f.write(b"x = 1\n")
    (download / "notes.txt").write_text("not a submission")
    (download / "a folder").mkdir()
    (download / "a folder" / "smithalice_10001_5_lstm.py").write_text("x = 1\n")
    with zipfile.ZipFile(download / "smithalice_10001_6_week4.zip", "w") as archive:
        archive.writestr("../../evil.py", "x = 1\n")
        archive.writestr("/abs.py", "x = 1\n")
        archive.writestr("assignments/dropout.py", "x = 1\n")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("assignments/dropout.py", "raise SystemExit\n")  # the first one stays
        archive.writestr("inner.zip", b"PK\x05\x06" + b"\0" * 18)  # a zip in her zip stays a file
    read = lms.read_download(download, lms.CANVAS, tmp_path / "work")
    assert list(read.students) == ["10001"]
    student = read.students["10001"]
    assert sorted(u.relative for u in student.uploads) == ["conv.py", "week4.zip"]
    skipped = " ".join(read.skipped)
    for why in ("a symbolic link", "not a regular file", "not valid UTF-8", "notes.txt", "a folder/"):
        assert why in skipped
    folder = lms.materialise(student, tmp_path / "work" / "students")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["assignments/dropout.py", "conv.py", "inner.zip"]
    assert (folder / "assignments" / "dropout.py").read_text() == "x = 1\n"
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "work" / "evil.py").exists()
    assert sum("unsafe name" in note for note in student.notes) == 2


def test_a_download_that_is_no_zip_exits_2_with_one_line(tmp_path, capsys):
    (tmp_path / "download.zip").write_bytes(b"not a zip")
    code = cli.main(
        ["batch", str(tmp_path / "download.zip"), "--lms", "moodle", "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not a readable zip file" in err


# ---------------------------------------------------------------- rosters


def test_a_canvas_roster_skips_points_possible_and_muted_rows(tmp_path):
    roster = tmp_path / "grades.csv"
    roster.write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Week 4 (778),Quiz 1 (779),Current Score\n"
        "    Points Possible,,,,,100.00,10.00,(read only)\n"
        ",,,,,Muted,,\n"
        '"Smith, Alice",10001,S1,alice,ANN 3,,,\n',
        encoding="utf-8",
    )
    read = lms.read_roster(roster, lms.CANVAS)
    assert read.ids == ["10001"] and read.assignments == ["Week 4 (778)", "Quiz 1 (779)"]
    assert read.points_possible == {"Week 4 (778)": "100.00", "Quiz 1 (779)": "10.00"}
    # Two assignment columns: a new one, unless one is named (by its title, without the id).
    assert lms.canvas_column(read, None) == "Week 4 autograder"
    assert lms.canvas_column(read, "Quiz 1") == "Quiz 1 (779)"


@pytest.mark.parametrize(
    ("kind", "text", "why"),
    [
        ("canvas", "Name,Email\nAlice,a@x\n", "is not a Canvas gradebook export"),
        ("moodle", "Full name,Grade\nAlice,1\n", "has no Identifier, Last modified (grade) column"),
    ],
)
def test_a_roster_of_the_wrong_kind_exits_2_with_one_line(tmp_path, capsys, kind, text, why):
    (tmp_path / "roster.csv").write_text(text)
    (tmp_path / "download").mkdir()
    code = cli.main(
        [
            "batch",
            str(tmp_path / "download"),
            "--lms",
            kind,
            "--roster",
            str(tmp_path / "roster.csv"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and why in err


def _stored(student: str, score: float, name: str) -> dict:
    return {"score": score, "max_score": 100.0, "tasks": [], "problems": [], "late": None,
            "batch": {"student": student, "status": "graded", "lms": {"name": name}}}  # fmt: skip


def test_without_a_roster_the_imports_list_the_submissions_in_the_lms_layout():
    results = {"10001": _stored("10001", 87.5, "smithalice"), "10002": _stored("10002", 0, "jonesbob")}
    canvas = list(csv.reader(lms.import_csv(lms.CANVAS, results, None, None, 100.0).splitlines()))
    assert canvas == [
        [*lms.CANVAS_STUDENT_COLUMNS, "Week 4 autograder"],
        ["Points Possible", "", "", "", "", "100"],
        ["smithalice", "10001", "", "", "", "87.5"],
        ["jonesbob", "10002", "", "", "", "0"],
    ]
    moodle = list(csv.DictReader(lms.import_csv(lms.MOODLE, results, None, None, 100.0).splitlines()))
    assert [(r["Identifier"], r["Full name"], r["Grade"], r["Maximum Grade"]) for r in moodle] == [
        ("Participant 10001", "smithalice", "87.5", "100"), ("Participant 10002", "jonesbob", "0", "100")]
    assert list(moodle[0]) == lms.MOODLE_COLUMNS


def test_a_roster_student_not_graded_yet_gets_an_empty_grade_and_points_that_differ_are_said(tmp_path):
    roster = lms.read_roster(fixtures.canvas_roster(tmp_path / "grades.csv"), lms.CANVAS)
    rows = list(csv.DictReader(lms.import_csv(lms.CANVAS, {}, roster, None, 100.0).splitlines()))
    assert [r["Week 4 (778)"] for r in rows[1:]] == [""] * len(roster.ids)
    assert lms.out_of_mismatch(roster, None, 100.0) == ""
    assert "out of 100.00, the grader's total out of 50" in lms.out_of_mismatch(roster, None, 50.0)
    worksheet = lms.read_roster(fixtures.moodle_roster(tmp_path / "worksheet.csv"), lms.MOODLE)
    assert "Maximum Grade is out of 100.00" in lms.out_of_mismatch(worksheet, None, 80.0)


def test_feedback_of_a_submission_that_could_not_be_loaded_says_so_once(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    result = grade_submission(tmp_path / "broken.zip")
    for page in (feedback_markdown(result), feedback_html(result)):
        assert page.count("not a readable zip file") == 1 and page.count(NOTHING_GRADED) == 1
        assert "All cases passed" not in page
