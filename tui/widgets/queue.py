"""The review queue: suggestions and the user's own changes as rows, grouped, sorted and filtered.

Pure data (no widgets), so the grouping and the filter are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mixreview.analysis.review import Review
from mixreview.analysis.review_document import ManualEntry
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest.describe import describe_params
from mixreview.analysis.suggest.model import SEVERITY_ORDER, Suggestion
from mixreview.tui.widgets.labels import GROUP_MODES, kind_label

SEVERITY_GROUPS = {"high": "High importance", "medium": "Medium", "low": "Low"}
MANUAL_GROUP = "Your changes"


@dataclass(frozen=True)
class Item:
    """One reviewable change: an assistant's suggestion or a manual change."""

    id: str
    kind: str
    stems: tuple[str, ...]
    section: str | None
    severity: str  # high, medium, low, or manual
    status: str  # pending, accepted, rejected, adjusted, manual, manual_off
    amount: float
    params: dict[str, Any]
    note: str
    suggestion: Suggestion | None = None
    manual: ManualEntry | None = None
    section_span_s: tuple[float, float] | None = None
    unheard: bool = False  # decided without hearing its A/B

    @property
    def is_manual(self) -> bool:
        return self.manual is not None

    @property
    def is_open(self) -> bool:
        return self.status == "pending"

    @property
    def params_text(self) -> str:
        try:
            return describe_params(self.kind, self.params)
        except (KeyError, TypeError, ValueError):
            return ", ".join(f"{k}={v}" for k, v in self.params.items())


@dataclass(frozen=True)
class Row:
    """A line of the queue: a group header (``item`` None) or an item."""

    header: str = ""
    count: int = 0
    item: Item | None = None


@dataclass
class Queue:
    """The rows on screen and how they were made."""

    rows: list[Row] = field(default_factory=list)
    total: int = 0
    shown: int = 0

    def index_of(self, item_id: str | None) -> int | None:
        for index, row in enumerate(self.rows):
            if row.item is not None and row.item.id == item_id:
                return index
        return None

    @property
    def item_indices(self) -> list[int]:
        return [i for i, row in enumerate(self.rows) if row.item is not None]


def items(suggestions: Sequence[Suggestion], review: Review) -> list[Item]:
    """Every suggestion with its decision, then the manual changes."""
    found = []
    for s in suggestions:
        decision = review.decision(s.id)
        found.append(
            Item(
                id=s.id,
                kind=s.kind,
                stems=tuple(s.stems),
                section=s.section,
                severity=s.severity,
                status=review.status(s.id),
                amount=decision.amount,
                params=review.params_of(s),
                note=decision.note,
                suggestion=s,
                section_span_s=s.section_span_s,
                unheard=decision.heard is not None and not decision.heard.heard,
            )
        )
    for m in review.manual:
        span = m.get("section_span_s")
        found.append(
            Item(
                id=m["id"],
                kind=m["kind"],
                stems=tuple(m["stems"]),
                section=None,
                severity="manual",
                status="manual" if m.get("enabled", True) else "manual_off",
                amount=float(m.get("amount", 1.0)),
                params=dict(m["params"]),
                note=m.get("note", ""),
                manual=m,
                section_span_s=(float(span[0]), float(span[1])) if span else None,
            )
        )
    return found


def stems_label(item: Item, names: Mapping[str, str], all_stems: int) -> str:
    """'Bass', 'Bass + Kick', 'all stems'; an unmask names the stem it uncovers."""
    if len(item.stems) > 2 and len(item.stems) >= all_stems:
        return "all stems"
    label = " + ".join(names.get(f, f) for f in item.stems[:3])
    if len(item.stems) > 3:
        label += f" +{len(item.stems) - 3}"
    against = (item.suggestion.evidence.get("against") if item.suggestion else None) or None
    if isinstance(against, str):
        label += f" (vs {names.get(against, against)})"
    return label


def haystack(item: Item, names: Mapping[str, str], all_stems: int) -> str:
    """What the filter searches: kind, stems, roles, section, status, severity, params, note."""
    parts = [
        item.kind,
        kind_label(item.kind),
        stems_label(item, names, all_stems),
        " ".join(item.stems),
        item.section or "song",
        item.status,
        "open" if item.is_open else "decided",
        item.severity,
        item.params_text,
        item.note,
    ]
    if item.suggestion is not None:
        parts += [item.suggestion.category, item.suggestion.why]
    if item.is_manual:
        parts.append("manual mine")
    return " ".join(parts).lower()


def matches(item: Item, terms: Sequence[str], names: Mapping[str, str], all_stems: int) -> bool:
    text = haystack(item, names, all_stems)
    return all(term in text for term in terms)


def _group_key(
    item: Item, mode: str, names: Mapping[str, str], sections: Sequence[Section]
) -> tuple[tuple[Any, ...], str]:
    """(sort key of the group, its title)."""
    if item.is_manual:
        return (9,), MANUAL_GROUP
    if mode == "stem":
        if len(item.stems) != 1:
            return (1, ""), "Several stems"
        name = names.get(item.stems[0], item.stems[0])
        return (0, name.lower()), name
    if mode == "kind":
        return (0, kind_label(item.kind)), kind_label(item.kind)
    if mode == "section":
        if item.section is None:
            return (0, -1), "Whole song"
        order = next((i for i, s in enumerate(sections) if s.name == item.section), 99)
        return (1, order), item.section
    return (SEVERITY_ORDER.get(item.severity, 5),), SEVERITY_GROUPS.get(item.severity, "Other")


def build(
    all_items: Sequence[Item],
    mode: str,
    filter_text: str,
    names: Mapping[str, str],
    sections: Sequence[Section],
    all_stems: int,
) -> Queue:
    """Group (keeping the assistant's order inside a group) and filter the items."""
    if mode not in GROUP_MODES:
        mode = GROUP_MODES[0]
    terms = filter_text.lower().split()
    kept = [i for i in all_items if matches(i, terms, names, all_stems)] if terms else all_items
    groups: dict[str, tuple[tuple[Any, ...], list[Item]]] = {}
    for item in kept:
        key, title = _group_key(item, mode, names, sections)
        groups.setdefault(title, (key, []))[1].append(item)
    rows: list[Row] = []
    for title, (_key, members) in sorted(groups.items(), key=lambda kv: kv[1][0]):
        rows.append(Row(header=title, count=len(members)))
        rows.extend(Row(item=item) for item in members)
    return Queue(rows=rows, total=len(all_items), shown=len(kept))
