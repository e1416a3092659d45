"""Band-spectrum helpers the low-end, tone and masking rules share: a filter's power response
over the third-octave bands, a stem's long-term band power while it plays, and the words for
them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mixreview.analysis.dsp.eq import eq_response_db
from mixreview.analysis.meters.bands import band_edges_hz
from mixreview.analysis.numbers import rounded
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.features import CENTERS_HZ, StemFeatures, widened

RESPONSE_POINTS = 33


def band_power_gain(bands: Sequence[Mapping[str, Any]], sample_rate: int) -> np.ndarray:
    """Mean power gain of an EQ over each third-octave band, shape (30,).

    The response is averaged over points spread evenly (in Hz) across each band, which is what
    the band meter sums for a signal whose spectrum is flat inside the band.
    """
    edges = band_edges_hz()
    fractions = np.linspace(0.0, 1.0, RESPONSE_POINTS)
    grid = edges[:, :1] + (edges[:, 1:] - edges[:, :1]) * fractions[None, :]
    grid = np.minimum(grid, 0.499 * sample_rate)
    response_db = eq_response_db(list(bands), grid, sample_rate)
    return (10.0 ** (response_db / 10.0)).mean(axis=1)


def fmt_hz(freq_hz: float) -> str:
    """80 Hz, 1.6 kHz: how a mixer writes a frequency in a sentence (halves away from zero, as
    ``numbers`` rounds, so the text and the parameters shown beside it agree)."""
    if freq_hz >= 1000.0:
        khz = rounded(freq_hz / 1000.0, 1)
        return f"{khz:.2g} kHz" if khz < 10 else f"{khz:.3g} kHz"
    return f"{rounded(freq_hz):.0f} Hz"


def power_db(power: float) -> float:
    return float(10.0 * np.log10(max(power, 1e-30)))


def active_power(stem: StemFeatures, which: str = "total") -> np.ndarray:
    """Mean band power over the frames where the stem plays, shape (30,)."""
    if not stem.active.any():
        return np.zeros(len(CENTERS_HZ))
    if which == "total":
        return stem.band_power[stem.active].mean(axis=0)
    source = stem.mid if which == "mid" else stem.side
    return widened(source[stem.active]).mean(axis=0)


def band_level_db(stem: StemFeatures, band: int) -> float:
    """A band's mean level (dB) over the frames where the stem plays."""
    return power_db(float(active_power(stem)[band]))


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role).lower()


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def a_or_an(text: str) -> str:
    """'a' or 'an' before a number or word as it is read aloud (an 80 Hz, an 11 kHz)."""
    spoken_vowel = text[:1] in "aeiou8" or (text[:2] in ("11", "18") and not text[2:3].isdigit())
    return f"{'an' if spoken_vowel else 'a'} {text}"


def round_half(value: float) -> float:
    return round(value * 2.0) / 2.0
