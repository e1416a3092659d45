"""SVG snapshots of the review app (pytest-textual-snapshot): fixed sizes, the app's own theme, no
sound, no clock. Update after a deliberate change with ``pytest --snapshot-update``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixreview.tui.widgets.suggestions import SuggestionList
from tests.test_tui_support import new_app, session_copy, wait_ready


def _select(app, kind: str) -> None:  # type: ignore[no-untyped-def]
    target = next(i for i in app.main.items if i.kind == kind)
    app.query_one(SuggestionList).select(target.id)


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return session_copy(tmp_path)


def test_main_screen(snap_compare, session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path, meters=True)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=ready)


def test_main_screen_80x24(snap_compare, session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_help_screen(snap_compare, session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)

    assert snap_compare(app, press=["question_mark"], terminal_size=(100, 40), run_before=ready)


def test_detail_of_a_section_gain(snap_compare, session: Path, tmp_path: Path) -> None:
    """The section loudness curve, before and after, with the section on the song timeline."""
    app = new_app(session, tmp_path)

    async def select(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)
        _select(app, "section_gain")
        await pilot.press("3", "z")

    assert snap_compare(app, terminal_size=(100, 36), run_before=select)


def test_detail_of_an_unmask(snap_compare, session: Path, tmp_path: Path) -> None:
    """Two stems' band spectra with the cut frequency marked."""
    app = new_app(session, tmp_path)

    async def select(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)
        _select(app, "unmask")
        await pilot.press("3", "z")

    assert snap_compare(app, terminal_size=(100, 36), run_before=select)


def test_no_color(snap_compare, session: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR: statuses, meters and focus still read (glyphs, ticks, heavy borders)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = new_app(session, tmp_path)
    assert app.no_color

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_ready(app, pilot)
        await pilot.press("a", "r", "right")

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
