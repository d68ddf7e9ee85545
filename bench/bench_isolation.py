"""What isolating the student's code costs: per child start, per call, per case, per submission.

    .venv/bin/python bench/bench_isolation.py [--repeat 5] [--calls 300]

Runs, in one process and on the reference submission: a trivial call through
the in-process runner and through the sandbox (the round trip grader -> child ->
worker and back); a case (the worker forked, the module imported, the worker
and what it left killed and reaped); a child's start (launcher, namespaces,
numpy imported under the limits); and ``grade_submission`` of the whole
submission isolated and in-process. Prints the median of each, and what the
sandbox applied (``isolation()``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bugcorpus import write_submission  # noqa: E402

from autograder.grade import grade_submission, hidden_plan  # noqa: E402
from autograder.runner import InProcessRunner  # noqa: E402
from autograder.sandbox import Sandbox  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``action``, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="gradings and child starts to time")
    parser.add_argument("--calls", type=int, default=300, help="calls and cases to time")
    args = parser.parse_args()

    folder = write_submission(Path(tempfile.mkdtemp(prefix="bench-isolation-")) / "submission")
    hidden_plan()  # the reference's expected values, made once, as in a batch
    x = [np.arange(100.0).reshape(10, 10), np.ones((10, 10))]
    call = ("conv.conv_param_count", [5, 3, 10])
    rows = []

    in_process = InProcessRunner(folder)
    rows.append(("call, in-process", timed(lambda: in_process.call(*call), args.calls)))
    with Sandbox(folder) as box:
        box.call(*call)
        rows.append(("call, isolated", timed(lambda: box.call(*call), args.calls)))
        arrays = ("basics.sgd_step", [x, x, 0.1])
        rows.append(("call with four 10x10 arrays, isolated", timed(lambda: box.call(*arrays), args.calls)))
        box.release()

        def case() -> None:
            box.call(*call)
            box.release()

        rows.append(("case (fork, import, call, kill and reap)", timed(case, args.calls)))
        record = box.isolation()

    def start() -> None:
        with Sandbox(folder) as fresh:
            fresh.call(*call)

    rows.append(("child start, first call and close", timed(start, args.repeat)))
    isolated = timed(lambda: grade_submission(folder, isolated=True), args.repeat)
    plain = timed(lambda: grade_submission(folder, isolated=False), args.repeat)
    cases = sum(len(task.cases) for task in grade_submission(folder, isolated=False).tasks)
    rows += [(f"submission ({cases} cases), isolated", isolated),
             (f"submission ({cases} cases), in-process", plain),
             ("isolation per submission", isolated - plain)]

    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.2f} ms")
    print(json.dumps({k: record[k] for k in ("user", "network_namespace", "mount_namespace", "pid_namespace",
                                             "hidden", "private_tmp", "grader_files_readable", "rlimits")}))


if __name__ == "__main__":
    main()
