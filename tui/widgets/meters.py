"""ASCII meters: readings at a time from the measured 10 Hz series, and their cells on screen.

A meter is drawn with eighth blocks (``▏▎▍▌▋▊▉█``), so a 10-cell bar has 80 steps. Cells are
coloured by the zone they stand for (green, amber, red), like a hardware meter; the zone edges are
also ticked in the empty track (``┊``) so the scale reads without colour (NO_COLOR). The widget
compares a row's *drawn* cells with the previous frame and repaints only rows that changed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style

from mixreview.analysis.measure import Measurement

EIGHTHS = " ▏▎▍▌▋▊▉█"
FULL = "█"
TICK = "┊"
TRACK = "·"
HOLD = "▕"
HOP_S = 0.1  # the measured series' grid, unless the measurement's frames are longer
HOLD_WINDOW_S = 2.0  # peak hold: the highest peak of the last 2 s
CORR_WINDOW_S = 1.0
RELEASE_DB_PER_S = 20.0  # how fast the peak bar falls after a peak (digital PPM-like)
RELEASE_S = 1.5  # look back 1.5 s: a 30 dB fall
SILENCE_DB = -200.0


@dataclass(frozen=True)
class Scale:
    """A meter's range and zone edges (dB or LUFS)."""

    lo: float
    hi: float
    amber: float
    red: float
    unit: str

    def fraction(self, value: float) -> float:
        if not math.isfinite(value):
            return 0.0
        return min(1.0, max(0.0, (value - self.lo) / (self.hi - self.lo)))

    def zone(self, value: float) -> str:
        return "red" if value >= self.red else "amber" if value >= self.amber else "green"


# Peak: true peak of the stem, dBTP. Above -6 leaves little headroom for the mix bus, above -1
# is over the usual delivery ceiling.
PEAK_SCALE = Scale(lo=-60.0, hi=3.0, amber=-6.0, red=-1.0, unit="dBTP")
# Short-term loudness (3 s) of one stem, LUFS: a stem above -20 is loud in a mix, above -10 it is
# as loud as a finished master.
LOUDNESS_SCALE = Scale(lo=-60.0, hi=0.0, amber=-20.0, red=-10.0, unit="LUFS")


@dataclass(frozen=True)
class Reading:
    """What a stem's meters show at one moment."""

    peak_db: float = SILENCE_DB
    hold_db: float = SILENCE_DB
    lufs: float = SILENCE_DB
    corr: float | None = None  # None: mono, or silent here
    side_to_mid_db: float | None = None


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else SILENCE_DB


class StemSeries:
    """A stem's series (10 Hz, or coarser in a long session), read at any time: the meters when
    nothing plays."""

    def __init__(self, measurement: Measurement | None) -> None:
        self.mono = measurement is None or measurement.stereo is None
        self.hop_s = measurement.loudness.frame_s if measurement is not None else HOP_S
        if measurement is None:
            self.peak = np.full(1, SILENCE_DB)
            self.lufs = np.full(1, SILENCE_DB)
            self.ll = self.rr = self.lr = None
            return
        peak = np.asarray(measurement.true_peak.peak_series_dbtp, np.float64)
        self.peak = np.where(np.isfinite(peak), peak, SILENCE_DB) if len(peak) else np.zeros(1)
        lufs = np.asarray(measurement.loudness.short_term_lufs, np.float64)
        self.lufs = np.where(np.isfinite(lufs), lufs, SILENCE_DB) if len(lufs) else self.peak * 0
        stereo = measurement.stereo
        if stereo is not None and len(stereo.ll_series):
            self.ll = np.cumsum(np.concatenate([[0.0], stereo.ll_series]))
            self.rr = np.cumsum(np.concatenate([[0.0], stereo.rr_series]))
            self.lr = np.cumsum(np.concatenate([[0.0], stereo.lr_series]))
        else:
            self.ll = self.rr = self.lr = None

    def _index(self, series: np.ndarray, position_s: float) -> int:
        return min(max(0, int(position_s / self.hop_s)), len(series) - 1)

    def _frames(self, span_s: float) -> int:
        """Frames in ``span_s``, at least one."""
        return max(1, int(span_s / self.hop_s + 1e-9))

    def reading(self, position_s: float) -> Reading:
        i = self._index(self.peak, position_s)
        first = max(0, i - self._frames(HOLD_WINDOW_S) + 1)
        hold = float(self.peak[first : i + 1].max())
        # a peak meter's ballistics: instant attack, falling RELEASE_DB_PER_S after a peak
        recent = self.peak[max(0, i - self._frames(RELEASE_S) + 1) : i + 1]
        fall = RELEASE_DB_PER_S * self.hop_s * np.arange(len(recent) - 1, -1, -1)
        peak = float((recent - fall).max())
        j = self._index(self.lufs, position_s)
        corr, width = self._stereo(position_s)
        return Reading(_finite(peak), _finite(hold), _finite(self.lufs[j]), corr, width)

    def _stereo(self, position_s: float) -> tuple[float | None, float | None]:
        if self.ll is None or self.rr is None or self.lr is None:
            return None, None
        end = min(max(1, int(position_s / self.hop_s) + 1), len(self.ll) - 1)
        start = max(0, end - self._frames(CORR_WINDOW_S))
        ll = self.ll[end] - self.ll[start]
        rr = self.rr[end] - self.rr[start]
        lr = self.lr[end] - self.lr[start]
        denom = math.sqrt(max(ll * rr, 0.0))
        if denom <= 1e-20:
            return None, None
        corr = max(-1.0, min(1.0, lr / denom))
        mid = (ll + 2 * lr + rr) / 4
        side = max((ll - 2 * lr + rr) / 4, 0.0)
        width = 10 * math.log10(max(side, 1e-30) / mid) if mid > 1e-30 else 40.0
        return corr, max(-60.0, min(40.0, width))


# -- drawing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeterStyles:
    """Rich styles the meters are drawn with (from the widget's component classes)."""

    green: Style
    amber: Style
    red: Style
    track: Style
    hold: Style
    dim: Style


def eighths(value: float, scale: Scale, width: int) -> int:
    """How many eighth-cells of a ``width``-cell bar a value fills."""
    return round(scale.fraction(value) * width * 8)


def cell(value: float, scale: Scale, width: int) -> int | None:
    """The cell a marker for ``value`` falls in; None below the scale."""
    if not math.isfinite(value) or value <= scale.lo:
        return None
    return min(width - 1, int(scale.fraction(value) * width))


def _zone_of_cell(index: int, scale: Scale, width: int) -> str:
    value = scale.lo + (index + 0.5) / width * (scale.hi - scale.lo)
    return scale.zone(value)


def _tick_cells(scale: Scale, width: int) -> set[int]:
    return {min(width - 1, int(scale.fraction(edge) * width)) for edge in (scale.amber, scale.red)}


@functools.lru_cache(maxsize=4096)
def bar(
    filled: int, hold_cell: int | None, scale: Scale, width: int, styles: MeterStyles
) -> list[Segment]:
    """A bar of ``width`` cells with ``filled`` eighths, zone colours and a peak-hold marker.

    Cached: a meter takes few distinct shapes, and it is drawn 25 times a second per stem.
    (The list is shared: callers must not change it.)"""
    full, part = divmod(max(0, min(filled, width * 8)), 8)
    ticks = _tick_cells(scale, width)
    segments: list[Segment] = []
    for index in range(width):
        zone_style = getattr(styles, _zone_of_cell(index, scale, width))
        if index == hold_cell and index >= full:
            segments.append(Segment(HOLD, styles.hold))
        elif index < full:
            segments.append(Segment(FULL, zone_style))
        elif index == full and part:
            segments.append(Segment(EIGHTHS[part], zone_style))
        elif index in ticks:
            segments.append(Segment(TICK, styles.track))
        else:
            segments.append(Segment(TRACK, styles.track))
    return list(Segment.simplify(segments))


def corr_cell(corr: float, width: int) -> int:
    """Cell of a correlation (-1 .. +1) on a ``width``-cell scale."""
    return min(width - 1, max(0, round((corr + 1.0) / 2.0 * (width - 1))))


def correlation(corr: float | None, width: int, mono: bool, styles: MeterStyles) -> list[Segment]:
    """``-··┊·●+``: a correlation scale from -1 to +1 with the reading as a dot.

    Red below 0 (out of phase: the part thins out in mono), amber below 0.3, green above.
    """
    at = None if corr is None else corr_cell(corr, width)
    zone = None if corr is None else ("red" if corr < 0 else "amber" if corr < 0.3 else "green")
    return _correlation(at, zone, width, mono, styles)


@functools.lru_cache(maxsize=1024)
def _correlation(
    at: int | None, zone: str | None, width: int, mono: bool, styles: MeterStyles
) -> list[Segment]:
    if mono:
        return [Segment("mono".center(width)[:width], styles.dim)]
    if at is None or zone is None:
        return [Segment("-" + TRACK * (width - 2) + "+", styles.track)]
    middle = corr_cell(0.0, width)
    style = getattr(styles, zone)
    segments = []
    for index in range(width):
        if index == at:
            segments.append(Segment("●", style))
        elif index == 0:
            segments.append(Segment("-", styles.track))
        elif index == width - 1:
            segments.append(Segment("+", styles.track))
        elif index == middle:
            segments.append(Segment(TICK, styles.track))
        else:
            segments.append(Segment(TRACK, styles.track))
    return list(Segment.simplify(segments))


def number(value: float, width: int = 5) -> str:
    """A level as text ('-12.3', '  -inf' for silence)."""
    if not math.isfinite(value) or value <= SILENCE_DB + 1:
        return "-inf".rjust(width)
    return f"{value:.1f}".rjust(width)[-width:]
