"""Undo and redo for the review: each step is a small delta, never a copy of the whole review.

A step holds the earlier value of what one change touched: the decisions one by one, the other
parts (manual changes, stem notes, blind tallies...) whole. ``None`` means "was not there".
Capturing only what a change touches keeps a decision cheap however large the review grows.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

Delta = dict[str, Any]
# Parts of the file that are not decisions: never undone, never in the undo history.
NOT_UNDONE = ("ui", "history", "listened")


def capture(data: Mapping[str, Any], decisions: Iterable[str], parts: Iterable[str]) -> Delta:
    """The current value of the named decisions and parts (deep copies): a delta that puts
    them back as they are now."""
    held = data.get("decisions", {})
    return {
        "decisions": {sid: copy.deepcopy(held.get(sid)) for sid in decisions},
        "parts": {key: copy.deepcopy(data.get(key)) for key in parts},
    }


def changed(data: Mapping[str, Any], before: Delta) -> Delta:
    """The undo step of a change: what ``before`` captured, kept where it differs from ``data``
    now, without the parts that are never undone."""
    held = data.get("decisions", {})
    return {
        "decisions": {
            sid: entry for sid, entry in before["decisions"].items() if held.get(sid) != entry
        },
        "parts": {
            key: value
            for key, value in before["parts"].items()
            if key not in NOT_UNDONE and data.get(key) != value
        },
    }


def restore(data: dict[str, Any], before: Delta) -> None:
    """Put back everything ``before`` captured, the parts never undone too (a failed save)."""
    decisions = data.setdefault("decisions", {})
    for sid, entry in before["decisions"].items():
        if entry is None:
            decisions.pop(sid, None)
        else:
            decisions[sid] = copy.deepcopy(entry)
    for key, value in before["parts"].items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)


def is_empty(step: Delta) -> bool:
    return not step["decisions"] and not step["parts"]


def apply(data: dict[str, Any], delta: Delta) -> Delta:
    """Apply an undo or redo step to ``data`` in place; returns the step that takes it back."""
    back: Delta = {"decisions": {}, "parts": {}}
    decisions = data.setdefault("decisions", {})
    for sid, entry in delta.get("decisions", {}).items():
        back["decisions"][sid] = copy.deepcopy(decisions.get(sid))
        if entry is None:
            decisions.pop(sid, None)
        else:
            decisions[sid] = copy.deepcopy(entry)
    for key, value in delta.get("parts", {}).items():
        if key in NOT_UNDONE or key == "decisions":
            continue
        back["parts"][key] = copy.deepcopy(data.get(key))
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return back


def _manual_by_id(delta: Delta) -> dict[str, Any]:
    manual = delta.get("parts", {}).get("manual")
    if not isinstance(manual, list):
        return {}
    return {str(m.get("id")): m for m in manual if isinstance(m, dict)}


def touched(step: Delta, back: Delta) -> list[str]:
    """The ids an undo or redo ``step`` changed (``back`` takes it back): its decisions, then
    the manual changes it added, removed or changed."""
    ids = sorted(step.get("decisions", {}))
    if "manual" in step.get("parts", {}):
        after, before = _manual_by_id(step), _manual_by_id(back)
        ids += sorted(i for i in after.keys() | before.keys() if after.get(i) != before.get(i))
    return ids
