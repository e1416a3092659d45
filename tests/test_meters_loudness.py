"""LoudnessMeter against EBU Tech 3341/3342, the BS.1770 anchor and libebur128 (pyebur128)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mixreview.analysis.meters.loudness import (
    LoudnessMeter,
    LoudnessResult,
    integrated_from_energy,
    k_weighting_sos,
    loudness_range_from_energy,
    lufs_from_energy,
)
from tests import ebu_signals as ebu

EBU_TOL = 0.1


def measure(
    x: np.ndarray, sample_rate: int = ebu.FS, block: int | None = None, dual_mono: bool = False
) -> LoudnessResult:
    meter = LoudnessMeter(sample_rate, x.shape[1], dual_mono=dual_mono)
    step = block or max(1, x.shape[0])
    for start in range(0, x.shape[0], step):
        meter.update(x[start : start + step])
    return meter.result()


# --- EBU Tech 3341 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "expected"), [(1, -23.0), (2, -33.0)])
def test_tech3341_steady_tone_reads_m_s_i(case: int, expected: float) -> None:
    r = measure(ebu.tech3341(case))
    assert r.integrated_lufs == pytest.approx(expected, abs=EBU_TOL)
    assert r.momentary_max_lufs == pytest.approx(expected, abs=EBU_TOL)
    assert r.short_term_max_lufs == pytest.approx(expected, abs=EBU_TOL)
    # every complete window of a steady tone reads the same
    assert np.ptp(r.momentary_lufs[3:]) < 0.01
    assert np.ptp(r.short_term_lufs[29:]) < 0.01


@pytest.mark.parametrize("case", [3, 4, 5])
def test_tech3341_gating_cases_integrate_to_minus_23(case: int) -> None:
    assert measure(ebu.tech3341(case)).integrated_lufs == pytest.approx(-23.0, abs=EBU_TOL)


def test_tech3341_case9_short_term_constant_after_3s() -> None:
    r = measure(ebu.tech3341(9))
    complete = r.short_term_lufs[29:]  # windows ending at >= 3 s
    assert complete.size == 121
    np.testing.assert_allclose(complete, -23.0, atol=EBU_TOL)
    assert r.short_term_max_lufs == pytest.approx(-23.0, abs=EBU_TOL)


def test_tech3341_case12_momentary_constant_after_1s() -> None:
    r = measure(ebu.tech3341(12))
    complete = r.momentary_lufs[9:]  # windows ending at >= 1 s
    assert complete.size == 91
    np.testing.assert_allclose(complete, -23.0, atol=EBU_TOL)
    assert r.momentary_max_lufs == pytest.approx(-23.0, abs=EBU_TOL)


def test_tech3341_case10_max_short_term_every_offset() -> None:
    maxima = [measure(x).short_term_max_lufs for x in ebu.tech3341_case10_files()]
    np.testing.assert_allclose(maxima, -23.0, atol=EBU_TOL)


def test_tech3341_case13_max_momentary_every_offset() -> None:
    # 20 ms offsets: a 100 ms hop would under-read by up to 0.45 dB here.
    maxima = [measure(x).momentary_max_lufs for x in ebu.tech3341_case13_files()]
    np.testing.assert_allclose(maxima, -23.0, atol=EBU_TOL)


# --- EBU Tech 3342 -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [1, 2, 3, 4])
def test_tech3342_loudness_range(case: int) -> None:
    expected = ebu.TECH3342_CASES[case][1]
    assert measure(ebu.tech3342(case)).lra_lu == pytest.approx(expected, abs=1.0)


# --- BS.1770 anchor and exact levels ------------------------------------------------------------


def test_bs1770_anchor_one_channel_997hz_reads_minus_3_01() -> None:
    assert measure(ebu.bs1770_anchor()).integrated_lufs == pytest.approx(-3.01, abs=0.01)


@pytest.mark.parametrize("level_dbfs", [-10.0, -23.0, -40.0])
def test_997hz_reads_its_level(level_dbfs: float) -> None:
    r = measure(ebu.sine_segments([(3.2, level_dbfs)], freq_hz=997.0))
    assert r.integrated_lufs == pytest.approx(level_dbfs, abs=0.002)
    assert r.short_term_max_lufs == pytest.approx(level_dbfs, abs=0.002)
    assert r.momentary_max_lufs == pytest.approx(level_dbfs, abs=0.005)


def test_k_weighting_matches_bs1770_48k_coefficients() -> None:
    sos = k_weighting_sos(48000)
    shelf = [
        1.53512485958697,
        -2.69169618940638,
        1.19839281085285,
        1.0,
        -1.69065929318241,
        0.73248077421585,
    ]
    highpass = [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]
    np.testing.assert_allclose(sos[0], shelf, atol=1e-9)
    np.testing.assert_allclose(sos[1], highpass, atol=1e-9)


# --- Cross-check with libebur128 ----------------------------------------------------------------


def _libebur128(x: np.ndarray, sample_rate: int) -> dict:
    """Reference from libebur128: I and LRA, M/S maxima polled every 10 ms, M/S every 100 ms."""
    pyebur128 = pytest.importorskip("pyebur128")
    modes = pyebur128.MeasurementMode
    state = pyebur128.R128State(x.shape[1], sample_rate, modes.MODE_I | modes.MODE_LRA)
    hop = sample_rate // 100
    m_max = s_max = float("-inf")
    m_series, s_series = [], []
    for start in range(0, x.shape[0] - hop + 1, hop):
        chunk = np.ascontiguousarray(x[start : start + hop], dtype=np.float32).ravel()
        state.add_frames(chunk, hop)
        fed = (start + hop) // hop  # in 10 ms
        if fed >= 40:
            m_max = max(m_max, pyebur128.get_loudness_momentary(state))
        if fed >= 300:
            s_max = max(s_max, pyebur128.get_loudness_shortterm(state))
        if fed % 10 == 0:
            m_series.append(pyebur128.get_loudness_momentary(state))
            s_series.append(pyebur128.get_loudness_shortterm(state))
    return {
        "integrated": pyebur128.get_loudness_global(state),
        "lra": pyebur128.get_loudness_range(state),
        "momentary_max": m_max,
        "short_term_max": s_max,
        "momentary": np.array(m_series),
        "short_term": np.array(s_series),
    }


def _energy(lufs: np.ndarray) -> np.ndarray:
    return 10.0 ** ((lufs + 0.691) / 10.0)


@pytest.mark.parametrize(("sample_rate", "channels"), [(44100, 1), (44100, 2), (48000, 2)])
def test_agrees_with_libebur128_on_program_material(sample_rate: int, channels: int) -> None:
    x = ebu.program_like(12.0, sample_rate, channels, seed=sample_rate + channels)
    ref = _libebur128(x, sample_rate)
    r = measure(x, sample_rate, block=4096)
    assert r.integrated_lufs == pytest.approx(ref["integrated"], abs=0.01)
    assert r.momentary_max_lufs == pytest.approx(ref["momentary_max"], abs=0.01)
    assert r.short_term_max_lufs == pytest.approx(ref["short_term_max"], abs=0.01)
    # 10 Hz series (libebur128 also counts zeros before the start in early windows)
    audible = ref["momentary"] > -70.0
    assert audible.sum() > 60
    np.testing.assert_allclose(r.momentary_lufs[audible], ref["momentary"][audible], atol=0.01)
    np.testing.assert_allclose(r.short_term_lufs[29:], ref["short_term"][29:], atol=0.01)
    # libebur128 takes its LRA windows every 1 s (3 s windows, 2 s overlap): the same windows out
    # of our series give its LRA, so the gates and percentiles agree ...
    assert loudness_range_from_energy(_energy(r.short_term_lufs[29::10])) == pytest.approx(
        ref["lra"], abs=0.01
    )
    # ... and our LRA (Tech 3342 at 10 Hz) is that computation on libebur128's 10 Hz values.
    assert r.lra_lu == pytest.approx(
        loudness_range_from_energy(_energy(ref["short_term"][29:])), abs=0.01
    )
    assert r.lra_lu > 3.0  # the material really has a range, so the checks can fail


def test_agrees_with_pyloudnorm_deman_filter() -> None:
    pyloudnorm = pytest.importorskip("pyloudnorm")
    x = ebu.program_like(6.0, 48000, 2, seed=7)
    ref = pyloudnorm.Meter(48000, filter_class="DeMan").integrated_loudness(x.astype(np.float64))
    assert measure(x).integrated_lufs == pytest.approx(ref, abs=1e-6)


# --- Energies and sub-ranges --------------------------------------------------------------------


def test_integrated_from_energy_full_range_equals_integrated() -> None:
    r = measure(ebu.program_like(8.0, 48000, 2, seed=3))
    assert r.frame_energy.size == 80
    assert integrated_from_energy(r.frame_energy) == pytest.approx(r.integrated_lufs, abs=1e-9)


def test_integrated_from_energy_sub_range_equals_fresh_meter() -> None:
    fs = 48000
    burst = ebu.program_like(1.6, fs, 2, seed=11)
    gap = np.zeros((int(0.3 * fs), 2), np.float32)
    quiet = burst * np.float32(0.1)
    x = np.concatenate([burst, gap, quiet, gap, burst, gap, burst * np.float32(0.5), gap])
    full = measure(x)
    # Sub-ranges start in a gap (filter state ~0 there), aligned to 100 ms.
    for start_s, end_s in [(1.7, 4.0), (1.8, 6.8), (3.8, 7.6), (0.0, 3.5)]:
        part = x[round(start_s * fs) : round(end_s * fs)]
        fresh = measure(part).integrated_lufs
        assert integrated_from_energy(full.frame_energy, start_s, end_s) == pytest.approx(
            fresh, abs=1e-6
        )
    # a range under 400 ms has no gating block
    assert integrated_from_energy(full.frame_energy, 1.0, 1.35) == float("-inf")


def test_lufs_from_energy() -> None:
    assert lufs_from_energy(1.0) == pytest.approx(-0.691)
    assert lufs_from_energy(0.0) == float("-inf")
    np.testing.assert_allclose(lufs_from_energy(np.array([0.1, 0.01])), [-10.691, -20.691])


def test_series_timing_and_lengths() -> None:
    # 2.05 s: 20 complete 100 ms segments; the partial one is not in the series.
    x = ebu.sine_segments([(1.0, None), (1.05, -20.0)], freq_hz=997.0)
    r = measure(x)
    assert r.duration_s == pytest.approx(2.05)
    assert r.momentary_lufs.size == r.short_term_lufs.size == r.frame_energy.size == 20
    # momentary window ending at 1.0 s is silent, the one ending at 1.4 s is all tone
    assert r.momentary_lufs[9] == -200.0
    assert r.momentary_lufs[13] == pytest.approx(-20.0, abs=0.01)
    assert -200.0 < r.momentary_lufs[10] < r.momentary_lufs[12] < -20.5


# --- Streaming, channels and edge cases ---------------------------------------------------------


def _assert_same(a: LoudnessResult, b: LoudnessResult, tol: float = 1e-6) -> None:
    for field in ("integrated_lufs", "momentary_max_lufs", "short_term_max_lufs", "lra_lu"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=tol), field
    np.testing.assert_allclose(a.momentary_lufs, b.momentary_lufs, atol=tol)
    np.testing.assert_allclose(a.short_term_lufs, b.short_term_lufs, atol=tol)
    np.testing.assert_allclose(a.frame_energy, b.frame_energy, rtol=1e-9)
    assert a.duration_s == b.duration_s


def test_block_size_does_not_change_results() -> None:
    x = ebu.program_like(7.3, 44100, 2, seed=5)
    whole = measure(x, 44100)
    assert np.isfinite(whole.lra_lu)
    for block in (37, 1000, 4096, 20000):
        _assert_same(measure(x, 44100, block=block), whole)


def test_one_sample_blocks_match_whole() -> None:
    x = ebu.program_like(0.9, 16000, 2, seed=6)
    whole = measure(x, 16000)
    assert np.isfinite(whole.momentary_max_lufs)
    _assert_same(measure(x, 16000, block=1), whole)


def test_irregular_blocks_and_rate_without_integer_10ms() -> None:
    # 22050 Hz: 10 ms is 220.5 samples, segments alternate 220/221.
    fs = 22050
    x = ebu.program_like(4.0, fs, 1, seed=8)
    whole = measure(x, fs)
    meter = LoudnessMeter(fs, 1)
    rng = np.random.default_rng(0)
    pos = 0
    while pos < x.shape[0]:
        step = int(rng.integers(0, 3000))
        meter.update(x[pos : pos + step])
        pos += step
    _assert_same(meter.result(), whole)


def test_dual_mono_reads_3_01_db_higher() -> None:
    mono = ebu.program_like(4.0, 48000, 1, seed=9)
    plain = measure(mono)
    dual = measure(mono, dual_mono=True)
    stereo = measure(np.repeat(mono, 2, axis=1))
    assert dual.integrated_lufs - plain.integrated_lufs == pytest.approx(3.0103, abs=1e-4)
    assert dual.momentary_max_lufs - plain.momentary_max_lufs == pytest.approx(3.0103, abs=1e-4)
    assert dual.integrated_lufs == pytest.approx(stereo.integrated_lufs, abs=1e-6)


def test_five_channel_weights() -> None:
    x = ebu.sine_segments([(1.0, -20.0)], freq_hz=997.0, channels=5)
    x[:, :3] = 0.0  # only the surrounds: 2 x 1.41 x (-20 dB, one channel = -23.01)
    expected = -23.0103 + 10 * np.log10(2 * 1.41)
    assert measure(x).integrated_lufs == pytest.approx(expected, abs=0.01)


def test_bad_configurations_raise() -> None:
    with pytest.raises(ValueError):
        LoudnessMeter(48000, 2, dual_mono=True)
    with pytest.raises(ValueError):
        LoudnessMeter(48000, 6)
    with pytest.raises(ValueError):
        LoudnessMeter(48000, 2).update(np.zeros((10, 3), np.float32))


@pytest.mark.parametrize("duration_s", [0.0, 0.2, 2.0])
def test_silence_and_short_input_give_minus_inf_quietly(duration_s: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = measure(np.zeros((round(duration_s * 48000), 2), np.float32))
    assert r.integrated_lufs == float("-inf")
    assert r.momentary_max_lufs == float("-inf")
    assert r.short_term_max_lufs == float("-inf")
    assert r.lra_lu == float("-inf")
    assert np.all(r.momentary_lufs == -200.0)
    assert r.duration_s == pytest.approx(duration_s)


def test_short_tone_has_momentary_but_no_short_term() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = measure(ebu.sine_segments([(0.2, -20.0)], freq_hz=997.0))
        assert r.momentary_max_lufs == float("-inf")  # no complete 400 ms window
        r = measure(ebu.sine_segments([(1.0, -20.0)], freq_hz=997.0))
    assert r.momentary_max_lufs == pytest.approx(-20.0, abs=0.01)
    assert r.integrated_lufs == pytest.approx(-20.0, abs=0.01)
    assert r.short_term_max_lufs == float("-inf")
    assert r.lra_lu == float("-inf")


def test_result_can_be_taken_mid_stream() -> None:
    x = ebu.program_like(5.0, 48000, 2, seed=12)
    meter = LoudnessMeter(48000, 2)
    meter.update(x[:100000])
    early = meter.result()
    meter.update(x[100000:])
    _assert_same(meter.result(), measure(x))
    _assert_same(early, measure(x[:100000]))


def test_result_is_frozen() -> None:
    r = measure(ebu.sine_segments([(1.0, -20.0)]))
    with pytest.raises(AttributeError):
        r.integrated_lufs = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.frame_energy[0] = 1.0
