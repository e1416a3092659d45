"""Where a running app can be heard: a private folder of Unix sockets, one per app.

Only this user may open the folder (mode 0700, owned by us), so other users of a shared studio
server cannot listen in. Each app writes ``PID.sock`` and ``PID.json`` (the session it reviews);
``mixreview listen`` reads them to find the app.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.tasks import alive

SAMPLE_FORMAT = "float32le"  # what the app sends; the listen command converts


@dataclass(frozen=True)
class RunningApp:
    """An app that can be listened to."""

    pid: int
    session: str
    socket: Path


def socket_dir() -> Path:
    """The private folder, created if missing; MixreviewError when it is not safe to use."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    folder = base / f"mixreview-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise MixreviewError(f"cannot make the listening folder {folder}: {exc}") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise MixreviewError(f"{folder} is not a folder of yours; remove it and start again.")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def running_apps() -> list[RunningApp]:
    """The apps of this user that can be heard now (stale entries of dead apps are removed)."""
    try:
        folder = socket_dir()
    except MixreviewError:
        return []
    found = []
    for entry in sorted(folder.glob("*.json")):
        try:
            info = json.loads(entry.read_text(encoding="utf-8"))
            pid, session = int(info["pid"]), str(info["session"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        sock = entry.with_suffix(".sock")
        if not alive(pid) or not sock.exists():
            for stale in (entry, sock):
                stale.unlink(missing_ok=True)
            continue
        found.append(RunningApp(pid, session, sock))
    return found
