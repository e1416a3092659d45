"""Level balance: each stem against its role, section-to-section jumps, and mix headroom.

Levels are relative: a stem's gated loudness over the frames where it plays, minus the mix's
loudness over the same frames. Predictions treat stems as uncorrelated (energies add), which is
what the K-weighted energy series allow without another pass over the audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.loudness import integrated_from_energy
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.model import Severity, Suggestion, Target

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
BALANCE_MARGIN_LU = 1.5  # outside the window by more than this before the rule speaks
SECTION_ROLES = ("lead_vocal", "kick", "snare", "bass", "drums", "synth")
SECTION_GAP_LU = 3.0  # 1-3 LU is noticeable, over 3 LU significant (FACTS.md)
SECTION_MIN_S = 4.0
SECTION_MIN_ACTIVE = 0.5
MIN_ACTIVE_FRAMES = 30  # 3 s of playing before a balance is judged
HEADROOM_TARGET_DBTP = -6.0
HEADROOM_TOLERANCE_DB = 0.5
MAX_GAIN_DB = 18.0


def _masked(energy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, energy, 0.0)


def relative_level(stem: StemFeatures, mix: StemFeatures, mask: np.ndarray) -> float:
    """Stem loudness minus mix loudness over the frames in ``mask`` (LU); -inf if silent."""
    stem_lufs = integrated_from_energy(_masked(stem.energy, mask))
    mix_lufs = integrated_from_energy(_masked(mix.energy, mask))
    if not (np.isfinite(stem_lufs) and np.isfinite(mix_lufs)):
        return float("-inf")
    return stem_lufs - mix_lufs


def predicted_relative(
    stem: StemFeatures, mix: StemFeatures, mask: np.ndarray, gain_db: float
) -> float:
    """Relative level after a gain on the stem, mixing energies as uncorrelated."""
    factor = 10.0 ** (gain_db / 10.0)
    stem_e = _masked(stem.energy, mask)
    mix_e = np.maximum(_masked(mix.energy, mask) + (factor - 1.0) * stem_e, 0.0)
    stem_lufs = integrated_from_energy(stem_e * factor)
    mix_lufs = integrated_from_energy(mix_e)
    return stem_lufs - mix_lufs


def solve_gain(stem: StemFeatures, mix: StemFeatures, mask: np.ndarray, goal_lu: float) -> float:
    """The gain (dB) that brings the stem's relative level to ``goal_lu`` (bisection)."""
    low, high = -MAX_GAIN_DB, MAX_GAIN_DB
    for _ in range(40):
        middle = (low + high) / 2
        if predicted_relative(stem, mix, mask, middle) < goal_lu:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 1)


def _severity(distance_lu: float, high: float, medium: float) -> Severity:
    if distance_lu > high:
        return "high"
    return "medium" if distance_lu > medium else "low"


def _label(stem: StemFeatures) -> str:
    return ROLE_LABELS.get(stem.role, stem.role).lower()


@dataclass(frozen=True)
class BalanceMove:
    """One stem's gain in the joint balance solve, with the levels it was judged on."""

    file: str
    gain_db: float
    relative_lu: float  # against the mix as the solve found it, before this move
    original_lu: float  # against the mix as it is
    predicted_lu: float
    window: tuple[float, float]
    distance_lu: float
    after: tuple[str, ...]  # the moves made before this one


def _window_distance(rel: float, window: tuple[float, float]) -> float:
    low, high = window
    return low - rel if rel < low else rel - high if rel > high else 0.0


def solve_balance(features: Features) -> list[BalanceMove]:
    """Gains for all stems solved together: the stem furthest outside its role's window moves
    first, the mix is recomputed with that move, and the next furthest is judged against the
    new mix, until every stem is within its window (and margin) or has moved once.

    A stem that dominates the mix makes every other stem look buried; moving it first means the
    others are judged against the mix as it will be, so the culprit gets the change."""
    mix = features.mix
    if mix is None:
        return []
    candidates = {
        f: st for f, st in features.stems.items()
        if st.role in ROLE_RANGES_LU and st.active.sum() >= MIN_ACTIVE_FRAMES
    }  # fmt: skip
    mix_energy = mix.energy.copy()
    original = {f: relative_level(st, mix, st.active) for f, st in candidates.items()}
    moves: list[BalanceMove] = []
    for _ in range(len(candidates)):
        current = StemFeatures.with_energy(mix, mix_energy)
        worst: tuple[float, str, float] | None = None
        for f, st in candidates.items():
            if any(m.file == f for m in moves):
                continue
            rel = relative_level(st, current, st.active)
            if not np.isfinite(rel):
                continue
            distance = _window_distance(rel, ROLE_RANGES_LU[st.role])
            if distance > BALANCE_MARGIN_LU and (worst is None or distance > worst[0]):
                worst = (distance, f, rel)
        if worst is None:
            break
        distance, f, rel = worst
        st = candidates[f]
        low, high = ROLE_RANGES_LU[st.role]
        goal = low + 1.0 if rel < low else high - 1.0
        gain_db = solve_gain(st, current, st.active, goal)
        predicted = predicted_relative(st, current, st.active, gain_db)
        if abs(predicted - goal) > 1.0:
            candidates.pop(f)  # the stem is most of the mix while it plays: gain cannot move it
            continue
        moves.append(
            BalanceMove(f, gain_db, rel, original[f], predicted, (low, high), distance,
                        tuple(m.file for m in moves))
        )  # fmt: skip
        mix_energy = np.maximum(mix_energy + (10.0 ** (gain_db / 10.0) - 1.0) * st.energy, 0.0)
    return moves


def _balance(features: Features, move: BalanceMove) -> Suggestion:
    stem = features.stems[move.file]
    low, high = move.window
    rel, distance, gain_db = move.relative_lu, move.distance_lu, move.gain_db
    severity = _severity(distance, 8.0, 4.0)
    side = "below" if rel < low else "above"
    context = (
        f" (judged after the larger balance changes on {', '.join(move.after)})"
        if move.after else ""
    )  # fmt: skip
    why = (
        f"{stem.file} sits {rel:+.1f} LU against the mix while it plays{context}; a "
        f"{_label(stem)} usually sits between {low:+.0f} and {high:+.0f} LU, so it is "
        f"{distance:.1f} LU {side} that window. {gain_db:+.1f} dB brings it to about "
        f"{move.predicted_lu:+.1f} LU."
    )
    return Suggestion(
        kind="gain",
        stems=(stem.file,),
        params={"gain_db": gain_db},
        severity=severity,
        category="technical" if severity == "high" else "creative",
        why=why,
        evidence={
            "relative_lu": round(rel, 2),
            "relative_lu_now": round(move.original_lu, 2),
            "role_window_lu": [low, high],
            "distance_lu": round(distance, 2),
            "active_s": round(float(stem.active.sum()) / 10, 1),
            "solved_after": list(move.after),
            "impact": round(distance, 2),
        },
        target=Target(
            "relative_level_lu",
            move.original_lu,
            move.original_lu + move.predicted_lu - rel,
            f"within:{low}..{high}" if not move.after else "higher" if gain_db > 0 else "lower",
            "LU",
        ),
        rule="balance",
    )


def _section_mask(features: Features, start_s: float, end_s: float) -> np.ndarray:
    mask = np.zeros(features.frames, dtype=bool)
    mask[round(start_s * 10) : round(end_s * 10)] = True
    return mask


def _section_gaps(features: Features, stem: StemFeatures) -> list[Suggestion]:
    mix = features.mix
    if stem.role not in SECTION_ROLES or mix is None or len(features.sections) < 2:
        return []
    found: list[Suggestion] = []
    for section in features.sections:
        if section.duration_s < SECTION_MIN_S:
            continue
        inside = _section_mask(features, section.start_s, section.end_s)
        here = stem.active & inside
        if here.sum() < SECTION_MIN_ACTIVE * inside.sum():
            continue
        outside = stem.active & ~inside
        if outside.sum() < MIN_ACTIVE_FRAMES:
            continue
        rel_here = relative_level(stem, mix, here)
        rel_rest = relative_level(stem, mix, outside)
        if not (np.isfinite(rel_here) and np.isfinite(rel_rest)):
            continue
        gap = rel_here - rel_rest
        if abs(gap) <= SECTION_GAP_LU:
            continue
        gain_db = solve_gain(stem, mix, here, rel_rest)
        predicted = predicted_relative(stem, mix, here, gain_db) - rel_rest
        if abs(predicted) > 1.0:
            continue
        verb = "drops" if gap < 0 else "jumps"
        why = (
            f"In {section.name} ({section.start_s:.1f}-{section.end_s:.1f} s) {stem.file} "
            f"{verb} to {rel_here:+.1f} LU against the mix, {abs(gap):.1f} LU "
            f"{'below' if gap < 0 else 'above'} where it sits in the rest of the song "
            f"({rel_rest:+.1f} LU). {gain_db:+.1f} dB in {section.name} keeps it level."
        )
        found.append(
            Suggestion(
                kind="section_gain",
                stems=(stem.file,),
                params={
                    "segments": [
                        {
                            "start_s": round(section.start_s, 3),
                            "end_s": round(section.end_s, 3),
                            "gain_db": gain_db,
                        }
                    ],
                    "ramp_ms": 20.0,
                },
                severity=_severity(abs(gap), 7.0, 4.5),
                category="technical",
                why=why,
                evidence={
                    "section_relative_lu": round(rel_here, 2),
                    "rest_relative_lu": round(rel_rest, 2),
                    "gap_lu": round(gap, 2),
                    "impact": round(abs(gap), 2),
                },
                target=Target("section_gap_lu", abs(gap), abs(predicted), "lower", "LU"),
                rule="section_balance",
                section=section.name,
                section_span_s=(section.start_s, section.end_s),
            )
        )
    return found


def _peak_after(features: Features, moves: list[BalanceMove]) -> float:
    """The mix's true peak after the balance moves: each 100 ms frame's peak follows the
    change of that frame's energy (the moves are applied before the headroom)."""
    mix = features.mix
    assert mix is not None
    peaks = np.asarray(mix.measurement.true_peak.peak_series_dbtp, np.float64)
    if not moves or not len(peaks):
        return float(mix.measurement.true_peak.true_peak_dbtp)
    energy = mix.energy.copy()
    for move in moves:
        energy += (10.0 ** (move.gain_db / 10.0) - 1.0) * features.stems[move.file].energy
    n = min(len(peaks), len(energy))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mix.energy[:n] > 0, np.maximum(energy[:n], 1e-30) / mix.energy[:n], 1.0)
    shifted = peaks[:n] + 10.0 * np.log10(ratio)
    return float(max(shifted.max(initial=-np.inf), peaks[n:].max(initial=-np.inf)))


def _headroom(features: Features, moves: list[BalanceMove]) -> Suggestion | None:
    mix = features.mix
    if mix is None:
        return None
    peak = _peak_after(features, moves)
    now = float(mix.measurement.true_peak.true_peak_dbtp)
    if not np.isfinite(peak) or peak <= HEADROOM_TARGET_DBTP + HEADROOM_TOLERANCE_DB:
        return None
    gain_db = round(HEADROOM_TARGET_DBTP - peak, 1)
    severity: Severity = "high" if now > 0.0 else "medium" if now > -3.0 else "low"
    clip_note = " It would clip a fixed-point export." if now > 0.0 else ""
    after = (
        f" With the balance changes suggested here it would peak at {peak:+.1f} dBTP, so the "
        "headroom is set for that."
        if moves and abs(peak - now) >= 0.1
        else ""
    )
    why = (
        f"The mix peaks at {now:+.1f} dBTP, {now - HEADROOM_TARGET_DBTP:.1f} dB "
        f"hotter than the {HEADROOM_TARGET_DBTP:.0f} dBTP a mastering engineer expects.{clip_note}"
        f"{after} {gain_db:+.1f} dB on every stem keeps the balance and leaves the headroom."
    )
    stems = tuple(sorted(features.stems))
    return Suggestion(
        kind="headroom",
        stems=stems,
        params={"gain_db": gain_db},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "mix_true_peak_dbtp": round(now, 2),
            "after_balance_dbtp": round(peak, 2),
            "target_dbtp": HEADROOM_TARGET_DBTP,
            "impact": round(peak - HEADROOM_TARGET_DBTP, 2),
        },
        target=Target("mix_true_peak_dbtp", now, now + gain_db, "lower", "dBTP"),
        rule="headroom",
    )


def suggest(features: Features) -> list[Suggestion]:
    moves = solve_balance(features)
    found = [_balance(features, move) for move in moves]
    for stem in features.stems.values():
        found.extend(_section_gaps(features, stem))
    headroom = _headroom(features, moves)
    if headroom is not None:
        found.append(headroom)
    return found


def _target_relative(s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    stem = f.stems[s.stems[0]]
    return relative_level(stem, f.mix, stem.active)


def _target_section_gap(s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    stem = f.stems[s.stems[0]]
    start_s, end_s = s.section_span_s or (0.0, 0.0)
    inside = _section_mask(f, start_s, end_s)
    return abs(
        relative_level(stem, f.mix, stem.active & inside)
        - relative_level(stem, f.mix, stem.active & ~inside)
    )


def _target_headroom(_s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    return float(f.mix.measurement.true_peak.true_peak_dbtp)


TARGETS = {
    "balance": _target_relative,
    "section_balance": _target_section_gap,
    "headroom": _target_headroom,
    "headroom_trim": _target_headroom,
}
