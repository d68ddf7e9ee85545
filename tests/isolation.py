"""What the platform under the tests allows, probed independently of the sandbox it tests."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def python_readable_by_others() -> bool:
    """Whether a user of no group could run this interpreter (every folder on its way open to others)."""
    for path in (Path(os.path.realpath(sys.executable)), Path(os.path.realpath(sys.base_prefix))):
        for folder in [path, *path.parents]:
            mode = folder.stat().st_mode
            if not mode & (stat.S_IXOTH if folder.is_dir() else stat.S_IROTH):
                return False
    return True


def unprivileged_python() -> str | None:
    """An interpreter of this Python version that a user of no group may run, if there is one."""
    if python_readable_by_others():
        return sys.executable
    candidate = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    return str(candidate) if candidate.exists() else None


def readable_by_others(path: Path) -> bool:
    """Whether every folder on the way to ``path`` is open to others, and ``path`` itself readable."""
    path = Path(os.path.realpath(path))
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents) and bool(
        path.stat().st_mode & stat.S_IROTH)
