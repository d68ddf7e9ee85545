"""Run untrusted student code in a fresh, limited, isolated child interpreter.

The child is *started* (``python -I``), never forked from the grader, so it holds
nothing of the grader's memory: no reference, no hidden case. It only computes:
the grader keeps the reference, makes the cases' inputs, takes the numerical
gradients and judges. Values cross two pipes in the ``protocol`` format (plain
arrays, never a pickle, size-capped); what the child prints goes to a file,
read back capped as the student's output, never as a result.

What protects a run (``limits`` does the work in the child, at its start):

- As root (Gradescope, CI): the child runs as a uid of its own, taken from a
  range no account uses and held by a lock for the sandbox's life, with no
  supplementary group and no_new_privs; it cannot signal the grader, and the
  sandbox's files are root's, readable by that uid only (another sandbox's are
  not). Where the kernel permits (``isolation()`` says what was applied): no
  network (a new network namespace); the project (reference, hidden cases), the
  grader's home and /run hidden under empty tmpfs in a new mount namespace,
  with small private /tmp and /dev/shm; a pid namespace of its own.
- Without root: the child runs as the grader's user with the rlimits only; it
  could read the grader's files and signal the grader. Grade untrusted code as
  root, or in a container.
- Always: rlimits (CPU time and memory per case, file size, open files, core
  dumps; process count under the sandbox's own uid only), a wall-clock limit
  per call enforced here, one forked worker per case (``child``), so a crash,
  a patched numpy or a leftover thread or process ends with its case.

A call that overruns its wall-clock limit, or a child that dies, costs that
call: the whole child is killed (``_stop``) and the next call starts a new one.
A module whose import times out or crashes is not imported again: its later
calls fail at once with that reason. Nothing outlives ``close()``: as root,
every process of the sandbox's uid is stopped then killed, wherever it went
(with a pid namespace the kernel kills them too); without root, every
descendant of the launcher (the child and the launcher are subreapers, so
detached processes stay descendants, unless the student kills them first:
without root that cannot be prevented). The launcher reaps them all, then ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import importlib.util
import json
import os
import pwd
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .child import StudentError, describe_end
from .limits import kill_tree, kill_user, processes
from .protocol import ProtocolError, decode, encode, read_message, write_message
from .runner import Outcome, outcome_from, to_wire

HERE = Path(__file__).resolve().parent
RUNTIME = ("limits.py", "child.py", "protocol.py")  # the child's whole program
OUTPUT_SHOWN = 4000  # characters of the student's printed output kept per call
STARTUP = 30.0  # seconds for the launcher to start its child (or to end), whatever the per-call limit
UID_BASE, UID_COUNT = 1_900_000_000, 10_000  # the sandboxes' own uids: no account has them
UID_LOCKS = Path("/run/autograder-sandbox")


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child. Times in seconds, sizes in bytes."""

    wall: float = 20.0  # one call, wall clock (the slowest honest char-RNN training takes ~1 s)
    total: float = 300.0  # one whole submission: cases not started by then fail (Gradescope stops at 600)
    cpu: int = 60  # one case (one worker process), CPU time
    memory: int = 2**30  # address space of each process (numpy alone takes ~150 MB)
    file_size: int = 16 * 2**20  # any file written, the output printed during one call included
    open_files: int = 64
    processes: int = 32  # processes and threads of the sandbox's own uid (root only)
    scratch: int = 64 * 2**20  # each private tmpfs (/tmp, /dev/shm) where there is a mount namespace
    result_bytes: int = 32 * 2**20  # one reply of the child


class SandboxError(RuntimeError):
    """The sandbox itself cannot run (the platform, not the student): grading must stop."""


class _DeadlineReader:
    """A file-like reader of a pipe that gives up at a deadline.

    It reads whatever the pipe holds (up to 1 MB) and keeps the rest for the next
    ``read``: a reply is one system call, not one per field. Made per reply, and a
    reply is the last thing the child sends before it waits, so nothing is lost.
    """

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline, self.pending = fd, deadline, b""

    def read(self, n: int) -> bytes:
        if not self.pending:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError
            self.pending = os.read(self.fd, max(n, 1 << 20))
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


class _DeadlineWriter:
    """A file-like writer to a non-blocking pipe that gives up at a deadline (a child may stop reading)."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline = fd, deadline

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                raise TimeoutError
            try:
                view = view[os.write(self.fd, view[: 1 << 16]) :]
            except BlockingIOError:
                continue

    def flush(self) -> None:
        pass


def _grader_paths() -> list[str]:
    """The folders the student's code must not see: the project, the reference, the grader's home, /run."""
    paths = {HERE, HERE.parent, Path("/run")}
    spec = importlib.util.find_spec("solutions")
    paths |= {Path(p) for p in (spec.submodule_search_locations or [])} if spec else set()
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    if len(home.resolve().parts) > 1:  # never "/" (an account whose home is the root)
        paths.add(home)
    return sorted({os.path.realpath(p) for p in paths if p.is_dir()})


def _probe_files() -> list[str]:
    """Files the child must not be able to read: it reports which ones it can."""
    spec = importlib.util.find_spec("solutions")
    folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return [str(HERE / "tasks.py")] + sorted(str(p) for folder in folders for p in folder.glob("*.py"))


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold off Ctrl-C and stop signals while the sandbox's processes are half killed.

    Their handlers may raise anywhere (KeyboardInterrupt; a batch's workers raise
    SystemExit on SIGTERM): raised between stopping the sandbox's processes and
    killing them, it would leave them stopped for ever, and the folders in place.
    A signal that comes meanwhile is delivered when the block ends.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _claim_uid() -> tuple[int, int]:
    """A uid (the gid of the same number) that no account has and no other sandbox holds, and its lock.

    The lock (``flock``, released when this process ends, however it ends) makes
    the uid this sandbox's alone, so that killing every process of the uid kills
    only what this sandbox started, and the process count limit counts only them.
    A uid that some process still has is passed over: a leftover of a grader that
    died is killed, and a zombie (which an init that does not reap may keep for a
    while) would still count against the process limit.
    """
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(UID_LOCKS)
    if info.st_uid != 0 or not os.path.isdir(UID_LOCKS) or os.path.islink(UID_LOCKS) or info.st_mode & 0o077:
        raise SandboxError(f"{UID_LOCKS} must be a folder of root's, closed to others")
    start = os.getpid() % UID_COUNT
    for step in range(UID_COUNT):
        uid = UID_BASE + (start + step) % UID_COUNT
        if _has_name(uid):
            continue
        lock = os.open(UID_LOCKS / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            continue
        if any(uid in proc.uids for proc in processes().values()):
            kill_user(uid)
            os.close(lock)
            continue
        return uid, lock
    raise SandboxError(f"all {UID_COUNT} sandbox uids are in use")


def _has_name(uid: int) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False


def _copy_files(source: Path, target: Path) -> None:
    """Copy a folder's regular files and folders only: a symlink could point at the grader's files."""

    def plain(path: str) -> bool:
        return not os.path.islink(path) and (os.path.isfile(path) or os.path.isdir(path))

    def skip(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if not plain(os.path.join(folder, name))]

    shutil.copytree(source, target, ignore=skip)


def _give(path: Path, uid: int, gid: int, mode: int) -> None:
    """Set owner and mode of ``path`` and of all under it (files lose the execute bits)."""
    for folder, _, files in os.walk(path):
        os.chown(folder, uid, gid)
        os.chmod(folder, mode)
        for name in files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)
            os.chmod(os.path.join(folder, name), mode & 0o666)


class Sandbox:
    """A student's submission, callable function by function in an isolated child."""

    def __init__(self, package_dir: str | os.PathLike, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.process: subprocess.Popen | None = None
        self.root: Path | None = None
        self.starts = 0
        self.uid, self._uid_lock = _claim_uid() if os.geteuid() == 0 else (None, None)
        try:
            self.root = Path(tempfile.mkdtemp(prefix="autograder-"))
            self.source = self.root / "source"  # the grader's copy: each child starts from it afresh
            _copy_files(Path(package_dir), self.source)
            if self.uid is not None:
                os.chown(self.root, 0, self.uid)
                os.chmod(self.root, 0o710)  # the sandbox's uid may pass through, not list
        except BaseException:  # interrupted or failed: leave no folder and no lock behind
            self.close()
            raise
        self.output_path = self.root / "output.log"
        self._hello: dict[str, Any] = {}
        self._imported: set[str] = set()  # modules imported by the current case's worker
        self._broken: dict[str, StudentError] = {}  # modules whose import timed out or crashed
        self._in_case = False

    # --- the child's life --------------------------------------------------------------------------

    def _prepare(self, run: Path) -> None:
        """The folders of one child: its program, a fresh copy of the submission, its scratch folder."""
        run.mkdir()
        (run / "runtime").mkdir()
        for name in RUNTIME:
            shutil.copy(HERE / name, run / "runtime" / name)
        _copy_files(self.source, run / "submission")
        (run / "scratch").mkdir()
        if self.uid is not None:
            # Root owns the program and the submission (the student cannot change what the
            # next child runs as root, nor its own files); the sandbox's gid may read them.
            _give(run, 0, self.uid, 0o750)
            _give(run / "scratch", self.uid, self.uid, 0o700)

    def _start(self) -> None:
        run = self.root / f"run-{self.starts}"
        self.starts += 1
        self._prepare(run)
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        config = {
            "uid": self.uid,
            "limits": asdict(self.limits),
            "hide": _grader_paths(),
            "scratch": sorted(
                {os.path.realpath(p) for p in ("/tmp", "/var/tmp", "/dev/shm", tempfile.gettempdir())}
            ),
            "scratch_bytes": self.limits.scratch,
            "keep": [str(self.root)],
            "probe": _probe_files(),
            "package": str(run / "submission"),
            "cwd": str(run / "scratch"),
            "requests": requests_r,
            "responses": responses_w,
            "max_bytes": self.limits.result_bytes,
        }
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": config["cwd"],
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",  # BLAS threads would count against the process and memory limits
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "AUTOGRADER_SANDBOX": json.dumps(config),
        }
        # Appending (O_APPEND): after the grader empties the file, the child's next write lands at its start.
        self._output = open(self.output_path, "ab")  # noqa: SIM115 - closed in _stop
        self._output.truncate(0)
        self._requests, self._responses, self._run = requests_w, responses_r, run
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(run / "runtime" / "limits.py")],
                cwd=config["cwd"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=self._output,
                pass_fds=(requests_r, responses_w),
                start_new_session=True,  # its own process group: killpg reaches the launcher and the child
            )
        except BaseException:
            self._release_files()
            raise
        finally:
            os.close(requests_r)
            os.close(responses_w)
        os.set_blocking(requests_w, False)
        try:
            hello = decode(*read_message(_DeadlineReader(responses_r, time.monotonic() + STARTUP)))
            self._hello = hello["ready"]
        except BaseException as exc:
            why = self._read_output().strip() or type(exc).__name__
            self._stop()
            if isinstance(exc, TimeoutError | EOFError | OSError | ProtocolError | KeyError | TypeError):
                raise SandboxError(f"the sandbox's child did not start: {why[-1500:]}") from None
            raise

    def _stop(self) -> None:
        """Kill the child and everything it started, wherever it went; remove its folders."""
        with _uninterrupted():
            process, self.process = self.process, None
            if process is None:
                return
            # Not the launcher: it reaps what dies (it is a subreaper), then ends by itself.
            if self.uid is None:
                kill_tree(process.pid, include_root=False)
            else:
                kill_user(self.uid)  # every process of the sandbox's uid, wherever it went
            try:
                process.wait(timeout=STARTUP)
            except subprocess.TimeoutExpired:  # a launcher that does not end: its group goes
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            self._release_files()
        self._imported.clear()
        self._in_case = False

    def _release_files(self) -> None:
        for fd in (self._requests, self._responses):
            try:
                os.close(fd)
            except OSError:
                pass
        self._output.close()
        shutil.rmtree(self._run, ignore_errors=True)

    def _death(self) -> StudentError:
        """Why the child (not a worker: the child reports those) ended in the middle of a call."""
        try:
            code = self.process.wait(timeout=5) if self.process else 0
        except subprocess.TimeoutExpired:
            return StudentError("Crash", "the student's process ended in the middle of a call")
        # The launcher passes the child's death by signal s on as exit status 128 + s.
        return StudentError("Crash", describe_end(128 - code if code > 128 else code))

    def _read_output(self) -> str:
        """What was printed since the last look, capped; the file restarts empty for the next call."""
        try:
            with open(self.output_path, "rb") as f:
                text = f.read(OUTPUT_SHOWN + 1)
            os.truncate(self.output_path, 0)
        except OSError:
            return ""
        shown = text[:OUTPUT_SHOWN].decode(errors="replace")
        return shown + ("\n[... output cut ...]" if len(text) > OUTPUT_SHOWN else "")

    def _exchange(self, request: dict[str, Any]) -> Outcome:
        """Send one request and wait at most ``wall`` for its reply; a failure becomes the outcome's error."""
        if self.process is None:
            self._start()
        self._in_case = True
        deadline = time.monotonic() + self.limits.wall
        try:
            write_message(_DeadlineWriter(self._requests, deadline), *encode(request))
            outcome = outcome_from(
                decode(*read_message(_DeadlineReader(self._responses, deadline), self.limits.result_bytes))
            )
        except TimeoutError:
            self._stop()
            why = f"the call did not finish within {self.limits.wall:g} s (an endless loop, or far too slow)"
            outcome = Outcome(error=StudentError("Timeout", why + " and was stopped"))
        except (EOFError, OSError):
            outcome = Outcome(error=self._death())
            self._stop()
        except ProtocolError as exc:
            self._stop()
            outcome = Outcome(
                error=StudentError("BadResult", f"the student's process sent a malformed result: {exc}")
            )
        except BaseException:  # interrupted (Ctrl-C, a stop signal) in mid-message: the channel is lost
            self._stop()
            raise
        outcome.output = self._read_output()
        return outcome

    # --- the runner interface ----------------------------------------------------------------------

    def call(
        self, function: str, args: list[Any], keep: tuple[int, ...] = (), global_seed: int | None = None
    ) -> Outcome:
        module = function.split(".")[0]
        if module in self._broken:
            return Outcome(error=self._broken[module])
        printed = ""
        if module not in self._imported:
            loaded = self._exchange({"op": "import", "module": module})
            if loaded.error is not None:
                if loaded.error.type_name in ("Timeout", "Crash", "BadResult"):  # not an exception it raised
                    loaded.error = self._broken[module] = StudentError(
                        loaded.error.type_name, f"{module}.py could not be imported: {loaded.error.message}"
                    )
                return loaded
            self._imported.add(module)
            printed = loaded.output
        outcome = self._exchange(
            {
                "op": "call",
                "function": function,
                "args": to_wire(args),
                "keep": list(keep),
                "global_seed": global_seed,
            }
        )
        outcome.output = printed + outcome.output
        return outcome

    def release(self) -> None:
        """End the case: its worker, the objects it kept and every process it left."""
        if self.process is not None and self._in_case:
            self._exchange({"op": "drop"})  # what was printed after the last call belongs to no case
        self._imported.clear()
        self._in_case = False

    def isolation(self) -> dict[str, Any]:
        """What protected this run, as the child found it at its (last) start, for the result's record."""
        return {
            "mode": "subprocess",
            "per_case": "a forked worker process",
            **self._hello,
            "limits": asdict(self.limits),
            "child_starts": self.starts,
        }

    def close(self) -> None:
        """Kill everything the sandbox started, remove its folders, give its uid back."""
        with _uninterrupted():
            self._stop()
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None
            if self._uid_lock is not None:
                os.close(self._uid_lock)
                self._uid_lock = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
