"""A list drawn with the Line API: one cached ``Strip`` per row, a cursor, keys from the keymap.

Subclasses say how many rows there are, which can take the cursor, and how a row looks (as a key
that changes whenever the drawing would, plus its segments). A row is drawn again only when its
key changes, and only that line is refreshed.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.keymap import bindings


class CursorList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows, a cursor, and only the changed rows repainted."""

    BINDINGS: ClassVar = bindings("list")
    COMPONENT_CLASSES: ClassVar[set[str]] = {"cursor-list--cursor", "cursor-list--cursor-blur"}

    class CursorMoved(Message):
        """The cursor moved to another row (by key, mouse or program)."""

        def __init__(self, cursor_list: CursorList, index: int) -> None:
            super().__init__()
            self.cursor_list = cursor_list
            self.index = index

        @property
        def control(self) -> CursorList:
            return self.cursor_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cursor = 0
        self._cache: dict[int, tuple[Hashable, Strip]] = {}
        self._drawn: dict[int, Hashable] = {}
        self.repaints = 0  # rows drawn again (for tests and the benchmark)

    # -- what subclasses provide ---------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return 0

    def selectable(self, index: int) -> bool:
        return True

    def row_key(self, index: int, width: int) -> Hashable:
        """Changes whenever the row would be drawn differently."""
        return index

    def row_segments(self, index: int, width: int) -> list[Segment]:
        return []

    # -- drawing -------------------------------------------------------------------------------
    @property
    def content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _full_key(self, index: int, width: int) -> Hashable:
        return (self.row_key(index, width), index == self.cursor, self.has_focus, width)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.content_width
        base = self.rich_style
        if index >= self.row_count:
            return Strip.blank(width, base)
        key = self._full_key(index, width)
        cached = self._cache.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        self.repaints += 1
        segments = self.row_segments(index, width)
        strip = Strip(segments)
        if index == self.cursor and self.selectable(index):
            name = "cursor-list--cursor" if self.has_focus else "cursor-list--cursor-blur"
            cursor = self.get_component_rich_style(name)
            under = Style(bgcolor=cursor.bgcolor, bold=cursor.bold, reverse=cursor.reverse)
            strip = strip.adjust_cell_length(width).apply_style(under)
        strip = strip.apply_style(base).adjust_cell_length(width, base)
        strip = strip.crop(scroll_x, scroll_x + width)
        self._cache[index] = (key, strip)
        self._drawn[index] = key
        return strip

    def refresh_changed(self) -> int:
        """Refresh the visible rows whose drawing changed; returns how many."""
        width = self.content_width
        top = self.scroll_offset.y
        changed = 0
        for index in range(top, min(self.row_count, top + self.size.height)):
            if self._drawn.get(index) != self._full_key(index, width):
                self.refresh_line(index)
                changed += 1
        return changed

    def invalidate(self) -> None:
        """Draw every row again (new data, new theme, new width)."""
        self._cache.clear()
        self._drawn.clear()
        size = Size(self.content_width, self.row_count)
        if self.virtual_size != size:
            self.virtual_size = size  # a layout pass: only when the number of rows changes
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_resize(self, event: events.Resize) -> None:
        self.invalidate()
        self.scroll_to_cursor()

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    # -- cursor --------------------------------------------------------------------------------
    def _selectable_indices(self) -> list[int]:
        return [i for i in range(self.row_count) if self.selectable(i)]

    def move_to(self, index: int, announce: bool = True) -> None:
        """Put the cursor on ``index`` (or the nearest selectable row)."""
        choices = self._selectable_indices()
        if not choices:
            return
        index = min(choices, key=lambda i: (abs(i - index), i))
        old = self.cursor
        self.cursor = index
        if old != index:
            self.refresh_line(old)
            self.refresh_line(index)
        self.scroll_to_cursor()
        if announce and old != index:
            self.post_message(self.CursorMoved(self, index))

    def scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def _step(self, direction: int) -> int | None:
        choices = self._selectable_indices()
        if not choices:
            return None
        if direction > 0:
            later = [i for i in choices if i > self.cursor]
            return later[0] if later else choices[-1]
        earlier = [i for i in choices if i < self.cursor]
        return earlier[-1] if earlier else choices[0]

    def action_cursor(self, direction: int) -> None:
        target = self._step(direction)
        if target is not None:
            self.move_to(target)

    def action_first(self) -> None:
        choices = self._selectable_indices()
        if choices:
            self.move_to(choices[0])

    def action_last(self) -> None:
        choices = self._selectable_indices()
        if choices:
            self.move_to(choices[-1])

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.move_to(max(0, min(self.row_count - 1, self.cursor + direction * height)))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y
        if 0 <= index < self.row_count and self.selectable(index):
            self.move_to(index)
