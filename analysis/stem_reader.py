"""Read a stem as it enters the mix: stereo, at the session's rate, in blocks, from any position.

Mono stems enter the mix as the same signal on both channels (0 dB on each side, as exported);
stems at another rate are resampled on the fly; past its end a stem reads as silence. NaN and
infinite samples read as silence. The file is opened read-only and never held whole in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import soundfile as sf

from mixreview.analysis.resample import StreamResampler
from mixreview.analysis.session import Stem

READ_BLOCK_FRAMES = 65536


class StemReader:
    """Sequential stereo reader at ``session_rate``; ``read(n)`` always returns n frames.

    ``tap``, when given, sees every block as decoded from the file (its own rate and channels,
    NaN left in) exactly once and in order, so the stem's own meters can share this read."""

    def __init__(
        self, stem: Stem, session_rate: int, tap: Callable[[np.ndarray], None] | None = None
    ) -> None:
        if not stem.mixable:
            raise ValueError(f"{stem.file} cannot be mixed")
        self.stem = stem
        self.session_rate = session_rate
        self.tap = tap
        self._file = sf.SoundFile(os.fsencode(stem.path), mode="r")
        self._resampler = (
            StreamResampler(stem.sample_rate, session_rate, 2)
            if stem.sample_rate != session_rate
            else None
        )
        self.total_frames = round(stem.frames * session_rate / stem.sample_rate)
        self._fifo = np.zeros((0, 2), np.float32)
        self._eof = False
        self.position = 0
        self.damaged_at_s: float | None = None  # where decoding failed, if it did

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> StemReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_file(self, frames: int) -> np.ndarray:
        try:
            data = self._file.read(frames, dtype="float32", always_2d=True)
        except (RuntimeError, sf.LibsndfileError, OSError):
            # a truncated or damaged file reads as silence from where decoding failed
            if self.damaged_at_s is None:
                decoded = self.position + len(self._fifo)
                self.damaged_at_s = decoded / self.session_rate
            data = np.zeros((0, self._file.channels), np.float32)
        if len(data) < frames:
            self._eof = True
        if self.tap is not None and len(data):
            self.tap(data)
        if not np.isfinite(data).all():
            data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
        if data.shape[1] == 1:
            data = np.repeat(data, 2, axis=1)
        return data

    def _fill(self, frames: int) -> None:
        while len(self._fifo) < frames and not self._eof:
            raw = self._read_file(max(READ_BLOCK_FRAMES, frames))
            if self._resampler is not None:
                raw = self._resampler.process(raw)
                if self._eof:
                    produced = self.position + len(self._fifo) + len(raw)
                    tail = self._resampler.flush(total_out=None)
                    keep = max(self.total_frames - produced, 0)
                    raw = np.concatenate([raw, tail[:keep]])
            self._fifo = np.concatenate([self._fifo, raw]) if len(self._fifo) else raw

    def read(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames as float32 (frames, 2), zero-padded past the end."""
        self._fill(frames)
        out = self._fifo[:frames]
        self._fifo = self._fifo[frames:]
        if len(out) < frames:
            out = np.concatenate([out, np.zeros((frames - len(out), 2), np.float32)])
        self.position += frames
        return np.ascontiguousarray(out, dtype=np.float32)

    def drain(self) -> None:
        """Read the rest of the file for ``tap`` only (the part past what the mix asked for)."""
        while not self._eof:
            self._read_file(READ_BLOCK_FRAMES)

    def seek(self, frame: int) -> None:
        """Jump to ``frame`` (session rate). Resampled stems restart their filter there."""
        frame = max(0, int(frame))
        source = int(frame * self.stem.sample_rate / self.session_rate)
        self._file.seek(min(source, self.stem.frames))
        self._eof = source >= self.stem.frames
        self._fifo = np.zeros((0, 2), np.float32)
        if self._resampler is not None:
            self._resampler = StreamResampler(self.stem.sample_rate, self.session_rate, 2)
        self.position = frame
