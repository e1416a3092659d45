"""Say where in the song something happens: times as m:ss, bars when the tempo is known."""

from __future__ import annotations

from collections.abc import Sequence


def format_time(seconds: float) -> str:
    """0:07.5 style: minutes and seconds with one decimal."""
    seconds = max(0.0, seconds)
    minutes = int(seconds // 60)
    return f"{minutes}:{seconds - 60 * minutes:04.1f}"


def bar_at(seconds: float, tempo_bpm: float, beats_per_bar: int = 4) -> int:
    """1-based bar number at a time, for a constant tempo starting on bar 1 at 0 s."""
    bar_s = 60.0 / tempo_bpm * beats_per_bar
    return int(seconds // bar_s) + 1


def merge_ranges(
    times_s: Sequence[float], gap_s: float = 1.0, hop_s: float = 0.1
) -> list[tuple[float, float]]:
    """Merge sorted event times (e.g. flagged 100 ms segments) into ranges."""
    ranges: list[tuple[float, float]] = []
    for t in sorted(times_s):
        if ranges and t - ranges[-1][1] <= gap_s:
            ranges[-1] = (ranges[-1][0], t + hop_s)
        else:
            ranges.append((t, t + hop_s))
    return ranges


def describe_ranges(
    ranges: Sequence[tuple[float, float]],
    tempo_bpm: float | None = None,
    beats_per_bar: int = 4,
    most: int = 3,
) -> str:
    """'bars 9-12, 17' with a tempo, else '0:12.0-0:15.5, 0:21.0'; '(+N more)' past ``most``."""
    if tempo_bpm:
        bars: list[list[int]] = []
        for start_s, end_s in ranges:
            first = bar_at(start_s, tempo_bpm, beats_per_bar)
            last = bar_at(max(start_s, end_s - 1e-3), tempo_bpm, beats_per_bar)
            if bars and first <= bars[-1][1] + 1:
                bars[-1][1] = max(bars[-1][1], last)
            else:
                bars.append([first, last])
        parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in bars[:most]]
        text = ("bars " if len(parts) > 1 or "-" in parts[0] else "bar ") + ", ".join(parts)
        extra = len(bars) - most
    else:
        parts = [f"{format_time(a)}-{format_time(b)}" for a, b in ranges[:most]]
        text = ", ".join(parts)
        extra = len(ranges) - most
    if extra > 0:
        text += f" (+{extra} more)"
    return text
