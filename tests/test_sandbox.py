"""The sandbox itself: what isolates the child, its limits, restarts, per-case workers, cleanup.

Each test writes a tiny module of probe functions and calls them through a
``Sandbox``. Where the platform can give a protection (root; a kernel that
grants namespaces, probed here independently of the sandbox), the tests demand
it, so a sandbox that silently stopped applying it fails rather than skips.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.cleanup import processes
from autograder.isolation import BACKENDS, backends
from autograder.protocol import Handle
from autograder.sandbox import OUTPUT_SHOWN, Limits, Sandbox, SandboxError
from tests.isolation import python_readable_by_others

ROOT = Path(__file__).resolve().parent.parent
AS_ROOT = os.geteuid() == 0


BWRAP = "bubblewrap" in backends()
# Where a root grader can make cgroups with memory and process controllers (v2, or v1's two hierarchies).
CGROUPS = AS_ROOT and (
    {"memory", "pids"} <= set(Path("/sys/fs/cgroup/cgroup.subtree_control").read_text().split())
    if Path("/sys/fs/cgroup/cgroup.subtree_control").is_file()
    else all(Path(f"/sys/fs/cgroup/{name}").is_dir() for name in ("memory", "pids")))
needs_root = pytest.mark.skipif(not AS_ROOT, reason="the child has a uid of its own only under a root grader")
needs_bwrap = pytest.mark.skipif(not BWRAP, reason="bubblewrap does not run here (see test_bubblewrap_runs)")
# Every backend this platform runs: the limits and the per-case workers must hold in each.
ALL_BACKENDS = [name for name in BACKENDS if name in backends() and
                (name != "own-uid" or python_readable_by_others())]


PROBES = '''
import os, signal, socket, subprocess, sys, threading, time
import numpy as np

state = []

def echo(x):
    return x

def remember(x):
    state.append(x)
    return len(state)

def read(path):
    with open(path, "rb") as f:
        return len(f.read())

def write(path, size):
    with open(path, "wb") as f:
        f.write(b"x" * size)
    return size

def allocate(n):
    return float(np.ones(n).sum())

def open_many(n):
    return len([open(os.devnull) for _ in range(n)])

def fork_many(n):
    pids = []
    try:
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            pids.append(pid)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return len(pids)

def spin():
    while True:
        pass

def kill(pid):
    os.kill(pid, signal.SIGKILL)
    return "sent"

def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    return "connected"

def shout(text, times):
    print(text * times)
    return None

def detach():
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(600)
        os._exit(0)
    os.waitpid(first, 0)
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    threading.Thread(target=spin, daemon=True).start()
    return os.getuid()

def crash():
    import ctypes
    ctypes.string_at(0)

def identity():
    return {"uid": os.getuid(), "groups": os.getgroups(), "cwd": os.getcwd(),
            "runtime": os.path.dirname(sys.modules["child"].__file__), "root": sorted(os.listdir("/"))}

def cwd():
    return os.getcwd()

def write_in(folder, name):
    os.makedirs(folder, exist_ok=True)
    return write(os.path.join(folder, name), 10)

def compiled():
    return sys.modules[__name__].__cached__

def exists(path):
    return os.path.exists(path)

def listdir(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else None

def share_memory(size):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    ident = libc.shmget(0, size, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
    return ident

def ipc_objects():
    return open("/proc/sysvipc/shm").read().splitlines()[1:]

def tamper(path):
    with open(path, "a") as f:
        f.write("# changed by the student")
    return "changed"
'''


@pytest.fixture
def probes(tmp_path) -> Path:
    (tmp_path / "probes.py").write_text(textwrap.dedent(PROBES))
    return tmp_path


def sandbox(folder: Path, backend: str | None = None, **limits) -> Sandbox:
    return Sandbox(folder, Limits(**{"wall": 5.0, **limits}), backend)


def error_of(outcome) -> str:
    assert outcome.error is not None, f"expected an error, got {outcome.value!r}"
    return f"{outcome.error.type_name}: {outcome.error.message}"


def live(uid: int) -> list[int]:
    return [pid for pid, proc in processes().items() if proc.alive and uid in proc.uids]


# --- what isolates the child -------------------------------------------------------------------------

@needs_root
def test_as_root_the_child_runs_as_a_uid_of_its_own_without_groups(probes):
    with sandbox(probes) as box:
        seen = box.call("probes.identity", []).value
        record = box.isolation()
    assert seen["uid"] == record["user"]["uid"] >= 1_000_000 and seen["groups"] == []
    assert record["user"]["own_uid"] and record["no_new_privs"]
    assert record["rlimits"]["processes"] == Limits().processes and record["rlimits"]["core"] == 0


@pytest.mark.skipif(not AS_ROOT or python_readable_by_others(),
                    reason="needs a root grader whose Python a uid of no group cannot read")
def test_an_own_uid_sandbox_whose_python_it_cannot_read_says_which_folder(probes):
    """Python under /root (pyenv), a sandbox's uid of its own: the reason names what it cannot read,
    not an import deep inside the child (it said "No module named 'importlib'")."""
    with pytest.raises(SandboxError, match=r"cannot read /[^:]+: the Python installation"):
        with sandbox(probes, "own-uid") as box:
            box.call("probes.echo", [1])


@needs_root
def test_two_sandboxes_never_share_a_uid(probes):
    with sandbox(probes) as first, sandbox(probes) as second:
        assert first.uid != second.uid


@pytest.mark.parametrize("backend", [b for b in ALL_BACKENDS if b != "rlimits"])
def test_the_child_cannot_change_the_program_it_runs_on_its_next_start(probes, backend):
    with sandbox(probes, backend) as box:
        runtime = box.call("probes.identity", []).value["runtime"]
        outcome = box.call("probes.tamper", [os.path.join(runtime, "limits.py")])
    assert "PermissionError" in error_of(outcome) or "Read-only" in error_of(outcome)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux's")
def test_bubblewrap_runs():
    """The set-up installs bubblewrap and the suite runs with it: a sandbox that silently fell back fails."""
    assert BWRAP, f"bubblewrap does not run: {backends().get('bubblewrap-error', 'bwrap is not installed')}"


@needs_bwrap
def test_the_child_sees_only_what_it_needs_and_no_network(probes, tmp_path):
    classmate = tmp_path / "class" / "bob" / "conv.py"
    classmate.parent.mkdir(parents=True)
    classmate.write_text("def conv_forward(): ...")
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        with sandbox(probes) as box:
            seen = box.call("probes.identity", []).value
            reference = box.call("probes.read", [str(ROOT / "solutions" / "conv.py")])
            hidden = box.call("probes.read", [str(ROOT / "week4" / "tasks.py")])
            others = [box.call("probes.exists", [str(p)]).value for p in
                      (classmate, ROOT, "/home", "/srv", "/opt", "/run", "/etc/passwd")]
            home = box.call("probes.listdir", [str(Path.home())]).value
            network = box.call("probes.connect", [listener.getsockname()[1]])
            record = box.isolation()
    finally:
        listener.close()
    assert "FileNotFoundError" in error_of(reference) and "FileNotFoundError" in error_of(hidden)
    assert others == [False] * len(others), "a classmate's files, the project, /srv ... are out of sight"
    # The home shows nothing but the way to the Python installation, when that lies inside it.
    python = Path(os.path.realpath(sys.base_prefix))
    assert home in (None, [python.relative_to(Path.home()).parts[0]] if Path.home() in python.parents else [])
    assert set(seen["root"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "proc", "root", "sandbox",
                                 "sbin", "tmp", "usr"}, seen["root"]
    assert network.value != "connected" and network.error is not None, "the host's loopback is out of reach"
    assert {"mount", "pid", "ipc", "network", "uts"} <= set(record["namespaces"])
    assert record["backend"] == "bubblewrap" and record["level"] == "full" and not record["warning"]
    assert record["grader_files_readable"] == []


@needs_bwrap
def test_grader_files_inside_a_visible_folder_are_covered(probes, tmp_path, monkeypatch):
    """The reference installed beside an allowed package (site-packages) is an empty folder inside."""
    from autograder import isolation

    site = tmp_path / "site"
    (site / "allowed").mkdir(parents=True)
    (site / "allowed" / "solutions").mkdir()
    (site / "allowed" / "solutions" / "conv.py").write_text("SECRET = 1")
    (site / "allowed" / "ok.py").write_text("X = 1")
    packages = isolation.student_packages()
    monkeypatch.setattr(isolation, "student_packages", lambda: {**packages, "allowed": str(site / "allowed")})
    monkeypatch.setattr(isolation, "grader_paths", lambda: [str(site / "allowed" / "solutions")])
    with sandbox(probes) as box:
        visible = box.call("probes.exists", ["/sandbox/site/allowed/ok.py"]).value
        secret = box.call("probes.exists", ["/sandbox/site/allowed/solutions/conv.py"]).value
    assert visible and not secret


@needs_bwrap
def test_ipc_objects_and_scratch_files_end_with_their_case(probes):
    with sandbox(probes) as box:
        assert box.call("probes.share_memory", [2**20]).value >= 0
        assert box.call("probes.write", ["/tmp/left.bin", 10]).value == 10
        assert len(box.call("probes.ipc_objects", []).value) == 1
        box.release()
        assert box.call("probes.ipc_objects", []).value == []
        assert box.call("probes.exists", ["/tmp/left.bin"]).value is False


@pytest.mark.parametrize("backend", [b for b in ALL_BACKENDS if b != "rlimits"])
def test_no_worker_leaves_a_file_for_the_next_one_not_even_compiled_code(probes, backend):
    """Only the grader compiles the student's modules, into the submission's read-only copy."""
    with sandbox(probes, backend) as box:
        scratch = "/tmp" if backend == "bubblewrap" else box.call("probes.cwd", []).value
        compiled = box.call("probes.compiled", []).value
        assert compiled.endswith(".pyc") and "__pycache__" in compiled
        for folder in (f"{scratch}/.pycache", f"{scratch}/kept/deep", os.path.dirname(compiled)):
            box.call("probes.write_in", [folder, "kept.bin"])
        box.call("probes.write", [compiled, 10])
        box.release()
        assert box.call("probes.listdir", [scratch]).value == []
        assert box.call("probes.read", [compiled]).value != 10, "the compiled module cannot be overwritten"


@needs_root
def test_the_child_cannot_signal_the_grader(probes):
    with sandbox(probes) as box:
        outcome = box.call("probes.kill", [os.getpid()])
    assert error_of(outcome).startswith(("PermissionError", "ProcessLookupError"))


# --- limits ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_call_over_the_wall_clock_limit_is_stopped_and_the_next_call_runs(probes, backend):
    with sandbox(probes, backend, wall=1.0) as box:
        started = time.monotonic()
        outcome = box.call("probes.spin", [])
        assert time.monotonic() - started < 3
        assert "did not finish within 1 s" in error_of(outcome)
        assert box.call("probes.echo", [3]).value == 3
        assert box.isolation()["child_starts"] == 2


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_cpu_time_is_limited_per_case(probes, backend):
    with sandbox(probes, backend, wall=20.0, cpu=1) as box:
        assert "SIGXCPU" in error_of(box.call("probes.spin", []))


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_memory_is_limited(probes, backend):
    with sandbox(probes, backend, memory=512 * 2**20) as box:
        assert "MemoryError" in error_of(box.call("probes.allocate", [2**27]))  # 1 GB of float64
        box.release()
        assert box.call("probes.allocate", [1000]).value == 1000.0


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_file_size_and_open_files_are_limited(probes, backend):
    with sandbox(probes, backend, file_size=2**20, open_files=32) as box:
        assert "File too large" in error_of(box.call("probes.write", ["big.bin", 2 * 2**20]))
        assert box.call("probes.write", ["small.bin", 1000]).value == 1000
        assert "Too many open files" in error_of(box.call("probes.open_many", [100]))


@needs_root
def test_processes_are_limited_under_the_sandbox_uid(probes):
    with sandbox(probes, processes=8) as box:
        assert "BlockingIOError" in error_of(box.call("probes.fork_many", [20]))
        assert box.call("probes.fork_many", [3]).value == 3


def test_a_limit_too_small_to_start_is_the_platform_problem_not_the_student(probes):
    with pytest.raises(SandboxError, match="did not start"), sandbox(probes, memory=40 * 2**20) as box:
        box.call("probes.echo", [1])


# --- one worker per case -----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_case_starts_from_a_fresh_import_and_forgets_what_it_kept(probes, backend):
    with sandbox(probes, backend) as box:
        assert [box.call("probes.remember", [i]).value for i in range(3)] == [1, 2, 3]
        kept = box.call("probes.echo", [(np.zeros(2), 5)], keep=(0,)).value
        assert isinstance(kept[0], Handle)
        box.release()
        assert box.call("probes.remember", [0]).value == 1
        assert "no kept object" in error_of(box.call("probes.echo", [kept]))


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_crash_costs_a_worker_not_the_child(probes, backend):
    with sandbox(probes, backend) as box:
        assert "SIGSEGV" in error_of(box.call("probes.crash", []))
        box.release()
        assert box.call("probes.echo", [1]).value == 1
        assert box.isolation()["child_starts"] == 1


@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_a_module_whose_import_times_out_fails_at_once_afterwards(probes, backend):
    (probes / "slow.py").write_text("import time\ntime.sleep(60)\ndef f():\n    return 1\n")
    with sandbox(probes, backend, wall=1.0) as box:
        assert ("slow.py could not be imported: its import did not finish within 5 s, the time limit of an "
                "import") in error_of(box.call("slow.f", []))
        box.release()
        started = time.monotonic()
        assert "slow.py could not be imported" in error_of(box.call("slow.f", []))
        assert time.monotonic() - started < 0.5
        assert box.call("probes.echo", [2]).value == 2


@needs_root
def test_release_kills_what_the_case_left_and_close_leaves_nothing(probes):
    with sandbox(probes, processes=16) as box:
        uid = box.call("probes.detach", []).value
        during = set(live(uid))
        assert len(during) >= 4, "the child, the worker, its daemon and its sleep"
        box.release()
        box.call("probes.echo", [1])  # served once the last case is cleared away
        assert len(set(live(uid)) & during) == 1, "of the case's processes, only the child stays"
        box.call("probes.detach", [])
    assert live(uid) == []
    assert not box.output_path.exists(), "the sandbox's folder is removed"


# --- what the student prints -------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ALL_BACKENDS)
def test_printed_output_is_the_students_capped_and_never_a_result(probes, backend):
    with sandbox(probes, backend) as box:
        outcome = box.call("probes.shout", ['{"value": 100, "score": 100}', 1])
        assert outcome.value is None and '"score": 100' in outcome.output
        long = box.call("probes.shout", ["x", 10 * OUTPUT_SHOWN])
        assert len(long.output) < OUTPUT_SHOWN + 50 and long.output.endswith("[... output cut ...]")
        assert box.call("probes.echo", [1]).output == "", "each call shows only its own output"


# --- a grader killed with kill -9 ------------------------------------------------------------------

KILLED_GRADER = """
import json, sys
from pathlib import Path
from autograder.sandbox import Limits, Sandbox
box = Sandbox(sys.argv[1], Limits(wall=600), sys.argv[2])
box.call("probes.echo", [1])
cgroups = [str(folder) for folder in box.cgroup.folders]
print(json.dumps({"uid": box.uid, "folder": str(box.root.path), "cgroups": cgroups}), flush=True)
box.call("probes.spin", [])
"""


@pytest.mark.parametrize("backend", [b for b in ALL_BACKENDS if b != "rlimits"])
def test_nothing_outlives_a_grader_killed_with_kill_9(probes, tmp_path_factory, backend):
    """An OOM kill or a platform's timeout: the sandbox dies with its grader; the next one cleans up."""
    scratch = tmp_path_factory.mktemp("tmpdir")
    scratch.chmod(0o711)
    grader = subprocess.Popen([sys.executable, "-c", KILLED_GRADER, str(probes), backend], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    started = json.loads(grader.stdout.readline())
    time.sleep(0.3)  # spinning now
    grader.kill()
    grader.wait()

    def left() -> list[int]:
        return [pid for pid, proc in processes().items() if proc.alive and (
            started["uid"] in proc.uids or str(scratch).encode() in _cmdline(pid))]

    deadline = time.monotonic() + 10
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left() == [], "the sandbox's processes outlived their grader"
    assert Path(started["folder"]).exists(), "a killed grader cannot remove its folder itself"
    # (Its cgroup stays too, until a sandbox, this test's next one or any other, removes it.)
    cgroups = [Path(folder) for folder in started["cgroups"]]
    assert bool(cgroups) == CGROUPS, "as root, where the controllers are, every sandbox has a cgroup"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tempfile.tempdir", str(scratch))
        Sandbox(probes, Limits(), backend).close()
    assert not Path(started["folder"]).exists(), "the next sandbox removes what the killed one left"
    assert not any(folder.exists() for folder in cgroups), "... and its cgroup, wherever the next one runs"


def test_the_isolation_record_says_which_cgroup_capped_the_run_after_it_ended(probes):
    box = sandbox(probes)
    assert box.call("probes.echo", [1]).value == 1
    box.close()
    cgroup = box.isolation()["cgroup"]
    applied = {"memory": box.limits.case_memory, "tasks": box.limits.processes + 2}
    assert cgroup == (applied if CGROUPS else None)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --- saying what isolates ----------------------------------------------------------------------------

def _grade(submission: Path, *flags: str, backend: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"AUTOGRADER_SANDBOX": backend} if backend else {})}
    return subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--json", *flags],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_without_isolation_the_grader_says_so_and_can_refuse(probes):
    """rlimits only (as without root and bubblewrap): one line on stderr, the record, --require-isolation."""
    from tests.bugcorpus import write_submission

    submission = write_submission(probes / "submission")
    weak = _grade(submission, backend="rlimits")
    assert weak.returncode == 0 and "NO isolation" in weak.stderr
    assert "NO isolation" in json.loads(weak.stdout)["isolation"]["warning"]
    refused = _grade(submission, "--require-isolation", backend="rlimits")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "--require-isolation: refusing to grade" in refused.stderr
    if BWRAP:
        strong = _grade(submission, "--require-isolation")
        assert strong.returncode == 0 and strong.stderr == ""
        assert json.loads(strong.stdout)["isolation"]["level"] == "full"


@needs_root
def test_a_sandbox_without_a_private_tmp_leaves_no_file_of_its_uid(tmp_path):
    """The own-uid backend (Gradescope): what the sandbox's uid wrote into /tmp goes; nothing else."""
    from autograder.cleanup import remove_files_of

    for name, uid in (("theirs.txt", 1_900_000_123), ("its-folder", 1_900_000_123), ("ours.txt", 0)):
        path = tmp_path / name
        path.mkdir() if "folder" in name else path.write_text("x")
        os.chown(path, uid, uid)
    remove_files_of(1_900_000_123, (str(tmp_path),))
    assert [p.name for p in tmp_path.iterdir()] == ["ours.txt"]


def test_a_stop_signal_while_the_child_is_forked_is_not_lost(probes):
    """A batch worker's SIGTERM raises SystemExit: raised in an at-fork hook, Python printed it, went on."""
    script = textwrap.dedent("""
        import os, signal, sys
        from autograder.isolation import backends
        from autograder.sandbox import Sandbox

        def stop(signum, frame):
            raise SystemExit("stopped")

        backends()  # its probe forks too: before the hook
        signal.signal(signal.SIGTERM, stop)
        os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGTERM))
        try:
            Sandbox(sys.argv[1]).close()
        except SystemExit:
            print("stopped")
        else:
            print("went on")
    """)
    run = subprocess.run([sys.executable, "-c", script, str(probes)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.stdout.strip() == "stopped" and "Exception ignored" not in run.stderr, run.stderr
