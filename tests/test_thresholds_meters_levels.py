"""The levels meter's arithmetic pinned on signals whose results are known exactly: peaks, mean
squares, DC, clipped runs, flat tops and the peaks at the top, and the dB conversions.

As in test_thresholds_meters.py, the signals are built from exact binary fractions and placed so
each comparison in the code meets its edge (a run ending where a block ends, a sample within or
just outside a tolerance read from the module), and the expected values are computed from the
signal, not copied from the output.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from mixreview.analysis.meters import levels as lv
from mixreview.analysis.meters import segments as sg
from tests.conftest import SR


def _feed(meter: lv.LevelsMeter, data: np.ndarray, block: int) -> lv.LevelsResult:
    """``data`` through ``meter`` in blocks of ``block`` frames; its result."""
    for start in range(0, len(data), block):
        meter.update(data[start : start + block])
    return meter.result()


def _constant(frames: int, *levels: float) -> np.ndarray:
    """(frames, channels) float32 of constant levels, one per channel."""
    return np.tile(np.array(levels, np.float32), (frames, 1))


def test_amp_and_power_to_db_floor_silence() -> None:
    """Silence, negative and values under the floors (1e-10 amplitude, 1e-20 power) read
    SILENCE_DB; the rest 20 or 10 log10."""
    assert lv.amp_to_db(0.5) == pytest.approx(20 * np.log10(0.5), abs=1e-12)
    assert isinstance(lv.amp_to_db(0.5), float)
    assert lv.amp_to_db(1e-9) == pytest.approx(-180.0, abs=1e-9)
    assert lv.amp_to_db(1e-12) == pytest.approx(lv.SILENCE_DB, abs=1e-9)
    assert lv.amp_to_db(0.0) == lv.SILENCE_DB and lv.amp_to_db(-0.5) == lv.SILENCE_DB
    got = lv.amp_to_db(np.array([0.5, 0.0, -0.5, 1e-9]))
    np.testing.assert_allclose(got, [20 * np.log10(0.5), lv.SILENCE_DB, lv.SILENCE_DB, -180.0])
    assert lv.power_to_db(0.25) == pytest.approx(10 * np.log10(0.25), abs=1e-12)
    assert isinstance(lv.power_to_db(0.25), float)
    assert lv.power_to_db(1e-18) == pytest.approx(-180.0, abs=1e-9)
    assert lv.power_to_db(1e-22) == pytest.approx(lv.SILENCE_DB, abs=1e-9)
    assert lv.power_to_db(0.0) == lv.SILENCE_DB
    got = lv.power_to_db(np.array([0.25, 0.0, 1e-18]))
    np.testing.assert_allclose(got, [10 * np.log10(0.25), lv.SILENCE_DB, -180.0])


@pytest.mark.parametrize(
    ("rate", "side"),
    [(48000, [1, 4, 16, 64]), (44100, [1, 4, 15, 59]), (96000, [2, 8, 32, 128]),
     (8000, [1, 3, 11]), (72000, [2, 6, 24, 96])],
)  # fmt: skip
def test_shape_offsets_keep_their_times_at_any_rate(rate: int, side: list[int]) -> None:
    assert list(lv.shape_offsets(rate)) == [-s for s in side[::-1]] + side


def _levels_signal() -> tuple[np.ndarray, np.ndarray]:
    """Two segments and 100 frames of constant levels with clipped runs, an over and a NaN; the
    signal as fed and as the meter should read it (NaN as silence)."""
    seg = sg.segment_frames(SR)
    data = _constant(2 * seg + 100, 0.5, -0.25)
    data[10, 0] = 1.5  # over full scale: clipped too
    data[20:23, 1] = -1.0  # a run of three
    data[seg + 5, 0] = 1.0  # a single clipped sample in the second segment
    data[50, 1] = np.nan
    data[seg + 50, 0] = np.nan  # in another block
    data[2 * seg + 10, 1] = -1.25  # a second over, in another block
    read = data.astype(np.float64)
    read[50, 1] = read[seg + 50, 0] = 0.0
    return data, read


@pytest.mark.parametrize("block", [10**9, 1000, 37])
def test_levels_of_a_known_signal(block: int) -> None:
    """Peaks, mean squares, DC, clipping and their 10 Hz series, computed from the signal."""
    data, read = _levels_signal()
    seg = sg.segment_frames(SR)
    r = _feed(lv.LevelsMeter(SR, 2), data, block)
    assert r.frames == len(data)
    assert r.sample_peak == 1.5 and r.channel_peaks == (1.5, 1.25)
    assert r.mean_square == pytest.approx(np.mean(read**2), rel=1e-12)
    assert r.dc_offsets == pytest.approx(tuple(read.mean(axis=0)), rel=1e-12)
    assert r.dc_offset == r.dc_offsets[0]
    assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run) == (6, 4, 3)
    assert r.over_full_scale_samples == 2 and r.nan_samples == 2
    bounds = [0, seg, 2 * seg, len(data)]
    parts = [read[a:b] for a, b in pairwise(bounds)]
    np.testing.assert_array_equal(r.peak_series, [1.5, 1.0, 1.25])
    assert r.peak_series.dtype == np.float32
    np.testing.assert_allclose(r.mean_square_series, [np.mean(p**2) for p in parts], rtol=1e-6)
    assert r.mean_square_series.dtype == np.float64
    np.testing.assert_array_equal(r.clip_series, [4, 1, 1])
    assert r.clip_series.dtype == np.int32


def test_levels_of_nothing() -> None:
    meter = lv.LevelsMeter(SR, 2)
    meter.update(np.zeros((0, 2), np.float32))
    r = meter.result()
    assert (r.frames, r.sample_peak, r.mean_square, r.dc_offsets) == (0, 0.0, 0.0, (0.0, 0.0))
    assert r.channel_peaks == (0.0, 0.0)
    assert r.peak_series.shape == r.mean_square_series.shape == r.clip_series.shape == (0,)
    assert r.peak_series.dtype == np.float32 and r.clip_series.dtype == np.int32
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes, r.flat_top_samples) == (0, 0, 0, 0)
    assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run, r.nan_samples) == (0, 0, 0, 0)
    assert r.crest_db is None and r.active_rms_dbfs == lv.SILENCE_DB
    assert r.sample_peak_dbfs == lv.SILENCE_DB and r.rms_dbfs == lv.SILENCE_DB


def _runs(clipped: np.ndarray) -> list[int]:
    """Lengths of the runs of True in each column, column after column."""
    out = []
    for col in clipped.T:
        length = 0
        for value in [*col, False]:
            if value:
                length += 1
            elif length:
                out.append(length)
                length = 0
    return out


@pytest.mark.parametrize("block", [1, 2, 3, 4, 5, 7, 10, 11, 10**9])
def test_clipped_runs_across_any_blocks(block: int) -> None:
    """Runs of clipped samples per channel, whichever blocks they start, span or end in."""
    data = _constant(60, 0.25, 0.25)
    for ch, (a, b) in [(0, (0, 5)), (1, (3, 9)), (0, (10, 11)), (0, (12, 33)), (1, (29, 30)),
                       (1, (40, 60)), (0, (59, 60))]:  # fmt: skip
        data[a:b, ch] = -1.0 if ch else 1.0
    runs = _runs(np.abs(data) >= lv.FULL_SCALE)
    r = _feed(lv.LevelsMeter(SR, 2), data, block)
    assert r.clipped_samples == sum(runs) == int((np.abs(data) >= lv.FULL_SCALE).sum())
    assert r.clipped_runs == len(runs)
    assert r.longest_clip_run == max(runs) == 21
    assert r.over_full_scale_samples == 0


@pytest.mark.parametrize("block", [1, 2, 3, 5, 10**9])
def test_a_clip_run_ends_where_a_quiet_block_begins(block: int) -> None:
    data = _constant(40, 0.25)
    data[:7] = 1.0
    data[20:24] = 1.0
    r = _feed(lv.LevelsMeter(SR, 1), data, block)
    assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run) == (11, 2, 7)


def _flat(values: list[float], block: int) -> int:
    data = np.array(values, np.float32)[:, None]
    return _feed(lv.LevelsMeter(SR, 1), data, block).flat_top_samples


@pytest.mark.parametrize("block", [1, 2, 3, 10**9])
def test_flat_tops_are_samples_at_the_peak_next_to_another(block: int) -> None:
    """Pairs and runs at the running peak count every sample; a lone sample at it does not; a
    higher peak starts the count again, one within the tolerance does not."""
    top = 0.5
    near = float(np.float32(top * (1 - lv.AT_MAX_TOLERANCE / 2)))
    far = float(np.float32(top * (1 - 2 * lv.AT_MAX_TOLERANCE)))
    above = float(np.float32(top * (1 + lv.AT_MAX_TOLERANCE / 2)))
    higher = float(np.float32(top * (1 + 2 * lv.AT_MAX_TOLERANCE)))
    assert _flat([0, top, top, 0, top, 0, top, top, top, 0], block) == 5
    assert _flat([0, top, near, 0, 0.1], block) == 2
    assert _flat([0, top, far, 0, 0.1], block) == 0
    assert _flat([0, top, top, 0, above, above, 0], block) == 4
    assert _flat([0, top, top, 0, higher, higher, 0], block) == 2
    assert _flat([0, top, top, 0, higher, 0], block) == 0
    assert _flat([top, top, 0, 0.1, 0.1, 0.1], block) == 2
    assert _flat([0.1, 0, top, top], block) == 2
    assert _flat([0, top, 1.0, 1.0, top, 0], block) == 0  # clipped samples are not the peak
    assert _flat([0, 1.0, 1.0, 0, top, top, 0], block) == 2
    assert _flat([0, 0, 0, 0], block) == 0


def _pulse_train(heights: list[float], around: list[np.ndarray]) -> np.ndarray:
    """Isolated peaks, each in its neighbourhood (a peak's neighbours at the shape offsets), with
    silence between them."""
    reach = int(lv.shape_offsets(SR)[-1])
    out = np.zeros(len(heights) * 4 * reach, np.float32)
    for i, (height, hood) in enumerate(zip(heights, around, strict=True)):
        centre = (4 * i + 2) * reach
        for offset, value in zip(lv.shape_offsets(SR), hood, strict=True):
            out[centre + offset] = value
        out[centre] = height
    return out


@pytest.mark.parametrize("block", [1000, 10**9, 77])
def test_peaks_at_the_top_with_their_tolerances_and_shapes(block: int) -> None:
    """Separate local peaks near the top (1e-5), exactly at it (1e-6) and the distinct shapes of
    those; neighbours are read in steps of 1/32 of the height."""
    top = 0.5
    step = top / lv.SHAPE_STEPS
    base = step * np.array([3, -6, 5, 2, -3, 6, 0, 3])
    same_step = base + 0.3 * step  # rounds to the same steps as ``base``
    other_step = base + np.array([0, 0, 0, 0, 0, 0, 0, step])
    exact = float(np.float32(top * (1 - lv.TOP_PEAK_EXACT_TOLERANCE / 2)))
    near = float(np.float32(top * (1 - 5 * lv.TOP_PEAK_EXACT_TOLERANCE)))
    out = float(np.float32(top * (1 - 2 * lv.TOP_PEAK_TOLERANCE)))
    heights = [top, top, exact, top, near, out]
    around = [base, same_step, base, other_step, base * 0.5, base]
    data = _pulse_train(heights, around)[:, None]
    r = _feed(lv.LevelsMeter(SR, 1), data, block)
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (5, 4, 2)


def test_a_plateau_is_one_peak_and_a_higher_top_drops_the_old_ones() -> None:
    reach = int(lv.shape_offsets(SR)[-1])
    data = np.zeros((20 * reach, 1), np.float32)
    data[2 * reach : 2 * reach + 2] = 0.5  # a plateau of two: one peak
    data[6 * reach] = -0.5  # a negative peak counts by its magnitude
    for block in (10**9, 3 * reach):
        r = _feed(lv.LevelsMeter(SR, 1), data, block)
        assert (r.top_peaks, r.top_peaks_exact) == (2, 2)
    data[10 * reach] = 0.6  # the new top: the peaks at 0.5 no longer count
    data[14 * reach] = 0.6
    for block in (10**9, 3 * reach, 500):
        r = _feed(lv.LevelsMeter(SR, 1), data, block)
        assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (2, 2, 1)


def test_peaks_at_full_scale_are_not_at_the_top() -> None:
    reach = int(lv.shape_offsets(SR)[-1])
    data = np.zeros((12 * reach, 1), np.float32)
    data[2 * reach] = 1.0
    data[6 * reach] = 0.5
    data[8 * reach] = 0.5
    r = _feed(lv.LevelsMeter(SR, 1), data, 10**9)
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (2, 2, 1)


def _with_series(series: list[float], peak: float = 0.5) -> lv.LevelsResult:
    """A measured result whose 10 Hz mean squares (and so its mean square where it sounds, as
    the meter takes it from them) and sample peak are replaced."""
    base = _feed(lv.LevelsMeter(SR, 1), np.zeros((10, 1), np.float32), 10)
    values = np.array(series)
    return replace(
        base,
        mean_square_series=values,
        active_mean_square=lv.active_mean_square(values),
        sample_peak=peak,
    )


def test_active_rms_over_segments_that_carry_sound() -> None:
    """Segments count when above 1e-6 (-60 dBFS) and above 1e-4 of the loudest (40 dB)."""
    r = _with_series([1.0, 1e-4, 2e-4, 0.0])
    assert r.active_rms_dbfs == pytest.approx(10 * np.log10((1.0 + 2e-4) / 2), abs=1e-12)
    r = _with_series([1e-3, 1e-6, 2e-6, 1e-7])
    assert r.active_rms_dbfs == pytest.approx(10 * np.log10((1e-3 + 2e-6) / 2), abs=1e-12)
    r = _with_series([1e-6, 1e-7])
    assert r.active_rms_dbfs == lv.SILENCE_DB
    assert _with_series([0.0, 0.0]).active_rms_dbfs == lv.SILENCE_DB
    assert _with_series([]).active_rms_dbfs == lv.SILENCE_DB


def test_crest_is_the_peak_over_the_active_rms() -> None:
    r = _with_series([0.25, 0.25], peak=1.0)
    assert r.crest_db == pytest.approx(-10 * np.log10(0.25), abs=1e-12)
    assert _with_series([0.25], peak=0.0).crest_db is None


def test_dc_offset_is_the_largest_signed_mean() -> None:
    base = _with_series([])
    assert replace(base, dc_offsets=(0.1, -0.2)).dc_offset == -0.2
    assert replace(base, dc_offsets=(0.3, -0.2)).dc_offset == 0.3
    assert replace(base, dc_offsets=()).dc_offset == 0.0


def _feed_offset(data: np.ndarray, first: int, block: int) -> lv.LevelsResult:
    """``data`` through a mono meter: ``first`` frames, then blocks of ``block``."""
    meter = lv.LevelsMeter(SR, 1)
    meter.update(data[:first])
    for start in range(first, len(data), block):
        meter.update(data[start : start + block])
    return meter.result()


def _rounded_up(value: float) -> float:
    """``value`` rounded to float32, nudged up so it is not under ``value``."""
    out = np.float32(value)
    return float(out if float(out) >= value else np.nextafter(out, np.float32(1)))


def _top_with_edges_above() -> float:
    """A float32 level in 0.5-0.6 whose two tolerance edges, rounded to float32 (as the samples
    are compared with them), do not fall under the edges themselves."""
    tolerances = (lv.TOP_PEAK_TOLERANCE, lv.TOP_PEAK_EXACT_TOLERANCE)
    for k in range(1000):
        top = float(np.float32(0.5 + k * 1e-4))
        if all(float(np.float32(top * (1 - tol))) >= top * (1 - tol) for tol in tolerances):
            return top
    raise AssertionError("no level found")


@pytest.mark.parametrize(("first", "block"), [(10**9, 1), (170, 256), (100, 77), (1, 1000)])
def test_peaks_exactly_at_the_tolerances(first: int, block: int) -> None:
    """A peak on the 1e-5 edge is near the top and one a float32 step under it is not; likewise
    at the 1e-6 edge for exactly at the top. Blocks of 256 after 170 frames leave every peak
    waiting for its right neighbours in the next block."""
    top = _top_with_edges_above()
    near = float(np.float32(top * (1 - lv.TOP_PEAK_TOLERANCE)))
    exact = float(np.float32(top * (1 - lv.TOP_PEAK_EXACT_TOLERANCE)))
    step_under = float(np.nextafter(np.float32(near), np.float32(0)))
    exact_under = float(np.nextafter(np.float32(exact), np.float32(0)))
    hood = np.zeros(8)
    data = _pulse_train([top, near, step_under, exact, exact_under], [hood] * 5)[:, None]
    r = _feed_offset(data, first, block)
    assert (r.top_peaks, r.top_peaks_exact) == (4, 2)


@pytest.mark.parametrize(("first", "block"), [(10**9, 1), (170, 256), (1, 1000)])
def test_shapes_read_the_neighbours_on_both_sides(first: int, block: int) -> None:
    """Peaks alike on the left and different on the right (and the reverse) have different
    shapes, wherever the blocks cut them."""
    top = 0.5
    step = top / lv.SHAPE_STEPS
    left = step * np.array([3, -6, 5, 2, 0, 0, 0, 0])
    right = step * np.array([0, 0, 0, 0, -3, 6, 2, 0])
    last = step * np.array([0, 0, 0, 0, 0, 0, 0, 1])  # the neighbour 64 samples on
    hoods = [left, left + 2 * last, right, right + last, left, right]
    data = _pulse_train([top] * 6, hoods)[:, None]
    r = _feed_offset(data, first, block)
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (6, 6, 4)


def test_a_rise_within_the_tolerance_keeps_the_peaks_found() -> None:
    """When the top rises by less than the tolerance, the peaks found under it still count."""
    top = 0.5
    higher = _rounded_up(top * (1 + lv.TOP_PEAK_TOLERANCE / 2))
    hoods = [np.zeros(8)] * 3
    data = _pulse_train([top, top, higher], hoods)[:, None]
    reach = int(lv.shape_offsets(SR)[-1])
    r = _feed_offset(data, 9 * reach, 4 * reach)  # the first two settled before the rise
    assert (r.top_peaks, r.top_peaks_exact) == (3, 1)


def test_a_sample_rising_into_the_top_is_not_a_peak() -> None:
    reach = int(lv.shape_offsets(SR)[-1])
    data = np.zeros((8 * reach, 1), np.float32)
    data[2 * reach - 1] = _rounded_up(0.5 * (1 - lv.TOP_PEAK_EXACT_TOLERANCE / 2))
    data[2 * reach] = 0.5
    data[5 * reach] = 0.5
    data[5 * reach + 1] = _rounded_up(0.5 * (1 - lv.TOP_PEAK_EXACT_TOLERANCE / 2))
    r = _feed(lv.LevelsMeter(SR, 1), data, 10**9)
    assert (r.top_peaks, r.top_peaks_exact) == (2, 2)


def test_a_sample_at_full_scale_clips_and_is_not_the_top() -> None:
    """A float32 sample equal to FULL_SCALE is clipped; flat tops and peaks at the top are read
    under it."""
    fs32 = float(np.float32(lv.FULL_SCALE))
    reach = int(lv.shape_offsets(SR)[-1])
    data = np.zeros((8 * reach, 1), np.float32)
    data[reach : reach + 2] = fs32
    data[4 * reach : 4 * reach + 3] = 0.5
    for block in (10**9, 3 * reach):
        r = _feed(lv.LevelsMeter(SR, 1), data, block)
        assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run) == (2, 1, 2)
        assert r.flat_top_samples == 3
        assert (r.top_peaks, r.top_peaks_exact) == (1, 1)
        assert r.over_full_scale_samples == 0


@pytest.mark.parametrize("block", [10**9, 1000])
def test_sums_are_kept_in_double_precision(block: int) -> None:
    """DC and mean square of a second of 0.1 (as float32) are that value and its float32 square
    to double precision: samples are squared in float32, summed in double."""
    level = np.float32(0.1)
    r = _feed(lv.LevelsMeter(SR, 2), _constant(SR, level, -level), block)
    assert r.dc_offsets == (pytest.approx(float(level), rel=1e-13),
                            pytest.approx(-float(level), rel=1e-13))  # fmt: skip
    data = _constant(SR, level, -level)
    data[5, 0] = np.nan  # the sums are taken again without it
    dc = _feed(lv.LevelsMeter(SR, 2), data, block).dc_offsets
    assert dc[0] == pytest.approx(float(level) * (SR - 1) / SR, rel=1e-13)
    assert dc[1] == pytest.approx(-float(level), rel=1e-13)
    assert r.mean_square == pytest.approx(float(level * level), rel=1e-13)
    np.testing.assert_allclose(r.mean_square_series, float(level * level), rtol=1e-13)
    assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run) == (0, 0, 0)


def test_peaks_in_the_last_samples_keep_their_tolerances() -> None:
    """Peaks too close to the end for all their neighbours are judged with silence after it, and
    counted as near or exact like the others."""
    top = 0.5
    near = _rounded_up(top * (1 - 5 * lv.TOP_PEAK_EXACT_TOLERANCE))
    data = np.zeros((1000, 1), np.float32)
    data[100] = top
    data[-10] = near
    data[-3] = top
    r = _feed(lv.LevelsMeter(SR, 1), data, 10**9)
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (3, 2, 1)


def test_one_frame() -> None:
    r = _feed(lv.LevelsMeter(SR, 2), _constant(1, 0.5, -0.25), 1)
    assert (r.frames, r.mean_square, r.dc_offsets) == (1, (0.25 + 0.0625) / 2, (0.5, -0.25))
    np.testing.assert_array_equal(r.mean_square_series, [(0.25 + 0.0625) / 2])


def test_a_flat_top_exactly_at_the_tolerance() -> None:
    """A sample on the flat-top tolerance's edge (rounded to float32, as the samples are compared
    with it) pairs with the peak; one a float32 step under it does not."""
    for k in range(1000):
        top = float(np.float32(0.5 + k * 1e-4))
        edge = top * (1 - lv.AT_MAX_TOLERANCE)
        if float(np.float32(edge)) >= edge:
            break
    on = float(np.float32(edge))
    under = float(np.nextafter(np.float32(edge), np.float32(0)))
    for block in (1, 10**9):
        assert _flat([0, top, on, 0, 0.1], block) == 2
        assert _flat([0, top, under, 0, 0.1], block) == 0


def test_db_of_float32_values_in_double_precision() -> None:
    """Float32 levels (the 10 Hz peak series) are converted in double precision."""
    amp = np.float32(0.3)
    assert lv.amp_to_db(np.array([amp])) == pytest.approx([20 * np.log10(float(amp))], rel=1e-13)
    assert lv.amp_to_db(amp) == pytest.approx(20 * np.log10(float(amp)), rel=1e-13)
    got = lv.power_to_db(np.array([amp]))
    assert got == pytest.approx([10 * np.log10(float(amp))], rel=1e-13)
    assert lv.power_to_db(amp) == pytest.approx(10 * np.log10(float(amp)), rel=1e-13)


def test_a_peak_on_the_edge_of_a_risen_top_is_kept() -> None:
    """A peak found first is kept when the top rises to a level whose tolerance edge (rounded to
    float32, as the peaks are compared with it) is the peak's own value."""
    reach = int(lv.shape_offsets(SR)[-1])
    for k in range(1000):
        top = float(np.float32(0.5 + k * 1e-4))
        edge = top * (1 - lv.TOP_PEAK_TOLERANCE)
        if float(np.float32(edge)) >= edge:
            break
    first = float(np.float32(edge))
    data = _pulse_train([first, top], [np.zeros(8)] * 2)[:, None]
    r = _feed_offset(data, 5 * reach, 4 * reach)  # the first peak settled before the rise
    assert (r.top_peaks, r.top_peaks_exact) == (2, 1)


@pytest.mark.parametrize("block", [1, 3, 100, 10**9])
def test_a_sample_on_a_tolerance_edge_counts_in_blocks_of_any_size(block: int) -> None:
    """A sample equal to the float32 edge under the peak sits at the top (and touches the peak
    next to it) whichever blocks carry it: the edge is compared in the samples' precision."""
    edge = np.float32(0.5 * (1 - lv.TOP_PEAK_TOLERANCE))
    assert float(edge) < 0.5 * (1 - lv.TOP_PEAK_TOLERANCE)  # under the float64 edge
    apart = np.zeros((2000, 1), np.float32)
    apart[100, 0], apart[1000, 0] = 0.5, edge
    assert _feed(lv.LevelsMeter(SR, 1), apart, block).top_peaks == 2
    edge = np.float32(0.5 * (1 - lv.AT_MAX_TOLERANCE))
    touching = np.array([0.0, 0.5, edge, 0.0, 0.1], np.float32)[:, None]
    assert _feed(lv.LevelsMeter(SR, 1), touching, block).flat_top_samples == 2
