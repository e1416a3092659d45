"""Tone: EQ for resonances, harshness and tilt.

Each rule reads a stem's third-octave band energies over the frames where it plays, and each
prediction runs the suggested filter's exact response over those bands. Rules, thresholds and
their sources: docs/rules/lowend.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    StemFeatures,
    band_index,
    band_range,
    grid_count,
)
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.spectrum import (
    active_power,
    band_power_gain,
    fmt_hz,
    power_db,
    role_label,
    round_half,
)

# ---------------------------------------------------------------------------------------- EQ

RESONANCE_LOW_HZ = 150.0
RESONANCE_HIGH_HZ = 8000.0
RESONANCE_FIRE_DB = 8.0  # the band stands this far above its two neighbours, long term...
RESONANCE_FRAME_DB = 6.0  # ...and at least this far in...
RESONANCE_PERSISTENCE = 0.75  # ...three quarters of the frames where the part plays
RESONANCE_WITHIN_DB = 20.0  # and it is within 20 dB of the part's loudest band
RESONANCE_MEDIUM_DB = 12.0
RING_NEAR_MIN_DB = 6.0  # a band this far over its neighbours is also measured two bands away
RING_SKIRT_DB = 1.0  # what a narrow ring lifts the bands two away by (12 dB bell, Q 4: ~1 dB)
RESONANCE_Q = 4.32  # a third of an octave between the half-gain points
RESONANCE_MIN_CUT_DB = 1.0
RESONANCE_MAX_CUT_DB = 6.0
RESONANCE_SHRINK = 0.5  # promised: the excess shrinks by at least half the cut's depth
NO_RESONANCE_ROLES = ("kick", "bass")  # their bands above 150 Hz are harmonics and clicks

HARSH_LIMITS_DB: dict[str, float] = {  # 2-5 kHz energy re 200 Hz-1 kHz energy, per role
    "lead_vocal": 0.0,
    "backing_vocal": 0.0,
    "guitar": 8.0,
    "synth": 8.0,
    "keys": 3.0,
    "pad": 0.0,
}
HARSH_MEDIUM_DB = 3.0  # above the limit by more than this: medium
HARSH_Q = 1.0
HARSH_TARGET_BELOW_DB = 1.0  # the cut aims 1 dB under the limit
HARSH_SHRINK_DB = 1.0  # promised: the ratio falls by at least 1 dB

TILT_WINDOWS: dict[str, tuple[float, float]] = {  # dB/octave of third-octave levels, 200-8k
    "lead_vocal": (-9.0, 3.0),
    "backing_vocal": (-10.0, 3.0),
    "guitar": (-15.0, 4.0),
    "synth": (-15.0, 7.0),
    "keys": (-18.0, 3.0),
    "pad": (-20.0, 3.0),
}
TILT_SHELF_HZ = 3000.0
TILT_SHELF_DB = 3.0


def neighbour_excess_db(power: np.ndarray, band: int) -> np.ndarray | float:
    """How far ``band`` stands above the mean power of its two neighbours (dB)."""
    neighbours = 0.5 * (power[..., band - 1] + power[..., band + 1])
    return 10.0 * np.log10(np.maximum(power[..., band], 1e-30) / np.maximum(neighbours, 1e-30))


def wide_excess_db(power: np.ndarray, band: int) -> np.ndarray | float:
    """How far ``band`` stands above the bands two away (dB): a narrow ring whose skirts lift
    its direct neighbours still stands clear of these."""
    lo, hi = max(band - 2, 0), min(band + 2, power.shape[-1] - 1)
    around = 0.5 * (power[..., lo] + power[..., hi])
    return 10.0 * np.log10(np.maximum(power[..., band], 1e-30) / np.maximum(around, 1e-30))


def ring_excess_db(power: np.ndarray, band: int) -> np.ndarray | float:
    """A resonance's height: over its neighbours, or, when it already stands 6 dB over them,
    over the bands two away less 1 dB (what its skirts lift those by)."""
    near = neighbour_excess_db(power, band)
    wide = wide_excess_db(power, band) - RING_SKIRT_DB
    return np.where(near >= RING_NEAR_MIN_DB, np.maximum(near, wide), near)


def resonance_excess_db(stem: StemFeatures, band: int) -> float:
    """The target metric of a resonance cut: the band's long-term excess over its neighbours."""
    return float(neighbour_excess_db(active_power(stem), band))


@dataclass(frozen=True)
class Resonance:
    band: int
    excess_db: float
    persistence: float


def _resonances(stem: StemFeatures) -> list[Resonance]:
    power = active_power(stem)
    top = float(stem.spectrum_db.max())
    frames = stem.band_power[stem.active]
    found = []
    for band in band_range(RESONANCE_LOW_HZ, RESONANCE_HIGH_HZ):
        band = int(band)
        if stem.spectrum_db[band] < top - RESONANCE_WITHIN_DB:
            continue
        excess = float(ring_excess_db(power, band))
        if excess < RESONANCE_FIRE_DB:
            continue
        persistence = float(np.mean(ring_excess_db(frames, band) > RESONANCE_FRAME_DB))
        if persistence >= RESONANCE_PERSISTENCE:
            found.append(Resonance(band, excess, persistence))
    return sorted(found, key=lambda r: (-r.excess_db, r.band))


def resonance_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    if stem.role in NO_RESONANCE_ROLES or stem.active.sum() < grid_count(20, stem.frame_s):
        return None
    found = _resonances(stem)
    if not found:
        return None
    res = found[0]
    cut = -float(
        np.clip(round_half(res.excess_db / 2.0), RESONANCE_MIN_CUT_DB, RESONANCE_MAX_CUT_DB)
    )
    freq_hz = round(float(CENTERS_HZ[res.band]), 1)
    band = {"type": "peaking", "freq_hz": freq_hz, "gain_db": cut, "q": RESONANCE_Q}
    power = active_power(stem)
    gain = band_power_gain([band], features.analysis.session.sample_rate)
    predicted = float(neighbour_excess_db(power * gain, res.band))
    severity: Severity = "medium" if res.excess_db >= RESONANCE_MEDIUM_DB else "low"
    why = (
        f"{stem.file} rings at {fmt_hz(freq_hz)}: that third-octave band stands "
        f"{res.excess_db:.1f} dB above its two neighbours over the whole part, and more than "
        f"{RESONANCE_FRAME_DB:.0f} dB above them in {res.persistence:.0%} of the frames where it "
        f"plays (the rule speaks from {RESONANCE_FIRE_DB:.0f} dB and "
        f"{RESONANCE_PERSISTENCE:.0%}). A peak that stays put like this is usually a room mode, "
        f"a ringing drum or instrument body, or the microphone. A {cut:.1f} dB cut at "
        f"{fmt_hz(freq_hz)}, Q {RESONANCE_Q:g} (half the excess), brings it to about "
        f"{predicted:.1f} dB. If it is a note held through the song, leave it."
    )
    return Suggestion(
        kind="eq",
        stems=(stem.file,),
        params={"bands": [band]},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "band_hz": freq_hz,
            "excess_db": round(res.excess_db, 2),
            "threshold_db": RESONANCE_FIRE_DB,
            "persistence": round(res.persistence, 3),
            "other_resonances_hz": [round(float(CENTERS_HZ[r.band]), 1) for r in found[1:]],
            "promised_shrink_db": round(abs(cut) * RESONANCE_SHRINK, 2),
            "impact": round(res.excess_db - RESONANCE_FIRE_DB, 2),
        },
        target=Target("band_excess_db", res.excess_db, predicted, "lower", "dB"),
        rule="resonance",
    )


def _target_resonance(s: Suggestion, f: Features) -> float:
    return resonance_excess_db(f.stems[s.stems[0]], band_index(float(s.evidence["band_hz"])))


HARSH_HIGH = (2000.0, 5000.0)
HARSH_BODY = (200.0, 1000.0)


def harshness_db(power: np.ndarray) -> float:
    """2-5 kHz energy against 200 Hz-1 kHz energy (dB)."""
    return power_db(float(power[band_range(*HARSH_HIGH)].sum())) - power_db(
        float(power[band_range(*HARSH_BODY)].sum())
    )


def harshness_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    limit = HARSH_LIMITS_DB.get(stem.role)
    if limit is None or stem.active.sum() < grid_count(20, stem.frame_s):
        return None
    power = active_power(stem)
    before = harshness_db(power)
    if before <= limit:
        return None
    high = band_range(*HARSH_HIGH)
    centre = int(high[np.argmax(power[high])])
    freq_hz = round(float(CENTERS_HZ[centre]), 1)
    sr = features.analysis.session.sample_rate
    for cut in np.arange(1.0, 6.0 + 1e-9, 0.5):
        band = {"type": "peaking", "freq_hz": freq_hz, "gain_db": -float(cut), "q": HARSH_Q}
        predicted = harshness_db(power * band_power_gain([band], sr))
        if predicted <= limit - HARSH_TARGET_BELOW_DB:
            break
    over = before - limit
    severity: Severity = "medium" if over > HARSH_MEDIUM_DB else "low"
    why = (
        f"{stem.file} is hard in the 2-5 kHz range: it carries {before:+.1f} dB there against "
        f"its 200 Hz-1 kHz body, {over:.1f} dB more than the {limit:+.0f} dB a "
        f"{role_label(stem.role)} usually stays under. A {band['gain_db']:.1f} dB cut at "
        f"{fmt_hz(freq_hz)} (Q {HARSH_Q:g}, where it is loudest) brings it to about "
        f"{predicted:+.1f} dB."
    )
    return Suggestion(
        kind="eq",
        stems=(stem.file,),
        params={"bands": [band]},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "harshness_db": round(before, 2),
            "role_limit_db": limit,
            "over_limit_db": round(over, 2),
            "band_hz": freq_hz,
            "promised_drop_db": HARSH_SHRINK_DB,
            "impact": round(over, 2),
        },
        target=Target("harshness_db", before, predicted, "lower", "dB"),
        rule="harshness",
    )


def _target_harshness(s: Suggestion, f: Features) -> float:
    return harshness_db(active_power(f.stems[s.stems[0]]))


TILT_BANDS = (200.0, 8000.0)


def tilt_db_per_octave(power: np.ndarray) -> float:
    """Slope of the long-term third-octave spectrum, 200 Hz-8 kHz (dB per octave)."""
    idx = band_range(*TILT_BANDS)
    levels = 10.0 * np.log10(np.maximum(power[idx], 1e-30))
    return float(np.polyfit(np.log2(CENTERS_HZ[idx]), levels, 1)[0])


def tilt_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    window = TILT_WINDOWS.get(stem.role)
    if window is None or stem.active.sum() < grid_count(20, stem.frame_s):
        return None
    power = active_power(stem)
    if (power[band_range(*TILT_BANDS)] <= 0).any():
        return None
    slope = tilt_db_per_octave(power)
    low, high = window
    if low <= slope <= high:
        return None
    dark = slope < low
    gain_db = TILT_SHELF_DB if dark else -TILT_SHELF_DB
    band = {"type": "high_shelf", "freq_hz": TILT_SHELF_HZ, "gain_db": gain_db}
    predicted = tilt_db_per_octave(
        power * band_power_gain([band], features.analysis.session.sample_rate)
    )
    bound = low if dark else high
    trend = f"falls {-slope:.1f}" if slope < 0 else f"rises {slope:.1f}"
    why = (
        f"{stem.file} is {'dark' if dark else 'bright'} for a {role_label(stem.role)}: "
        f"its spectrum "
        f"{trend} dB per octave from 200 Hz to 8 kHz, outside the {low:+.0f} to {high:+.0f} "
        f"dB/octave a {role_label(stem.role)} usually spans. A gentle {gain_db:+.0f} dB high shelf "
        f"at {fmt_hz(TILT_SHELF_HZ)} is a starting point ({predicted:+.1f} dB/octave after); "
        "this is taste, judge it by ear."
    )
    return Suggestion(
        kind="eq",
        stems=(stem.file,),
        params={"bands": [band]},
        severity="low",
        category="creative",
        why=why,
        evidence={
            "tilt_db_per_octave": round(slope, 2),
            "role_window_db_per_octave": [low, high],
            "impact": round(abs(slope - bound), 2),
        },
        target=Target(
            "tilt_db_per_octave",
            slope,
            predicted,
            # a prediction that reaches the window promises to land in it; one that cannot
            # (the shelf's gain is capped) promises to come closer to its edge
            f"within:{low}..{high}" if low <= predicted <= high else f"closer:{bound}",
            "dB/oct",
        ),
        rule="tilt",
    )


def _target_tilt(s: Suggestion, f: Features) -> float:
    return tilt_db_per_octave(active_power(f.stems[s.stems[0]]))


TARGETS = {
    "resonance": _target_resonance,
    "harshness": _target_harshness,
    "tilt": _target_tilt,
}
