"""A class graded in slices on many machines, and put back together (SPEC §3).

``autograder batch DIR --out OUT_i --shard i/N`` grades the students whose id hashes to
slice i of N; ``--shard index/N`` takes i from ``$JOB_COMPLETION_INDEX`` (0-based, as a
Kubernetes Indexed Job sets it: index 0 is slice 1). The slice of a student is
``sha256(id) mod N``: it does not depend on the order of a listing, on the machine or on
the other students, so every shard of one class agrees on who is whose, and the slices are
balanced as a hash is (a class of 2,000 in 10 slices: 200 ± about 14 each).

Every batch writes ``OUT/batch.json`` beside its gradebook: what ``merge`` needs to rebuild
the class's files as one batch would have made them::

    {"shard": "2/3" or null,
     "class": every student id the batch found (its DIR and its roster, all slices),
     "lms": "canvas" | "moodle" | null, "lms_column": the --lms-column or null,
     "roster": "roster.csv" (a copy of --roster beside it) or null}

``autograder merge OUT OUT_1 ... OUT_N`` copies every student's folder of the shards into
OUT/students, then writes the gradebook, the report, the similarity report (from each
student's stored ``code.json``: no submission is read) and the LMS files with the very
functions a batch uses. It says who is missing (in a shard's class, in no shard's results)
and who is in several shards (the copy of the shard the id hashes to wins).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import write_atomic
from .cli import UsageError

if TYPE_CHECKING:
    from .batch import LmsClass

SETTINGS, ROSTER_COPY = "batch.json", "roster.csv"
INDEX_WORD, INDEX_VARIABLE = "index", "JOB_COMPLETION_INDEX"
USAGE = "--shard takes i/N (1 <= i <= N) or index/N (i from $JOB_COMPLETION_INDEX, 0-based)"


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        return slice_of(student, self.count) == self.index


def slice_of(student: str, count: int) -> int:
    """The slice (1 to ``count``) a student id belongs to: a stable hash of the id alone."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse(text: str, environ: dict[str, str] | os._Environ[str] = os.environ) -> Shard:
    """``i/N`` or ``index/N`` as a Shard; ``UsageError`` with one line for anything else."""
    index, slash, count = text.partition("/")
    if not slash or not count.strip().isdigit() or int(count) < 1:
        raise UsageError(f"--shard {text}: {USAGE}")
    if index.strip() == INDEX_WORD:
        value = environ.get(INDEX_VARIABLE)
        if value is None:
            raise UsageError(f"--shard {text}: ${INDEX_VARIABLE} is not set (an Indexed Job sets it)")
        if not value.strip().isdigit():
            raise UsageError(f"--shard {text}: ${INDEX_VARIABLE} is {value!r}, not a number")
        shard = Shard(int(value) + 1, int(count))
        if shard.index > shard.count:
            raise UsageError(f"--shard {text}: ${INDEX_VARIABLE} is {value}, but there are only {count} "
                             f"slices (0 to {int(count) - 1})")
        return shard
    if not index.strip().isdigit() or not 1 <= int(index) <= int(count):
        raise UsageError(f"--shard {text}: {USAGE}")
    return Shard(int(index), int(count))


def write_settings(out: Path, shard: Shard | None, students: list[str], course: LmsClass | None = None,
                   merged_from: list[Path] | None = None) -> None:
    """OUT/batch.json, and a copy of the roster beside it (``course``: the ``batch.LmsClass``)."""
    roster = course.roster_file if course else None
    out.mkdir(parents=True, exist_ok=True)
    if roster is not None:
        write_atomic(out / ROSTER_COPY, roster.read_text(encoding="utf-8-sig"))
    settings = {"shard": str(shard) if shard else None, "class": sorted(students),
                "lms": course.kind if course else None, "lms_column": course.column if course else None,
                "roster": ROSTER_COPY if roster is not None else None}
    if merged_from is not None:
        settings["merged_from"] = [str(path) for path in merged_from]
    write_atomic(out / SETTINGS, json.dumps(settings, indent=2))


def read_settings(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ------------------------------------------------------------------ the merge


@dataclass
class Merged:
    """What a merge found: who is where, and who is not."""

    students: dict[str, Path]  # id -> the shard folder whose copy was taken
    missing: dict[str, list[str]]  # shard folder (or "slice i/N") -> students of the class with no result
    duplicated: dict[str, list[str]]  # id -> every shard folder holding a result for it
    notices: list[str]


def _held(shard_out: Path) -> list[str]:
    from .batch import load_results
    from .report import STAMP

    return [r[STAMP]["student"] for r in load_results(shard_out)]


def collect(shard_outs: list[Path], settings: list[dict[str, Any]]) -> Merged:
    """Which shard's copy of each student to take, and who is missing or duplicated."""
    holders: dict[str, list[Path]] = defaultdict(list)
    for shard_out in shard_outs:
        for student in _held(shard_out):
            holders[student].append(shard_out)
    cut = {shard_out: parse(s["shard"], {}) if s.get("shard") else None
           for shard_out, s in zip(shard_outs, settings)}
    # Several copies (a shard given twice under two names, an unsharded batch given too): the copy
    # of the shard the id hashes to, else the first given.
    students = {student: next((w for w in where if cut[w] and cut[w].holds(student)), where[0])
                for student, where in holders.items()}
    duplicated = {s: [str(w) for w in where] for s, where in holders.items() if len(where) > 1}
    counts = sorted({shard.count for shard in cut.values() if shard})
    notices = [f"the shards were cut in different numbers of slices ({', '.join(map(str, counts))})"
               ] if len(counts) > 1 else []
    given = {str(shard): shard_out for shard_out, shard in cut.items() if shard}
    missing: dict[str, list[str]] = defaultdict(list)
    everyone = {student for s in settings for student in s.get("class", [])}
    for student in sorted(everyone - set(students)):
        if counts:
            label = f"{slice_of(student, counts[-1])}/{counts[-1]}"
            where = f"{given[label]} (slice {label})" if label in given else f"slice {label} (not given)"
        else:
            where = ", ".join(str(o) for o, s in zip(shard_outs, settings) if student in s.get("class", []))
        missing[where].append(student)
    return Merged(students, dict(missing), duplicated, notices)


def _course(settings: list[dict[str, Any]], shard_outs: list[Path]) -> LmsClass | None:
    """The LMS class of the shards (``batch.LmsClass``), or None; UsageError when they disagree."""
    from . import lms
    from .batch import LmsClass

    kinds = {(s.get("lms"), s.get("lms_column")) for s in settings}
    if len(kinds) > 1:
        raise UsageError("the shards were graded with different --lms or --lms-column settings: " + "; ".join(
            f"{o}: {s.get('lms')}, {s.get('lms_column')}" for o, s in zip(shard_outs, settings)))
    kind, column = kinds.pop()
    if kind is None:
        return None
    rosters = [o / s["roster"] for o, s in zip(shard_outs, settings) if s.get("roster")]
    texts = {r.read_bytes() for r in rosters if r.is_file()}
    if len(texts) > 1:
        raise UsageError("the shards were graded with different rosters")
    try:
        roster = lms.read_roster(rosters[0], kind) if texts else None
    except lms.LmsError as exc:
        raise UsageError(str(exc)) from None
    return LmsClass(kind, roster, column, rosters[0] if texts else None)


def _copy_student(source: Path, target: Path) -> None:
    """A student's folder, replaced whole: copied beside it, then swapped in."""
    staging = target.with_name(f".{target.name}.merging")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)


def merge(out: Path, shard_outs: list[Path]) -> tuple[Merged, list[str], list[Path]]:
    """Build the class's files in OUT from the shards' outputs; returns what was found, the notices
    and the files written (see the module)."""
    from .batch import compare_class, write_lms_exports, write_outputs

    settings = []
    for shard_out in shard_outs:
        found = read_settings(shard_out)
        if found is None:
            raise UsageError(f"{shard_out} is not the output of `autograder batch` (no {SETTINGS} in it)")
        settings.append(found)
    course = _course(settings, shard_outs)
    merged = collect(shard_outs, settings)
    students_dir = out / "students"
    students_dir.mkdir(parents=True, exist_ok=True)
    for stale in students_dir.iterdir():  # OUT is the merge's own: a student no shard holds now goes
        if stale.name not in merged.students:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    for student, shard_out in sorted(merged.students.items()):
        _copy_student(shard_out / "students" / student, students_dir / student)
    everyone = sorted({s for found in settings for s in found.get("class", [])} | set(merged.students))
    write_settings(out, None, everyone, course, merged_from=shard_outs)
    notices = [*merged.notices, f"similarity: {compare_class(out, {})}"]
    written = list(write_outputs(out))
    if course:
        written += write_lms_exports(out, course, set(everyone), notices)
    return merged, notices, written


def command(args: argparse.Namespace) -> int:
    """``autograder merge OUT OUT_1 ... OUT_N``: 0 when the merge ran, missing students or not."""
    out, shard_outs = Path(args.out), [Path(p) for p in args.shards]
    for shard_out in shard_outs:
        if not shard_out.is_dir():
            raise UsageError(f"{shard_out} is not a folder (a shard's --out)")
        if shard_out.resolve() == out.resolve():
            raise UsageError(f"OUT must not be one of the shards ({shard_out})")
    if len({p.resolve() for p in shard_outs}) < len(shard_outs):
        raise UsageError("a shard folder is given twice")
    if out.exists() and any(out.iterdir()) and "merged_from" not in (read_settings(out) or {}):
        raise UsageError(f"{out} is not empty and not a merge's output: give a new folder")
    merged, notices, written = merge(out, shard_outs)
    print(f"merged {len(merged.students)} student(s) from {len(shard_outs)} shard(s)")
    for where, students in merged.missing.items():
        print(f"missing from {where}: {len(students)} student(s): {', '.join(students)}")
    for student, where in sorted(merged.duplicated.items()):
        print(f"duplicated: {student} is in {', '.join(where)} (used: {merged.students[student]})")
    print("\n".join([*notices, *(f"wrote {path}" for path in written)]))
    return 0
