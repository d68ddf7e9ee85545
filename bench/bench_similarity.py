"""Benchmark the similarity report on generated classes of 200 and 2,000 submissions.

    .venv/bin/python bench/bench_similarity.py [--counts 200 2000] [--seed 7]

Each generated student takes, module by module, the code of one of the similarity corpus's
independent authors (``tests/similarity/make_corpus.py``: the reference, loops, einsum, kernel
offsets, classy) or leaves the stub, then makes it her own: half rename every name they chose,
and everyone adds a few statements of her own inside her functions (a check, a print, an
assert), so that no two students are alike line for line. The class is stored as ``batch``
stores it (a stamped result per student) and ``similarity.update`` is timed twice: the first
run reads every submission's code (``code.json``), the second only compares (as a ``--only``
regrade does). Printed, never asserted: the machine is shared.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "similarity")]

from make_corpus import modules_of, renamed  # noqa: E402

from autograder import similarity  # noqa: E402
from autograder.report import STAMP  # noqa: E402
from tests.week4 import ASSIGNMENTS, MODULES  # noqa: E402

AUTHORS = ("ref", "loops", "einsum", "offsets", "classy")
OWN_LINES = (  # what a student adds of her own: masked, each is a different run of tokens
    "print('shape', {name}.shape if hasattr({name}, 'shape') else {name})",
    "assert {name} is not None, 'missing {name}'",
    "_checked = len(str(type({name}))) > 0",
    "if {name} is None:\n{indent}    raise ValueError('{name} is None')",
    "_debug = [{name}, {number}]",
)


def with_own_lines(source: str, rng: random.Random, count: int = 4) -> str:
    """The module with ``count`` statements added after random one-line statements inside its functions."""
    tree = ast.parse(source)
    spots = [(node.end_lineno, node.col_offset, target.id)
             for function in tree.body if isinstance(function, ast.FunctionDef)
             for node in ast.walk(function) if isinstance(node, ast.Assign) and node.lineno == node.end_lineno
             for target in node.targets[:1] if isinstance(target, ast.Name)]
    lines = source.splitlines()
    for end, column, name in sorted(rng.sample(spots, min(count, len(spots))), reverse=True):
        template = rng.choice(OWN_LINES)
        text = template.format(name=name, number=rng.randrange(100), indent=" " * column)
        lines[end:end] = [" " * column + line if i == 0 else line for i, line in enumerate(text.split("\n"))]
    return "\n".join(lines) + "\n"


def make_class(src: Path, out: Path, count: int, seed: int) -> dict[str, Path]:
    """``count`` students in ``src``, each with a stamped result in ``out``; returns id -> submission."""
    rng = random.Random(seed)
    written = {author: modules_of(author) for author in AUTHORS}
    stubs = {module: (ASSIGNMENTS / f"{module}.py").read_text() for module in MODULES}
    submissions = {}
    for number in range(count):
        student = f"s{number:04}"
        folder = src / student
        folder.mkdir(parents=True)
        for module in MODULES:
            choices = [a for a in AUTHORS if written[a][module] != stubs[module]]
            source = written[rng.choice(choices)][module] if rng.random() < 0.9 else stubs[module]
            if source != stubs[module]:
                source = with_own_lines(renamed(source) if rng.random() < 0.5 else source, rng)
            (folder / f"{module}.py").write_text(source)
        results = out / "students" / student
        results.mkdir(parents=True)
        stamp = {"student": student, "submission_sha256": f"generated-{seed}-{number}"}
        (results / "result.json").write_text(json.dumps({STAMP: stamp}))
        submissions[student] = folder
    return submissions


def run(count: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as scratch:
        src, out = Path(scratch) / "class", Path(scratch) / "out"
        started = time.perf_counter()
        submissions = make_class(src, out, count, seed)
        made = time.perf_counter() - started
        started = time.perf_counter()
        result = similarity.update(out, submissions)
        first = time.perf_counter() - started
        similarity.unit_prints.cache_clear()  # a later batch is a new process
        started = time.perf_counter()
        similarity.update(out, submissions)
        again = time.perf_counter() - started
        pairs = count * (count - 1) // 2
        print(f"{count} submissions (generated in {made:.1f} s): first run {first:.1f} s "
              f"({1000 * first / count:.1f} ms per submission, reading each one's code), "
              f"compare only {again:.1f} s; {result.sharing} of {pairs} pairs share own code "
              f"({100 * result.sharing / pairs:.1f}%), {len(result.flagged)} flagged from "
              f"{result.threshold:.2f}, {result.common} fingerprints common to the class")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for count in args.counts:
        run(count, args.seed)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
