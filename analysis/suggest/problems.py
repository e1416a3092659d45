"""One problem, one queue item: suggestions that answer the same problem become one suggestion
with ranked alternatives.

A stem's level that swings between sections is one problem, whatever answers it: the section
gains of that stem (merged into one change with a segment per section) or a compressor evening
the swing out. The best answer leads (higher importance first; at equal importance the section
gains, which change no character), the others are its ``alternatives``, and the reviewer picks
among them (``x`` in the app). Rules, and why: docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from mixreview.analysis.suggest.model import (
    SEVERITY_ORDER,
    Suggestion,
    Target,
    suggestion_id,
)

SECTION_RULES = ("section_balance", "section_level")
STEREO_LOW_KINDS = ("mono_bass", "width")
HOLD_FOR_LEVEL_DB = 6.0  # a pending gain this large on a stem holds its EQ and pan back
WAIT_FOR_LEVEL = ("unmask", "pan")
SWING_RULES = (*SECTION_RULES, "compressor")


def level_swing_problem(stem: str) -> str:
    return f"level-swing:{stem}"


def merge_section_gains(gains: Sequence[Suggestion]) -> Suggestion:
    """A stem's section gains as one change: one segment per section, named together."""
    first = gains[0]
    ordered = sorted(gains, key=lambda s: float(s.params["segments"][0]["start_s"]))
    segments = [seg for s in ordered for seg in s.params["segments"]]
    stem_id = suggestion_id("section_gain", first.stems, None, "section_balance")
    if len(ordered) == 1:
        return replace(first, id=stem_id)
    worst = min(ordered, key=lambda s: s.sort_key)
    return Suggestion(
        kind="section_gain",
        stems=first.stems,
        params={"segments": segments, "ramp_ms": first.params.get("ramp_ms", 20.0)},
        severity=worst.severity,
        category="technical",
        why=" ".join(s.why for s in ordered),
        evidence={
            "sections": [
                {"section": s.section, **{k: v for k, v in s.evidence.items() if k != "impact"}}
                for s in ordered
            ],
            "impact": max(float(s.evidence.get("impact", 0.0)) for s in ordered),
        },
        target=Target(
            "section_gap_lu",
            max(s.target.before for s in ordered),
            max(s.target.predicted for s in ordered),
            "lower",
            "LU",
        ),
        rule="section_balance",
        section=", ".join(s.section or "" for s in ordered),
        section_span_s=ordered[0].section_span_s,
        id=stem_id,
    )


def _rank(s: Suggestion) -> tuple[int, int, float]:
    return (SEVERITY_ORDER[s.severity], 0 if s.kind == "section_gain" else 1, -float(
        s.evidence.get("impact", 0.0)))  # fmt: skip


def _stereo_low(suggestions: list[Suggestion]) -> list[Suggestion]:
    """A stem's mono_bass and width answer one problem (its low end out of place in the
    stereo image): one item, the narrower change (mono below a frequency) first."""
    kept: list[Suggestion] = []
    groups: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        if s.kind in STEREO_LOW_KINDS and len(s.stems) == 1 and not s.rule.startswith("reference"):
            groups.setdefault(s.stems[0], []).append(s)
        else:
            kept.append(s)
    for stem, group in groups.items():
        group.sort(key=lambda s: (s.kind != "mono_bass", *_rank(s)))
        problem = f"stereo-low:{stem}"
        kept.append(
            replace(
                group[0],
                problem=problem,
                alternatives=tuple(replace(m, problem=problem) for m in group[1:]),
            )
        )
    return kept


def hold_back(suggestions: Sequence[Suggestion], decided: Collection[str] = ()) -> list[Suggestion]:
    """What waits for another decision, so the queue asks one thing of a stem at a time: a
    stem's EQ carving and pan wait while a large gain on it is pending (they depend on its
    level), and of several carves on one stem only the most important shows. High importance
    never waits. What waits is listed on the suggestion it waits for (``waiting``), and the
    live model derives it again once that decision is made."""
    level_gain = {
        s.stems[0]: s.id
        for s in suggestions
        if s.kind == "gain" and len(s.stems) == 1 and s.id not in decided
        and abs(float(s.params.get("gain_db", 0.0))) >= HOLD_FOR_LEVEL_DB
    }  # fmt: skip
    shown: list[Suggestion] = []
    carve: dict[str, str] = {}
    waits: dict[str, list[Suggestion]] = {}
    for s in sorted(suggestions, key=lambda s: s.sort_key):
        if s.id in decided or len(s.stems) != 1 or s.severity == "high":
            shown.append(s)  # decided, or breaking the mix on its own: never waits
            if s.kind == "unmask" and len(s.stems) == 1:
                carve.setdefault(s.stems[0], s.id)
            continue
        stem = s.stems[0]
        if s.kind in WAIT_FOR_LEVEL and stem in level_gain:
            waits.setdefault(level_gain[stem], []).append(s)
            continue
        if s.kind == "unmask":
            if stem in carve:
                waits.setdefault(carve[stem], []).append(s)
                continue
            carve[stem] = s.id
        shown.append(s)
    return [replace(s, waiting=tuple(waits[s.id])) if s.id in waits else s for s in shown]


def consolidate(
    suggestions: Sequence[Suggestion], decided: Collection[str] = ()
) -> list[Suggestion]:
    """The suggestions with each problem's answers folded into one item, and what waits for
    another decision held back (see ``hold_back``)."""
    kept: list[Suggestion] = []
    swings: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        if s.rule in SWING_RULES and len(s.stems) == 1:
            swings.setdefault(s.stems[0], []).append(s)
        else:
            kept.append(s)
    for stem, group in swings.items():
        gains = [s for s in group if s.rule in SECTION_RULES]
        members = [merge_section_gains(gains)] if gains else []
        members += [s for s in group if s.rule not in SECTION_RULES]
        members.sort(key=_rank)
        problem = level_swing_problem(stem)
        kept.append(
            replace(
                members[0],
                problem=problem,
                alternatives=tuple(replace(m, problem=problem) for m in members[1:]),
            )
        )
    kept = hold_back(_stereo_low(kept), decided)
    return sorted(kept, key=lambda s: s.sort_key)
