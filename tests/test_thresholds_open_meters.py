"""Meter edges the mutation runs left open: the loudness meter's 5-channel weights, a drained chunk
with no 10 ms boundary, a chunk ending exactly on a segment's first sample and the integer segment
bounds at a rate that is not a multiple of 100 Hz; the levels meter's shape codes.

Each case is one input where the documented rule and a near miss of it give different numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfilt

from mixreview.analysis.meters import levels as lv
from mixreview.analysis.meters import loudness as ld
from tests import ebu_signals as ebu

FS = ebu.FS
SR = 48000  # the levels meter's shape offsets are read at 48 kHz: -64 ... +64
ODD_RATE = 44101  # prime to 100: its 10 ms and 100 ms bounds are not whole multiples


def _feed(meter: ld.LoudnessMeter, x: np.ndarray, cuts: tuple[int, ...]) -> None:
    start = 0
    for stop in (*cuts, len(x)):
        meter.update(x[start:stop])
        start = stop


def _whole(x: np.ndarray, rate: int = FS) -> ld.LoudnessResult:
    meter = ld.LoudnessMeter(rate, x.shape[1])
    meter.update(x)
    return meter.result()


# --- loudness: channel weights -------------------------------------------------------------


@pytest.mark.parametrize("channel", range(5))
def test_five_channel_weights_one_channel_at_a_time(channel: int) -> None:
    """L, R and C count once and the surrounds 1.41 times: a 5-channel signal sounding in one
    channel alone reads that channel's mono energy times its weight."""
    tone = ebu.sine_segments([(0.5, -20.0)], freq_hz=997.0, channels=1)
    x = np.zeros((len(tone), 5), np.float32)
    x[:, channel] = tone[:, 0]
    weight = [1.0, 1.0, 1.0, ld._SURROUND_WEIGHT, ld._SURROUND_WEIGHT][channel]
    five, mono = _whole(x), _whole(tone)
    assert five.frame_energy.shape == mono.frame_energy.shape == (5,)
    np.testing.assert_allclose(five.frame_energy, weight * mono.frame_energy, rtol=1e-12)
    assert five.integrated_lufs == pytest.approx(
        mono.integrated_lufs + 10.0 * np.log10(weight), abs=1e-9
    )


# --- loudness: chunks and the segment grid -------------------------------------------------


def test_a_drained_chunk_without_a_boundary_adds_to_the_segment_being_filled() -> None:
    """9000 frames are processed on arrival and leave 360 frames of the 19th 10 ms segment
    (8640-9120) pending; a result taken after 100 more frames drains them as a chunk holding no
    boundary, whose energy joins those 360 frames'; the rest then completes the segment."""
    x = ebu.program_like(0.3, FS, 2, seed=11)
    assert 9000 >= ld._MIN_FRAMES and 9000 % (FS // 100) == 360
    meter = ld.LoudnessMeter(FS, 2)
    meter.update(x[:9000])
    first = meter.result()
    meter.update(x[9000:9100])
    second = meter.result()
    meter.update(x[9100:])
    last = meter.result()
    whole = _whole(x)
    assert first.frame_energy.shape == second.frame_energy.shape == (1,)
    np.testing.assert_allclose(last.frame_energy, whole.frame_energy, rtol=1e-9)
    assert last.momentary_max_lufs == pytest.approx(whole.momentary_max_lufs, abs=1e-9)
    assert second.duration_s == 9100 / FS


@pytest.mark.parametrize(("rate", "per_s"), [(ODD_RATE, 100), (ODD_RATE, 10), (8001, 10)])
def test_a_chunk_ending_on_a_segments_first_sample(rate: int, per_s: int) -> None:
    """A chunk ending at sample j * rate // per_s ends segment j - 1 there: its offsets include
    that last sample, and the next chunk starts a fresh segment (at 44101 Hz segment 99 starts at
    sample 43659, where (end + 1) * 100 - 1 is a whole multiple of the rate)."""
    end = pow(per_s, -1, rate) - 1
    j = ((end + 1) * per_s - 1) // rate
    assert j * rate // per_s == end and ((end + 1) * per_s - 1) % rate == 0
    grid = ld._Segmenter(rate, per_s)
    offsets = grid.advance(end)
    assert list(offsets) == [k * rate // per_s for k in range(1, j + 1)]
    assert offsets[-1] == end and grid.segment == j
    assert list(grid.advance(rate // per_s + 1)) == [(j + 1) * rate // per_s - end]


def test_a_meter_chunk_ending_on_a_segments_first_sample() -> None:
    """At 44101 Hz, 43659 frames (then the rest) end a chunk exactly where the 100th 10 ms
    segment starts: the energies are those of the signal fed in one piece."""
    x = ebu.program_like(1.2, ODD_RATE, 1, seed=12)
    meter = ld.LoudnessMeter(ODD_RATE, 1)
    _feed(meter, x, (43659,))
    split, whole = meter.result(), _whole(x, ODD_RATE)
    assert split.frame_energy.shape == whole.frame_energy.shape == (12,)
    np.testing.assert_allclose(split.frame_energy, whole.frame_energy, rtol=1e-9)


def test_segment_bounds_are_whole_samples_at_a_rate_prime_to_100() -> None:
    """At 44101 Hz, segment j starts at sample j * 44101 // 100 (10 ms) or // 10 (100 ms): every
    energy is a sum over whole samples divided by their count, checked against sosfilt with the
    same K-weighting. Fractional bounds (441.01 samples) move each value by ~1e-4 dB."""
    rate = ODD_RATE
    x = ebu.program_like(3.3, rate, 2, seed=13)
    got = _whole(x, rate)
    y = sosfilt(ld.k_weighting_sos(rate), x.astype(np.float64), axis=0)
    cum = np.concatenate([[0.0], np.cumsum((y**2).sum(axis=1))])
    n = len(x)

    def mean(first: int, last: int) -> float:  # over samples [first, last), zeros before 0
        return (cum[max(last, 0)] - cum[max(first, 0)]) / (last - first)

    b10 = [b for b in (j * rate // 100 for j in range(n * 100 // rate + 2)) if b <= n]
    b100 = [b for b in (j * rate // 10 for j in range(-29, n * 10 // rate + 2)) if b <= n]
    assert b10[1] == 441 and b10[100] == 44101 and b100[30] == 4410 and b100[0] == -127893
    assert b10[-1] == n  # 3.3 s is 145533 samples, the end of the 330th 10 ms segment
    n100 = len(b100) - 30
    assert got.frame_energy.shape == (n100,) == (33,)
    want_100 = [mean(b100[29 + i], b100[30 + i]) for i in range(n100)]
    np.testing.assert_allclose(got.frame_energy, want_100, rtol=1e-9)
    momentary = np.array([mean(b100[26 + i], b100[30 + i]) for i in range(n100)])
    short_term = np.array([mean(b100[i], b100[30 + i]) for i in range(n100)])
    np.testing.assert_allclose(got.momentary_lufs, ld.lufs_from_energy(momentary), atol=1e-9)
    np.testing.assert_allclose(got.short_term_lufs, ld.lufs_from_energy(short_term), atol=1e-9)
    for width, field in ((40, "momentary_max_lufs"), (300, "short_term_max_lufs")):
        peak = max(mean(b10[j], b10[j + width]) for j in range(len(b10) - width))
        assert getattr(got, field) == pytest.approx(ld.lufs_from_energy(peak), abs=1e-9)


# --- levels: the shapes of the peaks at the top ------------------------------------------------


def _peaks(peaks: list[dict[int, float]], top: float = 0.5) -> lv.LevelsResult:
    """A mono signal of separate peaks at ``top``, each given as {offset: value} around it
    (offset 0 is the peak), far apart; through a fresh meter in one block."""
    reach = int(lv.shape_offsets(SR)[-1])
    data = np.zeros((len(peaks) * 4 * reach, 1), np.float32)
    for i, hood in enumerate(peaks):
        centre = (4 * i + 2) * reach
        data[centre, 0] = top
        for offset, value in hood.items():
            data[centre + offset, 0] = value
    meter = lv.LevelsMeter(SR, 1)
    meter.update(data)
    return meter.result()


def test_shapes_apart_by_one_step_next_to_a_large_far_neighbour() -> None:
    """Shape codes pack 8 fields of 7 bits (the -64 neighbour lowest, the +64 one highest), past
    the 53 bits a float64 holds exactly: two peaks whose -64 neighbours differ by one step, both
    with a +64 neighbour at 31 steps, have distinct shapes."""
    offsets = lv.shape_offsets(SR)
    assert (offsets[0], offsets[-1]) == (-64, 64) and len(offsets) == 8
    step = 0.5 / lv.SHAPE_STEPS
    far = 31 * step
    code = (31 + (1 << (lv._SHAPE_BITS - 1))) << (lv._SHAPE_BITS * 7)
    assert code > 2**55  # float64 steps are 8 apart there
    r = _peaks([{64: far}, {64: far, -64: step}])
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (2, 2, 2)


def test_a_plateau_is_read_from_its_first_sample() -> None:
    """A plateau of two samples is one peak, at its first sample (``>`` on the left, ``>=`` on
    the right), and its neighbourhood is read from there, left to right: nothing on its left, the
    plateau on its right. A single peak with a neighbour on its right at 99% of the top has the
    same shape (31.68 steps round to 32); read from the plateau's second sample, or mirrored, the
    two would differ."""
    plateau = {1: 0.5}
    single = {1: 0.99 * 0.5}
    assert round(0.99 * lv.SHAPE_STEPS) == lv.SHAPE_STEPS
    r = _peaks([plateau, single])
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (2, 2, 1)
    r = _peaks([plateau, {-1: 0.99 * 0.5}])
    assert (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes) == (2, 2, 2)


def _top_whose_rise_edge_is_a_float32() -> float:
    """A float32 level whose flat-top rise edge, top * (1 + AT_MAX_TOLERANCE) in float64, is
    itself a float32 value (59 levels in 0.5-1 are; the first is near 0.5007)."""
    tops = (np.arange(2**15, dtype=np.float64) + 2**23) / 2**24  # every float32 from 0.5 up
    rise = tops * (1 + lv.AT_MAX_TOLERANCE)
    hits = tops[rise.astype(np.float32).astype(np.float64) == rise]
    assert len(hits) and lv.FULL_SCALE > hits[0] * (1 + lv.AT_MAX_TOLERANCE)
    return float(hits[0])


@pytest.mark.parametrize("block", [1, 3, 4])
def test_a_block_exactly_at_the_flat_top_rise_edge_keeps_the_top(block: int) -> None:
    """The running top of the flat tops rises only past top * (1 + AT_MAX_TOLERANCE): a later
    block whose highest sample is exactly there keeps the top and the flat top counted under it
    (a lone sample: no new pair); one a float32 step above it starts the count again."""
    top = _top_whose_rise_edge_is_a_float32()
    edge = top * (1 + lv.AT_MAX_TOLERANCE)
    above = float(np.nextafter(np.float32(edge), np.float32(1)))
    for level, flat in ((edge, 2), (above, 0)):
        data = np.array([0, top, top, 0, 0, level, 0, 0], np.float32)[:, None]
        meter = lv.LevelsMeter(SR, 1)
        meter.update(data[:4])
        for start in range(4, len(data), block):
            meter.update(data[start : start + block])
        assert meter.result().flat_top_samples == flat
