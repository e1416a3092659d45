"""Stems that share a part, in the instant A/B match: the spectrum sketch keeps the bands meter's
own bins where it says, the correlations read doubles and flipped copies and nothing in unrelated
noise, and the estimate follows the exact match within a tenth of a dB where powers alone are
several tenths off (a doubled guitar moved apart, flipped, panned apart; a second kick mic)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis import cache
from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.bands import BandsMeter, sketch_bins
from mixreview.analysis.meters.sketch import (
    SKETCH_EVERY,
    SpectrumSketch,
    row_segment,
    rows_between,
)
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.playback_match import LoudnessMatcher
from mixreview.analysis.playback_shared import correlations
from mixreview.analysis.session import Session
from tests.test_playback_estimate import _estimated
from tests.test_playback_match import CHOSEN, _stems, comp, eq, gain

SR = 48000
LONG_S = 30.0
"""Long enough that a minute's window holds rows enough to see a kick's hits."""
WITHIN_DB = 0.1
"""The estimate against the exact match, as for linear changes of stems that share nothing."""


def without_sketches(estimator: MatchEstimator) -> MatchEstimator:
    """The estimator with its stems' sketches dropped, as from a cache made before them."""
    stems = {
        file: dataclasses.replace(m, bands=dataclasses.replace(m.bands, sketch=None))
        for file, m in estimator.stems.items()
    }
    return MatchEstimator(estimator.session, estimator.mix, stems)


def test_the_sketch_keeps_the_bands_meters_bins_on_its_rows() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal((SR * 4, 2)) * 0.1).astype(np.float32)
    meter = BandsMeter(SR, 2, sketch=True)
    for start in range(0, len(audio), 7001):  # blocks that cut frames anywhere
        meter.update(audio[start : start + 7001])
    sketch = meter.result().sketch
    assert sketch is not None and sketch.every_segments == SKETCH_EVERY
    bins, _bands = sketch_bins(SR, meter.n_fft)
    rows = rows_between(0, 40, SKETCH_EVERY)
    assert len(sketch.mid) == rows.stop == 9  # segments 0, 5, 9, ... 38
    hop, n_fft = SR // 10, meter.n_fft
    mid = np.concatenate([np.zeros(n_fft // 2 - hop // 2), audio.mean(axis=1), np.zeros(n_fft)])
    window = np.hanning(n_fft + 1)[:-1]
    for row, segment in enumerate(row_segment(np.arange(len(sketch.mid)), SKETCH_EVERY)):
        frame = mid[segment * hop : segment * hop + n_fft] * window
        expected = np.fft.rfft(frame)[bins]
        kept = SpectrumSketch.complex_rows(sketch.mid[row])
        assert np.allclose(kept, expected, rtol=2e-3, atol=1e-3 * np.abs(expected).max())


def test_sketch_rows_between_segments_and_a_long_signals_rows_stay_few() -> None:
    segments = row_segment(np.arange(500), SKETCH_EVERY)
    for first, last in [(0, 0), (0, 1), (3, 9), (5, 6), (6, 9), (100, 733), (1000, 1881)]:
        span = rows_between(first, last, SKETCH_EVERY)
        assert list(range(span.start, span.stop)) == [
            i for i, s in enumerate(segments) if first <= s < last
        ]
    # a mono stem measured on 200 ms frames (a 20-minute one) keeps a row every 0.94 s
    meter = BandsMeter(SR, 1, step=2, sketch=True)
    meter.update(np.zeros((SR * 47, 1), np.float32))
    sketch = meter.result().sketch
    assert sketch is not None and sketch.every_segments == 2 * SKETCH_EVERY
    assert len(sketch.mid) == rows_between(0, 470, 2 * SKETCH_EVERY).stop == 50
    assert len(sketch.side) == 0  # a mono stem's side is silent: none kept


def test_correlations_read_doubles_flips_and_nothing_in_unrelated_noise() -> None:
    rng = np.random.default_rng(7)
    shape = (120, 40)
    a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    unrelated = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    half = (a + rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / 2.0
    rows = np.stack([a, 0.5 * a, -a, unrelated, half])
    bands = np.repeat(np.arange(5), 8)
    rho = correlations(rows, bands, 5)
    assert rho.shape == (5, 5, 5)
    assert np.allclose(rho[:, 0, 1], 1.0) and np.allclose(rho[:, 0, 2], -1.0)
    assert np.all(rho[:, 3, :3] == 0.0) and np.all(np.diagonal(rho, axis1=1, axis2=2) == 0.0)
    assert np.all((rho[:, 0, 4] > 0.55) & (rho[:, 0, 4] < 0.85))  # half of it shared: 0.7


def test_stems_carry_a_sketch_and_it_survives_the_cache(tmp_path: Path) -> None:
    bank = MeterBank(SR, 2, sketch=True)
    bank.update(np.random.default_rng(2).standard_normal((SR * 3, 2)).astype(np.float32) * 0.1)
    measured = bank.result()
    assert measured.bands.sketch is not None
    assert MeterBank(SR, 2).result().bands.sketch is None  # the mix keeps none
    path = tmp_path / "m.npz"
    cache.save(measured, path)
    again = cache.load(Measurement, path)
    assert again is not None and again.bands.sketch is not None
    assert np.array_equal(again.bands.sketch.mid, measured.bands.sketch.mid)
    assert again.bands.sketch.every_segments == SKETCH_EVERY


@pytest.fixture(scope="module")
def doubled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, MatchEstimator]:
    """The estimate's song, 30 s long: a guitar doubled exactly (its copy louder on the right)
    and a second kick microphone out of polarity with the first."""
    stems = _stems(LONG_S)
    kick, rate = stems["Kick.wav"]
    stems["Kick_Out.wav"] = (-0.8 * signal.lfilter([0.3], [1.0, -0.7], kick), rate)
    return _estimated(tmp_path_factory.mktemp("shared") / "song", stems)


def flip(file: str, channels: str = "both") -> Change:
    return Change("polarity", (file,), {"channels": channels})


def pan(file: str, amount: float) -> Change:
    return Change("pan", (file,), {"pan": amount})


CASES = {
    "double up": ([], [gain("Gtr_B.wav", 6.0)], None),
    "double down": ([], [gain("Gtr_B.wav", -6.0)], None),
    "both doubles up": ([], [gain("Gtr_A.wav", 6.0), gain("Gtr_B.wav", 6.0)], None),
    "double brightened": ([], [eq("Gtr_B.wav", 1500.0, 8.0)], None),
    "double compressed": ([], [comp("Gtr_B.wav")], None),
    "doubles panned apart": ([], [pan("Gtr_A.wav", -0.8), pan("Gtr_B.wav", 0.8)], None),
    "one channel of a double flipped": ([], [flip("Gtr_B.wav", "right")], None),
    "second kick up": ([], [gain("Kick_Out.wav", 6.0)], None),
    "second kick flipped": ([], [flip("Kick_Out.wav")], None),
    "double up among others": (CHOSEN, [*CHOSEN, gain("Gtr_B.wav", 6.0)], None),
    "chosen": ([], CHOSEN, None),
    "doubles soloed": ([], [gain("Gtr_B.wav", 6.0)], {"Gtr_A.wav", "Gtr_B.wav"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shared_parts_are_estimated_within_a_tenth_of_a_db(
    doubled: tuple[Session, MatchEstimator], case: str
) -> None:
    session, estimator = doubled
    a, b, audible = CASES[case]
    estimate = estimator.estimate(a, b, (10.0, 14.0), audible)
    exact = LoudnessMatcher(session).match(a, b, (10.0, 14.0), audible)
    assert estimate is not None
    assert abs(exact.offset_db) > 0.1
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=WITHIN_DB)


def test_a_flipped_double_is_estimated_within_two_tenths(
    doubled: tuple[Session, MatchEstimator],
) -> None:
    """Flipping one of a doubled pair leaves only what differs between them (4.8 dB quieter):
    every small error of the rest weighs more there."""
    session, estimator = doubled
    estimate = estimator.estimate([], [flip("Gtr_B.wav")], (10.0, 14.0))
    exact = LoudnessMatcher(session).match([], [flip("Gtr_B.wav")], (10.0, 14.0))
    assert estimate is not None and exact.offset_db > 4.0
    assert estimate.offset_db == pytest.approx(exact.offset_db, abs=0.2)


@pytest.mark.parametrize(
    "case", ["double up", "double down", "doubles panned apart", "one channel of a double flipped",
             "chosen", "doubles soloed"],
)  # fmt: skip
def test_without_the_sketches_the_same_changes_are_tenths_off(
    doubled: tuple[Session, MatchEstimator], case: str
) -> None:
    """What the sketches add: from band powers alone (a measurement cached before them) these
    changes are estimated at least 0.2 dB off, and the estimate still works."""
    session, estimator = doubled
    blind = without_sketches(estimator)
    a, b, audible = CASES[case]
    estimate = blind.estimate(a, b, (10.0, 14.0), audible)
    exact = LoudnessMatcher(session).match(a, b, (10.0, 14.0), audible)
    assert estimate is not None
    assert abs(estimate.offset_db - exact.offset_db) > 0.2


def test_changes_to_stems_that_share_nothing_are_no_worse(
    doubled: tuple[Session, MatchEstimator],
) -> None:
    """A change to stems that share nothing is estimated at least as close as from powers alone
    (closer where it moves the band the doubles share: powers scale their sum with the change)."""
    session, estimator = doubled
    blind = without_sketches(estimator)
    for change in (gain("Hats.wav", 6.0), eq("Vocal.wav", 997.0, 8.0), comp("Bass.wav")):
        seen = estimator.estimate([], [change], (10.0, 14.0))
        powers = blind.estimate([], [change], (10.0, 14.0))
        exact = LoudnessMatcher(session).match([], [change], (10.0, 14.0))
        assert seen is not None and powers is not None
        error_db = abs(seen.offset_db - exact.offset_db)
        assert error_db <= WITHIN_DB
        assert error_db <= abs(powers.offset_db - exact.offset_db) + 0.01


def test_the_stems_keep_a_sketch_and_the_mix_none(
    doubled: tuple[Session, MatchEstimator],
) -> None:
    _session, estimator = doubled
    assert all(m.bands.sketch is not None for m in estimator.stems.values())
    assert estimator.mix.bands.sketch is None


def test_the_pass_in_worker_groups_keeps_the_same_sketches(
    doubled: tuple[Session, MatchEstimator],
) -> None:
    """Measured in two worker groups (the stems summed down pipes), each stem's sketch is the
    one measured in this process, bit for bit."""
    session, estimator = doubled
    grouped = MatchEstimator.of(analyze(session, workers=2, use_cache=False))
    assert grouped is not None
    for file, measured in estimator.stems.items():
        ours, theirs = measured.bands.sketch, grouped.stems[file].bands.sketch
        assert ours is not None and theirs is not None
        assert np.array_equal(ours.mid, theirs.mid) and np.array_equal(ours.side, theirs.side)
