"""Compressor: static curve, attack/release timing, the vectorised detector, amount, speed."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from mixreview.analysis.dsp import Compressor, static_gain_reduction_db
from mixreview.analysis.dsp.compressor import one_pole_alpha
from tests.test_dsp_support import SAMPLE_RATE, make_signal, process_in_blocks, sine


def expected_output_db(level_db: float, threshold_db: float, ratio: float, knee_db: float) -> float:
    """Giannoulis et al. 2012, eq. 4, written out independently of the implementation."""
    over = level_db - threshold_db
    if 2 * over < -knee_db:
        return level_db
    if 2 * abs(over) <= knee_db:
        return level_db + (1 / ratio - 1) * (over + knee_db / 2) ** 2 / (2 * knee_db)
    return threshold_db + over / ratio


def level_db(x: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(x.astype(np.float64) ** 2)))


@pytest.mark.parametrize("in_db", [-40.0, -30.0, -24.0, -22.0, -20.0, -18.0, -16.0, -10.0, -3.0])
def test_static_curve_on_steady_sines(in_db: float) -> None:
    threshold_db, ratio, knee_db = -20.0, 4.0, 6.0
    x = sine(1000.0, 1.0, amplitude=10 ** (in_db / 20)).astype(np.float32)
    comp = Compressor(SAMPLE_RATE, threshold_db, ratio, 1.0, 300.0, knee_db)
    y = comp.process(np.stack([x, x], axis=1))[:, 0]
    steady = slice(SAMPLE_RATE // 2, None)
    gain_db = level_db(y[steady]) - level_db(x[steady])
    # sine peak level in, peak level out: the gain the curve predicts
    expected = expected_output_db(in_db, threshold_db, ratio, knee_db) - in_db
    assert gain_db == pytest.approx(expected, abs=0.1)


def test_static_curve_function() -> None:
    levels = np.array([-50.0, -23.0, -20.0, -17.0, 0.0])
    reduction = static_gain_reduction_db(levels, -20.0, 4.0, 6.0)
    expected = [lvl - expected_output_db(lvl, -20.0, 4.0, 6.0) for lvl in levels]
    np.testing.assert_allclose(reduction, expected, atol=1e-12)
    limiter = static_gain_reduction_db(np.array([-10.0]), -20.0, math.inf, 0.0)
    assert limiter[0] == pytest.approx(10.0)


def gain_reduction_db(comp: Compressor, x: np.ndarray) -> np.ndarray:
    y = comp.process(np.stack([x, x], axis=1).astype(np.float32))[:, 0]
    return 20 * np.log10(x / y)


def step_times() -> tuple[np.ndarray, int]:
    """DC at -40 dBFS for 0.1 s, -6 dBFS for 1 s, -40 dBFS for 1 s."""
    n0, n1 = SAMPLE_RATE // 10, SAMPLE_RATE
    x = np.full(n0 + n1 + SAMPLE_RATE, 0.01)
    x[n0 : n0 + n1] = 0.5
    return x, n0


@pytest.mark.parametrize(("attack_ms", "release_ms"), [(10.0, 200.0), (2.0, 60.0), (30.0, 500.0)])
def test_attack_and_release_times(attack_ms: float, release_ms: float) -> None:
    x, n0 = step_times()
    comp = Compressor(SAMPLE_RATE, -20.0, 4.0, attack_ms, release_ms, knee_db=0.0)
    gr = gain_reduction_db(comp, x)
    final = (-6.0206 + 20.0) * (1 - 1 / 4)
    n1 = n0 + SAMPLE_RATE
    assert gr[n1 - 1] == pytest.approx(final, abs=0.01)
    # attack: 1 - 1/e of the final reduction after attack_ms
    attack_frames = np.argmax(gr[n0:] >= final * (1 - 1 / math.e))
    assert attack_frames / SAMPLE_RATE * 1000 == pytest.approx(attack_ms, rel=0.2)
    # release: down to 1/e of it after about release_ms (this detector adds about attack_ms)
    release_frames = np.argmax(gr[n1:] <= final / math.e)
    assert release_frames / SAMPLE_RATE * 1000 == pytest.approx(release_ms, rel=0.2)


def reference_gain_db(target_db: np.ndarray, attack_ms: float, release_ms: float) -> np.ndarray:
    """The smooth decoupled peak detector (Giannoulis et al. eq. 17) as a plain loop."""
    a_att = one_pole_alpha(attack_ms, SAMPLE_RATE)
    a_rel = one_pole_alpha(release_ms, SAMPLE_RATE)
    y1 = y = 0.0
    out = np.empty_like(target_db)
    for n, value in enumerate(target_db):
        y1 = max(value, a_rel * y1 + (1 - a_rel) * value)
        y = a_att * y + (1 - a_att) * y1
        out[n] = y
    return out


@pytest.mark.parametrize("release_ms", [0.05, 3.0, 80.0])
def test_vectorised_detector_equals_the_recursion(release_ms: float) -> None:
    x = make_signal(6000, channels=1, seed=9)[:, 0].astype(np.float64)
    x[x == 0] = 1e-9
    level = 20 * np.log10(np.abs(x))
    target = static_gain_reduction_db(level, -30.0, 5.0, 4.0)
    expected = reference_gain_db(target, 2.0, release_ms)
    comp = Compressor(SAMPLE_RATE, -30.0, 5.0, 2.0, release_ms, 4.0)
    y = process_in_blocks(comp, x[:, None].astype(np.float32), [1, 500, 37, 9000])
    got = 20 * np.log10(np.abs(x.astype(np.float32)) / np.abs(y[:, 0]))
    np.testing.assert_allclose(got, expected, atol=1e-4)


def detector_case(
    frames: int, threshold_db: float, ratio: float, knee_db: float
) -> tuple[np.ndarray, np.ndarray]:
    """A mono test signal (no zeros) and its static gain reduction in dB."""
    x = make_signal(frames, channels=1, seed=5)[:, 0]
    x[x == 0] = 1e-9
    level = 20 * np.log10(np.abs(x.astype(np.float64)))
    return x, static_gain_reduction_db(level, threshold_db, ratio, knee_db)


def applied_gain_db(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 20 * np.log10(np.abs(x.astype(np.float64)) / np.abs(y))


@pytest.mark.parametrize(
    ("attack_ms", "release_ms"), [(0.01, 0.01), (0.01, 500.0), (50.0, 0.02), (10.0, 10_000.0)]
)
def test_detector_equals_the_recursion_in_one_long_block(
    attack_ms: float, release_ms: float
) -> None:
    # One block spans several inner steps; the shortest time constants make those steps short.
    x, target = detector_case(30_000, -30.0, 5.0, 4.0)
    comp = Compressor(SAMPLE_RATE, -30.0, 5.0, attack_ms, release_ms, 4.0)
    y = comp.process(x[:, None])[:, 0]
    assert np.all(np.isfinite(y))
    expected = reference_gain_db(target, attack_ms, release_ms)
    np.testing.assert_allclose(applied_gain_db(x, y), expected, atol=1e-5)
    assert comp.gain_reduction_db == pytest.approx(expected.max(), abs=1e-5)


def test_a_new_ratio_continues_from_the_gain_reduction_reached() -> None:
    x, first = detector_case(20_000, -30.0, 2.0, 4.0)
    _, second = detector_case(20_000, -30.0, 8.0, 4.0)
    comp = Compressor(SAMPLE_RATE, -30.0, 2.0, 2.0, 80.0, 4.0)
    head = comp.process(x[:12_000, None])
    comp.ratio = 8.0
    tail = comp.process(x[12_000:, None])
    y = np.concatenate([head, tail])[:, 0]
    target = np.concatenate([first[:12_000], second[12_000:]])
    np.testing.assert_allclose(
        applied_gain_db(x, y), reference_gain_db(target, 2.0, 80.0), atol=1e-5
    )


def test_linked_channels_follow_the_louder_one_and_unlinked_ones_are_independent() -> None:
    x = make_signal(20_000, seed=6)
    x[x == 0] = 1e-6
    settings = (-30.0, 4.0, 3.0, 60.0, 6.0, 2.0)
    louder = np.maximum(np.abs(x[:, 0]), np.abs(x[:, 1]))[:, None]
    gain = Compressor(SAMPLE_RATE, *settings).process(louder) / louder
    linked = Compressor(SAMPLE_RATE, *settings, stereo_link=True).process(x)
    np.testing.assert_allclose(linked, x * gain, rtol=0, atol=1e-7)
    unlinked = Compressor(SAMPLE_RATE, *settings, stereo_link=False).process(x)
    for channel in (0, 1):
        alone = Compressor(SAMPLE_RATE, *settings).process(x[:, channel : channel + 1])
        np.testing.assert_allclose(unlinked[:, channel], alone[:, 0], rtol=0, atol=1e-7)
    assert not np.allclose(linked, unlinked, atol=1e-3)


def test_amount_halves_the_gain_change_in_db() -> None:
    x = make_signal(20000, seed=2)
    x[x == 0] = 1e-6
    full = Compressor(SAMPLE_RATE, -30.0, 6.0, 3.0, 100.0, 6.0, makeup_db=4.0).process(x)
    half = Compressor(SAMPLE_RATE, -30.0, 6.0, 3.0, 100.0, 6.0, 4.0, amount=0.5).process(x)
    change_full = 20 * np.log10(np.abs(full[:, 0] / x[:, 0]))
    change_half = 20 * np.log10(np.abs(half[:, 0] / x[:, 0]))
    np.testing.assert_allclose(change_half, change_full / 2, atol=1e-4)
    assert change_full.min() < -3.0  # it did compress


def test_gain_reduction_meter_and_unlinked_channels() -> None:
    x = np.zeros((SAMPLE_RATE // 2, 2), np.float32)
    x[:, 0] = 0.5  # -6 dBFS on the left only
    linked = Compressor(SAMPLE_RATE, -20.0, 4.0, 1.0, 100.0, 0.0)
    linked.process(x)
    expected_db = (20.0 - 6.0206) * (1 - 1 / 4)
    assert linked.gain_reduction_db == pytest.approx(expected_db, abs=0.01)
    x[:, 1] = 0.01
    out = linked.process(x)
    assert out[-1, 1] < 0.01 * 0.5  # the quiet side follows the loud one
    unlinked = Compressor(SAMPLE_RATE, -20.0, 4.0, 1.0, 100.0, 0.0, stereo_link=False)
    out = unlinked.process(x)
    assert out[-1, 1] == pytest.approx(0.01, rel=1e-6)
    assert out[-1, 0] == pytest.approx(0.5 * 10 ** (-expected_db / 20), rel=1e-3)


def test_limiter_ratio_and_validation() -> None:
    x = np.full((SAMPLE_RATE // 2, 1), 0.5, np.float32)
    out = Compressor(SAMPLE_RATE, -12.0, math.inf, 0.5, 50.0, 0.0).process(x)
    assert 20 * math.log10(out[-1, 0]) == pytest.approx(-12.0, abs=0.01)
    with pytest.raises(ValueError, match="ratio"):
        Compressor(SAMPLE_RATE, ratio=0.5)
    with pytest.raises(ValueError, match="attack_ms"):
        Compressor(SAMPLE_RATE, attack_ms=0.0)
    with pytest.raises(ValueError, match="stereo_link"):
        Compressor(SAMPLE_RATE, stereo_link="yes")  # type: ignore[arg-type]


def test_runs_at_least_100x_real_time_on_48k_stereo() -> None:
    seconds = 10
    x = make_signal(SAMPLE_RATE * seconds, seed=4)
    best = math.inf
    for _ in range(3):
        comp = Compressor(SAMPLE_RATE, -30.0, 4.0, 5.0, 80.0)
        start = time.perf_counter()
        process_in_blocks(comp, x, 4096)
        best = min(best, time.perf_counter() - start)
    assert seconds / best >= 100
