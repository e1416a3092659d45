"""The review app: a shell around two screens, the loading screen and the review screen.

``make_app(...)`` builds the app for ``mixreview [SESSION]`` (``tui.launch.run_app``), the tests
and the benchmark. A measured session comes to it opened (``loaded``); any other is measured by
the loading screen (``tui.screens.loading``), which returns what it loaded. The app keeps the
player and hands the review screen (``tui.screens.review``) its data, and the review screen owns
the review from then on. The app itself holds only what every screen shares: the player, the
keys of every screen (quit, help, the palette), the user's keymap, and the messages held while a
dialog is open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.widgets import Footer

from mixreview.analysis.printable import printable, shown
from mixreview.analysis.session import Session
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.audition_start import default_audition
from mixreview.tui.keymap import (
    KEYS,
    bindings,
    clashes,
    config_path,
    display,
    effective,
    load_keymap,
)
from mixreview.tui.loader import Loaded, Progress, load, prepare_processes
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.screens.loading import LoadingScreen
from mixreview.tui.screens.palette import ReviewCommands
from mixreview.tui.screens.review import ReviewScreen
from mixreview.tui.widgets.footer import shows_palette_key
from mixreview.tui.widgets.loading import APP_KEYS

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


def app_bindings() -> list[BindingType]:
    """The keys of every screen: quit, help and the palette (the review screen binds the rest)."""
    return [b for b in bindings("app") if isinstance(b, Binding) and b.id in APP_KEYS]


class MixReviewApp(App[int]):
    """Review every suggestion of a session from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "mixreview"
    BINDINGS: ClassVar = app_bindings()
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
        loaded: Loaded | None = None,
        starting: Future[Audition] | None = None,
    ) -> None:
        super().__init__()
        prepare_processes()
        self.session_path = Path(session_path)
        self.audition_factory = audition_factory
        self.workers_count = workers
        self.keymap_file = keymap_path or config_path()
        self.user_keymap, self.keymap_problems = load_keymap(self.keymap_file)
        self.keymap_problems += clashes(self.user_keymap)
        self.register_theme(THEME)
        # Set before the stylesheet is first parsed, without the watcher: setting ``theme`` would
        # parse every style sheet again once the app runs (about 25 ms at each start).
        self.set_reactive(MixReviewApp.theme, THEME.name)
        self.stylesheet.set_variables(self.get_css_variables())
        self.audition: Audition = NoAudio("the session is still loading", 0.0)
        self.quitting = False
        self.held_messages: list[tuple[str, str, SeverityLevel, float | None, bool]] = []
        self.loading = LoadingScreen(self.load_session, self.user_keymap)
        self.main = ReviewScreen(meters=meters)
        self.preloaded = loaded
        self.starting = starting  # the player started before the app, for the loading screen

    # -- start ---------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return self.main

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        for problem in self.keymap_problems:
            self.notify(problem, title="keys.toml", severity="warning", timeout=10)
        if self.preloaded is not None:  # opened from the cache before the app started
            loaded, self.preloaded = self.preloaded, None
            self.start_review(loaded)
        else:
            self.push_screen(self.loading, self.start_review)

    def load_session(self, progress: Progress) -> Loaded:
        """What the loading screen runs in its worker (the factory is read then: tests swap it)."""
        starting, self.starting = self.starting, None
        return load(
            self.session_path,
            workers=self.workers_count,
            audition_factory=self.audition_factory,
            progress=progress,
            starting=starting,
        )

    def start_review(self, loaded: Loaded | None) -> None:
        """The loading screen's result: the app keeps the player, the review screen the rest."""
        if loaded is None or self.quitting:
            return
        self.audition = loaded.audition
        self.main.open_review(loaded.data)

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

    # -- every screen ----------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        """The footers show the palette's key from 100 columns (the event's width: the app's
        size can still be the old one while the event is handled)."""
        wide = shows_palette_key(event.size.width)
        for screen in (self.main, self.loading):
            for footer in screen.query(Footer):
                if footer.show_command_palette != wide:
                    footer.show_command_palette = wide
                    footer.refresh(recompose=True)  # the footer reads it only when composed

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.user_keymap, str(self.keymap_file), self.keymap_problems))

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) of the app's own keys, for the palette over a screen without
        commands of its own."""
        keys = effective(self.user_keymap)
        return [
            (key.help, f"key: {display(keys[key.id])}", key.action)
            for key in KEYS
            if key.id in APP_KEYS and key.id != "palette"
        ]

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Every way out (q, ctrl+c, errors) also stops a measuring still under way."""
        self.quitting = True
        super().exit(*args, **kwargs)

    def action_quit_app(self) -> None:
        self.main.save_ui()
        self.exit(0)

    def on_unmount(self) -> None:
        with contextlib.suppress(OSError):  # nothing to save it to: the listening is not kept
            self.main.finish()
        with contextlib.suppress(Exception):  # a broken stream must not stop the exit
            self.audition.close()


def make_app(
    session_path: Path,
    *,
    audition_factory: AuditionFactory = default_audition,
    keymap_path: Path | None = None,
    workers: int | None = None,
    meters: bool = True,
    loaded: Loaded | None = None,
    starting: Future[Audition] | None = None,
) -> MixReviewApp:
    """The app for a session folder (the CLI, the tests and the benchmark all start here).
    ``loaded``: the session already opened (``load_cached``); else the loading screen opens it,
    with the player already ``starting`` if one is."""
    return MixReviewApp(
        session_path,
        audition_factory=audition_factory,
        keymap_path=keymap_path,
        workers=workers,
        meters=meters,
        loaded=loaded,
        starting=starting,
    )
