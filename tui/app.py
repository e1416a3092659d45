"""The review app: stems with meters, the suggestions queue, the detail page and the transport.

``run_app(path)`` is what ``mixreview [SESSION]`` calls; ``make_app(...)`` builds the app for the
CLI, the tests and the benchmark. The app is assembled from parts, each in its own module:
loading (``tui.loader``), drawing the review (``tui.review_view``), decisions
(``tui.decisions``), listening (``tui.listening``), the live model (``tui.live``) and references
(``tui.references``). Worker errors are handled here, in one place, and shown as messages, never
as tracebacks.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from mixreview.analysis.comparisons import COMPARES
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.export import default_export_folder
from mixreview.analysis.printable import printable, shown
from mixreview.analysis.session import Session, load_session
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.decisions import DecisionsMixin
from mixreview.tui.keymap import (
    KEYS,
    bindings,
    clashes,
    config_path,
    display,
    effective,
    load_keymap,
)
from mixreview.tui.listening import ListeningMixin
from mixreview.tui.live import LiveMixin
from mixreview.tui.loader import LoaderMixin, default_audition, prepare_processes
from mixreview.tui.references import ReferencesMixin
from mixreview.tui.review_view import ReviewViewMixin
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.screens.export import ExportScreen, find_export_session
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.screens.loading import LoadingScreen
from mixreview.tui.screens.palette import ReviewCommands
from mixreview.tui.screens.review import ReviewScreen
from mixreview.tui.widgets.labels import GROUP_MODES
from mixreview.tui.widgets.meter_rate import ENV_METER_HZ, MeterClock
from mixreview.tui.widgets.meter_rate import palette_commands as meter_commands

# Colours from the xterm 256-colour cube: identical in truecolor and 256-colour terminals.
THEME = Theme(
    name="mixreview",
    primary="#5f87af",
    secondary="#8787af",
    accent="#5fafd7",
    warning="#d7af00",
    error="#d75f5f",
    success="#5faf5f",
    foreground="#d0d0d0",
    background="#1c1c1c",
    surface="#262626",
    panel="#303030",
    dark=True,
)

AuditionFactory = Callable[[Session], Audition]


class MixReviewApp(
    LiveMixin, ReferencesMixin, LoaderMixin, ReviewViewMixin, DecisionsMixin, ListeningMixin
):
    """Review every suggestion of a session from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "mixreview"
    BINDINGS: ClassVar = bindings("app")
    COMMANDS: ClassVar = {ReviewCommands}
    # textual declares it `ClassVar[...] | None`, which mypy reads as an instance variable
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (130, "-wide")]  # type: ignore[misc]

    def __init__(
        self,
        session_path: Path,
        *,
        audition_factory: AuditionFactory = default_audition,
        keymap_path: Path | None = None,
        workers: int | None = None,
        meters: bool = True,
    ) -> None:
        super().__init__()
        prepare_processes()
        self.loading = LoadingScreen()
        self.main = ReviewScreen()
        self.session_path = Path(session_path)
        self.audition_factory = audition_factory
        self.keymap_file = keymap_path or config_path()
        self.user_keymap, self.keymap_problems = load_keymap(self.keymap_file)
        self.keymap_problems += clashes(self.user_keymap)
        self.workers_count = workers
        self.meters_enabled = meters
        self.register_theme(THEME)
        self.theme = THEME.name
        # state once loaded
        self.analysis = None
        self.suggestions = []
        self.by_id = {}
        self.band_features = None
        self.review = None
        self.audition = NoAudio("the session is still loading", 0.0)
        self.items = []
        self.names = {}
        self.series = {}
        self.muted = set()
        self.soloed = set()
        self.ready = False
        self.load_error = None
        self._holds = {}
        self._listened = {}
        self.asked_unheard = False
        self.held_messages: list[tuple[str, str, SeverityLevel, float | None, bool]] = []
        self._ui_timer = None
        self._versions_timer = None
        self.meter_clock = MeterClock.from_environment()
        self.last_versions = None
        self.selected_id = None
        self.selected_stem = None
        self.focus_name = "suggestions"
        self.quitting = False
        self._init_references()
        self._init_live()

    # -- start ---------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return self.main

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        for problem in self.keymap_problems:
            self.notify(problem, title="keys.toml", severity="warning", timeout=10)
        if self.meter_clock.problem:
            problem = self.meter_clock.problem
            self.notify(problem, title=ENV_METER_HZ, severity="warning", timeout=10)
        self.push_screen(self.loading)
        self.load()

    @on(LoadingScreen.Uncovered)
    def loading_uncovered(self) -> None:
        self.show_review()

    # -- messages ----------------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Messages never cover a dialog: while one is open they wait, and show when it closes.
        They are shown as typed: file names in them can hold brackets or control characters,
        so they are never read as markup and control characters are spelled out."""
        message, title, markup = printable(message), shown(title), False
        if isinstance(self.screen, ModalScreen):
            self.held_messages.append((message, title, severity, timeout, markup))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @on(ReviewScreen.Uncovered)
    def show_held_messages(self) -> None:
        held, self.held_messages = self.held_messages, []
        for message, title, severity, timeout, markup in held:
            self.notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures are turned into messages."""
        if event.state != WorkerState.ERROR or self.quitting:
            return
        error = event.worker.error
        if isinstance(error, MixreviewError):
            text = str(error)
        else:
            text = f"{type(error).__name__}: {error}"
        if event.worker.group == "live":
            self.recomputing = False  # the queue stays as it was; the message says why
        if event.worker.group == "analysis":
            self.load_error = text
            if self.loading.is_attached:
                self.loading.failed(text)
        title = {
            "analysis": "cannot open the session",
            "clips": "A/B clips",
            "live": "the suggestions could not be derived again",
        }.get(event.worker.group or "", "mixreview")
        self.notify(text, title=title, severity="error", timeout=15)

    # -- panels and app ----------------------------------------------------------------------------
    async def action_focus(self, name: str) -> None:
        if self.live:
            self.main.query_one(f"#{name}").focus()

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif self.focused is not None:
            screen.maximize(self.focused)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.user_keymap, str(self.keymap_file), self.keymap_problems))

    def unheard_accepted(self) -> tuple[int, int]:
        """(accepted suggestions decided without hearing their A/B, accepted suggestions)."""
        if self.review is None:
            return 0, 0
        accepted = [
            self.review.decision(s.id) for s in self.suggestions
            if self.review.status(s.id) in ("accepted", "adjusted")
        ]  # fmt: skip
        unheard = sum(1 for d in accepted if d.heard is not None and not d.heard.heard)
        return unheard, len(accepted)

    def action_export(self) -> None:
        """The export screen; when more than half of the accepted changes were never heard, it
        asks once first (accepting unheard changes is how mixes get over-processed)."""
        if self.analysis is None or self.review is None:
            return
        unheard, accepted = self.unheard_accepted()
        if not self.asked_unheard and accepted and unheard * 2 > accepted:
            question = (
                f"{unheard} of the {accepted} accepted changes were decided without hearing "
                "their A/B. Export anyway?"
            )

            def answered(yes: bool | None) -> None:
                self.asked_unheard = bool(yes)
                if yes:
                    self.open_export()

            self.push_screen(ConfirmScreen(question, "Export", "Listen first"), answered)
            return
        self.open_export()

    def open_export(self) -> None:
        if self.analysis is None or self.review is None:
            return
        session = self.analysis.session
        function = find_export_session()
        exporter = None
        if function is not None:
            review_file = self.review.path
            analysis, suggestions = self.analysis, self.suggestions

            def exporter(out: Path, progress: Callable[[int, int, str], None]) -> Any:
                return function(
                    session.path, review_path=review_file, out=out, progress=progress,
                    analysis=analysis, suggestions=suggestions,
                )  # fmt: skip

        self.push_screen(ExportScreen(session.path, default_export_folder(session.path), exporter))

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Every way out (q, ctrl+c, errors) also stops a measuring still under way."""
        self.quitting = True
        super().exit(*args, **kwargs)

    def action_quit_app(self) -> None:
        self.save_ui()
        self.exit(0)

    def on_unmount(self) -> None:
        self.save_ui()
        with contextlib.suppress(OSError):  # nothing to save it to: the listening is not kept
            self.flush_listening()
        with contextlib.suppress(Exception):  # a broken stream must not stop the exit
            self.audition.close()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette."""
        keys = effective(self.user_keymap)
        commands = [
            (key.help, f"key: {display(keys[key.id])}", key.action)
            for key in KEYS
            if key.scope == "app" and key.id != "palette"
        ]
        commands += [
            (f"Group by {mode}", "the suggestions panel", f"set_group('{mode}')")
            for mode in GROUP_MODES
        ]
        commands += [
            (f"A/B: {words}", "what b switches between", f"compare_with('{compare}')")
            for compare, words in [*COMPARES, *self.reference_compares()]
        ]
        commands.append(("Clear the filter", "show every suggestion", "clear_filter"))
        commands.append(("Loop off", "play on past the loop's end", "loop_off"))
        commands += meter_commands()
        return commands


def make_app(
    session_path: Path,
    *,
    audition_factory: AuditionFactory = default_audition,
    keymap_path: Path | None = None,
    workers: int | None = None,
    meters: bool = True,
) -> MixReviewApp:
    """The app for a session folder (the CLI, the tests and the benchmark all start here)."""
    return MixReviewApp(
        session_path,
        audition_factory=audition_factory,
        keymap_path=keymap_path,
        workers=workers,
        meters=meters,
    )


def run_app(session_path: Path) -> int:
    """``mixreview [SESSION]``: check the folder, run the app, return the exit code."""
    try:
        load_session(session_path)
    except MixreviewError as exc:
        print(f"mixreview: {exc}", file=sys.stderr)
        return 2
    app = make_app(session_path)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
