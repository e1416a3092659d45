"""Program material and a look-ahead brickwall limiter for the limiting tests (no tests here)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from tests.conftest import SR

HIT_S = 0.4


def _forward_min(values: np.ndarray, size: int) -> np.ndarray:
    """``out[i] = min(values[i : i + size])`` (the last value repeats past the end)."""
    half = size // 2
    padded = np.concatenate([values, np.full(half, values[-1])])
    return ndimage.minimum_filter1d(padded, size, mode="nearest")[half:]


def _backward_mean(values: np.ndarray, size: int) -> np.ndarray:
    """``out[i] = mean(values[i - size + 1 : i + 1])`` (1.0, no gain change, before the start)."""
    half = size // 2
    padded = np.concatenate([np.ones(size - 1), values])
    return ndimage.uniform_filter1d(padded, size, mode="nearest")[half : half + len(values)]


def _release(held: np.ndarray, release_s: float) -> np.ndarray:
    """Gain that falls at once and recovers exponentially: the gain reduction (in nepers) decays
    with time constant ``release_s`` unless the held gain asks for more."""
    reduction = -np.log(held)
    steps = np.arange(len(held)) / (release_s * SR)
    with np.errstate(divide="ignore"):
        log_reduction = np.log(reduction)
    return np.exp(-np.exp(np.maximum.accumulate(log_reduction + steps) - steps))


def lookahead_limit(
    x: np.ndarray, ceiling_dbfs: float, lookahead_ms: float = 1.5, release_ms: float = 80.0
) -> np.ndarray:
    """A look-ahead brickwall limiter (stereo-linked for 2-D input), float32 out.

    The gain each sample needs is held over the look-ahead window (so it starts falling before
    the peak arrives), recovers with the release, and is smoothed by a moving average as long as
    the look-ahead (so it never rises above what any sample in the window needs); a hard clip at
    the ceiling is the last stage.
    """
    ceiling = 10.0 ** (ceiling_dbfs / 20.0)
    window = round(lookahead_ms * 1e-3 * SR) + 1
    peak = np.abs(x) if x.ndim == 1 else np.abs(x).max(axis=1)
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    gain = _backward_mean(_release(_forward_min(needed, window), release_ms * 1e-3), window)
    out = x * (gain if x.ndim == 1 else gain[:, None])
    return np.clip(out, -ceiling, ceiling).astype(np.float32)


def _place(template: np.ndarray, starts: np.ndarray, gains: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n + len(template))
    for start, gain in zip(starts, gains, strict=True):
        out[start : start + len(template)] += gain * template
    return out[:n]


def kick_hit(variant: int = 0) -> np.ndarray:
    t = np.arange(round(HIT_S * SR)) / SR
    freq = 50.0 + (120.0 + 10.0 * variant) * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / (0.12 + 0.01 * variant))


def snare_hit(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(HIT_S * SR)) / SR
    sos = signal.butter(2, [180.0, 6000.0], "bandpass", fs=SR, output="sos")
    burst = signal.sosfilt(sos, rng.standard_normal(len(t))) * np.exp(-t / 0.06)
    burst += 0.4 * np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.05)
    return 0.5 * burst / np.abs(burst).max()


def drums_and_bass(seconds: float, seed: int = 0, bpm: float = 123.0) -> np.ndarray:
    """Mono program material: kick, snare and hats (four variants each, played with varying
    velocity and a little timing drift) over a plucked bass line; peaks around 1.5-2."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    beat = 60.0 / bpm
    beats = np.arange(0.0, seconds - HIT_S, beat)
    eighths = np.arange(0.0, seconds - HIT_S, beat / 2)
    hat_sos = signal.butter(4, 7000.0, "highpass", fs=SR, output="sos")
    hat_t = np.arange(SR // 20) / SR
    out = np.zeros(n)
    for v in range(4):
        hat = signal.sosfilt(hat_sos, rng.standard_normal(len(hat_t))) * np.exp(-hat_t / 0.015)
        for template, times, spread, low in (
            (kick_hit(v), beats[v::4], 40, 0.75),
            (snare_hit(rng), beats[1::2][v::4], 60, 0.6),
            (0.15 * hat / np.abs(hat).max(), eighths[v::4], 80, 0.5),
        ):
            starts = np.round(times * SR).astype(int) + rng.integers(0, spread, len(times))
            out += _place(template, starts, rng.uniform(low, 1.0, len(times)), n)
    return out + _bass(n, eighths, beat / 2, rng)


def _bass(n: int, notes_at: np.ndarray, note_s: float, rng: np.random.Generator) -> np.ndarray:
    scale_hz = 41.2 * 2.0 ** (np.array([0, 3, 5, 7, 10, 12]) / 12.0)
    note_frames = round(note_s * SR)
    note = np.minimum(np.arange(n) // note_frames, len(notes_at) - 1)
    pitch_hz = scale_hz[rng.integers(0, len(scale_hz), len(notes_at))][note]
    phase = (2 * np.pi * np.mod(np.cumsum(pitch_hz / SR), 1.0)).astype(np.float32)
    since = np.arange(max(note_frames, n - (len(notes_at) - 1) * note_frames)) / SR
    envelope = (np.exp(-since / 0.25) * (1.0 - np.exp(-since / 0.004)))[
        np.arange(n) - note * note_frames
    ]
    tone = np.sin(phase) + 0.5 * np.sin(2 * phase + 0.3) + 0.3 * np.sin(3 * phase + 1.1)
    return 0.45 * tone * envelope * rng.uniform(0.8, 1.0, len(notes_at))[note]


def identical_hits(count: int, period_s: float = 0.5, peak: float = 0.9) -> np.ndarray:
    """``count`` copies of one kick-and-snare hit, sample for sample, every ``period_s``."""
    hit = kick_hit() + snare_hit(np.random.default_rng(3))
    hit *= peak / np.abs(hit).max()
    step = round(period_s * SR)
    starts = np.arange(count) * step
    return _place(hit, starts, np.ones(count), count * step + len(hit)).astype(np.float32)
