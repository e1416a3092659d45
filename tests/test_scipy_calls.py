"""The numpy stand-ins for scipy.signal (section responses, Butterworth and Kaiser designs) are
scipy's; opening a session needs no scipy, and measuring no scipy.signal."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.dsp.biquad import butterworth_sos, highpass_sos, peaking_sos
from mixreview.analysis.dsp.sosfilter import _reference_sosfilt
from mixreview.analysis.meters.loudness import k_weighting_sos
from mixreview.analysis.samples import bundled_session
from mixreview.analysis.scipy_calls import kaiser_lowpass, sos_response


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_sos_response_is_freqz_sos(rate: int) -> None:
    freqs = np.geomspace(10.0, rate / 2 * 0.99, 300)
    for sos in (
        k_weighting_sos(rate),
        highpass_sos(80.0, rate, order=4),
        peaking_sos(2500.0, -4.5, 1.2, rate),
        signal.butter(6, 1200.0, btype="lowpass", fs=rate, output="sos"),
    ):
        _, expected = signal.freqz_sos(sos, worN=freqs, fs=rate)
        np.testing.assert_allclose(sos_response(sos, freqs, rate), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["lowpass", "highpass"])
@pytest.mark.parametrize("order", range(1, 11))
def test_butterworth_is_scipys(kind: str, order: int) -> None:
    for rate in (44100, 48000, 96000):
        for freq_hz in (20.0, 80.0, 1000.0, 15000.0, 21000.0):
            expected = signal.butter(order, freq_hz, btype=kind, fs=rate, output="sos")
            mine = butterworth_sos(order, freq_hz, kind, rate)
            assert mine.shape == expected.shape
            if order % 2 == 0:  # the same sections
                np.testing.assert_allclose(mine, expected, rtol=1e-9, atol=1e-300)
            freqs = np.geomspace(5.0, rate / 2 * 0.999, 200)
            _, response = signal.freqz_sos(expected, worN=freqs, fs=rate)
            np.testing.assert_allclose(
                sos_response(mine, freqs, rate), response, rtol=1e-8, atol=1e-12
            )


def _python(script: str) -> str:
    """What ``script`` prints, run by a new Python process (which must succeed)."""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_opening_a_measured_session_imports_no_scipy_signal(tmp_path: Path) -> None:
    """The app's modules, a cached analysis and the suggestions: scipy.signal (half a second to
    import) and scipy.fft are left for the first measurement, render or playback."""
    session = tmp_path / "song"
    shutil.copytree(bundled_session(), session)
    measure = f"from mixreview.analysis.analyze import analyze; analyze({str(session)!r})"
    subprocess.run([sys.executable, "-c", measure], check=True, timeout=300)
    script = (
        "import sys\n"
        "import mixreview.tui.app\n"
        "from mixreview.analysis.analyze import analyze\n"
        "from mixreview.analysis.suggest import suggest\n"
        f"analysis = analyze({str(session)!r})\n"
        "assert all(analysis.cached.values()), analysis.cached\n"
        "suggest(analysis)\n"
        "print(sorted(n for n in sys.modules if n in ('scipy.signal', 'scipy.fft')))\n"
    )
    assert _python(script).strip() == "[]"


@pytest.mark.parametrize(
    ("numtaps", "cutoff", "beta"), [(129, 0.25, 8.0), (65, 0.5, 8.0), (321, 1 / 160, 5.0)]
)
def test_kaiser_lowpass_is_firwin(numtaps: int, cutoff: float, beta: float) -> None:
    expected = signal.firwin(numtaps, cutoff, window=("kaiser", beta))
    np.testing.assert_allclose(kaiser_lowpass(numtaps, cutoff, beta), expected, rtol=0, atol=1e-15)


def test_the_reference_filter_is_sosfilt() -> None:
    """The sample-by-sample filter the kernel is checked against filters as sosfilt does."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 50))
    for sos in (butterworth_sos(4, 0.1, "lowpass", 2.0), peaking_sos(1000.0, 6.0, 1.0, 48000)):
        zi = rng.standard_normal((sos.shape[0], 2, 2))
        expected, expected_zi = signal.sosfilt(sos, x, axis=-1, zi=zi)
        got, got_zi = _reference_sosfilt(sos, x, zi)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got_zi, expected_zi, rtol=0, atol=1e-12)


def test_measuring_imports_no_scipy_signal(tmp_path: Path) -> None:
    """A measuring pass, in one process and in workers, loads scipy's filter kernel alone; the
    kernel is the one ``scipy.signal`` uses once that is imported."""
    session = tmp_path / "song"
    shutil.copytree(bundled_session(), session)
    script = (
        "import sys\n"
        "from mixreview.analysis.analyze import analyze\n"
        "from mixreview.analysis.dsp import sosfilter\n"
        f"for workers in (1, 2): analyze({str(session)!r}, workers=workers, use_cache=False)\n"
        "print(sosfilter._KERNEL, 'scipy.signal' in sys.modules)\n"
        "import scipy.signal\n"
        "from scipy.signal._sosfilt import _sosfilt\n"
        "print(sosfilter._sosfilt_kernel is _sosfilt)\n"
    )
    assert _python(script).split() == ["True", "False", "True"]
