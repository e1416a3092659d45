"""Masking between stems: where one part covers another in the same band, cut the less important.

For a pair (target, masker), per third-octave band, over the 100 ms frames where both play in that
band, a frame is masked when the masker's band level is within ``MASK_MARGIN_DB`` of the target's
or above it. The share of such frames, per band and per section, is the evidence; the fix is a
narrow cut on the masker at the conflicting band, confined to a section when the masking is
concentrated there. Rules, thresholds and their sources: docs/rules/masking.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mixreview.analysis.meters.bands import band_edges_hz
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    StemFeatures,
    band_index,
    band_range,
    grid_count,
)
from mixreview.analysis.suggest.masking_frames import (
    MASK_MARGIN_DB,
    BandMasking,
    PairFrames,
    band_masking,
    each_band,
    masked_share,
    span_mask,
)
from mixreview.analysis.suggest.memo import IdentityMemo, unmoved
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.spectrum import band_power_gain, fmt_hz

FIRE_SHARE = 0.5  # masked in at least half the frames where both play in the band
HIGH_SHARE = 0.6  # high severity: masked most of the time...
HIGH_COVERAGE = 0.5  # ...across most of the range that matters to the target
HIGH_MEDIAN_DB = 0.0  # medium: masked most of the time, or the masker typically on top
PRIORITY_SHARE = 0.6  # pairs outside the classic ones need more before the rule speaks
MIN_JOINT_FRAMES = 20  # 2 s of both parts playing in the band before masking is judged
MIN_SECTION_FRAMES = 10  # 1 s in a section before that section is judged
IMPORTANT_WITHIN_DB = 6.0  # a band matters to the target within 6 dB of its loudest band in range
RANGE_WITHIN_DB = 15.0  # the range matters to the target within 15 dB of its loudest band
STRADDLE_DB = 3.0  # a neighbour this close to the peak band: the peak sits on their edge
PRIORITY_WITHIN_DB = 3.0  # other pairs: only the target's loudest bands overall
INTERMITTENT_RATIO = 0.5  # outside the worst section at most half as masked: scope to it
CUT_Q = 1.4  # about one octave between the cut's half-gain points
MIN_CUT_DB = 1.0
MAX_CUT_DB = 6.0
CUT_STEP_DB = 0.5
MIN_SHARE_GAIN = 0.01  # a cut that uncovers less than 1% of the frames is not suggested
PREDICTED_DROP = 0.3  # the cut is sized to remove at least 30% of the masked share...
VERIFY_DROP = 0.25  # ...so that measuring again shows at least 25% (relative) less
PRIORITY_LOW_HZ = 40.0
PRIORITY_HIGH_HZ = 8000.0

# Who gets uncovered when two parts collide: the more important one (lower rank) is the target.
ROLE_RANK: dict[str, int] = {
    "lead_vocal": 0,
    "kick": 1,
    "snare": 2,
    "bass": 3,
    "synth": 4,
    "guitar": 5,
    "keys": 5,
    "pad": 6,
    "fx": 7,
}


@dataclass(frozen=True)
class PairRule:
    """A classic conflict: which roles, in which range, what the range is to the target."""

    rule: str
    targets: tuple[str, ...]
    maskers: tuple[str, ...]
    low_hz: float
    high_hz: float
    what: str
    peak_band: bool = False  # cut at the target's loudest band instead of the worst-masked one


CLASSIC_RULES: tuple[PairRule, ...] = (
    PairRule("kick_bass_masking", ("kick",), ("bass",), 40.0, 120.0, "thump", peak_band=True),
    PairRule(
        "vocal_masking",
        ("lead_vocal",),
        ("guitar", "keys", "synth", "pad"),
        1000.0,
        4000.0,
        "presence range",
    ),
    PairRule("snare_masking", ("snare",), ("guitar", "keys"), 150.0, 400.0, "body"),
)
PRIORITY_RULE = "priority_masking"
# high only where the mix breaks: the lead vocal buried, kick and bass in one band; a conflict
# on a supporting part (the snare's body under guitars and keys) is medium at most
MEMO = IdentityMemo()
HIGH_CAPABLE = ("kick_bass_masking", "vocal_masking")


def _label(role: str) -> str:
    return ROLE_LABELS.get(role, role).lower()


def _is(label: str) -> str:
    """'is' or 'are' for a role label ("the keys are", "the bass is")."""
    return "are" if label.endswith("s") and not label.endswith("ss") else "is"


def _candidate_bands(
    target: StemFeatures, low_hz: float, high_hz: float, within_db: float
) -> np.ndarray:
    """Bands in the range that matter to the target (near its loudest band there)."""
    idx = band_range(low_hz, high_hz)
    if not len(idx) or not target.active.any():
        return idx[:0]
    spectrum = target.spectrum_db
    top = float(spectrum[idx].max())
    if top < float(spectrum.max()) - RANGE_WITHIN_DB:
        return idx[:0]
    return idx[spectrum[idx] >= top - within_db]


def _refined_peak_hz(spectrum_db: np.ndarray, band: int) -> float:
    """Peak frequency by a parabola through the band and its neighbours (log frequency)."""
    if 0 < band < len(spectrum_db) - 1:
        left, mid, right = spectrum_db[band - 1], spectrum_db[band], spectrum_db[band + 1]
        curve = left - 2 * mid + right
        if curve < 0:
            offset = float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))
            return float(CENTERS_HZ[band] * 2.0 ** (offset / 3.0))
    return float(CENTERS_HZ[band])


def _peak_bands(target: StemFeatures, candidates: np.ndarray) -> tuple[int, ...]:
    """The target's loudest band, with its louder neighbour when the peak straddles the two."""
    spectrum = target.spectrum_db
    peak = int(candidates[np.argmax(spectrum[candidates])])
    neighbours = [b for b in (peak - 1, peak + 1) if 0 <= b < len(spectrum)]
    best = max(neighbours, key=lambda b: spectrum[b])
    if spectrum[best] >= spectrum[peak] - STRADDLE_DB:
        return tuple(sorted((peak, best)))
    return (peak,)


@dataclass(frozen=True)
class Conflict:
    """The measured masking of one pair, before it becomes a suggestion. It names its stems
    (``pair`` finds them in the features at hand): it is kept from one derivation to the
    next, and holding a derivation's features would keep all their arrays alive."""

    rule: PairRule | None
    target: str
    masker: str
    overall: BandMasking
    bands: tuple[BandMasking, ...]  # every band of the range that matters to the target
    sections: tuple[tuple[Section, BandMasking], ...]  # worst first
    scope: Section | None
    judged: BandMasking  # the numbers the suggestion is about (overall, or in the scoped section)
    coverage: float  # mean masked share over the bands of the range that matter to the target

    def pair(self, features: Features) -> tuple[StemFeatures, StemFeatures]:
        """The target's and the masker's features."""
        return features.stems[self.target], features.stems[self.masker]

    @property
    def rule_name(self) -> str:
        return self.rule.rule if self.rule else PRIORITY_RULE

    @property
    def scope_mask(self) -> tuple[float, float] | None:
        return (self.scope.start_s, self.scope.end_s) if self.scope else None


def _section_masking(features: Features, frames: PairFrames) -> list[tuple[Section, BandMasking]]:
    spans = [(section.start_s, section.end_s) for section in features.sections]
    results = frames.within_each(spans, grid_count(MIN_SECTION_FRAMES, features.frame_s))
    found = [(s, r) for s, r in zip(features.sections, results, strict=True) if r is not None]
    return sorted(found, key=lambda item: (-item[1].share, item[0].start_s))


def _outside(features: Features, frames: PairFrames, section: Section) -> BandMasking:
    return frames.over(
        ~span_mask(features.frames, (section.start_s, section.end_s), features.frame_s)
    )


def _scope(
    features: Features, frames: PairFrames, sections: list[tuple[Section, BandMasking]]
) -> Section | None:
    """The worst section when the masking is concentrated there, else None."""
    if len(features.sections) < 2 or not sections:
        return None
    worst, inside = sections[0]
    if inside.share < FIRE_SHARE:
        return None
    outside = _outside(features, frames, worst)
    if outside.joint_frames < grid_count(MIN_JOINT_FRAMES, features.frame_s):
        return None  # the pair only meets there: a plain cut does the same
    if outside.share > INTERMITTENT_RATIO * inside.share:
        return None
    return worst


def _measure_pair(
    features: Features,
    rule: PairRule | None,
    target: StemFeatures,
    masker: StemFeatures,
) -> Conflict | None:
    if rule is not None:
        candidates = _candidate_bands(target, rule.low_hz, rule.high_hz, IMPORTANT_WITHIN_DB)
    else:
        candidates = _candidate_bands(target, PRIORITY_LOW_HZ, PRIORITY_HIGH_HZ, PRIORITY_WITHIN_DB)
    if not len(candidates):
        return None
    results = each_band(target, masker, [int(b) for b in candidates])
    if rule is not None and rule.peak_band:
        best = band_masking(target, masker, _peak_bands(target, candidates))
        if best.joint_frames < grid_count(MIN_JOINT_FRAMES, features.frame_s):
            return None
        coverage = best.share
    else:
        least = grid_count(MIN_JOINT_FRAMES, features.frame_s)
        judged_bands = [r for r in results if r.joint_frames >= least]
        if not judged_bands:
            return None
        best = max(judged_bands, key=lambda r: (r.share, r.median_diff_db, -r.band))
        coverage = float(np.mean([r.share for r in judged_bands]))
    frames = PairFrames.of(target, masker, best.bands)
    sections = _section_masking(features, frames)
    scope = _scope(features, frames, sections)
    judged = best
    if scope is not None:
        judged = next(result for section, result in sections if section is scope)
    if judged.share < (FIRE_SHARE if rule is not None else PRIORITY_SHARE):
        return None
    if rule is None and judged.median_diff_db < HIGH_MEDIAN_DB:
        return None
    return Conflict(
        rule,
        target.file,
        masker.file,
        best,
        tuple(results),
        tuple(sections),
        scope,
        judged,
        coverage,
    )


def _pairs(features: Features) -> list[tuple[PairRule | None, StemFeatures, StemFeatures]]:
    """Every (rule, target, masker) to measure: the classic pairs, then the rest by priority."""
    stems = sorted(features.stems.values(), key=lambda s: s.file)
    pairs: list[tuple[PairRule | None, StemFeatures, StemFeatures]] = []
    covered: set[tuple[str, str]] = set()
    for rule in CLASSIC_RULES:
        for target in stems:
            if target.role not in rule.targets:
                continue
            for masker in stems:
                if masker.role in rule.maskers and masker.file != target.file:
                    pairs.append((rule, target, masker))
                    covered.add((target.file, masker.file))
    for target in stems:
        for masker in stems:
            if (target.file, masker.file) in covered or target.file == masker.file:
                continue
            t_rank, m_rank = ROLE_RANK.get(target.role), ROLE_RANK.get(masker.role)
            if t_rank is not None and m_rank is not None and t_rank < m_rank:
                pairs.append((None, target, masker))
    return pairs


def _cut_band(freq_hz: float, gain_db: float) -> dict[str, float | str]:
    return {"type": "peaking", "freq_hz": freq_hz, "gain_db": gain_db, "q": CUT_Q}


def _cut(features: Features, conflict: Conflict, freq_hz: float) -> tuple[float, float, float]:
    """The cut (dB <= 0), the masked share it predicts, and the depth it started from.

    The cut starts at how far the masker sits over the masking line in the median frame
    (``median_diff + MASK_MARGIN_DB``) and deepens until it is predicted to remove at least
    ``PREDICTED_DROP`` of the masked share, within ``MIN_CUT_DB``..``MAX_CUT_DB``.
    """
    sample_rate = features.analysis.session.sample_rate
    target, masker = conflict.pair(features)
    span = conflict.scope_mask
    scope = span_mask(features.frames, span, features.frame_s) if span else None
    bands = list(conflict.judged.bands)
    before = conflict.judged.share
    excess_db = conflict.judged.median_diff_db + MASK_MARGIN_DB
    start_db = float(np.clip(round(excess_db / CUT_STEP_DB) * CUT_STEP_DB, MIN_CUT_DB, MAX_CUT_DB))
    gain_db, predicted = 0.0, before
    for cut_db in np.arange(start_db, MAX_CUT_DB + 1e-9, CUT_STEP_DB):
        gain_db = -float(cut_db)
        power = band_power_gain([_cut_band(freq_hz, gain_db)], sample_rate)
        shift_db = 10.0 * np.log10(power[bands])
        predicted = band_masking(target, masker, bands, scope, shift_db).share
        if predicted <= before * (1.0 - PREDICTED_DROP):
            break
    return gain_db, predicted, start_db


def _severity(conflict: Conflict) -> Severity:
    judged = conflict.judged
    if (
        conflict.rule_name in HIGH_CAPABLE
        and judged.share >= HIGH_SHARE
        and conflict.coverage >= HIGH_COVERAGE
    ):
        return "high"
    if judged.share >= HIGH_SHARE or judged.median_diff_db >= HIGH_MEDIAN_DB:
        return "medium"
    return "low"


def _bands_text(bands: tuple[int, ...]) -> str:
    edges = band_edges_hz()
    low, high = edges[bands[0], 0], edges[bands[-1], 1]
    centres = " and ".join(fmt_hz(CENTERS_HZ[b]) for b in bands)
    plural = "bands" if len(bands) > 1 else "band"
    return f"the {centres} {plural} ({fmt_hz(low)}-{fmt_hz(high)})"


def _worst_text(conflict: Conflict) -> str:
    bad = [(s, r) for s, r in conflict.sections if r.share >= FIRE_SHARE]
    if len(conflict.sections) < 2 or not bad:
        return ""
    parts = [f"{s.name} ({r.share:.0%})" for s, r in bad[:3]]
    return f" Worst in {', '.join(parts)}."


def _why(
    features: Features,
    conflict: Conflict,
    freq_hz: float,
    cut: tuple[float, float, float],
) -> str:
    gain_db, predicted, start_db = cut
    target, masker = conflict.pair(features)
    judged, scope = conflict.judged, conflict.scope
    t_label, m_label = _label(target.role), _label(masker.role)
    rule = conflict.rule
    what = f"the {t_label}'s {rule.what}" if rule else f"one of the {t_label}'s main bands"
    where = f" in {scope.name} ({scope.start_s:.1f}-{scope.end_s:.1f} s)" if scope else ""
    why = (
        f"{masker.file} covers {target.file} in {_bands_text(judged.bands)}, {what}: in "
        f"{judged.share:.0%} of the {judged.joint_frames / 10:.1f} s where "
        f"both sound there{where}, the {m_label} {_is(m_label)} within {MASK_MARGIN_DB:.0f} dB "
        f"of the "
        f"{t_label} or louder (median {judged.median_diff_db:+.1f} dB; the rule speaks from "
        f"{FIRE_SHARE if rule else PRIORITY_SHARE:.0%})."
    )
    if scope is None:
        why += _worst_text(conflict)
    else:
        outside = _outside(features, PairFrames.of(target, masker, judged.bands), scope)
        why += (
            f" It is concentrated there ({judged.share:.0%} against {outside.share:.0%} in the "
            f"rest of the song), so the cut works only in {scope.name}."
        )
    excess_db = judged.median_diff_db + MASK_MARGIN_DB
    size = (
        f"the median frame sits {excess_db:.1f} dB over the masking line"
        if excess_db >= MIN_CUT_DB
        else "the smallest cut the rule makes"
    )
    if -gain_db > start_db:
        size += f", deepened to uncover at least {PREDICTED_DROP:.0%} of those frames"
    why += (
        f" A {gain_db:.1f} dB cut at {fmt_hz(freq_hz)} (Q {CUT_Q:g}) on the {m_label} ({size}) "
        f"should bring that to about {predicted:.0%}."
    )
    if predicted > judged.share * (1.0 - VERIFY_DROP):
        why += (
            f" Even the deepest cut the rule allows ({MAX_CUT_DB:.0f} dB) leaves most of it: "
            f"turn the {m_label} down there, or duck it under the {t_label}."
        )
    return why


def _suggestion(features: Features, conflict: Conflict) -> Suggestion | None:
    target, masker = conflict.pair(features)
    judged, scope = conflict.judged, conflict.scope
    rule = conflict.rule
    if rule is not None and rule.peak_band:
        # around the loudest of the bands judged (of a straddling pair, it may be the upper)
        loudest = max(judged.bands, key=lambda b: float(target.spectrum_db[b]))
        freq_hz = round(_refined_peak_hz(target.spectrum_db, loudest), 1)
        if len(judged.bands) == 2:
            edge = float(band_edges_hz()[judged.bands[0], 1])
            freq_hz = round(float(np.clip(freq_hz, edge / 2 ** (1 / 6), edge * 2 ** (1 / 6))), 1)
    else:
        freq_hz = round(float(CENTERS_HZ[judged.band]), 1)
    cut = _cut(features, conflict, freq_hz)
    gain_db, predicted, _ = cut
    before = judged.share
    enough = predicted <= before * (1.0 - VERIFY_DROP)
    if rule is None and not enough:
        return None  # outside the classic pairs, speak only when a cut can help
    if predicted >= before - MIN_SHARE_GAIN:
        return None  # no cut the rule allows uncovers anything: a level problem, for balance
    edges = band_edges_hz()
    per_s = 1.0 / features.frame_s  # frames a second: 10 on 100 ms
    params: dict[str, object] = {"freq_hz": freq_hz, "gain_db": gain_db, "q": CUT_Q}
    if scope is not None:
        params["dynamic"] = True
        params["section"] = scope.name
    evidence = {
        "against": target.file,
        "masked_share": round(before, 3),
        "masked_share_song": round(conflict.overall.share, 3),
        "band_hz": [
            round(float(edges[judged.bands[0], 0]), 1),
            round(float(edges[judged.bands[-1], 1]), 1),
        ],
        "bands_center_hz": [round(float(CENTERS_HZ[b]), 1) for b in judged.bands],
        "median_diff_db": round(judged.median_diff_db, 2),
        "joint_active_s": round(judged.joint_frames / per_s, 1),
        "margin_db": MASK_MARGIN_DB,
        "bands": [
            {
                "band_hz": round(float(CENTERS_HZ[r.band]), 1),
                "masked_share": round(r.share, 3),
                "joint_active_s": round(r.joint_frames / per_s, 1),
            }
            for r in conflict.bands
        ],
        "worst_sections": [s.name for s, r in conflict.sections if r.share >= FIRE_SHARE],
        "section_shares": {s.name: round(r.share, 3) for s, r in conflict.sections},
        "predicted_share": round(predicted, 3),
        "promised_drop": VERIFY_DROP,
        "coverage": round(conflict.coverage, 3),
        "cut_sufficient": enough,
        "impact": round(before * 10.0, 2),
    }
    severity = _severity(conflict)
    return Suggestion(
        kind="unmask",
        stems=(masker.file,),
        params=params,
        severity=severity,
        category="technical" if severity == "high" else "creative",
        why=_why(features, conflict, freq_hz, cut),
        evidence=evidence,
        target=Target("masked_share", before, predicted, "lower", "share"),
        rule=conflict.rule_name,
        section=scope.name if scope else None,
        section_span_s=conflict.scope_mask,
    )


def suggest(features: Features) -> list[Suggestion]:
    """One cut per masker and rule: its worst conflict (the other targets go in evidence)."""
    conflicts: dict[tuple[str, str], list[Conflict]] = {}
    for rule, target, masker in _pairs(features):
        # the masking reads the masker's level against the target's: a gain that moves both
        # alike (the headroom) keeps it
        conflict: Conflict | None = MEMO.get(
            ("masking", rule.rule if rule else None, target.file, masker.file),
            (target.ahead, masker.ahead, features.sections),
            partial(_measure_pair, features, rule, target, masker),
            levels=(target.fader_db, masker.fader_db),
            shift=unmoved,
            alike=True,
        )
        if conflict is not None:
            conflicts.setdefault((conflict.rule_name, masker.file), []).append(conflict)
    found = []
    for key in sorted(conflicts):
        ranked = sorted(
            conflicts[key], key=lambda c: (-c.judged.share, -c.judged.median_diff_db, c.target)
        )
        for conflict in ranked:
            suggestion = _suggestion(features, conflict)
            if suggestion is None:
                continue
            others = [c.target for c in ranked if c is not conflict]
            if others:
                suggestion.evidence["also_against"] = others
            found.append(suggestion)
            break
    return found


def _target_share(s: Suggestion, f: Features) -> float:
    target = f.stems[s.evidence["against"]]
    masker = f.stems[s.stems[0]]
    bands = [band_index(float(hz)) for hz in s.evidence["bands_center_hz"]]
    return masked_share(target, masker, bands, s.section_span_s, f.frames)


TARGETS = {rule.rule: _target_share for rule in CLASSIC_RULES} | {PRIORITY_RULE: _target_share}
