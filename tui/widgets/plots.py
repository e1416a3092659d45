"""Small text plots for the detail panel and the transport line.

Every plot is a list of ``Content`` lines that fit a given width. Shapes carry the meaning (bar
lengths, ``▲`` markers, brackets under a span), colour only helps, so the plots read in 256 colours
and with NO_COLOR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from textual.content import Content

from mixreview.analysis.numbers import hz, percent, signed
from mixreview.analysis.sections import Section
from mixreview.analysis.timeline import format_time

COLUMNS = " ▁▂▃▄▅▆▇█"
CURVE_LABEL_W = 10
BAR = "█"
EMPTY = "░"


# -- song timeline ----------------------------------------------------------------------------


def _x(t_s: float, duration_s: float, width: int) -> int:
    if duration_s <= 0:
        return 0
    return min(width - 1, max(0, int(t_s / duration_s * width)))


def timeline(
    sections: Sequence[Section],
    duration_s: float,
    width: int,
    playhead_s: float | None = None,
    style: str = "$foreground 70%",
) -> Content:
    """``│Intro│Verse     │Chorus    │Outro    │`` with a ``●`` at the playhead."""
    width = max(4, width)
    cells = ["─"] * width
    names = [" "] * width
    spans = sections or [Section("Song", 0.0, duration_s, "detected")]
    for section in spans:
        start = _x(section.start_s, duration_s, width)
        end = _x(section.end_s, duration_s, width) if section.end_s < duration_s else width
        cells[start] = "│"
        room = end - start - 1
        if room >= 2:
            label = section.name[:room]
            for offset, char in enumerate(label):
                names[start + 1 + offset] = char
    cells[-1] = "│"
    line = [n if n != " " else c for n, c in zip(names, cells, strict=True)]
    content = Content("".join(line)).stylize(style)
    if playhead_s is not None:  # over a section's name too: the playhead never hides
        at = _x(playhead_s, duration_s, width)
        content = Content.assemble(content[:at], ("●", "bold $accent"), content[at + 1 :])
    return content


def span_marks(
    span_s: tuple[float, float] | None,
    duration_s: float,
    width: int,
    label: str = "",
    style: str = "bold $accent",
) -> Content:
    """``      └──────────┘ Verse 0:04.4-0:13.1`` under a timeline."""
    width = max(4, width)
    if span_s is None:
        return Content(" " * width)
    start = _x(span_s[0], duration_s, width)
    end = max(start, min(width - 1, _x(max(span_s[0], span_s[1] - 1e-6), duration_s, width)))
    chars = [" "] * width
    if end == start:
        chars[start] = "▲"
    else:
        chars[start], chars[end] = "└", "┘"
        for i in range(start + 1, end):
            chars[i] = "─"
    text = f"{label} {format_time(span_s[0])}-{format_time(span_s[1])}".strip()
    after = width - end - 2
    before = start - 1
    if len(text) <= after:
        chars[end + 2 : end + 2 + len(text)] = list(text)
    elif len(text) <= before:
        chars[start - 1 - len(text) : start - 1] = list(text)
    return Content("".join(chars)).stylize(style, 0, end + 1).stylize("$foreground 70%", end + 1)


# -- column charts ----------------------------------------------------------------------------


def _resample_max(values: np.ndarray, columns: int) -> np.ndarray:
    """Reduce a series to ``columns`` values, each the maximum of its stretch."""
    values = np.asarray(values, np.float64)
    if len(values) == 0:
        return np.full(columns, -np.inf)
    edges = np.linspace(0, len(values), columns + 1)
    out = np.empty(columns)
    for i in range(columns):
        a, b = int(edges[i]), max(int(edges[i]) + 1, int(edges[i + 1]))
        out[i] = values[a:b].max()
    return out


def columns(values: np.ndarray, floor: float, top: float, height: int, style: str) -> list[Content]:
    """A column chart, ``height`` rows of eighth blocks; values below ``floor`` are empty."""
    span = max(top - floor, 1e-9)
    levels = np.clip((np.nan_to_num(values, nan=floor, neginf=floor) - floor) / span, 0, 1)
    steps = np.round(levels * height * 8).astype(int)
    lines = []
    for row in range(height - 1, -1, -1):
        chars = []
        for step in steps:
            part = min(8, max(0, step - row * 8))
            chars.append(COLUMNS[part])
        lines.append(Content("".join(chars)).stylize(style))
    return lines


def _labelled(label: str, label_w: int, body: Content) -> Content:
    return Content.assemble((label[: label_w - 1].ljust(label_w), "$foreground 70%"), body)


def spectra(
    curves: Sequence[tuple[str, np.ndarray, str]],
    centers_hz: np.ndarray,
    width: int,
    mark_hz: float | None = None,
    height: int = 3,
    range_db: float = 48.0,
) -> list[Content]:
    """Band spectra of a few stems on one dB scale, one chart each, with a ``▲`` at a frequency.

    ``curves`` are (label, spectrum dB per band, style).
    """
    label_w = min(11, max(4, max((len(c[0]) for c in curves), default=4) + 1))
    bands = len(centers_hz)
    per_band = max(1, min(3, (width - label_w) // bands))  # wider panels: wider columns
    cols = max(4, min(bands * per_band, width - label_w))
    finite = [np.nanmax(np.where(np.isfinite(c[1]), c[1], np.nan)) for c in curves]
    finite = [v for v in finite if np.isfinite(v)]
    top = max(finite) if finite else 0.0
    floor = top - range_db
    lines: list[Content] = []
    for label, spectrum, style in curves:
        reduced = _resample_max(spectrum, cols)
        chart = columns(reduced, floor, top, height, style)
        for row, line in enumerate(chart):
            lines.append(_labelled(label if row == height - 1 else "", label_w, line))
    axis = [" "] * cols
    positions: dict[int, str] = {}
    log_lo, log_hi = math.log10(centers_hz[0]), math.log10(centers_hz[-1])

    def col_of(freq: float) -> int:
        frac = (math.log10(freq) - log_lo) / max(log_hi - log_lo, 1e-9)
        return min(cols - 1, max(0, round(frac * (cols - 1))))

    for freq, text in ((50, "50"), (200, "200"), (1000, "1k"), (4000, "4k"), (16000, "16k")):
        at = col_of(freq)
        if all(abs(at - p) > len(text) for p in positions) and at + len(text) <= cols:
            positions[at] = text
            axis[at : at + len(text)] = list(text)
    lines.append(_labelled("Hz", label_w, Content("".join(axis)).stylize("$foreground 70%")))
    if mark_hz is not None:
        at = col_of(mark_hz)
        text = f"▲ {hz(mark_hz)}"
        pad = at if at + len(text) <= cols else max(0, at - len(text) + 1)
        marker = " " * pad + (text if pad == at else text[2:] + " ▲")
        lines.append(_labelled("", label_w, Content(marker[:cols]).stylize("bold $accent")))
    return lines


def curve(
    series: Sequence[tuple[str, np.ndarray, str]],
    duration_s: float,
    width: int,
    height: int = 3,
    range_db: float = 30.0,
) -> list[Content]:
    """Loudness over the song (e.g. before and predicted), one chart each on one scale.

    The chart starts after a CURVE_LABEL_W label column, so marks can be drawn under it."""
    label_w = CURVE_LABEL_W
    cols = max(8, width - label_w)
    reduced = [(label, _resample_max(values, cols), style) for label, values, style in series]
    tops = [np.nanmax(r[1][np.isfinite(r[1])]) for r in reduced if np.isfinite(r[1]).any()]
    top = max(tops) if tops else 0.0
    floor = top - range_db
    lines: list[Content] = []
    for label, values, style in reduced:
        for row, line in enumerate(columns(values, floor, top, height, style)):
            lines.append(_labelled(label if row == height - 1 else "", label_w, line))
    scale = f"{top:.0f} LUFS top, {range_db:.0f} dB tall"
    lines.append(_labelled("", label_w, Content(scale[:cols]).stylize("$foreground 60%")))
    return lines


# -- before / predicted -----------------------------------------------------------------------


def parse_goal(goal: str) -> tuple[float | None, float | None]:
    """A target's goal as a window (low, high); None where open."""
    if goal.startswith("within:"):
        low, _, high = goal[7:].partition("..")
        try:
            return float(low), float(high)
        except ValueError:
            return None, None
    if goal.startswith("closer:"):
        try:
            value = float(goal[7:])
        except ValueError:
            return None, None
        return value, value
    return None, None


def number(value: float, unit: str) -> str:
    """'-12.8 LU', '75%' (a share), '+4.8 dBTP'."""
    if unit in ("share", "fraction", "ratio"):
        return percent(value)
    return signed(value, unit)


def before_after(
    before: float,
    predicted: float,
    goal: str,
    unit: str,
    width: int,
    after_label: str = "predicted",
) -> list[Content]:
    """Two bars on one scale, the goal window bracketed below: the case for the change."""
    low, high = parse_goal(goal)
    values = [v for v in (before, predicted, low, high) if v is not None and math.isfinite(v)]
    if not values:
        return []
    lo, hi = min(values), max(values)
    margin = max(1.0, (hi - lo) * 0.15)
    lo, hi = lo - margin, hi + margin
    label_w = 10
    number_w = 12
    cols = max(6, width - label_w - number_w)

    def at(value: float) -> int:
        return min(cols, max(0, round((value - lo) / (hi - lo) * cols)))

    def bar(label: str, value: float, style: str) -> Content:
        filled = at(value)
        body = Content.assemble((BAR * filled, style), (EMPTY * (cols - filled), "$foreground 30%"))
        return Content.assemble(
            (label.ljust(label_w), "$foreground 70%"),
            body,
            (f" {number(value, unit)}".rjust(number_w), "bold"),
        )

    lines = [bar("before", before, "$warning"), bar(after_label, predicted, "$success")]
    if low is not None and high is not None:
        a, b = at(low), at(high)
        chars = [" "] * (cols + 1)
        if a == b:
            chars[a] = "▲"
            text = f"goal {number(low, unit)}"
        else:
            chars[a], chars[b] = "└", "┘"
            for i in range(a + 1, b):
                chars[i] = "─"
            text = (
                f"goal {low * 100:.0f}-{high * 100:.0f}%"
                if unit in ("share", "fraction", "ratio")
                else f"goal {low:+.0f}..{high:+.0f}"
            )
        lines.append(
            Content.assemble(
                ("".ljust(label_w), ""),
                ("".join(chars[:cols]), "$accent"),
                (f" {text}".rjust(number_w)[-number_w:], "$foreground 70%"),
            )
        )
    elif goal in ("lower", "higher"):
        lines.append(
            Content.assemble(
                ("".ljust(label_w), ""), (f"goal: {goal} is better", "$foreground 70%")
            )
        )
    return lines
