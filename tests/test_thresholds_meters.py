"""The segmenters', stereo, true-peak and band meters' arithmetic pinned on signals whose results
are known exactly (the levels and loudness meters: test_thresholds_meters_levels.py and
test_thresholds_meters_loudness.py).

Each meter is fed short signals built from exact binary fractions (0.5, 0.25, ...), so a sum, a
mean or a segment boundary has one right value, computed here from the signal rather than copied
from the output. Edges are built to land on the code's comparisons (a channel exactly silent, a
difference of exactly zero, a block ending on a segment boundary), so a ``<`` turned into ``<=``
fails as well as a number moved. Constants are read from the modules.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import firwin

from mixreview.analysis.meters import bands as bd
from mixreview.analysis.meters import segments as sg
from mixreview.analysis.meters import stereo as st
from mixreview.analysis.meters import truepeak as tp
from tests.conftest import SR


def _feed(meter, data: np.ndarray, block: int):  # type: ignore[no-untyped-def]
    """``data`` through ``meter`` in blocks of ``block`` frames; its result."""
    for start in range(0, len(data), block):
        meter.update(data[start : start + block])
    return meter.result()


def _constant(frames: int, *levels: float) -> np.ndarray:
    """(frames, channels) float32 of constant levels, one per channel."""
    return np.tile(np.array(levels, np.float32), (frames, 1))


# --- segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "seconds", "frames"),
    [(48000, 0.1, 4800), (44100, 0.1, 4410), (22050, 0.1, 2205), (48000, 0.01, 480),
     (5, 0.1, 1), (15, 0.1, 2), (25, 0.1, 2), (35, 0.1, 4)],
)  # fmt: skip
def test_segment_frames_rounds_the_rate_times_the_length(
    rate: int, seconds: float, frames: int
) -> None:
    """Frames per segment: the nearest whole number, at least one."""
    assert sg.segment_frames(rate, seconds) == frames


def test_segment_frames_default_is_100_ms() -> None:
    assert sg.segment_frames(SR) == SR // 10
    assert sg.segment_frames(10) == 1


@pytest.mark.parametrize("block", [1, 3, 7, 10, 23, 100])
def test_segmenter_cuts_whole_segments_at_any_block_size(block: int) -> None:
    """The segments handed out, in order, are the stream cut every ``seg`` frames; the rest is
    what flush returns, and the segmenter starts afresh after it."""
    seg, channels = 10, 2
    data = np.arange(2 * 97, dtype=np.float32).reshape(97, 2)
    cutter = sg.Segmenter(seg, channels)
    parts = []
    for start in range(0, len(data), block):
        out = cutter.push(data[start : start + block])
        assert out.ndim == 3 and out.shape[1:] == (seg, channels)
        parts.append(out)
    got = np.concatenate(parts)
    np.testing.assert_array_equal(got, data[:90].reshape(9, seg, channels))
    rest = cutter.flush()
    np.testing.assert_array_equal(rest, data[90:])
    assert rest.dtype == np.float32
    empty = cutter.flush()
    assert empty.shape == (0, channels) and empty.dtype == np.float32
    again = cutter.push(data[:seg])
    np.testing.assert_array_equal(again, data[None, :seg])


def test_segmenter_keeps_no_reference_to_the_block() -> None:
    cutter = sg.Segmenter(4, 1)
    block = np.ones((6, 1), np.float32)
    cutter.push(block)
    block[:] = 7.0
    np.testing.assert_array_equal(cutter.flush(), np.ones((2, 1), np.float32))


@pytest.mark.parametrize("block", [1, 3, 7, 10, 23, 100])
def test_row_segmenter_cuts_whole_segments_at_any_block_size(block: int) -> None:
    seg, rows = 10, 3
    data = np.arange(rows * 97, dtype=np.float32).reshape(rows, 97)
    cutter = sg.RowSegmenter(seg, rows)
    parts = []
    for start in range(0, data.shape[1], block):
        out = cutter.push(data[:, start : start + block])
        assert out.ndim == 3 and out.shape[0] == rows and out.shape[2] == seg
        parts.append(out)
    got = np.concatenate(parts, axis=1)
    np.testing.assert_array_equal(got, data[:, :90].reshape(rows, 9, seg))
    rest = cutter.flush()
    np.testing.assert_array_equal(rest, data[:, None, 90:])
    assert rest.dtype == np.float32
    empty = cutter.flush()
    assert empty.shape == (rows, 0, 0) and empty.dtype == np.float32
    again = cutter.push(data[:, :seg])
    np.testing.assert_array_equal(again, data[:, None, :seg])


def test_segmenters_keep_their_rest_as_float32() -> None:
    """Whatever the input's type, the carried partial segment is float32, also before any
    input."""
    assert sg.Segmenter(4, 2).flush().dtype == np.float32
    cutter = sg.Segmenter(4, 2)
    cutter.push(np.ones((6, 2), np.float64))
    assert cutter.flush().dtype == np.float32
    rows = sg.RowSegmenter(4, 2)
    rows.push(np.ones((2, 6), np.float64))
    rest = rows.flush()
    assert rest.shape == (2, 1, 2) and rest.dtype == np.float32


def test_row_segmenter_flush_without_a_partial_segment() -> None:
    cutter = sg.RowSegmenter(5, 2)
    out = cutter.push(np.ones((2, 10), np.float64))
    assert out.shape == (2, 2, 5)
    rest = cutter.flush()
    assert rest.shape == (2, 0, 0) and rest.dtype == np.float32


# --- stereo -----------------------------------------------------------------------------------


def _stereo_result(ll: float, rr: float, lr: float, diff: float = 0.5) -> st.StereoResult:
    empty = np.zeros(0)
    return st.StereoResult(ll, rr, lr, diff, empty, empty, empty)


def test_stereo_sums_per_segment_and_the_partial_last_one() -> None:
    """LL, RR and LR summed over each 100 ms segment, the final partial one included."""
    seg = sg.segment_frames(SR)
    extra = 100
    data = _constant(2 * seg + extra, 0.5, 0.25)
    data[seg : 2 * seg] *= -1  # the second segment: both channels inverted, same products
    data[2 * seg :, 1] = -0.25  # the partial one: opposite signs
    for block in (seg, 1000, 10**9):
        r = _feed(st.StereoMeter(SR), data, block)
        np.testing.assert_array_equal(r.ll_series, [seg * 0.25, seg * 0.25, extra * 0.25])
        np.testing.assert_array_equal(r.rr_series, [seg / 16, seg / 16, extra / 16])
        np.testing.assert_array_equal(r.lr_series, [seg / 8, seg / 8, -extra / 8])
        assert r.ll == (2 * seg + extra) * 0.25
        assert r.rr == (2 * seg + extra) / 16
        assert r.lr == (2 * seg - extra) / 8
        assert r.max_abs_difference == 0.75  # 0.5 - (-0.25) in the partial segment
        assert r.ll_series.dtype == np.float64


def test_stereo_whole_segments_only() -> None:
    seg = sg.segment_frames(SR)
    r = _feed(st.StereoMeter(SR), _constant(seg, 0.5, 0.5), seg)
    np.testing.assert_array_equal(r.ll_series, [seg * 0.25])
    assert r.identical_channels and r.max_abs_difference == 0.0


def test_stereo_of_nothing() -> None:
    meter = st.StereoMeter(SR)
    meter.update(np.zeros((0, 2), np.float32))
    r = meter.result()
    assert (r.ll, r.rr, r.lr, r.max_abs_difference) == (0.0, 0.0, 0.0, 0.0)
    assert r.ll_series.shape == r.rr_series.shape == r.lr_series.shape == (0,)
    assert r.correlation is None and r.balance is None and r.side_to_mid_db is None
    assert not r.identical_channels


def test_stereo_reads_non_finite_samples_as_silence() -> None:
    data = _constant(1000, 0.5, 0.5)
    data[10, 0] = np.nan
    data[20, 1] = np.inf
    data[30, 0] = -np.inf
    r = _feed(st.StereoMeter(SR), data, 1000)
    assert r.ll == 998 * 0.25 and r.rr == 999 * 0.25 and r.lr == 997 * 0.25
    assert r.max_abs_difference == 0.5


def test_stereo_largest_difference_over_blocks() -> None:
    """The largest |L - R| of any block is kept, whichever block it is in."""
    data = _constant(3000, 0.5, 0.5)
    data[500, 1] = 0.25
    data[2500, 1] = 0.375
    for block in (1000, 10**9):
        assert _feed(st.StereoMeter(SR), data, block).max_abs_difference == 0.25


@pytest.mark.parametrize("channels", [1, 3])
def test_stereo_meter_needs_two_channels(channels: int) -> None:
    with pytest.raises(ValueError, match=r"^StereoMeter needs two channels$"):
        st.StereoMeter(SR, channels)


def test_stereo_correlation_from_the_sums() -> None:
    assert _stereo_result(4.0, 1.0, 1.0).correlation == 0.5
    assert _stereo_result(4.0, 1.0, -2.0).correlation == -1.0
    assert _stereo_result(4.0, 0.0, 0.0).correlation is None
    assert _stereo_result(0.0, 4.0, 0.0).correlation is None


def test_stereo_side_to_mid_from_the_sums() -> None:
    """M = (L+R)/2 and S = (L-R)/2: L = 1, R = 0.5 gives S/M = 1/9."""
    r = _stereo_result(1.0, 0.25, 0.5)
    assert r.side_to_mid_db == pytest.approx(10 * np.log10(1 / 9), abs=1e-12)
    wide = _stereo_result(1.0, 0.25, -0.5)  # L = 1, R = -0.5: S/M = 9
    assert wide.side_to_mid_db == pytest.approx(10 * np.log10(9), abs=1e-12)
    assert _stereo_result(1.0, 1.0, 1.0).side_to_mid_db == st.SIDE_TO_MID_FLOOR_DB
    assert _stereo_result(1.0, 1.0, -1.0).side_to_mid_db == -st.SIDE_TO_MID_FLOOR_DB
    assert _stereo_result(0.0, 0.0, 0.0).side_to_mid_db is None
    # rounding leaves the side a little under zero: the floor, not a log of a negative number
    assert _stereo_result(1.0, 1.0, 1.0 + 1e-9).side_to_mid_db == st.SIDE_TO_MID_FLOOR_DB
    # a side 130 dB under the mid reads at the floor, one 110 dB under reads as itself
    assert _stereo_result(1.0, 1.0, 1.0 - 2e-13).side_to_mid_db == st.SIDE_TO_MID_FLOOR_DB
    near = _stereo_result(1.0, 1.0, 1.0 - 2e-11)
    assert near.side_to_mid_db == pytest.approx(-110.0, abs=0.01)


def test_stereo_balance_from_the_sums() -> None:
    assert _stereo_result(1.0, 3.0, 0.0).balance == 0.5
    assert _stereo_result(3.0, 1.0, 0.0).balance == -0.5
    assert _stereo_result(0.0, 2.0, 0.0).balance == 1.0
    assert _stereo_result(0.0, 0.0, 0.0).balance is None


def test_identical_channels_needs_no_difference_and_some_signal() -> None:
    assert st.IDENTICAL_DIFFERENCE_MAX == 0.0
    assert _stereo_result(1.0, 1.0, 1.0, diff=0.0).identical_channels
    assert not _stereo_result(1.0, 1.0, 1.0, diff=float(np.nextafter(0.0, 1.0))).identical_channels
    assert not _stereo_result(0.0, 0.0, 0.0, diff=0.0).identical_channels


def test_correlation_of_each_element() -> None:
    ll = np.array([4.0, 4.0, 0.25, 0.0, 4.0, 0.0])
    rr = np.array([1.0, 1.0, 1.0, 4.0, 0.0, 0.0])
    lr = np.array([1.0, -2.0, 0.25, 0.0, 0.0, 0.0])
    got = st.correlation_of(ll, rr, lr)
    np.testing.assert_array_equal(got, [0.5, -1.0, 0.5, np.nan, np.nan, np.nan])


# --- true peak --------------------------------------------------------------------------------


def _prototype(factor: int) -> np.ndarray:
    """The interpolation filter BS.1770 Annex 2 describes: a Kaiser (beta 8) windowed sinc of 32
    taps per phase cut at the input's Nyquist, scaled to unity gain per phase."""
    half = 16
    return firwin(2 * factor * half + 1, 1.0 / factor, window=("kaiser", 8.0)) * factor


def _impulse_series(frames: int, pos: int, amp: float, rate: int) -> np.ndarray:
    """The expected 100 ms true-peak series of one impulse: each interpolated value belongs to
    the input sample it follows, none before the start or after the end."""
    factor = tp.oversampling_factor(rate)
    seg = rate // 10
    peaks = np.zeros(-(-frames // seg))
    peaks[pos // seg] = amp
    if factor > 1:
        proto = _prototype(factor)
        centre = len(proto) // 2
        for k in range(-16 * factor + 1, 16 * factor):
            if k % factor == 0:
                continue
            sample = pos + k // factor
            if 0 <= sample < frames:
                value = abs(amp * proto[centre + k])
                peaks[sample // seg] = max(peaks[sample // seg], value)
    with np.errstate(divide="ignore"):
        return np.maximum(20 * np.log10(peaks), tp.SILENCE_DBTP)


@pytest.mark.parametrize("rate", [48000, 96000, 192000])
@pytest.mark.parametrize("where", ["first", "last_of_0", "first_of_1", "last"])
def test_true_peak_series_of_an_impulse(rate: int, where: str) -> None:
    """An impulse read at every sample position that meets a segment edge or the signal's ends,
    at 4x, 2x and no oversampling, against the filter built here from its description."""
    seg = rate // 10
    frames = 2 * seg + seg // 2
    pos = {"first": 0, "last_of_0": seg - 1, "first_of_1": seg, "last": frames - 1}[where]
    amp = 0.5
    data = np.zeros((frames, 1), np.float32)
    data[pos] = amp
    want = _impulse_series(frames, pos, amp, rate)
    for block in (frames, 1000, 5):
        r = _feed(tp.TruePeakMeter(rate, 1), data, block)
        np.testing.assert_allclose(r.peak_series_dbtp, want, atol=1e-4)
        assert r.true_peak_dbtp == 20 * np.log10(amp)
        assert r.per_channel_dbtp == (r.true_peak_dbtp,)
        assert r.oversampling == tp.oversampling_factor(rate)


@pytest.mark.parametrize("block", [4096, 2 * SR // 10 + 16])
@pytest.mark.parametrize("frames_in_last", [1, 4800, 4801, 4816, 4817])
def test_true_peak_series_ends_with_the_partial_segment(block: int, frames_in_last: int) -> None:
    """The series has one value per started segment; a signal ending on a segment's end has no
    empty one after it. Blocks of two segments and 16 frames end the interpolated values (which
    lag the input by 16 samples) exactly on a segment's end."""
    seg = SR // 10
    frames = seg + frames_in_last
    data = np.zeros((frames, 2), np.float32)
    data[frames // 2, 1] = 0.25
    r = _feed(tp.TruePeakMeter(SR, 2), data, block)
    assert len(r.peak_series_dbtp) == -(-frames // seg)
    assert r.per_channel_dbtp == (float("-inf"), 20 * np.log10(0.25))
    np.testing.assert_allclose(r.peak_series_dbtp, _impulse_series(frames, frames // 2, 0.25, SR),
                               atol=1e-4)  # fmt: skip


def test_true_peak_series_floors_faint_segments_at_silence() -> None:
    """A segment peaking at 1e-11 (-220 dB) reads as the silence floor, -200."""
    rate = 192000  # no oversampling: the segment peaks are the samples
    seg = rate // 10
    data = np.zeros((2 * seg, 1), np.float32)
    data[10] = 1e-11
    data[seg + 10] = 1e-9  # -180 dB
    r = _feed(tp.TruePeakMeter(rate, 1), data, 10**9)
    assert r.peak_series_dbtp[0] == tp.SILENCE_DBTP
    assert r.peak_series_dbtp[1] == pytest.approx(20 * np.log10(np.float32(1e-9)), abs=1e-6)
    assert not r.peak_series_dbtp.flags.writeable


@pytest.mark.parametrize(
    ("rate", "factor"),
    [(95999, 4), (96000, 2), (191999, 2), (192000, 1), (8000, 4), (384000, 1)],
)
def test_oversampling_factor_at_the_rate_edges(rate: int, factor: int) -> None:
    assert tp.oversampling_factor(rate) == factor


def test_true_peak_needs_a_channel() -> None:
    with pytest.raises(ValueError, match=r"^channels must be >= 1, got 0$"):
        tp.TruePeakMeter(SR, 0)
    assert tp.TruePeakMeter(SR, 1).channels == 1


# --- bands ------------------------------------------------------------------------------------


def test_band_centres_and_their_nominal_names() -> None:
    """Base-two third octaves from 25 Hz to 20 kHz, 1 kHz the 17th; the nominal names read as
    numbers."""
    assert len(bd.BAND_CENTERS_HZ) == len(bd.NOMINAL_CENTERS_HZ) == 30
    assert bd.BAND_CENTERS_HZ[16] == 1000.0
    np.testing.assert_allclose(np.diff(np.log2(bd.BAND_CENTERS_HZ)), 1 / 3, rtol=1e-12)
    assert bd.NOMINAL_HZ[0] == 25.0 and bd.NOMINAL_HZ[1] == 31.5 and bd.NOMINAL_HZ[-1] == 20000.0
    assert bd.NOMINAL_HZ[17] == 1250.0 and bd.NOMINAL_HZ[16] == 1000.0
    np.testing.assert_allclose(bd.NOMINAL_HZ, bd.BAND_CENTERS_HZ, rtol=0.03)


def test_band_edges_meet_a_sixth_octave_from_each_centre() -> None:
    edges = bd.band_edges_hz()
    centres = np.array(bd.BAND_CENTERS_HZ)
    assert edges.shape == (30, 2)
    np.testing.assert_allclose(edges[:, 0] * 2 ** (1 / 6), centres, rtol=1e-12)
    np.testing.assert_allclose(edges[:, 1] / 2 ** (1 / 6), centres, rtol=1e-12)
    np.testing.assert_allclose(edges[1:, 0], edges[:-1, 1], rtol=1e-12)


@pytest.mark.parametrize(
    ("low", "high", "first", "last"),
    [(40.0, 8000.0, 2, 25), (39.99, 8000.01, 2, 25), (40.01, 7999.99, 3, 24), (50.0, 50.0, 3, 3)],
)
def test_bands_between_holds_both_ends(low: float, high: float, first: int, last: int) -> None:
    assert list(bd.bands_between(low, high)) == list(range(first, last + 1))


def test_bands_from_holds_the_low_end_only() -> None:
    """Ranges that meet at a centre share it out: the band goes to the range above."""
    assert list(np.flatnonzero(bd.bands_from(40.0, 50.0))) == [2]
    assert list(np.flatnonzero(bd.bands_from(50.0, 80.0))) == [3, 4]
    assert list(np.flatnonzero(bd.bands_from(40.01, 50.01))) == [3]
    assert bd.bands_from(40.0, 50.0).dtype == bool


@pytest.mark.parametrize(
    ("rate", "size"),
    [(48000, 8192), (44100, 8192), (96000, 16384), (8000, 2048), (24094, 4096), (24095, 8192)],
)
def test_fft_size_covers_170_ms(rate: int, size: int) -> None:
    assert bd.fft_size_for(rate) == size


@pytest.mark.parametrize(("rate", "n_fft"), [(48000, 8192), (44100, 8192), (48000, 4096)])
def test_band_matrix_shares_each_bin_by_overlap(rate: int, n_fft: int) -> None:
    """Each bin stands for one bin's width of spectrum: a band collects exactly its width, a bin
    inside the bands' span is shared out whole, one outside them counts nowhere."""
    matrix = bd.band_matrix(rate, n_fft)
    spacing = rate / n_fft
    edges = bd.band_edges_hz()
    assert matrix.shape == (n_fft // 2 + 1, 30) and matrix.dtype == np.float32
    below_nyquist = edges[:, 1] < rate / 2
    np.testing.assert_allclose(
        matrix.sum(axis=0)[below_nyquist] * spacing,
        np.diff(edges[below_nyquist]).ravel(),
        rtol=1e-5,
    )
    freqs = np.arange(n_fft // 2 + 1) * spacing
    inside = (freqs - spacing / 2 >= edges[0, 0]) & (freqs + spacing / 2 <= edges[-1, 1])
    outside = (freqs + spacing / 2 <= edges[0, 0]) | (freqs - spacing / 2 >= edges[-1, 1])
    np.testing.assert_allclose(matrix.sum(axis=1)[inside], 1.0, rtol=1e-6)
    assert not matrix[outside].any()
    assert matrix.min() >= 0.0


def _hann(n_fft: int, offset: int) -> float:
    """The periodic Hann window ``offset`` samples from its centre (0 outside it)."""
    if not -n_fft // 2 <= offset < n_fft // 2:
        return 0.0
    return 0.5 * (1 - np.cos(2 * np.pi * (n_fft / 2 + offset) / n_fft))


def _impulse_band_power(amp: float, band: int, weight: float, rate: int, n_fft: int) -> float:
    """A band's mean square for an impulse seen through a window value ``weight``: its flat
    spectrum over the band's width, scaled so a sine of amplitude A reads A²/2."""
    edges = bd.band_edges_hz()[band]
    width = edges[1] - edges[0]
    return 16 * (amp * weight) ** 2 * width / (3 * rate * n_fft)


@pytest.mark.parametrize("block", [10**9, 1000, 37])
@pytest.mark.parametrize("offset", [0, 1000, -1500, 2399])
def test_band_frames_centre_on_each_segment(block: int, offset: int) -> None:
    """Frame i is a Hann window centred on the middle of segment i: an impulse ``offset`` samples
    from the middle of segment 5 reads in every frame at the window's value there."""
    hop, n_fft = sg.segment_frames(SR), bd.fft_size_for(SR)
    data = np.zeros((8 * hop, 2), np.float32)
    pos = 5 * hop + hop // 2 + offset
    data[pos] = [0.5, 0.25]  # mid 0.375, side 0.125
    r = _feed(bd.BandsMeter(SR, 2), data, block)
    assert r.mid_power.shape == r.side_power.shape == (8, 30)
    assert r.mid_power.dtype == r.side_power.dtype == np.float32
    k = 16
    for frame in range(8):
        weight = _hann(n_fft, pos - (frame * hop + hop // 2))
        want_mid = _impulse_band_power(0.375, k, weight, SR, n_fft)
        want_side = _impulse_band_power(0.125, k, weight, SR, n_fft)
        assert r.mid_power[frame, k] == pytest.approx(want_mid, rel=1e-3, abs=1e-15)
        assert r.side_power[frame, k] == pytest.approx(want_side, rel=1e-3, abs=1e-15)


@pytest.mark.parametrize("extra", [0, 1, 2400, 4799])
def test_band_frames_cover_the_end(extra: int) -> None:
    """One frame per started segment; the last is padded with silence after the end."""
    hop, n_fft = sg.segment_frames(SR), bd.fft_size_for(SR)
    frames = 2 * hop + extra
    data = np.zeros((frames, 1), np.float32)
    data[-1] = 0.5
    r = _feed(bd.BandsMeter(SR, 1), data, 1000)
    count = -(-frames // hop)
    assert r.mid_power.shape == (count, 30)
    assert r.mid_power.dtype == r.side_power.dtype == np.float32
    assert not r.side_power.any()
    last = count - 1
    offset = frames - 1 - (last * hop + hop // 2)
    want = _impulse_band_power(0.5, 16, _hann(n_fft, offset), SR, n_fft)
    assert r.mid_power[last, 16] == pytest.approx(want, rel=1e-3)


def test_bands_of_nothing() -> None:
    meter = bd.BandsMeter(SR, 2)
    meter.update(np.zeros((0, 2), np.float32))
    r = meter.result()
    assert r.mid_power.shape == r.side_power.shape == (0, 30)
    assert r.mid_power.dtype == np.float32
    for mean in (r.mid_mean_power, r.side_mean_power):
        assert mean.shape == (30,) and not mean.any() and mean.dtype == np.float32


def test_bands_mean_power_and_side_of_opposite_channels() -> None:
    """L = -R puts everything in the side; the mean over frames of a steady sine is A²/2."""
    x = np.sin(2 * np.pi * 1000 * np.arange(SR) / SR).astype(np.float32) * np.float32(0.5)
    data = np.stack([x, -x], axis=1)
    data[100, 0] = np.nan  # read as silence
    r = _feed(bd.BandsMeter(SR, 2), data, 4096)
    assert r.side_power[3:7, 16] == pytest.approx(0.125, rel=0.02)
    assert r.mid_mean_power.max() < 1e-6
    assert r.side_mean_power[16] == pytest.approx(r.side_power[:, 16].mean(), rel=1e-6)
    assert r.mid_mean_power.shape == (30,)


@pytest.mark.parametrize("frames", [1, 5, 17, 20, 40])
def test_true_peak_of_signals_shorter_than_the_filter(frames: int) -> None:
    """Signals shorter than the 32-tap filter: every interpolated value within the signal counts,
    none before its start."""
    pos = frames // 3
    data = np.zeros((frames, 1), np.float32)
    data[pos] = 0.5
    r = _feed(tp.TruePeakMeter(SR, 1), data, 10**9)
    np.testing.assert_allclose(r.peak_series_dbtp, _impulse_series(frames, pos, 0.5, SR), atol=1e-4)
    assert r.true_peak_dbtp == 20 * np.log10(0.5)


@pytest.mark.parametrize("first", [5, 20, 9000])
def test_true_peak_result_mid_stream_does_not_move_the_grid(first: int) -> None:
    """Reading the result after a few samples, then going on, gives the series of the whole: the
    interpolated values before the start stay skipped and the 100 ms grid stays in place."""
    seg = SR // 10
    frames = 3 * seg
    data = np.zeros((frames, 1), np.float32)
    data[seg - 1] = 0.5
    data[2 * seg] = 0.25
    meter = tp.TruePeakMeter(SR, 1)
    meter.update(data[:first])
    meter.result()
    meter.update(data[first:])
    want = np.maximum(_impulse_series(frames, seg - 1, 0.5, SR),
                      _impulse_series(frames, 2 * seg, 0.25, SR))  # fmt: skip
    np.testing.assert_allclose(meter.result().peak_series_dbtp, want, atol=1e-4)


@pytest.mark.parametrize("channels", [1, 2])
def test_bands_read_non_finite_samples_as_silence(channels: int) -> None:
    data = np.zeros((SR // 2, channels), np.float32)
    data[100, 0] = np.nan
    data[5000, -1] = np.inf
    data[9000, 0] = -np.inf
    r = _feed(bd.BandsMeter(SR, channels), data, 4096)
    assert r.mid_power.shape == (5, 30)
    assert not r.mid_power.any() and not r.side_power.any()


def test_bands_count_the_nyquist_bin_once() -> None:
    """At 44.1 kHz the top band reaches past Nyquist: a tone at Nyquist, whose power sits in the
    last bin (not mirrored) and its neighbour (mirrored), reads its whole mean square there."""
    rate = 44100
    x = np.where(np.arange(rate // 2) % 2, np.float32(-0.5), np.float32(0.5))
    r = _feed(bd.BandsMeter(rate, 1), x[:, None], 4096)
    assert r.mid_power[2:-2, -1] == pytest.approx(0.25, rel=1e-4)
    assert r.mid_power[2:-2, :-1].max() < 1e-6
