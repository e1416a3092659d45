"""What a compressor does to a stem's loudness, predicted from its 5 ms level parts
(``meters.fine``) instead of its audio: the instant A/B match's compressor.

The compressor's own detector (``dsp.compressor``: the smooth decoupled peak detector of
Giannoulis, Massberg and Reiss) is run on the parts, each taken as two stretches split where its
peak falls. Through each stretch the release stage relaxes toward the static curve's reduction at
the part's RMS level (what the samples between peaks ask of it) and the attack stage follows; at
the peak the release stage jumps to the peak's reduction if that is higher. Each stretch's gain is
the attack stage's mean over it, against the release stage at its middle; a part's gain is the
stretches' gains by length, and a frame's is its parts' gains weighted by their K-weighted
energies (a kick's tail and a snare's hit in one frame weigh as loudness hears them).
Both stages are one-pole recursions with one coefficient per part, so the whole series is worked
out with array operations: the release stage's maximum unrolls into a running maximum in the log
domain (as the processor computes it per sample), and the one-poles run through the project's
second-order-section filter. Measured against the real processor on 20 s of drums, bass, voice,
pads and noise at three settings each: within 0.02 dB on sustained sounds, within 0.3 dB on a
kick compressed by 6 dB (its peaks come faster than one per part).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from mixreview.analysis.dsp.compressor import Compressor, one_pole_alpha, static_gain_reduction_db
from mixreview.analysis.dsp.sosfilter import SosFilter
from mixreview.analysis.meters.fine import AT_STEPS, part_frames
from mixreview.analysis.meters.segments import segment_frames

_FLOOR = 1e-24
"""Mean square and squared peak below which a part is silence (-240 dB)."""
_NEPERS_PER_DB_POWER = math.log(10.0) / 10.0
"""``10 ** (x / 10) == exp(x * _NEPERS_PER_DB_POWER)``."""


def _one_pole(drive: np.ndarray, pole: float) -> np.ndarray:
    """``y[k] = pole * y[k - 1] + drive[k]`` from rest (through the sections filter, so scipy's
    signal package is not imported for it)."""
    if pole <= 1e-30:
        return drive.copy()
    section = np.array([[1.0, 0.0, 0.0, 1.0, -pole, 0.0]])
    rows = np.ascontiguousarray(drive, np.float64)[None, :].copy()
    return SosFilter(section).filter_rows(rows, in_place=True)[0]


def _release_stage(jump: np.ndarray, drift: np.ndarray, pole: float) -> np.ndarray:
    """``z[k] = max(jump[k], pole * z[k - 1] + drift[k])`` from ``z[-1] = 0``: the linear part
    ``r`` plus the largest decayed excess of ``jump`` over it so far, taken in logs so no power
    of ``pole`` overflows."""
    linear = _one_pole(drift, pole)
    excess = jump - linear
    rate = math.log(pole) if pole > 0.0 else -math.inf
    steps = np.arange(len(jump), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if math.isinf(rate):  # no memory: the excess of this part alone
            return linear + np.maximum(excess, 0.0)
        logs = np.where(excess > 0.0, np.log(np.maximum(excess, 1e-300)) - steps * rate, -np.inf)
        peak = np.maximum.accumulate(logs)
        held = np.where(np.isfinite(peak), np.exp(peak + steps * rate), 0.0)
    return linear + held


def _mean_factor(samples: np.ndarray, alpha: float) -> np.ndarray:
    """Mean over ``samples`` steps of ``alpha ** k`` (k = 1 .. n): how much of its start a
    one-pole keeps, on average, across a stretch (1 for an empty stretch)."""
    out = np.ones_like(samples)
    some = samples > 1e-9
    if alpha < 1.0:
        out[some] = alpha * (1.0 - alpha ** samples[some]) / (samples[some] * (1.0 - alpha))
    return out


@dataclass(frozen=True)
class _Stretches:
    """What each stage keeps across the stretches of a part, one entry per place of its peak
    (``peak_at``: 0 .. 255), so a series of parts looks them up instead of taking powers."""

    share_before: np.ndarray  # the first stretch's share of the part
    release_after: np.ndarray  # the release stage's memory across the second stretch
    release_before: np.ndarray  # ... across the first
    release_half_before: np.ndarray  # ... to the first stretch's middle
    release_half_after: np.ndarray  # ... to the second's
    attack_before: np.ndarray  # the attack stage's memory across the first stretch
    attack_after: np.ndarray  # ... across the second
    attack_mean_before: np.ndarray  # its mean memory through the first (``_mean_factor``)
    attack_mean_after: np.ndarray  # ... through the second


@functools.lru_cache(maxsize=64)
def _stretches(release: float, attack: float, samples: float) -> _Stretches:
    before = np.arange(AT_STEPS) * (samples / AT_STEPS)
    after = samples - before
    return _Stretches(
        share_before=before / samples,
        release_after=release**after,
        release_before=release**before,
        release_half_before=release ** (before / 2.0),
        release_half_after=release ** (after / 2.0),
        attack_before=attack**before,
        attack_after=attack**after,
        attack_mean_before=_mean_factor(before, attack),
        attack_mean_after=_mean_factor(after, attack),
    )


def _reduction_db(comp: Compressor, ratio: float, power: np.ndarray) -> np.ndarray:
    """The static curve's gain reduction (dB) at mean-square or squared-peak levels."""
    level_db = 10.0 * np.log10(np.maximum(power, _FLOOR))
    return static_gain_reduction_db(level_db, comp.threshold_db, ratio, comp.knee_db)


def compressor_power(
    comp: Compressor,
    amount: float,
    peak: np.ndarray,
    peak_at: np.ndarray,
    mean_square: np.ndarray,
    energy: np.ndarray | None = None,
) -> np.ndarray:
    """Per-frame power ratio (gain reduction and makeup) of ``comp`` at ``amount`` on a stem
    given by its parts: ``peak``, ``peak_at`` and ``mean_square`` of shape (frames, parts), as
    ``FineLevels`` holds them, and ``energy``, their K-weighted energy (``part_energy``), which
    weighs each part's gain in its frame (without it, the mean square does); all after any
    change before the compressor in its chain. The detector starts at rest at the first frame."""
    slope = (1.0 - 1.0 / comp.ratio) * amount
    makeup = 10.0 ** (comp.makeup_db * amount / 10.0)
    frames = peak.shape[0]
    if slope <= 0.0 or frames == 0:
        return np.full(frames, makeup)
    ratio = math.inf if slope >= 1.0 else 1.0 / (1.0 - slope)
    samples = float(part_frames(segment_frames(comp.sample_rate)))
    at_peak = _reduction_db(comp, ratio, np.asarray(peak, np.float64).ravel() ** 2)
    between = _reduction_db(comp, ratio, np.asarray(mean_square, np.float64).ravel())
    weights = np.asarray(mean_square if energy is None else energy, np.float64)
    release = one_pole_alpha(comp.release_ms, comp.sample_rate)
    attack = one_pole_alpha(comp.attack_ms, comp.sample_rate)
    table = _stretches(release, attack, samples)
    place = np.clip(np.asarray(peak_at).ravel(), 0, AT_STEPS - 1).astype(np.intp)
    # the release stage at each part's end, and where each stretch's middle finds it
    kept = table.release_after[place]
    held = _release_stage(
        kept * at_peak + (1.0 - kept) * between,
        (1.0 - release**samples) * between,
        release**samples,
    )
    before = np.concatenate([[0.0], held[:-1]])
    half = table.release_half_before[place]
    first_mid = half * before + (1.0 - half) * between
    kept = table.release_before[place]
    jumped = np.maximum(at_peak, kept * before + (1.0 - kept) * between)
    half = table.release_half_after[place]
    second_mid = half * jumped + (1.0 - half) * between
    # the attack stage through both stretches of each part
    lead, tail = table.attack_before[place], table.attack_after[place]
    end = _one_pole(tail * (1.0 - lead) * first_mid + (1.0 - tail) * second_mid, attack**samples)
    start = np.concatenate([[0.0], end[:-1]])
    middle = lead * start + (1.0 - lead) * first_mid
    first = first_mid + (start - first_mid) * table.attack_mean_before[place]
    second = second_mid + (middle - second_mid) * table.attack_mean_after[place]
    share = table.share_before[place]
    gain = share * np.exp(first * -_NEPERS_PER_DB_POWER) + (1.0 - share) * np.exp(
        second * -_NEPERS_PER_DB_POWER
    )
    gain = gain.reshape(peak.shape)
    total = weights.sum(axis=1)
    weighted = np.einsum("fp,fp->f", weights, gain)
    plain = gain.mean(axis=1)
    ratio_per_frame = np.where(total > 0.0, weighted / np.where(total > 0.0, total, 1.0), plain)
    return np.asarray(ratio_per_frame * makeup, np.float64)


__all__ = ["compressor_power"]
