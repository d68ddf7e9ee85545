"""Benchmark ``autograder batch`` on a generated class, and the cost of isolation.

    .venv/bin/python bench/bench_batch.py [--count 200] [--jobs 2] [--seed 4] [--sample 10]

Generates ``count`` submissions from the reference and the bug corpus (each with
0 to 3 random bugs, some zipped, plus a few untouched stubs, corrupt zips, empty
folders and syntax errors; a fixed seed makes the class the same every run),
grades them with ``autograder batch --jobs N`` as a TA would, checks that every
submission has its row, and prints the wall time and the time per submission.
A second run shows what skipping unchanged submissions costs.

Then, in this process, it grades ``sample`` of the submissions one after the
other isolated (the sandbox child) and in-process (``isolated=False``), and
prints what isolation costs per submission.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bugcorpus import load_bugs, write_submission  # noqa: E402

from autograder.grade import grade_submission, hidden_plan  # noqa: E402
from tests.week4 import ASSIGNMENTS  # noqa: E402


def _zip_folder(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted(folder.iterdir()):
            z.write(file, file.name)
    shutil.rmtree(folder)


def make_class(src: Path, count: int, seed: int) -> dict[str, str]:
    """Write ``count`` submissions into ``src``; returns student id -> what it is."""
    rng = random.Random(seed)
    bugs = load_bugs()
    kinds = {}
    for number in range(count):
        student = f"s{number:03}"
        draw = rng.random()
        if draw < 0.03:
            kinds[student] = "stubs"
            shutil.copytree(ASSIGNMENTS, src / student, ignore=shutil.ignore_patterns("*.bin", "__pycache__"))
        elif draw < 0.05:
            kinds[student] = "corrupt zip"
            (src / f"{student}.zip").write_bytes(b"PK\x03\x04" + rng.randbytes(200))
        elif draw < 0.07:
            kinds[student] = "empty"
            (src / student).mkdir()
        elif draw < 0.09:
            kinds[student] = "syntax error"
            write_submission(src / student)
            (src / student / "rnn.py").write_text("def rnn_forward(x, h0, Wx, Wh, b)\n    pass\n")
        else:
            chosen = rng.sample(bugs, rng.randint(0, 3))
            kinds[student] = f"{len(chosen)} bug(s)"
            write_submission(src / student, chosen)
            if rng.random() < 0.15:
                _zip_folder(src / student, src / f"{student}.zip")
    return kinds


def run_batch(src: Path, out: Path, jobs: int, secret: str | None = None) -> tuple[float, str]:
    """``autograder batch`` as a TA runs it (``secret``: with per-student hidden cases); returns its wall
    time and the first line it printed."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "autograder", "batch", str(src), "--out", str(out), "--jobs", str(jobs)]
    env = {**os.environ, **({"AUTOGRADER_SECRET": secret} if secret else {})}
    done = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True, env=env)
    return time.perf_counter() - started, done.stdout.splitlines()[0]


def isolation_cost(paths: list[Path]) -> tuple[list[float], list[float]]:
    """Seconds per submission, isolated and in-process, graded alternately so that load drifts hit both."""
    hidden_plan()
    grade_submission(paths[0], isolated=False)  # imports and caches warm before timing
    isolated, in_process = [], []
    for path in paths:
        for times, flag in ((isolated, True), (in_process, False)):
            started = time.perf_counter()
            grade_submission(path, isolated=flag)
            times.append(time.perf_counter() - started)
    return isolated, in_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--sample", type=int, default=10, help="submissions timed isolated vs in-process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        src, out = Path(tmp) / "submissions", Path(tmp) / "out"
        src.mkdir()
        kinds = make_class(src, args.count, args.seed)
        print(f"{args.count} submissions ({len(load_bugs())} bugs in the corpus): "
              + ", ".join(f"{n} {kind}" for kind, n in sorted(Counter(kinds.values()).items())))

        first, said = run_batch(src, out, args.jobs)
        print(f"batch, --jobs {args.jobs}: {first:.1f} s wall, {first / args.count:.3f} s per submission")
        print(f"  it said: {said}")
        with open(out / "gradebook.csv", newline="") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
        missing = sorted(set(kinds) - set(rows))
        print(f"every submission has its row: {not missing}" + (f" (missing: {missing})" if missing else ""))
        statuses = Counter(row["status"] for row in rows.values())
        print("statuses: " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())))
        clean = [s for s, kind in kinds.items() if kind == "0 bug(s)"]
        full = sum(float(rows[s]["total"]) == 100 for s in clean)
        print(f"bug-free submissions scoring 100: {full} of {len(clean)}")
        again, said = run_batch(src, out, args.jobs)
        print(f"re-run (unchanged submissions are skipped unless the grader changed): {again:.1f} s wall")
        print(f"  it said: {said}")
        secret = f"bench-{random.Random().getrandbits(64):x}"  # new each run: every variant's plan made anew
        own, said = run_batch(src, Path(tmp) / "out-variants", args.jobs, secret)
        print(f"with per-student hidden cases (--secret): {own:.1f} s wall, {own / first:.2f}x the shared "
              f"cases' {first:.1f} s (each student's plan is made once: the reference's values, gradients)")
        regrade, _ = run_batch(src, Path(tmp) / "out-variants", args.jobs, secret)
        print(f"  re-run with the same secret (unchanged: skipped): {regrade:.1f} s wall")

        folders = sorted(p for p in src.iterdir() if p.is_dir() and kinds[p.name].endswith("bug(s)"))
        sample = folders[:args.sample]
        isolated, in_process = isolation_cost(sample)
        iso, inp = statistics.fmean(isolated), statistics.fmean(in_process)
        print(f"one at a time on {len(sample)} submissions: isolated {iso:.3f} s, in-process {inp:.3f} s per "
              f"submission; isolation costs {iso - inp:+.3f} s ({100 * (iso - inp) / inp:+.0f}%)")
        speedup = iso * args.count / first
        print(f"speed-up of the batch over isolated grading one at a time: {speedup:.2f}x")


if __name__ == "__main__":
    main()
