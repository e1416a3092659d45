"""Reference tracks in the review app: add one by path, A/B it against the chosen mix, choose
the aspects to follow, forget it; everything saved with the session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal
from textual.widgets import Checkbox, Input, OptionList, Static

from mixreview.analysis.dsp import EQ
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import render_mix
from mixreview.analysis.review import review_path
from mixreview.analysis.session import load_session
from mixreview.analysis.state import state_dir
from mixreview.analysis.user_references import add_user_reference, load_user_references
from mixreview.tui.player import ClipsOnly
from mixreview.tui.screens.references import ReferencesScreen
from mixreview.tui.widgets.suggestions import SuggestionList
from tests.test_tui_support import (
    FakeAudition,
    master_session,
    new_app,
    screen_text,
    session_copy,
    until,
    wait_ready,
)

TILT = [{"type": "high_shelf", "freq_hz": 2500.0, "gain_db": 6.0, "q": 0.7}]


@pytest.fixture(scope="module")
def master_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's own mix, 6 dB brighter above 2.5 kHz and louder, at 44.1 kHz."""
    session = load_session(master_session())
    mix = render_mix(session, [], 0, session.frames)
    bright = EQ(session.sample_rate, bands=TILT).process(mix) * np.float32(2.0)
    at_44k = signal.resample_poly(bright, 147, 160, axis=0).astype(np.float32)
    path = tmp_path_factory.mktemp("refs") / "Master.flac"
    sf.write(str(path), at_44k, 44100, subtype="PCM_24")
    return path


async def open_references(app, pilot) -> ReferencesScreen:  # type: ignore[no-untyped-def]
    await pilot.press("R")
    await until(pilot, lambda: isinstance(app.screen, ReferencesScreen))
    return app.screen  # type: ignore[return-value]


def status(screen: ReferencesScreen) -> str:
    return str(screen.query_one("#reference-status", Static).content)


async def type_path(pilot, screen: ReferencesScreen, text: str) -> None:  # type: ignore[no-untyped-def]
    field = screen.query_one(Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_add_a_reference_and_play_the_mix_against_it(
    tmp_path: Path, master_file: Path
) -> None:
    session = session_copy(tmp_path)
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        before = {s.id for s in app.main.suggestions}
        screen = await open_references(app, pilot)
        assert "No reference yet" in screen_text(app)
        await type_path(pilot, screen, str(tmp_path / "missing.flac"))
        assert "does not exist" in status(screen)  # said at once, nothing stored
        not_audio = tmp_path / "notes.wav"
        not_audio.write_text("not audio" * 50)
        await type_path(pilot, screen, str(not_audio))
        assert "not a readable audio file" in status(screen)
        await type_path(pilot, screen, f"{master_file}:2")
        await until(pilot, lambda: app.main.compare.startswith("reference:"), timeout_s=30)
        # stored with the session's state, measured, compared, direction suggestions made
        stored = load_user_references(session)
        assert [(s.path, s.weight) for s in stored] == [(master_file.resolve(), 2.0)]
        assert app.main.analysis is not None and app.main.analysis.comparison is not None
        directions = {s.id for s in app.main.suggestions if s.rule.startswith("reference_")}
        assert directions and before < {s.id for s in app.main.suggestions}
        assert "Added Master.flac" in status(screen)  # said in the open screen
        # A/B: the chosen mix on A, the reference track on B
        assert fake.reference is not None and fake.reference.path == master_file.resolve()
        assert (fake.label_a, fake.label_b) == ("chosen", "Master.flac")
        assert fake.a == fake.b  # both the chosen mix: B's changes are not played
        # and its match is estimated at once from its measurement
        assert fake.estimator is not None
        assert list(fake.estimator.references) == [str(master_file.resolve())]
        await pilot.press("escape")
        await pilot.pause()
        assert "chosen mix vs Master.flac" in screen_text(app)
        # v cycles on past the reference and back to the suggestion
        await pilot.press("v")
        await pilot.pause(0.2)
        assert app.main.compare == "suggestion" and fake.reference is None
    # a new app on the same session has the reference and the comparison it was on
    again_fake = FakeAudition()
    again = new_app(session, tmp_path, audition=again_fake)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_ready(again, pilot)
        assert [r.spec.name for r in again.main.analysis.references] == ["Master.flac"]
        assert {s.id for s in again.main.suggestions} >= directions


async def test_aspects_to_follow_and_forgetting_a_reference(
    tmp_path: Path, master_file: Path
) -> None:
    session = session_copy(tmp_path)
    fake = FakeAudition()
    app = new_app(session, tmp_path, audition=fake)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        screen = await open_references(app, pilot)
        await type_path(pilot, screen, str(master_file))
        await until(pilot, lambda: app.main.compare.startswith("reference:"), timeout_s=30)
        tone = [s for s in app.main.suggestions if s.evidence.get("aspect") == "tone"]
        assert tone, "the brighter master gives a tone direction"
        assert "Master.flac" in screen_text(app) and "LUFS" in screen_text(app)
        screen.query_one("#aspect-tone", Checkbox).value = False
        await pilot.pause(0.5)
        assert not [s for s in app.main.suggestions if s.evidence.get("aspect") == "tone"]
        queue = app.main.query_one(SuggestionList)
        assert all(queue.queue.index_of(s.id) is None for s in tone)  # out of the queue
        assert any(
            s.evidence.get("aspect") == "tone" for s in app.main.all_suggestions
        )  # still known
        ui_file = review_path(state_dir(session))
        await until(pilot, lambda: "aspects" in json.loads(ui_file.read_text())["ui"])
        assert json.loads(ui_file.read_text())["ui"]["aspects"] == ["dynamics", "width"]
        # forget it: the file stays, the suggestions toward it go, A/B goes back
        options = screen.query_one(OptionList)
        options.focus()
        options.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        assert load_user_references(session) == []
        assert fake.estimator is not None and fake.estimator.references == {}
        assert master_file.exists()
        assert not [s for s in app.main.all_suggestions if s.rule.startswith("reference_")]
        assert app.main.compare == "suggestion"


async def test_without_sound_the_reference_ab_is_written_as_clips(
    tmp_path: Path, master_file: Path
) -> None:
    session = session_copy(tmp_path)
    add_user_reference(session, master_file)  # added in an earlier run of the app
    app = new_app(session, tmp_path)
    app.audition_factory = lambda s: ClipsOnly(s, "no device here (test)")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        for _ in range(4):  # suggestion, original/chosen, chosen/assistant, original/assistant
            await pilot.press("v")
        await pilot.pause(0.2)
        assert app.main.compare == f"reference:{master_file.resolve()}"
        assert "chosen mix vs Master.flac" in screen_text(app)
        app.main.seek_to(12.0)  # in the verse: the clips are of the verse, whatever is selected
        await pilot.press("w")
        clips = state_dir(session) / "clips"
        await until(pilot, lambda: len(list(clips.glob("*.flac"))) == 2, timeout_s=30)
    verse = next(s for s in app.main.analysis.sections if s.start_s <= 12.0 < s.end_s)
    a = next(clips.glob("*_A_chosen.flac"))
    assert a.name.startswith(f"ab_{verse.start_s:06.1f}-{verse.end_s:06.1f}s")
    b = next(clips.glob("*_B_master-flac.flac"))
    meter_a, meter_b = LoudnessMeter(48000, 2), LoudnessMeter(48000, 2)
    data_a, _ = sf.read(str(a), dtype="float32")
    data_b, _ = sf.read(str(b), dtype="float32")
    meter_a.update(data_a)
    meter_b.update(data_b)
    diff = meter_a.result().integrated_lufs - meter_b.result().integrated_lufs
    assert abs(diff) < 0.5, diff  # matched, though the master is louder
