"""Levels, stereo and band meters and the streaming resampler against known signals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.checks import (
    FLAT_TOP_SAMPLES_MAX,
    TOP_PEAK_EXACT_SHARE_MIN,
    TOP_PEAK_SHAPES_MAX,
    limited_check,
)
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, BandsMeter
from mixreview.analysis.meters.levels import (
    TOP_PEAK_EXACT_TOLERANCE,
    TOP_PEAK_TOLERANCE,
    LevelsMeter,
    LevelsResult,
    shape_offsets,
)
from mixreview.analysis.meters.stereo import StereoMeter
from mixreview.analysis.resample import StreamResampler
from tests.conftest import SR, stereo, tone
from tests.limiter_support import drums_and_bass, identical_hits, lookahead_limit

BLOCK_SIZES = (37, 1000, 4096, 10**9)


def feed(meter, data: np.ndarray, block: int):  # type: ignore[no-untyped-def]
    for start in range(0, len(data), block):
        meter.update(data[start : start + block])
    return meter.result()


def test_peak_rms_crest_of_a_sine() -> None:
    data = stereo(tone(997, 2.0, amp=0.5))
    result = feed(LevelsMeter(SR, 2), data, 4096)
    assert result.sample_peak_dbfs == pytest.approx(-6.02, abs=0.01)
    assert result.rms_dbfs == pytest.approx(-9.03, abs=0.01)
    assert result.crest_db == pytest.approx(3.01, abs=0.02)
    assert len(result.peak_series) == 20
    assert abs(result.dc_offset) < 1e-4


def test_clipping_runs_are_counted_across_blocks() -> None:
    data = stereo(tone(100, 1.0, amp=0.5))
    data[4090:4100, 0] = 1.0  # one run of 10 straddling the 4096 boundary
    data[20000:20003, 1] = -1.0  # one run of 3
    data[30000, 0] = 1.0  # a single sample
    results = [feed(LevelsMeter(SR, 2), data, b) for b in BLOCK_SIZES]
    for r in results:
        assert (r.clipped_samples, r.clipped_runs, r.longest_clip_run) == (14, 3, 10)
        assert r.clip_series.sum() == 14 and r.clip_series[0] == 10


def test_flat_tops_of_a_limited_signal() -> None:
    rng = np.random.default_rng(3)
    noise = rng.standard_normal((SR, 2)).astype(np.float32) * 0.5
    limited = np.clip(noise, -0.7, 0.7)
    counts = {feed(LevelsMeter(SR, 2), limited, b).flat_top_samples for b in BLOCK_SIZES}
    assert len(counts) == 1 and counts.pop() > 1000
    natural = feed(LevelsMeter(SR, 2), noise * 0.5, 4096)
    assert natural.flat_top_samples == 0


PROGRAM_S = 240.0
LIMITER_DRIVE_DB = 6.0  # the material's peaks go this far over the ceiling
CEILING = np.float32(0.7)


@pytest.fixture(scope="module")
def program() -> np.ndarray:
    """Four minutes of drums and bass, mono at 48 kHz, peaking at exactly 1."""
    x = drums_and_bass(PROGRAM_S)
    return x / np.abs(x).max()


def levels_of(x: np.ndarray, block: int = 65536) -> LevelsResult:
    data = np.asarray(x, np.float32)
    data = data[:, None] if data.ndim == 1 else data
    return feed(LevelsMeter(SR, data.shape[1]), data, block)


def as_24_bit(x: np.ndarray) -> np.ndarray:
    return (np.round(x.astype(np.float64) * 2**23) / 2**23).astype(np.float32)


def pulses(heights: list[float], seed: int = 0, same_shape: bool = False) -> np.ndarray:
    """One isolated peak per height, each inside its own random neighbourhood (under half the
    peak), with silence between: separate peaks whose shapes differ unless ``same_shape``."""
    rng = np.random.default_rng(seed)
    reach = int(shape_offsets(SR)[-1])
    around = rng.uniform(-0.5, 0.5, 2 * reach + 1) * CEILING
    out = np.zeros(len(heights) * 4 * reach, np.float32)
    for i, height in enumerate(heights):
        if not same_shape:
            around = rng.uniform(-0.5, 0.5, 2 * reach + 1) * CEILING
        centre = (4 * i + 2) * reach
        out[centre - reach : centre + reach + 1] = around
        out[centre] = height
    return out


@pytest.mark.parametrize("ceiling_dbfs", [-3.0, -1.0, -0.3, -0.1])
def test_lookahead_limiter_is_found_at_any_ceiling(
    program: np.ndarray, ceiling_dbfs: float
) -> None:
    limited = lookahead_limit(
        program * 10 ** ((ceiling_dbfs + LIMITER_DRIVE_DB) / 20), ceiling_dbfs
    )
    for delivered in (limited, as_24_bit(limited)):
        result = levels_of(delivered)
        assert result.sample_peak_dbfs == pytest.approx(ceiling_dbfs, abs=1e-4)
        assert result.flat_top_samples <= FLAT_TOP_SAMPLES_MAX  # flat tops alone miss it
        assert result.top_peak_shapes > 5 * TOP_PEAK_SHAPES_MAX
        assert result.top_peaks_exact >= 0.99 * result.top_peaks
        check = limited_check("Drums.wav", result)
        assert check is not None and check.value == result.top_peak_shapes
        assert f"{ceiling_dbfs:.2f} dBFS" in check.message


def test_unlimited_program_is_not_limited(program: np.ndarray) -> None:
    result = levels_of(program * 0.89)
    assert result.top_peak_shapes <= 2
    assert limited_check("Drums.wav", result) is None


def test_identical_drum_hits_are_not_limited() -> None:
    result = levels_of(identical_hits(300))
    assert result.top_peaks == 300 and result.top_peaks_exact == 300
    assert result.top_peak_shapes == 1  # every hit's neighbourhood repeats sample for sample
    assert result.flat_top_samples == 0
    assert limited_check("Drums.wav", result) is None


def test_steady_tone_gliding_in_pitch_is_not_limited() -> None:
    """A constant-amplitude sine touches its peak (to within 1e-5) every few cycles, with a shape
    that changes with its pitch; but those tops spread down from the peak (their count grows with
    the square root of the tolerance) instead of piling up at one exact value like a ceiling."""
    seconds = PROGRAM_S
    pitch_hz = 110.0 * 2.0 ** (2.0 * np.arange(round(seconds * SR)) / (seconds * SR))
    glide = 0.5 * np.sin(2 * np.pi * np.mod(np.cumsum(pitch_hz / SR), 1.0))
    result = levels_of(glide)
    assert result.top_peak_shapes > TOP_PEAK_SHAPES_MAX
    share = result.top_peaks_exact / result.top_peaks
    assert share == pytest.approx(math.sqrt(TOP_PEAK_EXACT_TOLERANCE / TOP_PEAK_TOLERANCE), abs=0.1)
    assert share < TOP_PEAK_EXACT_SHARE_MIN
    assert limited_check("Synth.wav", result) is None


def test_limited_threshold_on_distinct_peaks() -> None:
    at_max = [float(CEILING)] * TOP_PEAK_SHAPES_MAX
    under = levels_of(pulses(at_max))
    assert (under.top_peaks, under.top_peak_shapes) == (TOP_PEAK_SHAPES_MAX,) * 2
    assert limited_check("Keys.wav", under) is None
    over = levels_of(pulses([*at_max, float(CEILING)]))
    assert over.top_peak_shapes == TOP_PEAK_SHAPES_MAX + 1
    check = limited_check("Keys.wav", over)
    assert check is not None and check.threshold == TOP_PEAK_SHAPES_MAX
    same = levels_of(pulses([float(CEILING)] * 5 * TOP_PEAK_SHAPES_MAX, same_shape=True))
    assert same.top_peak_shapes == 1 and limited_check("Keys.wav", same) is None


def test_limited_threshold_on_the_share_exactly_at_the_top() -> None:
    exact = 2 * TOP_PEAK_SHAPES_MAX
    just_under = float(np.float32(CEILING * (1 - 5 * TOP_PEAK_EXACT_TOLERANCE)))
    allowed = math.floor(exact * (1 / TOP_PEAK_EXACT_SHARE_MIN - 1) + 1e-9)
    for spread, flagged in ((allowed, True), (allowed + 1, False)):
        result = levels_of(pulses([float(CEILING)] * exact + [just_under] * spread))
        assert (result.top_peaks, result.top_peaks_exact) == (exact + spread, exact)
        assert (limited_check("Keys.wav", result) is not None) == flagged


def test_peaks_at_the_top_do_not_depend_on_block_size(program: np.ndarray) -> None:
    left = lookahead_limit(program[: 5 * SR] * 2.0, -1.0)
    right = lookahead_limit(program[7 * SR : 12 * SR] * 2.0, -1.0)
    data = stereo(left, right)
    data[1] = data[-2] = data.max()  # peaks at the very edges, judged against silence beyond
    results = {
        (r.top_peaks, r.top_peaks_exact, r.top_peak_shapes, r.flat_top_samples)
        for r in (levels_of(data, b) for b in BLOCK_SIZES)
    }
    assert len(results) == 1
    edges = pulses([float(CEILING)] * 4)
    edges = np.concatenate([[0.0, CEILING], edges, [CEILING, 0.0, 0.0]]).astype(np.float32)
    counts = {
        (r.top_peaks, r.top_peak_shapes)
        for r in (levels_of(edges, b) for b in (1, 7, *BLOCK_SIZES))
    }
    assert counts == {(6, 6)}


def test_dc_and_nan() -> None:
    data = stereo(tone(200, 1.0, amp=0.3)) + np.float32(0.02)
    data[100:105] = np.nan
    result = feed(LevelsMeter(SR, 2), data, 999)
    assert result.dc_offset == pytest.approx(0.02, abs=1e-3)
    assert result.nan_samples == 10


def test_stereo_correlation_width_balance() -> None:
    left = tone(440, 1.0, amp=0.5)
    same = feed(StereoMeter(SR), stereo(left), 4096)
    assert same.identical_channels and same.correlation == pytest.approx(1.0)
    assert same.side_to_mid_db == -120.0
    inverted = feed(StereoMeter(SR), stereo(left, -left), 1000)
    assert inverted.correlation == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, SR)).astype(np.float32)
    wide = feed(StereoMeter(SR), stereo(a, b), 37)
    assert abs(wide.correlation) < 0.02
    assert wide.side_to_mid_db == pytest.approx(0.0, abs=0.1)
    right_only = feed(StereoMeter(SR), stereo(0 * a, b), 4096)
    assert right_only.balance == pytest.approx(1.0)


def test_bands_put_a_sine_in_its_band_at_its_level() -> None:
    data = stereo(tone(1000, 2.0, amp=0.5))
    data[:, 1] += tone(100, 2.0, amp=0.2)  # 100 Hz in the right channel only: mid and side
    results = [feed(BandsMeter(SR, 2), data, b) for b in BLOCK_SIZES]
    for r in results[1:]:
        np.testing.assert_allclose(r.mid_power, results[0].mid_power, rtol=1e-4, atol=1e-12)
    mid = results[0].mid_power[10]
    side = results[0].side_power[10]
    k1000 = int(np.argmin(np.abs(np.array(BAND_CENTERS_HZ) - 1000)))
    k100 = int(np.argmin(np.abs(np.array(BAND_CENTERS_HZ) - 100)))
    assert 10 * np.log10(mid[k1000]) == pytest.approx(10 * np.log10(0.125), abs=0.1)
    assert 10 * np.log10(mid[k100]) == pytest.approx(10 * np.log10(0.1**2 / 2), abs=0.2)
    assert 10 * np.log10(side[k100]) == pytest.approx(10 * np.log10(0.1**2 / 2), abs=0.2)
    assert side[k1000] < mid[k1000] * 1e-6
    assert len(results[0].mid_power) == 20


@pytest.mark.parametrize(("rate_in", "rate_out"), [(44100, 48000), (48000, 44100), (96000, 48000)])
def test_stream_resampler_matches_resample_poly(rate_in: int, rate_out: int) -> None:
    rng = np.random.default_rng(1)
    data = rng.standard_normal((rate_in // 2 + 17, 2)).astype(np.float32)
    g = np.gcd(rate_in, rate_out)
    expected = signal.resample_poly(data.astype(np.float64), rate_out // g, rate_in // g, axis=0)
    for block in (1, 777, 4096):
        source = data[:2000] if block == 1 else data
        want = (
            expected
            if block != 1
            else signal.resample_poly(
                source.astype(np.float64), rate_out // g, rate_in // g, axis=0
            )
        )
        resampler = StreamResampler(rate_in, rate_out, 2)
        parts = [resampler.process(source[i : i + block]) for i in range(0, len(source), block)]
        got = np.concatenate([*parts, resampler.flush()])
        assert got.shape == want.shape
        assert np.abs(got - want).max() < 1e-5
