"""The transport line: position on the song timeline with section markers, loop, A/B, what is
heard.

Two lines::

    ▶ 0:07.5/0:30.0 │Intro│Verse●────│Chorus────│Outro────│
    hearing B (with) · chosen mix without / with this change · match +0.4 dB · loop 0:04.4-...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget

from mixreview.analysis.numbers import counted, signed_db
from mixreview.analysis.sections import Section
from mixreview.analysis.timeline import format_time
from mixreview.tui.widgets import plots


@dataclass(frozen=True)
class TransportState:
    """Everything the transport line shows."""

    position_s: float = 0.0
    duration_s: float = 0.0
    playing: bool = False
    side: str = "A"
    label_a: str = "A"
    label_b: str = "B"
    compare: str = ""  # what A/B compares, e.g. "this suggestion"
    loop_s: tuple[float, float] | None = None
    match_loudness: bool = True
    offset_db: float = 0.0
    matching: bool = False  # the offset for what plays now is still being measured
    estimated: bool = False  # offset_db is the instant estimate while it is measured
    safety_db: float = 0.0  # the monitor's safety gain drop (never in exports)
    listeners: int = 0  # ``mixreview listen`` clients connected
    available: bool = False
    reason: str = ""
    solo: tuple[str, ...] = ()
    muted: tuple[str, ...] = ()


class Transport(Widget):
    """Draws a ``TransportState``; ``update_state`` repaints only when the text changes."""

    DEFAULT_CSS = "Transport { height: 2; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = TransportState()
        self.sections: Sequence[Section] = ()

    def update_state(self, **changes: object) -> bool:
        state = replace(self.state, **changes)  # type: ignore[arg-type]
        if state == self.state:
            return False
        moved_only = state == replace(self.state, position_s=state.position_s)
        if moved_only and round(state.position_s, 1) == round(self.state.position_s, 1):
            self.state = state
            return False
        self.state = state
        if moved_only:
            self.refresh(Region(0, 0, self.size.width, 1))  # the clock and the playhead
        else:
            self.refresh()
        return True

    def hearing(self) -> str:
        s = self.state
        label = s.label_b if s.side == "B" else s.label_a
        return f"hearing {s.side} ({label})"

    def match_text(self) -> str:
        s = self.state
        if not s.match_loudness:
            return "match off"
        if math.isnan(s.offset_db):  # blind trials: the offset would hint at the sides
            return "matched"
        if s.matching and s.estimated:
            return f"match ≈{signed_db(s.offset_db)}"
        if s.matching:
            return "matching…"
        return f"match {signed_db(s.offset_db)}"

    def render(self) -> Content:
        s = self.state
        width = max(20, self.size.width)
        icon = "▶" if s.playing else "‖"
        clock = f"{icon} {format_time(s.position_s)}/{format_time(s.duration_s)} "
        line = plots.timeline(self.sections, s.duration_s, width - len(clock), s.position_s)
        if s.loop_s is not None:
            start = plots._x(s.loop_s[0], s.duration_s, width - len(clock))
            end = plots._x(max(s.loop_s[0], s.loop_s[1] - 1e-6), s.duration_s, width - len(clock))
            line = line.stylize("reverse", start, end + 1)
        first = Content.assemble((clock, "bold"), line)
        # What is heard and how it is matched come first: they must stay visible at 80 columns;
        # the long comparison words give way.
        parts: list[tuple[str, str]] = [(self.hearing(), "bold"), (self.match_text(), "")]
        if s.listeners:
            parts.append((counted(s.listeners, "listener"), "$accent"))
        if s.safety_db < -0.05:
            parts.append((f"safety {signed_db(s.safety_db)}", "$warning"))
        if s.loop_s is not None:
            parts.append((f"loop {format_time(s.loop_s[0])}-{format_time(s.loop_s[1])}", ""))
        if s.solo:
            parts.append((f"solo {', '.join(s.solo)}", "$warning"))
        if s.muted:
            parts.append((f"muted {', '.join(s.muted)}", "$foreground 70%"))
        if not s.available:
            parts.append((f"no audio: {s.reason}", "$warning"))
        if s.compare:
            parts.append((s.compare, "$foreground 70%"))
        second = Content("")
        for text, style in parts:
            piece = Content.assemble((" · " if second.plain else "", "$foreground 50%"),
                                     (text, style))  # fmt: skip
            if second.cell_length + piece.cell_length > width:
                room = width - second.cell_length
                if room > 8:
                    second = second + piece.truncate(room, ellipsis=True)
                break
            second = second + piece
        return Content("\n").join([first, second])
