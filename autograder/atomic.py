"""Write a file whole or not at all: a temp file in the same folder, then ``os.replace``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def open_atomic(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``path`` through: it appears whole when the block ends, or not at all.

    For what is written piece by piece (a class's ``cases.csv``) rather than held whole in
    memory. Text is UTF-8; the file keeps the temp file's owner-only permissions (0600):
    grades, the hidden cases.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # backslashreplace: a stray undecodable name (a lone surrogate) is written as \udcNN, no crash
        with (os.fdopen(fd, "wb") if binary else
              os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # the data is on disk before the name points at it
        os.replace(temp, path)
    except BaseException:  # Ctrl-C or a stopped worker too: no temp file left behind
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, even if the process is stopped midway."""
    with open_atomic(path, binary=isinstance(data, bytes)) as file:
        file.write(data)
