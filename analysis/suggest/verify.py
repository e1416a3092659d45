"""Check that a suggestion does what it claims: process, measure again, read its target metric."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mixreview.analysis.analyze import Analysis, StemReport
from mixreview.analysis.apply import change_of, measure_processed
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion


@dataclass(frozen=True)
class Verification:
    """The target metric before and after applying a suggestion at full strength."""

    suggestion_id: str
    metric: str
    before: float
    after: float
    predicted: float


def features_after(analysis: Analysis, suggestions: list[Suggestion]) -> Features:
    """Features of the session with the suggestions applied (changed stems and the mix)."""
    changes = [change_of(s) for s in suggestions]
    stems, mix = measure_processed(analysis.session, changes)
    reports = tuple(
        replace(r, measurement=stems[r.stem.file]) if r.stem.file in stems else r
        for r in analysis.stems
    )
    return Features.build(replace(analysis, stems=reports, mix=mix))


def verify(analysis: Analysis, suggestion: Suggestion) -> Verification:
    """Measure the suggestion's target metric before and after applying it."""
    from mixreview.analysis.suggest import target_value

    before = target_value(suggestion, Features.build(analysis))
    after = target_value(suggestion, features_after(analysis, [suggestion]))
    return Verification(
        suggestion.id, suggestion.target.metric, before, after, suggestion.target.predicted
    )


__all__ = ["StemReport", "Verification", "features_after", "verify"]
