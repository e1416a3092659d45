"""A list drawn with the Line API: one cached ``Strip`` per row, a cursor, keys from the keymap.

Subclasses say how many rows there are, which can take the cursor, and how a row looks (as a key
that changes whenever the drawing would, plus its segments). A row is drawn again only when its
key changes, and only the part of it that changed is sent to the terminal.

A move of the cursor is announced straight to the screen (not bubbled up through the panels), so
the screen's answer to it, such as the detail of the new row, is drawn in the same update as the
cursor itself.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mixreview.tui.keymap import bindings


def _cells(strip: Strip) -> list[tuple[str, Style | None]] | None:
    """(character, style) per cell; None when a character is not one cell wide."""
    cells: list[tuple[str, Style | None]] = []
    for text, style, control in strip:
        if control or cell_len(text) != len(text):
            return None
        cells.extend((char, style) for char in text)
    return cells


def changed_span(before: Strip, after: Strip) -> tuple[int, int] | None:
    """The [start, end) cells from the first to the last where two drawings of a row differ
    (None: they do not)."""
    old, new = _cells(before), _cells(after)
    if old is None or new is None or len(old) != len(new):
        return (0, max(before.cell_length, after.cell_length))
    differ = [x for x, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    return (differ[0], differ[-1] + 1) if differ else None


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
        self._base: Style | None = None  # the widget's own style, until the styles change
        self._part_styles: dict[str, Style] = {}
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

    @property
    def base_style(self) -> Style:
        """The widget's style under every row (Textual computes it afresh after each refresh,
        which the meters ask for 25 times a second: kept until the styles change)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def component_style(self, name: str) -> Style:
        """A component class's style (partial), kept until the styles change."""
        style = self._part_styles.get(name)
        if style is None:
            style = self._part_styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def _draw_row(self, index: int, width: int, key: Hashable) -> Strip:
        """Draw a row (and keep it under its key)."""
        self.repaints += 1
        style = self.base_style
        if index == self.cursor and self.selectable(index):
            name = "cursor-list--cursor" if self.has_focus else "cursor-list--cursor-blur"
            cursor = self.get_component_rich_style(name)
            style = style + Style(bgcolor=cursor.bgcolor, bold=cursor.bold, reverse=cursor.reverse)
        # one Strip per row (every intermediate Strip would be garbage for the collector), with
        # neighbouring cells of one style in one segment (fewer bytes to the terminal)
        line = Segment.adjust_line_length(self.row_segments(index, width), width)
        strip = Strip(Segment.simplify(Segment.apply_style(line, style)), width)
        self._cache[index] = (key, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.content_width
        if index >= self.row_count:
            return Strip.blank(width, self.base_style)
        key = self._full_key(index, width)
        cached = self._cache.get(index)
        strip = cached[1] if cached is not None and cached[0] == key else None
        if strip is None:
            strip = self._draw_row(index, width, key)
        self._drawn[index] = key
        return strip.crop(scroll_x, scroll_x + width) if scroll_x else strip

    def refresh_changed(self) -> int:
        """Refresh the visible rows whose drawing changed, and in each only the cells that
        changed; returns how many rows."""
        width = self.content_width
        scroll_x, top = self.scroll_offset
        changed = 0
        for index in range(top, min(self.row_count, top + self.size.height)):
            key = self._full_key(index, width)
            drawn = self._drawn.get(index)
            if drawn == key:
                continue
            changed += 1
            before = self._cache.get(index)
            if scroll_x or before is None or before[0] != drawn:
                self.refresh_line(index)  # what the screen shows is not at hand: all of it
                continue
            after = self._draw_row(index, width, key)
            self._drawn[index] = key  # what the screen shows once this refresh is drawn
            span = changed_span(before[1], after)
            if span is not None:
                # Textual sends a line from the widget's left edge up to the end of the region:
                # what follows the last changed cell (the counts, the checks) is not sent
                self.refresh(Region(span[0], index - top, span[1] - span[0], 1))
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
        self._base = None
        self._part_styles.clear()
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
            self.announce()

    def announce(self) -> None:
        """Tell the screen the cursor moved (straight to it: see the module's docstring)."""
        self.screen.post_message(self.CursorMoved(self, self.cursor))

    def scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def next_row(self, direction: int) -> int | None:
        """The selectable row one step in ``direction`` from the cursor (None: no rows)."""
        choices = self._selectable_indices()
        if not choices:
            return None
        if direction > 0:
            later = [i for i in choices if i > self.cursor]
            return later[0] if later else choices[-1]
        earlier = [i for i in choices if i < self.cursor]
        return earlier[-1] if earlier else choices[0]

    def action_cursor(self, direction: int) -> None:
        target = self.next_row(direction)
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
