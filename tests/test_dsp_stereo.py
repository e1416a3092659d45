"""Width and MonoBelow: mid/side behaviour, crossover attenuation, mono pass-through."""

from __future__ import annotations

import numpy as np
import pytest

from mixreview.analysis.dsp import MonoBelow, Width
from tests.test_dsp_support import SAMPLE_RATE, make_signal, sine, sine_amplitude


def mid_side(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64)
    return (x[:, 0] + x[:, 1]) / 2, (x[:, 0] - x[:, 1]) / 2


def test_width_zero_is_mono_and_one_is_unchanged() -> None:
    x = make_signal(5000)
    mono = Width(SAMPLE_RATE, width=0.0).process(x)
    np.testing.assert_array_equal(mono[:, 0], mono[:, 1])
    np.testing.assert_array_equal(Width(SAMPLE_RATE, width=1.0).process(x), x)


@pytest.mark.parametrize(
    ("width", "amount", "side_gain"),
    [(2.0, 1.0, 2.0), (0.5, 1.0, 0.5), (2.0, 0.5, 1.5), (0.0, 0.25, 0.75)],
)
def test_width_scales_the_side_only(width: float, amount: float, side_gain: float) -> None:
    x = make_signal(5000)
    out = Width(SAMPLE_RATE, width=width, amount=amount).process(x)
    mid_in, side_in = mid_side(x)
    mid_out, side_out = mid_side(out)
    np.testing.assert_allclose(mid_out, mid_in, atol=1e-6)
    np.testing.assert_allclose(side_out, side_in * side_gain, atol=1e-6)


@pytest.mark.parametrize("proc", [Width(SAMPLE_RATE, 0.0), MonoBelow(SAMPLE_RATE, 200.0)])
def test_stereo_processors_pass_mono_through(proc: Width | MonoBelow) -> None:
    x = make_signal(3000, channels=1)
    np.testing.assert_array_equal(proc.process(x), x)


def side_only(freq_hz: float) -> np.ndarray:
    s = sine(freq_hz, 1.0, amplitude=0.5)
    return np.stack([s, -s], axis=1).astype(np.float32)


def test_mono_below_removes_low_side_and_keeps_high_side() -> None:
    steady = slice(SAMPLE_RATE // 2, None)
    low = MonoBelow(SAMPLE_RATE, 150.0).process(side_only(40.0))
    low_db = 20 * np.log10(sine_amplitude(mid_side(low)[1][steady], 40.0) / 0.5)
    assert low_db < -20.0
    high = MonoBelow(SAMPLE_RATE, 150.0).process(side_only(2000.0))
    high_db = 20 * np.log10(sine_amplitude(mid_side(high)[1][steady], 2000.0) / 0.5)
    assert abs(high_db) < 0.5


def test_mono_below_leaves_the_mid_untouched() -> None:
    x = make_signal(20000)
    out = MonoBelow(SAMPLE_RATE, 120.0).process(x)
    np.testing.assert_allclose(mid_side(out)[0], mid_side(x)[0], atol=1e-6)
    # dual-mono content (no side) comes out as it went in
    mono = np.repeat(make_signal(20000, channels=1), 2, axis=1)
    np.testing.assert_allclose(MonoBelow(SAMPLE_RATE, 120.0).process(mono), mono, atol=1e-6)


def test_mono_below_amount_lowers_the_frequency() -> None:
    steady = slice(SAMPLE_RATE // 2, None)
    partial = MonoBelow(SAMPLE_RATE, 160.0, amount=0.5).process(side_only(40.0))
    # at amount 0.5 the crossover is sqrt(10 * 160) = 40 Hz: the LR4 is -6 dB there
    db = 20 * np.log10(sine_amplitude(mid_side(partial)[1][steady], 40.0) / 0.5)
    assert db == pytest.approx(-6.02, abs=0.1)
    with pytest.raises(ValueError, match="freq_hz"):
        MonoBelow(SAMPLE_RATE, 0.0)
