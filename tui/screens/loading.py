"""The screen shown while the session is measured: a progress bar, then the review screen.

Keys that cannot work yet answer under the bar (``LoadingHint``); if the session cannot be
opened, the reason stays here and ``q`` quits.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from mixreview.analysis.printable import printable, shown
from mixreview.tui.widgets.loading import LoadingHint


class LoadingScreen(Screen[Any]):
    """Measuring ``done`` of ``total``; a failure to open the session is shown in place."""

    class Uncovered(Message):
        """The loading screen is on top again (a help screen over it was closed)."""

    measured: tuple[int, int] = (0, 0)

    def compose(self) -> ComposeResult:
        yield Static("mixreview", id="title")
        with Vertical(id="loading"), Vertical(id="loading-box"):
            yield Static("Opening the session ...", id="loading-label")
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")
            yield Static("", id="loading-error")
            yield LoadingHint(id="loading-hint")
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        self.query_one(LoadingHint).answer(event)  # with nothing focused

    def on_screen_resume(self) -> None:
        self.post_message(self.Uncovered())

    def progress(self, done: int, total: int, what: str) -> None:
        self.measured = (done, total)
        self.query_one("#loading-label", Static).update(
            Content(f"Measuring {shown(what)} ({done}/{total})")
        )
        self.query_one("#loading-bar", ProgressBar).update(total=total, progress=done)

    def failed(self, text: str) -> None:
        self.query_one("#loading-label", Static).update("Cannot open this session.")
        self.query_one("#loading-bar").display = False
        self.query_one("#loading-error", Static).update(Content(f"{printable(text)}\n\nq quits."))
