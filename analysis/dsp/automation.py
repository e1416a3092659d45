"""Gain automation over the session timeline: sections turned up or down with short ramps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import ConvertingParam, Param, Processor, as_real, real
from .gain import MAX_GAIN_DB, MIN_GAIN_DB


@dataclass(frozen=True)
class Segment:
    """A gain change from ``start_s`` to ``end_s`` (seconds on the session timeline)."""

    start_s: float
    end_s: float
    gain_db: float

    def __post_init__(self) -> None:
        start_s = as_real("start_s", self.start_s)
        end_s = as_real("end_s", self.end_s)
        gain_db = as_real("gain_db", self.gain_db)
        if start_s < 0:
            raise ValueError(f"start_s must be >= 0 s, got {self.start_s!r}")
        if end_s <= start_s:
            raise ValueError(f"end_s must be after start_s, got {self.start_s!r}..{self.end_s!r}")
        if not MIN_GAIN_DB <= gain_db <= MAX_GAIN_DB:
            raise ValueError(
                f"gain_db must be between {MIN_GAIN_DB:g} and {MAX_GAIN_DB:g} dB, "
                f"got {self.gain_db!r}"
            )
        object.__setattr__(self, "start_s", start_s)
        object.__setattr__(self, "end_s", end_s)
        object.__setattr__(self, "gain_db", gain_db)

    @classmethod
    def from_value(cls, value: Segment | Mapping[str, Any] | Sequence[float]) -> Segment:
        """A segment from a Segment, a ``{start_s, end_s, gain_db}`` dict or a 3-tuple."""
        if isinstance(value, Segment):
            return value
        if isinstance(value, Mapping):
            for key in ("start_s", "end_s", "gain_db"):
                if key not in value:
                    raise ValueError(f"missing parameter {key!r}")
            return cls(value["start_s"], value["end_s"], value["gain_db"])
        if isinstance(value, str) or len(value) != 3:
            raise ValueError(f"a segment is (start_s, end_s, gain_db), got {value!r}")
        return cls(*value)


def _check_segments(_proc: Processor, label: str, value: Any) -> tuple[Segment, ...]:
    if isinstance(value, Mapping | str | Segment):
        raise ValueError(f"{label} must be a list of segments, got {value!r}")
    try:
        items = list(value)
    except TypeError:
        raise ValueError(f"{label} must be a list of segments, got {value!r}") from None
    segments = []
    for index, item in enumerate(items):
        try:
            segments.append(Segment.from_value(item))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{label}[{index}]: {exc}") from None
    return tuple(segments)


def gain_curve_db(segments: Sequence[Segment], times_s: np.ndarray, ramp_s: float) -> np.ndarray:
    """The automation curve in dB at ``times_s`` (float64 seconds).

    The target is piecewise constant: the sum of the gains of the segments containing ``t``
    (``start_s <= t < end_s``; overlapping segments add). Ramps are a moving average of that
    target over the next ``ramp_s`` seconds, so every change is a straight line in dB that
    *ends* at the boundary: the section is at its full gain from its first sample (a downbeat
    there is not softened) and back at 0 dB on the first sample after ``end_s``. Ramps of
    boundaries closer than ``ramp_s`` merge smoothly.
    """
    times = np.asarray(times_s, dtype=np.float64)
    if not segments:
        return np.zeros_like(times)
    if ramp_s <= 0:
        curve = np.zeros_like(times)
        for seg in segments:
            curve += np.where((times >= seg.start_s) & (times < seg.end_s), seg.gain_db, 0.0)
        return curve
    # H(t) = integral of the target up to t, piecewise linear with knots at the boundaries.
    knots = np.unique([t for seg in segments for t in (seg.start_s, seg.end_s)])
    rates = np.zeros(knots.size)  # target value on [knots[i], knots[i + 1])
    for seg in segments:
        rates[(knots >= seg.start_s) & (knots < seg.end_s)] += seg.gain_db
    integral = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(knots))])
    ahead = np.interp(times + ramp_s, knots, integral)
    here = np.interp(times, knots, integral)
    return (ahead - here) / ramp_s


class SectionGain(Processor):
    """Sample-accurate gain automation over the timeline, with ramps so there are no clicks.

    ``segments``: ``(start_s, end_s, gain_db)`` triples (or dicts, or :class:`Segment`);
    ``ramp_ms``: length of the linear-in-dB ramp that ends at each boundary
    (see :func:`gain_curve_db`). The processor tracks the absolute frame position of the
    stream, starting at 0; :meth:`seek` jumps (the player seeks), :meth:`reset` goes back to 0.
    ``amount`` scales every segment's gain in dB. Frames pass at the position even while
    bypassed, so the timeline stays right when the amount changes.
    """

    segments: ConvertingParam[
        tuple[Segment, ...], Iterable[Segment | Mapping[str, Any] | Sequence[float]]
    ] = ConvertingParam(_check_segments, "The gain segments.")
    ramp_ms: Param[float] = Param(real(0.0, 10_000.0, unit="ms"), "Ramp length in ms.")

    def __init__(
        self,
        sample_rate: int,
        segments: Iterable[Segment | Mapping[str, Any] | Sequence[float]] = (),
        ramp_ms: float = 20.0,
        amount: float = 1.0,
    ) -> None:
        super().__init__(sample_rate, amount)
        self.segments = tuple(segments)
        self.ramp_ms = ramp_ms
        self.position_frames = 0

    def seek(self, frame: int) -> None:
        """Continue from absolute ``frame`` (0 = session start); nothing else is reset."""
        if isinstance(frame, bool) or not isinstance(frame, int | np.integer) or frame < 0:
            raise ValueError(f"frame must be a non-negative integer, got {frame!r}")
        self.position_frames = int(frame)

    def reset(self) -> None:
        self.position_frames = 0

    def gain_db_at(self, frames: np.ndarray) -> np.ndarray:
        """The applied gain in dB (with ``amount``) at absolute frame indices ``frames``."""
        times_s = np.asarray(frames, dtype=np.float64) / self.sample_rate
        curve = gain_curve_db(self.segments, times_s, self.ramp_ms / 1000.0)
        return curve * self.effective_amount

    def _skip(self, frames: int) -> None:
        self.position_frames += frames

    def _update(self) -> None:
        # The span of the timeline where the curve can differ from 0 dB (ramps included).
        if self.segments:
            first_s = min(seg.start_s for seg in self.segments) - self.ramp_ms / 1000.0
            last_s = max(seg.end_s for seg in self.segments)
            self._active_frames = (first_s * self.sample_rate, last_s * self.sample_rate)
        else:
            self._active_frames = (np.inf, -np.inf)

    def _process(self, x: np.ndarray) -> np.ndarray:
        start = self.position_frames
        self.position_frames += x.shape[0]
        first, last = self._active_frames
        if start + x.shape[0] <= first or start >= last:
            return x  # nothing to do in this block: 0 dB everywhere
        gain_db = self.gain_db_at(np.arange(start, start + x.shape[0]))
        if not gain_db.any():
            return x
        gain = np.exp(gain_db * (np.log(10.0) / 20.0)).astype(np.float32)
        return x * gain[:, np.newaxis]
