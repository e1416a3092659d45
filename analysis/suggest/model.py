"""The Suggestion: one concrete, explained change the assistant proposes and the human decides."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
Category = Literal["technical", "creative"]
# How a target's goal reads: lower, higher, or "closer:<value>" / "within:<low>..<high>".
GoalKind = Literal["lower", "higher", "closer", "within"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Kind = Literal[
    "gain", "section_gain", "headroom", "unmask", "highpass", "mono_bass", "eq", "polarity",
    "width", "pan", "compressor",
]  # fmt: skip
KINDS: tuple[Kind, ...] = get_args(Kind)


def suggestion_id(kind: str, stems: tuple[str, ...], section: str | None, rule: str) -> str:
    """Stable across runs for the same input: built from what the suggestion is about, never from
    its numbers, so a review survives small measurement changes."""
    text = json.dumps([kind, list(stems), section, rule])
    return f"{kind}-{hashlib.blake2b(text.encode(), digest_size=5).hexdigest()}"


@dataclass(frozen=True)
class Target:
    """The metric a suggestion promises to improve, its value now and the value it predicts."""

    metric: str
    before: float
    predicted: float
    goal: str  # "lower", "higher", "closer:<value>" or "within:<low>..<high>"
    unit: str = ""

    @property
    def goal_kind(self) -> GoalKind:
        """The kind of goal, without its numbers (ValueError for a goal of no known kind)."""
        kind = self.goal.split(":", 1)[0]
        for known in get_args(GoalKind):
            if kind == known:
                return known
        raise ValueError(f"unknown goal {self.goal!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "before": round(self.before, 3),
            "predicted": round(self.predicted, 3),
            "goal": self.goal,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Suggestion:
    """One change to one stem (or a section of it, or a few stems together).

    ``params`` are what the processor of ``kind`` takes; ``evidence`` holds the numbers that
    triggered the rule; ``why`` says it in words and quotes those numbers; ``target`` is the effect
    it predicts, checked by measuring again after processing.
    """

    kind: Kind
    stems: tuple[str, ...]
    params: dict[str, Any]
    severity: Severity
    category: Category
    why: str
    evidence: dict[str, Any]
    target: Target
    rule: str
    section: str | None = None
    section_span_s: tuple[float, float] | None = None
    id: str = field(default="")
    problem: str = ""  # what it answers, shared by its alternatives ("level-swing:Bass.flac")
    alternatives: tuple[Suggestion, ...] = ()  # other answers to the same problem, best first
    waiting: tuple[Suggestion, ...] = ()  # shown once this one is decided (problems.hold_back)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(
                self, "id", suggestion_id(self.kind, self.stems, self.section, self.rule)
            )

    @property
    def sort_key(self) -> tuple[int, float, str]:
        return (SEVERITY_ORDER[self.severity], -float(self.evidence.get("impact", 0.0)), self.id)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Suggestion:
        """The suggestion as ``as_dict`` wrote it (a decision's frozen copy)."""
        target = data["target"]
        span = data.get("section_span_s")
        return cls(
            kind=data["kind"],
            stems=tuple(data["stems"]),
            params=dict(data["params"]),
            severity=data["severity"],
            category=data["category"],
            why=data["why"],
            evidence=dict(data.get("evidence") or {}),
            target=Target(
                target["metric"],
                float(target["before"]),
                float(target["predicted"]),
                target["goal"],
                target.get("unit", ""),
            ),
            rule=data["rule"],
            section=data.get("section"),
            section_span_s=(float(span[0]), float(span[1])) if span else None,
            id=data["id"],
            problem=str(data.get("problem") or ""),
            alternatives=tuple(cls.from_dict(a) for a in data.get("alternatives") or ()),
            waiting=tuple(cls.from_dict(w) for w in data.get("waiting") or ()),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "stems": list(self.stems),
            "section": self.section,
            "section_span_s": list(self.section_span_s) if self.section_span_s else None,
            "params": self.params,
            "severity": self.severity,
            "category": self.category,
            "rule": self.rule,
            "why": self.why,
            "evidence": self.evidence,
            "target": self.target.as_dict(),
            "problem": self.problem or None,
            "alternatives": [a.as_dict() for a in self.alternatives],
            "waiting": [w.as_dict() for w in self.waiting],
        }

    def members(self) -> tuple[Suggestion, ...]:
        """This suggestion and its alternatives."""
        return (self, *self.alternatives)

    def choosing(self, chosen_id: str) -> Suggestion:
        """The same problem with ``chosen_id`` as the answer shown (itself if not a member)."""
        members = self.members()
        chosen = next((m for m in members if m.id == chosen_id), None)
        if chosen is None or chosen is self:
            return self
        rest = tuple(replace(m, alternatives=()) for m in members if m.id != chosen_id)
        return replace(chosen, alternatives=rest, problem=self.problem)
