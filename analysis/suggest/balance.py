"""Level balance: each stem against its role, section-to-section jumps, and mix headroom.

Levels are relative: a stem's gated loudness over the frames where it plays, minus the mix's
loudness over the same frames. Predictions treat stems as uncorrelated (energies add), which is
what the K-weighted energy series allow without another pass over the audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.features import Features, StemFeatures, grid_count
from mixreview.analysis.suggest.levels import (
    MAX_GAIN_DB,
    ROLE_RANGES_LU,
    predicted_relative,
    relative_level,
    severity_of,
    solve_gain,
)
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.section_balance import (
    section_gaps,
    target_own_step,
    target_section_gap,
)

__all__ = [
    "HEADROOM_TARGET_DBTP",
    "ROLE_RANGES_LU",
    "BalanceMove",
    "predicted_relative",
    "relative_level",
    "solve_balance",
    "solve_gain",
    "suggest",
]

BALANCE_MARGIN_LU = 1.5
BALANCE_HIGH_LU = 10.0  # "a stem 10 LU out of place" breaks the mix: high importance
BALANCE_MEDIUM_LU = 4.0  # outside the window by more than this before the rule speaks
MIN_ACTIVE_FRAMES = 30  # 3 s of playing before a balance is judged
HEADROOM_TARGET_DBTP = -6.0
HEADROOM_TOLERANCE_DB = 0.5
HEADROOM_HIGH_DBTP = 0.0  # over it a fixed-point export clips
HEADROOM_MEDIUM_DBTP = -3.0
# Supporting parts more than this over the lead vocal (while each plays) bury it, even when each
# sits inside its own window: the solve counts it like a distance from a window.
LEAD_OVER_LU = 2.0
UNDER_THE_LEAD = ("guitar", "keys", "synth", "pad", "backing_vocal", "fx", "hats")
BALANCE_STEP_GAIN = 4.0  # LU²: a step of the joint solve must remove at least this much
BALANCE_GAIN_PENALTY = 0.3  # LU² per dB of gain: of two equal fixes, the smaller move wins


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
    lifted: tuple[str, ...] = ()  # stems the solve brings into their windows without a move


def _window_distance(rel: float, window: tuple[float, float]) -> float:
    low, high = window
    return low - rel if rel < low else rel - high if rel > high else 0.0


def _search_levels(
    candidates: dict[str, StemFeatures], mix: StemFeatures
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean energies for a fast search: ``own[j]`` the stem's over its active frames,
    ``cross[i, j]`` stem i's over stem j's active frames, ``mix_e[j]`` the mix's there."""
    stems = list(candidates.values())
    masks = np.stack([st.active for st in stems])  # (n, frames)
    energies = np.stack([st.energy for st in stems])
    counts = np.maximum(masks.sum(axis=1), 1)
    cross = (energies @ masks.T.astype(np.float64)) / counts[None, :]
    mix_e = (masks.astype(np.float64) @ mix.energy) / counts
    return np.diag(cross).copy(), cross, mix_e


def _violation(rel: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """How far each level lies outside its window (LU); works on any leading shape."""
    return np.maximum(np.maximum(low - rel, rel - high), 0.0)


def solve_balance(features: Features) -> list[BalanceMove]:
    """Gains for all stems solved together, as few and as small as put every stem in its
    role's window: each step takes the one stem gain (on a 0.5 dB grid) that most reduces the
    squared distances of all stems outside their windows (narrowed by 1 LU, so a moved stem
    lands inside), counting the mix's change, until no step helps by more than
    ``BALANCE_STEP_GAIN``. A stem that dominates the mix makes every other stem look buried:
    cutting it lifts them all, so the solve cuts the culprit and leaves the others alone."""
    mix = features.mix
    if mix is None:
        return []
    candidates = {
        f: st for f, st in features.stems.items()
        if st.role in ROLE_RANGES_LU
        and st.active.sum() >= grid_count(MIN_ACTIVE_FRAMES, st.frame_s)
    }  # fmt: skip
    if not candidates:
        return []
    files = list(candidates)
    own, cross, mix_e = _search_levels(candidates, mix)
    if not (own > 0).all() or not (mix_e > 0).all():
        keep = [i for i in range(len(files)) if own[i] > 0 and mix_e[i] > 0]
        files = [files[i] for i in keep]
        own, cross, mix_e = own[keep], cross[np.ix_(keep, keep)], mix_e[keep]
        if not files:
            return []
    low = np.array([ROLE_RANGES_LU[candidates[f].role][0] for f in files]) + 1.0
    high = np.array([ROLE_RANGES_LU[candidates[f].role][1] for f in files]) - 1.0
    grid_db = np.arange(-MAX_GAIN_DB, MAX_GAIN_DB + 0.25, 0.5)
    factors = 10.0 ** (grid_db / 10.0)
    gains_db = np.zeros(len(files))

    def levels(gain_db: np.ndarray) -> np.ndarray:
        a = 10.0 ** (gain_db / 10.0)
        denominator = mix_e + (a - 1.0) @ cross
        return 10.0 * np.log10(a * own / np.maximum(denominator, 1e-30))

    lead = [i for i, f in enumerate(files) if candidates[f].role == "lead_vocal"]
    under = [i for i, f in enumerate(files) if candidates[f].role in UNDER_THE_LEAD]

    def over_lead(rel: np.ndarray) -> np.ndarray:
        """How far supporting parts sit over the lead vocal beyond ``LEAD_OVER_LU`` (last
        axis: stems), squared and summed; zero without a lead vocal."""
        if not lead or not under:
            return np.zeros(rel.shape[:-1])
        top_lead = rel[..., lead].max(axis=-1)
        excess = np.maximum(rel[..., under] - top_lead[..., None] - LEAD_OVER_LU, 0.0)
        return (excess**2).sum(axis=-1)

    def cost(gain_db: np.ndarray) -> float:
        rel = levels(gain_db)
        return float((_violation(rel, low, high) ** 2).sum() + over_lead(rel))

    exact_far = [
        f for f in files
        if _window_distance(relative_level(candidates[f], mix, candidates[f].active),
                            ROLE_RANGES_LU[candidates[f].role]) > BALANCE_MARGIN_LU
    ]  # fmt: skip
    if not exact_far and cost(gains_db) <= BALANCE_STEP_GAIN:
        return []
    order: list[str] = []
    for _ in range(len(files)):
        a = 10.0 ** (gains_db / 10.0)
        base_den = mix_e + (a - 1.0) @ cross  # (n,)
        now = cost(gains_db)
        # every (stem i, grid gain g): the levels of all stems j
        new_a = a[:, None] * factors[None, :]  # (n, G)
        den = base_den[None, None, :] + ((new_a - a[:, None])[:, :, None] * cross[:, None, :])
        own_a = np.broadcast_to(a * own, (len(files), len(grid_db), len(files))).copy()
        idx = np.arange(len(files))
        own_a[idx, :, idx] = new_a * own[:, None]
        rel = 10.0 * np.log10(own_a / np.maximum(den, 1e-30))
        total = (_violation(rel, low, high) ** 2).sum(axis=2) + over_lead(rel)
        total += BALANCE_GAIN_PENALTY * np.abs(gains_db[:, None] + grid_db[None, :])
        i, g = np.unravel_index(int(np.argmin(total)), total.shape)
        if now - float(total[i, g]) <= BALANCE_STEP_GAIN or grid_db[g] == 0.0:
            break
        gains_db[i] += grid_db[g]
        if files[i] not in order:
            order.append(files[i])
    final_energy = mix.energy.copy()
    gain: float
    for f, gain in zip(files, gains_db, strict=True):
        final_energy += (10.0 ** (gain / 10.0) - 1.0) * candidates[f].energy
    final_mix = StemFeatures.with_energy(mix, np.maximum(final_energy, 0.0))
    moved = {f for f in order}
    lifted = tuple(
        f for f in files
        if f not in moved
        and _window_distance(relative_level(candidates[f], mix, candidates[f].active),
                             ROLE_RANGES_LU[candidates[f].role]) > BALANCE_MARGIN_LU
        and _window_distance(relative_level(candidates[f], final_mix, candidates[f].active),
                             ROLE_RANGES_LU[candidates[f].role]) <= BALANCE_MARGIN_LU
    )  # fmt: skip
    moves: list[BalanceMove] = []
    for f in order:
        gain = round(float(gains_db[files.index(f)]), 1)
        if abs(gain) < 0.5:
            continue
        st = candidates[f]
        rel_now = relative_level(st, mix, st.active)
        window = ROLE_RANGES_LU[st.role]
        moves.append(
            BalanceMove(
                f, gain, rel_now, rel_now,
                relative_level(st, final_mix, st.active) + gain,
                window, _window_distance(rel_now, window),
                tuple(m.file for m in moves),
                lifted if not moves else (),
            )
        )  # fmt: skip
    return moves


def _balance(features: Features, move: BalanceMove) -> Suggestion:
    stem = features.stems[move.file]
    low, high = move.window
    rel, distance, gain_db = move.relative_lu, move.distance_lu, move.gain_db
    # how far out of place: the window distance, or the move the whole mix asks of it (a stem
    # that dominates the mix sits near 0 LU, just over its window, yet needs a large cut)
    out_of_place = max(distance, abs(gain_db))
    severity = severity_of(out_of_place, BALANCE_HIGH_LU, BALANCE_MEDIUM_LU)
    side = "below" if rel < low else "above"
    others = [f for f in move.after]
    context = " with the other balance changes suggested here" if len(others) else ""
    why = (
        f"{stem.file} sits {rel:+.1f} LU against the mix while it plays; a {_label(stem)} "
        f"usually sits between {low:+.0f} and {high:+.0f} LU"
        + (f", so it is {distance:.1f} LU {side} that window" if distance > 0 else "")
        + f". Solved for all stems together, {gain_db:+.1f} dB brings it to about "
        f"{move.predicted_lu:+.1f} LU{context}."
    )
    one = len(move.lifted) == 1
    outside = "sits outside its window" if one else "sit outside their windows"
    back = (
        "it back without a change of its own" if one else "them back without a change of their own"
    )
    if move.lifted and gain_db < 0:
        why += (
            f" It dominates the mix: with it this loud, {', '.join(move.lifted)} {outside}, "
            f"and this change brings {back}."
        )
    elif move.lifted:
        why += (
            f" With it this quiet the mix leans on the others, so {', '.join(move.lifted)} "
            f"{outside}; this change brings {back}."
        )
    alone = predicted_relative(stem, features.mix, stem.active, gain_db) if features.mix else rel
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
            "active_s": round(float(stem.active.sum()) / (1.0 / stem.frame_s), 1),
            "solved_after": list(move.after),
            "brings_back": list(move.lifted),
            "impact": round(out_of_place, 2),
        },
        target=Target("relative_level_lu", rel, alone, "higher" if gain_db > 0 else "lower", "LU"),
        rule="balance",
    )


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
    severity: Severity = (
        "high" if now > HEADROOM_HIGH_DBTP else "medium" if now > HEADROOM_MEDIUM_DBTP else "low"
    )
    clip_note = " It would clip a fixed-point export." if now > HEADROOM_HIGH_DBTP else ""
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


def headroom_trim(features: Features, round_no: int = 1) -> Suggestion | None:
    """After an accepted headroom change the later decisions moved the mix: the gain on every
    stem that brings its true peak back to the target, up or down (``round_no`` counts the
    trims accepted before, so each is a problem of its own)."""
    mix = features.mix
    if mix is None:
        return None
    peak = float(mix.measurement.true_peak.true_peak_dbtp)
    if not np.isfinite(peak) or abs(peak - HEADROOM_TARGET_DBTP) <= HEADROOM_TOLERANCE_DB:
        return None
    gain_db = round(HEADROOM_TARGET_DBTP - peak, 1)
    severity: Severity = (
        "high" if peak > HEADROOM_HIGH_DBTP else "medium" if peak > HEADROOM_MEDIUM_DBTP else "low"
    )
    why = (
        f"With the decisions so far the mix peaks at {peak:+.1f} dBTP: the headroom change was "
        f"set before some of them. {gain_db:+.1f} dB on every stem brings it back to "
        f"{HEADROOM_TARGET_DBTP:.0f} dBTP, keeping the balance."
    )
    return Suggestion(
        kind="headroom",
        stems=tuple(sorted(features.stems)),
        params={"gain_db": gain_db},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "mix_true_peak_dbtp": round(peak, 2),
            "target_dbtp": HEADROOM_TARGET_DBTP,
            "impact": round(abs(peak - HEADROOM_TARGET_DBTP), 2),
        },
        target=Target(
            "mix_true_peak_dbtp", peak, peak + gain_db, f"closer:{HEADROOM_TARGET_DBTP}", "dBTP"
        ),
        rule=f"headroom_trim:{round_no}",
    )


def suggest(features: Features) -> list[Suggestion]:
    moves = solve_balance(features)
    found = [_balance(features, move) for move in moves]
    for stem in features.stems.values():
        found.extend(section_gaps(features, stem))
    headroom = _headroom(features, moves)
    if headroom is not None:
        found.append(headroom)
    return found


def _target_relative(s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    stem = f.stems[s.stems[0]]
    return relative_level(stem, f.mix, stem.active)


def _target_headroom(_s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    return float(f.mix.measurement.true_peak.true_peak_dbtp)


TARGETS = {
    "balance": _target_relative,
    "section_balance": target_section_gap,
    "section_level": target_own_step,
    "headroom": _target_headroom,
    **{f"headroom_trim:{n}": _target_headroom for n in range(1, 100)},
}
