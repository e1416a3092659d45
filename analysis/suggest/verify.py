"""Check that a suggestion does what it claims: process, measure again, read its target metric and
judge the change against the suggestion's goal. Every goal form has a test that can fail; a goal
form this module does not know is an error, never a pass."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mixreview.analysis.analyze import Analysis, StemReport
from mixreview.analysis.apply import change_of, measure_processed
from mixreview.analysis.checks import DC_OFFSET_MAX
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion

GOAL_FORMS = ("lower", "higher", "within:", "closer:")
MOVE_SHARE = 0.25  # 'lower' / 'higher': the metric moves at least a quarter of the predicted way
WITHIN_SHARE = 0.5  # 'within:a..b': the distance to the window at least halves...
WITHIN_NEAR = 0.5  # ...or ends within this of the window
CLOSER_SHARE = 0.5  # 'closer:v': the distance to v shrinks by at least half the predicted shrink
ENDS_AT_MOST = {
    "section_gap_lu": 2.0,  # a section jump is evened out to within 2 LU (docs/rules/balance.md)
    "dc_offset": DC_OFFSET_MAX,  # the DC ends under what the dc_offset check allows
}


@dataclass(frozen=True)
class Verification:
    """The target metric before and after applying a suggestion at full strength.

    ``dc_after`` is the stem's DC offset after processing when the suggestion also claims to
    remove one (a high-pass whose evidence quotes a DC offset).
    """

    suggestion_id: str
    metric: str
    before: float
    after: float
    predicted: float
    goal: str = "lower"
    dc_after: float | None = None

    @property
    def holds(self) -> bool:
        """Whether the measured change keeps every promise the suggestion makes."""
        if self.dc_after is not None and not self.dc_after < DC_OFFSET_MAX:
            return False
        return claim_holds(self.metric, self.goal, self.before, self.after, self.predicted)


def claim_holds(metric: str, goal: str, before: float, after: float, predicted: float) -> bool:
    """Whether a metric measured ``before`` and ``after`` processing keeps a claim of ``goal``
    that predicted ``predicted``. Raises ValueError for a goal form not in GOAL_FORMS."""
    if not _goal_holds(goal, before, after, predicted):
        return False
    bound = ENDS_AT_MOST.get(metric)
    return bound is None or after <= bound


def _goal_holds(goal: str, before: float, after: float, predicted: float) -> bool:
    if goal == "lower":
        promised = max(before - predicted, 0.0)
        return after < before and before - after >= MOVE_SHARE * promised
    if goal == "higher":
        promised = max(predicted - before, 0.0)
        return after > before and after - before >= MOVE_SHARE * promised
    if goal.startswith("within:"):
        low, high = (float(x) for x in goal.removeprefix("within:").split(".."))

        def distance(value: float) -> float:
            return max(low - value, value - high, 0.0)

        return distance(after) <= WITHIN_SHARE * distance(before) or distance(after) < WITHIN_NEAR
    if goal.startswith("closer:"):
        value = float(goal.removeprefix("closer:"))
        promised = abs(before - value) - abs(predicted - value)
        gained = abs(before - value) - abs(after - value)
        return promised > 0 and gained >= CLOSER_SHARE * promised
    raise ValueError(f"unknown goal form {goal!r}: expected one of {', '.join(GOAL_FORMS)}")


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
    """Measure the suggestion's target metric (and any DC it removes) before and after."""
    from mixreview.analysis.suggest import target_value

    after_features = features_after(analysis, [suggestion])
    before = target_value(suggestion, Features.build(analysis))
    after = target_value(suggestion, after_features)
    dc_after = None
    if "dc_offset" in suggestion.evidence and suggestion.kind == "highpass":
        dc_after = abs(after_features.stems[suggestion.stems[0]].measurement.levels.dc_offset)
    target = suggestion.target
    return Verification(
        suggestion.id, target.metric, before, after, target.predicted, target.goal, dc_after
    )


__all__ = [
    "GOAL_FORMS",
    "StemReport",
    "Verification",
    "claim_holds",
    "features_after",
    "verify",
]
