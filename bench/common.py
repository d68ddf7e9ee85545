"""What the benchmarks share: timing a command, and the files of an earlier revision to time against."""

from __future__ import annotations

import io
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``action``, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def checkout(revision: str) -> Path:
    """The files of git ``revision`` (``git archive``) in a temporary folder: its grader, its reference."""
    tree = Path(tempfile.mkdtemp(prefix=f"bench-{revision}-"))
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    return tree
