"""Shared signals and processor set-ups for the dsp tests (no tests here)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixreview.analysis.dsp import (
    EQ,
    Chain,
    Compressor,
    Gain,
    MonoBelow,
    Pan,
    Polarity,
    Processor,
    SectionGain,
    Width,
    high_shelf,
    highpass,
    low_shelf,
    lowpass,
    peaking,
)

SAMPLE_RATE = 48_000


def make_signal(frames: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    """Noise plus a low sine under a rising and falling envelope (so dynamics act), float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / SAMPLE_RATE
    envelope = 0.05 + 0.6 * np.abs(np.sin(2 * np.pi * 3.0 * t))
    x = rng.standard_normal((frames, channels)) * 0.2
    x += np.sin(2 * np.pi * 60.0 * t)[:, None] * np.array([0.5, -0.3][:channels])
    return (x * envelope[:, None]).astype(np.float32)


def sine(freq_hz: float, seconds: float, amplitude: float = 1.0) -> np.ndarray:
    """A float64 sine, 1-D."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def sine_amplitude(y: np.ndarray, freq_hz: float) -> float:
    """Amplitude of the ``freq_hz`` component of 1-D ``y`` by least squares (steady state)."""
    t = np.arange(y.size) / SAMPLE_RATE
    basis = np.stack([np.sin(2 * np.pi * freq_hz * t), np.cos(2 * np.pi * freq_hz * t)], axis=1)
    coeffs, *_ = np.linalg.lstsq(basis, y.astype(np.float64), rcond=None)
    return float(np.hypot(*coeffs))


def process_in_blocks(proc: Processor, x: np.ndarray, sizes: list[int] | int) -> np.ndarray:
    """Run ``x`` through ``proc`` in blocks of the given size (or cycling through sizes)."""
    cycle = [sizes] if isinstance(sizes, int) else sizes
    out = []
    start = 0
    i = 0
    while start < x.shape[0]:
        size = cycle[i % len(cycle)]
        out.append(proc.process(x[start : start + size]))
        start += size
        i += 1
    return np.concatenate(out, axis=0)


def segments() -> list[tuple[float, float, float]]:
    return [(0.002, 0.009, -6.0), (0.05, 0.15, -6.0), (0.12, 0.2, 3.0)]


MAKERS: dict[str, Callable[[], Processor]] = {
    "gain": lambda: Gain(SAMPLE_RATE, gain_db=-4.5),
    "polarity": lambda: Polarity(SAMPLE_RATE, channels="left"),
    "pan": lambda: Pan(SAMPLE_RATE, pan=0.4),
    "eq": lambda: EQ(
        SAMPLE_RATE,
        [
            peaking(1000.0, -4.0, 1.4),
            low_shelf(200.0, 3.0),
            high_shelf(6000.0, -2.0, slope=0.8),
            highpass(40.0, order=4),
            lowpass(16000.0),
        ],
    ),
    "highpass": lambda: EQ(SAMPLE_RATE, [highpass(80.0)]),
    "compressor": lambda: Compressor(SAMPLE_RATE, -30.0, 4.0, 5.0, 80.0, 6.0, 3.0),
    "compressor_unlinked": lambda: Compressor(
        SAMPLE_RATE, -30.0, 4.0, 1.0, 50.0, 0.0, 0.0, stereo_link=False
    ),
    "width": lambda: Width(SAMPLE_RATE, width=1.5),
    "mono_below": lambda: MonoBelow(SAMPLE_RATE, freq_hz=150.0),
    "section_gain": lambda: SectionGain(SAMPLE_RATE, segments(), ramp_ms=5.0),
}


def make_chain() -> Chain:
    """Every processor in one chain."""
    return Chain([make() for make in MAKERS.values()])


ALL_MAKERS: dict[str, Callable[[], Processor]] = {**MAKERS, "chain": make_chain}
