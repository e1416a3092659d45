"""The scipy functions the engine calls, imported on first use.

Importing ``scipy.signal`` takes about half a second (it imports ``scipy.stats`` and more), and
``scipy.fft`` a tenth: opening a measured session needs neither, so the review screen comes up
without them and the first measurement, render or playback pays for them once. Measuring needs
neither ``scipy.signal`` itself: its filter kernel is loaded alone (``sosfilt_kernel``) and the
true-peak filter is designed with numpy (``kaiser_lowpass``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SOSFILT_MODULE = "scipy.signal._sosfilt"


def sosfilt(sos: np.ndarray, x: np.ndarray, axis: int = -1, zi: Any = None) -> Any:
    """``scipy.signal.sosfilt``."""
    from scipy.signal import sosfilt as function

    return function(sos, x, axis=axis, zi=zi)


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, axis: int = -1, zi: Any = None) -> Any:
    """``scipy.signal.lfilter``."""
    from scipy.signal import lfilter as function

    return function(b, a, x, axis=axis, zi=zi)


def kaiser_lowpass(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """A linear-phase low-pass FIR, ``cutoff`` relative to Nyquist, Kaiser window ``beta``,
    unity gain at DC: what ``scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta))``
    gives (to 1e-17), without importing scipy.signal."""
    m = np.arange(numtaps) - 0.5 * (numtaps - 1)
    taps = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return np.asarray(taps / taps.sum())


def sosfilt_kernel() -> Callable[..., None] | None:
    """scipy's in-place kernel under ``sosfilt`` (``scipy.signal._sosfilt._sosfilt``), or None
    where this scipy has none.

    Importing it the usual way runs ``scipy.signal``'s whole package first (half a second, paid
    before every measuring pass). When that package is not imported yet, the compiled module is
    loaded on its own and registered under its name, so a later ``import scipy.signal`` uses the
    same module. It is a private module: ``SosFilter`` checks the kernel against a reference
    filter before it uses it, and falls back on the public functions."""
    module = sys.modules.get(SOSFILT_MODULE)
    try:
        if module is None and "scipy.signal" not in sys.modules:
            module = _load_alone(SOSFILT_MODULE)
        if module is None:
            module = importlib.import_module(SOSFILT_MODULE)
    except (ImportError, OSError):  # pragma: no cover - depends on the scipy build
        return None
    kernel = getattr(module, "_sosfilt", None)
    return kernel if callable(kernel) else None


def _load_alone(name: str) -> Any:
    """The compiled submodule ``name`` of an installed package, loaded without running its
    package's ``__init__``; None when it is not a single compiled file there."""
    import scipy

    package, _, leaf = name.rpartition(".")
    folder = Path(scipy.__file__).parent.joinpath(*package.split(".")[1:])
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"{leaf}{suffix}"
        if path.is_file():
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                return None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
            return module
    return None


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
