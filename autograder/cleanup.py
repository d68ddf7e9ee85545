"""Removing what student code, or a grader killed midway, leaves behind: processes, files, IPC objects.

Shared by the grader's side (``sandbox``: everything a sandbox started, by uid or
by descent; ``LockedFolder``: the folders of sandboxes and batches that were killed)
and the sandbox child (``child``: what a case's worker left). Runs as a script file
inside the sandbox too, so it imports only the standard library; it reads Linux's
/proc (no psutil), but importing it is harmless anywhere.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    parent: int
    state: str
    uids: tuple[int, ...]  # real, effective, saved, filesystem

    @property
    def alive(self) -> bool:
        return self.state not in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


def _status_field(status: bytes, name: bytes) -> bytes:
    """One field of a /proc/PID/status file ("PPid", "State", "Uid"): the text after its colon."""
    start = status.index(b"\n" + name + b":") + len(name) + 2
    return status[start:status.index(b"\n", start)]


def processes() -> dict[int, Proc]:
    """Every process that /proc shows, by pid (as numbered in that /proc's pid namespace)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                status = b"\n" + f.read()
        except OSError:  # it ended while we looked
            continue
        table[int(name)] = Proc(int(name), int(_status_field(status, b"PPid")),
                                _status_field(status, b"State").split()[0].decode(),
                                tuple(int(u) for u in _status_field(status, b"Uid").split()))
    return table


def descendants(table: dict[int, Proc], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in table.values():
        children.setdefault(proc.parent, []).append(proc.pid)
    found, todo = set(), [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def freeze_and_kill(select: Callable[[dict[int, Proc]], set[int]]) -> set[int]:
    """SIGKILL every live process that ``select`` picks, until it picks none that is not stopped.

    Each round stops what it finds before looking again, so a stopped process
    cannot fork while the others are found; one forked between two rounds is
    picked by the next. Ends when a round finds nothing new: everything picked
    is stopped, and all of it is then killed. Returns the pids killed (for ``reap``).
    """
    stopped: set[int] = set()
    while True:
        table = processes()
        new = {pid for pid in select(table) if table[pid].alive} - stopped
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        stopped |= new
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    return stopped


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(root: int, include_root: bool) -> set[int]:
    """Kill every descendant of ``root`` (a subreaper keeps the detached ones among them)."""
    return freeze_and_kill(lambda table:
                           descendants(table, root) | ({root} & table.keys() if include_root else set()))


def children_of(pid: int) -> set[int]:
    """The children of ``pid`` as /proc lists them (empty where it does not, or ``pid`` is gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            return {int(child) for child in f.read().split()}
    except OSError:
        return set()


def kill_namespace(launcher: int | None, inits: set[int] = frozenset()) -> set[int]:
    """Kill every process of the pid namespace whose init is ``launcher``'s child (bubblewrap's).

    When a namespace's init dies, the kernel kills every other process in it, and none can
    be born into it after: one signal, where ``kill_tree`` walks /proc. The launcher ends
    once its init has, and the init once everything in the namespace has, reaping them.
    ``inits``: the inits seen earlier; ``launcher`` None when it has ended (and left its init
    behind: its pid may be another process's by now). Where no init is known, or /proc does
    not list children, ``kill_tree`` does it. Returns the pids signalled.
    """
    inits = set(inits) | (children_of(launcher) if launcher is not None else set())
    killed = set() if inits or launcher is None else kill_tree(launcher, include_root=True)
    for pid in inits:
        _signal(pid, signal.SIGKILL)
    return killed | inits


def kill_user(uid: int) -> set[int]:
    """Kill every process of ``uid``, wherever it went (as root, for the sandbox's own uid only)."""
    return freeze_and_kill(lambda table: {pid for pid, proc in table.items() if uid in proc.uids})


PR_SET_CHILD_SUBREAPER = 36
_subreaper: list[bool] = []  # whether this process is one (decided once)


def become_subreaper() -> bool:
    """Make the orphans of what this process starts its own children, not pid 1's (Linux).

    bubblewrap's launcher may end before the namespace's init it started; that init is then
    an orphan, and a container's pid 1 need not reap orphans: its zombie would stay, counted
    against the sandbox cgroup's process limit, until no sandbox could fork. As a subreaper
    the grader gets it back, and ``reap`` waits for it.
    """
    if not _subreaper:
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            _subreaper.append(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
        except (OSError, AttributeError):  # no prctl: not Linux
            _subreaper.append(False)
    return _subreaper[0]


def reap(pids: Iterable[int], seconds: float = 1.0) -> None:
    """Wait for each of ``pids`` (killed processes) that is or becomes this subreaper's child.

    A killed process is handed to the subreaper once its parent has ended too, which may
    take a moment: each pid is tried until it is reaped, or /proc no longer has it (its own
    parent reaped it), or ``seconds`` have passed.
    """
    left = set(pids) if become_subreaper() else set()
    deadline = time.monotonic() + seconds
    while left:
        for pid in list(left):
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    left.discard(pid)
            except ChildProcessError:  # not ours (yet)
                if not os.path.exists(f"/proc/{pid}"):
                    left.discard(pid)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.001)


# --- folders of graders that were killed ----------------------------------------------------------

class LockedFolder:
    """A folder in the temporary folder, locked while its owner lives; those of killed owners go.

    The lock (``flock`` on ``.lock`` inside, released when its process ends, however it
    ends) tells a live owner's folder from one that a ``kill -9`` left behind. It is taken
    under another name and then renamed, so whoever finds a ``.lock`` finds it held.
    """

    LOCK = ".lock"

    def __init__(self, prefix: str, parent: str | None = None) -> None:
        LockedFolder.remove_abandoned(prefix, parent)
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        self._lock = os.open(self.path / ".lock-new", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        flock(self._lock, blocking=True)
        os.rename(self.path / ".lock-new", self.path / self.LOCK)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.remove()

    @staticmethod
    def remove_abandoned(prefix: str, parent: str | None = None) -> list[Path]:
        """Remove the folders of ``prefix`` that no live owner locks (real folders of this user only)."""
        removed = []
        for folder in sorted(Path(parent or tempfile.gettempdir()).glob(f"{prefix}*")):
            try:
                info = os.lstat(folder)
                if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                    continue
                lock = os.open(folder / LockedFolder.LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:  # gone, being made, or not ours
                continue
            try:
                if flock(lock, blocking=False):
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
            finally:
                os.close(lock)
        return removed


def flock(fd: int, blocking: bool) -> bool:
    """Lock ``fd`` exclusively; False when another process holds it (``blocking=False``)."""
    import fcntl  # Unix only: here, so that importing this module stays harmless elsewhere

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


# --- files and IPC objects -------------------------------------------------------------------------

IPC_RMID = 0


def _remove_entries(folders: Iterable[str], spare: Callable[[os.DirEntry], bool]) -> None:
    """Remove every entry of ``folders`` (a folder with all it holds) but those ``spare`` keeps."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if spare(entry):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def clear_scratch(folders: list[str]) -> None:
    """Remove everything a worker wrote into the scratch folders: the next worker starts from nothing.

    (The student's compiled modules are not there: the grader compiles them into the
    submission's read-only copy, in ``sandbox.Sandbox``.)
    """
    _remove_entries(folders, lambda entry: False)


def ipc_objects(uid: int | None = None) -> dict[str, list[int]]:
    """The System V IPC objects in sight (of ``uid``'s, if given), by kind: their ids."""
    found: dict[str, list[int]] = {}
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                header, *rows = table.read().splitlines()
        except OSError:
            continue
        owner = header.split().index("uid")
        found[kind] = [int(row.split()[1]) for row in rows if uid is None or int(row.split()[owner]) == uid]
    return found


def clear_ipc(uid: int | None = None) -> None:
    """Remove the System V shared-memory segments, message queues and semaphore sets of ``uid``.

    ``uid`` None: every one in sight, for a sandbox with an IPC namespace of its own (what
    is in sight is then its alone); else those of the sandbox's own uid.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    removers = {"shm": libc.shmctl, "msg": libc.msgctl, "sem": libc.semctl}
    for kind, idents in ipc_objects(uid).items():
        remove = removers[kind]
        for ident in idents:
            if kind == "sem":
                remove(ident, 0, IPC_RMID, None)
            else:
                remove(ident, IPC_RMID, None)


def remove_files_of(uid: int, folders: tuple[str, ...] = ("/tmp", "/var/tmp", "/dev/shm")) -> None:
    """Remove what ``uid`` made in the folders every user may write (a sandbox without a private /tmp)."""
    _remove_entries(folders, lambda entry: entry.stat(follow_symlinks=False).st_uid != uid)
