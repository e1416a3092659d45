"""One problem, one queue item: suggestions that answer the same problem become one suggestion
with ranked alternatives.

A stem's level that swings between sections is one problem, whatever answers it: the section
gains of that stem (merged into one change with a segment per section) or a compressor evening
the swing out. The best answer leads (higher importance first; at equal importance the section
gains, which change no character), the others are its ``alternatives``, and the reviewer picks
among them (``x`` in the app). Rules, and why: docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mixreview.analysis.suggest.model import (
    SEVERITY_ORDER,
    Suggestion,
    Target,
    suggestion_id,
)

SWING_RULES = ("section_balance", "compressor")


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


def consolidate(suggestions: Sequence[Suggestion]) -> list[Suggestion]:
    """The suggestions with each stem's level-swing answers folded into one item."""
    kept: list[Suggestion] = []
    swings: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        if s.rule in SWING_RULES and len(s.stems) == 1:
            swings.setdefault(s.stems[0], []).append(s)
        else:
            kept.append(s)
    for stem, group in swings.items():
        gains = [s for s in group if s.rule == "section_balance"]
        members = [merge_section_gains(gains)] if gains else []
        members += [s for s in group if s.rule != "section_balance"]
        members.sort(key=_rank)
        problem = level_swing_problem(stem)
        kept.append(
            replace(
                members[0],
                problem=problem,
                alternatives=tuple(replace(m, problem=problem) for m in members[1:]),
            )
        )
    return sorted(kept, key=lambda s: s.sort_key)
