"""Signal helpers for the generated stems: filters, a small synthetic stereo room, M/S widening,
delay, constant-power panning, and BS.1770 loudness and true peak for the gain staging."""

from __future__ import annotations

import numpy as np
from scipy import signal

from tools.sample_session.song import N_SAMPLES, SR


def highpass(x: np.ndarray, hz: float, order: int = 2) -> np.ndarray:
    sos = signal.butter(order, hz, "highpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=0)


def lowpass(x: np.ndarray, hz: float, order: int = 2) -> np.ndarray:
    sos = signal.butter(order, hz, "lowpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=0)


def peaking(x: np.ndarray, hz: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ cookbook peaking EQ."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * hz / SR
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return signal.lfilter(b / den[0], den / den[0], x, axis=0)


def room_ir(seed: int, rt60: float, predelay_ms: float, tone_hz: float) -> np.ndarray:
    """Two decorrelated exponentially decaying noise tails (a small synthetic room)."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    env = np.exp(-6.91 * t / rt60) * (1 - np.exp(-t / 0.004))
    ir = rng.standard_normal((n, 2)) * env[:, None]
    ir = lowpass(ir, tone_hz, 1)
    ir = np.concatenate([np.zeros((int(predelay_ms * SR / 1000), 2)), ir])
    return ir / np.sqrt(np.sum(ir**2, axis=0, keepdims=True))


def corr(x: np.ndarray) -> float:
    left, right = x[:, 0], x[:, 1]
    return float(np.dot(left, right) / np.sqrt(np.dot(left, left) * np.dot(right, right) + 1e-30))


def add_room(
    dry: np.ndarray, ir: np.ndarray, target_corr: float, wet_range: tuple[float, float]
) -> np.ndarray:
    """Mix a stereo room into a stereo dry signal, picking the send level (within
    wet_range, relative to the dry RMS) that lands the L/R correlation on target."""
    mid = dry.mean(axis=1)
    wet = np.stack([signal.fftconvolve(mid, ir[:, c])[:N_SAMPLES] for c in range(2)], axis=1)
    wet *= np.sqrt(np.mean(dry**2) / (np.mean(wet**2) + 1e-30))
    lo, hi = wet_range
    if corr(dry + lo * wet) <= target_corr:
        g = lo
    elif corr(dry + hi * wet) >= target_corr:
        g = hi
    else:
        for _ in range(30):
            g = 0.5 * (lo + hi)
            if corr(dry + g * wet) > target_corr:
                lo = g
            else:
                hi = g
    return dry + g * wet


def decorrelator(seed: int, ms: float = 4.0) -> np.ndarray:
    """A short flat-magnitude, random-phase FIR (an all-pass-like decorrelator)."""
    rng = np.random.default_rng(seed)
    n = int(ms * SR / 1000) * 2
    spec = np.exp(1j * rng.uniform(-np.pi, np.pi, n // 2 + 1))
    spec[0] = spec[-1] = 1.0
    h = np.fft.irfft(spec, n) * np.hanning(n)
    return h / np.sqrt(np.sum(h**2))


def widen(x: np.ndarray, width: float, seed: int) -> np.ndarray:
    """M/S widening of a stereo signal: add a decorrelated copy of the mid as side."""
    mid = x.mean(axis=1)
    side = signal.fftconvolve(mid, decorrelator(seed))[: len(mid)] * width
    return x + np.stack([side, -side], axis=1)


def delay(x: np.ndarray, seconds: float) -> np.ndarray:
    n = round(seconds * SR)
    return np.concatenate([np.zeros((n, *x.shape[1:])), x[:-n]])


def pan_mono(x: np.ndarray, pan: float) -> np.ndarray:
    """Constant-power pan, pan in [-1, 1]."""
    th = (pan + 1) * np.pi / 4
    return np.stack([x * np.cos(th), x * np.sin(th)], axis=1) * np.sqrt(2)


# BS.1770 K-weighting at 48 kHz
_K1 = (
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [1.0, -1.69065929318241, 0.73248077421585],
)
_K2 = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def integrated_lufs(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    y = signal.lfilter(*_K2, signal.lfilter(*_K1, x, axis=0), axis=0)
    hop, win = SR // 10, SR * 4 // 10
    e = np.cumsum(np.concatenate([np.zeros((1, y.shape[1])), y**2]), axis=0)
    starts = np.arange(0, len(y) - win + 1, hop)
    z = ((e[starts + win] - e[starts]) / win).sum(axis=1)
    lk = -0.691 + 10 * np.log10(z + 1e-30)
    z = z[lk > -70]
    if not len(z):
        return -np.inf
    rel = -0.691 + 10 * np.log10(z.mean()) - 10
    z = z[-0.691 + 10 * np.log10(z) > rel]
    return float(-0.691 + 10 * np.log10(z.mean()))


def true_peak_db(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    peak = 0.0
    for c in range(x.shape[1]):
        up = signal.resample_poly(np.ascontiguousarray(x[:, c], dtype=np.float32), 4, 1)
        peak = max(peak, float(np.max(np.abs(up))), float(np.max(np.abs(x[:, c]))))
    return 20 * np.log10(peak + 1e-30)
