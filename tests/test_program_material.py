"""The whole measurement pass agrees with libebur128 (pyebur128) on real program material."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import analyze
from mixreview.analysis.session import load_session

pyebur128 = pytest.importorskip("pyebur128")
DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"


def reference(x: np.ndarray, sample_rate: int) -> tuple[float, float]:
    modes = pyebur128.MeasurementMode
    state = pyebur128.R128State(x.shape[1], sample_rate, modes.MODE_I | modes.MODE_TRUE_PEAK)
    data = np.ascontiguousarray(x, dtype=np.float32)
    state.add_frames(data.ravel(), len(data))
    peak = max(pyebur128.get_true_peak(state, ch) for ch in range(x.shape[1]))
    return pyebur128.get_loudness_global(state), 20 * np.log10(peak)


@pytest.fixture(scope="module")
def demo_analysis():  # type: ignore[no-untyped-def]
    return analyze(DEMO, workers=2, use_cache=False)


@pytest.mark.parametrize("file", ["Lead_Vocal.flac", "Snare.flac", "Kick.flac", "Pad.flac"])
def test_stems_agree_with_libebur128(demo_analysis, file: str) -> None:  # type: ignore[no-untyped-def]
    data, rate = sf.read(str(DEMO / file), dtype="float32", always_2d=True)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)  # mono stems are measured as they sit in the mix
    want_lufs, want_tp = reference(data, rate)
    metrics = demo_analysis.stem_report(file).measurement.metrics()
    assert metrics["integrated_lufs"] == pytest.approx(want_lufs, abs=0.01)
    assert metrics["true_peak_dbtp"] == pytest.approx(want_tp, abs=0.05)


def test_mix_agrees_with_libebur128(demo_analysis) -> None:  # type: ignore[no-untyped-def]
    session = load_session(DEMO)
    total = np.zeros((session.frames, 2), np.float32)
    for stem in session.mix_stems:
        data, _ = sf.read(str(stem.path), dtype="float32", always_2d=True)
        total[: len(data)] += data if data.shape[1] == 2 else np.repeat(data, 2, axis=1)
    want_lufs, want_tp = reference(total, session.sample_rate)
    metrics = demo_analysis.mix.metrics()
    assert metrics["integrated_lufs"] == pytest.approx(want_lufs, abs=0.01)
    assert metrics["true_peak_dbtp"] == pytest.approx(want_tp, abs=0.05)
