"""The review app as a whole: loading, panels, sizes, saving and resuming, errors as messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.geometry import Region

from analysis.review import Review
from tests.test_tui_support import (
    FakeAudition,
    new_app,
    notifications,
    screen_text,
    session_copy,
    until,
    wait_ready,
)
from tui.widgets.detail import DetailPanel
from tui.widgets.stems import StemsPanel
from tui.widgets.suggestions import SuggestionList
from tui.widgets.transport import Transport


def review_file(session: Path) -> dict:
    path = session / ".mixreview" / "review.json"
    return json.loads(path.read_text()) if path.exists() else {"decisions": {}, "ui": {}}


async def test_opens_with_every_panel(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.load_error is None
        text = screen_text(app)
        assert "Demo Song (flawed)" in text
        stems = app.query_one(StemsPanel)
        assert [r.file for r in stems.rows] == [s.file for s in app.analysis.session.stems]
        queue = app.query_one(SuggestionList)
        assert queue.queue.total == len(app.suggestions) > 3
        assert queue.selected is not None and queue.selected.id == app.suggestions[0].id
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
        bar = app.query_one("#loading-bar")
        assert bar.total is not None and bar.progress == bar.total  # it moved while measuring
        assert not app.query_one("#loading").display
        assert app.query_one("#main").display


@pytest.mark.parametrize("problem", ["missing", "empty"])
async def test_a_session_that_cannot_open_is_a_message(tmp_path: Path, problem: str) -> None:
    folder = tmp_path / "nothing-here"
    if problem == "empty":
        folder.mkdir()
    app = new_app(folder, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.load_error is not None
        text = screen_text(app)
        assert "Cannot open this session." in text
        assert "Traceback" not in text
        expected = "does not exist" if problem == "missing" else "no audio files"
        assert expected in app.load_error
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
        first, second, third = (s.id for s in app.suggestions[:3])
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
        assert again.group_mode == "kind"
        statuses = {i.id: i.status for i in again.items}
        assert statuses[first] == "accepted" and statuses[second] == "rejected"
        assert "✓" in screen_text(again) and "✗" in screen_text(again)


async def test_selection_is_saved_without_quitting(tmp_path: Path) -> None:
    """A kill -9 after moving loses at most the last 0.3 s of cursor movement."""
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "j")
        wanted = app.suggestions[2].id
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
        target = app.suggestions[-1]
        stems = [s.file for s in app.analysis.session.stems]
    review = Review.open(session / ".mixreview" / "review.json", session, stems)
    review.set_amount(target, 0.5)
    again = new_app(session, tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_ready(again, pilot)
        item = next(i for i in again.items if i.id == target.id)
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
        expected = app.series[vocal].reading(10.0)
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
    import tui.app

    monkeypatch.setattr(tui.app, "HOLD_S", 60.0)  # a loaded machine must not outlast the hold
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
