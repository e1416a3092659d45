"""The levels meter's 5 ms parts (``meters.fine``): the peak across channels, where it falls in its
part and the mean square, on known signals, at any block size and sample rate, through the cache;
and none on a long signal's coarser grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis import cache
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.fine import AT_STEPS, PARTS_PER_SEGMENT, part_frames
from mixreview.analysis.meters.levels import LevelsMeter, LevelsResult
from mixreview.analysis.meters.loudness import LoudnessMeter


def fine_of(signal: np.ndarray, rate: int, block: int = 4096, step: int = 1) -> LevelsResult:
    meter = LevelsMeter(rate, signal.shape[1], step, len(signal))
    for start in range(0, len(signal), block):
        meter.update(signal[start : start + block])
    return meter.result()


def test_an_impulse_lands_in_its_part_at_its_place_and_the_louder_channel_counts() -> None:
    rate = 48000
    signal = np.zeros((rate, 2), np.float32)
    at = 4800 * 3 + 240 * 7 + 60  # segment 3, part 7, a quarter of the way in
    signal[at, 0] = 0.25
    signal[at + 100, 1] = -0.5  # the other channel, louder, later in the same part
    fine = fine_of(signal, rate).fine
    assert fine is not None
    assert fine.peak.shape == (10, PARTS_PER_SEGMENT)
    assert fine.peak[3, 7] == pytest.approx(0.5)
    assert fine.peak_at[3, 7] == (60 + 100) * AT_STEPS // 240
    assert fine.mean_square[3, 7] == pytest.approx((0.25**2 + 0.5**2) / (240 * 2))
    others = np.ones_like(fine.peak, dtype=bool)
    others[3, 7] = False
    assert not fine.peak[others].any() and not fine.mean_square[others].any()


def test_each_part_holds_its_own_level_and_agrees_with_the_frame_series() -> None:
    """A level that steps every 5 ms: each part reads its own step, exactly."""
    rate = 48000
    levels = np.linspace(0.01, 0.9, 2 * PARTS_PER_SEGMENT)
    row = np.repeat(levels, 240).astype(np.float32)
    signal = np.column_stack([row, -0.5 * row])
    result = fine_of(signal, rate, block=997)
    fine = result.fine
    assert fine is not None
    np.testing.assert_allclose(fine.peak.ravel(), levels, rtol=1e-6)
    np.testing.assert_allclose(fine.mean_square.ravel(), levels**2 * 1.25 / 2, rtol=1e-5)
    assert (fine.peak_at == 0).all()  # a flat part peaks at its first sample
    np.testing.assert_array_equal(fine.peak.max(axis=1), result.peak_series)
    np.testing.assert_allclose(fine.mean_square.mean(axis=1), result.mean_square_series, rtol=1e-5)


@pytest.mark.parametrize("block", [1, 333, 4800, 65536])
def test_the_parts_do_not_depend_on_the_block_size(block: int) -> None:
    rng = np.random.default_rng(3)
    signal = (rng.standard_normal((12_345, 2)) * 0.1).astype(np.float32)
    reference = fine_of(signal, 48000, block=12_345).fine
    fine = fine_of(signal, 48000, block=block).fine
    assert fine is not None and reference is not None
    np.testing.assert_array_equal(fine.peak, reference.peak)
    np.testing.assert_array_equal(fine.peak_at, reference.peak_at)
    np.testing.assert_allclose(fine.mean_square, reference.mean_square, rtol=1e-6)


def test_at_44100_the_last_part_is_shorter_and_the_end_is_silence() -> None:
    """4,410 samples a segment: 19 parts of 221 and one of 211; a signal that stops inside a
    segment leaves the parts after it empty."""
    rate = 44100
    assert part_frames(4410) == 221
    frames = 4410 * 2 + 221 * 5 + 100  # two segments, then five parts and 100 samples more
    signal = np.full((frames, 1), 0.5, np.float32)
    fine = fine_of(signal, rate).fine
    assert fine is not None and fine.peak.shape == (3, PARTS_PER_SEGMENT)
    np.testing.assert_allclose(fine.mean_square[:2], 0.25, rtol=1e-6)  # the short part too
    np.testing.assert_allclose(fine.mean_square[2, :6], 0.25, rtol=1e-6)  # 100 of 221: mean
    assert not fine.mean_square[2, 6:].any() and not fine.peak[2, 6:].any()


def test_a_long_signals_coarser_grid_has_no_parts() -> None:
    signal = np.full((48000, 2), 0.1, np.float32)
    assert fine_of(signal, 48000, step=4).fine is None


def test_the_parts_go_through_the_cache(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    bank = MeterBank(48000, 2)
    bank.update((rng.standard_normal((30_000, 2)) * 0.2).astype(np.float32))
    measured = bank.result()
    cache.save(measured, tmp_path / "m.npz")
    again = cache.load(Measurement, tmp_path / "m.npz")
    assert again is not None and again.levels.fine is not None and measured.levels.fine is not None
    assert again.levels.fine.peak_at.dtype == np.uint8
    for name in ("peak", "peak_at", "mean_square"):
        np.testing.assert_array_equal(
            getattr(again.levels.fine, name), getattr(measured.levels.fine, name)
        )


def test_the_parts_k_weighted_energy_adds_up_to_the_frames_and_reading_it_takes_nothing() -> None:
    """The loudness meter's parts sum to its 100 ms frame energies, and reading them mid-stream
    leaves the meter to go on as if they had not been read."""
    rng = np.random.default_rng(9)
    signal = (rng.standard_normal((48000 + 1000, 2)) * 0.1).astype(np.float32)
    meter = LoudnessMeter(48000, 2)
    meter.update(signal[:30_000])
    early = meter.result().part_energy
    meter.update(signal[30_000:])
    result = meter.result()
    parts = result.part_energy
    assert early is not None and parts is not None and parts.shape == (11, PARTS_PER_SEGMENT)
    np.testing.assert_allclose(early[:6], parts[:6], rtol=1e-6)  # 30,000 samples: 6 whole
    np.testing.assert_allclose(parts[:10].sum(axis=1) / 4800, result.frame_energy, rtol=1e-5)
    assert parts[10, :4].all() and not parts[10, 5:].any()  # 1000 samples: four parts and a bit
