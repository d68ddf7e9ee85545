"""Benchmark grading: one submission, the self-check, the numerical gradient checks, the corpus.

    .venv/bin/python bench/bench_grading.py [--repeat 3]

1. Wall time of grading one complete (reference) submission with every hidden case, isolated
   (the sandbox child) and in-process. Goal: under 1 s isolated on a 2-core machine.
2. Wall time of the whole self-check (``run_selfcheck`` on solutions/, the public cases).
   Goal: under 5 s.
3. The element-wise (full) and the directional gradient check on every backward and loss task:
   forward evaluations and time per check (one check = one gradient array of one case). Each
   task is graded with ``gradcheck="full-alone"`` and ``"directional-alone"``, the numerical
   check alone; the reference forward is wrapped to count its calls.
4. The bug corpus's catch rate with each numerical check ALONE (no comparison with the
   reference's backward), against the default (reference comparison and both checks): a bug is
   caught when its own task loses points.

Speed goals are measured and printed here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bugcorpus import load_bugs, write_submission  # noqa: E402

from autograder.checks import Reference  # noqa: E402
from autograder.grade import grade_submission, hidden_plan, run_plan  # noqa: E402
from autograder.public import load_plan  # noqa: E402
from autograder.runner import InProcessRunner  # noqa: E402
from autograder.selfcheck import run_selfcheck  # noqa: E402
from tests.week4 import SOLUTIONS  # noqa: E402

GRADIENT_CHECKS = ("backward", "loss_grad")  # the task kinds whose gradients are checked numerically
ALONE = ("full-alone", "directional-alone")


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the sandbox's), user + system."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(median wall, best wall, median CPU) time of ``repeat`` runs, in seconds.

    The CPU time does not grow when other programs share the machine; the wall time does.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


class CountingReference(Reference):
    """The reference, counting how often each function is called (the numerical checks' forwards)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def function(self, qualname: str) -> Callable[..., Any]:
        forward = super().function(qualname)

        def counted(*args: Any) -> Any:
            self.calls[qualname] = self.calls.get(qualname, 0) + 1
            return forward(*args)

        return counted


def bench_whole(work: Path, repeat: int) -> list[tuple[str, tuple[float, float, float], str]]:
    """(what, (median wall, best wall, median CPU), verdict on the goal) per measurement."""
    reference = write_submission(work / "reference")
    rows = [("hidden cases planned (reference, once per process)", timed(hidden_plan, 1), "")]
    for label, isolated, goal in (("grade, isolated", True, 1.0), ("grade, in-process", False, None)):
        result = grade_submission(reference, isolated=isolated)
        assert result.score == 100, result.score
        times = timed(lambda i=isolated: grade_submission(reference, isolated=i), repeat)
        rows.append((f"{label} (one submission, every hidden case)", times,
                     "" if goal is None else ("ok" if times[0] < goal else "OVER") + f" (goal < {goal:g} s)"))
    cases = sum(len(cases) for _, cases in load_plan())
    times = timed(lambda: run_selfcheck(SOLUTIONS), repeat)
    rows.append((f"self-check of solutions/ ({cases} public cases)", times,
                 ("ok" if times[0] < 5 else "OVER") + " (goal < 5 s)"))
    return rows


def bench_gradchecks(work: Path) -> list[tuple[str, int, dict[str, tuple[float, float]]]]:
    """Per gradient task: the number of checks, and per mode (evaluations, seconds) per check."""
    runner = InProcessRunner(write_submission(work / "for-gradchecks"))
    rows = []
    try:
        for task, cases in hidden_plan():
            if task.check not in GRADIENT_CHECKS:
                continue
            checks = sum(len(_wrt_arrays(task, planned.inputs)) for planned in cases)
            per_mode = {}
            for mode in ALONE:
                reference = CountingReference()
                started = time.perf_counter()
                (result,) = run_plan(runner, [(task, cases)], reference, mode)
                elapsed = time.perf_counter() - started
                assert result.score == result.max_score, (task.name, mode)
                per_mode[mode] = (sum(reference.calls.values()) / checks, elapsed / checks)
            rows.append((task.name, checks, per_mode))
    finally:
        runner.close()
    return rows


def _wrt_arrays(task, inputs: dict[str, Any]) -> list[str]:
    """The arrays a task's gradients are checked on: each wrt argument, each key of a dict argument."""
    return [f"{name}[{key}]" for name in task.options["wrt"]
            for key in (inputs[name] if isinstance(inputs[name], dict) else [""])]


def bench_catch_rate(work: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Per mode, the gradient bugs its checks miss; and the names of the gradient bugs."""
    plans = {task.name: [(task, cases)] for task, cases in hidden_plan()}
    bugs = [bug for bug in load_bugs() if plans[bug.task][0][0].check in GRADIENT_CHECKS]
    missed: dict[str, list[str]] = {mode: [] for mode in ("both", *ALONE)}
    for bug in bugs:
        path = write_submission(work / f"bug-{bug.name}", [bug])
        for mode in missed:
            (task,) = grade_submission(path, isolated=False, gradcheck=mode, plan=plans[bug.task]).tasks
            if task.score == task.max_score:
                missed[mode].append(bug.name)
    return missed, [bug.name for bug in bugs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median and best shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        work = Path(tmp)

        print("1-2. Grading and self-check, seconds (wall: median and best; CPU: median, children included)")
        print(f"  {'':58s} {'wall':>7s} {'best':>7s} {'CPU':>7s}")
        for label, (median, best, cpu), verdict in bench_whole(work, args.repeat):
            print(f"  {label:58s} {median:7.3f} {best:7.3f} {cpu:7.3f}  {verdict}")

        print("\n3. Numerical gradient checks, per check (one gradient array of one case), check alone")
        print(f"  {'task':32s} {'checks':>6s} {'full evals':>10s} {'full ms':>8s} {'dir evals':>9s} "
              f"{'dir ms':>7s}")
        totals = {mode: [0.0, 0.0] for mode in ALONE}
        count = 0
        for name, checks, per_mode in bench_gradchecks(work):
            (full_evals, full_s), (dir_evals, dir_s) = per_mode["full-alone"], per_mode["directional-alone"]
            print(f"  {name:32s} {checks:6d} {full_evals:10.1f} {1000 * full_s:8.2f} {dir_evals:9.1f} "
                  f"{1000 * dir_s:7.2f}")
            for mode, (evals, seconds) in per_mode.items():
                totals[mode][0] += evals * checks
                totals[mode][1] += seconds * checks
            count += checks
        (full_evals, full_s), (dir_evals, dir_s) = totals["full-alone"], totals["directional-alone"]
        print(f"  {'all':32s} {count:6d} {full_evals / count:10.1f} {1000 * full_s / count:8.2f} "
              f"{dir_evals / count:9.1f} {1000 * dir_s / count:7.2f}")
        print("  (ms per check include judging the case: calling the submission's forward and backward once)")

        missed, bugs = bench_catch_rate(work)
        print(f"\n4. Catch rate of the corpus's {len(bugs)} gradient bugs (their own task checks a gradient)")
        for mode, names in missed.items():
            what = {"both": "default: reference backward + both numerical checks",
                    "full-alone": "the full (element-wise) check alone",
                    "directional-alone": "the directional check alone (3 Gaussian directions)"}[mode]
            caught = len(bugs) - len(names)
            print(f"  {what:55s} {caught:3d}/{len(bugs)}  ({100 * caught / len(bugs):.0f}%)"
                  + (f"  missed: {', '.join(names)}" if names else ""))


if __name__ == "__main__":
    main()
