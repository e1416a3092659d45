"""The stems panel: one row per stem with its meters, mute/solo, open suggestions and checks.

Columns shrink with the panel: at 80 columns a row is ``MS name peak-bar loudness-bar L/R n E1``;
wider panels add the role, the numbers next to the bars and a wider correlation scale.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.widgets import Static

from mixreview.tui.widgets.cursor_list import CursorList
from mixreview.tui.widgets.labels import ROLE_SHORT, truncate
from mixreview.tui.widgets.meters import (
    LOUDNESS_SCALE,
    PEAK_SCALE,
    MeterStyles,
    Reading,
    bar,
    cell,
    corr_cell,
    correlation,
    eighths,
    number,
)

BADGE_LETTER = {"error": "E", "warning": "W", "info": "i"}


@dataclass(frozen=True)
class StemRow:
    """What the panel knows about a stem besides its meters."""

    file: str
    name: str
    role: str
    mono: bool
    measured: bool = True
    check_severities: tuple[str, ...] = ()
    open_count: int = 0
    muted: bool = False
    soloed: bool = False

    @property
    def badge(self) -> tuple[str, str]:
        """('E2', 'error'): the worst severity's letter and the number of checks."""
        for severity in ("error", "warning", "info"):
            if severity in self.check_severities:
                return f"{BADGE_LETTER[severity]}{len(self.check_severities)}", severity
        return "", ""


@dataclass(frozen=True)
class StemLayout:
    """Column widths for a panel width."""

    width: int
    name_w: int
    role_w: int
    peak_w: int
    lufs_w: int
    corr_w: int
    numbers: bool

    @classmethod
    def for_width(cls, width: int) -> StemLayout:
        numbers = width >= 84
        role_w = 5 if width >= 60 else 0
        corr_w = 9 if width >= 70 else 5
        name_w = max(6, min(18, int(width * 0.22)))
        number_w = 6 if numbers else 0
        fixed = 2 + 1 + name_w + (role_w + 1 if role_w else 0) + 2 * (number_w + 1)
        fixed += 1 + corr_w + 1 + 2 + 1 + 2
        meters = width - fixed
        if meters < 8:
            name_w = max(4, name_w - (8 - meters))
            meters = 8
        peak_w = meters // 2
        return cls(width, name_w, role_w, peak_w, meters - peak_w, corr_w, numbers)

    def header(self) -> str:
        parts = ["  ", " ", "stem".ljust(self.name_w)]
        if self.role_w:
            parts += [" ", "role".ljust(self.role_w)]
        peak_label = "peak dBTP" if self.numbers else "peak"
        lufs_label = "loudness LUFS" if self.numbers else "LUFS"
        number_w = 6 if self.numbers else 0
        parts += [" ", truncate(peak_label, self.peak_w + number_w)]
        parts += [" ", truncate(lufs_label, self.lufs_w + number_w)]
        parts += [" ", truncate("L/R", self.corr_w), " ", "n ", " ", "ck"]
        return "".join(parts)


@dataclass
class _Styles:
    meters: MeterStyles
    name: Style
    dim: Style
    muted: Style
    solo: Style
    count: Style
    badges: dict[str, Style] = field(default_factory=dict)


class StemsHeader(Static):
    """Column titles above the stems list (kept in step with its layout)."""


class StemsPanel(CursorList):
    """Stems with ASCII meters; ``set_readings`` repaints only rows whose cells changed."""

    COMPONENT_CLASSES = CursorList.COMPONENT_CLASSES | {
        "meter--green", "meter--amber", "meter--red", "meter--track", "meter--hold",
        "stems--name", "stems--dim", "stems--muted", "stems--solo", "stems--count",
        "stems--badge-error", "stems--badge-warning", "stems--badge-info",
    }  # fmt: skip

    def __init__(self, header: StemsHeader | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header = header
        self.rows: list[StemRow] = []
        self.readings: dict[str, Reading] = {}
        self._layout: StemLayout | None = None
        self._styles: _Styles | None = None

    # -- data ----------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[StemRow]) -> None:
        """New stem facts (counts, badges, mute/solo): redraw the rows that changed."""
        same_shape = [r.file for r in rows] == [r.file for r in self.rows]
        self.rows = list(rows)
        if same_shape:
            self.refresh_changed()
        else:
            self.cursor = min(self.cursor, max(0, len(self.rows) - 1))
            self.invalidate()

    def set_readings(self, readings: Mapping[str, Reading]) -> int:
        """New meter readings; returns the number of rows repainted."""
        self.readings = dict(readings)
        return self.refresh_changed()

    @property
    def selected(self) -> StemRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def select_file(self, file: str, announce: bool = False) -> None:
        for index, row in enumerate(self.rows):
            if row.file == file:
                self.move_to(index, announce=announce)
                return

    # -- CursorList ----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def stem_layout(self, width: int) -> StemLayout:
        if self._layout is None or self._layout.width != width:
            self._layout = StemLayout.for_width(width)
            if self.header is not None:
                self.header.update(self._layout.header())
        return self._layout

    def on_resize(self, event: events.Resize) -> None:
        self.stem_layout(self.content_width)
        super().on_resize(event)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def styles_for_drawing(self) -> _Styles:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = _Styles(
                meters=MeterStyles(
                    green=get("meter--green", partial=True),
                    amber=get("meter--amber", partial=True),
                    red=get("meter--red", partial=True),
                    track=get("meter--track", partial=True),
                    hold=get("meter--hold", partial=True),
                    dim=get("stems--dim", partial=True),
                ),
                name=get("stems--name", partial=True),
                dim=get("stems--dim", partial=True),
                muted=get("stems--muted", partial=True),
                solo=get("stems--solo", partial=True),
                count=get("stems--count", partial=True),
                badges={
                    s: get(f"stems--badge-{s}", partial=True) for s in ("error", "warning", "info")
                },
            )
        return self._styles

    def row_key(self, index: int, width: int) -> Hashable:
        row = self.rows[index]
        lay = self.stem_layout(width)
        r = self.readings.get(row.file, Reading())
        numbers = (number(r.peak_db), number(r.lufs)) if lay.numbers else ()
        corr = None if r.corr is None else corr_cell(r.corr, lay.corr_w)
        corr_zone = None if r.corr is None else (r.corr < 0, r.corr < 0.3)
        return (
            row,
            eighths(r.peak_db, PEAK_SCALE, lay.peak_w),
            cell(r.hold_db, PEAK_SCALE, lay.peak_w),
            eighths(r.lufs, LOUDNESS_SCALE, lay.lufs_w),
            corr,
            corr_zone,
            numbers,
        )

    def row_segments(self, index: int, width: int) -> list[Segment]:
        row = self.rows[index]
        lay = self.stem_layout(width)
        st = self.styles_for_drawing()
        r = self.readings.get(row.file, Reading())
        space = Segment(" ")
        segments = [
            Segment("M" if row.muted else "·", st.muted if row.muted else st.dim),
            Segment("S" if row.soloed else "·", st.solo if row.soloed else st.dim),
            space,
            Segment(truncate(row.name, lay.name_w), st.muted if row.muted else st.name),
        ]
        if lay.role_w:
            role = ROLE_SHORT.get(row.role, row.role)
            segments += [space, Segment(truncate(role, lay.role_w), st.dim)]
        segments.append(space)
        if not row.measured:
            rest = lay.peak_w + lay.lufs_w + 1 + (12 if lay.numbers else 0)
            segments.append(Segment(truncate("not measured", rest), st.dim))
        else:
            hold = cell(r.hold_db, PEAK_SCALE, lay.peak_w)
            segments.extend(bar(eighths(r.peak_db, PEAK_SCALE, lay.peak_w), hold, PEAK_SCALE,
                                lay.peak_w, st.meters))  # fmt: skip
            if lay.numbers:
                segments.append(Segment(" " + number(r.peak_db), st.dim))
            segments.append(space)
            segments += bar(eighths(r.lufs, LOUDNESS_SCALE, lay.lufs_w), None, LOUDNESS_SCALE,
                            lay.lufs_w, st.meters)  # fmt: skip
            if lay.numbers:
                segments.append(Segment(" " + number(r.lufs), st.dim))
        segments.append(space)
        segments += correlation(r.corr, lay.corr_w, row.mono, st.meters)
        segments.append(space)
        count = str(row.open_count) if row.open_count else "·"
        segments.append(Segment(count.rjust(2)[-2:], st.count if row.open_count else st.dim))
        segments.append(space)
        badge, severity = row.badge
        segments.append(Segment(badge.ljust(2)[:2], st.badges.get(severity, st.dim)))
        return segments
