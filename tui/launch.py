"""``mixreview [SESSION]``: check the folder, start the player, open the session, run the app.

Textual-free until the app itself is needed: the player starts in its own thread first, so the
audio library probes the devices while the app's modules are imported. A measured session is
opened before the app starts (``load_cached``) and the review is the first screen drawn; one
with something to measure goes through the loading screen, which takes over the started player.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.printable import printable
from mixreview.analysis.session import Session, load_session
from mixreview.tui.audition import Audition
from mixreview.tui.audition_start import default_audition, start_audition

if TYPE_CHECKING:
    from mixreview.tui.loader import Loaded

SLOW_OPEN_S = 0.5  # opening a measured session longer than this says so on the terminal


def run_app(session_path: Path) -> int:
    """Run the review app on ``session_path``; the exit code (2: the folder is not a session)."""
    try:
        session = load_session(session_path)
    except MixreviewError as exc:
        print(f"mixreview: {exc}", file=sys.stderr)
        return 2
    starting = start_audition(default_audition, session)
    from mixreview.tui.app import make_app  # Textual and the app, while the player starts

    loaded = open_measured(session, starting)
    app = make_app(session_path, loaded=loaded, starting=None if loaded is not None else starting)
    try:
        result = app.run()
    finally:
        if app.preloaded is not None:  # the app stopped before it took the player
            with contextlib.suppress(Exception):
                app.preloaded.audition.close()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)


def open_measured(session: Session, starting: Future[Audition]) -> Loaded | None:
    """``load_cached`` with a line on the terminal when it takes a while (the stems that
    decisions process may have to be measured again), so the terminal is never blank for long."""
    from mixreview.tui.loader import load_cached

    notice = threading.Timer(
        SLOW_OPEN_S,
        lambda: print(f"mixreview: opening {printable(session.path.name)} ...", file=sys.stderr),
    )
    notice.daemon = True
    notice.start()
    try:
        return load_cached(session, default_audition, starting)
    finally:
        notice.cancel()
