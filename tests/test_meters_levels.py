"""Levels, stereo and band meters and the streaming resampler against known signals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, BandsMeter
from mixreview.analysis.meters.levels import LevelsMeter
from mixreview.analysis.meters.stereo import StereoMeter
from mixreview.analysis.resample import StreamResampler
from tests.conftest import SR, stereo, tone

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
