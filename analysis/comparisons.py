"""What A/B compares, as engine types: the fixed comparisons and the two versions each one plays.

The app shows the words and plays the versions; the engine decides what is in them, so the same
comparison can be rendered headless (clips, tests) exactly as it is heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mixreview.analysis.apply import Change
from mixreview.analysis.review import Review
from mixreview.analysis.suggest.model import Suggestion

CompareId = Literal["suggestion", "original_chosen", "chosen_assistant", "original_assistant"]
REFERENCE_COMPARE = "reference:"  # + the reference's path: the chosen mix against that track

# (id, words for the transport)
COMPARES: tuple[tuple[CompareId, str], ...] = (
    ("suggestion", "chosen mix without / with this change"),
    ("original_chosen", "original vs chosen mix"),
    ("chosen_assistant", "chosen vs assistant's mix"),
    ("original_assistant", "original vs assistant's mix"),
)
COMPARE_WORDS: dict[str, str] = dict(COMPARES)


@dataclass(frozen=True)
class Versions:
    """The two sides of an A/B: the changes each plays and their labels."""

    a: list[Change]
    b: list[Change]
    label_a: str
    label_b: str


def versions_for(
    compare: str,
    review: Review,
    suggestions: list[Suggestion],
    selected: Change | None = None,
    reference_label: str | None = None,
) -> Versions:
    """The versions ``compare`` plays. ``selected``: the selected change as it would be applied
    (for "suggestion": A is the chosen mix without it, B with it); ``reference_label``: the
    reference's name when ``compare`` is a reference (A is the chosen mix, B the track)."""
    chosen = review.changes(suggestions, "chosen")
    if reference_label is not None:
        return Versions(chosen, chosen, "chosen", reference_label)
    if compare == "suggestion" and selected is not None:
        without = [c for c in chosen if c.source_id != selected.source_id]
        return Versions(without, [*without, selected], "without", "with")
    assistant = review.changes(suggestions, "assistant")
    if compare == "chosen_assistant":
        return Versions(chosen, assistant, "chosen", "assistant")
    if compare == "original_assistant":
        return Versions([], assistant, "original", "assistant")
    return Versions([], chosen, "original", "chosen")
