"""The child's entry point: isolate, drop root, apply the resource limits, then serve.

``python -I limits.py`` runs first in a fresh interpreter, before numpy or any
student code is imported, so every protection below holds for all that follows
(a process can lower its limits, never raise them back). Two processes:

1. The launcher (this process, started by the grader). When it runs as root and
   the kernel permits, it moves into new namespaces: network (the child has no
   network at all), mount (the grader's folders lie under empty read-only
   tmpfs, /tmp and /dev/shm are small private tmpfs, the Python installation
   and the sandbox folder stay visible) and pid. It forks the child and waits,
   ending with the child's end as its exit status (a signal ``s`` as ``128 + s``)
   once it has reaped every process the child left (it is their subreaper): the
   grader kills the sandbox's processes and all of them get reaped, none left
   as a zombie to an init that may not reap.
2. The child: process 1 of its pid namespace where there is one (when it ends,
   the kernel kills every process left in it) and a subreaper (processes the
   student detaches stay its descendants). It mounts the /proc of its pid
   namespace, drops root for the sandbox's own uid and gid with no
   supplementary group, sets no_new_privs (no setuid program gives root back),
   applies the rlimits, checks that it can read what it needs, and serves
   (``child.serve``): one forked worker per case runs the student's code.

RLIMIT_NPROC counts every process of a user, so it is applied only under the
sandbox's own uid; a grader that is not root runs the child as itself with the
other rlimits only. The process-cleanup helpers at the end are shared with the
grader's side (``sandbox``) and the child (``child``).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, options: str | None = None
           ) -> None:
    encoded = [s.encode() if s is not None else None for s in (source, target, fstype, options)]
    _call(_libc.mount(encoded[0], encoded[1], encoded[2], flags, encoded[3]), f"mount {target}")


def _prctl(option: int, value: int) -> None:
    _call(_libc.prctl(option, value, 0, 0, 0), f"prctl {option}")


def _unshare(flag: int) -> bool:
    """Enter a new namespace of one kind; False where the kernel or a container forbids it."""
    return _libc.unshare(flag) == 0


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _hide(hide: list[str], scratch: list[str], keep: list[str], scratch_bytes: int) -> dict[str, list[str]]:
    """In this (new) mount namespace: cover ``hide`` and ``scratch`` with empty tmpfs, but not ``keep``.

    Each kept folder is opened before anything is covered and bound back from
    that handle, so a kept folder inside a covered one (a virtualenv inside the
    project, the Python installation in root's home, the sandbox in /tmp)
    reappears at its own path, and nothing else of the covered folder does. A
    folder to cover that lies inside a kept one (the reference installed in
    site-packages) is covered after the binds, on top of them; one that is
    itself kept (the project installed as site-packages) stays visible.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's namespace
    covers = sorted([(p, "hidden", "mode=755,size=1m") for p in hide if p not in keep] +
                    [(p, "private_tmp", f"mode=1777,size={scratch_bytes}") for p in scratch if p not in keep])
    keep = sorted({k for k in keep if not any(_inside(k, other) and k != other for other in keep)})
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}
    covered: dict[str, list[str]] = {"hidden": [], "private_tmp": []}
    inner = [c for c in covers if any(_inside(c[0], k) for k in keep)]

    def cover(path: str, kind: str, options: str) -> None:
        if os.path.isdir(path):  # not already gone under a cover of a folder that holds it
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
            covered[kind].append(path)

    for args in covers:
        if args not in inner:
            cover(*args)
    for path, handle in handles.items():
        if any(_inside(path, c) for c in covered["hidden"] + covered["private_tmp"]):
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        os.close(handle)
    for args in inner:
        cover(*args)
    return covered


def enter_namespaces(config: dict) -> dict:
    """As root: the namespaces the kernel grants, and what was hidden in the mount namespace."""
    applied: dict = {"network_namespace": _unshare(CLONE_NEWNET), "mount_namespace": False,
                     "hidden": [], "private_tmp": []}
    if _unshare(CLONE_NEWNS):
        python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        keep = [os.path.realpath(p) for p in [*python, *sys.path, *config["keep"]] if os.path.isdir(p)]
        try:
            applied.update(_hide(config["hide"], config["scratch"], keep, config["scratch_bytes"]))
            applied["mount_namespace"] = True
        except OSError as exc:  # a container that grants the namespace but not the mounts
            applied["hide_error"] = str(exc)
    applied["pid_namespace"] = _unshare(CLONE_NEWPID)
    return applied


def apply(limits: dict, processes: bool) -> dict[str, int]:
    """Set the rlimits (never above a hard limit already in place); returns those now in force."""
    def cap(which: int, soft: int, hard: int | None = None) -> None:
        hard = soft if hard is None else hard
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        resource.setrlimit(which, (soft, hard))

    # The CPU hard limit is one second above the soft one: SIGXCPU first, which names the cause.
    cap(resource.RLIMIT_CPU, int(limits["cpu"]), int(limits["cpu"]) + 1)
    cap(resource.RLIMIT_AS, int(limits["memory"]))
    cap(resource.RLIMIT_FSIZE, int(limits["file_size"]))
    cap(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    cap(resource.RLIMIT_CORE, 0)
    names = {"cpu": resource.RLIMIT_CPU, "memory": resource.RLIMIT_AS, "file_size": resource.RLIMIT_FSIZE,
             "open_files": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}
    if processes:
        cap(resource.RLIMIT_NPROC, int(limits["processes"]))
        names["processes"] = resource.RLIMIT_NPROC
    return {name: resource.getrlimit(which)[0] for name, which in names.items()}


def become_child(config: dict, applied: dict) -> None:
    """The forked child: finish isolating itself, then serve the grader until it closes."""
    if applied["pid_namespace"]:
        try:  # a /proc that shows only this namespace's processes (and finds them when cleaning up)
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            applied["proc"] = True
        except OSError:
            applied["proc"] = False
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    uid = config["uid"]
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_DUMPABLE, 0)  # the student's processes cannot open this one's /proc/PID/fd or ptrace it
    in_force = apply(config["limits"], processes=uid is not None)
    os.chdir(config["cwd"])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves the script's folder out
    for path in [p for p in sys.path if os.path.isdir(p)] + [config["package"]]:
        if not os.access(path, os.R_OK | os.X_OK):
            raise PermissionError(f"the sandbox's user (uid {os.getuid()}) cannot read {path}: the Python "
                                  "installation and the sandbox folder must be readable by every user")
    hello = {
        **applied,
        "user": {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                 "own_uid": uid is not None},
        "no_new_privs": True,
        "rlimits": in_force,
        "grader_files_readable": [p for p in config["probe"] if os.access(p, os.R_OK)],
    }
    import child  # numpy only now, under the limits

    # The student's modules are compiled once per child, not once per case.
    sys.pycache_prefix, sys.dont_write_bytecode = os.path.join(config["cwd"], "pycache"), False
    child.serve(config["package"], config["requests"], config["responses"], config["max_bytes"], hello)


def launch(config: dict) -> None:
    """The launcher: namespaces (as root), then the child, whose end becomes this process's end."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.dont_write_bytecode = True  # the runtime folder is not the child's to write
    os.umask(0o022)
    applied = enter_namespaces(config) if os.geteuid() == 0 else {
        "network_namespace": False, "mount_namespace": False, "pid_namespace": False,
        "hidden": [], "private_tmp": []}
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            become_child(config, applied)
        except BaseException:  # noqa: BLE001 - the grader reads why in the output and stops
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(config["requests"])
    os.close(config["responses"])
    _, status = os.waitpid(pid, 0)
    while True:  # what the child left, killed by the grader
        try:
            os.wait()
        except ChildProcessError:
            break
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


# --- finding and killing processes through /proc (no psutil) ---------------------------------------

@dataclass(frozen=True)
class Proc:
    pid: int
    parent: int
    state: str
    uids: tuple[int, ...]  # real, effective, saved, filesystem

    @property
    def alive(self) -> bool:
        return self.state not in ("Z", "X")  # a zombie has ended; only its parent's wait is missing


def processes() -> dict[int, Proc]:
    """Every process that /proc shows, by pid (as numbered in that /proc's pid namespace)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                fields = dict(line.split(b":", 1) for line in f.read().splitlines() if b":" in line)
        except OSError:  # it ended while we looked
            continue
        table[int(name)] = Proc(int(name), int(fields[b"PPid"]), fields[b"State"].split()[0].decode(),
                                tuple(int(u) for u in fields[b"Uid"].split()))
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


def freeze_and_kill(select: Callable[[dict[int, Proc]], set[int]]) -> None:
    """SIGKILL every live process that ``select`` picks, until it picks none that is not stopped.

    Each round stops what it finds before looking again, so a stopped process
    cannot fork while the others are found; one forked between two rounds is
    picked by the next. Ends when a round finds nothing new: everything picked
    is stopped, and all of it is then killed.
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


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(root: int, include_root: bool) -> None:
    """Kill every descendant of ``root`` (a subreaper keeps the detached ones among them)."""
    freeze_and_kill(lambda table:
                    descendants(table, root) | ({root} & table.keys() if include_root else set()))


def kill_user(uid: int) -> None:
    """Kill every process of ``uid``, wherever it went (as root, for the sandbox's own uid only)."""
    freeze_and_kill(lambda table: {pid for pid, proc in table.items() if uid in proc.uids})


if __name__ == "__main__":
    launch(json.loads(os.environ.pop("AUTOGRADER_SANDBOX")))
