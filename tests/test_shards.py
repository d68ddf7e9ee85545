"""Shards and their merge: ``batch --shard i/N`` on three machines, then ``merge``, is one batch.

A small class (the reference, bugs of the corpus, stubs, broken entries) is graded once whole
and once in three shards (module fixture); the merge must give the whole batch's files row
for row. The tests that re-run a shard work on copies of its folder.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import lms_fixtures as fixtures
import pytest
from test_batch import EXPECTED_STUDENTS, _make_class  # the class of the batch's tests: 11 students

from autograder import batch, cli, shards
from autograder.shards import Shard, parse, slice_of

SHARDS = 3


def _batch(*args: str) -> None:
    assert cli.main(["batch", *args, "--jobs", "2"]) == 0


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The class's folder, its batch in one piece, its three shards and their merge."""
    root = tmp_path_factory.mktemp("shards")
    src = root / "submissions"
    src.mkdir()
    _make_class(src)
    _batch(str(src), "--out", str(root / "whole"))
    parts = [root / f"shard-{i}" for i in range(1, SHARDS + 1)]
    for i, part in enumerate(parts, 1):
        _batch(str(src), "--out", str(part), "--shard", f"{i}/{SHARDS}")
    assert cli.main(["merge", str(root / "merged"), *map(str, parts)]) == 0
    return {"src": src, "whole": root / "whole", "parts": parts, "merged": root / "merged"}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _students(out: Path) -> set[str]:
    return {r["batch"]["student"] for r in batch.load_results(out)}


def _snapshot(out: Path) -> dict[str, str]:
    """Every file of an OUT folder but the report (it is rewritten, with the same content) by its text."""
    return {str(p.relative_to(out)): p.read_bytes().decode("utf-8", "replace")
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_slices_are_disjoint_cover_the_class_and_each_shard_holds_only_its_own(sharded):
    held = [_students(part) for part in sharded["parts"]]
    everyone = _students(sharded["whole"])
    assert everyone == EXPECTED_STUDENTS
    assert set().union(*held) == everyone
    assert sum(map(len, held)) == len(everyone)
    for i, students in enumerate(held, 1):
        assert students == {s for s in everyone if slice_of(s, SHARDS) == i}
        rows = list(csv.DictReader(open(sharded["parts"][i - 1] / "gradebook.csv", newline="")))
        assert {row["student"] for row in rows} == students
        assert json.loads(_text(sharded["parts"][i - 1] / shards.SETTINGS))["class"] == sorted(everyone)


def test_a_slice_depends_on_the_id_alone_and_is_balanced():
    ids = [f"student{n:04d}" for n in range(3000)]
    assert [slice_of(s, 7) for s in ids] == [slice_of(s, 7) for s in reversed(ids)][::-1]
    counts = [sum(slice_of(s, 3) == i for s in ids) for i in (1, 2, 3)]
    assert all(abs(count - 1000) < 100 for count in counts), counts  # a hash's spread: ~ 1000 ± 26


def test_the_merge_gives_the_gradebook_report_data_and_similarity_of_one_batch(sharded):
    whole, merged = sharded["whole"], sharded["merged"]
    for name in ("gradebook.csv", "similarity.csv", "similarity.json"):
        assert _text(merged / name) == _text(whole / name), name
    assert (merged / "report.html").stat().st_size > 0
    for part in sharded["parts"]:  # each student's files are her shard's, as graded there (times differ)
        for student in _students(part):
            for name in ("result.json", "feedback.md", "feedback.html", "results.json", "code.json"):
                assert (merged / "students" / student / name).read_bytes() == \
                    (part / "students" / student / name).read_bytes(), (student, name)


def test_a_shard_run_twice_changes_nothing(sharded, tmp_path, capsys):
    part = shutil.copytree(sharded["parts"][0], tmp_path / "shard-1")
    before = _snapshot(part)
    capsys.readouterr()
    _batch(str(sharded["src"]), "--out", str(part), "--shard", f"1/{SHARDS}")
    assert "0 submission(s) graded" in capsys.readouterr().out
    after = _snapshot(part)
    assert {k: v for k, v in after.items() if k != "report.html"} == \
        {k: v for k, v in before.items() if k != "report.html"}


def test_index_takes_the_slice_from_job_completion_index(sharded, tmp_path, capsys, monkeypatch):
    """Index 1 is slice 2: run on a copy of shard 2, it finds all of its work done and nothing else."""
    part = shutil.copytree(sharded["parts"][1], tmp_path / "shard-2")
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")
    capsys.readouterr()
    _batch(str(sharded["src"]), "--out", str(part), "--shard", f"index/{SHARDS}")
    out = capsys.readouterr().out
    assert "0 submission(s) graded" in out and f"{len(_students(part))} skipped" in out
    assert _students(part) == _students(sharded["parts"][1])


@pytest.mark.parametrize("value, env", [("0/3", None), ("4/3", None), ("1/0", None), ("a/3", None),
                                        ("3", None), ("index/3", None), ("index/3", "x"), ("index/3", "3")])
def test_a_bad_shard_is_one_line_and_exit_2(value, env, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("JOB_COMPLETION_INDEX", raising=False)
    if env is not None:
        monkeypatch.setenv("JOB_COMPLETION_INDEX", env)
    (tmp_path / "class").mkdir()
    assert cli.main(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--shard", value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"autograder: --shard {value}:"), err


def test_parse_reads_both_forms():
    assert parse("2/5") == Shard(2, 5)
    assert parse("index/5", {"JOB_COMPLETION_INDEX": "0"}) == Shard(1, 5)
    assert parse("index/5", {"JOB_COMPLETION_INDEX": "4"}) == Shard(5, 5)


def test_the_merge_says_whose_results_are_missing_and_duplicated(sharded, tmp_path, capsys):
    one, two, three = sharded["parts"]
    copy = shutil.copytree(one, tmp_path / "shard-1-again")
    capsys.readouterr()
    assert cli.main(["merge", str(tmp_path / "merged"), str(one), str(three), str(copy)]) == 0
    out = capsys.readouterr().out
    missing = sorted(_students(two))
    said = f"missing from slice 2/{SHARDS} (not given): {len(missing)} student(s): {', '.join(missing)}"
    assert said in out
    for student in _students(one):
        assert f"duplicated: {student} is in {one}, {copy}" in out
    assert _students(tmp_path / "merged") == _students(one) | _students(three)


def test_merge_refuses_a_folder_that_is_no_batch_output(sharded, tmp_path, capsys):
    (tmp_path / "not-a-shard").mkdir()
    given = [str(sharded["parts"][0]), str(tmp_path / "not-a-shard")]
    assert cli.main(["merge", str(tmp_path / "m"), *given]) == 2
    assert "not the output of `autograder batch`" in capsys.readouterr().err


def test_a_canvas_class_sharded_and_merged_gives_the_same_lms_files(tmp_path, capsys):
    download = fixtures.canvas_download(tmp_path / "canvas.zip")
    roster = fixtures.canvas_roster(tmp_path / "roster.csv")
    lms_args = ["--lms", "canvas", "--roster", str(roster)]
    _batch(str(download), "--out", str(tmp_path / "whole"), *lms_args)
    parts = [tmp_path / f"shard-{i}" for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        _batch(str(download), "--out", str(part), "--shard", f"{i}/2", *lms_args)
    roster.unlink()  # the merge reads the roster the shards kept, not the TA's file
    assert cli.main(["merge", str(tmp_path / "merged"), *map(str, parts)]) == 0
    assert "missing" not in capsys.readouterr().out
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    assert all(_students(part) for part in parts)  # both shards had students
    for name in ("lms_import.csv", "gradebook.csv"):
        assert _text(merged / name) == _text(whole / name), name
    with zipfile.ZipFile(whole / "canvas_feedback.zip") as a, \
            zipfile.ZipFile(merged / "canvas_feedback.zip") as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert all(a.read(name) == b.read(name) for name in a.namelist())


# ---------------------------------------------------------------- a pod's own-uid sandbox


def _temp_folder_mode(job: batch.Job) -> str:
    import os
    import tempfile

    return oct(os.stat(tempfile.gettempdir()).st_mode & 0o777)


def test_the_batch_scratch_folder_lets_the_own_uid_sandbox_reach_its_folder(tmp_path):
    """Under AUTOGRADER_SANDBOX=own-uid (a pod as root, Gradescope) the student's uid must pass through
    the workers' temp folder to its sandbox's; a folder of mkdtemp's 0700 stopped every child."""
    seen = []
    job = batch.Job("x", tmp_path, tmp_path / "out", {})
    batch.grade_in_parallel([job], 1, lambda job, status: seen.append(status), grade=_temp_folder_mode)
    assert seen == ["0o711"]  # searchable by all, listable by none
