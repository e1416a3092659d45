"""The instant loudness match against the exact one it stands in for: within a tenth of a dB for
linear changes, exact for gains on every stem and for solo, close for a compressor; and the
player applies it at once, shows it as an estimate, then replaces it with the exact match."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.playback_estimate import (
    LEAD_FRAMES,
    MatchEstimator,
    StemSeries,
    processed,
)
from mixreview.analysis.playback_match import LoudnessMatcher, Match
from mixreview.analysis.predict import K_POWER
from mixreview.analysis.session import Session, load_session
from mixreview.tui.widgets.transport import Transport, TransportState
from tests.test_playback_match import CHOSEN, SECONDS, _stems, _write, comp, eq, gain
from tests.test_player_pulse import fake_sd, wait_for

LINEAR_DB = 0.1
"""Linear changes (gains, filters, width, pan, mono below a frequency) on a music-like mix."""
COMPRESSOR_DB = 0.1
"""A compressor is predicted by its detector on its stem's 5 ms parts, not run on the audio."""


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, MatchEstimator]:
    stems = _stems(SECONDS)
    # without the doubled guitar: stems that share a part are test_playback_shared's
    stems.pop("Gtr_B.wav")
    return _estimated(tmp_path_factory.mktemp("estimate") / "song", stems)


def _estimated(
    folder: Path, stems: dict[str, tuple[np.ndarray, int]]
) -> tuple[Session, MatchEstimator]:
    """``stems`` written to ``folder``, measured, and their session's estimator."""
    folder.mkdir()
    for name, (data, rate) in stems.items():
        _write(folder, name, data, rate)
    session = load_session(folder)
    estimator = MatchEstimator.of(analyze(session, workers=1, use_cache=False))
    assert estimator is not None
    return session, estimator


def both(
    measured: tuple[Session, MatchEstimator],
    a: list[Change],
    b: list[Change],
    span: tuple[float, float] = (1.0, 5.0),
    audible: set[str] | None = None,
) -> tuple[Match, Match]:
    session, estimator = measured
    estimate = estimator.estimate(a, b, span, audible)
    assert estimate is not None
    return estimate, LoudnessMatcher(session).match(a, b, span, audible)


PAD = {"Pad.flac"}  # heard alone: a quiet wide stem's changes move what is heard


@pytest.mark.parametrize(
    ("change", "audible"),
    [
        (gain("Bass.wav", 5.0), None),
        (gain("Hats.wav", 9.0), None),
        (eq("Bass.wav", 98.0, -6.0), None),
        (eq("Vocal.wav", 997.0, 8.0), None),
        (eq("Pad.flac", 150.0, 8.0), PAD),
        (Change("highpass", ("Bass.wav",), {"freq_hz": 150.0}), None),
        (Change("width", ("Pad.flac",), {"width": 1.8}), PAD),
        (Change("pan", ("Gtr_A.wav",), {"pan": 0.8}), None),
        (Change("mono_bass", ("Pad.flac",), {"freq_hz": 300.0}), PAD),
        (Change("section_gain", ("Vocal.wav",), {"start_s": 2.0, "end_s": 4.0, "gain_db": 6.0}),
         None),
        (Change("gain", ("Vocal.wav",), {"gain_db": -6.0}, section_span_s=(3.0, 6.0)), None),
    ],
    ids=lambda c: c.kind if isinstance(c, Change) else ("solo" if c else "all"),
)  # fmt: skip
def test_linear_changes_are_estimated_within_a_tenth_of_a_db(
    measured: tuple[Session, MatchEstimator], change: Change, audible: set[str] | None
) -> None:
    estimate, exact = both(measured, [], [change], audible=audible)
    assert abs(exact.offset_db) > 0.35  # ignoring the change would be caught
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=LINEAR_DB)
    assert estimate.loudness_a_lufs == pytest.approx(exact.loudness_a_lufs, abs=LINEAR_DB)


def test_a_gain_on_every_stem_moves_the_estimate_by_that_gain(
    measured: tuple[Session, MatchEstimator],
) -> None:
    session, estimator = measured
    up = [gain(stem.file, 3.0) for stem in session.mix_stems]
    estimate = estimator.estimate([], up, (1.0, 5.0))
    assert estimate is not None
    assert estimate.offset_db == pytest.approx(-3.0, abs=1e-6)
    assert estimate.loudness_b_lufs - estimate.loudness_a_lufs == pytest.approx(3.0, abs=1e-6)


def test_the_estimate_of_a_version_against_itself_is_zero_and_the_mix_is_the_measured_one(
    measured: tuple[Session, MatchEstimator],
) -> None:
    from mixreview.analysis.meters.loudness import integrated_from_energy

    _session, estimator = measured
    estimate = estimator.estimate(CHOSEN, CHOSEN, (1.0, 5.0))
    assert estimate is not None and estimate.offset_db == 0.0
    plain = estimator.estimate([], [], (1.0, 5.0))
    energy = np.asarray(estimator.mix.loudness.frame_energy)[10:50]
    assert plain is not None and plain.loudness_a_lufs == integrated_from_energy(energy)
    assert plain.span_s == (1.0, 5.0)


def test_a_compressor_is_estimated_within_half_a_db(
    measured: tuple[Session, MatchEstimator],
) -> None:
    for change in (comp("Bass.wav"), comp("Vocal.wav"), comp("Bass.wav", 0.5)):
        estimate, exact = both(measured, [], [change])
        assert abs(exact.offset_db) > 0.5
        assert estimate.offset_db == pytest.approx(exact.offset_db, abs=COMPRESSOR_DB)


def test_a_compressor_or_pan_confined_to_a_section_acts_only_there(
    measured: tuple[Session, MatchEstimator],
) -> None:
    """Changes of the reviewer's own may be confined to a section: outside it the estimate
    leaves the stem as it is, inside it the change is estimated as the exact match has it."""
    _, estimator = measured
    for whole in (comp("Bass.wav"), Change("pan", ("Gtr_A.wav",), {"pan": 0.8})):
        scoped = dataclasses.replace(whole, section_span_s=(3.0, 6.0))
        outside = estimator.estimate([], [scoped], (0.5, 2.9))
        assert outside is not None and outside.offset_db == 0.0
        estimate, exact = both(measured, [], [scoped], (2.0, 5.0))
        assert abs(exact.offset_db) > 0.2
        assert estimate.offset_db == pytest.approx(exact.offset_db, abs=COMPRESSOR_DB)
        assert abs(estimate.offset_db) < abs(both(measured, [], [whole], (2.0, 5.0))[0].offset_db)


def test_the_chosen_mix_against_the_stems_as_they_are(
    measured: tuple[Session, MatchEstimator],
) -> None:
    """Ten changes of every kind but polarity on seven stems at once."""
    estimate, exact = both(measured, [], CHOSEN)
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=COMPRESSOR_DB)


@pytest.fixture(scope="module")
def cancelling(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, MatchEstimator]:
    """The estimate's song with a second kick microphone out of polarity with the first (a
    darker copy, turned around), as a kick in / kick out pair records."""
    stems = _stems(SECONDS)
    stems.pop("Gtr_B.wav")
    kick, rate = stems["Kick.wav"]
    stems["Kick_Out.wav"] = (-0.8 * signal.lfilter([0.3], [1.0, -0.7], kick), rate)
    return _estimated(tmp_path_factory.mktemp("estimate-pair") / "song", stems)


def test_a_polarity_flip_turns_a_cancelling_pair_around(
    cancelling: tuple[Session, MatchEstimator], measured: tuple[Session, MatchEstimator]
) -> None:
    """Flipping one of two stems that cancel brings back what they lost (the exact match says
    more than a dB here), alone or among other changes; flipping a stem that shares nothing with
    the others changes nothing."""
    flip = Change("polarity", ("Kick_Out.wav",), {"channels": "both"})
    for a, b in (([], [flip]), (CHOSEN, [*CHOSEN, flip])):
        estimate, exact = both(cancelling, a, b)
        assert abs(exact.offset_db) > 1.0
        assert estimate.offset_db == pytest.approx(exact.offset_db, abs=LINEAR_DB)
    alone = Change("polarity", ("Vocal.wav",), {"channels": "both"})
    estimate, exact = both(measured, [], [alone], (2.5, 5.5))
    assert abs(estimate.offset_db) < 0.01 and abs(exact.offset_db) < 0.01


def test_solo_and_mute_estimate_what_is_heard(measured: tuple[Session, MatchEstimator]) -> None:
    _session, estimator = measured
    solo = estimator.estimate([], [gain("Vocal.wav", 4.0)], (2.5, 5.5), {"Vocal.wav"})
    assert solo is not None and solo.offset_db == pytest.approx(-4.0, abs=1e-6)
    muted = estimator.estimate([], [gain("Vocal.wav", 4.0)], (2.5, 5.5), {"Bass.wav", "Kick.wav"})
    assert muted is not None and muted.offset_db == 0.0
    estimate, exact = both(measured, [], [gain("Bass.wav", 5.0)], (1.0, 5.0),
                           {"Bass.wav", "Kick.wav"})  # fmt: skip
    assert abs(exact.offset_db) > 2.0
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=LINEAR_DB)


def test_changes_outside_the_passage_and_passages_too_short(
    measured: tuple[Session, MatchEstimator],
) -> None:
    _session, estimator = measured
    later = Change("gain", ("Bass.wav",), {"gain_db": 9.0}, section_span_s=(4.0, 6.0))
    estimate = estimator.estimate([], [later], (0.5, 3.9))
    assert estimate is not None and estimate.offset_db == 0.0
    assert estimator.estimate([], [later], (4.0, 4.39)) is None  # under 400 ms: no gating block
    assert estimator.estimate([], [later], (4.0, 4.4)) is not None


def test_a_compressor_holds_the_gain_down_through_its_release() -> None:
    """After one loud frame, the frames that follow stay reduced for about the release time
    (the detector holds the peak), and quiet frames far from it are not reduced at all."""
    frames = 120
    loud_at = 10
    peak = np.full(frames, 0.01)
    peak[loud_at] = 1.0
    series = StemSeries(
        energy=np.full(frames, 1e-4),
        mid=np.full((frames, 30), 1e-6),
        side=np.zeros((frames, 30)),
        peak=peak,
        mean_square=np.full(frames, 1e-4),
        ll=None,
        rr=None,
    )

    def after(release_ms: float) -> np.ndarray:
        params = {"threshold_db": -20.0, "ratio": 4.0, "attack_ms": 5.0, "release_ms": release_ms}
        return processed(series, [Change("compressor", ("x",), params)], 0, 48000).energy

    slow, fast = after(1000.0), after(50.0)
    assert slow[loud_at + 3] < 0.5 * slow[-1]  # 300 ms on, a 1 s release still holds it down
    assert fast[loud_at + 3] > 0.9 * fast[-1]  # a 50 ms one has let go
    assert slow[loud_at - 1] == pytest.approx(1e-4, rel=1e-6)  # nothing before the hit
    assert slow[-1] == pytest.approx(1e-4, rel=1e-3)  # and nothing 11 s after it
    assert LEAD_FRAMES * 0.1 >= 10 * 1.0  # the passage's lead covers ten releases of 1 s


# ------------------------------------------------------------------------------ the player ---


def test_the_player_applies_the_estimate_then_the_exact_match(
    measured: tuple[Session, MatchEstimator], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixreview.tui.player_stream import Player

    session, estimator = measured
    player = Player(session, fake_sd())
    release = threading.Event()
    exact_match = player.matcher.match

    def held(*args: Any) -> Match:
        assert release.wait(20)
        return exact_match(*args)

    monkeypatch.setattr(player.matcher, "match", held)
    try:
        player.use_estimator(estimator)
        change = eq("Vocal.wav", 997.0, 8.0)
        player.set_versions([], [change], "without", "with")
        player.set_loop((1.0, 5.0))
        assert player.wait_idle()
        assert wait_for(lambda: player.offset_estimated, 20.0)
        expected = estimator.estimate([], [change], (1.0, 5.0), set(player.mixer.files))
        assert expected is not None and expected.offset_db < -1.0
        assert player.matching  # the exact match is still being measured
        assert player.offset_db == pytest.approx(expected.offset_db, abs=1e-9)
        assert player.mixer.side_gain_db[1] == pytest.approx(expected.offset_db, abs=1e-9)
        release.set()
        assert wait_for(lambda: not player.matching, 30.0)
        assert not player.offset_estimated
        assert player.match is not None
        assert player.offset_db == player.match.offset_db
        assert player.offset_db == pytest.approx(expected.offset_db, abs=LINEAR_DB)
    finally:
        release.set()
        player.close()


def test_without_an_estimator_the_player_waits_for_the_exact_match(
    measured: tuple[Session, MatchEstimator],
) -> None:
    from mixreview.tui.player_stream import Player

    session, _ = measured
    player = Player(session, fake_sd())
    try:
        player.set_versions([], [gain("Vocal.wav", -6.0)], "without", "with")
        player.set_loop((1.0, 5.0))
        assert wait_for(lambda: not player.matching, 30.0)
        assert not player.offset_estimated and player.offset_db > 0.4
    finally:
        player.close()


def test_the_transport_marks_an_estimated_offset() -> None:
    transport = Transport()
    transport.state = TransportState(matching=True, estimated=True, offset_db=-1.26)
    assert transport.match_text() == "match ≈-1.3 dB"
    transport.state = TransportState(matching=True, estimated=False, offset_db=-1.26)
    assert transport.match_text() == "matching…"
    transport.state = TransportState(matching=False, estimated=False, offset_db=-1.26)
    assert transport.match_text() == "match -1.3 dB"


def test_the_estimator_of_an_unmeasured_mix_is_none(tmp_path: Path) -> None:
    from dataclasses import replace

    from tests.conftest import stereo, tone, write

    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "A.wav", stereo(tone(440.0, 1.0)))
    analysis = analyze(folder, workers=1, use_cache=False)
    assert MatchEstimator.of(analysis) is not None
    assert MatchEstimator.of(replace(analysis, mix=None)) is None


def test_a_reference_track_is_estimated_from_its_own_measurement(
    measured: tuple[Session, MatchEstimator], tmp_path: Path
) -> None:
    """B is a reference track at its own level (here the session's own mix, 7 dB louder, at
    44.1 kHz and played twice: a reference needs 10 s); a reference not measured gives no
    estimate."""
    import soundfile as sf
    from scipy import signal

    from mixreview.analysis.playback_render import render_mix
    from mixreview.analysis.reference import reference_stem

    session, _ = measured
    mix = np.tile(render_mix(session, [], 0, session.frames) * 10 ** (7 / 20), (2, 1))
    path = tmp_path / "Master.wav"
    sf.write(str(path), signal.resample_poly(mix, 147, 160, axis=0).astype(np.float32), 44100,
             subtype="FLOAT")  # fmt: skip
    estimator = MatchEstimator.of(analyze(session, workers=1, use_cache=False, references=[path]))
    assert estimator is not None and set(estimator.references) == {str(path)}
    reference = reference_stem(path)
    up = [gain("Vocal.wav", 3.0)]
    estimate = estimator.estimate(up, up, (1.0, 5.0), reference=reference)
    exact = LoudnessMatcher(session).match(up, up, (1.0, 5.0), None, reference)
    assert estimate is not None and exact.offset_db < -5.0
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=LINEAR_DB)
    assert estimate.loudness_b_lufs == pytest.approx(exact.loudness_b_lufs, abs=LINEAR_DB)
    elsewhere = reference_stem(path)
    other = MatchEstimator(session, estimator.mix, estimator.stems)  # no reference measured
    assert other.estimate(up, up, (1.0, 5.0), reference=elsewhere) is None


def test_a_long_sessions_frames_hold_through_a_chain_of_changes() -> None:
    """On a long session's coarser frames (1 s here), a change confined to a section acts on that
    section's frames even after another change has gone through the series."""
    frames = 10
    series = StemSeries(
        energy=np.ones(frames),
        mid=np.ones((frames, len(K_POWER))),
        side=np.zeros((frames, len(K_POWER))),
        peak=np.ones(frames),
        mean_square=np.ones(frames),
        ll=None,
        rr=None,
        frame_s=1.0,
    )
    whole = Change("gain", ("x",), {"gain_db": -10.0})
    section = Change("gain", ("x",), {"gain_db": 10.0}, section_span_s=(3.0, 5.0))
    after = processed(series, [whole, section], 0, 48000)
    assert after.frame_s == 1.0
    np.testing.assert_allclose(after.energy[3:5], 1.0)
    np.testing.assert_allclose(np.delete(after.energy, [3, 4]), 0.1)
