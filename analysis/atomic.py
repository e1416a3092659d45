"""Files that appear whole or not at all: written to a temp file beside them, synced, renamed.

Every file mixreview writes for the user (the review, the cache, clips, notes, the reference
lists) goes through ``atomic_write``, so a crash, ``kill -9`` or a full disk leaves either the old
file or the new one, never half of one. The new file gets the permissions of the one it replaces,
or those the user's umask gives a new file (a temp file alone would be private, 0600).
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


def umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def file_mode(path: Path) -> int:
    """The permissions a file written at ``path`` gets: those of the file there, else the
    umask's for a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~umask()


@contextlib.contextmanager
def _temp_beside(path: Path, binary: bool) -> Iterator[tuple[IO[Any], str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)
        # a file name that is not UTF-8 (a surrogate) is written spelled out, not refused
        handle: IO[Any] = (
            os.fdopen(fd, "w+b")
            if binary
            else os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
        )
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
