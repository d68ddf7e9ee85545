"""Benchmark ``autograder nbgrader-autograde`` against ``nbgrader autograde`` on the same course.

    .venv/bin/python bench/bench_nbgrader.py [--students 6] [--jobs 2] [--repeat 3] [--seed 0] [--keep DIR]

Writes a real nbgrader course (``autograder nbgrader``), releases it with
``nbgrader generate_assignment``, and hands in ``students`` submissions of the six
notebooks: the first solved (the reference), the second the untouched release,
the others the reference with 1 to 3 bugs of the corpus (``tests/bugs``, a fixed
seed) spliced into their notebooks. Copies of that course are then graded, and timed
(wall clock, and the CPU time of the command and all its processes), in one run:

- ``nbgrader autograde week4``: one kernel per notebook, one notebook at a time, the
  test cells running the hidden cases in the kernel (``notebook_grading``). The course's
  kernel hides the reference, so that its test cells would run the public cases only:
  this copy gets the plain ipykernel back, the reference importable, as nbgrader
  graded before ``nbgrader-autograde`` existed;
- ``autograder nbgrader-autograde COURSE week4 --jobs N``: no kernel, each student's
  notebooks graded in the sandbox, N students in parallel, into the same gradebook and
  ``autograded/`` notebooks;
- ``autograder batch submitted --out OUT --jobs N``: the same grading without nbgrader;

and prints every student's total from each (nbgrader's from its gradebook), which must agree,
and whether the two gradebooks agree row for row (every grade, comment, late penalty).

The two fast commands run ``--repeat`` times, each on a fresh copy, and their median wall
time is compared: a run of a few seconds on a shared machine is at the mercy of what else
runs in those seconds, a run of a minute (nbgrader's) averages it out. Every run is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import nbformat  # noqa: E402
from bugcorpus import load_bugs  # noqa: E402
from test_nbgrader import gradebook_rows  # noqa: E402

from tests.week4 import WEEK4  # noqa: E402

ASSIGNMENT = WEEK4.name
from autograder.notebooks import build_notebooks, solved, with_function  # noqa: E402
from tests.week4 import BY_MODULE  # noqa: E402

BIN = Path(sys.executable).parent  # nbgrader
# The kernel nbgrader ran before the course hid the reference from it (nbgrader_course.KERNEL)
PLAIN_KERNEL = {"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3", "language": "python"}


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


def cpu_of_children() -> float:
    """User and system seconds of this process's ended children and theirs (kernels, workers, sandboxes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command; its wall and CPU seconds. A failure stops the benchmark with the command's output."""
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, cpu_of_children() - cpu


def nbgrader_totals(course: Path, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: gradebook.find_submission(ASSIGNMENT, s).score for s in students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers of the autograder's commands")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each autograder command (the median)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    course = work / "course"
    env = dict(os.environ)  # the course's configuration finds nbgrader's alembic itself
    nbgrader = str(BIN / "nbgrader")
    autograder = [sys.executable, "-m", "autograder"]
    try:
        timed([*autograder, "nbgrader", str(course)], ROOT, env)
        timed([nbgrader, "generate_assignment", ASSIGNMENT], course, env)
        handed_in = submissions(course / "release" / ASSIGNMENT, args.students, args.seed)
        for student, (_, notebooks) in handed_in.items():
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name, nb in notebooks.items():
                nbformat.write(nb, folder / name)
        in_kernel = work / "in-kernel"
        shutil.copytree(course, in_kernel)
        (in_kernel / "jupyter" / "kernels" / "python3" / "kernel.json").write_text(json.dumps(PLAIN_KERNEL))
        isolated = [shutil.copytree(course, work / f"isolated-{run}") for run in range(args.repeat)]
        notebooks = sum(len(nbs) for _, nbs in handed_in.values())
        print(f"{len(handed_in)} students, {notebooks} notebooks, on {os.cpu_count()} cores")

        nbgrader_wall, nbgrader_cpu = timed([nbgrader, "autograde", ASSIGNMENT], in_kernel, env)
        ours = f"autograder nbgrader-autograde --jobs {args.jobs}"
        batch = f"autograder batch --jobs {args.jobs}"
        runs: dict[str, list[tuple[float, float]]] = {ours: [], batch: []}
        for run, copy in enumerate(isolated):  # in turn: a busy moment of the machine slows both
            runs[ours].append(timed([*autograder, "nbgrader-autograde", str(copy), ASSIGNMENT,
                                     "--jobs", str(args.jobs)], ROOT, env))
            runs[batch].append(timed([*autograder, "batch", str(course / "submitted"), "--out",
                                      str(work / f"batch-{run}"), "--jobs", str(args.jobs)], ROOT, env))
        print(f"{'nbgrader autograde:':40} {nbgrader_wall:6.1f} s wall ({nbgrader_cpu:5.1f} s CPU), "
              f"{nbgrader_wall / len(handed_in):.2f} s per student, "
              f"{nbgrader_wall / notebooks:.2f} s per notebook")
        for name, timings in runs.items():
            wall = statistics.median(w for w, _ in timings)
            cpu = statistics.median(c for _, c in timings)
            print(f"{name + ':':40} {wall:6.1f} s wall ({cpu:5.1f} s CPU), "
                  f"{wall / len(handed_in):.2f} s per student: {nbgrader_wall / wall:.1f}x faster than "
                  f"nbgrader autograde ({nbgrader_cpu / cpu:.1f}x less CPU); the {args.repeat} runs: "
                  + ", ".join(f"{w:.1f}" for w, _ in timings) + " s")

        totals = {"nbgrader": nbgrader_totals(in_kernel, list(handed_in)),
                  "nbgrader-autograde": nbgrader_totals(isolated[0], list(handed_in))}
        with open(work / "batch-0" / "gradebook.csv", newline="") as f:
            totals["batch"] = {row["student"]: float(row["total"]) for row in csv.DictReader(f)}
        print(f"\n{'student':8} " + " ".join(f"{name:>18}" for name in totals) + "  submission")
        for student, (kind, _) in handed_in.items():
            scores = [column[student] for column in totals.values()]
            mark = "" if max(scores) - min(scores) < 1e-6 else "   <- DIFFERENT"
            print(f"{student:8} " + " ".join(f"{score:18.4g}" for score in scores) + f"  {kind}{mark}")
        agree = all(max(c[s] for c in totals.values()) - min(c[s] for c in totals.values()) < 1e-6
                    for s in handed_in)
        print(f"\nthe scores agree: {agree}")
        rows = gradebook_rows(in_kernel)
        same = all(gradebook_rows(copy) == rows for copy in isolated)
        print(f"nbgrader's gradebook and nbgrader-autograde's agree row for row "
              f"({len(rows['grades'])} grades, {len(rows['comments'])} comments, "
              f"{len(rows['notebooks'])} notebooks): {same}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
