"""The suggestions panel: the review queue as a list with group headers and a cursor."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import ClassVar

from rich.segment import Segment
from textual.message import Message
from textual.widgets import Input

from mixreview.tui.widgets.cursor_list import CursorList
from mixreview.tui.widgets.labels import (
    SEVERITY_SHORT,
    SEVERITY_WORD,
    kind_label,
    status_text,
    truncate,
)
from mixreview.tui.widgets.queue import Item, Queue, stems_label


class SuggestionList(CursorList):
    """Rows of the queue; the cursor stays on the same suggestion when the rows change."""

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "queue--header", "queue--dim", "queue--note",
        "status--pending", "status--accepted", "status--rejected", "status--adjusted",
        "status--manual", "status--manual_off",
        "severity--high", "severity--medium", "severity--low", "severity--manual",
    }  # fmt: skip

    class Selected(Message):
        """The selected item changed (None: the queue is empty)."""

        def __init__(self, item: Item | None) -> None:
            super().__init__()
            self.item = item

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.queue = Queue()
        self.names: Mapping[str, str] = {}
        self.all_stems = 0

    def set_queue(self, queue: Queue, names: Mapping[str, str], all_stems: int) -> None:
        """Show new rows, keeping the cursor on the same item when it is still there."""
        keep = self.selected.id if self.selected else None
        reshaped = len(queue.rows) != len(self.queue.rows) or names != self.names
        self.queue, self.names, self.all_stems = queue, names, all_stems
        if reshaped:
            self.invalidate()
        else:
            self.refresh_changed()  # rows are values: only the ones that changed are drawn
        self.select(keep, announce=False)

    @property
    def selected(self) -> Item | None:
        if 0 <= self.cursor < len(self.queue.rows):
            return self.queue.rows[self.cursor].item
        return None

    def select(self, item_id: str | None, announce: bool = True) -> None:
        """Put the cursor on ``item_id`` (the first item when it is not shown)."""
        index = self.queue.index_of(item_id)
        if index is None:
            indices = self.queue.item_indices
            index = indices[0] if indices else 0
        before = self.selected
        self.move_to(index, announce=False)
        if announce or (before is None) != (self.selected is None):
            self.announce()

    def announce(self) -> None:
        """The selected item, straight to the screen (drawn in the same update as the cursor)."""
        self.screen.post_message(self.Selected(self.selected))

    # -- CursorList ----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.queue.rows)

    def selectable(self, index: int) -> bool:
        return self.queue.rows[index].item is not None

    def row_key(self, index: int, width: int) -> Hashable:
        return self.queue.rows[index]

    def _columns(self, width: int) -> tuple[int, int, int, int, int, int]:
        """(status, severity, kind, stems, section, params) widths."""
        wide = width >= 70
        status_w = 15 if wide else 5
        severity_w = 4 if wide else 1
        kind_w = 12 if width >= 48 else 9
        section_w = 8 if wide else 0
        fixed = 1 + status_w + 1 + severity_w + 1 + kind_w + 1 + (section_w + 1 if wide else 0)
        rest = max(6, width - fixed)
        if width >= 100:
            stems_w = max(12, min(26, rest // 2))
            params_w = rest - stems_w - 1
        else:
            stems_w, params_w = rest, 0
        return status_w, severity_w, kind_w, stems_w, section_w, params_w

    def row_segments(self, index: int, width: int) -> list[Segment]:
        row = self.queue.rows[index]
        get = self.component_style
        if row.item is None:
            title = f"▾ {row.header} ({row.count})"
            return [Segment(truncate(title, width), get("queue--header"))]
        item = row.item
        status_w, severity_w, kind_w, stems_w, section_w, params_w = self._columns(width)
        wide = width >= 70
        space = Segment(" ")
        note = Segment("✎" if item.note else " ", get("queue--note"))
        status = status_text(item.status, item.amount, wide, item.unheard)
        severity = (SEVERITY_WORD if wide else SEVERITY_SHORT).get(item.severity, "?")
        segments = [
            note,
            Segment(truncate(status, status_w), get(f"status--{item.status}")),
            space,
            Segment(truncate(severity, severity_w), get(f"severity--{item.severity}")),
            space,
            Segment(truncate(kind_label(item.kind), kind_w)),
            space,
            Segment(truncate(stems_label(item, self.names, self.all_stems), stems_w)),
        ]
        dim = get("queue--dim")
        if section_w:
            segments += [space, Segment(truncate(item.section or "", section_w), dim)]
        if params_w:
            segments += [space, Segment(truncate(item.params_text, params_w), dim)]
        return segments


class FilterInput(Input):
    """The ``/`` filter above the queue: typing filters at once, Enter keeps, Esc clears."""

    BINDINGS: ClassVar = [("escape", "cancel", "clear filter")]

    class Done(Message):
        """The user left the filter (``cleared``: with Esc)."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def action_cancel(self) -> None:
        self.value = ""
        self.post_message(self.Done(cleared=True))

    async def action_submit(self) -> None:
        self.post_message(self.Done(cleared=False))
