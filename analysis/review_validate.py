"""Check a review file part by part: what is usable opens, what is damaged is named and left out.

review.json is ours, but people edit it, tools rewrite it and disks damage it. A file that is
valid JSON can still hold a decision whose amount is ``"lots"``, a manual change whose
parameters are a list, or an undo step that would bring such a thing back. ``validate`` returns
the review without those entries and a ``Problem`` for each, so the app can keep the file aside,
say what was left out and open the rest, and a render can refuse with the same words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mixreview.analysis.apply import change_of, processor_for
from mixreview.analysis.printable import shown
from mixreview.analysis.review_history import NOT_UNDONE
from mixreview.analysis.suggest.model import KINDS, Suggestion

STATUSES = ("pending", "accepted", "rejected")
MANUAL_KINDS = ("gain", "eq", "highpass", "compressor", "width", "pan", "polarity", "mono_bass")
FOCUS = ("suggestions", "stems", "detail")
OPTIONAL_PARTS = ("choices",)  # parts a review may lack; every other part is always there
PROBE_RATE = 48000  # parameters are checked by building their processor at this rate
NAMED_MAX = 3  # damaged entries named in a message; the rest are counted
VALUE_CHARS = 40


@dataclass(frozen=True)
class Problem:
    """One damaged entry: where it is in the file and what is wrong with it."""

    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where} ({self.why})"


def _value(value: Any) -> str:
    """A value as it appears in the file, short enough for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return shown(text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 3] + "...")


def _type(value: Any) -> str:
    """How JSON calls the type of ``value``."""
    if value is None:
        return "null"
    for kind, name in ((bool, "true/false"), (str, "text"), (int | float, "a number")):
        if isinstance(value, kind):
            return name
    return "a list" if isinstance(value, list) else "a table"


def is_real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _span(value: Any) -> bool:
    return value is None or (
        isinstance(value, list) and len(value) == 2 and all(is_real(v) for v in value)
    )


def _amount_problem(entry: dict[str, Any]) -> str | None:
    if "amount" not in entry:
        return "no amount"
    amount = entry["amount"]
    if not is_real(amount) or not 0 <= amount <= 1:
        return f"amount {_value(amount)} is not a number from 0 to 1"
    return None


def params_problem(kind: str, params: Any) -> str | None:
    """Why ``params`` cannot drive a ``kind`` processor (None: they can)."""
    if not isinstance(params, dict):
        return f"params is {_type(params)}, not a table"
    try:
        processor_for(change_of({"kind": kind, "stems": [], "id": ""}, params=params), PROBE_RATE)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        return f"params {_value(params)} do not fit a {kind}: {shown(exc)}"
    return None


def _suggestion_dict_problem(raw: Any) -> str | None:
    """The fields of a suggestion's dict (and of its alternatives) that its readers rely on."""
    if not isinstance(raw, dict):
        return f"its suggestion is {_type(raw)}, not a table"
    if not isinstance(raw.get("id"), str) or raw.get("kind") not in KINDS:
        return "its suggestion names no known kind or id"
    if not _texts(raw.get("stems")) or not isinstance(raw.get("params"), dict):
        return "its suggestion's stems or params are damaged"
    if not _span(raw.get("section_span_s")):
        return "its suggestion's span is damaged"
    if raw.get("section") is not None and not isinstance(raw["section"], str):
        return "its suggestion's section is not text"
    for key in ("alternatives", "waiting"):
        others = raw.get(key) or []
        if not isinstance(others, list):
            return f"its suggestion's {key} are not a list"
        for other in others:
            if why := _suggestion_dict_problem(other):
                return why
    return None


def suggestion_problem(raw: Any) -> str | None:
    """Why a decision's copy of its suggestion cannot be used (None: it can)."""
    if why := _suggestion_dict_problem(raw):
        return why
    try:
        suggestion = Suggestion.from_dict(raw)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return f"its suggestion is incomplete ({shown(exc)})"
    return params_problem(suggestion.kind, suggestion.params)


def _snapshot_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"its snapshot is {_type(raw)}, not a table"
    checks = (
        ("kind", lambda v: isinstance(v, str)),
        ("stems", _texts),
        ("params", lambda v: v is None or isinstance(v, dict)),
        ("section", lambda v: v is None or isinstance(v, str)),
        ("why", lambda v: isinstance(v, str)),
    )
    for key, ok in checks:
        if key in raw and not ok(raw[key]):
            return f"its snapshot's {key} is {_type(raw[key])}"
    return None


def heard_problem(raw: Any) -> str | None:
    """Why a listening record is unusable (None: it is fine)."""
    if not isinstance(raw, dict):
        return f"listening record is {_type(raw)}, not a table"
    for key in ("played_s", "matched_s"):
        if key in raw and not (is_real(raw[key]) and raw[key] >= 0):
            return f"{key} {_value(raw[key])} is not a number of seconds"
    if "blind_trials" in raw and not _whole(raw["blind_trials"]):
        return f"blind_trials {_value(raw['blind_trials'])} is not a whole number"
    return None


def decision_problem(entry: Any) -> str | None:
    """Why one decision cannot be used (None: it can)."""
    if not isinstance(entry, dict):
        return f"it is {_type(entry)}, not a table"
    status = entry.get("status")
    if status not in STATUSES:
        what = "no status" if "status" not in entry else f"unknown status {_value(status)}"
        return f"{what}; a decision is one of {', '.join(STATUSES)}"
    amount = _amount_problem(entry)
    if amount:
        return amount
    if "note" in entry and not isinstance(entry["note"], str):
        return f"its note is {_type(entry['note'])}, not text"
    if "updated" in entry and not isinstance(entry["updated"], str):
        return "its time stamp is not text"
    if "seq" in entry and not _whole(entry["seq"]):
        return f"its order number {_value(entry['seq'])} is not a whole number"
    if "heard" in entry and (why := heard_problem(entry["heard"])):
        return why
    if "snapshot" in entry and (why := _snapshot_problem(entry["snapshot"])):
        return why
    kind = None
    if "suggestion" in entry:
        if why := suggestion_problem(entry["suggestion"]):
            return why
        kind = entry["suggestion"]["kind"]
    elif isinstance(entry.get("snapshot", {}).get("kind"), str):
        kind = entry["snapshot"]["kind"]
    params = entry.get("params")
    if params is None:
        return None
    if not isinstance(params, dict):
        return f"params is {_type(params)}, not a table"
    return params_problem(kind, params) if kind in KINDS else None


def manual_problem(entry: Any) -> str | None:
    """Why one manual change cannot be used (None: it can). Optional fields left out get their
    defaults (see ``manual_defaults``)."""
    if not isinstance(entry, dict):
        return f"it is {_type(entry)}, not a table"
    if not isinstance(entry.get("id"), str) or not entry["id"]:
        return "it has no id"
    if entry.get("kind") not in MANUAL_KINDS:
        return f"kind {_value(entry.get('kind'))} is not one of {', '.join(MANUAL_KINDS)}"
    stems = entry.get("stems")
    if not _texts(stems) or not stems:
        return f"stems {_value(stems)} is not a list of stem files"
    if not _span(entry.get("section_span_s")):
        return f"section_span_s {_value(entry.get('section_span_s'))} is not [start, end]"
    if "amount" in entry and (why := _amount_problem(entry)):
        return why
    if not isinstance(entry.get("note", ""), str):
        return "its note is not text"
    if not isinstance(entry.get("enabled", True), bool):
        return "enabled is not true or false"
    return params_problem(entry["kind"], entry.get("params"))


def manual_defaults(entry: dict[str, Any]) -> dict[str, Any]:
    return {"section_span_s": None, "amount": 1.0, "note": "", "enabled": True, **entry}


def _blind_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"it is {_type(raw)}, not a table"
    wins = raw.get("wins")
    if not _whole(raw.get("trials")):
        return "trials is not a whole number"
    if not isinstance(wins, dict) or not all(_whole(v) for v in wins.values()):
        return "wins is not a table of counts"
    if not _texts(raw.get("labels")):
        return "labels is not a list of names"
    return None


UI_CHECKS: dict[str, Callable[[Any], bool]] = {
    "selected": lambda v: v is None or isinstance(v, str),
    "stem": lambda v: v is None or isinstance(v, str),
    "filter": lambda v: isinstance(v, str),
    "group": lambda v: isinstance(v, str),
    "compare": lambda v: isinstance(v, str),
    "focus": lambda v: v in FOCUS,
    "position_s": lambda v: is_real(v) and v >= 0,
    "aspects": _texts,
}


Part = tuple[Any, list[Problem]]


def _table(name: str, raw: Any, what: str) -> tuple[dict[str, Any], list[Problem]]:
    if isinstance(raw, dict):
        return raw, []
    return {}, [Problem(name, f"{what} is {_type(raw)}, not a table; all of it left out")]


def _entries(
    name: str, raw: Any, label: str, problem: Callable[[Any], str | None], what: str
) -> Part:
    """A table of entries each checked by ``problem``: the usable ones, and the others named."""
    table, problems = _table(name, raw, what)
    kept: dict[str, Any] = {}
    for key, entry in table.items():
        why = problem(entry)
        if why is None:
            kept[key] = entry
        else:
            problems.append(Problem(f"{label} {shown(key)}", why))
    return kept, problems


def check_decisions(raw: Any) -> Part:
    return _entries("decisions", raw, "decision", decision_problem, "decisions")


def check_manual(raw: Any) -> Part:
    if not isinstance(raw, list):
        return [], [Problem("manual", f"manual changes are {_type(raw)}, not a list")]
    kept: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        why = manual_problem(entry)
        if why is None and entry["id"] in seen:
            why = f"a second change with id {_value(entry['id'])}"
        if why is None:
            seen.add(entry["id"])
            kept.append(manual_defaults(entry))
        else:
            problems.append(Problem(f"manual change {index}", why))
    return kept, problems


def check_stem_notes(raw: Any) -> Part:
    def problem(note: Any) -> str | None:
        return None if isinstance(note, str) else f"the note is {_type(note)}, not text"

    return _entries("stem_notes", raw, "note on stem", problem, "stem notes")


def check_blind(raw: Any) -> Part:
    return _entries("blind", raw, "blind tally", _blind_problem, "blind tallies")


def check_listened(raw: Any) -> Part:
    return _entries("listened", raw, "listening time of", heard_problem, "listening times")


def check_choices(raw: Any) -> Part:
    def problem(choice: Any) -> str | None:
        return None if isinstance(choice, str) else f"the choice is {_type(choice)}, not an id"

    return _entries("choices", raw, "choice for", problem, "choices")


def check_ui(raw: Any) -> Part:
    table, problems = _table("ui", raw, "where you were in the app")
    kept = {}
    for key, value in table.items():
        check = UI_CHECKS.get(key)
        if check is None or check(value):
            kept[key] = value
        else:
            problems.append(Problem(f"ui {shown(key)}", f"{_value(value)} is not usable"))
    return kept, problems


def check_session(raw: Any) -> Part:
    ok = isinstance(raw, dict) and isinstance(raw.get("path"), str) and _texts(raw.get("stems"))
    return (raw, []) if ok else (None, [Problem("session", "not a path and a list of stems")])


PARTS: dict[str, Callable[[Any], Part]] = {
    "session": check_session,
    "decisions": check_decisions,
    "manual": check_manual,
    "stem_notes": check_stem_notes,
    "blind": check_blind,
    "listened": check_listened,
    "choices": check_choices,
    "ui": check_ui,
}


def _step_ok(step: Any) -> bool:
    """An undo or redo step that brings back only usable entries."""
    if not isinstance(step, dict) or set(step) - {"decisions", "parts"}:
        return False
    decisions, parts = step.get("decisions", {}), step.get("parts", {})
    if not isinstance(decisions, dict) or not isinstance(parts, dict):
        return False
    if any(e is not None and decision_problem(e) for e in decisions.values()):
        return False
    for key, value in parts.items():
        if key in ("decisions", *NOT_UNDONE) or key not in PARTS:
            return False
        if value is None and key not in OPTIONAL_PARTS:
            return False  # would take away a part every review has
        if value is not None and PARTS[key](value)[1]:
            return False
    return True


def check_history(raw: Any) -> Part:
    """Usable undo and redo steps; a damaged step is dropped with every step behind it (they
    were recorded on top of it)."""
    table = raw if isinstance(raw, dict) else {}
    kept: dict[str, list[Any]] = {}
    dropped = 0 if isinstance(raw, dict) or raw is None else 1
    for side in ("undo", "redo"):
        steps = table.get(side, [])
        steps = steps if isinstance(steps, list) else [None]
        good = len(steps)
        while good and _step_ok(steps[good - 1]):
            good -= 1
        kept[side] = steps[good:]
        dropped += good
    if not dropped:
        return kept, []
    return kept, [Problem("undo history", f"{dropped} damaged step(s) and the older ones")]


def validate(data: dict[str, Any], fresh: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """``data`` (a parsed review with the right schema) with every damaged entry left out,
    missing parts taken from ``fresh``, and what was left out."""
    clean: dict[str, Any] = dict(data)
    problems: list[Problem] = []
    for key, check in PARTS.items():
        if key not in data:
            if key in fresh:
                clean[key] = fresh[key]
            continue
        value, found = check(data[key])
        clean[key] = value if value is not None else fresh[key]
        problems += found
    history, found = check_history(data.get("history"))
    clean["history"] = history
    return clean, problems + found


def describe(problems: list[Problem]) -> str:
    """The damaged entries in one line: the first few named, the rest counted."""
    named = "; ".join(str(p) for p in problems[:NAMED_MAX])
    more = len(problems) - NAMED_MAX
    return named + (f"; and {more} more" if more > 0 else "")
