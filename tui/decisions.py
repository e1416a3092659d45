"""Deciding from the keyboard: accept, reject, amount, parameters, notes, own changes, undo/redo.

Every decision goes through ``analysis.review.Review``, which saves it atomically before
returning; then the live model derives the queue again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mixreview.analysis.errors import MixreviewError
from mixreview.tui.parts import ReviewParts
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.widgets.labels import kind_label
from mixreview.tui.widgets.params import nudge
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.suggestions import SuggestionList

if TYPE_CHECKING:
    from mixreview.tui.screens.manual import ManualChange
    from mixreview.tui.screens.note import NoteScreen

AMOUNT_STEP = 0.25
T = TypeVar("T")


def note_screen() -> type[NoteScreen]:
    """The note dialog's screen, imported on first use (its text area is not needed to open)."""
    from mixreview.tui.screens.note import NoteScreen

    return NoteScreen


def guarded(method: Callable[..., T]) -> Callable[..., T | None]:
    """Run an action; a review that cannot be saved or a value the engine refuses becomes a
    message in the UI. Anything else is a bug and is left to surface."""

    @functools.wraps(method)
    def wrapper(self: ReviewParts, *args: Any, **kwargs: Any) -> T | None:
        try:
            return method(self, *args, **kwargs)
        except OSError as exc:
            self.notify(f"Could not save: {exc}", severity="error", timeout=10)
        except (MixreviewError, ValueError) as exc:
            self.notify(str(exc) or type(exc).__name__, severity="error", timeout=8)
        return None

    return wrapper


class DecisionsMixin(ReviewParts):
    """The decision keys (mixed into ``ReviewScreen``)."""

    def _need_item(self) -> Item | None:
        """The selected item; the listening counted so far is saved first, so a decision
        records whether its A/B was heard."""
        item = self.current_item()
        if item is None:
            self.notify("No suggestion selected.", timeout=3)
        else:
            self.flush_listening()
        return item

    def _changed(self, advance: bool = False, select: str | None = None) -> None:
        suggestions = self.query_one(SuggestionList)
        self.rederive()
        self.refresh_review(select=select, detail=False)
        if advance and suggestions.next_row(1) not in (None, suggestions.cursor):
            suggestions.action_cursor(1)  # the Selected message shows the next one
        else:
            self.show_detail()
        self.schedule_versions()

    @guarded
    def action_accept(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is not None:
            self.review.update_manual(item.id, enabled=True)
        else:
            assert item.suggestion is not None
            self.review.accept(item.suggestion)
        self._changed(advance=True)

    @guarded
    def action_reject(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is not None:
            self.review.update_manual(item.id, enabled=False)
        else:
            assert item.suggestion is not None
            self.review.reject(item.suggestion)
        self._changed(advance=True)

    def _undo_redo(self, undo: bool) -> None:
        if self.review is None:
            return
        done = self.review.undo() if undo else self.review.redo()
        if not done:
            self.notify("Nothing to undo." if undo else "Nothing to redo.", timeout=3)
            return
        touched = self.review.last_touched
        self._changed(select=touched[0] if touched else None)

    @guarded
    def action_undo(self) -> None:
        self._undo_redo(undo=True)

    @guarded
    def action_redo(self) -> None:
        self._undo_redo(undo=False)

    @guarded
    def action_amount(self, delta: float) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.status == "rejected":
            self.notify("This suggestion is rejected: accept it (a) to set an amount.", timeout=4)
            return
        amount = round(min(1.0, max(0.0, item.amount + delta)) / AMOUNT_STEP) * AMOUNT_STEP
        if item.manual is not None:
            self.review.update_manual(item.id, amount=amount)
        else:
            assert item.suggestion is not None
            self.review.set_amount(item.suggestion, amount)
        self._changed()

    @guarded
    def action_nudge(self, direction: int) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        result = nudge(item.kind, item.params, direction)
        if result.params is None:
            self.notify(result.message, timeout=4)
            return
        if item.manual is not None:
            self.review.update_manual(item.id, params=result.params)
        else:
            assert item.suggestion is not None
            self.review.set_params(item.suggestion, result.params)
        self._changed()

    def action_note(self) -> None:
        if not self.live or self.review is None:
            return
        review = self.review
        if isinstance(self.focused, StemsPanel):
            file = self.current_stem()
            if file is None:
                return
            text = review.stem_note(file)

            def save_stem(new: str | None) -> None:
                if new is not None and new != text:
                    self._save_note(lambda: review.set_stem_note(file, new))

            self.app.push_screen(
                note_screen()(f"the stem {self.names.get(file, file)}", text), save_stem
            )
            return
        item = self._need_item()
        if item is None:
            return

        def save_item(new: str | None) -> None:
            if new is None or new == item.note:
                return
            if item.manual is not None:
                self._save_note(lambda: review.update_manual(item.id, note=new))
            else:
                assert item.suggestion is not None
                suggestion = item.suggestion
                self._save_note(lambda: review.set_note(suggestion, new))

        about = (
            f"{kind_label(item.kind)} on {', '.join(self.names.get(f, f) for f in item.stems[:2])}"
        )
        self.app.push_screen(note_screen()(about, item.note), save_item)

    @guarded
    def _save_note(self, write: Callable[[], None]) -> None:
        write()
        self._changed()

    def action_manual(self) -> None:
        file = self.current_stem()
        if file is None or self.analysis is None:
            return

        def add(change: ManualChange | None) -> None:
            if change is not None:
                self._add_manual(file, change)

        from mixreview.tui.screens.manual import ManualScreen  # on first use: opening needs none

        self.app.push_screen(ManualScreen(self.names.get(file, file), self.analysis.sections), add)

    @guarded
    def _add_manual(self, file: str, change: ManualChange) -> None:
        assert self.review is not None
        manual_id = self.review.add_manual(
            change.kind, file, change.params, change.section_span_s, change.note
        )
        self._changed(select=manual_id)

    def action_remove(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is None:
            self.notify("Only your own changes can be removed; reject (r) a suggestion.", timeout=4)
            return
        question = (
            f"Remove your {kind_label(item.kind)} ({item.params_text})? Undo (u) brings it back."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove_manual(item.id)

        self.app.push_screen(ConfirmScreen(question, "Remove", "Keep"), answered)

    @guarded
    def _remove_manual(self, manual_id: str) -> None:
        assert self.review is not None
        self.review.remove_manual(manual_id)
        self._changed()
