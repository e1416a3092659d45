"""The screen shown while the session is measured: a progress bar, then the review screen.

It measures in a thread worker (``tui.loader.load``), reports progress as messages that coalesce,
and when the session is loaded it dismisses itself with ``Loaded``: the app keeps the player and
hands the review screen its data. Keys that cannot work yet answer under the bar
(``LoadingHint``); if the session cannot be opened, the reason stays here and ``q`` quits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from mixreview.analysis.analyze import task_label
from mixreview.analysis.printable import printable, shown
from mixreview.tui.loader import AnalysisCancelled, Loaded, Progress
from mixreview.tui.parts import AppShell, shell_of
from mixreview.tui.widgets.footer import key_footer
from mixreview.tui.widgets.labels import failure_text
from mixreview.tui.widgets.loading import LoadingHint

LoadSession = Callable[[Progress], Loaded]


class AnalysisProgress(Message):
    """Measuring: ``done`` of ``total`` (a flood of these collapses to the latest)."""

    def __init__(self, done: int, total: int, label: str) -> None:
        super().__init__()
        self.done, self.total, self.label = done, total, label

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AnalysisProgress)


class AnalysisReady(Message):
    """The session is measured, its review opened and the player started."""

    def __init__(self, loaded: Loaded) -> None:
        super().__init__()
        self.loaded = loaded


class LoadingScreen(Screen[Loaded]):
    """Measuring ``done`` of ``total``; a failure to open the session is shown in place."""

    measured: tuple[int, int] = (0, 0)
    error: str | None = None  # why the session cannot be opened
    pending: Loaded | None = None  # loaded while a dialog covers the screen

    def __init__(self, load: LoadSession, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.load = load
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        yield Static("mixreview", id="title")
        with Vertical(id="loading"), Vertical(id="loading-box"):
            yield Static("Opening the session ...", id="loading-label")
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")
            yield Static("", id="loading-error")
            yield LoadingHint(self.keymap, id="loading-hint")
        yield key_footer(self.app.size.width)

    def on_mount(self) -> None:
        self.measure(shell_of(self))

    @work(thread=True, exclusive=True, exit_on_error=False, group="analysis")
    def measure(self, shell: AppShell) -> None:
        def progress(done: int, total: int, label: str) -> None:
            if shell.quitting:  # stop measuring: the app is closing
                raise AnalysisCancelled("the app was closed while the session was measured")
            self.post_message(AnalysisProgress(done, total, label))

        self.post_message(AnalysisReady(self.load(progress)))

    def on_analysis_progress(self, message: AnalysisProgress) -> None:
        self.progress(message.done, message.total, task_label(message.label))

    def on_analysis_ready(self, message: AnalysisReady) -> None:
        """Hand over now, or once a dialog opened while measuring (the help) is closed."""
        self.pending = message.loaded
        self.hand_over()

    def on_screen_resume(self) -> None:
        self.hand_over()

    def hand_over(self) -> None:
        """Give way to the review screen, with what was loaded, when this screen is on top."""
        if self.pending is None or shell_of(self).quitting or not self.is_active:
            return
        loaded, self.pending = self.pending, None
        self.dismiss(loaded)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The session cannot be opened: said here and as a message (not when quitting)."""
        if event.state != WorkerState.ERROR or shell_of(self).quitting:
            return
        self.error = failure_text(event.worker.error)
        self.failed(self.error)
        self.notify(self.error, title="cannot open the session", severity="error", timeout=15)

    def on_key(self, event: events.Key) -> None:
        self.query_one(LoadingHint).answer(event)  # with nothing focused

    def progress(self, done: int, total: int, what: str) -> None:
        self.measured = (done, total)
        self.query_one("#loading-label", Static).update(
            Content(f"Measuring {shown(what)} ({done}/{total})")
        )
        self.query_one("#loading-bar", ProgressBar).update(total=total, progress=done)

    def failed(self, text: str) -> None:
        self.query_one(LoadingHint).failed = True
        self.query_one("#loading-label", Static).update("Cannot open this session.")
        self.query_one("#loading-bar").display = False
        self.query_one("#loading-error", Static).update(Content(f"{printable(text)}\n\nq quits."))
