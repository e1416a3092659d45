"""The review: what the human decided about each suggestion, saved the moment it changes.

Decisions (accept, reject, amount, parameter overrides, notes), manual changes, notes on stems,
blind-comparison tallies, how long each suggestion's A/B was heard and where the user was in
the app live in ``review.json`` in the session's state folder. Every change is written
atomically (temp file, fsync, rename), so a closed terminal or ``kill -9`` loses nothing. Undo
and redo cover every decision and are kept in the same file, so they survive a restart.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from mixreview.analysis.apply import Change
from mixreview.analysis.review_document import (
    BlindTally,
    DecisionEntry,
    HeardEntry,
    ManualEntry,
    ReviewDocument,
    Status,
    UiState,
)
from mixreview.analysis.state import write_json_atomic
from mixreview.analysis.suggest.model import Suggestion

SCHEMA = "mixreview.review/1"
REVIEW_NAME = "review.json"
STATUSES = ("pending", "accepted", "rejected", "adjusted")
MANUAL_KINDS = ("gain", "eq", "highpass", "compressor", "width", "pan", "polarity", "mono_bass")
UNDO_DEPTH = 100
# Parts of the file that are not decisions: never undone, never in the undo history.
NOT_UNDONE = ("ui", "history", "listened")
HEARD_MIN_S = 2.0  # an A/B played at least this long counts as heard
Version = Literal["original", "assistant", "chosen", "manual"]


class ReviewError(Exception):
    """A review file that cannot be used for this session (the message says why)."""


def _empty(session_path: Path, stems: Sequence[str]) -> ReviewDocument:
    return {
        "schema": SCHEMA,
        "session": {"path": str(session_path.resolve()), "stems": sorted(stems)},
        "decisions": {},
        "manual": [],
        "stem_notes": {},
        "blind": {},
        "listened": {},
        "ui": {},
        "history": {"undo": [], "redo": []},
    }


Delta = dict[str, Any]


def _delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> Delta:
    """What ``after`` must give back to return to ``before``: changed decisions one by one, other
    parts whole (None: the part or decision was not there)."""
    decisions_before = before.get("decisions", {})
    decisions_after = after.get("decisions", {})
    decisions = {
        sid: copy.deepcopy(decisions_before.get(sid))
        for sid in set(decisions_before) | set(decisions_after)
        if decisions_before.get(sid) != decisions_after.get(sid)
    }
    parts = {
        key: copy.deepcopy(before.get(key))
        for key in (set(before) | set(after)) - {"decisions", *NOT_UNDONE}
        if before.get(key) != after.get(key)
    }
    return {"decisions": decisions, "parts": parts}


def _apply(data: dict[str, Any], delta: Delta) -> Delta:
    """Apply ``delta`` to ``data`` in place; returns the delta that takes it back."""
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


def _touched(step: Delta) -> list[str]:
    """The ids an undo step changes: decisions, then the manual changes added or removed."""
    ids = sorted(step.get("decisions", {}))
    manual = step.get("parts", {}).get("manual")
    if isinstance(manual, list):
        ids += sorted(str(m.get("id")) for m in manual if isinstance(m, dict))
    return ids


def _steps(raw: Any) -> list[Delta]:
    """The undo or redo steps of a saved history; anything damaged is dropped."""
    return [d for d in raw if _valid_delta(d)] if isinstance(raw, list) else []


def _valid_delta(delta: Any) -> bool:
    return (
        isinstance(delta, dict)
        and isinstance(delta.get("decisions", {}), dict)
        and isinstance(delta.get("parts", {}), dict)
        and all(e is None or isinstance(e, dict) for e in delta.get("decisions", {}).values())
    )


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


class Review:
    """Review state bound to a file; every mutating call saves before it returns."""

    def __init__(self, path: Path, data: ReviewDocument, messages: Sequence[str] = ()) -> None:
        self.path = path
        self.data: ReviewDocument = data
        self.messages = list(messages)
        self._before: dict[str, Any] | None = None
        history: Any = data.get("history")
        history = history if isinstance(history, dict) else {}
        self._undo: list[Delta] = _steps(history.get("undo"))
        self._redo: list[Delta] = _steps(history.get("redo"))
        self.last_touched: list[str] = []  # what the last undo or redo changed (ids)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, session_path: Path, stems: Sequence[str]) -> Review:
        """Load ``path`` or start a new review; a corrupt file is kept aside, never deleted."""
        if not path.exists():
            return cls(path, _empty(session_path, stems))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("schema") != SCHEMA:
                raise ValueError("not a mixreview review file")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, aside)
            return cls(
                path,
                _empty(session_path, stems),
                [
                    f"The review file could not be read ({exc}); it was kept as {aside.name} and "
                    "a new review started. Your earlier decisions are in that file."
                ],
            )
        for key, default in _empty(session_path, stems).items():
            data.setdefault(key, copy.deepcopy(default))
        return cls(path, cast(ReviewDocument, data))

    @classmethod
    def load_for_render(cls, path: Path, stems: Sequence[str]) -> Review:
        """Read a review file without changing it; ReviewError if it belongs elsewhere."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ReviewError(f"cannot read the review file {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ReviewError(f"{path} is not a mixreview review file.")
        theirs = set(data.get("session", {}).get("stems", []))
        ours = set(stems)
        if theirs and not theirs & ours:
            raise ReviewError(
                f"{path} was made for another session (none of its stems "
                f"{', '.join(sorted(theirs)[:3])}... are here). Give the review of this session."
            )
        return cls(path, cast(ReviewDocument, data))

    def copy(self) -> Review:
        """A copy for another thread to read while this one goes on changing (never saved)."""
        return Review(self.path, copy.deepcopy(self.data))

    # -- saving and undo -----------------------------------------------------------------------
    def save(self) -> None:
        """Write the file; a mutation begun with ``_change`` becomes one undo step."""
        if self._before is not None:
            delta = _delta(self._before, self.data)
            self._before = None
            if delta["decisions"] or delta["parts"]:
                self._undo.append(delta)
                del self._undo[:-UNDO_DEPTH]
                self._redo.clear()
        self.data["history"] = {"undo": self._undo, "redo": self._redo}
        write_json_atomic(self.path, self.data)

    def _change(self) -> None:
        """Call before a mutation: remember the state for undo."""
        self._before = {k: copy.deepcopy(v) for k, v in self.data.items() if k not in NOT_UNDONE}

    def undo(self) -> bool:
        if not self._undo:
            return False
        step = self._undo.pop()
        self._redo.append(_apply(cast(dict[str, Any], self.data), step))
        self.last_touched = _touched(step)
        self.save()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        step = self._redo.pop()
        self._undo.append(_apply(cast(dict[str, Any], self.data), step))
        self.last_touched = _touched(step)
        self.save()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # -- decisions -----------------------------------------------------------------------------
    def _entry(self, suggestion: Suggestion) -> DecisionEntry:
        entry = self.data["decisions"].setdefault(
            suggestion.id, {"status": "pending", "amount": 1.0, "params": None, "note": ""}
        )
        if entry.get("status", "pending") == "pending" or "suggestion" not in entry:
            # the suggestion as it stood when decided: a decision never changes under the user
            entry["suggestion"] = suggestion.as_dict()
        entry["snapshot"] = {
            "kind": suggestion.kind,
            "stems": list(suggestion.stems),
            "section": suggestion.section,
            "params": suggestion.params,
            "why": suggestion.why,
        }
        entry["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        entry["seq"] = 1 + max(
            (int(e.get("seq", 0)) for e in self.data["decisions"].values() if e is not entry),
            default=0,
        )
        return entry

    def decide(self, suggestion: Suggestion, status: Status) -> None:
        if status not in ("pending", "accepted", "rejected"):
            raise ValueError(f"unknown decision {status!r}")
        self._change()
        entry = self._entry(suggestion)
        entry["status"] = status
        entry["heard"] = self.heard_of(suggestion.id).as_entry()
        self.save()

    def accept(self, suggestion: Suggestion) -> None:
        self.decide(suggestion, "accepted")

    def reject(self, suggestion: Suggestion) -> None:
        self.decide(suggestion, "rejected")

    def set_amount(self, suggestion: Suggestion, amount: float) -> None:
        """Partial application, 0..1; setting an amount on a pending suggestion accepts it."""
        self._change()
        entry = self._entry(suggestion)
        entry["amount"] = round(min(1.0, max(0.0, float(amount))), 3)
        if entry["status"] == "pending":
            entry["status"] = "accepted"
            entry["heard"] = self.heard_of(suggestion.id).as_entry()
        self.save()

    def set_params(self, suggestion: Suggestion, params: Mapping[str, Any]) -> None:
        """Override the suggestion's parameters (adjusting accepts it)."""
        self._change()
        entry = self._entry(suggestion)
        entry["params"] = None if dict(params) == suggestion.params else dict(params)
        if entry["status"] == "pending":
            entry["status"] = "accepted"
            entry["heard"] = self.heard_of(suggestion.id).as_entry()
        self.save()

    def set_note(self, suggestion: Suggestion, text: str) -> None:
        self._change()
        self._entry(suggestion)["note"] = text
        self.save()

    def decision(self, suggestion_id: str) -> Decision:
        entry = self.data["decisions"].get(suggestion_id)
        if entry is None:
            return Decision("pending", 1.0, None, "")
        heard = Heard.from_dict(entry["heard"]) if "heard" in entry else None
        return Decision(
            entry["status"], float(entry["amount"]), entry.get("params"), entry.get("note", ""),
            heard,
        )  # fmt: skip

    # -- listening -----------------------------------------------------------------------------
    def heard_of(self, key: str) -> Heard:
        """How long the A/B of ``key`` (a suggestion id) has been listened to so far."""
        listened = Heard.from_dict(self.data.get("listened", {}).get(key))
        blind: Any = self.data.get("blind", {}).get(key, {})
        trials = int(blind.get("trials", 0)) if isinstance(blind, dict) else 0
        return Heard(listened.played_s, listened.matched_s, max(listened.blind_trials, trials))

    def record_listen(self, key: str, played_s: float, matched_s: float) -> None:
        """Add A/B listening time for ``key``: saved, but not an undoable decision."""
        if played_s <= 0:
            return
        listened = self.data.setdefault("listened", {})
        before = Heard.from_dict(listened.get(key))
        listened[key] = Heard(
            before.played_s + played_s, before.matched_s + matched_s, before.blind_trials
        ).as_entry()
        self.save()

    def status(self, suggestion_id: str) -> str:
        """pending, accepted, rejected, or adjusted (accepted with changed params or amount)."""
        d = self.decision(suggestion_id)
        if d.status == "accepted" and (d.params is not None or d.amount != 1.0):
            return "adjusted"
        return d.status

    def params_of(self, suggestion: Suggestion) -> dict[str, Any]:
        override = self.decision(suggestion.id).params
        return dict(override) if override is not None else dict(suggestion.params)

    def choose(self, problem: str, suggestion_id: str) -> None:
        """Which answer to a problem with alternatives the reviewer wants to see and decide."""
        self.data.setdefault("choices", {})[problem] = suggestion_id
        self.save()

    def choices(self) -> dict[str, str]:
        """Problem -> the chosen answer's id."""
        raw = self.data.get("choices", {})
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}

    def decided(self) -> list[tuple[str, dict[str, Any]]]:
        """(id, the suggestion as decided) for every decision that is not pending, in the
        order they were last changed."""
        rows = [
            (int(entry.get("seq", 0)), sid, entry["suggestion"])
            for sid, entry in self.data["decisions"].items()
            if entry.get("status", "pending") != "pending"
            and isinstance(entry.get("suggestion"), dict)
        ]
        return [(sid, suggestion) for _, sid, suggestion in sorted(rows, key=lambda r: r[0])]

    def entry(self, suggestion_id: str) -> DecisionEntry:
        """The saved decision on ``suggestion_id`` as it is in the file (empty: none)."""
        return self.data["decisions"].get(suggestion_id, {})

    def orphans(self, suggestions: Iterable[Suggestion]) -> list[str]:
        """Decided ids that no longer match a suggestion (the stems changed); kept, reported."""
        live = {s.id for s in suggestions}
        return sorted(
            sid
            for sid, e in self.data["decisions"].items()
            if sid not in live and e.get("status") != "pending"
        )

    # -- manual changes, notes, blind tests, ui ------------------------------------------------
    def add_manual(
        self,
        kind: str,
        stem: str,
        params: Mapping[str, Any],
        section_span_s: tuple[float, float] | None = None,
        note: str = "",
    ) -> str:
        """A change of the user's own; returns its id (``manual-N``)."""
        if kind not in MANUAL_KINDS:
            raise ValueError(f"manual changes are one of {', '.join(MANUAL_KINDS)}")
        self._change()
        used = {m["id"] for m in self.data["manual"]}
        number = 1
        while f"manual-{number}" in used:
            number += 1
        manual_id = f"manual-{number}"
        self.data["manual"].append({
            "id": manual_id, "kind": kind, "stems": [stem], "params": dict(params),
            "section_span_s": list(section_span_s) if section_span_s else None,
            "amount": 1.0, "note": note, "enabled": True,
        })  # fmt: skip
        self.save()
        return manual_id

    def update_manual(self, manual_id: str, **fields: Any) -> None:
        self._change()
        for manual in self.data["manual"]:
            if manual["id"] == manual_id:
                manual.update(cast(ManualEntry, fields))
                break
        else:
            raise KeyError(manual_id)
        self.save()

    def remove_manual(self, manual_id: str) -> None:
        self._change()
        self.data["manual"] = [m for m in self.data["manual"] if m["id"] != manual_id]
        self.save()

    @property
    def manual(self) -> list[ManualEntry]:
        return list(self.data["manual"])

    def stem_note(self, stem: str) -> str:
        return self.data.get("stem_notes", {}).get(stem, "")

    @property
    def stem_notes(self) -> dict[str, str]:
        return dict(self.data.get("stem_notes", {}))

    @property
    def blind_tallies(self) -> dict[str, BlindTally]:
        return dict(self.data.get("blind", {}))

    @property
    def ui(self) -> UiState:
        """Where the reviewer was in the app."""
        return self.data.get("ui", {})

    @property
    def made_for(self) -> str | None:
        """The session folder this review was started for."""
        return self.data.get("session", {}).get("path")

    def set_stem_note(self, stem: str, text: str) -> None:
        self._change()
        self.data["stem_notes"][stem] = text
        self.save()

    def record_blind(self, key: str, preferred: str, a_label: str, b_label: str) -> None:
        """One blind trial of ``key``: which of the two hidden versions the user preferred."""
        self._change()
        tally = self.data["blind"].setdefault(key, {"trials": 0, "wins": {}, "labels": []})
        tally["trials"] += 1
        tally["wins"][preferred] = tally["wins"].get(preferred, 0) + 1
        tally["labels"] = sorted({*tally["labels"], a_label, b_label})
        self.save()

    def set_ui(self, **state: Any) -> None:
        """Where the user is (selection, filter): saved, but not an undoable decision."""
        self.data["ui"].update(cast(UiState, state))
        self.save()

    # -- what to render ------------------------------------------------------------------------
    def changes(
        self, suggestions: Iterable[Suggestion], version: Version | str = "chosen"
    ) -> list[Change]:
        """The changes of a version: ``original`` none, ``assistant`` every suggestion at full
        strength, ``chosen`` the accepted ones (with amounts and overrides) plus the reviewer's
        own, ``manual`` the reviewer's own alone.

        A suggestion the reviewer accepted with their own amount or parameters stays the
        assistant's idea (its problem, its target): it is in the chosen mix, not the manual one.
        """
        from mixreview.analysis.apply import change_of

        if version == "original":
            return []
        if version == "assistant":
            return [change_of(s) for s in suggestions]
        if version not in ("chosen", "manual"):
            raise ValueError(f"unknown version {version!r}")
        chosen = []
        for s in suggestions if version == "chosen" else ():
            d = self.decision(s.id)
            if d.status == "accepted" and d.amount > 0:
                chosen.append(change_of(s, amount=d.amount, params=self.params_of(s)))
        for m in self.data["manual"]:
            if m.get("enabled", True) and m.get("amount", 1.0) > 0:
                span = m.get("section_span_s")
                chosen.append(Change(
                    kind=m["kind"], stems=tuple(m["stems"]), params=dict(m["params"]),
                    amount=float(m.get("amount", 1.0)),
                    section_span_s=(float(span[0]), float(span[1])) if span else None,
                    source_id=m["id"],
                ))  # fmt: skip
        return chosen


def review_path(state_folder: Path) -> Path:
    return state_folder / REVIEW_NAME
