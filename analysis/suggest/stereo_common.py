"""What the stereo rules share: a stem's L²/R²/L·R sums, correlation, balance and the balance
control's effect, the mono fold-down loss, and the words for bands and places in the song."""

from __future__ import annotations

import math

import numpy as np

from mixreview.analysis.dsp.pan import balance_gains
from mixreview.analysis.meters.bands import NOMINAL_CENTERS_HZ
from mixreview.analysis.suggest.features import Features, StemFeatures, _fit
from mixreview.analysis.timeline import describe_ranges, merge_ranges

MIN_ACTIVE_FRAMES = 30  # 3 s of playing before the image is judged
MAX_LOSS_DB = 60.0

POLARITY_CORRELATION_MAX = -0.5  # the channel_polarity check's threshold (docs/checks.md)
CENTRE_ROLES = ("kick", "snare", "bass", "lead_vocal")


def band_label(band: int) -> str:
    """The nominal name of a third-octave band: '63 Hz', '1.25 kHz'."""
    name = NOMINAL_CENTERS_HZ[band]
    return f"{name[:-1]} kHz" if name.endswith("k") else f"{name} Hz"


def loss_db(mid: float, side: float) -> float:
    """Mono fold-down loss in dB (>= 0): how much the part drops when L and R are summed."""
    if mid + side <= 0:
        return 0.0
    if mid <= 0:
        return MAX_LOSS_DB
    return float(min(10.0 * math.log10((mid + side) / mid), MAX_LOSS_DB))


def ratio_db(ratio: float) -> float:
    """A power ratio in dB, floored at -60 dB."""
    return 10.0 * math.log10(max(ratio, 1e-6))


def stereo_sums(stem: StemFeatures, mask: np.ndarray | None = None) -> tuple[float, float, float]:
    """Summed L², R² and L·R over the frames in ``mask`` (all frames if None).

    A mono stem enters the mix as the same signal on both channels, so all three are equal.
    """
    st = stem.measurement.stereo
    if st is None:
        series = _fit(np.asarray(stem.measurement.levels.mean_square_series), stem.frames)
        energy = float(series[mask].sum() if mask is not None else series.sum())
        return energy, energy, energy
    sums = []
    for series in (st.ll_series, st.rr_series, st.lr_series):
        fitted = _fit(np.asarray(series, np.float64), stem.frames)
        sums.append(float(fitted[mask].sum() if mask is not None else fitted.sum()))
    return sums[0], sums[1], sums[2]


def correlation(ll: float, rr: float, lr: float) -> float | None:
    denom = math.sqrt(ll * rr)
    return lr / denom if denom > 0 else None


def balance(ll: float, rr: float) -> float:
    total = ll + rr
    return (rr - ll) / total if total > 0 else 0.0


def pan_to_centre(ll: float, rr: float) -> float:
    """The balance position that makes L² and R² equal (constant-power law, see dsp/pan.py)."""
    if ll <= 0 or rr <= 0:
        return 0.0
    theta = math.atan(math.sqrt(ll / rr))
    return 4.0 * theta / math.pi - 1.0


def balanced(ll: float, rr: float, pan: float) -> tuple[float, float]:
    """L² and R² after the balance control at ``pan``."""
    gain_l, gain_r = balance_gains(pan)
    return gain_l**2 * ll, gain_r**2 * rr


def is_stereo(stem: StemFeatures) -> bool:
    """A stereo file whose channels are not identical."""
    st = stem.measurement.stereo
    return st is not None and not st.identical_channels


def where_in_song(features: Features, mask: np.ndarray) -> str:
    """'throughout the song', or the bars (times without a tempo) of the frames in ``mask``."""
    if mask.mean() > 0.9:
        return "throughout the song"
    manifest = features.analysis.session.manifest
    times = (np.flatnonzero(mask) * features.frame_s).tolist()
    return "at " + describe_ranges(
        merge_ranges(times, gap_s=2.0, hop_s=features.frame_s),
        manifest.tempo_bpm,
        manifest.beats_per_bar,
    )
