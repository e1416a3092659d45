"""Cut a stream of blocks into fixed-length segments (e.g. 100 ms) regardless of block size."""

from __future__ import annotations

from typing import Literal

import numpy as np


def segment_frames(sample_rate: int, segment_s: float = 0.1) -> int:
    """Frames in one segment; 100 ms at 48 kHz is 4800."""
    return max(1, round(sample_rate * segment_s))


class Segmenter:
    """Buffers a partial segment between blocks and hands out whole segments.

    ``push(block)`` returns an array of shape (n_segments, seg_frames, channels) holding every
    segment completed by this block. ``flush()`` returns the final partial segment, if any.
    """

    def __init__(self, seg_frames: int, channels: int) -> None:
        self.seg_frames = seg_frames
        self.channels = channels
        self._rest = np.zeros((0, channels), dtype=np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        data = np.concatenate([self._rest, block]) if len(self._rest) else block
        n_full = len(data) // self.seg_frames
        cut = n_full * self.seg_frames
        self._rest = np.array(data[cut:], dtype=np.float32)
        return data[:cut].reshape(n_full, self.seg_frames, self.channels)

    def flush(self) -> np.ndarray:
        rest, self._rest = self._rest, np.zeros((0, self.channels), dtype=np.float32)
        return rest


class RowSegmenter:
    """Like Segmenter for per-frame values laid out as rows, shape (k, frames).

    ``push`` returns (k, n_segments, seg_frames): reductions over the last axis run over
    contiguous memory, which is several times faster than over interleaved columns.
    """

    def __init__(self, seg_frames: int, rows: int) -> None:
        self.seg_frames = seg_frames
        self._rest = np.zeros((rows, 0), dtype=np.float32)

    def push(self, values: np.ndarray) -> np.ndarray:
        data = np.concatenate([self._rest, values], axis=1) if self._rest.shape[1] else values
        n_full = data.shape[1] // self.seg_frames
        cut = n_full * self.seg_frames
        self._rest = np.array(data[:, cut:], dtype=np.float32)
        return data[:, :cut].reshape(data.shape[0], n_full, self.seg_frames)

    def pending(self) -> np.ndarray:
        """The partial segment held so far, (k, r), without taking it: more may follow."""
        return self._rest

    def flush(self) -> np.ndarray:
        """The final partial segment as (k, 1, r), or (k, 0, 0) when there is none."""
        rest = self._rest
        self._rest = np.zeros((rest.shape[0], 0), dtype=np.float32)
        if not rest.shape[1]:
            return np.zeros((rest.shape[0], 0, 0), np.float32)
        return rest[:, None, :]


SEGMENT_S = 0.1
"""The meters' finest grid: every series is made of whole 100 ms segments."""
SERIES_FRAMES_MAX = 6000
"""A measurement's series hold at most about this many frames: 100 ms frames up to 10 minutes,
longer frames beyond (a 2-hour stem has 1.2 s frames), so memory does not grow with length."""

Fold = Literal["sum", "max", "mean"]


def frame_at(time_s: float, frame_s: float = SEGMENT_S) -> int:
    """The frame edge nearest ``time_s`` on a grid of ``frame_s`` frames (on 100 ms frames,
    ``round(time_s * 10)``, as the rules have always read section and change spans)."""
    return round(time_s * 10) if frame_s == SEGMENT_S else round(time_s / frame_s)


def segment_count(frames: int, sample_rate: int) -> int:
    """100 ms segments in a signal of ``frames`` frames, the last one possibly partial."""
    return -(-max(frames, 0) * 10 // max(sample_rate, 1))


def series_capacity(frames: int, sample_rate: int, step: int) -> int:
    """Frames, with one to spare, in the series of a signal of ``frames`` frames on frames of
    ``step`` segments, whichever way its meter cuts segments (on exact tenths of a second, or
    ``segment_frames`` samples each); 0 when the length is not known (``frames`` 0)."""
    if frames <= 0:
        return 0
    segments = max(segment_count(frames, sample_rate), -(-frames // segment_frames(sample_rate)))
    return -(-segments // max(1, step)) + 1


def series_step(frames: int, sample_rate: int, frames_max: int | None = None) -> int:
    """Segments per series frame for a signal of ``frames`` frames: 1 up to ``frames_max``
    segments (``SERIES_FRAMES_MAX`` when not given), then as many as keep the series within it."""
    cap = SERIES_FRAMES_MAX if frames_max is None else frames_max
    return max(1, -(-segment_count(frames, sample_rate) // max(1, cap)))


class SeriesFold:
    """Folds a per-segment series (segments along axis 0), given in pieces, into frames of
    ``step`` segments (their sum, max or mean) and keeps them. With ``step`` 1 the segments are
    the frames. The open frame is held as its running sum or max. When the number of frames is
    known (``capacity``, as ``series_capacity`` gives it) they are written into one array made
    at the first frame, so a long signal's series never reallocates as it grows; otherwise, and
    past the capacity, they are kept as few arrays."""

    def __init__(self, step: int, fold: Fold, capacity: int = 0) -> None:
        self.step = max(1, int(step))
        self.fold = fold
        self._capacity = max(0, int(capacity))
        self._buffer: np.ndarray | None = None  # made at the first frame when capacity is known
        self._filled = 0  # frames written into it
        self._done: list[np.ndarray] = []  # the frames completed past the buffer
        self._open: np.ndarray | None = None  # the open frame's running sum or max
        self._count = 0  # segments in it

    def push(self, values: np.ndarray) -> None:
        """Add the next segments."""
        if self.step == 1:
            self._keep(values)
            return
        if self._count:
            head = values[: self.step - self._count]
            self._add(head)
            values = values[len(head) :]
            if self._count < self.step:
                return
            assert self._open is not None
            self._keep(self._close(self._open, self._count))
            self._open, self._count = None, 0
        whole = len(values) // self.step * self.step
        if whole:
            grouped = values[:whole].reshape(whole // self.step, self.step, *values.shape[1:])
            self._keep(self._finish(self._reduce(grouped, axis=1), self.step, values.dtype))
        self._add(values[whole:])

    def series(self, empty: np.ndarray) -> np.ndarray:
        """Every frame so far, the open one last (it stays open); ``empty`` when there is none
        (it gives the dtype and the shape of a frame)."""
        parts = [self._buffer[: self._filled]] if self._buffer is not None and self._filled else []
        parts += self._done
        if self._count:
            assert self._open is not None
            parts.append(self._close(self._open, self._count))
        if not parts:
            return empty
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _keep(self, frames: np.ndarray) -> None:
        if not len(frames):
            return
        if self._capacity and self._buffer is None:
            self._buffer = np.empty((self._capacity, *frames.shape[1:]), frames.dtype)
        end = self._filled + len(frames)
        if self._buffer is not None and not self._done and end <= len(self._buffer):
            self._buffer[self._filled : end] = frames
            self._filled = end
            return
        self._done.append(frames)
        if len(self._done) >= _PARTS_MAX:
            self._done = [np.concatenate(self._done)]

    def _add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        part = self._reduce(values, axis=0)
        if self._open is None:
            self._open = part
        else:
            self._open = np.maximum(self._open, part) if self.fold == "max" else self._open + part
        self._count += len(values)

    def _close(self, reduced: np.ndarray, count: int) -> np.ndarray:
        return self._finish(reduced, count, reduced.dtype)[None]

    def _reduce(self, values: np.ndarray, axis: int) -> np.ndarray:
        return values.max(axis=axis) if self.fold == "max" else values.sum(axis=axis)

    def _finish(self, reduced: np.ndarray, count: int, dtype: np.dtype) -> np.ndarray:
        if self.fold == "mean":
            return (reduced / count).astype(dtype)
        return reduced.astype(dtype, copy=False)


_PARTS_MAX = 64
"""Pieces of series a fold keeps before it joins them into one array."""
