"""The review app as a whole: loading, panels, sizes, saving and resuming, errors as messages."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from textual.geometry import Region

from mixreview.analysis.review import Review
from mixreview.tui.app import MixReviewApp, make_app
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.loading import LoadingHint
from mixreview.tui.widgets.meters import PEAK_SCALE, Reading, eighths
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.suggestions import SuggestionList
from mixreview.tui.widgets.transport import Transport
from tests.test_tui_support import (
    FakeAudition,
    new_app,
    notifications,
    screen_text,
    session_copy,
    until,
    wait_ready,
)


def selected_item(app: MixReviewApp) -> Item:
    item = app.query_one(SuggestionList).selected
    assert item is not None
    return item


def review_file(session: Path) -> dict:
    path = session / ".mixreview" / "review.json"
    return json.loads(path.read_text()) if path.exists() else {"decisions": {}, "ui": {}}


async def test_opens_with_every_panel(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.loading.error is None
        text = screen_text(app)
        assert "Demo Song (flawed)" in text
        stems = app.query_one(StemsPanel)
        assert [r.file for r in stems.rows] == [s.file for s in app.main.analysis.session.stems]
        queue = app.query_one(SuggestionList)
        assert queue.queue.total == len(app.main.suggestions) > 3
        assert queue.selected is not None and queue.selected.id == app.main.suggestions[0].id
        assert "Why" in app.query_one(DetailPanel).plain
        assert "no audio: audio player not available" in text
        # checks show as badges on the stems they concern
        badges = {r.file: r.badge[0] for r in stems.rows}
        assert badges["Snare.flac"].startswith("E") and badges["Pad.flac"].startswith("W")
        assert "checks (!)" in text


async def test_progress_bar_while_measuring(tmp_path: Path, small_session: Path) -> None:
    app = new_app(small_session, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        done, total = app.loading.measured
        assert total > 0 and done == total  # it moved while measuring
        assert app.screen is app.main
        assert app.query_one("#main").display


@pytest.mark.parametrize("problem", ["missing", "empty"])
async def test_a_session_that_cannot_open_is_a_message(tmp_path: Path, problem: str) -> None:
    folder = tmp_path / "nothing-here"
    if problem == "empty":
        folder.mkdir()
    app = new_app(folder, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.loading.error is not None
        text = screen_text(app)
        assert "Cannot open this session." in text
        assert "Traceback" not in text
        expected = "does not exist" if problem == "missing" else "no audio files"
        assert expected in app.loading.error
        assert any(expected in n for n in notifications(app))
        await pilot.press("q")
    assert app.return_code == 0


def _inside(inner: Region, outer: Region) -> bool:
    return outer.contains_region(inner)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_layout_fits_without_overlap(tmp_path: Path, size: tuple[int, int]) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        screen = app.screen.region
        panes = [app.query_one(s) for s in ("#title", "#stems-pane", "#queue-pane", "#detail",
                                             "#transport", "Footer")]  # fmt: skip
        for pane in panes:
            assert _inside(pane.region, screen), pane
        for i, a in enumerate(panes):
            for b in panes[i + 1 :]:
                assert not a.region.overlaps(b.region), (a, b)
        # every stem row fits its panel and every stem is visible without scrolling
        stems = app.query_one(StemsPanel)
        assert stems.size.height >= len(stems.rows)
        for index in range(len(stems.rows)):
            for _ in range(2):  # drawn twice: cached pieces must come back whole
                cells = sum(len(s.text) for s in stems.row_segments(index, stems.content_width))
                assert cells == stems.content_width  # the columns fill the row exactly
        queue = app.query_one(SuggestionList)
        for index in range(queue.row_count):
            cells = sum(len(s.text) for s in queue.row_segments(index, queue.content_width))
            assert cells <= queue.content_width
        # text wraps in the detail panel: nothing runs off to the right
        detail = app.query_one(DetailPanel)
        width = detail.content_region.width
        assert detail.line_count > 5
        assert all(strip.cell_length <= width for strip in detail._strips)
        # every screen line is exactly the terminal's width (nothing spills over a border)
        lines = screen_text(app).split("\n")
        assert len(lines) == size[1]
        assert all(len(line) == size[0] for line in lines)
        transport = app.query_one(Transport)
        transport_lines = transport.render().plain.split("\n")
        assert all(len(line) <= transport.size.width for line in transport_lines)


async def test_decisions_and_selection_survive_a_restart(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        first, second, third = (s.id for s in app.main.suggestions[:3])
        await pilot.press("a")  # accepts the first, moves to the second
        assert review_file(session)["decisions"][first]["status"] == "accepted"
        await pilot.press("r")
        assert review_file(session)["decisions"][second]["status"] == "rejected"
        await pilot.press("o", "o")  # group by kind
        selected = app.query_one(SuggestionList).selected.id
        assert selected == third
        await pilot.press("q")
    assert app.return_code == 0
    saved = review_file(session)
    assert saved["ui"]["selected"] == third and saved["ui"]["group"] == "kind"

    again = new_app(session, tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_ready(again, pilot)
        queue = again.query_one(SuggestionList)
        assert queue.selected.id == third
        assert again.main.group_mode == "kind"
        statuses = {i.id: i.status for i in again.main.items}
        assert statuses[first] == "accepted" and statuses[second] == "rejected"
        queue.select(first)
        await pilot.pause()
        assert "✓" in screen_text(again)
        queue.select(second)
        await pilot.pause()
        assert "✗" in screen_text(again)


async def test_selection_is_saved_without_quitting(tmp_path: Path) -> None:
    """A kill -9 after moving loses at most the last 0.3 s of cursor movement."""
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "j")
        wanted = app.main.suggestions[2].id
        await until(pilot, lambda: review_file(session)["ui"].get("selected") == wanted)


async def test_a_corrupt_review_file_is_kept_aside_and_reported(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    state = session / ".mixreview"
    (state / "review.json").write_text("{ this is not json")
    app = new_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        messages = notifications(app)
        assert any("could not be read" in m and "corrupt" in m for m in messages)
        kept = list(state.glob("review.json.corrupt-*"))
        assert kept and kept[0].read_text() == "{ this is not json"


async def test_decisions_from_elsewhere_show_on_open(tmp_path: Path) -> None:
    """The app reads the review written by any client (here: the engine API directly)."""
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        target = app.main.suggestions[-1]
        stems = [s.file for s in app.main.analysis.session.stems]
    review = Review.open(session / ".mixreview" / "review.json", session, stems)
    review.set_amount(target, 0.5)
    again = new_app(session, tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_ready(again, pilot)
        item = next(i for i in again.main.items if i.id == target.id)
        assert item.status == "adjusted" and item.amount == 0.5
        again.query_one(SuggestionList).select(target.id)
        await pilot.pause()
        assert "adjusted 50%" in again.query_one(DetailPanel).plain


async def test_meters_read_the_measured_levels_at_the_playhead(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path, meters=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        stems = app.query_one(StemsPanel)
        at_start = dict(stems.readings)
        await pilot.press("right")
        await pilot.pause()
        before = stems.repaints
        await pilot.press("right")  # 10 s: the verse
        await pilot.pause()
        assert app.audition.position_s == pytest.approx(10.0)
        moved = stems.readings
        vocal = "Lead_Vocal.flac"
        assert moved[vocal].lufs > at_start[vocal].lufs  # the vocal comes in after the intro
        expected = app.main.series[vocal].reading(10.0)
        assert moved[vocal] == expected
        await until(pilot, lambda: stems.repaints > before)
        repainted = stems.repaints - before
        assert 0 < repainted <= len(stems.rows)
        # nothing moves: no row is drawn again
        still = stems.repaints
        await pilot.pause(0.2)
        assert stems.repaints == still
        assert "0:10.0" in screen_text(app)


async def test_meters_move_with_the_player(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mixreview.tui.listening

    monkeypatch.setattr(
        mixreview.tui.listening, "HOLD_S", 60.0
    )  # a loaded machine must not outlast the hold
    session = session_copy(tmp_path)
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake, meters=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")
        assert fake.playing
        stems = app.query_one(StemsPanel)
        await until(pilot, lambda: stems.readings["Kick.flac"].peak_db == -12.0)  # meter ticks
        live = stems.readings["Kick.flac"]
        assert live.peak_db == pytest.approx(-12.0) and live.lufs == pytest.approx(-20.0)
        before = stems.repaints
        fake.level_db = -30.0
        await until(pilot, lambda: stems.readings["Kick.flac"].peak_db == -30.0)
        assert stems.readings["Kick.flac"].peak_db == pytest.approx(-30.0)
        assert stems.readings["Kick.flac"].hold_db == pytest.approx(-12.0)  # the peak holds
        # only the rows whose meters moved were drawn again (drawing follows the reading)
        await until(pilot, lambda: stems.repaints > before)
        await pilot.pause(0.1)
        assert 0 < stems.repaints - before <= 2 * len(stems.rows)
        assert "▶" in screen_text(app)
        await pilot.press("space")
        assert not fake.playing
    assert fake.closed


# -- keys while the session is still being measured ----------------------------------------------


def loading_app(session: Path, tmp_path: Path, release: threading.Event) -> MixReviewApp:
    """An app whose loading ends only when ``release`` is set (the audition starts last)."""
    fake = FakeAudition()

    def slow_audition(_session):  # type: ignore[no-untyped-def]
        release.wait(30)
        return fake

    keys = tmp_path / "no-keys.toml"
    return make_app(session, audition_factory=slow_audition, keymap_path=keys, workers=1,
                    meters=False)  # fmt: skip


async def test_keys_while_loading_say_they_wait_for_the_analysis(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    release = threading.Event()
    app = loading_app(session, tmp_path, release)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not app.main.ready
            hint = app.loading.query_one(LoadingHint)
            for key, words in (("a", "a (accept)"), ("j", "j (down)"), ("space", "space (play)"),
                               ("right", "→ (+5 s)")):  # fmt: skip
                await pilot.press(key)
                assert f"still measuring: {words} works once the analysis is done" in hint.answered
                assert "still measuring" in screen_text(app)
            assert notifications(app) == []  # no "No suggestion selected." and the like
            # the help works while loading, and goes away as usual
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert app.screen is app.loading
            release.set()
            await wait_ready(app, pilot)
            assert review_file(session)["decisions"] == {}  # the early "a" decided nothing
            assert app.screen is app.main
            before = selected_item(app)
            await pilot.press("a")  # now it works
            assert review_file(session)["decisions"][before.id]["status"] == "accepted"
    finally:
        release.set()


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_keys_work_while_loading(tmp_path: Path, key: str) -> None:
    session = session_copy(tmp_path)
    release = threading.Event()
    app = loading_app(session, tmp_path, release)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not app.main.ready
            await pilot.press(key)
            release.set()
            await pilot.pause()
            assert app._exit  # asked to exit, without waiting for the analysis
    finally:
        release.set()
    assert app.return_code == 0


async def test_ctrl_c_copies_a_selection_and_else_quits(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", "b", "a", "s", "s", "ctrl+shift+a")
        await pilot.press("ctrl+c")  # text selected in the filter: copied, the app stays
        await pilot.pause()
        assert app.clipboard == "bass"
        assert app.is_running and not app._exit
        await pilot.press("enter", "ctrl+c")
        await pilot.pause()
        assert app._exit
    assert app.return_code == 0
    assert review_file(session)["ui"]["filter"] == "bass"  # saved on the way out


# -- the meter rate -------------------------------------------------------------------------------


async def test_meter_rate_from_the_environment_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXREVIEW_METER_HZ", "10")
    session = session_copy(tmp_path)
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake, meters=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        clock = app.main.meter_clock
        pane = app.query_one("#stems-pane")
        assert clock.hz == 10 and clock.running and clock.interval_s == pytest.approx(0.1)
        assert pane.border_subtitle == "meters 10 Hz (M)"
        assert "meters 10 Hz (M)" in screen_text(app)
        await pilot.press("space")
        stems = app.query_one(StemsPanel)
        await until(pilot, lambda: stems.readings["Kick.flac"].peak_db == -12.0)
        # M: off. The meters stand still while the transport clock goes on
        await pilot.press("M")
        assert clock.hz == 0 and pane.border_subtitle == "meters off (M)"
        fake.level_db = -30.0
        fake.seek(3.0)
        await until(pilot, lambda: app.query_one(Transport).state.position_s == 3.0)
        assert stems.readings["Kick.flac"].peak_db == -12.0
        # a seek still shows where the playhead is
        await pilot.press("right")
        await pilot.pause()
        assert stems.readings["Kick.flac"].peak_db == pytest.approx(-30.0)
        # M again: 25 Hz, the meters follow the player
        await pilot.press("M")
        assert clock.hz == 25 and clock.interval_s == pytest.approx(0.04)
        assert pane.border_subtitle == "meters 25 Hz (M)"
        fake.level_db = -20.0
        await until(pilot, lambda: stems.readings["Kick.flac"].peak_db == -20.0)
        # the palette's command for a rate
        await app.main.run_action("meter_rate(10)")
        assert clock.hz == 10 and clock.running
        titles = [t for t, _h, _a in app.main.palette_commands()]
        assert {"Meters: 25 Hz", "Meters: 10 Hz", "Meters: off"} <= set(titles)


async def test_a_bad_meter_rate_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXREVIEW_METER_HZ", "fast")
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path, meters=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.main.meter_clock.hz == 25
        assert any("MIXREVIEW_METER_HZ='fast' is not a rate" in n for n in notifications(app))
        assert app.query_one("#stems-pane").border_subtitle == ""  # the usual rate: not shown


# -- what a key changes is drawn at once ----------------------------------------------------------


async def test_the_detail_follows_the_cursor_in_the_same_update(tmp_path: Path) -> None:
    """No screen update shows the cursor on one suggestion and the detail of another: the
    cursor's move reaches the app directly, and the screen waits for the detail's change."""
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path, meters=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        queue = app.query_one(SuggestionList)
        detail = app.query_one(DetailPanel)
        frames: list[tuple[str | None, str | None]] = []
        draw = app.main._compositor_refresh

        def drawn() -> None:
            shown = detail.subject[1].id if detail.subject[0] == "item" else None
            frames.append((queue.selected.id if queue.selected else None, shown))
            draw()

        app.main._compositor_refresh = drawn  # type: ignore[method-assign]
        for key in ["j", "j", "k", "j", "j", "a", "u", "j"]:
            await pilot.press(key)
            await pilot.pause(0.05)
        moved = [f for f in frames if f[0] != frames[0][0]]
        assert moved, "the cursor never moved on screen"
        assert all(cursor == shown for cursor, shown in frames), frames


async def test_the_detail_of_a_suggestion_seen_before_shows_its_changes(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        detail = app.query_one(DetailPanel)
        first = selected_item(app)
        await pilot.press("j", "k")  # its page is kept
        assert "· pending" in detail.plain
        await pilot.press("left_square_bracket")
        assert "adjusted 75%" in detail.plain
        await pilot.press("j", "k")
        assert selected_item(app).id == first.id
        assert "adjusted 75%" in detail.plain and "· pending" not in detail.plain


async def test_a_meter_update_sends_only_the_changed_part_of_a_row(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        stems = app.query_one(StemsPanel)
        row = next(i for i, r in enumerate(stems.rows) if r.file == "Kick.flac")
        readings = dict(stems.readings)
        kick = readings["Kick.flac"]
        readings["Kick.flac"] = Reading(-3.0, -3.0, kick.lufs, kick.corr, kick.side_to_mid_db)
        await pilot.pause()
        stems._repaint_regions.clear()
        assert stems.set_readings(readings) == 1
        (region,) = stems._repaint_regions
        layout = stems.stem_layout(stems.content_width)
        assert region.height == 1 and region.y == row - stems.scroll_offset.y
        peak_bar_start = 2 + 1 + layout.name_w + (layout.role_w + 1 if layout.role_w else 0) + 1
        assert region.x >= peak_bar_start  # the name is not part of it
        assert region.right < stems.content_width - 4  # nor the counts and checks
        await pilot.pause()
        full = eighths(-3.0, PEAK_SCALE, layout.peak_w) // 8
        assert " " + "█" * full in stems.render_line(row - stems.scroll_offset.y).text
