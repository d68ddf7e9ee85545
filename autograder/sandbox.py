"""Run untrusted student code in a fresh, limited child interpreter.

The child is *started* (``python -I``), never forked from the grader, so it holds
nothing of the grader's memory: no reference, no hidden case. It sees a copy of
the submission in a temporary folder, talks through two pipes in the
``protocol`` format (never pickle), and runs under resource limits it applies to
itself before any student code is imported. A call that overruns its wall-clock
limit kills the child's whole process group with SIGKILL; the next call starts
a new child, so one bad case costs only that case.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .child import StudentError
from .protocol import MAX_BYTES, ProtocolError, decode, encode, read_message, write_message
from .runner import Outcome, outcome_from, to_wire

HERE = Path(__file__).resolve().parent
OUTPUT_SHOWN = 4000  # characters of the student's printed output kept per call


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child process. Times in seconds, sizes in bytes."""

    wall: float = 20.0  # one call, wall clock
    cpu: int = 60  # the child's whole life, CPU time
    memory: int = 2 * 2**30  # address space
    file_size: int = 16 * 2**20  # any file it writes, its printed output included
    open_files: int = 64
    result_bytes: int = MAX_BYTES


class _DeadlineReader:
    """A file-like reader of a pipe that gives up at a deadline."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline = fd, deadline

    def read(self, n: int) -> bytes:
        left = self.deadline - time.monotonic()
        if left <= 0 or not select.select([self.fd], [], [], left)[0]:
            raise TimeoutError
        return os.read(self.fd, min(n, 1 << 20))


class Sandbox:
    """A student's submission, callable function by function in an isolated child."""

    def __init__(self, package_dir: str | os.PathLike, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="autograder-"))
        self.package_dir = self.root / "submission"
        shutil.copytree(package_dir, self.package_dir)
        self.runtime = self.root / "runtime"
        self.runtime.mkdir()
        for name in ("child.py", "protocol.py", "limits.py"):
            shutil.copy(HERE / name, self.runtime / name)
        self.output_path = self.root / "output.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def _start(self) -> None:
        requests_r, requests_w = os.pipe()
        responses_r, responses_w = os.pipe()
        env = {
            "PATH": "/usr/bin:/bin",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AUTOGRADER_LIMITS": json.dumps(asdict(self.limits)),
        }
        self._output = open(self.output_path, "ab")  # noqa: SIM115 - closed in _stop
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(self.runtime / "limits.py"), str(self.package_dir),
             str(requests_r), str(responses_w)],
            cwd=self.package_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=self._output,
            pass_fds=(requests_r, responses_w),
            start_new_session=True,  # its own process group: killpg reaches its children too
        )
        os.close(requests_r)
        os.close(responses_w)
        self._requests = os.fdopen(requests_w, "wb")
        self._responses = responses_r
        self.starts += 1

    def _stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for closing in (self._requests.close, lambda: os.close(self._responses), self._output.close):
            try:
                closing()
            except OSError:
                pass
        self.process = None

    def _death_reason(self) -> StudentError:
        code = self.process.wait() if self.process else None
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": "it used up its CPU time", "SIGXFSZ": "it wrote or printed too much",
                   "SIGSEGV": "it crashed (segmentation fault)", "SIGKILL": "it was killed"}.get(name, "")
            return StudentError("Crash", f"the student's process died with {name}" + (f": {why}" if why else ""))
        return StudentError("Crash", f"the student's process exited (status {code}) in the middle of a call")

    def _read_output(self) -> str:
        try:
            with open(self.output_path, "rb") as f:
                f.seek(self._output_seen)
                text = f.read(OUTPUT_SHOWN + 1)
            self._output_seen = self.output_path.stat().st_size
        except OSError:
            return ""
        shown = text[:OUTPUT_SHOWN].decode(errors="replace")
        return shown + ("\n[... output cut ...]" if len(text) > OUTPUT_SHOWN else "")

    _output_seen = 0

    def call(self, function: str, args: list[Any], keep: tuple[int, ...] = (),
             global_seed: int | None = None) -> Outcome:
        if self.process is None:
            self._start()
        request = {"op": "call", "function": function, "args": to_wire(args), "keep": list(keep),
                   "global_seed": global_seed}
        deadline = time.monotonic() + self.limits.wall
        try:
            write_message(self._requests, *encode(request))
            result = decode(*read_message(_DeadlineReader(self._responses, deadline), self.limits.result_bytes))
        except TimeoutError:
            self._stop()
            return Outcome(error=StudentError("Timeout", f"the call did not finish within {self.limits.wall:g} s"),
                           output=self._read_output())
        except (EOFError, BrokenPipeError, OSError):
            error = self._death_reason()
            self._stop()
            return Outcome(error=error, output=self._read_output())
        except (ProtocolError, ValueError, KeyError) as exc:
            self._stop()
            return Outcome(error=StudentError("BadResult", f"the student's process sent a malformed result: {exc}"),
                           output=self._read_output())
        if not isinstance(result, dict) or not ({"value", "error"} & result.keys()):
            self._stop()
            return Outcome(error=StudentError("BadResult", "the student's process sent a malformed result"))
        return outcome_from(result, self._read_output())

    def release(self) -> None:
        """Forget every kept object; a new child is not needed for that."""
        if self.process is not None:
            try:
                write_message(self._requests, *encode({"op": "drop"}))
                read_message(_DeadlineReader(self._responses, time.monotonic() + self.limits.wall))
            except (TimeoutError, EOFError, OSError, ProtocolError):
                self._stop()

    def isolation(self) -> dict[str, Any]:
        """What protected this run, for the result's record."""
        return {"mode": "subprocess", "limits": asdict(self.limits), "child_starts": self.starts}

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
