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

from autograder.limits import processes
from autograder.protocol import Handle
from autograder.sandbox import OUTPUT_SHOWN, Limits, Sandbox, SandboxError

ROOT = Path(__file__).resolve().parent.parent
AS_ROOT = os.geteuid() == 0


def _kernel_grants_namespaces() -> bool:
    """Whether root may enter new mount, network and pid namespaces here (a container may forbid it)."""
    flags = 0x00020000 | 0x40000000 | 0x20000000
    probe = f"import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare({flags}) != 0)"
    return AS_ROOT and subprocess.run([sys.executable, "-I", "-c", probe]).returncode == 0


NAMESPACES = _kernel_grants_namespaces()
needs_root = pytest.mark.skipif(not AS_ROOT, reason="the child has a uid of its own only under a root grader")
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="this kernel or container forbids namespaces")

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
            "runtime": os.path.dirname(sys.modules["child"].__file__)}

def tamper(path):
    with open(path, "a") as f:
        f.write("# changed by the student")
    return "changed"
'''


@pytest.fixture
def probes(tmp_path) -> Path:
    (tmp_path / "probes.py").write_text(textwrap.dedent(PROBES))
    return tmp_path


def sandbox(folder: Path, **limits) -> Sandbox:
    return Sandbox(folder, Limits(**{"wall": 5.0, **limits}))


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


@needs_root
def test_two_sandboxes_never_share_a_uid(probes):
    with sandbox(probes) as first, sandbox(probes) as second:
        assert first.uid != second.uid


@needs_root
def test_the_child_cannot_change_the_program_root_runs_on_its_next_start(probes):
    with sandbox(probes) as box:
        runtime = box.call("probes.identity", []).value["runtime"]
        outcome = box.call("probes.tamper", [os.path.join(runtime, "limits.py")])
    assert "PermissionError" in error_of(outcome) or "Read-only" in error_of(outcome)


@needs_namespaces
def test_the_child_cannot_see_the_grader_files_nor_reach_the_network(probes):
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        with sandbox(probes) as box:
            reference = box.call("probes.read", [str(ROOT / "solutions" / "conv.py")])
            hidden = box.call("probes.read", [str(ROOT / "autograder" / "tasks.py")])
            network = box.call("probes.connect", [listener.getsockname()[1]])
            record = box.isolation()
    finally:
        listener.close()
    assert "FileNotFoundError" in error_of(reference) and "FileNotFoundError" in error_of(hidden)
    assert network.value != "connected" and network.error is not None, "the host's loopback is out of reach"
    assert record["network_namespace"] and record["mount_namespace"] and record["pid_namespace"]
    assert "/tmp" in record["private_tmp"]
    # The project is hidden itself, or lies under a folder the child sees as an empty private one
    # (a checkout under /tmp, as CI's may be).
    covering = [*record["hidden"], *record["private_tmp"]]
    assert any(ROOT == Path(folder) or Path(folder) in ROOT.parents for folder in covering), covering
    assert record["grader_files_readable"] == []


HIDE_IN_A_NAMESPACE = """
import ctypes, json, os, sys
root, hide, keep, files = json.loads(sys.argv[1])
sys.path.insert(0, root)
from autograder.limits import _hide
assert ctypes.CDLL(None).unshare(0x00020000) == 0  # a mount namespace of its own
_hide(hide, [], keep, 2**20)
print(json.dumps([name for name in files if os.path.exists(name)]))
"""


@needs_namespaces
def test_hiding_covers_folders_around_and_inside_kept_ones_but_not_kept_ones(tmp_path):
    """A project holding its virtualenv; the reference installed in site-packages; site-packages itself."""
    files = [str(tmp_path / name) for name in
             ("project/secret.py", "project/venv/lib/numpy.py", "site/numpy.py", "site/solutions/conv.py")]
    for name in files:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("x")
    hide = [str(tmp_path / "project"), str(tmp_path / "site" / "solutions"), str(tmp_path / "site")]
    keep = [str(tmp_path / "project" / "venv"), str(tmp_path / "site")]
    arguments = json.dumps([str(ROOT), hide, keep, files])
    run = subprocess.run([sys.executable, "-I", "-c", HIDE_IN_A_NAMESPACE, arguments],
                         capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == [files[1], files[2]]
    assert all(Path(name).exists() for name in files), "the grader's own view is untouched"


@needs_root
def test_the_child_cannot_signal_the_grader(probes):
    with sandbox(probes) as box:
        outcome = box.call("probes.kill", [os.getpid()])
    assert error_of(outcome).startswith(("PermissionError", "ProcessLookupError"))


# --- limits ------------------------------------------------------------------------------------------

def test_a_call_over_the_wall_clock_limit_is_stopped_and_the_next_call_runs(probes):
    with sandbox(probes, wall=1.0) as box:
        started = time.monotonic()
        outcome = box.call("probes.spin", [])
        assert time.monotonic() - started < 3
        assert "did not finish within 1 s" in error_of(outcome)
        assert box.call("probes.echo", [3]).value == 3
        assert box.isolation()["child_starts"] == 2


def test_cpu_time_is_limited_per_case(probes):
    with sandbox(probes, wall=20.0, cpu=1) as box:
        assert "SIGXCPU" in error_of(box.call("probes.spin", []))


def test_memory_is_limited(probes):
    with sandbox(probes, memory=512 * 2**20) as box:
        assert "MemoryError" in error_of(box.call("probes.allocate", [2**27]))  # 1 GB of float64
        box.release()
        assert box.call("probes.allocate", [1000]).value == 1000.0


def test_file_size_and_open_files_are_limited(probes):
    with sandbox(probes, file_size=2**20, open_files=32) as box:
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

def test_a_case_starts_from_a_fresh_import_and_forgets_what_it_kept(probes):
    with sandbox(probes) as box:
        assert [box.call("probes.remember", [i]).value for i in range(3)] == [1, 2, 3]
        kept = box.call("probes.echo", [(np.zeros(2), 5)], keep=(0,)).value
        assert isinstance(kept[0], Handle)
        box.release()
        assert box.call("probes.remember", [0]).value == 1
        assert "no kept object" in error_of(box.call("probes.echo", [kept]))


def test_a_crash_costs_a_worker_not_the_child(probes):
    with sandbox(probes) as box:
        assert "SIGSEGV" in error_of(box.call("probes.crash", []))
        box.release()
        assert box.call("probes.echo", [1]).value == 1
        assert box.isolation()["child_starts"] == 1


def test_a_module_whose_import_times_out_fails_at_once_afterwards(probes):
    (probes / "slow.py").write_text("import time\ntime.sleep(60)\ndef f():\n    return 1\n")
    with sandbox(probes, wall=1.0) as box:
        assert "slow.py could not be imported: the call did not finish" in error_of(box.call("slow.f", []))
        box.release()
        started = time.monotonic()
        assert "slow.py could not be imported" in error_of(box.call("slow.f", []))
        assert time.monotonic() - started < 0.5
        assert box.call("probes.echo", [2]).value == 2


@needs_root
def test_release_kills_what_the_case_left_and_close_leaves_nothing(probes):
    with sandbox(probes) as box:
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

def test_printed_output_is_the_students_capped_and_never_a_result(probes):
    with sandbox(probes) as box:
        outcome = box.call("probes.shout", ['{"value": 100, "score": 100}', 1])
        assert outcome.value is None and '"score": 100' in outcome.output
        long = box.call("probes.shout", ["x", 10 * OUTPUT_SHOWN])
        assert len(long.output) < OUTPUT_SHOWN + 50 and long.output.endswith("[... output cut ...]")
        assert box.call("probes.echo", [1]).output == "", "each call shows only its own output"
