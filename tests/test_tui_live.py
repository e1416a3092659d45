"""The app derives the queue again after every decision, off the UI thread."""

from __future__ import annotations

from pathlib import Path

from mixreview.tui.widgets.suggestions import SuggestionList
from tests.test_tui_support import (
    new_app,
    notifications,
    screen_text,
    session_copy,
    until,
    wait_ready,
)

SIZE = (120, 36)


async def test_accepting_a_cut_re_derives_the_queue(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        before = {s.id: s.as_dict() for s in app.main.all_suggestions}
        gain = max(
            (i for i in app.main.items if i.kind == "gain"), key=lambda i: abs(i.params["gain_db"])
        )
        app.query_one(SuggestionList).select(gain.id)
        await pilot.press("a")
        await until(pilot, lambda: not app.main.recomputing, timeout_s=20.0)
        after = {s.id: s.as_dict() for s in app.main.all_suggestions}
        assert after[gain.id] == before[gain.id]  # the decided one is kept as decided
        moved = [k for k in before if k != gain.id and after.get(k) != before[k]]
        assert moved  # others were derived again: new numbers, or solved and gone
        gone = [k for k in before if k not in after]
        if gone:
            assert any("left the queue: solved by" in n for n in notifications(app))
        assert "recomputing" not in screen_text(app)


def _swinging_session(tmp_path: Path) -> Path:
    """Parts whose level swings from passage to passage: section gains and a compressor
    answer the same problem."""
    from tests.conftest import stereo, write
    from tests.test_suggest_dynamics import PASSAGES_DB, _line

    folder = tmp_path / "swing"
    folder.mkdir()
    vocal = _line(220.0, PASSAGES_DB, 1)
    write(folder / "Lead Vocal.wav", stereo(vocal, 0.9 * vocal))
    write(folder / "Bass.wav", _line(55.0, PASSAGES_DB, 2, amp=0.9))
    write(folder / "Pad.wav", stereo(*(_line(f, [-20.0], s, 0.3) for f, s in ((110, 3), (111, 4)))))
    return folder


async def test_x_shows_the_other_answer_and_a_decision_keeps_it(tmp_path: Path) -> None:
    app = new_app(_swinging_session(tmp_path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        swing = next(i for i in app.main.items if i.suggestion and i.suggestion.alternatives)
        assert swing.suggestion is not None
        other = swing.suggestion.alternatives[0]
        app.query_one(SuggestionList).select(swing.id)
        await pilot.press("x")
        await until(pilot, lambda: not app.main.recomputing, timeout_s=20.0)
        shown = app.query_one(SuggestionList).selected
        assert shown is not None and shown.id == other.id
        await pilot.press("a")
        await until(pilot, lambda: not app.main.recomputing, timeout_s=20.0)
        assert app.main.review is not None and app.main.review.status(other.id) == "accepted"
        problem = swing.suggestion.problem
        same = [i for i in app.main.items if i.suggestion and i.suggestion.problem == problem]
        assert [i.id for i in same] == [other.id]  # one item for the problem
