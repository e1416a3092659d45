"""Section jumps: a foreground part's level that drops or jumps in one kind of section.

Sections of one kind (Chorus 1 and Chorus 2, A and A2) are compared with each other first: one
that stands apart from its siblings is a jump. Then each kind is compared with the rest of the
song, all its sections together, so a drop in both choruses (half the song) still shows in full
instead of being diluted into "the rest". Which side is out of place is read from the part's role
window: the kind whose level lies outside it gets the change, and when both lie inside, the
difference is the arrangement's and nothing is said. A kind with one section (an intro, an
outro, a bridge) is compared with the rest as before. Thresholds: docs/rules/balance.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from mixreview.analysis.meters.segments import frame_at
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest.features import Features, StemFeatures, grid_count
from mixreview.analysis.suggest.levels import (
    ROLE_RANGES_LU,
    predicted_relative,
    relative_level,
    severity_of,
    solve_gain,
)
from mixreview.analysis.suggest.masking_frames import median_of
from mixreview.analysis.suggest.memo import IdentityMemo, unmoved
from mixreview.analysis.suggest.model import Suggestion, Target

SECTION_ROLES = ("lead_vocal", "kick", "snare", "bass", "drums", "synth")
SECTION_GAP_LU = 3.0  # 1-3 LU is noticeable, over 3 LU significant (FACTS.md)
SECTION_MIN_S = 4.0
SECTION_MIN_ACTIVE = 0.5
WINDOW_MARGIN_LU = 1.5  # a kind's level this far outside the role's window is out of place
MIN_ACTIVE_FRAMES = 30
STEADY_ROLES = ("kick", "snare", "drums", "bass")
STEADY = IdentityMemo()
KINDS = IdentityMemo()  # where a part plays is its own: kept while its measurement is the same
OWN_STEP_LU = 5.0  # a steady part's own loudness stepping this much between kinds of section


def section_kind(name: str) -> str:
    """What repeats: "Chorus 2" and "Chorus" are one kind, "A2" and "A" another."""
    return re.sub(r"[\s_-]*\d+$", "", name.strip()).strip().lower() or name.lower()


def section_mask(features: Features, start_s: float, end_s: float) -> np.ndarray:
    mask = np.zeros(features.frames, dtype=bool)
    mask[frame_at(start_s, features.frame_s) : frame_at(end_s, features.frame_s)] = True
    return mask


def _mask_of(features: Features, sections: Sequence[Section]) -> np.ndarray:
    mask = np.zeros(features.frames, dtype=bool)
    for section in sections:
        mask |= section_mask(features, section.start_s, section.end_s)
    return mask


def _gain_params(sections: Sequence[Section], gain_db: float) -> dict[str, Any]:
    """The same gain on each section, 20 ms ramps at the edges."""
    segments = [
        {"start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3), "gain_db": gain_db}
        for s in sections
    ]
    return {"segments": segments, "ramp_ms": 20.0}


def _spans_of(sections: Sequence[Section]) -> list[list[float]]:
    return [[round(x.start_s, 3), round(x.end_s, 3)] for x in sections]


def _outside_window(rel: float, role: str) -> float:
    low, high = ROLE_RANGES_LU.get(role, (-np.inf, np.inf))
    return max(low - rel, rel - high, 0.0)


def _suggestion(
    features: Features,
    stem: StemFeatures,
    sections: Sequence[Section],
    rel_here: float,
    rel_ref: float,
    compared_with: str,
    reference: Sequence[Section] | None = None,
) -> Suggestion | None:
    mix = features.mix
    assert mix is not None
    here = stem.active & _mask_of(features, sections)
    gap = rel_here - rel_ref
    gain_db = solve_gain(stem, mix, here, rel_ref)
    predicted = predicted_relative(stem, mix, here, gain_db) - rel_ref
    if abs(predicted) > 1.0:
        return None
    names = " and ".join(s.name for s in sections)
    spans = ", ".join(f"{s.start_s:.1f}-{s.end_s:.1f} s" for s in sections)
    verb = "drops" if gap < 0 else "jumps"
    why = (
        f"In {names} ({spans}) {stem.file} {verb} to {rel_here:+.1f} LU against the mix, "
        f"{abs(gap):.1f} LU {'below' if gap < 0 else 'above'} where it sits in {compared_with} "
        f"({rel_ref:+.1f} LU). {gain_db:+.1f} dB in {names} keeps it level."
    )
    return Suggestion(
        kind="section_gain",
        stems=(stem.file,),
        params=_gain_params(sections, gain_db),
        severity=severity_of(abs(gap), 7.0, 4.5),
        category="technical",
        why=why,
        evidence={
            "section_relative_lu": round(rel_here, 2),
            "rest_relative_lu": round(rel_ref, 2),
            "compared_with": compared_with,
            "segments_s": _spans_of(sections),
            "reference_spans_s": _spans_of(reference) if reference else None,
            "gap_lu": round(gap, 2),
            "impact": round(abs(gap), 2),
        },
        target=Target("section_gap_lu", abs(gap), abs(predicted), "lower", "LU"),
        rule="section_balance",
        section=", ".join(s.name for s in sections),
        section_span_s=(sections[0].start_s, sections[0].end_s),
    )


def _steady_gaps(
    features: Features, stem: StemFeatures, kinds: dict[str, list[Section]]
) -> list[Suggestion]:
    """A steady part (kick, snare, drums, bass) is judged by its own level, not against the
    mix: the arrangement around it changes from section to section (a kick alone in an intro
    sits near 0 LU against the mix, and that is no jump), while a kit or a bass keeps its own
    level through a song. Each kind of section is compared with the median of the kinds (so a
    jump in one kind does not make the others look off), then each section of a repeated kind
    with the median of its siblings."""

    def level(sections: Sequence[Section]) -> float:
        return stem.loudness_over(stem.active & _mask_of(features, sections))

    alone: dict[Section, float] = {}  # each section's own level, read once

    def level_of(section: Section) -> float:
        if section not in alone:
            alone[section] = level([section])
        return alone[section]

    levels = {kind: level(sections) for kind, sections in kinds.items()}
    levels = {k: v for k, v in levels.items() if np.isfinite(v)}
    found: list[Suggestion] = []
    if len(levels) >= 2:
        reference = median_of(np.array(list(levels.values())))
        steady = [s for k, v in levels.items() if abs(v - reference) <= OWN_STEP_LU
                  for s in kinds[k]]  # fmt: skip
        for kind, value in levels.items():
            if abs(value - reference) > OWN_STEP_LU and steady:
                made = _own_step(features, stem, kinds[kind], value, reference, steady)
                if made is not None:
                    found.append(made)
    for sections in kinds.values():
        for section in sections if len(sections) > 2 else ():
            others = [s for s in sections if s is not section]
            values = [level_of(s) for s in others]
            values = [v for v in values if np.isfinite(v)]
            here = level_of(section)
            if values and np.isfinite(here):
                typical = median_of(np.array(values))
                made = _own_step(features, stem, [section], here, typical, others)
                if made is not None:
                    found.append(made)
    return found


def _own_step(
    features: Features,
    stem: StemFeatures,
    sections: Sequence[Section],
    own_here: float,
    own_reference: float,
    reference: Sequence[Section],
) -> Suggestion | None:
    """A steady part whose own loudness in ``sections`` stands more than ``OWN_STEP_LU`` from
    its level in ``reference``: a fader move left in."""
    step = own_here - own_reference
    if abs(step) <= OWN_STEP_LU:
        return None
    gain_db = round(-step, 1)
    names = " and ".join(s.name for s in sections)
    compared = " and ".join(s.name for s in reference)
    spans = ", ".join(f"{s.start_s:.1f}-{s.end_s:.1f} s" for s in sections)
    why = (
        f"In {names} ({spans}) {stem.file} is {abs(step):.1f} dB "
        f"{'louder' if step > 0 else 'quieter'} than in {compared}, while a "
        f"{stem.role.replace('_', ' ')} usually keeps its "
        f"level through a song (the rule speaks from {OWN_STEP_LU:.0f} dB). {gain_db:+.1f} dB "
        f"in {names} brings it back to its level elsewhere."
    )
    return Suggestion(
        kind="section_gain",
        stems=(stem.file,),
        params=_gain_params(sections, gain_db),
        severity=severity_of(abs(step), 9.0, 5.0),
        category="technical",
        why=why,
        evidence={
            "own_step_db": round(step, 2),
            "threshold_db": OWN_STEP_LU,
            "segments_s": _spans_of(sections),
            "reference_spans_s": _spans_of(reference),
            "impact": round(abs(step), 2),
        },
        target=Target("section_own_step_db", abs(step), 0.0, "lower", "dB"),
        rule="section_level",
        section=", ".join(s.name for s in sections),
        section_span_s=(sections[0].start_s, sections[0].end_s),
    )


def target_own_step(s: Suggestion, f: Features) -> float:
    """The part's own loudness step left between its sections and the rest."""
    stem = f.stems[s.stems[0]]
    inside = _spans_mask(f, s.evidence.get("segments_s") or [])
    spans = s.evidence.get("reference_spans_s")
    reference = _spans_mask(f, spans) if spans else ~inside
    return abs(
        stem.loudness_over(stem.active & inside) - stem.loudness_over(stem.active & reference)
    )


def _kinds(features: Features, stem: StemFeatures) -> dict[str, list[Section]]:
    """The sections where the part plays enough to be judged, by kind."""
    kinds: dict[str, list[Section]] = {}
    for section in features.sections:
        if section.duration_s < SECTION_MIN_S:
            continue
        inside = section_mask(features, section.start_s, section.end_s)
        if (stem.playing & inside).sum() >= SECTION_MIN_ACTIVE * inside.sum():
            kinds.setdefault(section_kind(section.name), []).append(section)
    return kinds


def _apart(features: Features, stem: StemFeatures, sections: list[Section]) -> list[Section]:
    """The sections of one kind that may stand apart from their siblings. Of two, only one can:
    each is as far from the other, and moving both would swap them. The one that moves is the
    one further outside the role's window, then the one further from the part's level in the
    rest of the song (the later one on a tie)."""
    if len(sections) != 2 or features.mix is None:
        return sections
    mix = features.mix
    rest = stem.active & ~_mask_of(features, sections)
    enough = rest.sum() >= grid_count(MIN_ACTIVE_FRAMES, features.frame_s)
    rel_rest = relative_level(stem, mix, rest) if enough else np.nan

    def apart(section: Section) -> tuple[float, float]:
        rel = relative_level(stem, mix, stem.active & _mask_of(features, [section]))
        if not np.isfinite(rel):
            return (-1.0, -1.0)
        away = abs(rel - rel_rest) if np.isfinite(rel_rest) else 0.0
        return (round(_outside_window(rel, stem.role), 6), round(away, 6))

    first, second = sections
    return [first] if apart(first) > apart(second) else [second]


def section_gaps(features: Features, stem: StemFeatures) -> list[Suggestion]:
    """The part's section jumps: against same-kind sections, then kind against the rest."""
    mix = features.mix
    if stem.role not in SECTION_ROLES or mix is None or len(features.sections) < 2:
        return []
    found_kinds: dict[str, list[Section]] = KINDS.get(
        ("kinds", stem.file),
        (stem.ahead, features.sections),
        partial(_kinds, features, stem),
        levels=(stem.fader_db,),
        shift=unmoved,
    )
    kinds = {kind: list(sections) for kind, sections in found_kinds.items()}
    if stem.role in STEADY_ROLES:
        # judged on the stem's own level alone (steps between its sections): kept while its
        # measurement ahead of the fader and where it plays are the same
        steady: list[Suggestion] = STEADY.get(
            ("steady", stem.file),
            (stem.ahead, features.sections),
            partial(_steady_gaps, features, stem, kinds),
            levels=(stem.fader_db,),
            shift=unmoved,
        )
        return list(steady)
    found: list[Suggestion] = []
    flagged: set[str] = set()
    for sections in kinds.values():
        if len(sections) < 2:
            continue
        for section in _apart(features, stem, sections):
            siblings = [s for s in sections if s is not section]
            here = stem.active & section_mask(features, section.start_s, section.end_s)
            there = stem.active & _mask_of(features, siblings)
            rel_here, rel_there = (relative_level(stem, mix, m) for m in (here, there))
            finite = np.isfinite(rel_here) and np.isfinite(rel_there)
            if finite and abs(rel_here - rel_there) > SECTION_GAP_LU:
                names = " and ".join(s.name for s in siblings)
                made = _suggestion(features, stem, [section], rel_here, rel_there, names, siblings)
                if made is not None:
                    found.append(made)
                    flagged.add(section.name)
    for sections in kinds.values():
        sections = [s for s in sections if s.name not in flagged]
        if not sections:
            continue
        inside = _mask_of(features, sections)
        here, rest = stem.active & inside, stem.active & ~inside
        if rest.sum() < grid_count(MIN_ACTIVE_FRAMES, features.frame_s):
            continue
        rel_here, rel_rest = relative_level(stem, mix, here), relative_level(stem, mix, rest)
        if not (np.isfinite(rel_here) and np.isfinite(rel_rest)):
            continue
        if abs(rel_here - rel_rest) <= SECTION_GAP_LU:
            continue
        # only the side out of the role's window moves (a verse compared with a dropped
        # chorus is not a jump of its own)
        out_here = _outside_window(rel_here, stem.role)
        if out_here <= WINDOW_MARGIN_LU or out_here <= _outside_window(rel_rest, stem.role):
            continue
        made = _suggestion(features, stem, sections, rel_here, rel_rest, "the rest of the song")
        if made is not None:
            found.append(made)
    return found


def _spans_mask(f: Features, spans: Sequence[Sequence[float]]) -> np.ndarray:
    mask = np.zeros(f.frames, dtype=bool)
    for start_s, end_s in spans:
        mask |= section_mask(f, float(start_s), float(end_s))
    return mask


def _gap(
    f: Features, stem: StemFeatures, evidence: dict[str, Any], fallback: list[list[float]]
) -> float:
    """The gap one comparison measures: its sections against its reference (or the rest)."""
    assert f.mix is not None
    inside = _spans_mask(f, evidence.get("segments_s") or fallback)
    spans = evidence.get("reference_spans_s")
    reference = _spans_mask(f, spans) if spans else ~inside
    return abs(
        relative_level(stem, f.mix, stem.active & inside)
        - relative_level(stem, f.mix, stem.active & reference)
    )


def target_section_gap(s: Suggestion, f: Features) -> float:
    """The largest gap left among the comparisons the suggestion answers."""
    stem = f.stems[s.stems[0]]
    segments = [[g["start_s"], g["end_s"]] for g in s.params.get("segments", [])]
    parts = s.evidence.get("sections") or [s.evidence]
    return max((_gap(f, stem, part, segments) for part in parts), default=0.0)
