"""A/B of the mix against a reference track from the same transport, loudness-matched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis.playback import (
    LoudnessMatcher,
    MeterTaps,
    Mixer,
    render_mix,
    render_versions,
)
from mixreview.analysis.reference import reference_stem
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import StemReader
from tests.test_playback import BLOCK, COMP, EQ, SR, lufs, make_session, play, play_sides

REF_SECONDS = 6.0  # shorter than the 8 s session: silence after its end


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return make_session(tmp_path_factory.mktemp("mixer"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Stem:
    """A louder, brighter "master" at 44.1 kHz (resampled on the fly to the session's 48k)."""
    rate = 44100
    n = round(REF_SECONDS * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(5)
    noise = signal.lfilter([1.0, -0.9], [1.0], rng.standard_normal((n, 2)), axis=0) * 0.05
    tone = 0.4 * np.sin(2 * np.pi * 220 * t)[:, None]
    path = tmp_path_factory.mktemp("ref") / "Master.wav"
    sf.write(str(path), (tone + noise).astype(np.float32), rate, subtype="FLOAT")
    return reference_stem(path)


def reference_at_session_rate(stem: Stem, start: int, frames: int) -> np.ndarray:
    with StemReader(stem, SR) as reader:
        reader.seek(start)
        return reader.read(frames)


def test_reference_stem_names_no_stem_and_rejects_bad_files(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    assert reference.file.startswith("(reference) ") and reference.sample_rate == 44100
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"not audio at all" * 10)
    with pytest.raises(ValueError, match="not a readable audio file"):
        reference_stem(bad)
    with pytest.raises(ValueError, match="does not exist"):
        reference_stem(tmp_path / "missing.wav")


def test_side_b_is_the_reference_and_side_a_the_mix(session: Session, reference: Stem) -> None:
    mixer = Mixer(session, block_frames=BLOCK)
    mixer.set_versions([EQ], [], "chosen", "reference", reference=reference)
    mixer.switch("B")
    mixer.play()
    blocks = 200  # 4.3 s, several chunks
    out_b = play(mixer, blocks)
    xf = mixer.crossfade_frames
    expected_b = reference_at_session_rate(reference, 0, blocks * BLOCK)
    np.testing.assert_allclose(out_b[xf:], expected_b[xf:], rtol=0, atol=2e-6)
    mixer.switch("A")
    out_a = play(mixer, 100)
    start = blocks * BLOCK
    expected_a = render_mix(session, [EQ], start, 100 * BLOCK)
    np.testing.assert_allclose(out_a[2 * xf :], expected_a[2 * xf :], rtol=0, atol=2e-6)


def test_reference_past_its_end_is_silence_and_the_offline_render_agrees(
    session: Session, reference: Stem
) -> None:
    start = round(5.5 * SR)
    frames = round(1.5 * SR)
    blocks = list(render_versions(session, [[], []], start, frames, reference=reference))
    mix = np.concatenate([b[0] for b in blocks])
    ref = np.concatenate([b[1] for b in blocks])
    np.testing.assert_allclose(mix, render_mix(session, [], start, frames), atol=1e-7)
    end = round(REF_SECONDS * SR) - start
    assert np.abs(ref[:end]).max() > 0.1
    assert np.abs(ref[end + 64 :]).max() == 0.0  # past the reference's end (after the filter tail)


def test_mute_and_solo_leave_the_reference_alone_and_meters_show_what_plays(
    session: Session, reference: Stem
) -> None:
    mixer = Mixer(session, block_frames=BLOCK)
    mixer.set_versions([], [], "mix", "reference", reference=reference)
    mixer.set_solo("Kick.wav", True)
    mixer.switch("B")
    mixer.play()
    out = play(mixer, 150)
    xf = mixer.crossfade_frames
    expected = reference_at_session_rate(reference, 0, 150 * BLOCK)
    np.testing.assert_allclose(out[xf:], expected[xf:], atol=2e-6)
    peaks, loudness = mixer.taps.read()
    window = slice(150 * BLOCK - 3 * SR, 150 * BLOCK)
    assert loudness[MeterTaps.MIX] == pytest.approx(lufs(expected[window]), abs=0.2)
    for file in mixer.files:  # no stem sounds on the reference side
        assert peaks[file] < -100 and loudness[file] < -100
    mixer.switch("A")
    play(mixer, 150)
    peaks, _ = mixer.taps.read()
    assert peaks["Kick.wav"] > -40 and peaks["Bass.wav"] < -100  # soloed kick only


def test_mix_and_reference_match_within_half_an_lu(session: Session, reference: Stem) -> None:
    span = (1.0, 5.0)
    chosen = [EQ, COMP]
    match = LoudnessMatcher(session).match(chosen, chosen, span, reference=reference)
    assert match.offset_db < -3.0  # the master is louder: it is turned down
    start, frames = SR, 4 * SR
    mix = render_mix(session, chosen, start, frames)
    ref = reference_at_session_rate(reference, start, frames)
    assert match.loudness_a_lufs == pytest.approx(lufs(mix), abs=0.05)
    assert match.loudness_b_lufs == pytest.approx(lufs(ref), abs=0.05)
    heard = play_sides(session, chosen, chosen, match.offset_db, start, frames, reference)
    diff = lufs(heard["A"]) - lufs(heard["B"])
    assert abs(diff) < 0.5, diff
    other = LoudnessMatcher(session).match(chosen, chosen, span)  # not the reference: another key
    assert other.offset_db == pytest.approx(0.0, abs=1e-9)
