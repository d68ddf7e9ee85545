"""Grade a whole class: ``autograder batch DIR --out OUT`` (SPEC §3).

Every entry of DIR is one student's submission (a folder, a ``.zip``, a ``.ipynb``
or a folder of notebooks); its name without ``.zip``/``.ipynb`` is the student id.
OUT receives::

    students/<id>/result.json    GradeResult.to_json(), plus the "batch" stamp described below
    students/<id>/feedback.md    report.feedback_markdown: what the student reads
    students/<id>/feedback.html  report.feedback_html: the same, as a self-contained page
    students/<id>/results.json   report.gradescope_results: Gradescope's format
    students/<id>/code.json      the student's code as graded, and its fingerprints (``similarity``)
    gradebook.csv                one row per student: a column per task, total, max, status, problems
    cases.csv                    one row per student and case: student, task, case, public, passed, cause
    report.html                  the class report for the TA (``classreport``)
    similarity.csv               pairs whose own code is alike (``similarity``; similarity.json: its report)
    lms_import.csv               with --lms: the grades in the LMS's import format (``lms``)
    canvas_feedback.zip          with --lms canvas: the feedback for "Re-Upload Submissions"

With ``--lms canvas|moodle``, DIR is the LMS's download (its zip or its folder): ``lms`` reads
it into one submission per student, keyed by the LMS's user id, materialised in a temporary
folder; ``--roster`` adds every student of the LMS's gradebook export (a row with 0, "not
submitted", for those who did not submit) and flags a submission whose id is on no roster.
``--due``/``--late-penalty`` apply a late policy (``late``) where the submission time is known.
``--only ID...`` grades (or regrades) just those students; the gradebook, the report and the
exports are rebuilt from every stored result.

Parallel processes, not threads: about three quarters of a grading's wall time is
the grader's own Python (making inputs, numerical gradients, diagnosing hints),
only the rest waits for the sandboxed child, so threads would queue on the GIL.
The workers are *spawned* (fresh interpreters that inherit nothing of this one),
and each starts its own sandbox child per submission.

Re-runs: the stamp in result.json holds a hash of the submission's files and a
hash of the grader (the ``autograder`` package, tasks.py included, and
``solutions/``). A submission whose stamp still matches is skipped unless
``--force``. result.json is written last, so a matching stamp vouches for the two
files beside it; every file is written atomically (a temp file in the same
folder, then ``os.replace``), so an interrupted run leaves whole files or none.

Failures stay with their student: a submission that cannot be loaded gets its row
with the reason (``grade_submission`` gives it); an exception of the grader, a
worker process that dies, or a submission still grading after ``--timeout`` seconds
gives a ``grader error: ...`` row, which a re-run retries. Names that are not UTF-8
become ids with ``\\xNN`` escapes (``submission.shown``), in folders, CSV and HTML.

The workers die with the main process, even after a ``kill -9`` (Linux), and the
next batch removes the scratch folder that a killed one left in the temp folder.

Ctrl-C stops at once: submissions not started are dropped, the workers grading are
stopped (they clean up their sandboxes), and the gradebook and the report are
rebuilt from the results already written (similarity.csv waits for a run that
finishes). Running the same command again goes on where it stopped.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import functools
import hashlib
import importlib
import io
import json
import multiprocessing
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import late, lms, shards
from .assignment import Assignment, current, grader_hash, use
from .atomic import open_atomic, write_atomic
from .cleanup import LockedFolder
from .cli import UsageError, secret_of, skip_last_collection
from .report import (
    GRADED,
    GRADER_ERROR,
    NOT_GRADED,
    NOT_SUBMITTED,
    STAMP,
    feedback_html,
    feedback_markdown,
    gradescope_results,
    score_text,
)
from .shards import Shard
from .spec import Variant
from .submission import File, Skipped, shown, walk

# The grading stack (numpy, the sandbox, the checks: a tenth of a second to import) is imported
# where it is used: by the workers, and by this process only to write a row itself. The batch's
# process then starts its workers that much sooner.
if TYPE_CHECKING:
    from .grade import GradeResult
    from .isolation import Limits

SUFFIXES = (".zip", ".ipynb")  # removed from an entry's name to give the student id
NOT_STUDENTS = ("__MACOSX",)  # what unpacking a zip on a Mac leaves beside the submissions
NOT_ON_ROSTER, LATE, ID_CLASH = "not on the roster", "late", "id clash"  # flags
STOP_GRACE = 10.0  # seconds a stopped worker gets to clean up its sandbox before it is killed
TIMEOUT_MARGIN = 60.0  # seconds beyond its cases' budget a submission gets: loading, planning, the sandbox
SCRATCH_PREFIX = "autograder-batch-"  # the batches' scratch folders in the temp folder
LMS_PREFIX = "autograder-lms-"  # an LMS download unpacked, in the temp folder
PR_SET_PDEATHSIG = 1  # linux/prctl.h
MAX_ID = 200  # bytes of a student id (a folder name): the escapes of a non-UTF-8 name can quadruple it


@dataclass(frozen=True)
class Job:
    """One submission to grade, and where its files go."""

    student: str
    path: Path
    folder: Path  # OUT/students/<student>
    stamp: dict[str, Any]  # stored with the result: who, from which entry, which content, which grader, ...
    late: dict[str, Any] | None = None  # late.assess: the penalty is taken off the score
    notes: tuple[str, ...] = ()  # about the files (an LMS's re-uploads, skipped files): added to the problems
    variant: Variant | None = None  # the student's own hidden cases (--secret)


@dataclass(frozen=True)
class Entry:
    """One student's submission as the batch found it, and what it knows besides its files."""

    path: Path
    late: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()
    lms: dict[str, Any] = field(default_factory=dict)  # the LMS's name for her and her files' ids
    flags: tuple[str, ...] = ()  # LATE, NOT_ON_ROSTER, ID_CLASH: for the TA


@dataclass
class Summary:
    """What a batch did, by student id."""

    graded: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)  # the submission could not be loaded
    not_submitted: list[str] = field(default_factory=list)  # on the roster, not in the download
    errors: list[str] = field(default_factory=list)  # the grader failed; a re-run retries them
    skipped: list[str] = field(default_factory=list)  # unchanged since the last run
    interrupted: bool = False
    seconds: float = 0.0
    gradebook: Path | None = None
    report: Path | None = None
    exports: list[Path] = field(default_factory=list)  # lms_import.csv, canvas_feedback.zip
    similarity: str = ""  # what similarity.csv holds, in a line
    unattributed: list[str] = field(default_factory=list)  # files of the download that are no one's
    notices: list[str] = field(default_factory=list)  # anything else the TA should read

    def record(self, student: str, status: str) -> None:
        lists = {GRADED: self.graded, NOT_GRADED: self.not_graded, GRADER_ERROR: self.errors,
                 NOT_SUBMITTED: self.not_submitted}
        lists[status].append(student)


# ------------------------------------------------------------------ the submissions and their hashes


def _as_id(name: str) -> str:
    """A name as a student id and folder name: escaped by ``shown`` (a Latin-1 ``José`` is ``Jos\\xe9``).

    An escaped name longer than ``MAX_ID`` bytes (a folder name may have 255) keeps
    its start and a hash of the whole name, so that two long names stay two ids.
    """
    text = shown(name)
    if len(text.encode()) <= MAX_ID:
        return text
    return f"{text[: MAX_ID // 4]}~{hashlib.sha256(os.fsencode(name)).hexdigest()[:16]}"


def _student_id(entry: Path) -> str:
    return _as_id(entry.stem if entry.suffix in SUFFIXES else entry.name)


def _is(entry: Path, folder: Path) -> bool:
    """Whether ``entry`` itself (not what it links to) is ``folder``: resolve() fails on a link loop."""
    try:
        return os.path.samestat(entry.lstat(), folder.stat())
    except OSError:
        return False


@dataclass
class Found:
    """The entries of a class folder: each student's by a unique id, and what is no student's."""

    entries: dict[str, Path] = field(default_factory=dict)
    clashes: dict[str, list[str]] = field(default_factory=dict)  # id -> the other entries it would share
    skipped: list[str] = field(default_factory=list)  # each entry that is no submission, with the reason


def find_submissions(src: Path, out: Path) -> Found:
    """Every entry of ``src`` under an id of its own, and every entry skipped, with its reason.

    An id is the entry's name without ``.zip`` or ``.ipynb``. Entries that would share one
    (``alice/``, ``alice.zip``; or ``alice.zip``'s full name and ``alice.zip.zip``) all keep
    their full names instead (``~2`` on the rare name that is still taken), and are flagged:
    never merged, never dropped. Hidden entries (``.DS_Store``, ``.git``), ``__MACOSX`` and
    OUT itself (when it lies inside SRC) are not students, and are said so.
    """
    found, entries = Found(), []
    for path in sorted(src.iterdir()):
        if path.name.startswith("."):
            found.skipped.append(f"{shown(path.name)}: a hidden entry (its name starts with '.'), not graded")
        elif path.name in NOT_STUDENTS:
            found.skipped.append(f"{shown(path.name)}: what a Mac's zip leaves beside the files, not graded")
        elif _is(path, out):
            found.skipped.append(f"{shown(path.name)}: the batch's own output folder, not graded")
        else:
            entries.append(path)
    wanted = {path: _student_id(path) for path in entries}
    uses = Counter(wanted.values())
    full_names = {_as_id(path.name) for path in entries if uses[wanted[path]] > 1}
    for path in entries:
        clash = uses[wanted[path]] > 1 or (wanted[path] in full_names and wanted[path] != _as_id(path.name))
        student, n = _as_id(path.name) if clash else wanted[path], 2
        while student in found.entries:
            student, n = f"{_as_id(path.name)}~{n}", n + 1
        found.entries[student] = path
        if clash:
            found.clashes[student] = [shown(other.name) for other in entries if other != path
                                      and wanted[path] in (wanted[other], _as_id(other.name))]
    return found


def _feed(digest: Any, file: File) -> None:
    digest.update(f"{file.name}\0".encode())
    try:
        with file.open() as f:  # never through a link, never blocking on a FIFO
            digest.update(f"{file.size}\0".encode())
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except (Skipped, OSError) as exc:  # grading will meet the same and report it for this student alone
        digest.update(f"<unreadable: {exc}>\0".encode("utf-8", "backslashreplace"))


def content_hash(path: Path) -> str:
    """SHA-256 of a submission: every regular file's relative path and bytes (a file: its bytes).

    The files are those ``submission.walk`` finds (links never followed, the depth
    capped), and what it skipped is hashed by its reason: the hash never reads more
    than grading could, and it sees a link or a FIFO appear or go.
    """
    digest = hashlib.sha256()
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        digest.update(f"<unreadable: {exc.strerror}>".encode())
        return digest.hexdigest()
    if not stat.S_ISDIR(mode):
        try:
            _feed(digest, File.at(path, ("",)))
        except Skipped:  # a link, a FIFO, a device: never read
            digest.update(b"<not a regular file>\0")
        return digest.hexdigest()
    walked = walk(path)
    for file in walked.files:
        _feed(digest, file)
    for reason in walked.skipped:
        digest.update(f"<skipped: {reason}>\0".encode())
    return digest.hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(job: Job) -> bool:
    """Whether the stored result was made from this very submission by this very grader."""
    stored = _read_json(job.folder / "result.json")
    stamp = (stored or {}).get(STAMP) or {}
    return (
        all(stamp.get(key) == value for key, value in job.stamp.items())
        and stamp.get("status") != GRADER_ERROR  # the grader's failure may be gone: try again
        and (job.folder / "feedback.md").is_file()
        and (job.folder / "feedback.html").is_file()
        and (job.folder / "results.json").is_file()
    )


# ------------------------------------------------------------------ writing results


def write_student(job: Job, result: GradeResult, status: str) -> None:
    """The student's four files; result.json last, as its stamp vouches for the other three.

    The job's notes join the result's problems and its late penalty comes off the score, so
    every file (the gradebook, Gradescope's score, the feedback) shows the same total.
    """
    result.problems = [*result.problems, *job.notes]
    record = {**job.late, "score_before_penalty": result.score} if job.late else None
    result.score = late.apply(result.score, record)
    job.folder.mkdir(parents=True, exist_ok=True)
    write_atomic(job.folder / "feedback.md", feedback_markdown(result, record))
    write_atomic(job.folder / "feedback.html", feedback_html(result, record))
    write_atomic(job.folder / "results.json", json.dumps(gradescope_results(result), indent=2))
    write_atomic(
        job.folder / "result.json",
        json.dumps({**result.to_json(), "late": record, STAMP: {**job.stamp, "status": status}}, indent=2),
    )


def record_not_submitted(out: Path, student: str, info: dict[str, Any]) -> None:
    """The row of a roster student with no submission: 0, "not submitted" (no grading needed)."""
    from .grade import failed_to_load

    result = failed_to_load(student, current().tasks, NOT_SUBMITTED, time.perf_counter())
    stamp = {"student": student, "entry": "", "lms": info, "flags": []}
    write_student(Job(student, Path(), out / "students" / student, stamp), result, NOT_SUBMITTED)


_grading = False  # in a worker: is a submission being graded right now?


def grade_job(job: Job) -> str:
    """Grade one submission and write its files (in a worker process); returns its status."""
    from .grade import grade_submission

    global _grading
    _grading = True
    try:
        result = grade_submission(job.path, variant=job.variant)
        status = GRADED if any(task.cases for task in result.tasks) else NOT_GRADED
        write_student(job, result, status)
    finally:
        _grading = False
    return status


def record_grader_error(job: Job, why: str) -> str:
    """A row for a student whose grading failed through no fault of theirs."""
    from .grade import failed_to_load

    result = failed_to_load(job.path.name, current().tasks, f"grader error: {why}", time.perf_counter())
    write_student(job, result, GRADER_ERROR)
    return GRADER_ERROR


# ------------------------------------------------------------------ the worker pool


def default_timeout(limits: Limits | None = None) -> float:
    """Seconds one submission may take in its worker before it costs its student a row.

    Its budget (``Limits.total``: every import and call of its student code ends by then),
    one ``Limits.wall`` to spare, and ``TIMEOUT_MARGIN`` for loading, planning the cases and
    starting and stopping the sandbox. Only a grader or a sandbox that fails to enforce its
    own limits can reach it.
    """
    from .isolation import Limits

    limits = limits or Limits()
    return limits.total + limits.wall + TIMEOUT_MARGIN


def _stop_worker(signum: int, frame: object) -> None:
    if _grading:
        raise SystemExit(f"stopped by signal {signum}")  # unwinds grade_submission: its sandbox is closed
    # Idle, or between two jobs inside the pool's own code: nothing of ours to clean up, and an
    # exception there would only print the pool's traceback.
    os._exit(1)


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the batch's main process dies, even by ``kill -9``.

    Linux only (prctl); elsewhere an orphaned worker finishes its submission and exits.
    The kernel sends the signal when the *thread* that started the worker ends: the
    pool starts its workers in ``submit``, on the thread that runs the batch.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the request: no signal will ever come
        os._exit(1)


def _worker_init(scratch: str, parent: int) -> None:
    _die_with(parent)
    skip_last_collection()
    # Ctrl-C reaches the terminal's whole process group; the main process decides, then stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    # Every temporary folder of this worker (sandboxes, unpacked zips) goes under the batch's
    # scratch folder, which the main process removes at the end (or the next batch, if it was
    # killed): a worker stopped between creating a folder and guarding it cannot leave it behind.
    tempfile.tempdir = scratch


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Stop at once: cancel what has not started, stop the workers, kill those that linger."""
    executor.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()  # the pool's workers: the batch starts no other process
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(STOP_GRACE)
        if worker.is_alive():
            worker.kill()
            worker.join()
    executor.shutdown(wait=True)


def _succeeded(future: Future[str]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def grade_in_parallel(
    jobs: list[Job],
    workers: int,
    on_done: Callable[[Job, str], None],
    grade: Callable[[Job], str] = grade_job,
    timeout: float | None = None,
) -> None:
    """Run ``grade`` on every job in ``workers`` spawned processes; ``on_done(job, status)`` as each ends.

    At most ``workers`` jobs are handed out at a time, each with ``timeout`` seconds
    (default: ``default_timeout()``). A job past its time gets a grader-error row; its
    pool is stopped and the other jobs in flight are graded again in a fresh one. A
    worker that dies breaks its pool, which fails every job in flight: alone, that job
    gets the row; with others, each of them is graded again alone, so that only the
    one that kills its worker again gets it. ``grade`` must be a module-level function
    (it is pickled by name).
    """
    timeout = default_timeout() if timeout is None else timeout
    pending = deque(jobs)
    alone: set[str] = set()  # students whose job was in flight when a pool broke: graded one at a time
    running: dict[Future[str], tuple[Job, float]] = {}  # the job and its deadline (time.monotonic)
    executor: ProcessPoolExecutor | None = None

    def may_start(job: Job) -> bool:
        if any(other.student in alone for other, _ in running.values()):
            return False
        return not running if job.student in alone else len(running) < workers

    def finish(future: Future[str], job: Job) -> bool:
        """Record a finished job; False when it was lost to a broken pool (nothing is recorded)."""
        try:
            status = future.result()
        except BrokenProcessPool:
            return False
        except Exception as exc:  # noqa: BLE001 - one student's grading must not stop the class's
            status = record_grader_error(job, f"{type(exc).__name__}: {exc}")
        on_done(job, status)
        return True

    # The workers' temp folder, locked while the batch runs: making it removes what killed batches left.
    with LockedFolder(SCRATCH_PREFIX) as scratch:
        # Searchable by all, listable by none: under the own-uid sandbox (root, no bubblewrap: a pod
        # or Gradescope) the student's uid must reach its sandbox's folder inside.
        scratch.chmod(0o711)
        try:
            while pending or running:
                if executor is None:
                    executor = ProcessPoolExecutor(
                        max(1, min(workers, len(pending))),
                        initializer=_worker_init,
                        initargs=(str(scratch), os.getpid()),
                        mp_context=multiprocessing.get_context("spawn"),
                    )
                broken = False
                while pending and may_start(pending[0]) and not broken:
                    try:
                        future = executor.submit(grade, pending[0])
                    except BrokenProcessPool:  # broke since the last wait; its jobs in flight tell which
                        broken = True
                        continue
                    running[future] = (pending.popleft(), time.monotonic() + timeout)
                first_deadline = min((deadline for _, deadline in running.values()), default=time.monotonic())
                done, _ = wait(running, max(0.0, first_deadline - time.monotonic()), FIRST_COMPLETED)
                lost = []  # jobs failed by a broken pool
                for future in done:
                    job = running.pop(future)[0]
                    if not finish(future, job):
                        lost.append(job)
                if lost or broken:  # every job of a broken pool ends at once: collect them all
                    for future in wait(running).done:
                        job = running.pop(future)[0]
                        if not finish(future, job):
                            lost.append(job)
                    executor.shutdown(wait=True)
                    executor = None
                    if len(lost) == 1:
                        why = "the grading process died (out of memory, or killed)"
                        on_done(lost[0], record_grader_error(lost[0], why))
                    else:
                        alone.update(job.student for job in lost)
                        pending.extendleft(reversed(lost))
                elif any(time.monotonic() >= deadline for _, deadline in running.values()):
                    _stop_workers(executor)
                    executor = None
                    now = time.monotonic()
                    for future, (job, deadline) in running.items():
                        if _succeeded(future):
                            on_done(job, future.result())
                        elif now >= deadline:
                            why = f"grading did not finish within {timeout:g} s"
                            on_done(job, record_grader_error(job, why))
                        else:  # stopped with the late one: graded again
                            pending.appendleft(job)
                    running.clear()
        except BaseException:
            if executor is not None:
                _stop_workers(executor)
                executor = None
            raise
        finally:
            if executor is not None:  # idle workers end (an interpreter's teardown) while the report is made
                executor.shutdown(wait=False)


# ------------------------------------------------------------------ gradebook, report, the command


def each_result(out: Path) -> Iterator[dict[str, Any]]:
    """Every stored result (result.json with a batch stamp) under ``out/students``, by student id,
    read one at a time: a class of thousands is never held whole."""
    folders = sorted((out / "students").iterdir()) if (out / "students").is_dir() else []
    for folder in folders:
        result = _read_json(folder / "result.json")
        if result is not None and isinstance(result.get(STAMP), dict):
            yield result


def class_row(result: dict[str, Any]) -> dict[str, Any]:
    """A stored result as the class's outputs need it: without its cases (most of its size) and the
    record of its isolation; each task keeps its name and score."""
    row = {key: value for key, value in result.items() if key not in ("tasks", "isolation", "sources")}
    row["tasks"] = [_task_score(task["name"], task["score"], task["max_score"]) for task in result["tasks"]]
    return row


@functools.lru_cache(maxsize=4096)
def _task_score(name: str, score: float, max_score: float) -> dict[str, Any]:
    """One task's name and score, one dict for every row that has it (a task scores a few values
    across a class): the rows of 2,000 students hold 51 pointers each, not 51 dicts. Never changed."""
    return {"name": name, "score": score, "max_score": max_score}


def load_results(out: Path) -> list[dict[str, Any]]:
    """The class's rows (``class_row``) of every stored result, by student id."""
    return [class_row(result) for result in each_result(out)]


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula (=, +, -, @) is quoted with a leading '."""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(results: list[dict[str, Any]]) -> str:
    """One row per student: the score of each task (its name as header), total, max, status, problems,
    and what is known of lateness (the total is after the late penalty) and the flags (late, not on
    the roster)."""
    tasks = list(dict.fromkeys(task["name"] for result in results for task in result["tasks"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", *tasks, "total", "max", "status", "problems",
                     "submitted", "days late", "late penalty", "flags"])
    for result in results:
        scores = {task["name"]: float(task["score"]) for task in result["tasks"]}
        record = result.get("late") or {}
        writer.writerow(
            _cell(v)
            for v in [
                result[STAMP]["student"],
                *(scores.get(name, "") for name in tasks),
                float(result["score"]),
                float(result["max_score"]),
                result[STAMP]["status"],
                " | ".join(result["problems"]),
                record.get("submitted") or (record.get("source", "") if record else ""),
                record.get("days_late", ""),
                float(record["penalty"]) if record else "",
                " | ".join(result[STAMP].get("flags", [])),
            ]
        )
    return buffer.getvalue()


def import_report_early() -> None:
    """Import the class report's module in the background (matplotlib takes a quarter of a second).

    For when fewer submissions are left than workers: a core is free from then on, and
    the report is what the batch needs next. ``write_outputs``'s import waits for it.
    """
    module = f"{__package__}.classreport"
    threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def write_outputs(out: Path, notices: list[str] | None = None) -> tuple[Path, Path]:
    """Rebuild gradebook.csv, cases.csv and report.html from every stored result; each total that
    changed since the last gradebook is added to ``notices`` (and shown in the report).

    The results are read once, one at a time: each writes its rows of cases.csv and adds its
    cases to the tasks' statistics, and only its class row is kept (about 3 KB), so the memory
    this takes does not grow by the size of each result.
    """
    from .classdata import CASES_COLUMNS, CASES_CSV, case_rows, changes, previous_totals
    from .classreport import TaskTally, render_html  # here: matplotlib is slow; workers never need it
    from .similarity import load_report_data

    rows, tally = [], TaskTally()
    with open_atomic(out / CASES_CSV) as cases:
        writer = csv.writer(cases)
        writer.writerow(CASES_COLUMNS)
        for result in each_result(out):
            writer.writerows(case_rows(result))
            tally.add(result)
            rows.append(class_row(result))
    gradebook, report = out / "gradebook.csv", out / "report.html"
    changed = changes(previous_totals(gradebook), rows)  # before the gradebook is rewritten
    write_atomic(gradebook, gradebook_csv(rows))
    write_atomic(report, render_html(rows, load_report_data(out), changed, tally.stats()))
    if notices is not None and changed:
        notices.append(f"{len(changed)} total(s) changed since the last gradebook: "
                       + "; ".join(map(str, changed)))
    return gradebook, report


def compare_class(out: Path, submissions: dict[str, Path]) -> str:
    """similarity.csv over the whole class stored in OUT (``similarity.update``), said in a line."""
    from . import similarity  # numpy: this process imports the grading stack only where it needs it

    found = similarity.update(out, submissions)
    return (f"{out / similarity.CSV_NAME} ({len(found.flagged)} flagged pair(s) of {found.students} "
            f"submissions compared; {len(found.left_out)} left out)")


_NAME_COLUMN = {lms.CANVAS: "Student", lms.MOODLE: "Full name"}  # the roster's column of the student's name


@dataclass
class LmsClass:
    """An LMS's download and roster, as ``--lms`` and ``--roster`` give them."""

    kind: str  # lms.CANVAS or lms.MOODLE
    roster: lms.Roster | None = None
    column: str | None = None  # Canvas: the assignment column of lms_import.csv (``--lms-column``)
    roster_file: Path | None = None  # the roster's CSV: a copy goes beside the gradebook, for ``merge``


def _plain_entries(src: Path, out: Path, policy: late.Policy | None, summary: Summary) -> dict[str, Entry]:
    """Every entry of DIR, with the time of an nbgrader ``timestamp.txt`` when there is one; what is
    skipped goes into the summary's notices."""
    entries = {}
    found = find_submissions(src, out)
    summary.notices += [f"skipped {why}" for why in found.skipped]
    for student, path in found.entries.items():
        submitted, note = late.nbgrader_time(path)
        record = late.assess(policy, submitted, False, "nbgrader timestamp.txt", current().total_points)
        flags = (LATE,) if record and record["days_late"] else ()
        notes = (note,) if note else ()
        if student in found.clashes:
            flags += (ID_CLASH,)
            notes += (f"graded as {student}, not {_student_id(path)}: that id would also be "
                      f"{' and '.join(found.clashes[student])}'s",)
        entries[student] = Entry(path, record, notes, flags=flags)
    return entries


def _lms_entries(src: Path, work: Path, course: LmsClass, policy: late.Policy | None,
                 summary: Summary) -> dict[str, Entry]:
    """Every student of the download, materialised under ``work``, with what the LMS says about her."""
    try:
        download = lms.read_download(src, course.kind, work)
    except lms.LmsError as exc:
        raise UsageError(str(exc)) from None
    summary.unattributed = download.skipped
    on_roster = course.roster.by_id() if course.roster else {}
    entries = {}
    for student, files in sorted(download.students.items()):
        path = lms.materialise(files, work / "students")
        moodle = course.kind == lms.MOODLE
        submitted = lms.roster_submission_time(on_roster.get(student, {})) if moodle else None
        source = "Moodle's grading worksheet" if moodle else "Canvas's LATE marker"
        record = late.assess(policy, submitted, files.late_marker, source, current().total_points)
        flags = [LATE] if record and (record["days_late"] or files.late_marker) else []
        if course.roster and student not in on_roster:
            flags.append(NOT_ON_ROSTER)
        name = on_roster.get(student, {}).get(_NAME_COLUMN[course.kind]) or files.name  # the roster's is real
        info = {"lms": course.kind, "name": name, "canvas_prefix": files.canvas_prefix,
                "file_ids": files.file_ids}
        entries[student] = Entry(path, record, tuple(files.notes), info, tuple(flags))
    return entries


def write_lms_exports(out: Path, course: LmsClass, students: set[str], notices: list[str]) -> list[Path]:
    """lms_import.csv (and canvas_feedback.zip for Canvas) for these students, from their stored results.

    What the TA should know (points that differ from the roster's, students the zip leaves out)
    is added to ``notices``.
    """
    results = {r[STAMP]["student"]: r for r in load_results(out) if r[STAMP]["student"] in students}
    max_score = max((float(r["max_score"]) for r in results.values()), default=float(current().total_points))
    written = [out / "lms_import.csv"]
    if mismatch := lms.out_of_mismatch(course.roster, course.column, max_score):
        notices.append(mismatch)
    write_atomic(written[0], lms.import_csv(course.kind, results, course.roster, course.column, max_score))
    if course.kind == lms.CANVAS:
        written.append(out / "canvas_feedback.zip")
        left_out = lms.canvas_feedback_zip(results, out / "students", written[1])
        unmatched = [s for s in left_out if results[s][STAMP]["status"] != NOT_SUBMITTED]
        if unmatched:
            notices.append(f"canvas_feedback.zip leaves out {', '.join(unmatched)}: Canvas cannot match "
                           "an anonymous submission, or one with no file, to a name")
    return written


def run_batch(
    src: Path,
    out: Path,
    jobs: int = 2,
    force: bool = False,
    console: Console | None = None,
    timeout: float | None = None,
    *,
    course: LmsClass | None = None,
    policy: late.Policy | None = None,
    only: list[str] | None = None,
    assignment: Assignment | None = None,
    secret: str | None = None,
    shard: Shard | None = None,
) -> Summary:
    """Grade every submission in ``src`` (a folder, or an LMS's download) into ``out``; see the module.

    ``assignment``: the one to grade (default: ``assignment.current()``); the workers grade it too.
    ``secret``: each student gets hidden cases of their own (``inputs.Variant``); it is never written.
    ``shard``: grade only the students of this slice of the class (``shards``).
    """
    if assignment is not None:
        use(assignment.folder)
    started = time.perf_counter()
    summary = Summary()
    with LockedFolder(LMS_PREFIX) as work:  # the download unpacked: one a kill -9 left goes too
        if course:
            entries = _lms_entries(src, work, course, policy, summary)
        else:
            entries = _plain_entries(src, out, policy, summary)
        roster_ids = course.roster.ids if course and course.roster else []
        shards.write_settings(out, shard, [*entries, *roster_ids], course)
        if shard:
            entries = {student: entry for student, entry in entries.items() if shard.holds(student)}
            roster_ids = [student for student in roster_ids if shard.holds(student)]
        missing = [s for s in only or [] if s not in entries and s not in roster_ids]
        if missing:
            raise UsageError(f"--only: no submission and no roster student with the id {', '.join(missing)}")
        todo = []
        for student, entry in entries.items():
            if only and student not in only:
                continue
            variant = Variant.of(secret, student) if secret else None
            stamp = {
                "student": student,
                "variant": variant.name if variant else None,
                "entry": shown(entry.path.name),
                "submission_sha256": content_hash(entry.path),
                "grader_sha256": grader_hash(),
                "late": entry.late,
                "notes": list(entry.notes),
                "lms": entry.lms,
                "flags": list(entry.flags),
            }
            job = Job(student, entry.path, out / "students" / student, stamp, entry.late, entry.notes,
                      variant)
            if not force and not only and is_current(job):
                summary.skipped.append(student)
            else:
                todo.append(job)
        console = console or Console(stderr=True)
        with Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as progress:
            bar = progress.add_task("", total=len(todo))

            left = len(todo)
            if left < jobs:
                import_report_early()

            def done(job: Job, status: str) -> None:
                nonlocal left
                summary.record(job.student, status)
                progress.update(bar, advance=1, description=job.student)
                left -= 1
                if left == jobs - 1:  # from now on a worker has nothing left to do
                    import_report_early()

            try:
                grade_in_parallel(todo, jobs, done, timeout=timeout)
            except KeyboardInterrupt:
                summary.interrupted = True
        if not summary.interrupted:  # here, while an LMS download is still unpacked: the code is read from it
            summary.similarity = compare_class(out, {student: e.path for student, e in entries.items()})
    for student, row in (course.roster.by_id() if roster_ids else {}).items():
        if student in roster_ids and student not in entries and (not only or student in only):
            name = row.get(_NAME_COLUMN[course.kind], "")
            record_not_submitted(out, student, {"lms": course.kind, "name": name})
            summary.record(student, NOT_SUBMITTED)
    summary.gradebook, summary.report = write_outputs(out, summary.notices)
    if course:
        summary.exports = write_lms_exports(out, course, set(entries) | set(roster_ids), summary.notices)
    summary.seconds = time.perf_counter() - started
    return summary


def describe(summary: Summary, jobs: int) -> str:
    """The few lines printed at the end of a batch."""
    ran = len(summary.graded) + len(summary.not_graded) + len(summary.errors)
    lines = [
        f"{ran} submission(s) graded in {summary.seconds:.1f} s with {jobs} worker(s): "
        f"{len(summary.graded)} graded, {len(summary.not_graded)} could not be graded, "
        f"{len(summary.errors)} grader error(s); "
        f"{len(summary.skipped)} skipped (unchanged; --force regrades)"
    ]
    if summary.not_submitted:
        lines.append(f"{len(summary.not_submitted)} roster student(s) did not submit: "
                     + ", ".join(summary.not_submitted))
    if summary.unattributed:
        more = " ..." if len(summary.unattributed) > 5 else ""
        lines.append(f"{len(summary.unattributed)} file(s) of the download are no student's: "
                     + "; ".join(summary.unattributed[:5]) + more)
    lines += summary.notices
    if summary.errors:
        lines.append("grader errors (retried on the next run): " + ", ".join(summary.errors))
    if summary.interrupted:
        lines.append("interrupted: the results above are kept; run the same command again to grade the rest")
    lines += [f"gradebook: {summary.gradebook}", f"report:    {summary.report}"]
    if summary.similarity:
        lines.append(f"similarity: {summary.similarity}")
    lines += [f"for the LMS: {path}" for path in summary.exports]
    return "\n".join(lines)


def command(args: argparse.Namespace) -> int:
    """``autograder batch DIR --out OUT [--jobs N] [--force] [--timeout S] [--lms L [--roster CSV]]
    [--only ID...] [--due ...]``: 0 when the batch ran, 130 when interrupted."""
    src, out = Path(args.dir), Path(args.out)
    if args.lms is None and not src.is_dir():
        raise UsageError(f"{args.dir} is not a folder of submissions")
    if args.lms is not None and not src.exists():
        raise UsageError(f"{args.dir} does not exist (expected the {args.lms} download: a zip or a folder)")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    if out.resolve() == src.resolve():
        raise UsageError("--out must not be the folder of submissions itself")
    if (args.roster or args.lms_column) and args.lms is None:
        raise UsageError("--roster and --lms-column need --lms canvas or --lms moodle")
    try:
        policy = late.make_policy(args.due, args.late_penalty, args.late_cap, args.penalize_late_marker)
        roster = lms.read_roster(Path(args.roster), args.lms) if args.roster else None
    except (late.PolicyError, lms.LmsError) as exc:
        raise UsageError(str(exc)) from None
    try:
        (out / "students").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out}: {exc.strerror}") from None
    course = LmsClass(args.lms, roster, args.lms_column, Path(args.roster) if args.roster else None) \
        if args.lms else None
    shard = shards.parse(args.shard) if args.shard else None
    summary = run_batch(src, out, args.jobs, args.force, timeout=args.timeout, course=course,
                        policy=policy, only=args.only, secret=secret_of(args), shard=shard)
    Console().print(class_table(load_results(out)))
    print(describe(summary, args.jobs))
    return 130 if summary.interrupted else 0


def class_table(results: list[dict[str, Any]]) -> Table:
    """The class at a glance: each student's total, flags and, where points were lost, the weakest task."""
    from .classreport import weakest_task

    grid = Table(title="the class")
    for column in ("student", "total", "status", "flags", "weakest task"):
        grid.add_column(column, justify="right" if column == "total" else "left")
    for result in results:
        grid.add_row(
            escape(result[STAMP]["student"]),
            f"{score_text(result['score'])} / {score_text(result['max_score'])}",
            result[STAMP]["status"],
            ", ".join(result[STAMP].get("flags", [])),
            escape(weakest_task(result)[:80]),
        )
    return grid
