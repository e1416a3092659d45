"""TruePeakMeter against EBU Tech 3341 cases 15-19 and ideal (FFT) band-limited interpolation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from mixreview.analysis.meters.truepeak import TruePeakMeter, TruePeakResult, oversampling_factor
from tests import ebu_signals as ebu


def measure(x: np.ndarray, sample_rate: int = ebu.FS, block: int | None = None) -> TruePeakResult:
    meter = TruePeakMeter(sample_rate, x.shape[1])
    step = block or max(1, x.shape[0])
    for start in range(0, x.shape[0], step):
        meter.update(x[start : start + step])
    return meter.result()


def ideal_peak_db(x: np.ndarray, factor: int) -> float:
    """Peak of the band-limited (FFT, zero-padded) interpolation of x at ``factor`` x the rate."""
    n = x.shape[0]
    spectrum = np.fft.rfft(x.astype(np.float64), axis=0)
    padded = np.zeros((n * factor // 2 + 1, x.shape[1]), complex)
    padded[: spectrum.shape[0]] = spectrum
    if n % 2 == 0:
        padded[n // 2] *= 0.5  # split the Nyquist bin between its two images
    y = np.fft.irfft(padded, n * factor, axis=0) * factor
    return 20.0 * float(np.log10(np.abs(y).max()))


def bandlimited_bursts(sample_rate: int, cutoff_hz: float, seed: int) -> np.ndarray:
    """Stereo noise bursts low-passed at ``cutoff_hz``, with silence around them (so the FFT
    reference sees no wrap-around)."""
    rng = np.random.default_rng(seed)
    n = sample_rate // 4
    noise = rng.standard_normal((n, 2))
    sos = butter(10, cutoff_hz, fs=sample_rate, output="sos")
    noise = sosfilt(sos, sosfilt(sos, noise[::-1], axis=0)[::-1], axis=0)  # zero-phase
    noise *= np.hanning(n)[:, None] * (0.5 / np.abs(noise).max())
    pad = np.zeros((sample_rate // 20, 2))
    return np.concatenate([pad, noise, pad]).astype(np.float32)


# --- EBU Tech 3341 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected_dbtp"), [(15, -6.0), (16, -6.0), (17, -6.0), (18, -6.0), (19, 3.0)]
)
def test_tech3341_true_peak_cases(case: int, expected_dbtp: float) -> None:
    r = measure(ebu.tech3341_true_peak(case), block=4096)
    assert expected_dbtp - 0.4 <= r.true_peak_dbtp <= expected_dbtp + 0.2
    # both channels carry the same signal
    assert r.per_channel_dbtp[0] == pytest.approx(r.per_channel_dbtp[1], abs=1e-9)


@pytest.mark.parametrize("case", [15, 16, 17, 18, 19])
def test_tech3341_true_peak_cases_match_signal_amplitude(case: int) -> None:
    # The peaks of these sines fall on the 4x grid, so a good interpolator reads the amplitude.
    amplitude = ebu.TRUE_PEAK_CASES[case][1]
    r = measure(ebu.tech3341_true_peak(case))
    assert r.true_peak_dbtp == pytest.approx(20 * np.log10(amplitude), abs=0.01)


# --- Against ideal interpolation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample_rate", "cutoff_hz"),
    [(48000, 20000.0), (44100, 18000.0), (48000, 8000.0), (96000, 30000.0)],
)
def test_matches_ideal_interpolation_at_same_factor(sample_rate: int, cutoff_hz: float) -> None:
    for seed in range(4):
        x = bandlimited_bursts(sample_rate, cutoff_hz, seed)
        reference = ideal_peak_db(x, oversampling_factor(sample_rate))
        assert measure(x, sample_rate).true_peak_dbtp == pytest.approx(reference, abs=0.01)


def test_never_above_true_reconstruction_nor_below_sample_peak() -> None:
    for seed in range(4):
        x = bandlimited_bursts(48000, 20000.0, seed + 10)
        tp = measure(x).true_peak_dbtp
        sample_peak = 20 * np.log10(np.abs(x).max())
        assert sample_peak <= tp <= ideal_peak_db(x, 16) + 0.01
        assert tp >= ideal_peak_db(x, 16) - 0.7  # 4x grid error bound, cos(pi/8)


def test_reads_inter_sample_overs_that_sample_peak_misses() -> None:
    # fs/4 at 45 degrees: samples at +-0.707 A, true peak A (3 dB above the sample peak)
    x = ebu.tech3341_true_peak(16)
    sample_peak = 20 * np.log10(np.abs(x).max())
    assert measure(x).true_peak_dbtp - sample_peak == pytest.approx(3.01, abs=0.02)


# --- Series, streaming and edge cases ------------------------------------------------------------


def test_peak_series_per_100ms() -> None:
    x = ebu.sine_segments([(0.5, None), (0.3, -6.0), (0.45, -20.0)], freq_hz=997.0)
    r = measure(x)
    series = r.peak_series_dbtp
    assert series.size == 13  # 1.25 s: 12 full segments and a partial one
    assert series.max() == pytest.approx(r.true_peak_dbtp)
    assert np.all(series[:4] == -200.0)
    np.testing.assert_allclose(series[5:8], -6.0, atol=0.02)
    np.testing.assert_allclose(series[9:12], -20.0, atol=0.02)
    # Segments at the level steps include the reconstruction's ringing around the steps.
    assert -20.02 < series[8] < -12.0
    assert -20.02 < series[12] < -12.0
    assert series[4] < -40.0


def _assert_same(a: TruePeakResult, b: TruePeakResult) -> None:
    assert a.true_peak_dbtp == pytest.approx(b.true_peak_dbtp, abs=1e-4)
    np.testing.assert_allclose(a.per_channel_dbtp, b.per_channel_dbtp, atol=1e-4)
    np.testing.assert_allclose(a.peak_series_dbtp, b.peak_series_dbtp, atol=1e-4)


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000, 192000])
def test_block_size_does_not_change_results(sample_rate: int) -> None:
    x = bandlimited_bursts(sample_rate, 0.4 * sample_rate, seed=3)
    x = np.concatenate([x, x[::-1] * np.float32(0.7)])
    whole = measure(x, sample_rate)
    for block in (37, 1000, 4096, 9001):
        _assert_same(measure(x, sample_rate, block=block), whole)


def test_one_sample_blocks_match_whole() -> None:
    x = bandlimited_bursts(16000, 7000.0, seed=4)[:3000]
    _assert_same(measure(x, 16000, block=1), measure(x, 16000))


def test_peak_at_the_very_end_and_start_counts() -> None:
    x = np.zeros((1000, 1), np.float32)
    x[-1] = 0.9
    assert measure(x).true_peak_dbtp >= 20 * np.log10(np.float32(0.9))
    x = np.zeros((1000, 1), np.float32)
    x[0] = -0.9
    assert measure(x).true_peak_dbtp >= 20 * np.log10(np.float32(0.9))


def test_channels_are_reported_separately() -> None:
    x = ebu.sine_segments([(0.5, -6.0)], freq_hz=997.0)
    x[:, 1] *= np.float32(0.1)
    r = measure(x)
    assert r.per_channel_dbtp[0] == pytest.approx(-6.0, abs=0.02)
    assert r.per_channel_dbtp[1] == pytest.approx(-26.0, abs=0.02)
    assert r.true_peak_dbtp == r.per_channel_dbtp[0]


@pytest.mark.parametrize("frames", [0, 1, 9600])
def test_silence_gives_minus_inf_quietly(frames: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = measure(np.zeros((frames, 2), np.float32))
    assert r.true_peak_dbtp == float("-inf")
    assert r.per_channel_dbtp == (float("-inf"), float("-inf"))
    assert np.all(r.peak_series_dbtp == -200.0)
    assert r.peak_series_dbtp.size == -(-frames // 4800)


def test_result_can_be_taken_mid_stream() -> None:
    x = bandlimited_bursts(48000, 15000.0, seed=5)
    meter = TruePeakMeter(48000, 2)
    meter.update(x[:5000])
    _assert_same(meter.result(), measure(x[:5000]))
    meter.update(x[5000:])
    _assert_same(meter.result(), measure(x))


def test_oversampling_factor_by_rate() -> None:
    assert [oversampling_factor(r) for r in (44100, 48000, 88200, 96000, 176400, 192000)] == [
        4,
        4,
        4,
        2,
        2,
        1,
    ]
