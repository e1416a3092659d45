"""The player where nothing can play: it renders for ``mixreview listen`` listeners alone.

Over SSH without forwarded audio the sound would come out of the remote machine. This player
runs the same mixer on a clock instead of a sound card; it can play while at least one listener
is connected, and otherwise says how to connect one.
"""

from __future__ import annotations

import socket
from typing import Any

from mixreview.analysis.session import Session
from mixreview.tui.clock_stream import CLOCK
from mixreview.tui.listen_server import ListenServer
from mixreview.tui.player_stream import Player


def listen_hint(host: str | None = None) -> str:
    """Why nothing is heard while no one listens, and how to listen: the transport writes it after
    'no audio: ', the message after 'No sound: '."""
    host = host or socket.gethostname()
    return (
        f"over SSH, listen with `ssh {host} mixreview listen | ffplay -nodisp -` (docs/audition.md)"
    )


class ListenOnlyPlayer(Player):
    """A Player on a clock: available while someone listens."""

    def __init__(self, session: Session, listen: ListenServer, hint: str, **kwargs: Any) -> None:
        self._failed: str | None = None
        self.hint = hint
        super().__init__(session, CLOCK, None, listen=listen, **kwargs)

    @property
    def available(self) -> bool:
        return self._failed is None and self.listeners > 0

    @available.setter
    def available(self, value: bool) -> None:
        if value:
            self._failed = None

    @property
    def reason(self) -> str:
        if self._failed is not None:
            return self._failed
        return "" if self.listeners else self.hint

    @reason.setter
    def reason(self, value: str) -> None:
        if value:
            self._failed = value
