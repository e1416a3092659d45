"""Listening you can trust, in the app: loops, the match state, the transport at 80 columns,
messages that never cover a dialog, undo after a restart, amounts as applied, and whether each
decision's A/B was heard."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.widgets import Input, Static

from mixreview.analysis.render import MIX_NAMES
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.screens.export import ExportScreen
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.queue import Item
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

SIZE = (120, 40)


def saved(session: Path) -> dict:
    return json.loads((session / ".mixreview" / "review.json").read_text())


def select_kind(app, kind: str) -> Item:  # type: ignore[no-untyped-def]
    target = next(i for i in app.main.items if i.kind == kind)
    app.query_one(SuggestionList).select(target.id)
    return target


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return session_copy(tmp_path)


async def test_l_turns_a_section_loop_off_while_playing(session: Path, tmp_path: Path) -> None:
    fake = FakeAudition()  # rounds the loop to whole samples, as the player does
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = select_kind(app, "section_gain")
        await pilot.press("space", "l")
        assert fake.playing and fake.loop_s == pytest.approx(item.section_span_s, abs=1e-4)
        assert fake.loop_s != tuple(item.section_span_s)  # rounded: not the same floats
        await pilot.press("l")
        assert fake.loop_s is None and "loop 0:" not in screen_text(app)
        await pilot.press("l")
        assert fake.loop_s is not None
        # the palette turns it off too
        commands = {title: action for title, _help, action in app.main.palette_commands()}
        assert commands["Loop off"] == "loop_off"
        await app.main.run_action("loop_off")
        assert fake.loop_s is None


async def test_the_match_state_shows_matching_until_the_offset_is_known(
    session: Path, tmp_path: Path
) -> None:
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        fake.matching, fake.offset_db = True, 0.0
        await until(pilot, lambda: "matching…" in screen_text(app))
        assert "match +0.0 dB" not in screen_text(app)
        fake.matching, fake.offset_db = False, -3.3  # the player's thread finished: no key
        await until(pilot, lambda: "match -3.3 dB" in screen_text(app))
        # the next comparison: the instant estimate while the exact match is measured
        fake.matching, fake.offset_estimated, fake.offset_db = True, True, -1.26
        await until(pilot, lambda: "match ≈-1.3 dB" in screen_text(app))
        assert "matching…" not in screen_text(app)
        fake.matching, fake.offset_estimated, fake.offset_db = False, False, -1.21
        await until(pilot, lambda: "match -1.2 dB" in screen_text(app))
        assert "≈" not in screen_text(app)


async def test_the_app_gives_the_player_its_estimator(session: Path, tmp_path: Path) -> None:
    """The player estimates every match from the session's own measurements."""
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        estimator = fake.estimator
        assert estimator is not None
        analysis = app.main.analysis
        assert analysis is not None and estimator.mix is analysis.mix
        assert set(estimator.stems) == {r.stem.file for r in analysis.stems}


async def test_what_is_heard_and_its_match_stay_visible_at_80_columns(
    session: Path, tmp_path: Path
) -> None:
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        select_kind(app, "section_gain")
        await pilot.press("b", "l")
        await pilot.pause()
        line = app.query_one(Transport).render().plain.splitlines()[1]
        assert line.startswith("hearing B (with) · match +0.4 dB · loop 0:")
        assert len(line) <= 80
        fake.safety_db = -2.1
        app.main.update_transport()
        await pilot.pause()
        line = app.query_one(Transport).render().plain.splitlines()[1]
        assert "match +0.4 dB · safety -2.1 dB" in line


async def test_messages_never_cover_a_dialog(session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path, audition=FakeAudition())
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        app.notify("a long message from before", timeout=30)
        await pilot.pause()
        assert "a long message from before" in notifications(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        assert notifications(app) == []
        app.notify("said while the help is open", timeout=30)
        await pilot.pause()
        assert notifications(app) == []
        await pilot.press("escape")
        await until(pilot, lambda: "said while the help is open" in notifications(app))


async def test_undo_history_survives_a_restart(session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        first = app.query_one(SuggestionList).selected
        assert first is not None
        await pilot.press("a")
        assert saved(session)["decisions"][first.id]["status"] == "accepted"
    again = new_app(session, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await wait_ready(again, pilot)
        await pilot.press("u")
        assert not any("Nothing to undo" in n for n in notifications(again))
        assert saved(session)["decisions"].get(first.id, {}).get("status", "pending") == "pending"


async def test_a_partial_amount_shows_what_is_applied(session: Path, tmp_path: Path) -> None:
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = select_kind(app, "gain")
        gain_db = float(item.params["gain_db"])
        await pilot.press("[")
        await pilot.pause()
        detail = app.query_one(DetailPanel).plain
        assert f"{gain_db:+.1f} dB at 75% strength: {gain_db * 0.75:+.1f} dB applied" in detail


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_decisions_record_whether_their_ab_was_heard(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mixreview.tui.listening

    clock = Clock()
    monkeypatch.setattr(mixreview.tui.listening, "time", SimpleNamespace(monotonic=clock.monotonic))
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        unheard = app.query_one(SuggestionList).selected
        assert unheard is not None
        await pilot.press("a")  # decided without a note of its A/B
        heard = app.query_one(SuggestionList).selected
        assert heard is not None and heard.id != unheard.id
        app.main.apply_versions()
        await pilot.press("space")
        clock.now += 6.0  # six seconds of its A/B
        await pilot.press("b")
        clock.now += 2.0
        await pilot.press("a")
        await pilot.press("space")
        decisions = saved(session)["decisions"]
        assert decisions[unheard.id]["heard"]["played_s"] == 0
        assert decisions[heard.id]["heard"]["played_s"] == pytest.approx(8.0, abs=0.05)
        assert decisions[heard.id]["heard"]["matched_s"] == pytest.approx(8.0, abs=0.05)
        app.query_one(SuggestionList).select(unheard.id)
        await pilot.pause()
        assert "decided without hearing its A/B" in app.query_one(DetailPanel).plain
        assert "✓?yes" in screen_text(app) or "✓? accepted" in screen_text(app)
    again = new_app(session, tmp_path, audition=FakeAudition())
    async with again.run_test(size=SIZE) as pilot:
        await wait_ready(again, pilot)
        marks = {i.id: i.unheard for i in again.main.items}
        assert marks[unheard.id] and not marks[heard.id]
    # ... and reach the notes
    from mixreview.analysis.export import export_session

    result = export_session(session, out=tmp_path / "out", versions="chosen", stems=False)
    notes = json.loads(Path(result.folder, "notes.json").read_text())
    heard_of = {c["id"]: c["heard"] for c in notes["changes"] if c.get("heard")}
    assert heard_of[unheard.id]["heard"] is False and heard_of[heard.id]["heard"] is True
    assert heard_of[heard.id]["played_s"] == pytest.approx(8.0, abs=0.1)
    names = {s["file"]: s["name"] for s in notes["stems"]}
    kind_on = {
        c["id"]: f"{c['kind']} on {', '.join(names[f] for f in c['stems'])}"
        for c in notes["changes"]
    }  # as notes.md names a decision: "gain on Pad"
    assert kind_on[unheard.id] != kind_on[heard.id]
    markdown = Path(result.folder, "notes.md").read_text()
    line = next(s for s in markdown.splitlines() if "Accepted without listening" in s)
    assert line.startswith(f"Accepted without listening: 1 of 2 ({kind_on[unheard.id]}). ")
    assert kind_on[heard.id] not in line  # the heard one is not listed


async def test_export_asks_once_when_most_were_unheard_then_writes_the_mixes(
    session: Path, tmp_path: Path
) -> None:
    app = new_app(session, tmp_path, audition=FakeAudition())
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("a", "a")
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmScreen)
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 of the 2 accepted changes were decided without hearing" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        await pilot.press("e")  # asked once
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        # ... and the export runs from the screen: the four mixes reach the folder typed in
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.exporter is not None
        out = tmp_path / "exported"
        screen.query_one("#export-out", Input).value = str(out)
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running, timeout_s=120.0)  # done or failed
        assert screen.result == out, screen.query_one("#export-status", Static).render()
        assert sorted(p.name for p in out.glob("*.wav")) == sorted(MIX_NAMES.values())
        assert "mix_manual.wav: your own changes alone" in screen_text(app)
        mix = {name: (out / name).read_bytes() for name in MIX_NAMES.values()}
        assert mix["mix_manual.wav"] == mix["mix_original.wav"]  # no change of the reviewer's
        assert mix["mix_chosen.wav"] != mix["mix_original.wav"]  # the two accepted ones
        assert "Accepted without listening: 2 of 2" in (out / "notes.md").read_text()


async def test_the_meters_read_the_side_heard(session: Path, tmp_path: Path) -> None:
    """The lead vocal has one channel flipped: its L/R meter reads about -1 on the original and
    about +1 with the accepted flip, soloed too (paused: the measured reading, changed as the
    side heard changes it)."""
    from mixreview.tui.widgets.stems import StemsPanel

    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = next(
            i for i in app.main.items
            if i.kind == "polarity" and i.params.get("channels") in ("left", "right")
        )  # fmt: skip
        vocal = item.stems[0]
        app.query_one(SuggestionList).select(item.id)
        app.main.apply_versions()
        await pilot.pause()
        series = app.main.series[vocal]
        sung_s = next(t / 10 for t in range(300) if series.reading(t / 10).corr is not None)
        app.main.seek_to(sung_s + 2.0)
        before = app.query_one(StemsPanel).readings[vocal].corr
        assert before is not None and before < -0.5
        await pilot.press("b")  # B: with the flip
        after = app.query_one(StemsPanel).readings[vocal].corr
        assert after == pytest.approx(-before)
        await pilot.press("s")  # soloed: still what is heard
        app.main.tick(force=True)
        assert app.query_one(StemsPanel).readings[vocal].corr == pytest.approx(-before)


async def test_no_sound_over_ssh_is_a_short_message(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixreview.tui.app import make_app

    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.9 22")
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.delenv("MIXREVIEW_AUDIO", raising=False)
    app = make_app(session, keymap_path=tmp_path / "no-keys.toml", workers=1, meters=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")
        said = [n for n in notifications(app) if n.startswith("No sound")]
        assert len(said) == 1
        assert "docs/audition.md" in said[0] and "w to write" in said[0]
        assert len(said[0]) <= 260  # a few lines of a message, not fourteen


async def test_resizing_to_80_columns_redraws_the_title_and_the_footer(
    session: Path, tmp_path: Path
) -> None:
    app = new_app(session, tmp_path, audition=FakeAudition())
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_ready(app, pilot)
        assert "^p palette" in screen_text(app).splitlines()[-1]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "^p palette" not in lines[-1] and lines[-1].rstrip().endswith("q quit")
        title = lines[0].rstrip()
        assert title.endswith("checks (!)") or title.endswith("accepted")  # whole parts only
        await pilot.resize_terminal(130, 30)
        await pilot.pause()
        await pilot.pause()
        assert "^p palette" in screen_text(app).splitlines()[-1]
