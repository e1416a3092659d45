"""Levels against the mix: the measure the balance and section rules share.

A stem's level is its gated loudness (BS.1770) over the frames where it plays, minus the mix's
over the same frames. Predictions treat stems as uncorrelated (energies add), which is what the
K-weighted energy series allow without another pass over the audio.
"""

from __future__ import annotations

import numpy as np

from mixreview.analysis.meters.loudness import integrated_from_energy
from mixreview.analysis.suggest.features import StemFeatures, mask_bounds, masked_loudness
from mixreview.analysis.suggest.model import Severity

# Loudness of a stem relative to the mix while it plays, in LU: a broad window per role.
ROLE_RANGES_LU: dict[str, tuple[float, float]] = {
    "lead_vocal": (-7.0, -1.0),
    "kick": (-11.0, -3.0),
    "snare": (-12.0, -3.0),
    "drums": (-8.0, -1.0),
    "bass": (-11.0, -3.0),
    "hats": (-24.0, -9.0),
    "backing_vocal": (-17.0, -6.0),
    "guitar": (-17.0, -3.0),
    "keys": (-17.0, -3.0),
    "synth": (-16.0, -3.0),
    "pad": (-22.0, -7.0),
    "fx": (-28.0, -6.0),
}
MAX_GAIN_DB = 18.0
SOLVE_STEPS = 12  # bisection over ±18 dB: 36 / 2**12 < 0.01 dB, under the 0.1 dB shown
SOLVE_TOLERANCE_LU = 0.02


def relative_level(stem: StemFeatures, mix: StemFeatures, mask: np.ndarray) -> float:
    """Stem loudness minus mix loudness over the frames in ``mask`` (LU); -inf if silent."""
    window = mask_bounds(mask, stem.frame_s)
    stem_lufs = masked_loudness(stem.energy, mask, window, stem.frame_s)
    mix_lufs = masked_loudness(mix.energy, mask, window, stem.frame_s)
    if not (np.isfinite(stem_lufs) and np.isfinite(mix_lufs)):
        return float("-inf")
    return stem_lufs - mix_lufs


def predicted_relative(
    stem: StemFeatures, mix: StemFeatures, mask: np.ndarray, gain_db: float
) -> float:
    """Relative level after a gain on the stem, mixing energies as uncorrelated (over the
    frames the gated loudness reads: elsewhere every energy is zero, see ``masked_loudness``)."""
    factor = 10.0 ** (gain_db / 10.0)
    window = mask_bounds(mask, stem.frame_s)
    inside = mask[window]
    stem_e = np.where(inside, stem.energy[window], 0.0)
    mix_e = np.maximum(np.where(inside, mix.energy[window], 0.0) + (factor - 1.0) * stem_e, 0.0)
    stem_lufs = integrated_from_energy(stem_e * factor, frame_s=stem.frame_s)
    mix_lufs = integrated_from_energy(mix_e, frame_s=stem.frame_s)
    return stem_lufs - mix_lufs


def _estimate_gain(
    stem: StemFeatures, mix: StemFeatures, mask: np.ndarray, goal_lu: float
) -> float | None:
    """The gain from mean energies (no gating): a · s / (m + (a - 1) · s) = 10^(goal / 10)."""
    s_mean = float(np.mean(stem.energy[mask])) if mask.any() else 0.0
    m_mean = float(np.mean(mix.energy[mask])) if mask.any() else 0.0
    r = 10.0 ** (goal_lu / 10.0)
    if s_mean <= 0 or m_mean <= s_mean or r >= 1.0:
        return None
    a = r * (m_mean - s_mean) / (s_mean * (1.0 - r))
    return float(np.clip(10.0 * np.log10(max(a, 1e-12)), -MAX_GAIN_DB, MAX_GAIN_DB))


def solve_gain(stem: StemFeatures, mix: StemFeatures, mask: np.ndarray, goal_lu: float) -> float:
    """The gain (dB) that brings the stem's relative level to ``goal_lu``: a closed-form start
    from mean energies, corrected on the gated levels (secant), else by bisection."""
    guess = _estimate_gain(stem, mix, mask, goal_lu)
    if guess is not None:
        g0, f0 = guess, predicted_relative(stem, mix, mask, guess) - goal_lu
        g1 = float(np.clip(g0 - f0, -MAX_GAIN_DB, MAX_GAIN_DB))
        for _ in range(4):
            if abs(f0) < SOLVE_TOLERANCE_LU:
                return round(g0, 1)
            f1 = predicted_relative(stem, mix, mask, g1) - goal_lu
            if abs(f1) < SOLVE_TOLERANCE_LU:
                return round(g1, 1)
            slope = (f1 - f0) / (g1 - g0) if g1 != g0 else 0.0
            if slope <= 0.05:
                break
            g0, f0 = g1, f1
            g1 = float(np.clip(g1 - f1 / slope, -MAX_GAIN_DB, MAX_GAIN_DB))
    low, high = -MAX_GAIN_DB, MAX_GAIN_DB
    for _ in range(SOLVE_STEPS):
        middle = (low + high) / 2
        if predicted_relative(stem, mix, mask, middle) < goal_lu:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 1)


def severity_of(distance_lu: float, high: float, medium: float) -> Severity:
    if distance_lu > high:
        return "high"
    return "medium" if distance_lu > medium else "low"
