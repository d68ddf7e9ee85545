"""What a failure costs, and grading against the speed of the machine (issue: "a failure costs seconds").

    .venv/bin/python bench/bench_speed.py [--repeat 5] [--against REV]

In one run, with this tree's grader (isolated, the strongest sandbox here):

1. An endless loop in ``conv.conv_forward`` of an otherwise correct submission: wall time of
   ``autograder grade``, and how many of the tasks that do not call it keep full marks.
2. Endless loops in every graded function of ``rnn.py`` and ``lstm.py``: the same, with basics,
   conv and dropout the tasks that must keep full marks.
3. ``autograder grade`` of a correct submission against ``python -c "import numpy"``: medians of
   whole processes, and their ratio; and the same grading with the grader of git revision REV
   (default: the commit before this work) for the "before" figure.

Nothing here is asserted: the figures are printed, for the README and the closing notes.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from bugcorpus import _splice, reference_source, write_submission  # noqa: E402
from common import checkout, median_seconds  # noqa: E402

BEFORE = "4f4f989"  # the last commit before the time limits from the work and the cached plan
GRADED = {"rnn": ("rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward", "clip_grad_norm"),
          "lstm": ("lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward")}


def endless(module: str, names: tuple[str, ...]) -> str:
    """The reference module with every function of ``names`` replaced by an endless loop (same signature)."""
    source = reference_source(module)
    loops = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            loops[node.name] = f"def {node.name}({ast.unparse(node.args)}):\n    while True:\n        pass\n"
    return _splice(source, loops)


def grade(submission: Path, tree: Path = ROOT) -> tuple[float, dict]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--json"], cwd=tree,
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(run.stdout)


def full_marks(result: dict, counted: Callable[[str], bool]) -> str:
    """How many of the tasks ``counted`` picks (by name) kept full marks."""
    tasks = [t for t in result["tasks"] if counted(t["name"])]
    return f"{sum(t['score'] == t['max_score'] for t in tasks)} of {len(tasks)} at full marks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each process, for the medians")
    parser.add_argument("--against", default=BEFORE, help="git revision of the 'before' grader")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    correct = write_submission(folder / "correct")

    one = write_submission(folder / "endless-conv-forward")
    (one / "conv.py").write_text(endless("conv", ("conv_forward",)))
    seconds, result = grade(one)
    calling = ("conv.conv_forward", "conv.conv_backward")
    print(f"endless loop in conv_forward: {seconds:.1f} s; the tasks that do not call it: "
          f"{full_marks(result, lambda name: name not in calling)}")

    every = write_submission(folder / "endless-rnn-lstm")
    for module, names in GRADED.items():
        (every / f"{module}.py").write_text(endless(module, names))
    seconds, result = grade(every)
    print(f"endless loops in every graded function of rnn.py and lstm.py: {seconds:.1f} s; basics, conv, "
          f"dropout: {full_marks(result, lambda name: name.split('.')[0] in ('basics', 'conv', 'dropout'))}")

    grade(correct)  # the cached plan made, as it is for every later grading
    numpy = median_seconds(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True),
                           args.repeat)
    ours = median_seconds(lambda: grade(correct), args.repeat)
    old_tree = checkout(args.against)
    before = median_seconds(lambda: grade(correct, old_tree), args.repeat)
    print(f"python -c 'import numpy': {numpy:.3f} s; autograder grade (correct): {ours:.3f} s = "
          f"{ours / numpy:.1f}x; with the grader of {args.against}: {before:.3f} s = {before / numpy:.1f}x")


if __name__ == "__main__":
    main()
