"""Opening a session: a measured one opens on the review before the app starts (no loading
screen), one still to measure goes through the loading screen, the player starts meanwhile in a
thread of its own and is closed when opening fails; the footer is made again only when its keys
change."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

import mixreview.tui.launch as launch
import mixreview.tui.loader as loader
from mixreview.analysis.session import Session, load_session
from mixreview.tui.app import THEME, make_app
from mixreview.tui.audition_start import start_audition
from mixreview.tui.loader import load, load_cached
from mixreview.tui.screens.loading import LoadingScreen
from mixreview.tui.widgets import footer as footer_mod
from mixreview.tui.widgets.suggestions import SuggestionList
from tests.pty_support import Terminal, shows, until
from tests.test_tui_support import FakeAudition, screen_text, session_copy, wait_ready


class Recording(FakeAudition):
    """A fake player that notes the thread it was made in."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.current_thread()


def recording_factory() -> tuple[list[Recording], object]:
    made: list[Recording] = []

    def factory(_session: Session) -> Recording:
        made.append(Recording())
        return made[-1]

    return made, factory


def no_progress(_done: int, _total: int, _label: str) -> None:
    pass


async def test_a_measured_session_opens_on_the_review_at_once(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    made, factory = recording_factory()
    loaded = load_cached(session, factory)  # type: ignore[arg-type]
    assert loaded is not None and made and loaded.audition is made[0]
    assert made[0].thread is not threading.current_thread()  # started alongside the analysis
    assert made[0].estimator is not None  # loudness matching can estimate at once
    # the same review as through the loading screen
    again = load(session, workers=1, audition_factory=factory, progress=no_progress)  # type: ignore[arg-type]
    assert [s.id for s in loaded.data.suggestions] == [s.id for s in again.data.suggestions]

    app = make_app(session, keymap_path=tmp_path / "none.toml", meters=False, loaded=loaded)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        assert not app.loading.is_attached  # never shown
        assert not any(isinstance(s, LoadingScreen) for s in app.screen_stack)
        assert app.audition is made[0]
        queue = app.query_one(SuggestionList)
        assert queue.selected is not None and queue.selected.id == app.main.suggestions[0].id
        assert "Demo Song (flawed)" in screen_text(app)
        # the theme was set before the style sheets were parsed, with its colours
        assert app.current_theme.name == "mixreview"
        assert app.screen.styles.background.hex.lower() == THEME.background
        await pilot.press("q")
    assert app.preloaded is None  # the app took the player (and closed it on the way out)
    assert made[0].closed


def test_a_session_still_to_measure_is_left_to_the_loading_screen(small_session: Path) -> None:
    made, factory = recording_factory()
    assert load_cached(small_session, factory) is None  # type: ignore[arg-type]
    assert not made  # no player started for nothing


def test_a_session_that_cannot_open_is_left_to_the_loading_screen(tmp_path: Path) -> None:
    made, factory = recording_factory()
    assert load_cached(tmp_path / "missing", factory) is None  # type: ignore[arg-type]
    assert not made


def test_a_failure_while_opening_closes_the_started_player(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_copy(tmp_path)

    def broken(_analysis: object) -> None:
        raise RuntimeError("the model broke")

    monkeypatch.setattr(loader, "session_data", broken)
    made, factory = recording_factory()
    assert load_cached(session, factory) is None  # type: ignore[arg-type]
    assert len(made) == 1 and made[0].closed
    with pytest.raises(RuntimeError, match="the model broke"):
        load(session, workers=1, audition_factory=factory, progress=no_progress)  # type: ignore[arg-type]
    assert len(made) == 2 and made[1].closed
    # the launcher's player, started before: left open for the loading screen to take over
    starting = start_audition(factory, load_session(session))  # type: ignore[arg-type]
    assert load_cached(session, factory, starting) is None  # type: ignore[arg-type]
    assert starting.result() is made[2] and not made[2].closed and len(made) == 3


async def test_the_footer_is_made_again_only_when_its_keys_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_copy(tmp_path)
    composed: list[int] = []
    original = footer_mod.KeyFooter.compose

    def counting(self: footer_mod.KeyFooter):  # type: ignore[no-untyped-def]
        widgets = list(original(self))
        composed.append(len(widgets))
        yield from widgets

    monkeypatch.setattr(footer_mod.KeyFooter, "compose", counting)
    loaded = load_cached(session, lambda _s: FakeAudition())
    app = make_app(session, keymap_path=tmp_path / "none.toml", meters=False, loaded=loaded)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.pause(0.2)
        opened = len(composed)
        assert composed[-1] > 3  # the keys are there
        for _ in range(3):  # the panes share the screen's keys
            await pilot.press("tab")
        await pilot.pause(0.2)
        assert len(composed) == opened
        await pilot.press("slash")  # the filter field has keys of its own
        await pilot.pause(0.2)
        assert len(composed) == opened + 1
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert len(composed) == opened + 2
        assert "a accept" in screen_text(app)


def test_the_command_opens_a_measured_session_on_the_review(tmp_path: Path) -> None:
    """``mixreview SESSION`` in a terminal: the review is the first screen it draws."""
    session = session_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR")}
    env.update(TERM="xterm-256color", MIXREVIEW_AUDIO="off", HOME=str(tmp_path))
    term = Terminal([sys.executable, "-m", "mixreview", str(session)], env)
    try:
        until(term, shows(term, "2 Suggestions"), "the review did not show", 90.0)
        assert "Opening the session" not in term.text()
        term.press("q")
        until(term, lambda: term.exit_status() is not None, "the app did not quit")
        assert term.exit_status() == 0
    finally:
        term.close()


@pytest.mark.parametrize("slow", [True, False])
def test_a_slow_opening_says_so_on_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], slow: bool
) -> None:
    """Before the app starts the terminal shows nothing of ours: an opening that takes a while
    (stems measured again for the decisions) says so; a quick one prints nothing."""
    session = load_session(session_copy(tmp_path))

    def opening(_session: Session, _factory: object, _starting: object) -> None:
        time.sleep(0.3)

    monkeypatch.setattr(loader, "load_cached", opening)
    monkeypatch.setattr(launch, "SLOW_OPEN_S", 0.05 if slow else 5.0)
    assert launch.open_measured(session, Future()) is None
    printed = capsys.readouterr().err
    assert ("mixreview: opening song ..." in printed) == slow


def test_the_app_imports_the_dialogs_it_may_never_open_on_first_use() -> None:
    """The note dialog's text area and the exporter are imported when first opened, not to open
    the review."""
    later = [
        "textual.widgets._text_area",
        "mixreview.analysis.export",
        "mixreview.tui.screens.note",
    ]
    script = f"import sys, mixreview.tui.app; print([m for m in {later!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


async def test_the_loading_screen_takes_over_the_player_started_before_the_app(
    tmp_path: Path, small_session: Path
) -> None:
    """A session with something to measure: the player the launcher started is the one the
    review gets; no second one is started."""
    made, factory = recording_factory()
    session = load_session(small_session)
    starting = start_audition(factory, session)  # type: ignore[arg-type]
    assert load_cached(session, factory, starting) is None  # type: ignore[arg-type]
    app = make_app(
        small_session, audition_factory=factory, keymap_path=tmp_path / "none.toml",  # type: ignore[arg-type]
        workers=1, meters=False, starting=starting,
    )  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.main.ready and len(made) == 1 and app.audition is made[0]
        assert made[0].estimator is not None
