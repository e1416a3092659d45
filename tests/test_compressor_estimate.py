"""The compressor of the instant A/B match, predicted from a stem's 5 ms parts, against the real
processor on the audio: close on sustained sounds, near on hits, and far closer than the
prediction from 100 ms frame peaks it replaces; its recursions against plain loops."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfilt

from mixreview.analysis.apply import Change
from mixreview.analysis.compressor_estimate import _one_pole, _release_stage, compressor_power
from mixreview.analysis.dsp.compressor import Compressor
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.fine import PARTS_PER_SEGMENT
from mixreview.analysis.meters.loudness import k_weighting_sos
from mixreview.analysis.playback_estimate import StemSeries, processed

RATE = 48000
SETTINGS = (
    {"threshold_db": -24.0, "ratio": 3.0, "attack_ms": 10.0, "release_ms": 150.0},
    {"threshold_db": -18.0, "ratio": 4.0, "attack_ms": 3.0, "release_ms": 60.0},
    {"threshold_db": -30.0, "ratio": 2.0, "attack_ms": 30.0, "release_ms": 300.0},
)
SUSTAINED_DB = 0.05
"""Noise and tones under a slow swell: the parts hold what the detector follows."""
HITS_DB = 0.35
"""Drum hits compressed by 5 to 12 dB: a kick's cycles peak faster than once per part."""


def sustained(seconds: float = 12.0) -> np.ndarray:
    """A tone and noise under a 7 s swell (the playback benchmark's stems)."""
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * RATE)) / RATE
    swell = 0.5 + 0.5 * np.sin(2 * np.pi * t / 7)
    tone = 0.1 * np.sin(2 * np.pi * 110 * t) * swell
    noise = rng.standard_normal((len(t), 2)) * 0.05 * swell[:, None]
    return (np.column_stack([tone, 0.8 * tone]) + noise).astype(np.float32)


def hits(seconds: float = 12.0) -> np.ndarray:
    """A kick (a falling 60 Hz sweep that dies in 150 ms) twice a second and a noise snare
    between, mono."""
    rng = np.random.default_rng(2)
    out = np.zeros(int(seconds * RATE))
    t = np.arange(int(0.4 * RATE)) / RATE
    sweep = 60 * t + 40 * 0.03 * (1 - np.exp(-t / 0.03))
    kick = 0.9 * np.sin(2 * np.pi * sweep) * np.exp(-t / 0.15)
    snare = 0.5 * rng.standard_normal(len(t)) * np.exp(-t / 0.06)
    for start in range(0, len(out) - len(t) - RATE // 4, RATE // 2):
        out[start : start + len(t)] += kick
        out[start + RATE // 4 : start + RATE // 4 + len(t)] += snare
    return out[:, None].astype(np.float32)


def measured(signal: np.ndarray) -> Measurement:
    bank = MeterBank(RATE, signal.shape[1], 1, len(signal))
    bank.update(signal)
    return bank.result()


def loudness_change_db(signal: np.ndarray, params: dict[str, float], amount: float) -> float:
    """What the real compressor does to the K-weighted energy of ``signal`` (dB)."""
    comp = Compressor(RATE, amount=amount, **params)  # type: ignore[arg-type]
    out = comp.process(signal.copy())
    sos = k_weighting_sos(RATE)
    before = (sosfilt(sos, signal.astype(np.float64), axis=0) ** 2).sum()
    after = (sosfilt(sos, out.astype(np.float64), axis=0) ** 2).sum()
    return float(10 * np.log10(after / before))


def predicted_db(m: Measurement, params: dict[str, float], amount: float, fine: bool) -> float:
    """The estimate's prediction of the same, from the parts (``fine``) or the frame peaks."""
    series = StemSeries.of(m, 0, len(m.loudness.frame_energy))
    if not fine:
        series = StemSeries(**{**series.__dict__, "fine": None})
    change = Change("compressor", ("x",), dict(params), amount)
    after = processed(series, [change], 0, RATE).energy.sum()
    return float(10 * np.log10(after / series.energy.sum()))


@pytest.mark.parametrize("params", SETTINGS, ids=lambda p: f"t{p['threshold_db']:g}")
@pytest.mark.parametrize(("make", "within"), [(sustained, SUSTAINED_DB), (hits, HITS_DB)],
                         ids=["sustained", "hits"])  # fmt: skip
def test_the_prediction_follows_the_real_compressor(
    make: object, within: float, params: dict[str, float]
) -> None:
    assert callable(make)
    signal = make()
    m = measured(signal)
    for amount in (0.5, 1.0):
        exact = loudness_change_db(signal, params, amount)
        assert exact < -0.7  # the compressor works here
        assert predicted_db(m, params, amount, fine=True) == pytest.approx(exact, abs=within)


def test_the_parts_beat_the_frame_peaks_on_a_sustained_sound() -> None:
    """The frame peaks overstate the level the detector holds on steady material."""
    signal = sustained()
    m = measured(signal)
    params = SETTINGS[0]
    exact = loudness_change_db(signal, params, 1.0)
    from_parts = abs(predicted_db(m, params, 1.0, fine=True) - exact)
    from_frames = abs(predicted_db(m, params, 1.0, fine=False) - exact)
    assert from_parts < SUSTAINED_DB and from_frames > 0.3


def test_silence_takes_only_the_makeup_and_amount_zero_nothing() -> None:
    frames = 30
    zeros = np.zeros((frames, PARTS_PER_SEGMENT))
    comp = Compressor(RATE, threshold_db=-30.0, ratio=4.0, makeup_db=2.0)
    power = compressor_power(comp, 1.0, zeros, zeros, zeros)
    np.testing.assert_allclose(power, 10**0.2)
    loud = np.full((frames, PARTS_PER_SEGMENT), 0.9)
    np.testing.assert_array_equal(compressor_power(comp, 0.0, loud, zeros, loud**2), 1.0)
    assert compressor_power(comp, 1.0, loud, zeros, loud**2)[-1] < 0.2  # 18 dB under at 4:1


def test_the_detector_is_at_rest_before_the_first_loud_part_and_lets_go_after() -> None:
    frames = 40
    peak = np.full((frames, PARTS_PER_SEGMENT), 0.01)
    peak[10, 5] = 1.0
    comp = Compressor(RATE, threshold_db=-20.0, ratio=4.0, attack_ms=1.0, release_ms=50.0)
    power = compressor_power(comp, 1.0, peak, np.zeros_like(peak), peak**2)
    np.testing.assert_allclose(power[:10], 1.0, rtol=1e-12)
    assert power[10] < 0.9 and power[11] < power[-1]
    assert power[-1] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("pole", [0.0, 0.5, 0.97, 0.999999])
def test_the_recursions_equal_plain_loops(pole: float) -> None:
    rng = np.random.default_rng(int(pole * 1000))
    drift = rng.uniform(0, 2, 5000)
    jump = rng.uniform(0, 30, 5000) * (rng.uniform(size=5000) < 0.05)
    linear, held = np.empty(5000), np.empty(5000)
    y = z = 0.0
    for k in range(5000):
        y = pole * y + drift[k]
        z = max(jump[k], pole * z + drift[k])
        linear[k], held[k] = y, z
    np.testing.assert_allclose(_one_pole(drift, pole), linear, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_release_stage(jump, drift, pole), held, rtol=1e-9, atol=1e-9)
