"""The sample session installed with the package, and whether a folder is part of it.

The installed sample is never written to: its review, cache and exports live in the user's state
folder (see ``state.state_dir`` and the export's default folder).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEMO_SESSION = "demo_song"


def samples_root() -> Path:
    """The folder holding the bundled sessions (``mixreview.sample_sessions``)."""
    return Path(str(files("mixreview.sample_sessions")))


def bundled_session() -> Path:
    """The demo session shipped with mixreview."""
    return samples_root() / DEMO_SESSION


def is_bundled(folder: Path) -> bool:
    """True if ``folder`` is (inside) the bundled sample sessions."""
    try:
        folder.resolve().relative_to(samples_root().resolve())
    except (ValueError, OSError):
        return False
    return True
