"""The series grid: 100 ms frames up to ten minutes, longer frames beyond, exact scalars always.

A long signal's series are folded into frames of several 100 ms segments so memory does not grow
with length; the figures the product reports (integrated loudness, LRA, maxima, peaks) are still
measured on 100 ms. The rules read the grid in seconds, so a long session is judged the same way.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import analyze
from mixreview.analysis.measure import MeterBank
from mixreview.analysis.meters import loudness as loudness_module
from mixreview.analysis.meters import segments
from mixreview.analysis.meters.loudness import LoudnessMeter, integrated_from_energy
from mixreview.analysis.meters.segments import SERIES_FRAMES_MAX, SeriesFold, series_step
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.features import Features, grid_count
from tests.conftest import SR

RNG = np.random.default_rng(7)


def _stepped_noise(seconds: float, channels: int = 2) -> np.ndarray:
    """Noise whose level steps every 2.3 s (off the 100 ms grid), with a few clipped samples."""
    n = round(seconds * SR)
    level = 0.005 * 3.0 ** (np.floor(np.arange(n) / (2.3 * SR)) % 4)
    x = RNG.standard_normal((n, channels)) * level[:, None]
    x[n // 3, 0] = 1.0  # a full-scale sample: the clip series has something to sum
    if channels == 2:
        x[:, 1] = 0.6 * x[:, 1] + 0.4 * x[:, 0]
    return x.astype(np.float32)


def _fed(meter_bank: MeterBank, signal: np.ndarray, block: int = 7000):
    for start in range(0, len(signal), block):
        meter_bank.update(signal[start : start + block])
    return meter_bank.result()


def _folded(series: np.ndarray, step: int, how: str) -> np.ndarray:
    groups = [series[i : i + step] for i in range(0, len(series), step)]
    return np.array([getattr(np, how)(g, axis=0) for g in groups])


# -- the step ----------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_the_step_is_one_up_to_the_cap_and_grows_past_it(rate: int) -> None:
    cap_frames = SERIES_FRAMES_MAX * rate // 10
    assert series_step(cap_frames, rate) == 1
    assert series_step(cap_frames + 1, rate) == 2
    assert series_step(0, rate) == 1
    two_hours = 7200 * rate
    assert series_step(two_hours, rate) == 12
    assert math.ceil(72000 / series_step(two_hours, rate)) <= SERIES_FRAMES_MAX


def test_a_rule_count_keeps_its_time_on_any_grid() -> None:
    assert grid_count(30, 0.1) == 30
    assert grid_count(50, 0.1) == 50
    assert grid_count(30, 0.2) == 15
    assert grid_count(30, 1.2) == 3  # 3 s: three 1.2 s frames cover it
    assert grid_count(4, 1.2) == 1  # at least one frame


# -- the fold ----------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["sum", "max", "mean"])
@pytest.mark.parametrize("step", [1, 2, 7, 300])
def test_a_fold_given_pieces_of_any_size_gives_the_frames_of_the_whole(how: str, step: int) -> None:
    values = RNG.random((1013, 3))
    fold = SeriesFold(step, how)  # type: ignore[arg-type]
    start = 0
    while start < len(values):
        size = int(RNG.integers(0, 40))
        fold.push(values[start : start + size])
        start += size
    got = fold.series(np.zeros((0, 3)))
    want = _folded(values, step, how)
    assert got.shape == want.shape == (math.ceil(1013 / step), 3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert fold.series(np.zeros((0, 3))).shape == got.shape  # reading leaves the open frame open


def test_a_fold_with_nothing_gives_its_empty_series() -> None:
    fold = SeriesFold(5, "max")
    fold.push(np.zeros(0))
    assert fold.series(np.zeros(0, np.float32)).dtype == np.float32


# -- the loudness meter ------------------------------------------------------------------------
def test_compacting_the_10ms_sums_changes_no_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long signal's 10 ms sums are folded as it goes; every figure and series stays."""
    x = _stepped_noise(41.0)
    whole = LoudnessMeter(SR, 2)
    for start in range(0, len(x), 9000):
        whole.update(x[start : start + 9000])
    reference = whole.result()
    monkeypatch.setattr(loudness_module, "_COMPACT_SEGMENTS", 450)  # compacts every ~5 s
    compacted = LoudnessMeter(SR, 2)
    for start in range(0, len(x), 9000):
        compacted.update(x[start : start + 9000])
    assert compacted._first_10ms > 3000  # it did compact
    got = compacted.result()
    for name in ("integrated_lufs", "momentary_max_lufs", "short_term_max_lufs", "lra_lu"):
        assert getattr(got, name) == pytest.approx(getattr(reference, name), abs=1e-9), name
    for name in ("frame_energy", "short_term_lufs", "momentary_lufs"):
        np.testing.assert_allclose(getattr(got, name), getattr(reference, name), rtol=1e-10)


def test_coarse_frames_keep_the_scalars_and_fold_the_series() -> None:
    x = _stepped_noise(23.4)
    fine = _fed(MeterBank(SR, 2), x).loudness
    coarse = _fed(MeterBank(SR, 2, step=3), x).loudness
    assert coarse.frame_s == pytest.approx(0.3)
    assert fine.frame_s == pytest.approx(0.1)
    for name in ("integrated_lufs", "momentary_max_lufs", "short_term_max_lufs", "lra_lu"):
        assert getattr(coarse, name) == getattr(fine, name), name
    n = len(fine.frame_energy)
    assert len(coarse.frame_energy) == math.ceil(n / 3)
    # each frame's energy is the mean over its 100 ms segments (equal lengths at 48 kHz)
    np.testing.assert_allclose(coarse.frame_energy, _folded(fine.frame_energy, 3, "mean"))
    # the windows are read at each frame's end
    ends = np.minimum(np.arange(2, n + 2, 3), n - 1)
    np.testing.assert_array_equal(coarse.short_term_lufs, fine.short_term_lufs[ends])
    np.testing.assert_array_equal(coarse.momentary_lufs, fine.momentary_lufs[ends])


def test_integrated_over_a_range_reads_coarse_frames_in_seconds() -> None:
    x = _stepped_noise(30.0, channels=1)
    fine = _fed(MeterBank(SR, 1), x).loudness
    coarse = _fed(MeterBank(SR, 1, step=2), x).loudness
    # 400 ms blocks on a 200 ms hop instead of 100 ms: within 0.15 LU on 9.5 dB level steps
    assert integrated_from_energy(coarse.frame_energy, frame_s=0.2) == pytest.approx(
        fine.integrated_lufs, abs=0.15
    )
    # 4.6 .. 9.2 s holds two level steps of the signal: both grids read the same level there
    here = integrated_from_energy(coarse.frame_energy, 4.6, 9.2, frame_s=0.2)
    assert here == pytest.approx(integrated_from_energy(fine.frame_energy, 4.6, 9.2), abs=0.15)
    # a range shorter than a 400 ms block reads nothing on either grid
    assert integrated_from_energy(coarse.frame_energy, 1.0, 1.3, frame_s=0.2) == float("-inf")
    assert integrated_from_energy(coarse.frame_energy, 1.0, 1.4, frame_s=0.2) > -70.0


# -- every meter -------------------------------------------------------------------------------
def test_every_meter_folds_its_series_the_way_it_adds_up() -> None:
    x = _stepped_noise(13.75)
    fine = _fed(MeterBank(SR, 2), x)
    coarse = _fed(MeterBank(SR, 2, step=4), x)
    frames = math.ceil(len(fine.levels.peak_series) / 4)
    lv, cl = fine.levels, coarse.levels
    assert (cl.sample_peak, cl.mean_square, cl.clipped_samples) == (
        lv.sample_peak, lv.mean_square, lv.clipped_samples
    )  # fmt: skip
    np.testing.assert_array_equal(cl.peak_series, _folded(lv.peak_series, 4, "max"))
    np.testing.assert_allclose(cl.mean_square_series, _folded(lv.mean_square_series, 4, "mean"))
    np.testing.assert_array_equal(cl.clip_series, _folded(lv.clip_series, 4, "sum"))
    assert cl.clip_series.sum() == lv.clipped_samples == 1
    assert coarse.true_peak.true_peak_dbtp == fine.true_peak.true_peak_dbtp
    np.testing.assert_array_equal(
        coarse.true_peak.peak_series_dbtp, _folded(fine.true_peak.peak_series_dbtp, 4, "max")
    )
    assert coarse.bands.mid_power.shape == (frames, 30)
    np.testing.assert_allclose(
        coarse.bands.mid_power, _folded(fine.bands.mid_power, 4, "mean"), rtol=1e-5
    )
    np.testing.assert_allclose(
        coarse.bands.side_power, _folded(fine.bands.side_power, 4, "mean"), rtol=1e-5
    )
    assert fine.stereo is not None and coarse.stereo is not None
    for name in ("ll_series", "rr_series", "lr_series"):
        np.testing.assert_allclose(
            getattr(coarse.stereo, name), _folded(getattr(fine.stereo, name), 4, "sum")
        )
    assert coarse.stereo.correlation == pytest.approx(fine.stereo.correlation, rel=1e-12)
    assert coarse.metrics() == fine.metrics()


# -- a long session ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flawed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.suggest_support import DEMO
    from tools.make_flawed_session import make_flawed_session

    folder = tmp_path_factory.mktemp("grid") / "song"
    make_flawed_session(DEMO, folder)
    return folder


def _on_grid(monkeypatch: pytest.MonkeyPatch, folder: Path, cap: int):
    monkeypatch.setattr(segments, "SERIES_FRAMES_MAX", cap)
    return analyze(folder, workers=1, use_cache=False)


@pytest.fixture(scope="module")
def fine_found(flawed_folder: Path) -> dict[tuple[str, tuple[str, ...]], dict]:
    fine = analyze(flawed_folder, workers=1, use_cache=False)
    assert fine.frame_s == pytest.approx(0.1)
    return {(s.kind, tuple(s.stems)): dict(s.params) for s in suggest(fine)}


@pytest.mark.parametrize("cap, frame_s", [(150, 0.2), (100, 0.3)])
def test_a_long_session_is_judged_as_a_short_one(
    monkeypatch: pytest.MonkeyPatch,
    flawed_folder: Path,
    fine_found: dict[tuple[str, tuple[str, ...]], dict],
    cap: int,
    frame_s: float,
) -> None:
    """The 30 s flawed session on 200 and 300 ms frames (as a 10 to 30 minute session is
    measured): the same sections within a frame and every suggestion found on 100 ms frames,
    gains within 1 dB. Frames longer than a syllable blur a part's gaps, so one more masking
    cut may come up; and which stem makes a frame's peak, so the headroom may take up to 2 dB
    more (never less)."""
    coarse = _on_grid(monkeypatch, flawed_folder, cap)
    assert coarse.session.frame_s == coarse.frame_s == pytest.approx(frame_s)
    assert all(
        r.measurement.loudness.frame_s == pytest.approx(frame_s)
        for r in coarse.stems
        if r.measurement
    )
    assert Features.build(coarse).frames == round(30.0 / frame_s)
    fine = analyze(flawed_folder, workers=1, use_cache=False)  # still 30 s: the cap is patched
    assert [s.name for s in coarse.sections] == [s.name for s in fine.sections]
    for a, b in zip(coarse.sections, fine.sections, strict=True):
        assert abs(a.start_s - b.start_s) <= frame_s + 1e-9
    found = {(s.kind, tuple(s.stems)): dict(s.params) for s in suggest(coarse)}
    assert set(fine_found) <= set(found)
    assert len(set(found) - set(fine_found)) <= 1
    assert all(kind == "unmask" for kind, _ in set(found) - set(fine_found))
    for key, params in fine_found.items():
        if key[0] == "headroom":  # the peak per frame is blurred: as safe or safer, within 2 dB
            assert params["gain_db"] - 2.0 <= found[key]["gain_db"] <= params["gain_db"], key
        elif "gain_db" in params:
            assert found[key]["gain_db"] == pytest.approx(params["gain_db"], abs=1.0), key
    assert coarse.mix is not None and fine.mix is not None
    assert coarse.mix.metrics() == fine.mix.metrics()


def test_the_cache_keeps_each_grid_apart(
    monkeypatch: pytest.MonkeyPatch, flawed_folder: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "song"
    shutil.copytree(flawed_folder, folder)
    first = analyze(folder, workers=1)
    again = analyze(folder, workers=1)
    assert all(again.cached.values()) and not any(first.cached.values())
    monkeypatch.setattr(segments, "SERIES_FRAMES_MAX", 100)
    coarse = analyze(folder, workers=1)
    assert not any(coarse.cached.values())  # measured again, on its own grid
    assert coarse.mix is not None and coarse.mix.loudness.frame_s == pytest.approx(0.3)


# -- series made at their full size ------------------------------------------------------------
@pytest.mark.parametrize("how", ["sum", "max", "mean"])
@pytest.mark.parametrize("step, capacity", [(1, 1013), (3, 340), (3, 200), (7, 0)])
def test_a_fold_of_known_length_gives_the_same_frames(how: str, step: int, capacity: int) -> None:
    """Written into one array made at its full size (or past it, when the length was wrong),
    the series is the same as kept in pieces; reading it leaves the fold going on."""
    values = RNG.random((1013, 3))
    pieces = SeriesFold(step, how)  # type: ignore[arg-type]
    sized = SeriesFold(step, how, capacity)  # type: ignore[arg-type]
    start = 0
    while start < len(values):
        size = int(RNG.integers(0, 40))
        for fold in (pieces, sized):
            fold.push(values[start : start + size])
        start += size
        if start > 500 and start - size <= 500:
            halfway = sized.series(np.zeros((0, 3))).copy()
    got = sized.series(np.zeros((0, 3)))
    np.testing.assert_array_equal(got, pieces.series(np.zeros((0, 3))))
    np.testing.assert_array_equal(got[: len(halfway) - 1], halfway[:-1])  # the frames before
    assert got.shape == (math.ceil(1013 / step), 3)


def test_a_meter_bank_told_the_length_measures_the_same() -> None:
    """The series made at their full size hold the same values as grown piece by piece, on
    100 ms frames and on longer ones, and a length given wrong changes nothing either."""
    x = _stepped_noise(9.37)
    for step in (1, 3):
        grown = _fed(MeterBank(SR, 2, step), x)
        for length in (len(x), len(x) // 2, 4 * len(x)):
            sized = _fed(MeterBank(SR, 2, step, length), x)
            assert sized.metrics() == grown.metrics()
            np.testing.assert_array_equal(sized.bands.mid_power, grown.bands.mid_power)
            np.testing.assert_array_equal(sized.bands.side_power, grown.bands.side_power)
            np.testing.assert_array_equal(sized.levels.peak_series, grown.levels.peak_series)
            np.testing.assert_array_equal(
                sized.levels.mean_square_series, grown.levels.mean_square_series
            )
            np.testing.assert_array_equal(sized.levels.clip_series, grown.levels.clip_series)
            np.testing.assert_array_equal(
                sized.true_peak.peak_series_dbtp, grown.true_peak.peak_series_dbtp
            )
            assert sized.stereo is not None and grown.stereo is not None
            np.testing.assert_array_equal(sized.stereo.lr_series, grown.stereo.lr_series)


def test_the_series_capacity_holds_every_frame() -> None:
    for rate in (8000, 11025, 44100, 44106, 48000, 96000):
        for seconds in (0.05, 0.1, 1.0, 61.37, 600.0, 7200.0):
            frames = round(seconds * rate)
            for step in (1, 2, 12):
                # segments of whole samples (levels, bands, stereo) and on tenths (true peak)
                for made in (
                    math.ceil(frames / segments.segment_frames(rate)),
                    math.ceil(frames * 10 / rate),
                ):
                    assert segments.series_capacity(frames, rate, step) >= math.ceil(made / step)
    assert segments.series_capacity(0, 48000, 1) == 0


def test_the_rendered_versions_keep_at_most_a_four_minute_series() -> None:
    from mixreview.analysis.render import VERSION_SERIES_FRAMES_MAX

    assert series_step(240 * SR, SR, VERSION_SERIES_FRAMES_MAX) == 1
    assert series_step(600 * SR, SR, VERSION_SERIES_FRAMES_MAX) == 3
    assert series_step(7200 * SR, SR, VERSION_SERIES_FRAMES_MAX) == 30
    assert series_step(7200 * SR, SR) == 12  # the session's own grid is finer
