"""Synthetic parts and sessions for the suggestion-family tests (no tests here)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import signal

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.verify import features_after
from tests.conftest import SR, write

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"
SECONDS = 10.0


def frames(seconds: float = SECONDS) -> int:
    return round(seconds * SR)


def times(seconds: float = SECONDS) -> np.ndarray:
    return np.arange(frames(seconds)) / SR


def band_noise(
    low_hz: float, high_hz: float, seconds: float = SECONDS, seed: int = 0
) -> np.ndarray:
    """Unit-RMS noise band-passed to low..high Hz (8th-order Butterworth)."""
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, [low_hz, high_hz], "bandpass", fs=SR, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal(frames(seconds) + SR))[SR:]
    return x / np.sqrt(np.mean(x**2))


def kick(
    freq_hz: float = 57.0, period_s: float = 0.469, decay_s: float = 0.15, amp: float = 0.6
) -> np.ndarray:
    """An 808-like thump at ``freq_hz`` every ``period_s`` (128 BPM), off the 100 ms grid."""
    t = times()
    phase = np.mod(t, period_s)
    return amp * np.sin(2 * np.pi * freq_hz * phase) * np.exp(-phase / decay_s)


def syllables(rate_hz: float = 4.0, seconds: float = SECONDS) -> np.ndarray:
    """A syllable envelope: raised-cosine bursts, 70% of each period on, then a short gap."""
    t = times(seconds)
    phase = np.mod(t * rate_hz, 1.0)
    on = phase < 0.7
    return np.where(on, np.sin(np.pi * np.minimum(phase / 0.7, 1.0)) ** 0.5, 0.0)


def vocal(amp: float = 0.1, seed: int = 1) -> np.ndarray:
    """Vocal-like: a 200 Hz-1 kHz body and a quieter 1-4 kHz presence band, in syllables."""
    body = band_noise(200.0, 1000.0, seed=seed)
    presence = band_noise(1000.0, 4000.0, seed=seed + 100)
    return amp * (0.8 * body + 0.4 * presence) * syllables()


def save(folder: Path, parts: dict[str, np.ndarray], sections: str = "") -> Path:
    """Write each part as 24-bit WAV (mono or stereo) and an optional manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in parts.items():
        write(folder / name, np.asarray(data, np.float32))
    if sections:
        (folder / "mixreview.toml").write_text(sections)
    return folder


def two_sections(first: str, second: str, split_s: float = SECONDS / 2) -> str:
    return (
        f'[[sections]]\nname = "{first}"\nstart_s = 0.0\n\n'
        f'[[sections]]\nname = "{second}"\nstart_s = {split_s}\n'
    )


def run(folder: Path, workers: int = 1) -> tuple[Analysis, list[Suggestion]]:
    analysis = analyze(folder, workers=workers, use_cache=False)
    return analysis, suggest(analysis)


def of(suggestions: list[Suggestion], kind: str, stem: str | None = None) -> list[Suggestion]:
    return [s for s in suggestions if s.kind == kind and (stem is None or s.stems == (stem,))]


def after(analysis: Analysis, suggestion: Suggestion) -> tuple[Features, Features]:
    """Features before and after applying ``suggestion`` at full strength."""
    return Features.build(analysis), features_after(analysis, [suggestion])


def with_params(suggestion: Suggestion, **params: object) -> Suggestion:
    return replace(suggestion, params={**suggestion.params, **params})


@lru_cache(maxsize=1)
def demo_suggestions() -> tuple[Suggestion, ...]:
    """Every suggestion for the clean demo session (analysed once per test run)."""
    return tuple(run(DEMO, workers=2)[1])
