"""Synthesised EBU Tech 3341 / 3342 and BS.1770 test signals (float32, (frames, channels)).

Levels are per-channel peak dBFS of a sine; stereo cases carry the same signal on both channels.
Each case is one phase-continuous sine times a piecewise-constant gain, as in the EBU test files.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

FS = 48000

Segment = tuple[float, float | None]
"""(duration_s, level_dbfs) of one piece of a test signal; level None is digital silence."""


def sine_segments(
    segments: list[Segment],
    freq_hz: float = 1000.0,
    sample_rate: int = FS,
    channels: int = 2,
    phase_rad: float = 0.0,
) -> np.ndarray:
    """A phase-continuous sine whose peak level changes per segment (sample-rounded boundaries)."""
    edges = np.round(np.cumsum([0.0] + [d for d, _ in segments]) * sample_rate).astype(np.int64)
    gain = np.empty(int(edges[-1]))
    for (start, stop), (_, level) in zip(pairwise(edges), segments, strict=False):
        gain[start:stop] = 0.0 if level is None else 10.0 ** (level / 20.0)
    t = np.arange(gain.size)
    mono = gain * np.sin(2.0 * np.pi * freq_hz * t / sample_rate + phase_rad)
    return np.repeat(mono.astype(np.float32)[:, None], channels, axis=1)


# Tech 3341 cases with a single file: case -> (segments, expected quantity, expected LUFS).
TECH3341_CASES: dict[int, list[Segment]] = {
    1: [(20.0, -23.0)],
    2: [(20.0, -33.0)],
    3: [(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)],
    4: [(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)],
    5: [(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)],
    9: [(1.34, -20.0), (1.66, -30.0)] * 5,
    12: [(0.18, -20.0), (0.22, -30.0)] * 25,
}


def tech3341(case: int) -> np.ndarray:
    """Tech 3341 case 1-5, 9 or 12: 1 kHz stereo at 48 kHz."""
    return sine_segments(TECH3341_CASES[case])


def tech3341_case10_files() -> list[np.ndarray]:
    """Tech 3341 case 10: file i (1..20) = i*0.15 s silence, 3 s at -23 dBFS, 1 s silence."""
    return [sine_segments([(0.15 * i, None), (3.0, -23.0), (1.0, None)]) for i in range(1, 21)]


def tech3341_case13_files() -> list[np.ndarray]:
    """Tech 3341 case 13: file i (1..20) = i*20 ms silence, 400 ms at -23 dBFS, 1 s silence."""
    return [sine_segments([(0.02 * i, None), (0.4, -23.0), (1.0, None)]) for i in range(1, 21)]


# Tech 3341 true-peak cases: case -> (frequency as a fraction of fs, amplitude, phase in degrees).
TRUE_PEAK_CASES: dict[int, tuple[float, float, float]] = {
    15: (1 / 4, 0.50, 0.0),
    16: (1 / 4, 0.50, 45.0),
    17: (1 / 6, 0.50, 60.0),
    18: (1 / 8, 0.50, 67.5),
    19: (1 / 4, 1.41, 45.0),
}


def tech3341_true_peak(case: int, duration_s: float = 3.2, fade_s: float = 0.01) -> np.ndarray:
    """Tech 3341 case 15-19: stereo sine with the given amplitude/phase and linear 10 ms fades."""
    fraction, amplitude, phase_deg = TRUE_PEAK_CASES[case]
    n = round(duration_s * FS)
    t = np.arange(n)
    mono = amplitude * np.sin(2.0 * np.pi * fraction * t + np.deg2rad(phase_deg))
    fade = round(fade_s * FS)
    ramp = np.linspace(0.0, 1.0, fade, endpoint=False)
    mono[:fade] *= ramp
    mono[n - fade :] *= ramp[::-1]
    return np.repeat(mono.astype(np.float32)[:, None], 2, axis=1)


# Tech 3342 cases: case -> segments (1 kHz stereo), expected LRA in LU.
TECH3342_CASES: dict[int, tuple[list[Segment], float]] = {
    1: ([(20.0, -20.0), (20.0, -30.0)], 10.0),
    2: ([(20.0, -20.0), (20.0, -15.0)], 5.0),
    3: ([(20.0, -40.0), (20.0, -20.0)], 20.0),
    4: ([(20.0, -50.0), (20.0, -35.0), (20.0, -20.0), (20.0, -35.0), (20.0, -50.0)], 15.0),
}


def tech3342(case: int) -> np.ndarray:
    """Tech 3342 LRA case 1-4."""
    return sine_segments(TECH3342_CASES[case][0])


def bs1770_anchor(duration_s: float = 5.0) -> np.ndarray:
    """BS.1770 anchor: 997 Hz at 0 dBFS in the left channel only, silence right (-3.01 LKFS)."""
    x = sine_segments([(duration_s, 0.0)], freq_hz=997.0)
    x[:, 1] = 0.0
    return x


def program_like(duration_s: float, sample_rate: int, channels: int, seed: int = 0) -> np.ndarray:
    """Band-limited noise (60 Hz - 12 kHz) under a stepped loudness envelope with fades and gaps.

    Stands in for music in cross-checks: level changes every 0.7-2.5 s over a ~25 dB range,
    channels partly correlated.
    """
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate)
    common = rng.standard_normal(n)
    noise = np.stack([0.7 * common + 0.3 * rng.standard_normal(n) for _ in range(channels)], 1)
    high = min(12000.0, 0.45 * sample_rate)
    band = butter(4, [60.0, high], "bandpass", fs=sample_rate, output="sos")
    noise = sosfilt(band, noise, axis=0)
    noise /= np.sqrt(np.mean(noise**2))
    envelope = np.empty(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.7, 2.5) * sample_rate)
        level_db = rng.uniform(-42.0, -16.0) if rng.random() > 0.1 else -120.0
        envelope[pos : pos + length] = 10.0 ** (level_db / 20.0)
        pos += length
    smooth = max(1, int(0.02 * sample_rate))
    envelope = np.convolve(envelope, np.ones(smooth) / smooth, mode="same")
    return (noise * envelope[:, None]).astype(np.float32)
