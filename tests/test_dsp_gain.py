"""Gain, polarity and pan: exact gains, switches and constant-power laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mixreview.analysis.dsp import Gain, Pan, Polarity, balance_gains, pan_gains
from tests.test_dsp_support import SAMPLE_RATE, make_signal


def test_gain_is_exact() -> None:
    x = make_signal(4800)
    out = Gain(SAMPLE_RATE, gain_db=-6.0206).process(x)
    np.testing.assert_allclose(out, x * 0.5, rtol=2e-6, atol=1e-9)
    np.testing.assert_array_equal(Gain(SAMPLE_RATE, gain_db=0.0).process(x), x)


def test_gain_amount_scales_decibels() -> None:
    x = make_signal(4800)
    out = Gain(SAMPLE_RATE, gain_db=-12.0, amount=0.5).process(x)
    np.testing.assert_allclose(out, x * 10 ** (-6 / 20), rtol=2e-6)


def test_parameters_are_attributes() -> None:
    gain = Gain(SAMPLE_RATE, gain_db=-6.0)
    x = np.ones((10, 2), np.float32)
    gain.gain_db = 6.0
    np.testing.assert_allclose(gain.process(x), 10 ** (6 / 20), rtol=1e-6)
    with pytest.raises(ValueError, match="gain_db"):
        gain.gain_db = float("nan")
    with pytest.raises(ValueError, match="amount"):
        gain.amount = 1.5
    assert "gain_db=6.0" in repr(gain)


@pytest.mark.parametrize(
    ("channels", "signs"), [("both", (-1, -1)), ("left", (-1, 1)), ("right", (1, -1))]
)
def test_polarity_inverts_the_chosen_channels(channels: str, signs: tuple[int, int]) -> None:
    x = make_signal(1000)
    out = Polarity(SAMPLE_RATE, channels=channels).process(x)
    np.testing.assert_array_equal(out, x * np.array(signs, np.float32))


def test_polarity_amount_is_a_switch_at_one_half() -> None:
    x = make_signal(1000)
    np.testing.assert_array_equal(Polarity(SAMPLE_RATE, amount=0.49).process(x), x)
    np.testing.assert_array_equal(Polarity(SAMPLE_RATE, amount=0.5).process(x), -x)


def test_polarity_inverts_a_mono_block_whatever_the_channel() -> None:
    x = make_signal(1000, channels=1)
    np.testing.assert_array_equal(Polarity(SAMPLE_RATE, channels="right").process(x), -x)
    with pytest.raises(ValueError, match="channels"):
        Polarity(SAMPLE_RATE, channels="middle")


def test_mono_pan_is_constant_power() -> None:
    x = np.ones((100, 1), np.float32)
    for pan in np.linspace(-1, 1, 21):
        out = Pan(SAMPLE_RATE, pan=float(pan)).process(x)
        assert out.shape == (100, 2)
        np.testing.assert_allclose(out[:, 0] ** 2 + out[:, 1] ** 2, 1.0, rtol=1e-6)
    centre = Pan(SAMPLE_RATE, pan=0.0).process(x)
    np.testing.assert_allclose(20 * np.log10(centre[0]), -3.0103, atol=1e-4)
    hard_left = Pan(SAMPLE_RATE, pan=-1.0).process(x)
    np.testing.assert_allclose(hard_left[0], [1.0, 0.0], atol=1e-7)


def test_stereo_balance_keeps_power_and_unity_at_centre() -> None:
    x = make_signal(1000)
    np.testing.assert_array_equal(Pan(SAMPLE_RATE, pan=0.0).process(x), x)
    for pan in np.linspace(-1, 1, 21):
        left, right = balance_gains(float(pan))
        assert left**2 + right**2 == pytest.approx(2.0)
    out = Pan(SAMPLE_RATE, pan=1.0).process(x)
    np.testing.assert_allclose(out[:, 0], 0.0, atol=1e-7)
    np.testing.assert_allclose(out[:, 1], x[:, 1] * math.sqrt(2), rtol=1e-6)
    # Pan right: the left side goes down, the right one up.
    left, right = balance_gains(0.5)
    assert left < 1.0 < right


def test_pan_amount_moves_toward_the_centre() -> None:
    x = np.ones((10, 1), np.float32)
    out = Pan(SAMPLE_RATE, pan=0.8, amount=0.5).process(x)
    np.testing.assert_allclose(out[0], pan_gains(0.4), rtol=1e-6)
    with pytest.raises(ValueError, match="pan"):
        Pan(SAMPLE_RATE, pan=1.5)
