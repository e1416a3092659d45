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
    parts: list[str] = []
    for start_s, end_s in ranges[:most]:
        if tempo_bpm:
            first = bar_at(start_s, tempo_bpm, beats_per_bar)
            last = bar_at(max(start_s, end_s - 1e-3), tempo_bpm, beats_per_bar)
            parts.append(f"{first}" if first == last else f"{first}-{last}")
        else:
            parts.append(f"{format_time(start_s)}-{format_time(end_s)}")
    text = ", ".join(parts)
    if tempo_bpm:
        many = len(parts) > 1 or "-" in text
        text = ("bars " if many else "bar ") + text
    if len(ranges) > most:
        text += f" (+{len(ranges) - most} more)"
    return text
