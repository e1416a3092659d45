"""Loudness matching for A/B: the gain that makes B read as loud as A over the passage heard,
measured offline with the real processors, so neither side wins a comparison by being louder.

``measure_versions`` renders both sides in full (the reference); ``LoudnessMatcher`` gets the same
numbers from kept K-weighted mixes of the passage, rendering only the stems that differ from one
(``playback_match_cache``), so moving between suggestions in a section is matched at once."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback_match_cache import (
    CACHE_LIMIT_MB,
    FAST_MAX_S,
    PassageSums,
    Work,
)
from mixreview.analysis.playback_render import render_versions, versions_key
from mixreview.analysis.sections import manifest_sections
from mixreview.analysis.session import Session, Stem

MATCH_LIMIT_DB = 20.0
"""A loudness-match offset is never larger than this (a side that is nearly silent)."""
PASSAGE_WINDOW_S = 15.0
"""Without a loop or a section, loudness is matched over this window of the grid around the
playhead (0-15 s, 15-30 s, ...)."""
MAX_PASSAGE_S = 30.0
"""Sections longer than this are matched in windows of PASSAGE_WINDOW_S inside them."""


@dataclass(frozen=True)
class Match:
    """Loudness of the two sides over a passage and the gain that brings B to A."""

    offset_db: float
    loudness_a_lufs: float
    loudness_b_lufs: float
    span_s: tuple[float, float]


def match_offset_db(loudness_a: float, loudness_b: float) -> float:
    """Gain for B so that it reads as loud as A (0 when either cannot be measured)."""
    if not (math.isfinite(loudness_a) and math.isfinite(loudness_b)):
        return 0.0
    return float(np.clip(loudness_a - loudness_b, -MATCH_LIMIT_DB, MATCH_LIMIT_DB))


def measure_versions(
    session: Session,
    a: Sequence[Change],
    b: Sequence[Change],
    span_s: tuple[float, float],
    audible: set[str] | None = None,
    pause_s: float = 0.0,
    reference: Stem | None = None,
) -> Match:
    """Integrated loudness (BS.1770, gated) of both versions over ``span_s``, with the real
    processors, in one offline pass (``pause_s``, ``reference``: see ``render_versions``)."""
    start, end = passage_frames(session, span_s)
    rate = session.sample_rate
    meters = (LoudnessMeter(rate, 2), LoudnessMeter(rate, 2))
    for block_a, block_b in render_versions(
        session, [a, b], start, max(0, end - start), audible=audible, pause_s=pause_s,
        reference=reference,
    ):  # fmt: skip
        meters[0].update(block_a)
        meters[1].update(block_b)
    la = meters[0].result().integrated_lufs
    lb = meters[1].result().integrated_lufs
    return Match(match_offset_db(la, lb), la, lb, (start / rate, end / rate))


def passage_frames(session: Session, span_s: tuple[float, float]) -> tuple[int, int]:
    """The first and end frames of ``span_s`` inside the session."""
    rate = session.sample_rate
    return max(0, round(span_s[0] * rate)), min(session.frames, round(span_s[1] * rate))


class LoudnessMatcher:
    """Loudness matches cached per (versions, passage, audible stems); safe to call from threads.

    A new match starts from the kept K-weighted mixes of the passage (at most ``cache_mb``, see
    ``PassageSums``) and renders only the stems whose chain differs; passages longer than
    FAST_MAX_S are rendered in full by ``measure_versions``. ``last_work``: what the last match
    rendered from kept mixes (nothing: it was cached, or measured by the full render).
    """

    def __init__(
        self,
        session: Session,
        max_entries: int = 256,
        pause_s: float = 0.0,
        cache_mb: float = CACHE_LIMIT_MB,
    ) -> None:
        self.session = session
        self.max_entries = max_entries
        self.pause_s = pause_s
        self.sums = PassageSums(session, cache_mb)
        self.last_work: Work | None = None
        self._cache: dict[tuple[Any, ...], Match] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(
        a: Sequence[Change],
        b: Sequence[Change],
        span_s: tuple[float, float],
        audible: set[str] | None,
        reference: Stem | None = None,
    ) -> tuple[Any, ...]:
        spans = (round(span_s[0], 3), round(span_s[1], 3))
        heard = tuple(sorted(audible)) if audible is not None else None
        if reference is not None:
            return (versions_key(a), f"reference:{reference.path}", spans, heard)
        return (versions_key(a), versions_key(b), spans, heard)

    def cached(self, key: tuple[Any, ...]) -> Match | None:
        with self._lock:
            return self._cache.get(key)

    def match(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        span_s: tuple[float, float],
        audible: set[str] | None = None,
        reference: Stem | None = None,
    ) -> Match:
        key = self.key(a, b, span_s, audible, reference)
        found = self.cached(key)
        if found is not None:
            self.last_work = Work()
            return found
        start, end = passage_frames(self.session, span_s)
        frames = max(0, end - start)
        if frames > FAST_MAX_S * self.session.sample_rate:
            result = measure_versions(self.session, a, b, span_s, audible, self.pause_s, reference)
            work = Work()
        else:
            (la, lb), work = self.sums.measure(
                [a, b], start, frames, audible, reference, self.pause_s
            )
            rate = self.session.sample_rate
            result = Match(match_offset_db(la, lb), la, lb, (start / rate, end / rate))
        with self._lock:
            self.last_work = work
            if len(self._cache) >= self.max_entries:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = result
        return result


def section_spans(session: Session) -> list[tuple[float, float]]:
    """The sections written in the manifest as (start_s, end_s) spans (none: an empty list)."""
    return [(s.start_s, s.end_s) for s in manifest_sections(session) if s.end_s > s.start_s]


def passage_for(
    position_s: float,
    duration_s: float,
    loop_s: tuple[float, float] | None = None,
    sections: Sequence[tuple[float, float]] = (),
) -> tuple[float, float]:
    """The audible passage loudness is matched on: the loop; else the section at the playhead
    (cut into PASSAGE_WINDOW_S windows when longer than MAX_PASSAGE_S); else the grid window of
    PASSAGE_WINDOW_S around the playhead."""
    if loop_s is not None:
        return (float(loop_s[0]), float(loop_s[1]))
    position_s = min(max(0.0, position_s), max(duration_s - 1e-6, 0.0))
    for start, end in sections:
        if start <= position_s < end:
            if end - start <= MAX_PASSAGE_S:
                return (float(start), float(end))
            k = math.floor((position_s - start) / PASSAGE_WINDOW_S)
            first = start + k * PASSAGE_WINDOW_S
            return (first, min(end, first + PASSAGE_WINDOW_S))
    k = math.floor(position_s / PASSAGE_WINDOW_S)
    first = k * PASSAGE_WINDOW_S
    return (first, min(duration_s, first + PASSAGE_WINDOW_S)) if duration_s else (0.0, 0.0)
