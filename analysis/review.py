"""The review: what the human decided about each suggestion, saved the moment it changes.

Decisions (accept, reject, amount, parameter overrides, notes), manual changes, notes on stems,
blind-comparison tallies, how long each suggestion's A/B was heard and where the user was in
the app live in ``review.json`` in the session's state folder. Every change is written
atomically (temp file, fsync, rename), so a closed terminal or ``kill -9`` loses nothing. Undo
and redo cover every decision and are kept in the same file, so they survive a restart.

A change either reaches the disk or is undone in memory too: a failed save (a full disk) never
leaves a decision that the next save would write behind the user's back. A file is checked when
it is opened (analysis/review_validate.py): damaged entries are kept aside, named and left out.
Each save encodes only the decisions that changed (analysis/review_file.py), so a decision stays
quick however large the review grows.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from mixreview.analysis import review_history as history
from mixreview.analysis.apply import Change
from mixreview.analysis.atomic import write_text_atomic
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.printable import shown
from mixreview.analysis.review_document import (
    HEARD_MIN_S,
    BlindTally,
    Decision,
    DecisionEntry,
    Heard,
    ManualEntry,
    ReviewDocument,
    Status,
    UiState,
)
from mixreview.analysis.review_file import (
    REVIEW_NAME,
    SCHEMA,
    damaged_message,
    empty_review,
    keep_aside,
    read_review,
    review_text,
)
from mixreview.analysis.review_history import NOT_UNDONE, Delta
from mixreview.analysis.review_validate import MANUAL_KINDS, validate
from mixreview.analysis.suggest.model import Suggestion

STATUSES = ("pending", "accepted", "rejected", "adjusted")
UNDO_DEPTH = 100
Version = Literal["original", "assistant", "chosen", "manual"]

__all__ = [
    "HEARD_MIN_S", "MANUAL_KINDS", "NOT_UNDONE", "REVIEW_NAME", "SCHEMA", "Decision", "Heard",
    "Review", "ReviewError", "review_path",
]  # fmt: skip


class ReviewError(MixreviewError):
    """A review file that cannot be used for this session (the message says why)."""


class Review:
    """Review state bound to a file; every mutating call saves before it returns."""

    def __init__(self, path: Path, data: ReviewDocument, messages: Sequence[str] = ()) -> None:
        self.path = path
        self.data: ReviewDocument = data
        self.messages = list(messages)
        steps: Any = data.get("history")
        steps = steps if isinstance(steps, dict) else {}
        self._undo: list[Delta] = list(steps.get("undo") or [])
        self._redo: list[Delta] = list(steps.get("redo") or [])
        self.last_touched: list[str] = []  # what the last undo or redo changed (ids)
        self._encoded: dict[str, str] = {}  # each decision's line in the file, by id

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, session_path: Path, stems: Sequence[str]) -> Review:
        """Load ``path`` or start a new review. A file that cannot be read is kept aside and a
        new review started; damaged entries in a readable one are kept aside (the whole file
        copied beside it), named in ``messages`` and left out. Nothing is ever deleted."""
        if not path.exists():
            return cls(path, empty_review(session_path, stems))
        fresh = empty_review(session_path, stems)
        raw, data, why = read_review(path)
        try:
            if data is None:
                aside = keep_aside(path, "corrupt", raw)
                review = cls(path, fresh, [
                    f"The review file could not be read ({why}); it was kept as "
                    f"{shown(aside.name)} and a new review started. Your earlier decisions are "
                    "in that file."
                ])  # fmt: skip
            else:
                clean, problems = validate(data, cast(dict[str, Any], fresh))
                if not problems:
                    review = cls(path, cast(ReviewDocument, clean))
                    review_text(review.data, review._encoded)  # the first decision writes fast
                    return review
                aside = keep_aside(path, "damaged", raw)
                message = damaged_message(path, problems, aside)
                review = cls(path, cast(ReviewDocument, clean), [message])
        except OSError as exc:
            raise ReviewError(
                f"{shown(path)} needs to be kept aside ({why or 'damaged entries'}) but could "
                f"not be: {exc.strerror or exc}. Free some space or fix its folder's "
                "permissions, then open the session again."
            ) from None
        with contextlib.suppress(OSError):  # the copy is safe; the next change saves again
            review.save()
        return review

    @classmethod
    def load_for_render(cls, path: Path, stems: Sequence[str]) -> Review:
        """Read a review file without changing it; ReviewError if it is damaged or belongs to
        another session."""
        _, data, why = read_review(path)
        if data is None:
            raise ReviewError(f"the review file {shown(path)} could not be read ({why}).")
        clean, problems = validate(data, cast(dict[str, Any], empty_review(path.parent, stems)))
        if problems:
            raise ReviewError(damaged_message(path, problems, None))
        theirs = set(clean["session"]["stems"])
        if theirs and not theirs & set(stems):
            raise ReviewError(
                f"{shown(path)} was made for another session (none of its stems "
                f"{shown(', '.join(sorted(theirs)[:3]))}... are here). Give the review of this "
                "session."
            )
        return cls(path, cast(ReviewDocument, clean))

    def copy(self) -> Review:
        """A copy for another thread to read while this one goes on changing (never saved).

        Decisions are copied one level deep: the review replaces a decision's nested values
        (its params, suggestion, snapshot), never changes them in place. The undo history is
        left out."""
        data: dict[str, Any] = {
            k: copy.deepcopy(v) for k, v in self.data.items() if k not in ("decisions", "history")
        }
        data["decisions"] = {sid: dict(e) for sid, e in self.data["decisions"].items()}
        data["history"] = {"undo": [], "redo": []}
        return Review(self.path, cast(ReviewDocument, data))

    # -- saving and undo -----------------------------------------------------------------------
    def save(self) -> None:
        """Write the file as the review is now (atomically); OSError if it cannot be."""
        self._encoded.clear()
        self._write()

    def _forget(self, changed: Iterable[str]) -> None:
        for sid in changed:
            self._encoded.pop(sid, None)

    def _write(self, changed: Iterable[str] = ()) -> None:
        """Write the file; decisions other than ``changed`` are written as last encoded."""
        self._forget(changed)
        self.data["history"] = {"undo": self._undo, "redo": self._redo}
        write_text_atomic(self.path, review_text(self.data, self._encoded))

    @contextlib.contextmanager
    def _changing(
        self, decisions: Iterable[str] = (), parts: Iterable[str] = (), undoable: bool = True
    ) -> Iterator[None]:
        """Change the named decisions and parts in the ``with`` block, then save; the change
        becomes one undo step (unless ``undoable`` is False). If the block fails or the save
        does, everything is put back as it was: what is in memory is what is on disk."""
        data = cast(dict[str, Any], self.data)
        before = history.capture(data, list(decisions), list(parts))
        undo, redo = list(self._undo), list(self._redo)
        try:
            yield
            step = history.changed(data, before)
            if undoable and not history.is_empty(step):
                self._undo.append(step)
                del self._undo[:-UNDO_DEPTH]
                self._redo.clear()
            self._write(before["decisions"])
        except BaseException:
            history.restore(data, before)
            self._forget(before["decisions"])
            self._undo, self._redo = undo, redo
            self.data["history"] = {"undo": self._undo, "redo": self._redo}
            raise

    def _step(self, take: list[Delta], give: list[Delta]) -> bool:
        """Undo (or redo): apply the newest step of ``take``, push its reverse on ``give``."""
        if not take:
            return False
        data = cast(dict[str, Any], self.data)
        step = take.pop()
        back = history.apply(data, step)
        give.append(back)
        try:
            self._write(step.get("decisions", {}))
        except BaseException:
            history.apply(data, back)
            self._forget(step.get("decisions", {}))
            give.pop()
            take.append(step)
            self.data["history"] = {"undo": self._undo, "redo": self._redo}
            raise
        self.last_touched = history.touched(step, back)
        return True

    def undo(self) -> bool:
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo)

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
        with self._changing(decisions=[suggestion.id]):
            entry = self._entry(suggestion)
            entry["status"] = status
            entry["heard"] = self.heard_of(suggestion.id).as_entry()

    def accept(self, suggestion: Suggestion) -> None:
        self.decide(suggestion, "accepted")

    def reject(self, suggestion: Suggestion) -> None:
        self.decide(suggestion, "rejected")

    def set_amount(self, suggestion: Suggestion, amount: float) -> None:
        """Partial application, 0..1; setting an amount on a pending suggestion accepts it."""
        with self._changing(decisions=[suggestion.id]):
            entry = self._entry(suggestion)
            entry["amount"] = round(min(1.0, max(0.0, float(amount))), 3)
            if entry["status"] == "pending":
                entry["status"] = "accepted"
                entry["heard"] = self.heard_of(suggestion.id).as_entry()

    def set_params(self, suggestion: Suggestion, params: Mapping[str, Any]) -> None:
        """Override the suggestion's parameters (adjusting accepts it)."""
        with self._changing(decisions=[suggestion.id]):
            entry = self._entry(suggestion)
            entry["params"] = None if dict(params) == suggestion.params else dict(params)
            if entry["status"] == "pending":
                entry["status"] = "accepted"
                entry["heard"] = self.heard_of(suggestion.id).as_entry()

    def set_note(self, suggestion: Suggestion, text: str) -> None:
        with self._changing(decisions=[suggestion.id]):
            self._entry(suggestion)["note"] = text

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
        with self._changing(parts=["listened"], undoable=False):
            listened = self.data.setdefault("listened", {})
            before = Heard.from_dict(listened.get(key))
            listened[key] = Heard(
                before.played_s + played_s, before.matched_s + matched_s, before.blind_trials
            ).as_entry()

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
        with self._changing(parts=["choices"], undoable=False):
            self.data.setdefault("choices", {})[problem] = suggestion_id

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
        used = {m["id"] for m in self.data["manual"]}
        number = 1
        while f"manual-{number}" in used:
            number += 1
        manual_id = f"manual-{number}"
        with self._changing(parts=["manual"]):
            self.data["manual"].append({
                "id": manual_id, "kind": kind, "stems": [stem], "params": dict(params),
                "section_span_s": list(section_span_s) if section_span_s else None,
                "amount": 1.0, "note": note, "enabled": True,
            })  # fmt: skip
        return manual_id

    def update_manual(self, manual_id: str, **fields: Any) -> None:
        with self._changing(parts=["manual"]):
            for manual in self.data["manual"]:
                if manual["id"] == manual_id:
                    manual.update(cast(ManualEntry, fields))
                    break
            else:
                raise KeyError(manual_id)

    def remove_manual(self, manual_id: str) -> None:
        with self._changing(parts=["manual"]):
            self.data["manual"] = [m for m in self.data["manual"] if m["id"] != manual_id]

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
        with self._changing(parts=["stem_notes"]):
            self.data["stem_notes"][stem] = text

    def record_blind(self, key: str, preferred: str, a_label: str, b_label: str) -> None:
        """One blind trial of ``key``: which of the two hidden versions the user preferred."""
        with self._changing(parts=["blind"]):
            tally = self.data["blind"].setdefault(key, {"trials": 0, "wins": {}, "labels": []})
            tally["trials"] += 1
            tally["wins"][preferred] = tally["wins"].get(preferred, 0) + 1
            tally["labels"] = sorted({*tally["labels"], a_label, b_label})

    def set_ui(self, **state: Any) -> None:
        """Where the user is (selection, filter): saved, but not an undoable decision."""
        with self._changing(parts=["ui"], undoable=False):
            self.data["ui"].update(cast(UiState, state))

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
