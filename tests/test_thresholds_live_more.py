"""The live model's remaining edges pinned: a session with reference tracks, a stem left out of
the mix, a session with no mix, a change aimed at two stems, a fader exactly at the level
tolerance, the faders kept per stem, and a headroom offered again after the headroom was set.

The sessions are the small kick, bass and vocal one of test_thresholds_live.py (its fixture and
helpers are reused), with an empty stem added where a stem must be left out of the mix.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.predict import measure_processed_stem, predict_stem, with_gain
from mixreview.analysis.reference import ReferenceReport, ReferenceSpec, compare
from mixreview.analysis.suggest import live
from mixreview.analysis.suggest.live import LiveModel
from mixreview.analysis.suggest.memo import LEVEL_TOLERANCE_DB
from mixreview.analysis.suggest.model import Suggestion
from tests.test_thresholds_live import first, level, make, measured, new_review, small

__all__ = ["small"]  # the fixture, reused: its name must stay in this module

MIX = ("Bass.wav", "Kick.wav", "Lead_Vocal.wav")
COMPRESSOR = {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 10.0, "release_ms": 100.0}


@pytest.fixture
def with_empty(tmp_path: Path) -> Analysis:
    """The small session with an empty stem: measured (no frames), but not in the mix."""
    from tests.suggest_support import band_noise, kick, save, vocal

    folder = save(
        tmp_path / "song",
        {"Kick.wav": kick(), "Bass.wav": 0.5 * band_noise(40.0, 120.0, seed=3),
         "Lead_Vocal.wav": vocal(0.02), "Empty.wav": np.zeros(0, np.float32)},
    )  # fmt: skip
    return analyze(folder, workers=1, use_cache=False)


# -- the reference comparison follows the mix -----------------------------------------------
def test_the_comparison_with_the_references_is_made_again_on_the_new_mix(
    small: Analysis,
) -> None:
    assert small.mix is not None and small.references == () and small.comparison is None
    references = (ReferenceReport(ReferenceSpec(Path("/refs/R.wav")), small.mix),)
    base = dataclasses.replace(
        small, references=references, comparison=compare(small.mix, references)
    )
    assert base.comparison is not None and base.comparison.match_gain_db == (0.0,)
    model = LiveModel(base)
    boost = Change("gain", ("Lead_Vocal.wav",), {"gain_db": 6.0})
    after = model.processed([boost]).analysis
    assert after.mix is not None and after.references == references
    comparison = after.comparison
    assert comparison is not None and comparison.names == ("R.wav",)
    assert comparison.mix_lufs == float(after.mix.loudness.integrated_lufs)
    assert comparison.mix_lufs > base.comparison.mix_lufs
    assert comparison.ref_lufs == base.comparison.ref_lufs
    again = compare(after.mix, references)
    assert again is not None and comparison.match_gain_db == again.match_gain_db
    assert comparison.match_gain_db[0] == pytest.approx(
        float(after.mix.loudness.integrated_lufs) - float(small.mix.loudness.integrated_lufs)
    )
    np.testing.assert_array_equal(comparison.mix_mid_db, again.mix_mid_db)
    # without references there is nothing to compare with
    assert LiveModel(small).processed([boost]).analysis.comparison is None


# -- stems outside the mix, and no mix at all -----------------------------------------------
def test_a_stem_left_out_of_the_mix_moves_alone(with_empty: Analysis) -> None:
    assert [s.file for s in with_empty.session.mix_stems] == list(MIX)
    empty = measured(with_empty, "Empty.wav")
    assert empty.levels.frames == 0 and with_empty.mix is not None
    model = LiveModel(with_empty)
    louder = model.processed([Change("gain", ("Empty.wav",), {"gain_db": 6.0})])
    assert louder.analysis.mix is with_empty.mix  # the mix does not hear it
    assert set(louder.offsets) == {"Empty.wav"} and louder.offsets["Empty.wav"].gain_db == 6.0
    assert measured(louder.analysis, "Empty.wav") is not empty
    for file in MIX:
        assert measured(louder.analysis, file) is measured(with_empty, file)


def test_the_headroom_on_every_mix_stem_scales_the_mix_exactly_beside_a_stem_left_out(
    with_empty: Analysis,
) -> None:
    """The headroom names the mix stems only; the stem outside the mix does not stop it being
    the gain they all share, so the mix is scaled, not predicted."""
    assert with_empty.mix is not None
    model = LiveModel(with_empty)
    headroom = first(model, "headroom")
    assert headroom.stems == MIX
    db = float(headroom.params["gain_db"])
    mix = model.processed([change_of(headroom)]).analysis.mix
    exact = with_gain(with_empty.mix, db)
    assert mix is not None
    assert mix.true_peak.true_peak_dbtp == exact.true_peak.true_peak_dbtp
    assert mix.loudness.integrated_lufs == exact.loudness.integrated_lufs
    assert mix.levels.sample_peak == exact.levels.sample_peak


def test_a_session_without_a_mix_is_left_as_it_is(tmp_path: Path) -> None:
    from tests.suggest_support import save

    folder = save(tmp_path / "song", {"Empty.wav": np.zeros(0, np.float32)})
    alone = analyze(folder, workers=1, use_cache=False)
    assert alone.mix is None and alone.session.mix_stems == ()
    assert measured(alone, "Empty.wav").levels.frames == 0
    model = LiveModel(alone)
    gain = Change("gain", ("Empty.wav",), {"gain_db": 6.0})
    assert model.processed([gain]) == (alone, (), {})


def test_a_change_on_an_unknown_stem_is_passed_over_not_the_end(small: Analysis) -> None:
    model = LiveModel(small)
    away = Change("gain", ("Other.wav",), {"gain_db": 3.0})
    down = Change("gain", ("Bass.wav",), {"gain_db": -4.0})
    processed = model.processed([away, down])
    assert level(processed.analysis, "Bass.wav") == pytest.approx(
        level(small, "Bass.wav") - 4.0, abs=1e-9
    )
    assert set(processed.offsets) == {"Bass.wav"}
    assert processed.analysis.mix is not small.mix


# -- one change on two stems: each stem its own result ---------------------------------------
def test_a_predicted_change_on_two_stems_is_predicted_for_each(small: Analysis) -> None:
    model = LiveModel(small)
    cut = first(model, "highpass", "Kick.wav")
    pair = Change("highpass", ("Bass.wav", "Kick.wav"), dict(cut.params))
    after = model.processed([pair]).analysis
    for file in ("Bass.wav", "Kick.wav"):
        own = predict_stem(measured(small, file), [pair], model.frames)
        assert measured(after, file).levels.rms_dbfs == own.levels.rms_dbfs
    assert level(after, "Kick.wav") != level(after, "Bass.wav")
    again = model.processed([pair]).analysis
    assert measured(again, "Kick.wav") is measured(after, "Kick.wav")


def test_a_measured_change_on_two_stems_measures_each_once(small: Analysis) -> None:
    model = LiveModel(small)
    squeeze = Change("compressor", ("Bass.wav", "Kick.wav"), COMPRESSOR)
    processed = model.processed([squeeze])
    assert processed.remeasured == ("Bass.wav", "Kick.wav")
    for file in ("Bass.wav", "Kick.wav"):
        own = measure_processed_stem(small.session, small.stem_report(file).stem, [squeeze])
        assert level(processed.analysis, file) == own.levels.rms_dbfs
    assert level(processed.analysis, "Kick.wav") != level(processed.analysis, "Bass.wav")
    assert model.processed([squeeze]).remeasured == ()


# -- the level tolerance ----------------------------------------------------------------------
def test_a_fader_exactly_at_the_tolerance_is_no_fader(small: Analysis) -> None:
    model = LiveModel(small)
    still = model.processed([Change("gain", ("Bass.wav",), {"gain_db": LEVEL_TOLERANCE_DB})])
    assert still.offsets == {} and still.remeasured == ()
    assert still.analysis.mix is small.mix
    assert measured(still.analysis, "Bass.wav") is measured(small, "Bass.wav")
    moved = model.processed([Change("gain", ("Bass.wav",), {"gain_db": 2 * LEVEL_TOLERANCE_DB})])
    assert set(moved.offsets) == {"Bass.wav"} and moved.analysis.mix is not small.mix


def test_two_faders_exactly_the_tolerance_apart_are_the_same(small: Analysis) -> None:
    low, high = 1.5e-9, 2.5e-9
    assert high - low == LEVEL_TOLERANCE_DB and low > LEVEL_TOLERANCE_DB
    model = LiveModel(small)
    ahead = measured(small, "Bass.wav")
    faded = model._fade("Bass.wav", ahead, low)
    assert faded is not ahead
    assert model._fade("Bass.wav", ahead, high) is faded
    assert model._fade("Bass.wav", ahead, high + LEVEL_TOLERANCE_DB) is not faded


def test_each_stems_faders_are_kept_for_it(small: Analysis) -> None:
    """Three stems on their own faders: every one is the same object the second time, and so
    is the mix they make (the latest two are kept per stem, not over all stems)."""
    model = LiveModel(small)
    faders = [
        Change("gain", ("Bass.wav",), {"gain_db": -2.0}),
        Change("gain", ("Kick.wav",), {"gain_db": 1.5}),
        Change("gain", ("Lead_Vocal.wav",), {"gain_db": 4.0}),
    ]
    once = model.processed(faders).analysis
    twice = model.processed(faders).analysis
    for file in MIX:
        assert measured(twice, file) is measured(once, file)
    assert twice.mix is once.mix and once.mix is not small.mix
    assert level(once, "Kick.wav") == pytest.approx(level(small, "Kick.wav") + 1.5, abs=1e-9)


# -- the headroom is never offered again once set --------------------------------------------
def test_once_the_headroom_is_set_no_other_headroom_is_offered(
    small: Analysis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headroom = make("headroom", MIX, rule="headroom", params={"gain_db": -3.0})
    fewer = make("headroom", MIX[:2], rule="headroom", params={"gain_db": -1.0})
    plain = make("gain", ("Lead_Vocal.wav",), rule="e")
    assert fewer.id != headroom.id

    def fake_suggest(analysis: Analysis, *more: Any) -> list[Suggestion]:
        return [headroom, plain] if not more else [fewer, headroom, plain]

    monkeypatch.setattr(live, "suggest", fake_suggest)
    model = LiveModel(small)
    review = new_review(tmp_path, small)
    review.accept(headroom)
    state = model.derive(review)
    ids = [s.id for s in state.suggestions]
    assert fewer.id not in ids
    assert [s.id for s in state.suggestions if s.rule == "headroom"] == [headroom.id]
    assert plain.id in ids and state.solved == ()
