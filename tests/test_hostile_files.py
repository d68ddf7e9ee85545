"""Hostile submissions made of files and names, not code: the loader trusts only regular files (SPEC §2).

Each test builds one attack from the reference submission: a link to the grader's
``solutions/``, a FIFO or a device where a module should be, a file over the size
cap, a name that is not UTF-8, a folder nested 1,100 deep, a zip or a notebook
built to break a parser. Each must cost its own points and name the entry in
``problems``, never hang, crash or stop a batch. What could hang or fill the disk
on a regression runs in a subprocess with a timeout and a file-size limit.
The last tests stop a batch's workers: one that hangs, one that dies, and the
batch itself killed with ``kill -9``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import batch, cli, grade, submission
from autograder.grade import grade_submission
from tests.bugcorpus import reference_source, write_submission
from tests.week4 import EXERCISES, MODULES, SOLUTIONS, TOTAL_POINTS

ROOT = Path(__file__).resolve().parent.parent
AS_ROOT = os.geteuid() == 0
LATIN1_FILE = os.fsdecode(b"caf\xe9.py")  # "café.py" written by a Latin-1 system: not UTF-8
LATIN1_STUDENT = os.fsdecode(b"Jos\xe9")
DEPTH = 1100


def load(folder: Path, tmp_path: Path) -> submission.Loaded:
    return submission.load(folder, tmp_path / "work", EXERCISES)


def load_error(path: Path, tmp_path: Path) -> submission.SubmissionError:
    with pytest.raises(submission.SubmissionError) as caught:
        load(path, tmp_path)
    return caught.value


def _limit_file_size() -> None:
    """In the child: a regression that copies /dev/zero dies at 64 MB instead of filling the disk."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2**20, 64 * 2**20))


def grade_cli(path: Path) -> dict:
    """``autograder grade PATH --json --in-process`` in a subprocess that cannot hang the suite."""
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--json", "--in-process"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_limit_file_size)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def scores(result: dict) -> dict[str, float]:
    return {task["name"]: task["score"] for task in result["tasks"]}


def nested(base: Path, depth: int, file: str = "") -> Path:
    """``base/d/d/.../d``, ``depth`` folders deep, with ``file`` at the bottom; returns ``base/d``.

    Made relative to each folder's descriptor: a path 2,200 characters long costs
    the kernel a lookup per component, and pathlib and os.makedirs recurse.
    """
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    if file:
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
    return base / "d"


def remove_nested(top: Path) -> None:
    """shutil.rmtree recurses and stops at Python's recursion limit; rm walks the tree without recursing."""
    subprocess.run(["rm", "-rf", str(top)], check=True)


# ---------------------------------------------------------------- links to the reference


def test_a_link_to_the_graders_solutions_folder_scores_nothing(tmp_path):
    """``assignments -> solutions/`` scored 100/100: the loader read through the link."""
    student = tmp_path / "linked"
    student.mkdir()
    (student / "assignments").symlink_to(SOLUTIONS, target_is_directory=True)
    result = grade_submission(student, isolated=False)
    assert result.score == 0
    assert any(p.startswith("assignments is a symbolic link") for p in result.problems), result.problems


def test_a_relative_link_on_gradescopes_layout_scores_nothing(tmp_path):
    """Gradescope unpacks the grader in /autograder/source and the submission beside it."""
    shutil.copytree(SOLUTIONS, tmp_path / "source" / "solutions")
    student = tmp_path / "submission"
    student.mkdir()
    (student / "assignments").symlink_to(Path("..", "source", "solutions"), target_is_directory=True)
    assert (student / "assignments" / "conv.py").is_file(), "the link must resolve, or it proves nothing"
    result = grade_submission(student, isolated=False)
    assert result.score == 0
    assert any(p.startswith("assignments is a symbolic link") for p in result.problems), result.problems


def test_a_submission_that_is_itself_a_link_is_refused(tmp_path):
    """A batch entry ``alice -> <the reference>``: the link is the student's, its target is not."""
    (tmp_path / "alice").symlink_to(SOLUTIONS, target_is_directory=True)
    error = load_error(tmp_path / "alice", tmp_path)
    assert str(error).startswith("alice is a symbolic link")


# ---------------------------------------------------------------- what stands where a module should be


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _char_device(path: Path) -> None:
    if not AS_ROOT:
        pytest.skip("only root can make a device node (the link to /dev/zero is tested without root)")
    os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # the numbers of /dev/zero


def _link_to_reference(path: Path) -> None:
    path.symlink_to(SOLUTIONS / path.name)


@pytest.mark.parametrize(("make", "kind"), [
    (_fifo, "is a FIFO"),
    (_link_to_dev_zero, "is a symbolic link"),
    (_char_device, "is a character device"),
    (_link_to_reference, "is a symbolic link"),
], ids=["fifo", "link-to-dev-zero", "char-device", "link-to-reference"])
def test_conv_py_that_is_not_a_regular_file_costs_the_conv_tasks_only(tmp_path, make, kind):
    """A FIFO hung the grader, /dev/zero copied until the disk was full: both are skipped and named."""
    student = tmp_path / "student"
    student.mkdir()
    (student / "basics.py").write_text(reference_source("basics"))
    make(student / "conv.py")
    result = grade_cli(student)
    lost = scores(result)
    assert all(score == 0 for name, score in lost.items() if name.startswith("conv."))
    assert all(t["score"] == t["max_score"] for t in result["tasks"] if t["name"].startswith("basics."))
    assert any(p.startswith(f"conv.py {kind}") for p in result["problems"]), result["problems"]


def test_a_fifo_named_scratch_ipynb_does_not_hang_the_grader(tmp_path):
    student = tmp_path / "notebooks"
    student.mkdir()
    notebook = new_notebook(cells=[new_code_cell(reference_source("basics"))])
    nbformat.write(notebook, student / "01_basics.ipynb")
    os.mkfifo(student / "scratch.ipynb")
    result = grade_cli(student)
    assert all(t["score"] == t["max_score"] for t in result["tasks"] if t["name"].startswith("basics."))
    assert any(p.startswith("scratch.ipynb is a FIFO") for p in result["problems"]), result["problems"]
    os.mkfifo(tmp_path / "handed_in.ipynb")  # the submission itself a FIFO
    assert grade_cli(tmp_path / "handed_in.ipynb")["problems"][0].startswith("handed_in.ipynb is a FIFO")


# ---------------------------------------------------------------- sizes, names, depth


def test_files_over_their_size_cap_are_skipped_and_named(tmp_path):
    student = write_submission(tmp_path / "big")
    with open(student / "conv.py", "a") as f:
        f.write("#" * submission.MAX_MODULE)  # the module is now just over the cap
    loaded = load(student, tmp_path)
    assert not (loaded.package_dir / "conv.py").exists()
    assert (loaded.package_dir / "rnn.py").exists()
    assert any(p.startswith("conv.py is 1.0 MB, over the 1.0 MB limit") for p in loaded.problems)

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell(reference_source("basics"))]), notebooks / "a.ipynb")
    (notebooks / "b.ipynb").touch()
    os.truncate(notebooks / "b.ipynb", submission.MAX_NOTEBOOK + 1)  # sparse: costs no disk
    loaded = submission.load(notebooks, tmp_path / "work2", EXERCISES)
    assert any(p.startswith("b.ipynb is 20.0 MB, over the 20.0 MB limit") for p in loaded.problems)
    assert "def mse_loss" in (loaded.package_dir / "_nb_a.py").read_text()

    (tmp_path / "huge.zip").touch()
    os.truncate(tmp_path / "huge.zip", submission.MAX_ZIP + 1)  # sparse: costs no disk
    assert "over the 50.0 MB zip limit" in str(load_error(tmp_path / "huge.zip", tmp_path / "z"))


def test_names_that_are_not_utf8_are_skipped_and_named_escaped(tmp_path):
    student = write_submission(tmp_path / "latin1")
    (student / LATIN1_FILE).write_text("x = 1\n")
    (student / LATIN1_STUDENT).mkdir()
    loaded = load(student, tmp_path)
    assert sorted(p.name for p in loaded.package_dir.iterdir()) == sorted(f"{m}.py" for m in MODULES)
    assert "caf\\xe9.py has a name that is not valid UTF-8: skipped" in loaded.problems
    assert "Jos\\xe9 has a name that is not valid UTF-8: skipped" in loaded.problems
    "\n".join(loaded.problems).encode("utf-8")  # no lone surrogate: it can be written anywhere


def test_a_folder_nested_deeper_than_the_cap_is_not_looked_into(tmp_path):
    student = write_submission(tmp_path / "deep")
    top = nested(student, DEPTH, file="conv.py")  # empty: it would replace the good conv.py
    try:
        loaded = load(student, tmp_path)
        depth = submission.MAX_DEPTH + 1
        cut = f"{'/'.join(['d'] * depth)} is more than {submission.MAX_DEPTH} folders deep: not looked into"
        assert cut in loaded.problems
        assert (loaded.package_dir / "conv.py").read_text() == reference_source("conv")
        assert batch.content_hash(student) == batch.content_hash(student)  # no recursion, no crash
    finally:
        remove_nested(top)


# ---------------------------------------------------------------- zips


def _zip(members: dict[str, str], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _encrypted(data: bytes) -> bytes:
    """The zip with bit 0 of the flags set (encrypted) in its local and central headers."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + offset] |= 0x01
    return bytes(data)


def _corrupt_deflate(data: bytes) -> bytes:
    """The first member's compressed bytes overwritten: an invalid deflate stream."""
    data = bytearray(data)
    start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
    data[start:start + 64] = b"\xff" * 64
    return bytes(data)


def _utf8_flag_on_latin1_name(data: bytes) -> bytes:
    """A member name in Latin-1 bytes that claims to be UTF-8 (flag bit 11)."""
    data = bytearray(data.replace(b"cafe.py", b"caf\xe9.py"))
    local = data.index(b"caf\xe9.py")  # the name ends the local header (30 bytes), then the central one (46)
    central = data.index(b"caf\xe9.py", local + 1)
    for flags in (local - 30 + 6, central - 46 + 8):
        data[flags + 1] |= 0x08  # bit 11 of the little-endian flags
    return bytes(data)


@pytest.mark.parametrize(("damage", "reason"), [
    (_encrypted, "is password-protected (encrypted): zip the files again without a password"),
    (_corrupt_deflate, "is not a readable zip file (zlib.error"),
    (_utf8_flag_on_latin1_name, "is not a readable zip file (UnicodeDecodeError"),
], ids=["encrypted", "corrupt-deflate", "bad-utf8-name"])
def test_a_broken_zip_is_a_row_with_its_reason_and_exit_0(tmp_path, capsys, damage, reason):
    members = {"conv.py": reference_source("conv") * 4, "cafe.py": "x = 1\n"}
    path = tmp_path / "student.zip"
    path.write_bytes(damage(_zip(members, zipfile.ZIP_DEFLATED)))
    assert reason in str(load_error(path, tmp_path))
    assert cli.main(["grade", str(path), "--json", "--in-process"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == 0 and reason in result["problems"][0]


def test_a_symlink_in_a_zip_is_skipped_and_named(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("assignments/basics.py", reference_source("basics"))
        link = zipfile.ZipInfo("assignments/conv.py")
        link.create_system = 3  # Unix: the high 16 bits of external_attr are the file's mode
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "../../solutions/conv.py")  # what unzip would make a link of
    (tmp_path / "student.zip").write_bytes(buffer.getvalue())
    loaded = load(tmp_path / "student.zip", tmp_path)
    assert (loaded.package_dir / "basics.py").exists() and not (loaded.package_dir / "conv.py").exists()
    assert "assignments/conv.py in student.zip is a symbolic link, not a regular file: skipped" \
        in loaded.problems


# ---------------------------------------------------------------- notebooks


def _write_notebook(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_notebook_nested_100000_deep_is_a_reason(tmp_path, capsys):
    path = _write_notebook(tmp_path / "deep.ipynb", '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert str(load_error(path, tmp_path)) == ("deep.ipynb is not a valid notebook (its JSON is nested too "
                                               "deeply): it was skipped")
    assert cli.main(["grade", str(path), "--json", "--in-process"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"][0].startswith("deep.ipynb is not a valid notebook")


def test_a_cell_with_a_3000_term_sum_costs_only_that_cell(tmp_path):
    huge = "def huge():\n    return " + " + ".join(["1"] * 3000) + "\n"
    notebook = new_notebook(cells=[new_code_cell(reference_source("basics")), new_code_cell(huge)])
    nbformat.write(notebook, tmp_path / "nb.ipynb")
    loaded = load(tmp_path / "nb.ipynb", tmp_path)
    assert "nb.ipynb, code cell 2: nested too deeply for Python to read (a very long expression?); " \
           "that cell was skipped" in loaded.problems
    module = (loaded.package_dir / "_nb_nb.py").read_text()
    assert "def mse_loss" in module and "def huge" not in module


def test_cells_of_odd_structure_are_skipped_with_their_reason(tmp_path):
    cells = ["a string, not a cell", {"cell_type": "code", "source": 42},
             {"cell_type": "code", "source": ["x = 1\n", 2]},
             {"cell_type": "code", "source": "def f():\n    pass\n"},
             {"cell_type": "code", "source": "def g():\n    pass\0"},
             {"cell_type": "code", "source": reference_source("basics")}]
    path = _write_notebook(tmp_path / "odd.ipynb", json.dumps({"cells": cells}))
    loaded = load(path, tmp_path)
    problems = [p for p in loaded.problems if p.startswith("odd.ipynb")]
    assert problems[:2] == ["odd.ipynb, code cell 1: its source is not text; that cell was skipped",
                            "odd.ipynb, code cell 2: its source is not text; that cell was skipped"]
    assert len(problems) == 3 and problems[2].startswith("odd.ipynb, code cell 4: ")
    assert "null bytes" in problems[2]
    assert "def f" in (loaded.package_dir / "_nb_odd.py").read_text()
    for number, top in enumerate(("[]", '{"cells": {"a": 1}}', "null")):
        error = load_error(_write_notebook(tmp_path / "top.ipynb", top), tmp_path / str(number))
        assert str(error) == "top.ipynb is not a valid notebook (it has no list of cells): it was skipped"


# ---------------------------------------------------------------- a class with hostile names, in one batch


def _batch(src: Path, out: Path, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out), *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_a_batch_grades_a_latin1_student_and_a_1100_deep_folder_and_reruns(tmp_path):
    """Both crashed ``batch`` before or after grading, with no gradebook, on every rerun."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_submission(src / "plain")
    write_submission(src / LATIN1_STUDENT)
    (src / LATIN1_STUDENT / LATIN1_FILE).write_text("x = 1\n")
    top = nested(write_submission(src / "deep"), DEPTH, file="conv.py")
    try:
        first = _batch(src, out)
        second = _batch(src, out)
    finally:
        remove_nested(top)
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr[-2000:]
    assert "3 graded" in first.stdout
    with open(out / "gradebook.csv", encoding="utf-8", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"plain", "Jos\\xe9", "deep"}
    assert all(float(row["total"]) == TOTAL_POINTS for row in rows.values())
    assert "caf\\xe9.py has a name that is not valid UTF-8" in rows["Jos\\xe9"]["problems"]
    assert "folders deep: not looked into" in rows["deep"]["problems"]
    for written in [*out.rglob("*.json"), *out.rglob("*.md"), out / "report.html", out / "gradebook.csv"]:
        text = written.read_bytes().decode("utf-8")  # strict: no lone surrogate was written
        if written.suffix == ".json":  # nor one escaped as \udcNN, which loads back as one
            json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
    assert second.returncode == 0 and "3 skipped" in second.stdout, second.stderr[-2000:]


def test_student_ids_are_escaped_one_to_one_and_fit_a_folder_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    long_latin1 = os.fsdecode(b"\xe9" * 250)  # a legal name whose escapes take 1,000 characters
    for name in (LATIN1_STUDENT, "Jos\\xe9", "two\nlines", long_latin1, os.fsdecode(b"\xe9" * 249 + b"e")):
        (src / name).mkdir()
    (src / "loop").symlink_to("loop")  # Path.resolve() raises on it
    ids = batch.find_submissions(src, tmp_path / "out").entries
    assert ids["Jos\\xe9"] == src / LATIN1_STUDENT and ids["Jos\\\\xe9"] == src / "Jos\\xe9"
    assert ids["two\\u000alines"] == src / "two\nlines" and ids["loop"] == src / "loop"
    assert len(ids) == 6 and all(len(i.encode()) <= batch.MAX_ID for i in ids)
    assert batch.content_hash(src / "loop") != batch.content_hash(src / LATIN1_STUDENT)


# ---------------------------------------------------------------- workers that hang, die, or lose their batch
# The graders below run in spawned workers: module-level functions, pickled by name.


def _first_attempt(job: batch.Job) -> bool:
    """True the first time a job is graded (a marker file beside its results says it was tried)."""
    job.folder.mkdir(parents=True, exist_ok=True)
    marker = job.folder / "tried"
    if marker.exists():
        return False
    marker.touch()
    return True


def _hangs_or_stalls(job: batch.Job) -> str:
    if job.student == "hangs" or (job.student == "slow" and _first_attempt(job)):
        time.sleep(600)
    return batch.grade_job(job)


def _dies_or_stalls(job: batch.Job) -> str:
    if job.student == "dies":
        time.sleep(0.5)
        os._exit(3)
    if job.student == "slow" and _first_attempt(job):
        time.sleep(3)
    return batch.grade_job(job)


def _jobs(tmp_path: Path, *names: str) -> list[batch.Job]:
    jobs = []
    for name in names:
        (tmp_path / "src" / name).mkdir(parents=True)  # empty: graded at once, without a sandbox
        stamp = {"student": name, "entry": name, "submission_sha256": "x", "grader_sha256": "y"}
        jobs.append(batch.Job(name, tmp_path / "src" / name, tmp_path / "out" / "students" / name, stamp))
    return jobs


def _problems(tmp_path: Path, student: str) -> list[str]:
    return json.loads((tmp_path / "out" / "students" / student / "result.json").read_text())["problems"]


def test_a_hung_worker_costs_one_row_and_the_jobs_in_flight_are_graded_again(tmp_path):
    statuses: dict[str, str] = {}
    jobs = _jobs(tmp_path, "hangs", "quick", "slow")  # slow starts when quick ends: after hangs
    batch.grade_in_parallel(jobs, 2, lambda job, status: statuses.update({job.student: status}),
                            grade=_hangs_or_stalls, timeout=6)
    assert statuses == {"hangs": batch.GRADER_ERROR, "quick": batch.NOT_GRADED, "slow": batch.NOT_GRADED}
    assert _problems(tmp_path, "hangs")[0] == "grader error: grading did not finish within 6 s"


def test_a_worker_that_dies_beside_another_costs_only_its_own_row(tmp_path):
    statuses: dict[str, str] = {}
    batch.grade_in_parallel(_jobs(tmp_path, "dies", "slow"), 2,
                            lambda job, status: statuses.update({job.student: status}), grade=_dies_or_stalls)
    assert statuses == {"dies": batch.GRADER_ERROR, "slow": batch.NOT_GRADED}
    assert _problems(tmp_path, "dies")[0].startswith("grader error: the grading process died")


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every live process: pid -> (parent pid, start time, state)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), fields[19], fields[0])
    return found


def _descendants(root: int) -> dict[int, str]:
    """The processes below ``root``, with their start times (a pid reused later is another process)."""
    table = _processes()
    found, todo = {}, [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, started, _) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                todo.append(pid)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _alive(processes: dict[int, str]) -> list[int]:
    table = _processes()
    return [pid for pid, started in processes.items()
            if pid in table and table[pid][1] == started and table[pid][2] != "Z"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
def test_kill_9_of_a_batch_leaves_no_worker_and_the_next_run_cleans_up(tmp_path):
    src, out, tmp = tmp_path / "src", tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    for number in range(4):
        write_submission(src / f"student{number}")
    env = {**os.environ, "TMPDIR": str(tmp)}
    main = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until both workers grade (each with a sandbox of its own)
            below = _descendants(main.pid)
            table = _processes()
            workers = [pid for pid in below if table.get(pid, (0,))[0] == main.pid and b"spawn_main" in
                       _cmdline(pid)]
            if len(workers) == 2 and all(any(table.get(p, (0,))[0] == w for p in below) for w in workers):
                break
            time.sleep(0.05)
        assert len(workers) == 2, "the batch never started its workers"
        main.kill()
        main.wait()
        deadline = time.monotonic() + 10
        while _alive(below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(below) == [], "processes of the killed batch are still running"
    finally:
        for pid in _alive(below):
            os.kill(pid, signal.SIGKILL)
    left = list(tmp.glob(f"{batch.SCRATCH_PREFIX}*"))
    assert len(left) == 1, "a killed batch cannot remove its scratch folder"
    (tmp_path / "nobody").mkdir()
    assert _batch(tmp_path / "nobody", tmp_path / "out2", env=env).returncode == 0
    assert not left[0].exists(), "the next batch removes the scratch folder a killed one left"


def test_kill_9_of_a_grading_leaves_a_copy_of_the_code_that_the_next_grading_removes(tmp_path):
    """The loaded submission's folder (a copy of the student's code) is locked while its grader lives."""
    submission, tmp = write_submission(tmp_path / "looping"), tmp_path / "tmp"
    with open(submission / "conv.py", "a") as conv:
        conv.write("\n\ndef conv_output_size(*args):\n    while True:\n        pass\n")
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "autograder", "grade"]
    grader = subprocess.Popen([*command, str(submission)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.glob(f"{grade.LOAD_PREFIX}*/package/conv.py")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        grader.kill()
        grader.wait()
    left = list(tmp.glob(f"{grade.LOAD_PREFIX}*"))
    assert len(left) == 1, "a killed grading cannot remove its folder itself"
    done = subprocess.run([*command, str(write_submission(tmp_path / "ok"))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not left[0].exists(), "the next grading removes the folder a killed one left"
