"""Find the sessions of a catalogue: every folder under some roots that holds stems, or a list.

A folder is a session when it holds an audio file itself (the extensions ``analyze`` reads) or a
``mixreview.toml`` (for sessions whose stems are all in subfolders). A session's subfolders are
its own (``analyze`` reads stems one level down), so the search does not go into a session. The
app's own folders are skipped as ``analyze`` skips them: state (``.mixreview``), exports
(``mixreview-export*``), hidden folders and ``__pycache__``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.manifest import MANIFEST_NAME
from mixreview.analysis.session import APP_DIR, AUDIO_SUFFIXES, SKIP_DIR_PREFIXES

Warn = Callable[[str], None]


class SessionListError(MixreviewError):
    """A root or a list file cannot be used (the message says which and why)."""


def _skipped(name: str) -> bool:
    """The folders ``analyze`` never reads stems from: the app's state and exports, hidden."""
    return (
        name == APP_DIR
        or name.startswith(".")
        or name.startswith(SKIP_DIR_PREFIXES)
        or name == "__pycache__"
    )


def _is_session(files: Iterable[str]) -> bool:
    for name in files:
        if name == MANIFEST_NAME:
            return True
        if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_SUFFIXES:
            return True
    return False


def _warn_stderr(text: str) -> None:
    print(f"mixreview: {text}", file=sys.stderr)


def find_sessions(root: Path, warn: Warn = _warn_stderr) -> list[Path]:
    """The session folders under ``root`` (``root`` itself if it is one), sorted by path.

    A folder that cannot be listed is passed over with a warning; a missing root is an error.
    """
    if not root.exists():
        raise SessionListError(f"{root} does not exist: give folders that hold sessions")
    if not root.is_dir():
        raise SessionListError(f"{root} is a file, not a folder: give folders that hold sessions")
    found: list[Path] = []

    def unreadable(error: OSError) -> None:
        warn(f"skipped {error.filename}: {error.strerror or error}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        here = Path(dirpath)
        if _is_session(filenames):
            found.append(here)
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not _skipped(d))
    return sorted(found, key=lambda p: p.as_posix().lower())


def read_session_list(list_file: Path | None, text: str | None = None) -> list[Path]:
    """Session folders from a list: one a line, ``#`` comments and blank lines ignored.

    Relative paths are taken from the list file's folder (from the current folder for text read
    from standard input, ``list_file`` None). Each line is a session as it is, not searched.
    """
    if text is None:
        assert list_file is not None
        try:
            text = list_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SessionListError(
                f"{list_file} does not exist: give a file of session folders"
            ) from None
        except IsADirectoryError:
            raise SessionListError(
                f"{list_file} is a folder: --from takes a file listing session folders, "
                "one a line (give folders to search as arguments)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SessionListError(f"cannot read {list_file}: {exc}") from None
    base = list_file.parent if list_file is not None else Path()
    sessions: list[Path] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        path = Path(entry).expanduser()
        sessions.append(path if path.is_absolute() else base / path)
    return sessions


def gather_sessions(
    roots: Iterable[Path], listed: Iterable[Path] = (), warn: Warn = _warn_stderr
) -> list[Path]:
    """The sessions under ``roots`` and those ``listed``, each once (by resolved path), in the
    order given: the listed ones first as listed, then each root's in path order."""
    seen: set[Path] = set()
    sessions: list[Path] = []
    candidates = [*listed]
    for root in roots:
        candidates += find_sessions(root, warn)
    for path in candidates:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            sessions.append(path)
    return sessions
