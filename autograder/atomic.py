"""Write a file whole or not at all: a temp file in the same folder, then ``os.replace``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, even if the process is stopped midway.

    Text is UTF-8. The file keeps the temp file's owner-only permissions (0600): grades,
    the hidden cases.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(data, str):
            # backslashreplace: a stray undecodable name (a lone surrogate) is written as \udcNN, no crash
            file = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")
        else:
            file = os.fdopen(fd, "wb")
        with file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the data is on disk before the name points at it
        os.replace(temp, path)
    except BaseException:  # Ctrl-C or a stopped worker too: no temp file left behind
        Path(temp).unlink(missing_ok=True)
        raise
