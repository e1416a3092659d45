"""The app is a shell around two screens: the loading screen hands the review screen its data, and
the review screen owns the review as reactive state whose watchers draw the panels and drive the
player."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.screens.loading import LoadingScreen
from mixreview.tui.screens.review import ReviewScreen
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList
from mixreview.tui.widgets.transport import Transport
from tests.test_tui_app import loading_app
from tests.test_tui_support import FakeAudition, new_app, session_copy, until, wait_ready

SIZE = (120, 40)
REVIEW_STATE = ("selected", "filter_text", "group_mode", "compare", "analysis", "review")


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return session_copy(tmp_path)


async def test_the_loading_screen_hands_the_review_screen_its_data(
    session: Path, tmp_path: Path
) -> None:
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.loading, LoadingScreen) and isinstance(app.main, ReviewScreen)
        await wait_ready(app, pilot)
        assert app.screen is app.main and app.loading not in app.screen_stack
        screen = app.main
        assert screen.analysis is not None and screen.review is not None
        assert screen.live_model is not None and screen.suggestions
        assert app.audition is fake  # the player is the app's, for every screen
        for name in REVIEW_STATE:
            assert not hasattr(app, name), name  # the review is the screen's, not the app's


async def test_setting_the_selection_updates_the_panels_and_ab(
    session: Path, tmp_path: Path
) -> None:
    """A watcher at work: the screen's reactive selection moves the queue's cursor, the stems
    cursor and the detail, and A/B follows, with no call on the app."""
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        screen = app.main
        queue, detail = screen.query_one(SuggestionList), screen.query_one(DetailPanel)
        assert queue.selected is not None and screen.selected == queue.selected.id
        target = next(i for i in screen.items if i.kind == "section_gain" and len(i.stems) == 1)
        assert target.id != screen.selected
        screen.selected = target.id
        await pilot.pause()
        assert queue.selected is not None and queue.selected.id == target.id
        kind, shown = detail.subject
        assert kind == "item" and shown.id == target.id
        stems = screen.query_one(StemsPanel)
        assert stems.selected is not None and stems.selected.file == target.stems[0]
        await until(pilot, lambda: [c.source_id for c in fake.b] == [target.id])
        # an id the queue does not show: the selection is what the queue shows instead
        screen.selected = "no-such-suggestion"
        await pilot.pause()
        assert queue.selected is not None and screen.selected == queue.selected.id


async def test_filter_grouping_comparison_and_mute_are_the_screens_state(
    session: Path, tmp_path: Path
) -> None:
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        screen = app.main
        queue = screen.query_one(SuggestionList)
        total = queue.queue.total
        screen.filter_text = "bass"
        await pilot.pause()
        field = screen.query_one(FilterInput)
        assert field.value == "bass" and field.has_class("-shown")
        assert 0 < queue.queue.shown < total
        assert "filter “bass”" in str(screen.query_one("#queue-pane").border_subtitle)
        screen.group_mode = "kind"
        await pilot.pause()
        headers = [r.header for r in queue.queue.rows if r.item is None]
        assert (
            headers
            and all(h for h in headers)
            and "by kind (o)" in str(screen.query_one("#queue-pane").border_subtitle)
        )
        screen.compare = "original_chosen"
        await pilot.pause()
        assert (fake.label_a, fake.label_b) == ("original", "chosen")
        assert "original vs chosen mix" in screen.query_one(Transport).render().plain
        screen.muted = frozenset({"Bass.flac"})
        await pilot.pause()
        assert fake.muted == {"Bass.flac"}
        assert next(r for r in screen.query_one(StemsPanel).rows if r.file == "Bass.flac").muted
        screen.muted = frozenset()
        await pilot.pause()
        assert fake.muted == set()


async def test_the_filter_is_what_the_field_holds_not_an_older_message(
    session: Path, tmp_path: Path
) -> None:
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"bass")
        field = app.main.query_one(FilterInput)
        field.post_message(Input.Changed(field, "b"))  # from before the last keys
        await pilot.pause()
        assert field.value == "bass" and app.main.filter_text == "bass"


async def test_the_palette_offers_the_commands_of_the_screen_under_it(
    session: Path, tmp_path: Path
) -> None:
    """Over the loading screen: the app's own (help, quit); over the review: the review's too."""
    release = threading.Event()
    app = loading_app(session, tmp_path, release)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.screen is app.loading
            titles = [t for t, _h, _a in app.palette_commands()]
            assert titles == ["This help", "Quit (everything is already saved)"]
            await pilot.press("ctrl+p")
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"help", "enter")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            release.set()
            await wait_ready(app, pilot)
            commands = {t: a for t, _h, a in app.main.palette_commands()}
            assert (
                commands["This help"] == "app.help" and commands["Accept the selected suggestion"]
            )
            await app.main.run_action(commands["This help"])
            assert isinstance(app.screen, HelpScreen)
    finally:
        release.set()
