"""The scipy functions the engine calls, imported on first use.

Importing ``scipy.signal`` takes about half a second (it imports ``scipy.stats`` and more), and
``scipy.fft`` a tenth: opening a measured session needs neither, so the review screen comes up
without them and the first measurement, render or playback pays for them once.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sosfilt(sos: np.ndarray, x: np.ndarray, axis: int = -1, zi: Any = None) -> Any:
    """``scipy.signal.sosfilt``."""
    from scipy.signal import sosfilt as function

    return function(sos, x, axis=axis, zi=zi)


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, axis: int = -1, zi: Any = None) -> Any:
    """``scipy.signal.lfilter``."""
    from scipy.signal import lfilter as function

    return function(b, a, x, axis=axis, zi=zi)


def firwin(numtaps: int, cutoff: float, window: Any) -> np.ndarray:
    """``scipy.signal.firwin``."""
    from scipy.signal import firwin as function

    return np.asarray(function(numtaps, cutoff, window=window))


def upfirdn(h: np.ndarray, x: np.ndarray, up: int, down: int, axis: int) -> np.ndarray:
    """``scipy.signal.upfirdn``."""
    from scipy.signal import upfirdn as function

    return np.asarray(function(h, x, up, down, axis=axis))


def rfft(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``scipy.fft.rfft`` (it keeps float32 input in single precision)."""
    from scipy.fft import rfft as function

    return np.asarray(function(x, axis=axis))


def sos_response(sos: np.ndarray, freqs_hz: np.ndarray, sample_rate: float) -> np.ndarray:
    """Complex response of second-order sections at ``freqs_hz``, as ``scipy.signal.freqz_sos``
    gives it: the product over sections of (b0 + b1 z^-1 + b2 z^-2) / (a0 + a1 z^-1 + a2 z^-2)."""
    sos = np.atleast_2d(np.asarray(sos, np.float64))
    z1 = np.exp(-2j * np.pi * np.asarray(freqs_hz, np.float64) / sample_rate)
    z2 = z1 * z1
    response = np.ones(z1.shape, np.complex128)
    for b0, b1, b2, a0, a1, a2 in sos:
        response *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
    return response
