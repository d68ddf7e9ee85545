"""The sandbox child's entry point: apply the limits, then serve the grader.

The grader starts ``python -I -S limits.py`` (``sandbox``): inside bubblewrap, as
a uid of its own, or plainly, by what the platform allows. This runs first in
that fresh interpreter, before numpy or any student code is imported, so every
protection below holds for all that follows (a process can lower its limits,
never raise them back):

- root dropped for the sandbox's own uid and gid, with no supplementary group,
  where the grader runs as root;
- a subreaper: what a student detaches (``setsid``, a double fork) stays its
  descendant, and is killed with its case (``child.serve``);
- no_new_privs (no setuid program gives root back) and not dumpable (the
  student's processes cannot ptrace it or open its ``/proc/PID/fd``);
- the rlimits: CPU time and address space per process, file size, open files,
  no core dumps, and the process count where it counts the sandbox's processes
  only (in a user namespace of its own, or under a uid of its own);
- ``sys.path``: the standard library, this runtime folder and the packages the
  grader allows (``-S``: no site-packages, no ``.pth`` file).

Then it checks that it can read what it needs, reports what protects it, and
serves (``child.serve``). Unix only: the student's self-check never imports this.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import traceback

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38


def _prctl(option: int, value: int) -> None:
    if ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl {option}: {os.strerror(errno)}")


def apply(limits: dict, count_processes: bool) -> dict[str, int]:
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
    if count_processes:
        cap(resource.RLIMIT_NPROC, int(limits["processes"]))
        names["processes"] = resource.RLIMIT_NPROC
    return {name: resource.getrlimit(which)[0] for name, which in names.items()}


def main(config: dict) -> None:
    """Drop root, isolate this process further, apply the limits, check what it needs, then serve."""
    uid = config["uid"]
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), *config["site"]]
    # Listed while still root: as the sandbox's user, a folder it may not search is no folder at all.
    needed = [p for p in sys.path if os.path.isdir(p)] + [config["package"]]
    if uid is not None and os.getuid() == 0:  # a uid of its own, with no group at all
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    in_force = apply(config["limits"], config["count_processes"])
    os.umask(0o077)
    os.chdir(config["cwd"])
    for path in needed:
        if not os.access(path, os.R_OK | os.X_OK):
            raise PermissionError(f"the sandbox's user (uid {os.getuid()}) cannot read {path}: the Python "
                                  "installation and the sandbox folder must be readable by that user")
    hello = {
        "user": {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()},
        "no_new_privs": True,
        "rlimits": in_force,
        "grader_files_readable": [p for p in config["probe"] if os.access(p, os.R_OK)],
    }
    import child  # numpy only now, under the limits

    for library in config["preload"]:  # once here, not once per worker; a library, not student code
        try:
            __import__(library)
        except Exception:  # noqa: BLE001 - the student's import will say why
            pass
    # The student's modules come compiled (sandbox.compile_modules), read-only: nothing to write.
    sys.dont_write_bytecode = True
    child.serve(config, hello)


if __name__ == "__main__":
    try:
        main(json.loads(os.environ.pop("AUTOGRADER_SANDBOX")))
    except BaseException:  # noqa: BLE001 - the grader reads why in the output and stops
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
