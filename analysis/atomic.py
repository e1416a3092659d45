"""Files that appear whole or not at all: written to a temp file beside them, synced, renamed.

Every file mixreview writes for the user (the review, the cache, clips, notes, the reference
lists) goes through ``atomic_write``, so a crash, ``kill -9`` or a full disk leaves either the old
file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _temp_beside(path: Path, binary: bool) -> Iterator[tuple[IO[Any], str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        handle: IO[Any] = os.fdopen(fd, "w+b") if binary else os.fdopen(fd, "w", encoding="utf-8")
        with handle:
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, write: Callable[[IO[Any]], object], binary: bool = True) -> None:
    """Call ``write(handle)`` on a temp file beside ``path``, then put it in place."""
    with _temp_beside(path, binary) as (handle, _):
        write(handle)


def write_json_atomic(path: Path, data: Any) -> None:
    """JSON, indented and sorted, written atomically."""

    def dump(handle: IO[Any]) -> None:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")

    atomic_write(path, dump, binary=False)


def write_text_atomic(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text), binary=False)
