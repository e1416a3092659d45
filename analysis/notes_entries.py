"""One entry of the notes per change: an assistant suggestion and the reviewer's decision on it
(with how its A/B was heard before), a manual change, or a decision on a suggestion that no
longer exists; and how many decisions were taken without listening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mixreview.analysis.review import Heard, Review
from mixreview.analysis.suggest.describe import applied_params, describe_params
from mixreview.analysis.suggest.model import Suggestion

STATUS_WORDS = {
    "accepted": "accepted as suggested",
    "adjusted": "adjusted by the reviewer",
    "rejected": "rejected: kept as it was, a deliberate choice",
    "pending": "not reviewed: not applied",
    "manual": "the reviewer's own change",
}


def _adjustments(suggestion: Suggestion, amount: float, params: Mapping[str, Any]) -> list[str]:
    """What the reviewer changed relative to the suggestion, in words."""
    out: list[str] = []
    if amount != 1.0:
        out.append(f"amount 100% -> {amount * 100:.0f}%")
    for key in sorted(set(suggestion.params) | set(params)):
        before, after = suggestion.params.get(key), params.get(key)
        if before == after:
            continue
        if isinstance(before, Mapping | list) or isinstance(after, Mapping | list):
            old = _describe(suggestion.kind, {key: before}) if before is not None else "unset"
            new = _describe(suggestion.kind, {key: after}) if after is not None else "unset"
            out.append(f"{key}: {old} -> {new}")
        else:
            out.append(f"{key} {_value(before)} -> {_value(after)}")
    return out


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _describe(kind: str, params: Mapping[str, Any]) -> str:
    try:
        return describe_params(kind, params)
    except (KeyError, TypeError, ValueError):
        return ", ".join(f"{k}={v}" for k, v in params.items())


def _applied(kind: str, params: Mapping[str, Any], amount: float) -> dict[str, Any] | None:
    try:
        return applied_params(kind, params, amount)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def heard_entry(heard: Heard | None) -> dict[str, Any]:
    """How a decision's A/B was heard; all None for a decision saved before this was recorded."""
    if heard is None:
        return {"heard": None, "played_s": None, "matched_s": None, "blind_trials": None}
    return {"heard": heard.heard, **heard.as_entry()}


def suggestion_entry(suggestion: Suggestion, review: Review | None) -> dict[str, Any]:
    """One assistant suggestion and what the reviewer decided about it."""
    heard: dict[str, Any] | None = None
    if review is None:
        status, amount, params, note = "pending", 1.0, dict(suggestion.params), ""
    else:
        decision = review.decision(suggestion.id)
        status, amount, note = review.status(suggestion.id), decision.amount, decision.note
        params = review.params_of(suggestion)
        heard = heard_entry(decision.heard) if status != "pending" else None
    applied = status in ("accepted", "adjusted") and amount > 0
    shown = params if status in ("accepted", "adjusted") else suggestion.params
    return {
        "id": suggestion.id,
        "origin": "assistant",
        "status": status,
        "applied": applied,
        "kind": suggestion.kind,
        "stems": list(suggestion.stems),
        "section": suggestion.section,
        "section_span_s": list(suggestion.section_span_s) if suggestion.section_span_s else None,
        "description": _describe(suggestion.kind, shown),
        "params": dict(shown),
        "amount": amount if status in ("accepted", "adjusted") else 1.0,
        "applied_params": _applied(suggestion.kind, shown, amount) if applied else None,
        "suggested": {
            "params": dict(suggestion.params),
            "description": _describe(suggestion.kind, suggestion.params),
        },
        "adjustments": _adjustments(suggestion, amount, params) if status == "adjusted" else [],
        "category": suggestion.category,
        "severity": suggestion.severity,
        "why": suggestion.why,
        "note": note,
        "heard": heard,
    }


def manual_entry(manual: Mapping[str, Any]) -> dict[str, Any]:
    """A change the reviewer added."""
    amount = float(manual.get("amount", 1.0))
    enabled = bool(manual.get("enabled", True))
    span = manual.get("section_span_s")
    return {
        "id": manual["id"],
        "origin": "manual",
        "status": "manual",
        "applied": enabled and amount > 0,
        "enabled": enabled,
        "kind": manual["kind"],
        "stems": list(manual.get("stems", [])),
        "section": None,
        "section_span_s": list(span) if span else None,
        "description": _describe(manual["kind"], manual.get("params", {})),
        "params": dict(manual.get("params", {})),
        "amount": amount,
        "applied_params": _applied(manual["kind"], manual.get("params", {}), amount)
        if enabled and amount > 0
        else None,
        "suggested": None,
        "adjustments": [],
        "category": "manual",
        "severity": None,
        "why": "",
        "note": manual.get("note", ""),
        "heard": None,
    }


def orphan_entries(review: Review | None, suggestions: Sequence[Suggestion]) -> list[dict]:
    """Decisions on suggestions that no longer exist (the stems changed): kept, not applied."""
    if review is None:
        return []
    out = []
    for sid in review.orphans(suggestions):
        entry = review.entry(sid)
        snapshot = entry.get("snapshot") or {}
        kind = snapshot.get("kind", sid.split("-")[0])
        params = entry.get("params") or snapshot.get("params") or {}
        out.append({
            "id": sid, "status": entry.get("status"), "kind": kind,
            "stems": list(snapshot.get("stems", [])), "section": snapshot.get("section"),
            "description": _describe(kind, params) if params else "",
            "amount": entry.get("amount", 1.0), "note": entry.get("note", ""),
        })  # fmt: skip
    return out


def listening_summary(changes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How many decisions were taken having heard the A/B (played >= 2 s, or a blind trial),
    without it, or before the app recorded it (unknown), in all and per accepted and rejected."""
    decided = [c for c in changes if c["origin"] == "assistant" and c["status"] != "pending"]

    def tally(group: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        known = [c for c in group if c["heard"] and c["heard"]["heard"] is not None]
        heard = sum(1 for c in known if c["heard"]["heard"])
        return {"total": len(group), "heard": heard, "unheard": len(known) - heard,
                "unknown": len(group) - len(known)}  # fmt: skip

    accepted = [c for c in decided if c["status"] in ("accepted", "adjusted")]
    rejected = [c for c in decided if c["status"] == "rejected"]
    unheard = [c["id"] for c in decided if c["heard"] and c["heard"]["heard"] is False]
    return {
        **tally(decided),
        "accepted": tally(accepted),
        "rejected": tally(rejected),
        "unheard_ids": unheard,
    }
