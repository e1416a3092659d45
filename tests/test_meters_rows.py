"""A meter bank transposes each block once and feeds its meters rows: what every meter measures
that way equals the same meter fed the blocks on its own, NaN and odd block sizes included."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixreview.analysis.measure import MeterBank
from mixreview.analysis.meters.bands import BandsMeter
from mixreview.analysis.meters.levels import LevelsMeter
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.meters.stereo import StereoMeter
from mixreview.analysis.meters.truepeak import TruePeakMeter

RATE = 48000


def signal(channels: int, seconds: float = 3.3, seed: int = 3) -> np.ndarray:
    """Noise and a tone with NaN and infinities in it (the bank counts them, then reads zeros)."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * RATE)
    t = np.arange(frames) / RATE
    x = 0.2 * rng.standard_normal((frames, channels)) + 0.3 * np.sin(2 * np.pi * 220 * t)[:, None]
    if channels == 2:
        x[:, 1] *= 0.6
    x[5000, 0] = np.nan
    x[90_000:90_003, -1] = np.inf
    return x.astype(np.float32)


FLOAT32_DB = 1e-4
"""A level in dB worked out from float32 sums whose order follows the CPU's BLAS kernel (float32's
rounding, 6e-8, is 5e-7 dB; a sum of hundreds of products moves it a few times that)."""


def assert_same(got: object, expected: object) -> None:
    """Every field of two meter results (and of the results they hold), to the rounding of their
    type: float32 arrays (band powers, summed by BLAS in batches that follow the block sizes) to
    1e-5, true peaks (float32 products, in dB) to ``FLOAT32_DB``."""
    assert dataclasses.is_dataclass(got) and dataclasses.is_dataclass(expected)
    for field in dataclasses.fields(got):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if dataclasses.is_dataclass(a):
            assert_same(a, b)
        elif field.name.endswith("_dbtp"):  # float32 matrix products, summed as BLAS batches them
            np.testing.assert_allclose(a, b, rtol=0, atol=FLOAT32_DB, err_msg=field.name)
        elif isinstance(a, np.ndarray):
            rtol = 1e-5 if a.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=field.name)
        elif isinstance(a, float):
            assert a == pytest.approx(b, rel=1e-12, abs=0), field.name
        else:
            assert a == b, field.name


@pytest.mark.parametrize("channels", [1, 2])
def test_a_bank_measures_what_each_meter_measures_alone(channels: int) -> None:
    x = signal(channels)
    bank = MeterBank(RATE, channels, 1, len(x))
    alone = {
        "levels": LevelsMeter(RATE, channels),
        "loudness": LoudnessMeter(RATE, channels, dual_mono=channels == 1),
        "true_peak": TruePeakMeter(RATE, channels),
        "bands": BandsMeter(RATE, channels),
    }
    if channels == 2:
        alone["stereo"] = StereoMeter(RATE)
    clean = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    start = 0
    for size in [1, 4095, 40_000, 7, 70_000, 2]:
        block = x[start : start + size]
        bank.update(block)
        for name, meter in alone.items():
            meter.update(
                block if name in ("levels", "bands", "stereo") else clean[start : start + size]
            )
        start += size
    bank.update(x[start:])
    for name, meter in alone.items():
        meter.update(x[start:] if name in ("levels", "bands", "stereo") else clean[start:])
    result = bank.result()
    assert result.levels.nan_samples == 4
    for name, meter in alone.items():
        assert_same(getattr(result, name), meter.result())


def test_stereo_sums_hold_a_side_100_db_under_the_mid() -> None:
    rng = np.random.default_rng(5)
    mid = 0.3 * rng.standard_normal(RATE * 2)
    side = 3e-6 * rng.standard_normal(RATE * 2)
    left, right = (mid + side).astype(np.float32), (mid - side).astype(np.float32)
    meter = StereoMeter(RATE)
    meter.update(np.column_stack([left, right]))
    got = meter.result().side_to_mid_db
    l64, r64 = left.astype(np.float64), right.astype(np.float64)
    exact = 10 * np.log10(np.sum((l64 - r64) ** 2) / np.sum((l64 + r64) ** 2))
    assert got is not None and got == pytest.approx(exact, abs=0.01)
    assert -101.0 < got < -99.0
