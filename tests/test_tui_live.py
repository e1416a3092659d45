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
        before = {s.id: s.as_dict() for s in app.all_suggestions}
        gain = max(
            (i for i in app.items if i.kind == "gain"), key=lambda i: abs(i.params["gain_db"])
        )
        app.query_one(SuggestionList).select(gain.id)
        await pilot.press("a")
        await until(pilot, lambda: not app.recomputing, timeout_s=20.0)
        after = {s.id: s.as_dict() for s in app.all_suggestions}
        assert after[gain.id] == before[gain.id]  # the decided one is kept as decided
        moved = [k for k in before if k != gain.id and after.get(k) != before[k]]
        assert moved  # others were derived again: new numbers, or solved and gone
        gone = [k for k in before if k not in after]
        if gone:
            assert any("left the queue: solved by" in n for n in notifications(app))
        assert "recomputing" not in screen_text(app)


async def test_x_shows_the_other_answer_and_a_decision_keeps_it(tmp_path: Path) -> None:
    session = session_copy(tmp_path)
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        swing = next(i for i in app.items if i.suggestion and i.suggestion.alternatives)
        other = swing.suggestion.alternatives[0]
        app.query_one(SuggestionList).select(swing.id)
        await pilot.press("x")
        await until(pilot, lambda: not app.recomputing, timeout_s=20.0)
        shown = app.query_one(SuggestionList).selected
        assert shown is not None and shown.id == other.id
        await pilot.press("a")
        await until(pilot, lambda: not app.recomputing, timeout_s=20.0)
        assert app.review.status(other.id) == "accepted"
        same_problem = [
            i
            for i in app.items
            if i.suggestion and i.suggestion.problem == swing.suggestion.problem
        ]
        assert [i.id for i in same_problem] == [other.id]  # one item for the problem
