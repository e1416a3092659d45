"""Confine any processor to a stretch of the timeline, with short crossfades at its edges.

The inner processor runs on every block (so filters and compressors carry state through the
whole song and enter the section already settled); the output crossfades from dry to processed
over ``ramp_ms`` at each boundary. This is how a rule scoped to a section is rendered.
"""

from __future__ import annotations

import numpy as np

from .automation import Segment, gain_curve_db
from .base import Processor


class SectionScope(Processor):
    """Apply ``inner`` only between ``start_s`` and ``end_s``; ``amount`` passes to the inner."""

    def __init__(
        self,
        sample_rate: int,
        inner: Processor,
        start_s: float,
        end_s: float,
        ramp_ms: float = 20.0,
        amount: float = 1.0,
    ) -> None:
        super().__init__(sample_rate, amount)
        self.inner = inner
        self.segment = Segment(start_s, end_s, 1.0)
        self.ramp_s = ramp_ms / 1000.0
        self.position_frames = 0

    def _update(self) -> None:
        self.inner._set_outer_amount(self.effective_amount)

    def seek(self, frame: int) -> None:
        self.position_frames = int(frame)
        seek = getattr(self.inner, "seek", None)
        if seek is not None:
            seek(frame)

    def reset(self) -> None:
        self.position_frames = 0
        self.inner.reset()

    def _skip(self, frames: int) -> None:
        self.position_frames += frames
        self.inner._skip(frames)

    def _process(self, x: np.ndarray) -> np.ndarray:
        start = self.position_frames
        self.position_frames += x.shape[0]
        wet = self.inner.process(x)
        times_s = np.arange(start, start + x.shape[0], dtype=np.float64) / self.sample_rate
        mix = gain_curve_db((self.segment,), times_s, self.ramp_s)
        dry = _widen(x, wet.shape[1])
        if not mix.any():
            return dry
        return (dry + mix[:, None].astype(np.float32) * (wet - dry)).astype(np.float32)


def _widen(x: np.ndarray, channels: int) -> np.ndarray:
    """Mono to stereo when the inner processor (a pan) turns mono into stereo."""
    if x.shape[1] == channels:
        return x
    return np.repeat(x, channels, axis=1)
