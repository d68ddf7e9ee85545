"""Which isolation this platform gives student code, and what makes it: the limits, bubblewrap's command.

``sandbox`` runs a submission with the strongest backend found here (``best_backend``);
the command line says before grading when that is not full isolation (``warning``).
This module needs neither numpy nor the sandbox's child, so saying it costs no import.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .assignment import current
from .cleanup import LockedFolder, become_subreaper, reap

HERE = Path(__file__).resolve().parent
# What a submission may import besides the standard library (with what they need): the student bundle's
# requirements.txt gives the student the same (release.STUDENT_REQUIREMENTS).
STUDENT_PACKAGES = ("numpy", "scipy", "matplotlib")
AVAILABLE = "the standard library, numpy, scipy and matplotlib"  # STUDENT_PACKAGES, in words
STARTUP = 30.0  # seconds for the child to start, whatever the per-call limit
PREFIX = "autograder-sandbox-"  # the sandboxes' folders in the temporary folder
BACKENDS = ("bubblewrap", "own-uid", "rlimits")  # strongest first
LEVELS = {"bubblewrap": "full", "own-uid": "partial", "rlimits": "none"}
INSIDE = Path("/sandbox")  # under bubblewrap: where the runtime, the submission and the packages appear


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child. Times in seconds, sizes in bytes."""

    # The wall-clock limit of one call is ``factor`` times the reference's own time on its case, at
    # least ``floor`` and at most ``wall`` (``grade.call_limit``): a correct solution written with plain
    # Python loops over every index (about 100 times slower than the vectorised reference) stays far
    # inside, and an endless loop costs seconds, once per function.
    wall: float = 20.0
    floor: float = 2.0
    factor: float = 1000.0
    total: float = 300.0  # one whole submission, shared out among its tasks (Gradescope stops at 600)
    cpu: int = 60  # one worker process (the passing cases of a module it serves in turn), CPU time
    memory: int = 2**30  # address space of each process (numpy alone takes ~150 MB)
    case_memory: int = 3 * 2**29  # memory of all the sandbox's processes together (a cgroup: root only)
    processes: int = 6  # processes and threads of a case, the child and its worker (bwrap's init) included
    file_size: int = 16 * 2**20  # any file written, the output printed during one call included
    open_files: int = 64
    scratch: int = 64 * 2**20  # each private tmpfs (/tmp, /dev/shm) under bubblewrap
    result_bytes: int = 32 * 2**20  # one reply of the child


class SandboxError(RuntimeError):
    """The sandbox itself cannot run (the platform, not the student): grading must stop."""


# --- which isolation this platform gives -------------------------------------------------------------

def _bwrap() -> str | None:
    """The bubblewrap binary: ``$AUTOGRADER_BWRAP``, or ``bwrap`` on PATH or in /usr/bin."""
    found = os.environ.get("AUTOGRADER_BWRAP") or shutil.which("bwrap")
    return found or shutil.which("bwrap", path="/usr/bin")


@functools.cache
def backends() -> dict[str, str]:
    """Each backend this platform can run, with what it gives (``BACKENDS`` order: strongest first).

    Bubblewrap is tried for real (a child that starts and exits), since a kernel or a
    container may forbid the namespaces it needs; the reason it could not run is kept.
    """
    found: dict[str, str] = {}
    if sys.platform.startswith("linux") and _bwrap():
        probe = LockedFolder(PREFIX)
        try:
            for folder in ("runtime", "submission"):
                (probe.path / folder).mkdir()
            # The command of a real child, but for what it runs: whether the namespaces and binds work.
            command = bwrap_command(probe.path, Limits(), python_args=[])
            command[command.index("--") + 1:] = [shutil.which("true", path="/usr/bin:/bin") or "true"]
            run = _run_reaped(command)
            if run.returncode == 0:
                found["bubblewrap"] = "an empty root with only what the child needs, new namespaces"
            else:
                found["bubblewrap-error"] = (run.stderr or run.stdout).strip()[-300:]
        except (OSError, subprocess.SubprocessError) as exc:
            found["bubblewrap-error"] = str(exc)
        finally:
            probe.remove()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        found["own-uid"] = "a uid of its own, no groups, no_new_privs: it reads what the world may read"
    found["rlimits"] = "resource limits only: it runs as the grader's user"
    return found


def _run_reaped(command: list[str]) -> subprocess.CompletedProcess:
    """Run a bubblewrap command to its end, and reap the namespace init it leaves behind.

    bubblewrap's launcher exits as soon as its init reports the command's status, before
    the init itself has ended: the init is then an orphan. ``--info-fd`` tells its pid, so
    that this process (a subreaper: ``cleanup.become_subreaper``) can wait for it.
    """
    become_subreaper()
    info_read, info_write = os.pipe()
    command = [command[0], "--info-fd", str(info_write), *command[1:]]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=STARTUP,
                             stdin=subprocess.DEVNULL, pass_fds=(info_write,))
    finally:
        os.close(info_write)
        with os.fdopen(info_read, "rb") as info:
            text = info.read(4096)
    try:
        reap([int(json.loads(text)["child-pid"])])
    except (ValueError, KeyError, TypeError):  # it did not start: nothing to reap
        pass
    return run


def best_backend() -> str:
    """The strongest backend that runs here (``$AUTOGRADER_SANDBOX`` may ask for a weaker one)."""
    wanted = os.environ.get("AUTOGRADER_SANDBOX")
    available = [name for name in BACKENDS if name in backends()]
    if wanted:
        if wanted not in available:
            raise SandboxError(f"AUTOGRADER_SANDBOX={wanted}: not available here (available: {available})")
        return wanted
    return available[0]


def warning(backend: str) -> str:
    """One line for the TA when student code will not be fully isolated; empty when it will."""
    if backend == "bubblewrap":
        return ""
    if "bubblewrap" in backends():
        why = "AUTOGRADER_SANDBOX asks for it"
    else:
        why = backends().get("bubblewrap-error") or "bubblewrap (bwrap) is not installed"
    if backend == "own-uid":
        return (f"partial isolation: student code runs as a uid of its own but can read every file the "
                f"world may read (no bubblewrap: {why})")
    return (f"NO isolation: student code runs as your user with resource limits only and can read and "
            f"write your files, the reference included (no root, and no bubblewrap: {why})")


# --- the bubblewrap command line ---------------------------------------------------------------------

def grader_paths() -> list[str]:
    """Folders the student's code must not see: this package, the project, the assignment, the home."""
    assignment = current()
    paths = {HERE, HERE.parent, Path.home(), assignment.folder, assignment.reference}
    spec = importlib.util.find_spec("solutions")  # week 4's reference, where it is installed as a package
    paths |= {Path(p) for p in (spec.submodule_search_locations or [])} if spec else set()
    return sorted({os.path.realpath(p) for p in paths if p.is_dir() and len(p.resolve().parts) > 1})


def probe_files() -> list[str]:
    """Files the child must not be able to read (the hidden cases, the reference): it says which it can."""
    assignment = current()
    return sorted(str(p) for folder in (assignment.folder, assignment.reference) for p in folder.glob("*.py"))


def _requirements(distribution: importlib.metadata.Distribution) -> list[str]:
    """The distributions it needs (its ``Requires-Dist`` without an extra)."""
    return [re.match(r"[A-Za-z0-9._-]+", line)[0] for line in distribution.requires or []
            if "extra ==" not in line and re.match(r"[A-Za-z0-9._-]+", line)]


@functools.cache  # where the grading environment installed them: the same for every child
def student_packages() -> dict[str, str]:
    """Each module or folder a student may import, by its name in site-packages: the packages of
    ``STUDENT_PACKAGES`` and of every distribution they need (matplotlib's pillow, kiwisolver, ...),
    with the folders their wheels ship beside them (``numpy.libs``) and their metadata."""
    found: dict[str, str] = {}
    todo, seen = list(STUDENT_PACKAGES), set()
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in distribution.files or []:
            top = file.parts[0]
            if top not in ("..", "__pycache__") and top not in found:
                found[top] = str(Path(distribution.locate_file(top)).resolve())
        todo += _requirements(distribution)
    return found


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def bwrap_command(run: Path, limits: Limits, python_args: list[str]) -> list[str]:
    """The bubblewrap command line that starts the child of ``run`` (its runtime/ and submission/).

    Binds are read-only; each folder made on the way to a bind is 0755, so the
    sandbox's uid can pass through (the host's may be closed: ``/root`` holding
    pyenv's Python). As root, bubblewrap runs privileged without a user namespace
    and keeps only the capabilities the child needs to drop to the sandbox's uid
    (``limits.main`` does it, first thing).
    """
    python = Path(os.path.realpath(sys.executable))
    binds: dict[str, str] = {}  # inside -> outside
    # /etc/fonts: fontconfig's settings, for matplotlib's list of the system's fonts.
    for name in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache", "/etc/fonts"):
        if os.path.exists(name) and not os.path.islink(name):
            binds[name] = name
    prefix = os.path.realpath(sys.base_prefix)
    if not any(_inside(prefix, inside) for inside in binds):
        binds[prefix] = prefix
    if not any(_inside(str(python), inside) for inside in binds):
        binds[str(python.parent)] = str(python.parent)
    for name, folder in student_packages().items():
        binds[f"{INSIDE}/site/{name}"] = folder
    binds[f"{INSIDE}/runtime"] = str(run / "runtime")
    binds[f"{INSIDE}/submission"] = str(run / "submission")

    command = [_bwrap() or "bwrap", "--die-with-parent", "--new-session", "--hostname", "sandbox",
               "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        command += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    made: set[str] = set()
    for inside in sorted(binds):
        for parent in reversed(Path(inside).parents):
            if str(parent) != "/" and str(parent) not in made and not any(
                    _inside(str(parent), other) for other in binds):
                command += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        command += ["--ro-bind", binds[inside], inside]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(name):
            command += ["--symlink", os.readlink(name), name]
    for hidden in grader_paths():  # the grader's own files inside a bound folder: covered
        for inside, outside in binds.items():
            if _inside(hidden, outside) and os.path.isdir(hidden):
                command += ["--perms", "0755", "--tmpfs", inside + hidden[len(outside):]]
    command += ["--proc", "/proc", "--dev", "/dev"]
    for scratch in ("/tmp", "/dev/shm"):
        command += ["--perms", "1777", "--size", str(limits.scratch), "--tmpfs", scratch]
    command += ["--chdir", "/tmp", "--", str(python), "-I", "-S", "-B", *python_args]
    return command
