"""What isolating the student's code costs: per child start, per call, per case, per submission.

    .venv/bin/python bench/bench_isolation.py [--repeat 5] [--calls 300] [--against REV]

Runs, in one process and on the reference submission: a trivial call through
the in-process runner and through the sandbox (the round trip grader -> child ->
worker and back); a case (the worker forked, the module imported, the worker
and what it left killed and reaped); a child's start (launcher, namespaces,
numpy imported under the limits); and ``grade_submission`` of the whole
submission isolated (with each backend this platform runs) and in-process; and
``autograder grade`` as a whole command, with this tree and with the tree of git
revision REV (default: the commit before the bubblewrap sandbox), in the same
run. Prints the median of each, and what the sandbox applied (``isolation()``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from bugcorpus import write_submission  # noqa: E402
from common import checkout, median_seconds  # noqa: E402

from autograder.grade import grade_submission, hidden_plan  # noqa: E402
from autograder.isolation import BACKENDS, backends  # noqa: E402
from autograder.runner import InProcessRunner  # noqa: E402
from autograder.sandbox import Sandbox  # noqa: E402

OLD_SANDBOX = "4f4f989"  # the last commit with the project's own namespaces (before bubblewrap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="gradings and child starts to time")
    parser.add_argument("--calls", type=int, default=300, help="calls and cases to time")
    parser.add_argument("--against", default=OLD_SANDBOX, help="git revision whose grader to time too")
    args = parser.parse_args()

    folder = write_submission(Path(tempfile.mkdtemp(prefix="bench-isolation-")) / "submission")
    hidden_plan()  # the reference's expected values, made once, as in a batch
    x = [np.arange(100.0).reshape(10, 10), np.ones((10, 10))]
    call = ("conv.conv_param_count", [5, 3, 10])
    rows = []

    in_process = InProcessRunner(folder)
    rows.append(("call, in-process", median_seconds(lambda: in_process.call(*call), args.calls)))
    with Sandbox(folder) as box:
        box.call(*call)
        rows.append(("call, isolated", median_seconds(lambda: box.call(*call), args.calls)))
        arrays = ("basics.sgd_step", [x, x, 0.1])
        rows.append(("call with four 10x10 arrays, isolated",
                     median_seconds(lambda: box.call(*arrays), args.calls)))
        box.release()

        def case() -> None:
            box.call(*call)
            box.release()

        rows.append(("case (fork, import, call, kill and reap)", median_seconds(case, args.calls)))
        record = box.isolation()

    def start() -> None:
        with Sandbox(folder) as fresh:
            fresh.call(*call)

    rows.append(("child start, first call and close", median_seconds(start, args.repeat)))
    plain = median_seconds(lambda: grade_submission(folder, isolated=False), args.repeat)
    cases = sum(len(task.cases) for task in grade_submission(folder, isolated=False).tasks)
    for backend in (b for b in BACKENDS if b in backends()):
        def graded(backend: str = backend) -> None:
            os.environ["AUTOGRADER_SANDBOX"] = backend
            try:
                grade_submission(folder, isolated=True)
            finally:
                del os.environ["AUTOGRADER_SANDBOX"]

        try:
            rows.append((f"submission ({cases} cases), isolated: {backend}",
                         median_seconds(graded, args.repeat)))
        except Exception as exc:  # noqa: BLE001 - a backend this machine lists but cannot start
            print(f"{backend}: {exc}", file=sys.stderr)
    rows.append((f"submission ({cases} cases), in-process", plain))
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--json"]
    for label, tree in ((f"autograder grade, this tree ({Sandbox(folder).backend})", ROOT),
                        (f"autograder grade, tree of {args.against}", checkout(args.against))):
        def grade_command(tree: Path = tree) -> None:
            subprocess.run(command, cwd=tree, check=True, capture_output=True)

        rows.append((label, median_seconds(grade_command, args.repeat)))

    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.2f} ms")
    print(json.dumps({k: record[k] for k in ("backend", "level", "namespaces", "cgroup", "user",
                                             "grader_files_readable", "rlimits")}))


if __name__ == "__main__":
    main()
