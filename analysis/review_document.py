"""The shape of review.json, typed: what each part holds, so readers never guess at raw dicts.

``Review`` (analysis/review.py) owns the file; everything else reads it through the review's
methods, which return these types (the parts of the file, and ``Decision`` and ``Heard`` as read
back). What a loaded file must hold to be used is checked in analysis/review_validate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

Status = Literal["pending", "accepted", "rejected"]
ShownStatus = Literal["pending", "accepted", "rejected", "adjusted"]
Compare = Literal["suggestion", "original_chosen", "chosen_assistant", "original_assistant"]
Focus = Literal["suggestions", "stems", "detail"]
HEARD_MIN_S = 2.0  # an A/B played at least this long counts as heard


class HeardEntry(TypedDict):
    """How long a suggestion's A/B was heard: played, of which matched, and blind trials."""

    played_s: float
    matched_s: float
    blind_trials: int


class DecisionEntry(TypedDict, total=False):
    """One decision on a suggestion."""

    status: Status
    amount: float
    params: dict[str, Any] | None
    note: str
    suggestion: dict[str, Any]  # the suggestion as it stood when decided
    snapshot: dict[str, Any]
    updated: str
    seq: int
    heard: HeardEntry


class ManualEntry(TypedDict):
    """A change of the reviewer's own."""

    id: str
    kind: str
    stems: list[str]
    params: dict[str, Any]
    section_span_s: list[float] | None
    amount: float
    note: str
    enabled: bool


class BlindTally(TypedDict):
    """Blind trials of one comparison: how many, and which version won how often."""

    trials: int
    wins: dict[str, int]
    labels: list[str]


class UiState(TypedDict, total=False):
    """Where the reviewer was in the app (saved, never undone). ``compare`` is a Compare or a
    reference's comparison id."""

    selected: str | None
    stem: str | None
    filter: str
    group: str
    compare: str
    focus: Focus
    position_s: float
    aspects: list[str]


class SessionRef(TypedDict):
    path: str
    stems: list[str]


class History(TypedDict):
    """Undo and redo steps (deltas), newest last."""

    undo: list[dict[str, Any]]
    redo: list[dict[str, Any]]


class ReviewDocument(TypedDict, total=False):
    """review.json."""

    schema: str
    session: SessionRef
    decisions: dict[str, DecisionEntry]
    manual: list[ManualEntry]
    stem_notes: dict[str, str]
    blind: dict[str, BlindTally]
    listened: dict[str, HeardEntry]
    choices: dict[str, str]
    ui: UiState
    history: History


@dataclass(frozen=True)
class Decision:
    """The user's decision on one suggestion, as read back from the review."""

    status: str
    amount: float
    params: dict[str, Any] | None
    note: str
    heard: Heard | None = None


@dataclass(frozen=True)
class Heard:
    """How a suggestion's A/B was listened to before it was decided."""

    played_s: float  # A/B playing, with this suggestion selected, in seconds
    matched_s: float  # of which loudness-matched
    blind_trials: int

    @property
    def heard(self) -> bool:
        return self.played_s >= HEARD_MIN_S or self.blind_trials > 0

    @classmethod
    def from_dict(cls, raw: Any) -> Heard:
        raw = raw if isinstance(raw, dict) else {}

        def number(key: str) -> float:
            value = raw.get(key, 0)
            return float(value) if isinstance(value, int | float) else 0.0

        return cls(number("played_s"), number("matched_s"), int(number("blind_trials")))

    def as_entry(self) -> HeardEntry:
        return {
            "played_s": round(self.played_s, 1),
            "matched_s": round(self.matched_s, 1),
            "blind_trials": self.blind_trials,
        }
