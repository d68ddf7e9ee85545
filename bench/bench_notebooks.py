"""Benchmark grading a notebook submission: this checkout against an earlier revision's grader.

    .venv/bin/python bench/bench_notebooks.py [--against main] [--repeat 5]

The submission is the week's six notebooks solved (the reference in the solution cells, the
lecture's "Try it" cells included, as a student hands them in). It is graded with
``autograder grade SUBMISSION --json`` (isolated, every hidden case) by this checkout, which
runs each notebook's cells as Jupyter's Run All does (``notebook_runtime``), and by the
``--against`` revision's files (``git archive``, run with this Python), which read the
notebooks' definitions without running them. A warm-up run of each makes its cached plan
first; then the two alternate, ``--repeat`` times each, and their median wall times and
ratio are printed with the scores each gave. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import nbformat  # noqa: E402
from common import checkout  # noqa: E402

from autograder.notebooks import build_notebooks, solved  # noqa: E402


def write_submission(folder: Path) -> Path:
    """The six notebooks solved, as a student hands them in."""
    folder.mkdir(parents=True)
    for name, notebook in build_notebooks(release=False).items():
        nbformat.write(solved(notebook), folder / name)
    return folder


def grade(tree: Path, submission: Path) -> tuple[float, float]:
    """Wall seconds of one ``autograder grade --json`` run with the grader of ``tree``, and its score."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--json"],
                          cwd=tree, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(done.stdout)["score"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-notebooks-"))
    before = checkout(args.against)
    try:
        submission = write_submission(work / "notebooks")
        trees = {"this checkout": ROOT, args.against: before}
        times: dict[str, list[float]] = {name: [] for name in trees}
        scores: dict[str, float] = {}
        for name, tree in trees.items():  # warm-up: each grader makes (or loads) its cached plan
            _, scores[name] = grade(tree, submission)
        for _ in range(args.repeat):
            for name, tree in trees.items():
                seconds, scores[name] = grade(tree, submission)
                times[name].append(seconds)
        for name in trees:
            print(f"{name:>14}: median {statistics.median(times[name]):.2f} s over {args.repeat} runs "
                  f"({', '.join(f'{t:.2f}' for t in times[name])}), score {scores[name]:g}")
        ratio = statistics.median(times["this checkout"]) / statistics.median(times[args.against])
        print(f"this checkout / {args.against}: {ratio:.2f}x the time "
              "(the notebooks' cells now run, in every module's worker)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(before, ignore_errors=True)


if __name__ == "__main__":
    main()
