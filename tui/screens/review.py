"""The review screen's layout: title, stems and checks | queue and detail, transport, footer.

The app fills it once the loading screen has handed over the analysis; its panels are driven by
the app's review state (``tui.review_view``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Static

from mixreview.tui.keymap import bindings
from mixreview.tui.widgets.checks import ChecksPanel
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.frames import PromptScreen
from mixreview.tui.widgets.stems import StemsHeader, StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList
from mixreview.tui.widgets.transport import Transport


class Pane(Vertical):
    """A bordered panel; ``z`` enlarges the one holding the focus."""

    ALLOW_MAXIMIZE = True


class ReviewScreen(PromptScreen):
    """The main screen: title, stems | (queue / detail), transport, footer."""

    BINDINGS = bindings("screen")

    class Uncovered(Message):
        """The review screen is on top again: messages held while a dialog was open can show."""

    def on_screen_suspend(self) -> None:
        self.app.clear_notifications()  # messages never cover a dialog

    def on_screen_resume(self) -> None:
        self.post_message(self.Uncovered())

    def compose(self) -> ComposeResult:
        yield Static("mixreview", id="title")
        with Horizontal(id="main"):
            with Vertical(id="left-pane"):
                with Pane(id="stems-pane", classes="pane"):
                    header = StemsHeader("", id="stems-header")
                    yield header
                    yield StemsPanel(header, id="stems")
                yield ChecksPanel(id="checks")
            with Vertical(id="right-pane"):
                with Pane(id="queue-pane", classes="pane"):
                    yield FilterInput(placeholder="filter: words to match, Esc clears", id="filter")
                    yield SuggestionList(id="suggestions")
                yield DetailPanel(id="detail")
        yield Transport(id="transport")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stems-pane").border_title = "1 Stems"
        self.query_one("#queue-pane").border_title = "2 Suggestions"
        for panel, title in (("#detail", "3 Detail"), ("#checks", "4 Checks")):
            widget = self.query_one(panel)
            widget.add_class("pane")
            widget.border_title = title
