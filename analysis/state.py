"""Where the app keeps its own files for a session: ``<session>/.mixreview`` when writable.

A read-only session folder (a shared drive, the installed sample) gets a folder under the user's
state directory instead, so the stems are never touched and nothing fails for want of a write.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mixreview.analysis.atomic import write_json_atomic
from mixreview.analysis.samples import is_bundled
from mixreview.analysis.session import APP_DIR


def _user_state_root() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mixreview"


def _usable(folder: Path) -> bool:
    """True if ``folder`` exists or can be made, and takes a file."""
    try:
        folder.mkdir(exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def state_dir(session_path: Path) -> Path:
    """The app's folder for this session, created if needed (the installed sample session's is
    always in the user's state folder)."""
    preferred = session_path / APP_DIR
    if not is_bundled(session_path) and _usable(preferred):
        return preferred
    resolved = str(session_path.resolve())
    tag = hashlib.blake2b(os.fsencode(resolved), digest_size=6).hexdigest()
    fallback = _user_state_root() / f"{session_path.resolve().name}-{tag}"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


__all__ = ["state_dir", "write_json_atomic"]
