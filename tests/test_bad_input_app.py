"""Every case of the bad-input corpus opened in the review app: it opens (or says in one line
why the session cannot be opened), names the problem, keeps a damaged review aside, and never
puts a raw control character on the screen."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from mixreview.tui.launch import run_app
from tests.bad_input_cases import CASES, Case
from tests.test_tui_support import new_app, notifications, screen_text, wait_ready

CONTROL = tuple(chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])


def _no_control(text: str) -> None:
    assert not [c for c in CONTROL if c in text], repr(text[:300])


@pytest.mark.parametrize("spec", CASES, ids=str)
async def test_open_in_the_app(spec: Case, tmp_path: Path) -> None:
    session = spec.build(tmp_path)
    if spec.analyze_exit:  # `mixreview SESSION` says why in one line and never starts the app
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert run_app(session) == 2
        assert err.getvalue().startswith("mixreview: ") and spec.says in err.getvalue()
        assert err.getvalue().count("\n") == 1
        return
    app = new_app(session, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        await wait_ready(app, pilot)
        assert app.loading.error is None and app.main.ready
        text = screen_text(app)
        messages = notifications(app)
        if spec.check:
            assert spec.check in {check.id for _, check in app.main.checks_of_session()}
            await pilot.press("exclamation_mark")  # the checks screen, with every message
            await pilot.pause()
            text += screen_text(app)
        if spec.review:
            said = [m for m in messages if spec.says in m]
            assert said and all("\n" not in m for m in said), messages
            state = session / ".mixreview"
            assert list(state.glob("review.json.*-*")), list(state.iterdir())
            data = json.loads((state / "review.json").read_text())  # the rest, saved clean
            assert data["schema"] == "mixreview.review/1"
        _no_control(text + "".join(messages))
        await pilot.press("q")
    assert app.return_code in (None, 0)
