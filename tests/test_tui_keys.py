"""Every binding of the review app, driven from the keyboard with a Pilot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, TextArea

from mixreview.tui.keymap import KEYS
from mixreview.tui.screens.checks import ChecksScreen
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.screens.export import ExportScreen
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.screens.manual import ManualScreen
from mixreview.tui.screens.note import NoteScreen
from mixreview.tui.widgets.checks import ChecksPanel
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList
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


def selected(app) -> Item:  # type: ignore[no-untyped-def]
    item = app.query_one(SuggestionList).selected
    assert item is not None
    return item


def select_kind(app, kind: str) -> Item:  # type: ignore[no-untyped-def]
    target = next(i for i in app.main.items if i.kind == kind)
    app.query_one(SuggestionList).select(target.id)
    return target


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Do now what the app does a moment after the selection settles (A/B, saving the place)."""
    await pilot.pause()
    app.main.apply_versions()
    app.main.save_ui()
    await pilot.pause()


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return session_copy(tmp_path)


async def test_accept_reject_undo_redo_change_the_saved_file(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        first = selected(app).id
        await pilot.press("a")
        assert saved(session)["decisions"][first]["status"] == "accepted"
        assert selected(app).id != first  # moved on to the next suggestion
        await pilot.press("u")
        assert saved(session)["decisions"].get(first, {}).get("status", "pending") == "pending"
        assert selected(app).id == first  # undo shows what it undid
        await pilot.press("ctrl+r")
        assert saved(session)["decisions"][first]["status"] == "accepted"
        app.query_one(SuggestionList).select(first)
        await pilot.press("r")
        assert saved(session)["decisions"][first]["status"] == "rejected"
        await pilot.press("u", "u", "u")
        assert "Nothing to undo." in notifications(app)


async def test_amount_and_nudges(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        # each nudge accepts its suggestion, and a decided suggestion stays in the queue as
        # decided, while pending ones are derived again after every decision: nudge first
        compressor = select_kind(app, "compressor")
        await pilot.press("plus")
        threshold = saved(session)["decisions"][compressor.id]["params"]["threshold_db"]
        assert threshold == pytest.approx(compressor.params["threshold_db"] + 1.0)
        unmask = select_kind(app, "unmask")
        await pilot.press("minus")
        params = saved(session)["decisions"][unmask.id]["params"]
        assert params["gain_db"] == pytest.approx(unmask.params["gain_db"] - 0.5)
        headroom = select_kind(app, "headroom")
        await pilot.press("equals_sign")
        params = saved(session)["decisions"][headroom.id]["params"]
        assert params["gain_db"] == pytest.approx(headroom.params["gain_db"] + 0.5)
        item = select_kind(app, "gain")
        await pilot.press("[")
        entry = saved(session)["decisions"][item.id]
        assert entry["amount"] == 0.75 and entry["status"] == "accepted"
        await pilot.press("[", "[", "[", "[")  # stops at 0
        assert saved(session)["decisions"][item.id]["amount"] == 0.0
        await pilot.press("]", "]")
        assert saved(session)["decisions"][item.id]["amount"] == 0.5
        assert "~ adjusted 50%" in screen_text(app)
        # + and - (and =, + without shift) move the main parameter by one step
        await pilot.press("plus", "plus", "minus")
        params = saved(session)["decisions"][item.id]["params"]
        assert params["gain_db"] == pytest.approx(item.params["gain_db"] + 0.5)
        assert "assistant:" in app.query_one(DetailPanel).plain
        # a rejected suggestion keeps its amount and says why
        app.query_one(SuggestionList).select(item.id)
        await pilot.press("r")
        app.query_one(SuggestionList).select(item.id)
        await pilot.press("]")
        assert saved(session)["decisions"][item.id]["amount"] == 0.5
        assert any("accept it (a)" in n for n in notifications(app))
        polarity = select_kind(app, "polarity")
        await pilot.press("plus")
        assert polarity.id not in saved(session)["decisions"]
        assert any("nothing to nudge" in n or "no amount" in n for n in notifications(app))


async def test_note_on_a_suggestion_and_on_a_stem(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = selected(app)
        await pilot.press("n")
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one(TextArea).insert("too much, try half")
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, NoteScreen)
        assert saved(session)["decisions"][item.id]["note"] == "too much, try half"
        assert "✎" in screen_text(app)
        # on a stem, from the stems panel
        await pilot.press("1")
        stem = app.query_one(StemsPanel).selected.file
        await pilot.press("n")
        app.screen.query_one(TextArea).insert("re-export without the limiter")
        await pilot.press("ctrl+s")
        assert saved(session)["stem_notes"][stem] == "re-export without the limiter"
        assert "re-export without the limiter" in app.query_one(DetailPanel).plain
        # Esc after editing asks before throwing the text away
        await pilot.press("n")
        app.screen.query_one(TextArea).insert(" more")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert not isinstance(app.screen, NoteScreen | ConfirmScreen)
        assert saved(session)["stem_notes"][stem] == "re-export without the limiter"


async def test_manual_change_on_the_selected_stem(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("1")
        stems = app.query_one(StemsPanel)
        stems.select_file("Bass.flac")
        await pilot.press("c")
        assert isinstance(app.screen, ManualScreen)
        screen = app.screen
        await screen._show_fields("highpass")
        screen.query_one("#field-freq_hz", Input).value = "45"
        screen.query_one("#manual-note", Input).value = "rumble"
        screen.action_add()
        await pilot.pause()
        manual = saved(session)["manual"]
        assert manual[0]["kind"] == "highpass" and manual[0]["params"] == {"freq_hz": 45.0}
        assert manual[0]["stems"] == ["Bass.flac"] and manual[0]["note"] == "rumble"
        assert selected(app).id == manual[0]["id"]
        assert "Your changes" in screen_text(app)
        # it is a queue item like the others: amount, nudge, off/on
        await pilot.press("plus")
        assert saved(session)["manual"][0]["params"]["freq_hz"] == pytest.approx(47.7, abs=0.1)
        await pilot.press("[")
        assert saved(session)["manual"][0]["amount"] == 0.75
        app.query_one(SuggestionList).select(manual[0]["id"])
        await pilot.press("r")
        assert saved(session)["manual"][0]["enabled"] is False
        # a bad number is refused with a message, not saved
        await pilot.press("c")
        app.screen.query_one("#field-gain_db", Input).value = "loud"
        app.screen.action_add()
        await pilot.pause()
        assert "not a number" in str(app.screen.query_one("#manual-error").render())
        await pilot.press("escape")
        assert len(saved(session)["manual"]) == 1


async def test_remove_a_manual_change_asks_first(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        app.main.review.add_manual("gain", "Kick.flac", {"gain_db": 1.0})
        app.main.refresh_review(select="manual-1")
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert len(saved(session)["manual"]) == 1
        await pilot.press("delete", "y")
        assert saved(session)["manual"] == []
        select_kind(app, "gain")
        await pilot.press("delete")
        assert any("Only your own changes" in n for n in notifications(app))


async def test_filter_and_grouping(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        queue = app.query_one(SuggestionList)
        total = queue.queue.total
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press(*"bass")
        shown = [r.item for r in queue.queue.rows if r.item]
        assert 0 < len(shown) < total
        assert all("Bass.flac" in i.stems or "bass" in i.kind for i in shown)
        await pilot.press("enter")
        assert isinstance(app.focused, SuggestionList)
        await settle(app, pilot)
        assert saved(session)["ui"]["filter"] == "bass"
        assert "filter “bass”" in screen_text(app)
        await pilot.press("slash", "escape")
        assert queue.queue.shown == total
        await pilot.press("slash", *"zqx", "enter")
        assert queue.selected is None
        assert "No suggestion matches" in app.query_one(DetailPanel).plain
        await pilot.press("a")  # nothing selected: a message, no crash
        assert "No suggestion selected." in notifications(app)
        await pilot.press("slash", "escape")
        headers = []
        for _ in range(4):
            await pilot.press("o")
            headers.append([r.header for r in queue.queue.rows if r.item is None])
        assert app.main.group_mode == "importance"
        assert headers[0][:1] == ["Lead_Vocal"] or "Bass" in headers[0]  # by stem
        assert "gain" in headers[1]  # by kind
        assert headers[2][0] == "Whole song"  # by section
        assert any(h in ("Intro", "Verse", "Chorus", "Outro") for h in headers[2][1:])
        assert headers[3][0] == "High importance"


async def test_navigation_keys(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(app, pilot)
        queue = app.query_one(SuggestionList)
        ids = [r.item.id for r in queue.queue.rows if r.item]
        assert selected(app).id == ids[0]
        await pilot.press("j", "down")
        assert selected(app).id == ids[2]
        await pilot.press("k", "up")
        assert selected(app).id == ids[0]
        await pilot.press("G")
        assert selected(app).id == ids[-1]
        await pilot.press("g")
        assert selected(app).id == ids[0]
        await pilot.press("pagedown")
        assert selected(app).id != ids[0]
        await pilot.press("pageup")
        assert selected(app).id == ids[0]
        # the stems list moves the same way, and the detail follows it
        stems = app.query_one(StemsPanel)
        await pilot.press("1", "g", "j", "j")
        assert stems.selected.file == app.main.analysis.session.stems[2].file
        assert stems.selected.file in app.query_one(DetailPanel).plain
        await pilot.press("G")
        assert stems.cursor == len(stems.rows) - 1
        # the detail scrolls with the same keys
        await pilot.press("3")
        detail = app.query_one(DetailPanel)
        await pilot.press("2", "3", "j", "j")
        assert detail.offset_y == min(2, detail.max_offset)
        await pilot.press("G")
        assert detail.offset_y == detail.max_offset
        await pilot.press("g")
        assert detail.offset_y == 0


async def test_panel_keys_tab_and_zoom(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert isinstance(app.focused, SuggestionList)
        await pilot.press("tab")
        assert isinstance(app.focused, DetailPanel)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, ChecksPanel)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, StemsPanel)
        assert "Stem" in str(app.query_one("#detail").border_title)
        await pilot.press("2")
        assert isinstance(app.focused, SuggestionList)
        await pilot.press("z")
        assert app.screen.maximized is not None
        assert app.query_one("#queue-pane").size.height > 15
        await pilot.press("z", "3", "z")
        assert app.screen.maximized is app.query_one(DetailPanel)
        await pilot.press("z", "4")
        assert "fix:" in app.query_one(ChecksPanel).plain


async def test_help_checks_palette_and_export_screens(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        # ? lists every key in force, by the id keys.toml uses
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for key in KEYS:
            assert key.help in text and f"[{key.id}]" in text
        await pilot.press("escape", "f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")  # closes the help, not the app
        assert app.is_running and not isinstance(app.screen, HelpScreen)
        # ! lists the checks with their fixes, errors first
        await pilot.press("exclamation_mark")
        assert isinstance(app.screen, ChecksScreen)
        text = str(app.screen.query_one("#checks-box").query_one("Static").render())
        assert "[error]" in text and "fix:" in text and "clipping" in text.lower()
        assert text.index("[error]") < text.index("[warning]")
        await pilot.press("escape")
        # ctrl+p: the palette runs the app's actions by name
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"by sect")
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: commands.option_count > 0)
        await pilot.press("enter")
        await until(pilot, lambda: app.main.group_mode == "section")
        titles = [t for t, _h, _a in app.main.palette_commands()]
        assert "Accept the selected suggestion" in titles
        assert "A/B: original vs chosen mix" in titles
        # e: where the export goes (or the command that renders it)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        screen = app.screen
        if screen.exporter is not None:
            value = screen.query_one("#export-out", Input).value
            assert value.endswith("mixreview-export")
        else:
            assert "mixreview render" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportScreen)


async def test_audio_keys_without_audio_say_why(session: Path, tmp_path: Path):
    app = new_app(session, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("space")
        assert any("No sound: audio player not available" in n for n in notifications(app))
        assert not app.audition.playing
        await pilot.press("b")
        assert app.audition.side == "B"
        assert "hearing B (with)" in screen_text(app)
        await pilot.press("B")
        assert any("Blind A/B needs sound: audio player not available" in n
                   for n in notifications(app))  # fmt: skip
        await pilot.press("w")
        assert any("Cannot write clips" in n and "mixreview render" in n
                   for n in notifications(app))  # fmt: skip


async def test_ab_builds_without_and_with(session: Path, tmp_path: Path):
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = select_kind(app, "gain")
        await settle(app, pilot)
        assert (fake.label_a, fake.label_b) == ("without", "with")
        assert [c.source_id for c in fake.b] == [item.id] and fake.a == []
        await pilot.press("[")  # 75%: B carries the amount
        await settle(app, pilot)
        assert fake.b[-1].amount == 0.75 and fake.a == []
        other = select_kind(app, "headroom")
        await settle(app, pilot)
        assert [c.source_id for c in fake.a] == [item.id]  # accepted: in the chosen mix
        assert [c.source_id for c in fake.b] == [item.id, other.id]
        await pilot.press("b")
        assert fake.side == "B" and "hearing B (with)" in screen_text(app)
        # whole-mix comparisons
        await pilot.press("v")
        assert (fake.label_a, fake.label_b) == ("original", "chosen") and fake.a == []
        await pilot.press("v")
        assert (fake.label_a, fake.label_b) == ("chosen", "assistant")
        assert len(fake.b) == len(app.main.suggestions)
        await pilot.press("v", "v")
        assert (fake.label_a, fake.label_b) == ("without", "with")
        await pilot.press("L")
        assert fake.match_loudness is False and "match off" in screen_text(app)


async def test_blind_ab_hides_the_sides_and_keeps_a_tally(session: Path, tmp_path: Path):
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = selected(app)
        await pilot.press("p")
        assert any("No blind A/B running" in n for n in notifications(app))
        await pilot.press("B")
        assert fake.blind is not None and fake.blind.key == item.id
        text = screen_text(app)
        assert "BLIND trial 1" in text and "hearing A (?)" in text
        assert "matched" in text and "match +" not in text and "match -" not in text
        await pilot.press("b", "p", "p")
        tally = saved(session)["blind"][item.id]
        assert tally["trials"] == 2 and sum(tally["wins"].values()) == 2
        assert set(tally["wins"]) <= {"without", "with"}
        await pilot.press("B")
        assert fake.blind is None and any("stopped after 2 trials" in n for n in notifications(app))
        assert "BLIND" not in screen_text(app)


async def test_loop_mute_solo_seek_and_clips(session: Path, tmp_path: Path):
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        item = select_kind(app, "section_gain")
        await pilot.press("l")
        assert fake.loop_s == pytest.approx(item.section_span_s)
        assert fake.position_s == pytest.approx(item.section_span_s[0])
        assert "loop 0:" in screen_text(app)
        await pilot.press("l")
        assert fake.loop_s is None
        bass = app.query_one(StemsPanel).selected.file
        assert bass == item.stems[0]  # the stems cursor follows the suggestion
        await pilot.press("m")
        assert bass in fake.muted and "muted" in screen_text(app)
        await pilot.press("s")
        assert bass in fake.soloed and app.query_one(StemsPanel).selected.soloed
        await pilot.press("m", "s")
        assert not fake.muted and not fake.soloed
        await pilot.press("home")
        assert fake.position_s == 0
        await pilot.press("right", "shift+right")
        assert fake.position_s == pytest.approx(29.95)
        await pilot.press("left", "shift+left")
        assert fake.position_s == 0
        await pilot.press("w")
        await until(pilot, lambda: any("A.flac" in n for n in notifications(app)))
        assert any(c.startswith("clips") for c in fake.calls)
        assert any("scp " in n for n in notifications(app))


async def test_keys_can_be_remapped(session: Path, tmp_path: Path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\naccept = "y"\nreject = ["x", "delete"]\nnot_a_key = "p"\n')
    app = new_app(session, tmp_path, keymap=keys)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        first = selected(app).id
        await pilot.press("a")  # no longer accept
        assert (
            first not in saved(session)["decisions"]
            if ((session / ".mixreview" / "review.json").exists())
            else True
        )
        app.query_one(SuggestionList).select(first)
        await pilot.press("y")
        assert saved(session)["decisions"][first]["status"] == "accepted"
        app.query_one(SuggestionList).select(first)
        await pilot.press("x")
        assert saved(session)["decisions"][first]["status"] == "rejected"
        assert any("not_a_key" in n for n in notifications(app))
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#help-text").render())
        assert "y" in text and "Accept the selected suggestion *" in text
