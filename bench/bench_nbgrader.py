"""Benchmark ``nbgrader autograde`` against ``autograder batch`` on the same notebook submissions.

    .venv/bin/python bench/bench_nbgrader.py [--students 6] [--jobs 2] [--seed 0] [--keep DIR]

Writes a real nbgrader course (``autograder nbgrader``), releases it with
``nbgrader generate_assignment``, and hands in ``students`` submissions of the six
notebooks: the first solved (the reference), the second the untouched release,
the others the reference with 1 to 3 bugs of the corpus (``tests/bugs``, a fixed
seed) spliced into their notebooks. Then it times, wall clock, the two ways to
grade them all:

- ``nbgrader autograde week4``: one kernel per notebook, one notebook at a time;
  the test cells run the hidden cases in the kernel (``notebook_grading``);
- ``autograder batch submitted --out OUT --jobs N``: each student's notebooks read
  as JSON, without a kernel, and graded in the sandbox, N students in parallel;

and prints every student's score from both (nbgrader's from its gradebook), which
must agree.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import nbformat  # noqa: E402
from bugcorpus import load_bugs  # noqa: E402

from autograder.nbgrader_course import ASSIGNMENT  # noqa: E402
from autograder.notebooks import BY_MODULE, build_notebooks, solved, with_function  # noqa: E402

BIN = Path(sys.executable).parent  # nbgrader, and alembic, which nbgrader runs


def submissions(release: Path, count: int, seed: int) -> dict[str, tuple[str, dict]]:
    """Student id -> (what it is, file name -> notebook)."""
    rng = random.Random(seed)
    key = {name: solved(nb) for name, nb in build_notebooks(release=False).items()}
    untouched = {p.name: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))}
    out = {"s00": ("reference", key), "s01": ("untouched release", untouched)}
    bugs = load_bugs()
    for number in range(2, count):
        chosen = rng.sample(bugs, rng.randint(1, 3))
        notebooks = dict(key)
        for bug in chosen:
            name = BY_MODULE[bug.module].filename
            for source in bug.functions.values():
                notebooks[name] = with_function(notebooks[name], source)
        out[f"s{number:02}"] = (", ".join(bug.name for bug in chosen), notebooks)
    return out


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command; its wall time in seconds. A failure stops the benchmark with the command's output."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def nbgrader_totals(course: Path, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: gradebook.find_submission(ASSIGNMENT, s).score for s in students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2, help="autograder batch's parallel workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    course = work / "course"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    nbgrader = str(BIN / "nbgrader")
    try:
        timed([sys.executable, "-m", "autograder", "nbgrader", str(course)], ROOT, env)
        timed([nbgrader, "generate_assignment", ASSIGNMENT], course, env)
        handed_in = submissions(course / "release" / ASSIGNMENT, args.students, args.seed)
        roster = course / "students.csv"
        roster.write_text("id\n" + "".join(f"{s}\n" for s in handed_in))
        timed([nbgrader, "db", "student", "import", str(roster)], course, env)
        for student, (_, notebooks) in handed_in.items():
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name, nb in notebooks.items():
                nbformat.write(nb, folder / name)
        notebooks = sum(len(nbs) for _, nbs in handed_in.values())
        print(f"{len(handed_in)} students, {notebooks} notebooks, on {os.cpu_count()} cores")

        nbgrader_seconds = timed([nbgrader, "autograde", ASSIGNMENT], course, env)
        out = work / "batch"
        batch_seconds = timed([sys.executable, "-m", "autograder", "batch", str(course / "submitted"),
                               "--out", str(out), "--jobs", str(args.jobs)], ROOT, env)
        print(f"nbgrader autograde:          {nbgrader_seconds:6.1f} s wall, "
              f"{nbgrader_seconds / len(handed_in):.2f} s per student, "
              f"{nbgrader_seconds / notebooks:.2f} s per notebook")
        print(f"autograder batch --jobs {args.jobs}:   {batch_seconds:6.1f} s wall, "
              f"{batch_seconds / len(handed_in):.2f} s per student "
              f"({nbgrader_seconds / batch_seconds:.1f}x faster)")

        ours = nbgrader_totals(course, list(handed_in))
        with open(out / "gradebook.csv", newline="") as f:
            theirs = {row["student"]: float(row["total"]) for row in csv.DictReader(f)}
        print(f"\n{'student':8} {'nbgrader':>9} {'batch':>9}  submission")
        for student, (kind, _) in handed_in.items():
            mark = "" if abs(ours[student] - theirs[student]) < 1e-6 else "   <- DIFFERENT"
            print(f"{student:8} {ours[student]:9.4g} {theirs[student]:9.4g}  {kind}{mark}")
        agree = all(abs(ours[s] - theirs[s]) < 1e-6 for s in handed_in)
        print(f"\nthe scores agree: {agree}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
