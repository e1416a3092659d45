"""Dynamics: a compressor as a starting point for parts whose level swings too much while playing.

The measure is the stem's short-term loudness spread while it plays: the loudness of 3 s windows
counting only the 100 ms frames where the part plays (so pauses between phrases do not count as
quiet passages), P95 minus P10 over those frames, in LU. A part whose spread exceeds its role's
limit gets a compressor with the published starting point of its class (attack, release, ratio),
a threshold from its 100 ms peak levels (the gentlest that works on no less than the loudest 20%
and no more than the loudest half of the part) and makeup gain restoring its integrated
loudness. The effect is predicted on the 100 ms grid by running the compressor's static curve,
release and attack through the frame peaks.

Stems that are clipped or already limited get no compressor: a re-export is the fix (their
checks say so). Compression is a matter of taste, so every suggestion here is ``creative``.
Rules, thresholds and sources: docs/rules/dynamics.md.
"""

from __future__ import annotations

import functools
import math
from functools import partial

import numpy as np

from mixreview.analysis.dsp.compressor import static_gain_reduction_db
from mixreview.analysis.meters.loudness import integrated_from_energy, lufs_from_energy
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.features import Features, StemFeatures, _fit, grid_count
from mixreview.analysis.suggest.memo import IdentityMemo
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.timeline import describe_ranges, merge_ranges

MEMO = IdentityMemo()
FRAME_S = 0.1
FRAME_MS = 100.0
SUBSTEPS = 40
WINDOW_FRAMES = 30  # 3 s, the EBU short-term window
MIN_PLAYING_FRAMES = 4  # a window needs 400 ms of playing (one momentary block) to count
MIN_ACTIVE_FRAMES = 50  # 5 s of playing before dynamics are judged
LOW_PERCENTILE = 10.0  # EBU Tech 3342 (LRA) percentiles
HIGH_PERCENTILE = 95.0
# Threshold: the 100 ms peak level the compressor starts at, as a percentile of the part's frames;
# the gentlest that brings the spread within the limit, from the loudest 20% to the loudest half.
THRESHOLD_PERCENTILES = (80.0, 75.0, 70.0, 65.0, 60.0, 55.0, 50.0)
KNEE_DB = 6.0
MIN_CREST_DB = 8.0  # denser than this is already compressed or limited
MIN_REDUCTION_LU = 1.0  # a predicted improvement smaller than this is not worth a suggestion
MEDIUM_OVER_LU = 4.0  # spread this far above the role limit: medium, else low
BLOCKING_CHECKS = ("clipping", "limited")

# attack ms, release ms, ratio: starting points per class from published automatic-mixing work
# (FACTS.md): vocals 7.5/400/4, drums 10/180/6, bass 10/500/5, other 15/666/4.
CLASS_SETTINGS: dict[str, tuple[float, float, float]] = {
    "vocals": (7.5, 400.0, 4.0),
    "drums": (10.0, 180.0, 6.0),
    "bass": (10.0, 500.0, 5.0),
    "other": (15.0, 666.0, 4.0),
}
ROLE_CLASS: dict[str, str] = {
    "lead_vocal": "vocals",
    "backing_vocal": "vocals",
    "kick": "drums",
    "snare": "drums",
    "drums": "drums",
    "hats": "drums",
    "bass": "bass",
}
# Short-term loudness spread while playing (LU) above which a compressor is suggested.
ROLE_SPREAD_LU: dict[str, float] = {
    "lead_vocal": 6.0,
    "backing_vocal": 6.0,
    "bass": 6.0,
    "kick": 6.0,
    "snare": 6.0,
    "drums": 6.0,
}
DEFAULT_SPREAD_LU = 8.0


def class_of(role: str) -> str:
    return ROLE_CLASS.get(role, "other")


def playing_loudness(stem: StemFeatures) -> tuple[np.ndarray, np.ndarray]:
    """Short-term loudness over the frames where the part plays, and where it is defined.

    Frame i reads the 3 s window centred on it, averaging the energy of its playing frames only.
    """
    return _playing_loudness(stem.energy, stem.active, stem.frame_s)


def _playing_loudness(
    energy: np.ndarray, active: np.ndarray, frame_s: float = FRAME_S
) -> tuple[np.ndarray, np.ndarray]:
    kernel = np.ones(grid_count(WINDOW_FRAMES, frame_s) + 1)
    weights = active.astype(np.float64)
    total = np.convolve(energy * weights, kernel, mode="same")
    count = np.convolve(weights, kernel, mode="same")
    valid = active & (count >= grid_count(MIN_PLAYING_FRAMES, frame_s) - 1e-9)
    mean = np.where(valid, total / np.maximum(count, 1.0), 0.0)
    lufs = np.asarray(lufs_from_energy(np.maximum(mean, 1e-30)), np.float64)
    return np.maximum(lufs, -200.0), valid


def spread_of(lufs: np.ndarray, valid: np.ndarray, frame_s: float = FRAME_S) -> float:
    """P95 - P10 of the playing loudness (LU); NaN when too little plays."""
    if valid.sum() < grid_count(MIN_ACTIVE_FRAMES, frame_s):
        return float("nan")
    high, low = np.percentile(lufs[valid], (HIGH_PERCENTILE, LOW_PERCENTILE))
    return float(high - low)


def loudness_spread(stem: StemFeatures) -> float:
    return spread_of(*playing_loudness(stem), stem.frame_s)


def _peak_db(stem: StemFeatures) -> np.ndarray:
    peaks = _fit(np.asarray(stem.measurement.levels.peak_series, np.float64), stem.frames)
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(np.maximum(peaks, 1e-12)), -240.0)


def _held(target: np.ndarray, release_ms: float, frame_ms: float = FRAME_MS) -> np.ndarray:
    """The detector's level at the end of each frame: peaks held, released with ``release_ms``."""
    alpha = math.exp(-frame_ms / release_ms)
    held: list[float] = []
    append = held.append
    level = 0.0
    # one step per frame; alpha * level + (1 - alpha) * value, or value when higher
    for value, kept in zip(target.tolist(), ((1.0 - alpha) * target).tolist(), strict=True):
        released = alpha * level + kept
        level = released if released > value else value
        append(level)
    return np.array(held, dtype=np.float64)


_TAUS_MS = np.geomspace(0.5, 5000.0, 400)


@functools.cache
def _crest_of_tau(frame_ms: float) -> np.ndarray:
    """A frame's crest (peak² over mean square) for each decay time of ``_TAUS_MS``
    (decreasing)."""
    return frame_ms / (_TAUS_MS * (1.0 - np.exp(-frame_ms / _TAUS_MS)))


def _substeps_ms(frame_ms: float) -> np.ndarray:
    """The middles of a frame's sub-steps, in ms from its start."""
    return (np.arange(SUBSTEPS) + 0.5) * (frame_ms / SUBSTEPS)


def _decay_ms(crest: np.ndarray, frame_ms: float = FRAME_MS) -> np.ndarray:
    """Energy decay time of a frame from its peak²/mean-square, as if the sound started at the
    frame's start and decayed exponentially (a sine carrier's own crest of 2 taken out)."""
    c = np.maximum(crest / 2.0, 1.0)
    return np.interp(-c, -_crest_of_tau(frame_ms), _TAUS_MS)


def hit_decay_ms(
    peak_db: np.ndarray, mean_square: np.ndarray, frame_ms: float = FRAME_MS
) -> np.ndarray:
    """Per frame, the energy decay time of a hit at the rate the frame's crest implies: the
    weights of ``frame_gain_reduction``'s hit case, the same for every setting."""
    with np.errstate(divide="ignore", invalid="ignore"):
        crest = np.where(mean_square > 0, 10 ** (peak_db / 10) / mean_square, 2.0)
    return np.asarray(_decay_ms(crest, frame_ms), np.float64)


_LN10_10 = math.log(10.0) / 10.0  # 10 ** (-x / 10) == exp(-_LN10_10 * x)
RISING_CHUNK_FRAMES = 1024  # rising frames worked out on sub-steps this many at a time (0.3 MB)


def _log_substep_sum(rate_per_ms: np.ndarray, frame_ms: float = FRAME_MS) -> np.ndarray:
    """log of the sum over the sub-steps of exp(rate * t) (t: the sub-steps' middles, in ms),
    in closed form: a geometric series."""
    x = rate_per_ms * (frame_ms / SUBSTEPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.abs(x) < 1e-12, float(SUBSTEPS), np.expm1(x * SUBSTEPS) / np.expm1(x))
    return 0.5 * x + np.log(ratio)


def frame_gain_reduction(
    peak_db: np.ndarray,
    mean_square: np.ndarray,
    threshold_db: float,
    ratio: float,
    attack_ms: float,
    release_ms: float,
    decay_ms: np.ndarray | None = None,
    frame_ms: float = FRAME_MS,
) -> np.ndarray:
    """Energy-weighted gain reduction (dB) per frame of ``frame_ms``, from the frame peaks.

    The compressor's static curve on each frame's peak, held through the release as its peak
    detector does, gives the level at the end of each frame. Within a frame two bounding cases
    are worked out on 40 sub-steps and averaged: a sustained sound (even energy, the gain moving
    from the level at the frame's start to the level at its end) and a hit (energy decaying from
    the frame's start at the rate its crest implies, the gain rising with the attack), where the
    attack lets the start of the hit through. Where the gain falls or holds, the hit's weighted
    sum over the sub-steps is a geometric series, summed in closed form; only frames where it
    rises are stepped through, a chunk at a time, so memory stays flat however long the stem.
    ``decay_ms``: ``hit_decay_ms`` of the same frames, when several settings are tried.
    """
    target = static_gain_reduction_db(peak_db, threshold_db, ratio, KNEE_DB)
    held = _held(target, release_ms, frame_ms)
    start = np.concatenate([[0.0], held[:-1]])
    sustained = 0.5 * (start + held)
    if decay_ms is None:
        decay_ms = hit_decay_ms(peak_db, mean_square, frame_ms)
    # the hit: energy exp(-t / decay) against the gain in dB along the frame
    plain_rate = -1.0 / decay_ms
    log_weights = _log_substep_sum(plain_rate, frame_ms)
    # falling or holding: gain start + (held - start) t / frame_ms, so the weighted gain
    # 10 ** (-gain / 10) sums as exp(rate t) with the rate below
    fall_rate = plain_rate - _LN10_10 * (held - start) / frame_ms
    log_factor = -_LN10_10 * start + _log_substep_sum(fall_rate, frame_ms) - log_weights
    rises = np.flatnonzero(held > start)
    t = _substeps_ms(frame_ms)
    attack = np.exp(-t / attack_ms)
    for first in range(0, len(rises), RISING_CHUNK_FRAMES):
        frames = rises[first : first + RISING_CHUNK_FRAMES]
        # rising: gain held + (start - held) exp(-t / attack), stepped through
        gain = held[frames, None] + (start - held)[frames, None] * attack[None, :]
        weights = np.exp(-t[None, :] / decay_ms[frames, None])
        total = np.einsum("ft,ft->f", weights, np.exp(-_LN10_10 * gain))
        with np.errstate(divide="ignore"):
            log_factor[frames] = np.log(total) - log_weights[frames]
    hit = -log_factor / _LN10_10
    return 0.5 * (sustained + np.minimum(hit, 300.0))


def predict(
    stem: StemFeatures,
    threshold_db: float,
    ratio: float,
    attack_ms: float,
    release_ms: float,
    decay_ms: np.ndarray | None = None,
) -> tuple[float, float, float] | None:
    """Makeup (dB), spread after (LU) and integrated loudness before, for one setting
    (``decay_ms``: the stem's ``hit_decay_ms``, when several settings are tried)."""
    frame_ms = stem.frame_s * 1000.0
    reduction = frame_gain_reduction(
        _peak_db(stem),
        _mean_square(stem),
        threshold_db,
        ratio,
        attack_ms,
        release_ms,
        decay_ms,
        frame_ms,
    )
    energy_after = stem.energy * 10.0 ** (-reduction / 10.0)
    loudness_before = integrated_from_energy(stem.energy, frame_s=stem.frame_s)
    loudness_after = integrated_from_energy(energy_after, frame_s=stem.frame_s)
    if not (np.isfinite(loudness_before) and np.isfinite(loudness_after)):
        return None
    makeup_db = round(loudness_before - loudness_after, 1)
    return (
        makeup_db,
        spread_of(*_playing_loudness(energy_after, stem.active, stem.frame_s), stem.frame_s),
        loudness_before,
    )


def _plan(
    stem: StemFeatures, settings: tuple[float, float, float], limit: float
) -> tuple[float, float, float, float] | None:
    """The gentlest threshold that brings the spread within ``limit``, else the lowest allowed:
    (threshold_db, makeup_db, predicted spread, integrated loudness before)."""
    attack_ms, release_ms, ratio = settings
    peak_db = _peak_db(stem)
    playing = peak_db[stem.active]
    decay_ms = hit_decay_ms(peak_db, _mean_square(stem), stem.frame_s * 1000.0)
    plan = None
    for level in np.percentile(playing, THRESHOLD_PERCENTILES):
        threshold_db = round(float(level), 1)
        result = predict(stem, threshold_db, ratio, attack_ms, release_ms, decay_ms)
        if result is None or not np.isfinite(result[1]):
            return None
        plan = (threshold_db, result[0], result[1], result[2])
        if result[1] <= limit:
            break
    return plan


def _mean_square(stem: StemFeatures) -> np.ndarray:
    return _fit(np.asarray(stem.measurement.levels.mean_square_series, np.float64), stem.frames)


def _where_loud(features: Features, mask: np.ndarray) -> str:
    manifest = features.analysis.session.manifest
    times = (np.flatnonzero(mask) * features.frame_s).tolist()
    return describe_ranges(
        merge_ranges(times, gap_s=2.0, hop_s=features.frame_s),
        manifest.tempo_bpm,
        manifest.beats_per_bar,
    )


def _blocked(features: Features, file: str) -> bool:
    report = features.analysis.stem_report(file)
    return any(check.id in BLOCKING_CHECKS for check in report.checks)


def _compressor(features: Features, stem: StemFeatures) -> Suggestion | None:
    if stem.active.sum() < grid_count(MIN_ACTIVE_FRAMES, stem.frame_s) or _blocked(
        features, stem.file
    ):
        return None
    crest = stem.measurement.levels.crest_db
    if crest is None or crest < MIN_CREST_DB:
        return None
    lufs, valid = playing_loudness(stem)
    spread = spread_of(lufs, valid, stem.frame_s)
    limit = ROLE_SPREAD_LU.get(stem.role, DEFAULT_SPREAD_LU)
    if not np.isfinite(spread) or spread <= limit:
        return None
    klass = class_of(stem.role)
    attack_ms, release_ms, ratio = CLASS_SETTINGS[klass]
    peak_db = _peak_db(stem)
    plan = _plan(stem, CLASS_SETTINGS[klass], limit)
    if plan is None:
        return None
    threshold_db, makeup_db, predicted, loudness_before = plan
    if spread - predicted < MIN_REDUCTION_LU:
        return None
    above = stem.active & (peak_db > threshold_db)
    share = float(above.sum() / stem.active.sum())
    severity: Severity = "medium" if spread > limit + MEDIUM_OVER_LU else "low"
    label = ROLE_LABELS.get(stem.role, stem.role).lower()
    loud = lufs[valid]
    rest = (
        f", still above {limit:.0f} LU: the rest is the arrangement's (section levels), "
        "more than a compressor should take"
        if predicted > limit
        else ""
    )
    why = (
        f"While it plays, {stem.file} swings over {spread:.1f} LU of short-term loudness "
        f"(P10 {np.percentile(loud, LOW_PERCENTILE):.1f} to P95 "
        f"{np.percentile(loud, HIGH_PERCENTILE):.1f} LUFS); a {label} usually holds within "
        f"{limit:.0f} LU. Its loudest passages are at {_where_loud(features, above)}. "
        f"A starting point: {ratio:g}:1 from {threshold_db:.1f} dBFS (the peaks of its loudest "
        f"{share:.0%} of {stem.frame_s * 1000:.0f} ms frames), attack {attack_ms:g} ms, "
        f"release {release_ms:g} ms "
        f"({klass} settings), {makeup_db:+.1f} dB makeup to keep its loudness. Predicted spread: "
        f"{predicted:.1f} LU{rest}. A matter of taste: judge it by ear."
    )
    return Suggestion(
        kind="compressor",
        stems=(stem.file,),
        params={
            "threshold_db": threshold_db,
            "ratio": ratio,
            "attack_ms": attack_ms,
            "release_ms": release_ms,
            "knee_db": KNEE_DB,
            "makeup_db": makeup_db,
        },
        severity=severity,
        category="creative",
        why=why,
        evidence={
            "spread_lu": round(spread, 2),
            "role_limit_lu": limit,
            "predicted_spread_lu": round(predicted, 2),
            "crest_db": round(float(crest), 2),
            "lra_lu": round(float(stem.measurement.loudness.lra_lu), 2)
            if np.isfinite(stem.measurement.loudness.lra_lu)
            else None,
            "frames_over_threshold": round(share, 3),
            "integrated_lufs": round(float(loudness_before), 2),
            "class": klass,
            "impact": round(spread - limit, 2),
        },
        target=Target("loudness_spread_lu", spread, predicted, "lower", "LU"),
        rule="compressor",
    )


def suggest(features: Features) -> list[Suggestion]:
    """A compressor sits ahead of the fader in the channel strip: it is planned on the stem as
    it reaches it, so a gain decided on the stem (or the headroom) leaves its threshold alone."""
    found: list[Suggestion] = []
    for file in sorted(features.stems):
        stem = features.stems[file].before_fader
        suggestion: Suggestion | None = MEMO.get(
            ("compressor", file),
            (stem.measurement, features.sections, features.analysis.stem_report(file).checks),
            partial(_compressor, features, stem),
        )
        if suggestion is not None:
            found.append(suggestion)
    return found


def _target_spread(s: Suggestion, f: Features) -> float:
    return loudness_spread(f.stems[s.stems[0]])


TARGETS = {"compressor": _target_spread}
