"""Run untrusted student code in a fresh, limited, isolated child interpreter.

The child is *started* (``python -I -S``), never forked from the grader, so it
holds nothing of the grader's memory: no reference, no hidden case. It only
computes: the grader keeps the reference, makes the cases' inputs, takes the
numerical gradients and judges. Values cross two pipes in the ``protocol``
format (plain arrays, never a pickle, size-capped); what the child prints goes
to a file, read back capped as the student's output, never as a result.

Three ways to isolate it, the strongest the platform allows (``isolation.backends()``;
every result's ``isolation`` record says which one ran and what it applied):

``bubblewrap``
    The child starts in an EMPTY root (bubblewrap, the sandbox Flatpak is built
    on) that holds, read-only, only what it needs: the system's ``/usr``, the
    Python installation, the packages a student may import (numpy, scipy,
    matplotlib and what they need: the grader's own copies; matplotlib headless,
    imported once by the child when the submission names it, ``preloaded``), the
    child's program and this one submission (compiled here, once); with a
    small private ``/tmp`` and ``/dev/shm``, its own ``/proc`` and ``/dev``, and
    new mount, pid, IPC, network and UTS namespaces. Anything of the grader's
    that lies inside those folders (the reference installed in site-packages, a
    checkout under ``/usr``) is covered by an empty tmpfs. It dies with the
    grader (``--die-with-parent``): no orphan outlives a ``kill -9``. As root,
    the child drops to a uid of its own with no group (a host uid no account
    has, stronger than a user namespace's mapped root); without root, bubblewrap
    runs it in a user namespace, where its process count is its own.
``own-uid`` (root without bubblewrap: Gradescope's containers forbid namespaces)
    The child runs as a uid of its own, taken from a range no account uses and
    held by a lock for the sandbox's life, with no group and no_new_privs: it
    cannot signal the grader nor write the grader's files, and the sandbox's
    folders are readable by that uid only. It sees every file the world may read.
``rlimits`` (no root, no bubblewrap: macOS, a locked-down Linux)
    The child runs as the grader's user with the resource limits only: it can
    read and write what the grader can. ``isolation.warning()`` says so on stderr; grade
    untrusted code as root or with bubblewrap (``--require-isolation`` refuses).

Always: rlimits (CPU time and address space per process, file size, open files,
no core dumps; the process count where it counts the sandbox's processes only),
a cgroup for the whole sandbox's memory and process count where the grader may
make one (root), a wall-clock limit per call enforced here, and forked workers
(``child.serve``): a fresh one after any failed case and for every module, and
with each worker its processes, scratch files and IPC objects removed.

A call that overruns its wall-clock limit, or a child that dies, costs that
call: the whole child is killed (``_stop``) and the next call starts a new one.
A module whose import times out or crashes is not imported again: its later
calls fail at once with that reason. Nothing outlives ``close()``: the sandbox's
pid namespace, or every process of its uid, or every descendant of the child
(a subreaper) is killed; its folders are removed, and folders that a killed
grader left behind are removed by the next sandbox made in the same temporary
folder (each holds a lock while its sandbox lives).
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .child import StudentError, describe_end
from .cleanup import (
    LockedFolder,
    become_subreaper,
    children_of,
    clear_ipc,
    flock,
    kill_namespace,
    kill_tree,
    kill_user,
    processes,
    reap,
    remove_files_of,
)
from .isolation import (
    HERE,
    INSIDE,
    LEVELS,
    PREFIX,
    STARTUP,
    Limits,
    SandboxError,
    backends,
    best_backend,
    bwrap_command,
    probe_files,
    student_packages,
    warning,
)
from .protocol import ProtocolError, decode, encode, read_message, write_message
from .runner import Outcome, cell_problems, outcome_from, to_wire

RUNTIME = ("limits.py", "child.py", "protocol.py", "cleanup.py", "notebook_runtime.py")  # the child's program
OUTPUT_SHOWN = 4000  # characters of the student's printed output kept per call
PRELOAD = {"matplotlib.pyplot": b"matplotlib"}  # a library, and what in the submission's code calls for it
IMPORT_LIMIT = 5.0  # seconds at least for importing a student's module (numpy is already imported)
PIPE_CAPACITY = 1 << 16  # bytes a pipe holds (Linux, macOS): the most one read of it can give
UID_BASE, UID_COUNT = 1_900_000_000, 10_000  # the sandboxes' own uids: no account has them
UID_LOCKS = Path("/run/autograder-sandbox")


# --- the sandbox's folders, uid and cgroup -------------------------------------------------------------

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
        if not flock(lock, blocking=False):
            os.close(lock)
            continue
        if any(uid in proc.uids for proc in processes().values()):
            kill_user(uid)
            os.close(lock)
            continue
        return uid, lock
    raise SandboxError(f"all {UID_COUNT} sandbox uids are in use")


def _has_name(uid: int) -> bool:
    import grp
    import pwd

    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False


class _Cgroup:
    """Memory and process caps for everything a sandbox runs (root, cgroup v2 or v1); absent elsewhere.

    Each cgroup is held by a lock in ``UID_LOCKS`` for its sandbox's life, taken before the
    cgroup is made: a cgroup whose lock nobody holds was left by a grader that was killed,
    and the next sandbox removes it.
    """

    V2 = Path("/sys/fs/cgroup")
    V1 = {"memory": Path("/sys/fs/cgroup/memory"), "pids": Path("/sys/fs/cgroup/pids")}

    def __init__(self, name: str, memory: int, tasks: int) -> None:
        self.name = name
        self.folders: list[Path] = []
        self.caps: dict[str, int] | None = None  # what was applied, for the result's isolation record
        self._lock: int | None = None
        if os.geteuid() != 0:
            return
        controllers = (self.V2 / "cgroup.subtree_control")
        settings: dict[Path, dict[str, int]]
        if controllers.is_file() and {"memory", "pids"} <= set(controllers.read_text().split()):
            settings = {self.V2 / name: {"memory.max": memory, "memory.swap.max": 0, "pids.max": tasks}}
        elif all(folder.is_dir() for folder in self.V1.values()):
            settings = {self.V1["memory"] / name: {"memory.limit_in_bytes": memory},
                        self.V1["pids"] / name: {"pids.max": tasks}}
        else:
            return
        bases = {folder.parent for folder in settings}
        try:
            for base in bases:
                self._remove_abandoned(base)
            self._lock = self._hold(name)
            if self._lock is None:
                raise OSError(f"the cgroup {name} is another sandbox's")
            for folder, values in settings.items():
                folder.mkdir()
                self.folders.append(folder)
                for key, value in values.items():
                    with contextlib.suppress(FileNotFoundError):  # memory.swap.max: only with swap accounting
                        (folder / key).write_text(str(value))
            self.caps = {"memory": memory, "tasks": tasks}
        except OSError:  # not ours to make here (a container): the rlimits remain
            self.remove()

    @staticmethod
    def _hold(name: str) -> int | None:
        """The lock of the cgroup ``name``, held; None when another process holds it."""
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        lock = os.open(UID_LOCKS / f"cgroup-{name}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if flock(lock, blocking=False):
            return lock
        os.close(lock)
        return None

    @classmethod
    def _remove_abandoned(cls, base: Path) -> None:
        """Remove the sandbox cgroups under ``base`` that no live sandbox holds.

        What ran in them died with its grader (``--die-with-parent``, or the uid's sweep), so
        they are empty: one that still holds a process is not removed (the kernel refuses).
        """
        for folder in base.glob(f"{PREFIX}*"):
            lock = cls._hold(folder.name)
            if lock is None:  # a live sandbox's
                continue
            try:
                folder.rmdir()
                (UID_LOCKS / f"cgroup-{folder.name}").unlink(missing_ok=True)
            except OSError:
                pass
            finally:
                os.close(lock)

    def join(self) -> None:
        """Move the calling process (and so all it starts) into the cgroup."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text("0")

    def remove(self) -> None:
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
        if self._lock is not None:
            if not any(folder.exists() for folder in self.folders):  # else the next sandbox removes it
                (UID_LOCKS / f"cgroup-{self.name}").unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None
        self.folders = []


# --- reading and writing the pipes with deadlines ------------------------------------------------------

class _DeadlineReader:
    """A file-like reader of a pipe that gives up at a deadline.

    It reads whatever the pipe holds (a pipe holds 64 KiB) and keeps the rest for the next
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
            self.pending = os.read(self.fd, max(n, PIPE_CAPACITY))
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


@contextlib.contextmanager
def _uninterrupted() -> Iterator[set[signal.Signals]]:
    """Hold off Ctrl-C and stop signals while the sandbox's processes are half killed, or forked.

    Their handlers may raise anywhere (KeyboardInterrupt; a batch's workers raise
    SystemExit on SIGTERM): raised between stopping the sandbox's processes and
    killing them, it would leave them stopped for ever, and the folders in place;
    raised while a process forks, in an at-fork hook, Python prints it and goes on
    as if it never came. A signal that comes meanwhile is delivered when the block
    ends. Gives the mask before it (for a forked child to restore).
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        yield previous
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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


def preloaded(package: Path) -> list[str]:
    """The libraries a submission's code names that the child imports once, before it forks its
    workers (matplotlib's pyplot costs a third of a second, and would cost it in every worker)."""
    text = b"".join(path.read_bytes() for path in package.glob("*.py"))
    return [module for module, mark in PRELOAD.items() if mark in text]


# --- the sandbox -----------------------------------------------------------------------------------------

class Sandbox:
    """A student's submission, callable function by function in an isolated child."""

    def __init__(self, package_dir: str | os.PathLike, limits: Limits | None = None,
                 backend: str | None = None) -> None:
        self.limits = limits = limits or Limits()
        self.backend = backend or best_backend()
        if self.backend not in backends():
            raise SandboxError(f"the {self.backend} sandbox is not available here")
        self.process: subprocess.Popen | None = None
        self._inits: set[int] = set()  # bubblewrap's namespace init: it may outlive its launcher
        self.root: LockedFolder | None = None
        self.cgroup: _Cgroup | None = None
        self.starts = 0
        as_root = os.geteuid() == 0
        become_subreaper()  # whatever the sandbox leaves orphaned comes back here to be reaped
        self.uid, self._uid_lock = _claim_uid() if as_root and self.backend != "rlimits" else (None, None)
        try:
            self.root = LockedFolder(PREFIX)
            self.source = self.root.path / "source"  # the grader's copy: each child starts from it afresh
            _copy_files(Path(package_dir), self.source)
            # Compiled once, here (compiling runs none of it), not in every child: the child writes no
            # bytecode, reads the libraries' own, and finds the student's read-only in its copy of the
            # submission, so no worker can leave compiled code behind for the next one.
            compileall.compile_dir(self.source, maxlevels=0, quiet=2)
            if self.uid is not None:
                os.chown(self.root.path, 0, self.uid)
                os.chmod(self.root.path, 0o710)  # the sandbox's uid may pass through, not list
            self.cgroup = _Cgroup(self.root.path.name, limits.case_memory, limits.processes + 2)
        except BaseException:  # interrupted or failed: leave no folder and no lock behind
            self.close()
            raise
        self.output_path = self.root.path / "output.log"
        self._preload = preloaded(self.source)
        self._hello: dict[str, Any] = {}
        self.problems: list[str] = []  # the notebooks' cells that raised, each said once
        self._imported: set[str] = set()  # modules imported by the current case's worker
        self._broken: dict[str, StudentError] = {}  # modules whose import timed out or crashed
        self._timeouts: Counter[str] = Counter()  # functions that ran out of time, how often
        self._call_limit = limits.wall
        self._deadline: float | None = None  # every call ends by it (run_plan: the task's share of the time)
        self._deadline_why = ""
        self._cut = False  # the last request ran out of the deadline's time, not of its own limit
        self._in_case = False
        self._forget = False  # the worker must forget the last case's kept objects before its next call
        self._ready = False
        # Started now: the child imports numpy while the grader makes ready what it needs.
        try:
            self._start()
        except BaseException:
            self.close()
            raise

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

    def _config(self, run: Path, requests: int, responses: int) -> dict[str, Any]:
        """What ``limits.main`` needs: where things are as the child sees them, and the limits."""
        jailed = self.backend == "bubblewrap"
        where = INSIDE if jailed else run
        packages = student_packages()
        site = [str(INSIDE / "site")] if jailed else sorted({str(Path(p).parent) for p in packages.values()})
        return {
            "uid": self.uid,
            "limits": asdict(self.limits),
            # RLIMIT_NPROC counts a user's processes: a user namespace or a uid of its own makes them ours.
            "count_processes": jailed or self.uid is not None,
            "probe": probe_files(),
            "site": site,
            "package": str(where / "submission"),
            "cwd": "/tmp" if jailed else str(run / "scratch"),
            "scratch": ["/tmp", "/dev/shm"] if jailed else [str(run / "scratch")],
            "clear_ipc": jailed,  # an IPC namespace of its own: every object in sight is the sandbox's
            "requests": requests,
            "responses": responses,
            "max_bytes": self.limits.result_bytes,
            "preload": self._preload,
        }

    def _command(self, run: Path) -> list[str]:
        if self.backend == "bubblewrap":
            return bwrap_command(run, self.limits, [str(INSIDE / "runtime" / "limits.py")])
        return [sys.executable, "-I", "-S", "-B", str(run / "runtime" / "limits.py")]

    def _start(self) -> None:
        """Start a child: its folders, then the process; ``_await_ready`` waits for it to say it runs."""
        run = self.root.path / f"run-{self.starts}"
        self.starts += 1
        self._prepare(run)
        if self.cgroup is not None and not all(folder.is_dir() for folder in self.cgroup.folders):
            # Removed under us (a grader of another version took it for a killed one's): make it again,
            # rather than fail to join it in the forked child.
            self.cgroup.remove()
            self.cgroup = _Cgroup(self.root.path.name, self.limits.case_memory, self.limits.processes + 2)
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        config = self._config(run, requests_r, responses_w)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": config["cwd"],
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",  # BLAS threads would count against the process and memory limits
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            # Plots are drawn headless; matplotlib's font cache is made once per child, kept for its workers.
            "MPLBACKEND": "Agg",
            # The child builds matplotlib's font cache once, when it preloads pyplot; its workers inherit the
            # loaded library, so the folder may go with each worker's scratch.
            "MPLCONFIGDIR": os.path.join(config["scratch"][0], ".matplotlib"),
            "AUTOGRADER_SANDBOX": json.dumps(config),
        }
        # Appending (O_APPEND): after the grader empties the file, the child's next write lands at its start.
        self._output = open(self.output_path, "ab")  # noqa: SIM115 - closed in _stop
        self._output.truncate(0)
        self._requests, self._responses, self._run = requests_w, responses_r, run
        try:
            with _uninterrupted() as unblocked:
                self.process = subprocess.Popen(
                    self._command(run),
                    cwd=run / "scratch",
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=self._output,
                    stderr=self._output,
                    pass_fds=(requests_r, responses_w),
                    start_new_session=True,  # its own process group: killpg reaches what it started
                    preexec_fn=functools.partial(self._in_forked_child, unblocked),
                )
        except BaseException:
            self._release_files()
            raise
        finally:
            os.close(requests_r)
            os.close(responses_w)
        os.set_blocking(requests_w, False)
        self._ready = False

    def _in_forked_child(self, unblocked: set[signal.Signals]) -> None:
        """Before the child's program starts: the signals as they were, and into the cgroup, if any."""
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
        if self.cgroup and self.cgroup.folders:
            self.cgroup.join()

    def _await_ready(self) -> None:
        try:
            hello = decode(*read_message(_DeadlineReader(self._responses, time.monotonic() + STARTUP)))
            self._hello = hello["ready"]
            self._ready = True
            if self.backend == "bubblewrap":
                self._inits = children_of(self.process.pid)
            self._read_output()  # what a library printed while the child started is not the student's
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
            ended = process.poll() is not None  # its pid may be another process's by now
            if self.backend == "bubblewrap":  # its pid namespace: bubblewrap ends once all of it has
                # An ended launcher may have left its init behind (ours to reap: no other pid has it).
                killed = kill_namespace(None if ended else process.pid, self._inits)
            elif self.uid is not None:
                killed = kill_user(self.uid)  # every process of the sandbox's uid, wherever it went
            else:
                killed = kill_tree(process.pid, include_root=True) if not ended else set()
            try:
                process.wait(timeout=STARTUP)
            except subprocess.TimeoutExpired:  # not expected: its group goes
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            reap(killed - {process.pid})  # a zombie would count against the cgroup's process limit
            self._inits = set()
            self._release_files()
        self._imported.clear()
        self._in_case = self._forget = False

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
            return StudentError("Crash", "the student's process ended in the middle of a call",
                                seen_by_grader=True)
        # bubblewrap passes its child's death by signal s on as exit status 128 + s.
        return StudentError("Crash", describe_end(128 - code if code > 128 else code), seen_by_grader=True)

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

    def _exchange(self, request: dict[str, Any], limit: float) -> Outcome:
        """Send one request and wait at most ``limit`` seconds for its reply; a failure becomes its error."""
        if self.process is None:
            self._start()
        if not self._ready:
            self._await_ready()
        self._in_case = True
        deadline = time.monotonic() + limit
        cut = self._deadline is not None and self._deadline < deadline  # the budget ends first
        self._cut = False  # whether this request's time ran out with the budget, not its own limit
        if cut:
            deadline = self._deadline
            if deadline <= time.monotonic():
                self._cut = True
                return Outcome(error=StudentError("Timeout", f"not run: {self._deadline_why} is used up",
                                                  seen_by_grader=True))
        try:
            write_message(_DeadlineWriter(self._requests, deadline), *encode(request))
            reader = _DeadlineReader(self._responses, deadline)
            reply = decode(*read_message(reader, self.limits.result_bytes))
            if request["op"] == "import" and isinstance(reply, dict):
                cell_problems(reply.get("problems"), self.problems)
            outcome = outcome_from(reply)
        except TimeoutError:
            self._stop()
            self._cut = cut
            if cut:
                why = (f"it was stopped when {self._deadline_why} ran out: the earlier calls and imports "
                       "took it (far too slow, or an endless loop)")
            elif request["op"] == "import":
                why = (f"its import did not finish within {limit:.3g} s, the time limit of an import, and "
                       "was stopped: an endless loop at the module's top level, or far too slow")
            else:
                why = (f"the call did not finish within {limit:.3g} s, its time limit "
                       f"({self.limits.factor:g} times the reference's time, at least {self.limits.floor:g} "
                       "s), and was stopped: an endless loop, or far too slow")
            outcome = Outcome(error=StudentError("Timeout", why, seen_by_grader=True))
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
        self, function: str, args: list[Any], keep: tuple[int, ...] = (), global_seed: int | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> Outcome:
        module = function.split(".")[0]
        if module in self._broken:
            return Outcome(error=self._broken[module])
        printed = ""
        if module not in self._imported:
            limit = max(self._call_limit, IMPORT_LIMIT)
            loaded = self._exchange({"op": "import", "module": module, "seconds": limit}, limit)
            if loaded.error is not None:
                # Not an exception it raised, nor the budget that ran out: the module is broken for good.
                if loaded.error.type_name in ("Timeout", "Crash", "BadResult") and not self._cut:
                    loaded.error = self._broken[module] = StudentError(
                        loaded.error.type_name, f"{module}.py could not be imported: {loaded.error.message}",
                        seen_by_grader=loaded.error.seen_by_grader)
                return loaded
            self._imported.add(module)
            printed = loaded.output
        # An endless loop costs its full limit once, not once per case: after a timeout, a tenth of
        # it; after a second one, the function is not called again.
        name, timeouts = function.split(".")[1], self._timeouts[function]
        if timeouts >= 2:
            return Outcome(error=StudentError("Timeout", f"not run: {name}() ran out of time on two earlier "
                                                         "cases (an endless loop, or far too slow)",
                                              seen_by_grader=True))
        limit = max(self.limits.floor / 4, self._call_limit / 10) if timeouts else self._call_limit
        request = {"op": "call", "function": function, "args": to_wire(args), "kwargs": to_wire(kwargs or {}),
                   "keep": list(keep), "global_seed": global_seed, "forget": self._forget}
        self._forget = False
        outcome = self._exchange(request, limit)
        if outcome.error is not None and outcome.error.type_name == "Timeout" and not self._cut:
            self._timeouts[function] += 1
            if timeouts:
                outcome.error = StudentError("Timeout", (
                    f"the call did not finish within {limit:.3g} s, and was stopped: {name}() ran out of "
                    "time on an earlier case, so it gets a tenth of its time limit from then on"),
                    seen_by_grader=outcome.error.seen_by_grader)
        outcome.output = printed + outcome.output
        return outcome

    def limit_calls(self, seconds: float) -> None:
        """The wall-clock limit of each call from now on (``grade.call_limit`` sets it per case)."""
        self._call_limit = seconds

    def set_deadline(self, deadline: float | None, why: str = "") -> None:
        """Every call from now on, imports included, ends by ``deadline`` (``time.monotonic()``)."""
        self._deadline, self._deadline_why = deadline, why

    def release(self, fresh: bool = True) -> None:
        """End the case: forget the objects it kept; ``fresh``: also end its worker and all it left.

        A module's cases may share a worker (``fresh=False`` between them, when a case passed):
        what a passing case left can only be the student's own. A failure, and every new
        module, get a fresh worker.
        """
        if not fresh:  # the worker forgets with the next call: no round trip of its own
            self._forget = self._in_case
            return
        if self.process is not None and self._in_case:
            # What was printed after the last call belongs to no case.
            self._exchange({"op": "drop", "fresh": True}, STARTUP)
        self._imported.clear()
        self._in_case = self._forget = False

    def isolation(self) -> dict[str, Any]:
        """What protected this run, as the child found it at its (last) start, for the result's record."""
        record: dict[str, Any] = {
            "mode": "subprocess",
            "backend": self.backend,
            "level": LEVELS[self.backend],
            "warning": warning(self.backend),
            "workers": "a forked worker per module, a fresh one after any failed case",
            "namespaces": [],
            "cgroup": None,
        }
        if self.backend == "bubblewrap":
            record["namespaces"] = ["mount", "pid", "ipc", "network", "uts"] + ([] if self.uid else ["user"])
        if self.cgroup is not None and self.cgroup.caps:  # kept after close() removed the cgroup
            record["cgroup"] = dict(self.cgroup.caps)
        record.update(self._hello)
        record["user"] = {**self._hello.get("user", {}), "own_uid": self.uid is not None}
        return {**record, "limits": asdict(self.limits), "child_starts": self.starts}

    def close(self) -> None:
        """Kill everything the sandbox started, remove its folders, give its uid back."""
        with _uninterrupted():
            self._stop()
            if self.backend == "own-uid" and self.uid is not None:  # no namespace took them away
                clear_ipc(self.uid)
                remove_files_of(self.uid)
            if self.cgroup is not None:
                self.cgroup.remove()
            if self.root is not None:
                self.root.remove()
                self.root = None
            if self._uid_lock is not None:
                os.close(self._uid_lock)
                self._uid_lock = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

