"""The live model's shortcuts give the plain computations' numbers, to the bit.

The rules run again after every decision, so their hot paths take shortcuts: a prediction kept
while a stem's changes are the same, section masking from running sums, gated loudness read only
around its mask, pair energies summed over the cells' indices, the compressor's hit weights
worked out once per stem. Each is checked here against the computation it replaces.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.loudness import integrated_from_energy
from mixreview.analysis.review import Review
from mixreview.analysis.suggest import dynamics, stereo_polarity
from mixreview.analysis.suggest.features import CENTERS_HZ, Features, masked_loudness
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.masking_frames import (
    PairFrames,
    band_masking,
    each_band,
    median_of,
    span_mask,
)

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"


@pytest.fixture(scope="module")
def demo() -> Analysis:
    return analyze(DEMO, workers=1)


def test_median_of_is_numpys_to_the_bit() -> None:
    rng = np.random.default_rng(1)
    for n in list(range(1, 30)) * 40:
        values = rng.choice([-3.0, -0.0, 0.0, 1e-300, 2.5, -150.0], n)
        if n % 3:
            values = np.round(rng.normal(0.0, 6.0, n), int(rng.integers(0, 3)))
        expected = float(np.median(values))
        got = median_of(values)
        assert got == expected and math.copysign(1, got) == math.copysign(1, expected)


def test_section_masking_from_running_sums() -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(1, 400))
        frames = PairFrames(
            (4,), np.round(rng.normal(0.0, 5.0, n), 1), rng.random(n) < rng.random()
        )
        spans = [tuple(sorted(rng.uniform(-1.0, n / 10 + 2.0, 2))) for _ in range(12)]
        least = int(rng.integers(0, 12))
        for span, result in zip(spans, frames.within_each(spans, least), strict=True):
            plain = frames.over(span_mask(n, span))
            assert frames.within(span) == plain
            assert result == (plain if plain.joint_frames >= least else None)


def test_each_band_is_band_masking_of_one_band(demo: Analysis) -> None:
    features = Features.build(demo)
    stems = list(features.stems.values())
    bands = list(range(len(CENTERS_HZ)))
    for target in stems:
        for masker in stems:
            if masker is not target:
                got = each_band(target, masker, bands)
                assert got == [band_masking(target, masker, (band,)) for band in bands]


def test_masked_loudness_reads_only_around_the_mask() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(0, 300))
        energy = 10.0 ** rng.uniform(-9.0, -1.0, n)
        mask = np.zeros(n, dtype=bool)
        if n:
            start = int(rng.integers(0, n))
            mask[start : start + int(rng.integers(0, n))] = rng.random() < 0.9
            mask &= rng.random(n) < rng.uniform(0.3, 1.0)
        expected = integrated_from_energy(np.where(mask, energy, 0.0))
        assert masked_loudness(energy, mask) == expected or (
            math.isinf(expected) and math.isinf(masked_loudness(energy, mask))
        )


def _held_plain(target: np.ndarray, release_ms: float) -> np.ndarray:
    alpha = math.exp(-dynamics.FRAME_S * 1000.0 / release_ms)
    held = np.empty_like(target)
    level = 0.0
    for i, value in enumerate(target):
        level = max(value, alpha * level + (1.0 - alpha) * value)
        held[i] = level
    return held


def _frame_gain_reduction_plain(
    peak_db: np.ndarray,
    mean_square: np.ndarray,
    threshold_db: float,
    ratio: float,
    attack_ms: float,
    release_ms: float,
) -> np.ndarray:
    target = dynamics.static_gain_reduction_db(peak_db, threshold_db, ratio, dynamics.KNEE_DB)
    held = _held_plain(target, release_ms)
    start = np.concatenate([[0.0], held[:-1]])
    sustained = 0.5 * (start + held)
    t = (np.arange(dynamics.SUBSTEPS) + 0.5) * (dynamics.FRAME_MS / dynamics.SUBSTEPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        crest = np.where(mean_square > 0, 10 ** (peak_db / 10) / mean_square, 2.0)
    energy = np.exp(-t[None, :] / dynamics._decay_ms(crest)[:, None])
    rising = held[:, None] + (start - held)[:, None] * np.exp(-t[None, :] / attack_ms)
    ramp = start[:, None] + (held - start)[:, None] * (t[None, :] / dynamics.FRAME_MS)
    gain = np.where((held > start)[:, None], rising, ramp)
    factor = (energy * 10 ** (-gain / 10)).sum(axis=1) / energy.sum(axis=1)
    hit = -10 * np.log10(np.maximum(factor, 1e-30))
    return 0.5 * (sustained + hit)


def test_compressor_prediction_shortcuts() -> None:
    rng = np.random.default_rng(4)
    for _ in range(40):
        n = int(rng.integers(1, 1500))
        peak_db = rng.uniform(-60.0, 0.0, n)
        mean_square = 10.0 ** rng.uniform(-8.0, -0.5, n)
        mean_square[rng.random(n) < 0.05] = 0.0
        settings = (float(rng.uniform(-40.0, -5.0)), float(rng.choice([2.0, 4.0, 6.0])))
        args = (peak_db, mean_square, *settings, float(rng.choice([7.5, 15.0])), 180.0)
        plain = _frame_gain_reduction_plain(*args)
        decay_ms = dynamics.hit_decay_ms(peak_db, mean_square)
        # the closed-form sums agree with the sub-step sums to far below the 0.1 dB shown
        np.testing.assert_allclose(dynamics.frame_gain_reduction(*args), plain, rtol=0, atol=1e-9)
        np.testing.assert_allclose(
            dynamics.frame_gain_reduction(*args, decay_ms), plain, rtol=0, atol=1e-9
        )
        target = dynamics.static_gain_reduction_db(peak_db, args[2], args[3], dynamics.KNEE_DB)
        assert np.array_equal(dynamics._held(target, 180.0), _held_plain(target, 180.0))


def test_pair_energies_over_the_range_bands(demo: Analysis) -> None:
    features = Features.build(demo)
    files = sorted(features.stems)
    compared = 0
    for i, first in enumerate(files):
        for second in files[i + 1 :]:
            a, b = features.stems[first], features.stems[second]
            cells = stereo_polarity._pair_cells(features, a, b)
            pair = stereo_polarity._pair(features, a, b)
            assert (cells is None) == (pair is None)
            if cells is None or pair is None:
                continue
            compared += 1
            assert features.mix is not None
            plain = [float(x.band_power[cells].sum()) for x in (a, b)]
            plain += [float(features.all_band_power[cells].sum())]
            plain += [float(features.mix.band_power[cells].sum())]
            assert [pair.e_a, pair.e_b, *stereo_polarity._shared_energies(features, pair.flat)] \
                == plain  # fmt: skip
            assert stereo_polarity.pair_energies(features, a, b, cells) == tuple(plain)
            assert np.array_equal(pair.frames, cells.any(axis=1))
            assert np.array_equal(pair.used, np.flatnonzero(cells.any(axis=0)))
    assert compared


def test_a_prediction_is_kept_while_its_changes_are_the_same(
    demo: Analysis, tmp_path: Path
) -> None:
    """A decision on one stem leaves the other decided stems' measurements the very same
    objects (what the rules memoised for them holds), and the queue is what a fresh model
    derives."""
    session = demo.session
    review = Review.open(tmp_path / "review.json", session.path, [s.file for s in session.stems])
    model = LiveModel(demo)
    state = model.derive(review)
    one_stem = [s for s in state.suggestions if len(s.stems) == 1]
    first = one_stem[0]
    second = next(s for s in one_stem if s.stems != first.stems)
    review.accept(first)
    before = model.derive(review)
    review.accept(second)
    after = model.derive(review)

    def measurement(live: LiveState, file: str) -> Measurement | None:
        return next(r.measurement for r in live.analysis.stems if r.stem.file == file)

    assert measurement(after, first.stems[0]) is measurement(before, first.stems[0])
    assert measurement(after, second.stems[0]) is not measurement(before, second.stems[0])
    fresh = LiveModel(demo).derive(review)
    assert [s.as_dict() for s in after.suggestions] == [s.as_dict() for s in fresh.suggestions]


def test_rising_frames_in_chunks_give_the_same_reduction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames where the gain rises are stepped through a chunk at a time: any chunk size gives
    the sums of one pass."""
    rng = np.random.default_rng(9)
    peak_db = rng.uniform(-50.0, 0.0, 3000)
    mean_square = 10.0 ** rng.uniform(-7.0, -0.5, 3000)
    args = (peak_db, mean_square, -24.0, 4.0, 10.0, 120.0)
    whole = dynamics.frame_gain_reduction(*args)
    monkeypatch.setattr(dynamics, "RISING_CHUNK_FRAMES", 7)
    np.testing.assert_array_equal(dynamics.frame_gain_reduction(*args), whole)
    np.testing.assert_allclose(whole, _frame_gain_reduction_plain(*args), rtol=0, atol=1e-9)
