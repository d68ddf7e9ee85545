"""Does ``autograder batch`` scale with the class on one machine? Time per student and peak memory.

    .venv/bin/python bench/bench_scale.py [--sizes 200,2000] [--jobs 2] [--seed 4]

For each size, generates that many submissions with ``bench_batch.make_class`` (the same
seed: a smaller class is the start of a larger one), grades them with ``autograder batch
--jobs N`` as a TA would, and prints the wall time per student, which should stay flat as
the class grows, and two peaks of resident memory, which should not grow with it:

- the batch's own process (``VmHWM`` of /proc/PID/status, read until it exits): it holds
  the task list, the progress and, at the end, every result for the gradebook and the report;
- the largest process of the whole run (``ru_maxrss`` of ``wait4``: the batch, its workers
  and their sandboxed children, whichever peaked highest).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import ROOT, make_class  # noqa: E402


def _peak_kib(pid: int) -> int | None:
    """The process's peak resident set so far (KiB), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def graded(src: Path, out: Path, jobs: int) -> tuple[float, int, int]:
    """Run the batch; its wall time (s), its own process's peak memory and the run's largest (KiB)."""
    command = [sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out), "--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    own = 0

    def watch() -> None:
        nonlocal own
        while (peak := _peak_kib(process.pid)) is not None and process.returncode is None:
            own = max(own, peak)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # wait4 rather than wait: its rusage is the whole tree's (a process's own peak and its waited
    # children's, recursively), and only for this run.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"the batch failed with exit status {process.returncode}")
    return seconds, own, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,2000", help="class sizes, comma-separated (default 200,2000)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    print(f"{'students':>8}  {'wall s':>8}  {'s/student':>9}  {'batch peak MiB':>14}  "
          f"{'largest process MiB':>19}")
    first = None
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            src = Path(tmp) / "submissions"
            src.mkdir()
            make_class(src, size, args.seed)
            seconds, own, largest = graded(src, Path(tmp) / "out", args.jobs)
        per = seconds / size
        first = first or per
        print(f"{size:>8}  {seconds:>8.1f}  {per:>9.3f}  {own / 1024:>14.0f}  {largest / 1024:>19.0f}"
              f"   ({per / first:.2f}x the time per student of {sizes[0]})", flush=True)


if __name__ == "__main__":
    main()
