"""Starting the player in a thread of its own (no Textual here: the launcher starts it first).

Most of a player's start is the audio library probing the devices (PortAudio: 50-120 ms), which
leaves the interpreter free: started before the app's modules are imported, it is ready by the
time the review shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from mixreview.analysis.session import Session
from mixreview.tui.audition import Audition, NoAudio

NO_PLAYER = "audio player not available"
AuditionFactory = Callable[[Session], Audition]


def default_audition(session: Session) -> Audition:
    """The real player when ``tui.player`` is there and starts; else NoAudio saying why."""
    try:
        from mixreview.tui.player import make_audition
    except ImportError:
        return NoAudio(NO_PLAYER, session.duration_s)
    try:
        return make_audition(session)
    except Exception as exc:  # the player's failure must not stop the review
        return NoAudio(f"audio player failed to start ({exc})", session.duration_s)


def start_audition(factory: AuditionFactory, session: Session) -> Future[Audition]:
    """``factory(session)`` in a thread of its own (a daemon: a player that hangs while it
    starts does not keep the process alive once the user gives up)."""
    future: Future[Audition] = Future()

    def run() -> None:
        try:
            future.set_result(factory(session))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="audition-start", daemon=True).start()
    return future
