"""Cut a stream of blocks into fixed-length segments (e.g. 100 ms) regardless of block size."""

from __future__ import annotations

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

    def flush(self) -> np.ndarray:
        """The final partial segment as (k, 1, r), or (k, 0, 0) when there is none."""
        rest = self._rest
        self._rest = np.zeros((rest.shape[0], 0), dtype=np.float32)
        if not rest.shape[1]:
            return np.zeros((rest.shape[0], 0, 0), np.float32)
        return rest[:, None, :]
