"""Sub-segment level series: each 100 ms segment cut into 20 parts (5 ms at any rate), with the
peak of |x| across channels, where in its part that peak falls and the mean square (the levels
meter), and the K-weighted energy (the loudness meter).

A compressor's detector reacts within milliseconds, so a prediction of what it does to a stem's
loudness (the instant A/B match, ``playback_estimate``) runs its detector on these parts rather
than on the 100 ms frame peaks, which overstate the level it holds by up to a dB.
They are kept on the 100 ms grid only: a long signal's coarser grid (``segments.series_step``)
has none, so its memory stays independent of its length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.segments import RowSegmenter, SeriesFold, segment_frames

PARTS_PER_SEGMENT = 20
"""Parts of a 100 ms segment: 5 ms each."""
AT_STEPS = 256
"""Where in its part a peak falls, in steps of 1/256 of the part (one byte)."""


@dataclass(frozen=True, eq=False)
class FineLevels:
    """Per 100 ms segment (rows) and part of it (columns, ``PARTS_PER_SEGMENT``): the peak of
    |x| across channels, the position of its first sample in the part (0 .. 255: the fraction of
    the part before it, in 1/256), and the mean square per sample and channel. Parts past the end
    of the signal hold zeros."""

    peak: np.ndarray  # float32 (segments, parts)
    peak_at: np.ndarray  # uint8 (segments, parts)
    mean_square: np.ndarray  # float32 (segments, parts)


def part_frames(segment_frames: int) -> int:
    """Samples in each part of a segment of ``segment_frames`` (the last one may be shorter)."""
    return -(-segment_frames // PARTS_PER_SEGMENT)


def _padded(rows: np.ndarray, part: int) -> np.ndarray:
    """Segments (segments, samples) padded with silence to whole parts, as (segments, parts,
    part)."""
    count, samples = rows.shape
    width = part * PARTS_PER_SEGMENT
    if samples != width:
        rows = np.pad(rows, ((0, 0), (0, width - samples)))
    return rows.reshape(count, PARTS_PER_SEGMENT, part)


class FineFold:
    """Collects the parts of whole segments given as rows of per-frame peaks and squares (the
    levels meter's segments), and the last partial segment."""

    def __init__(self, segment_frames: int, channels: int, capacity: int = 0) -> None:
        self._segment = segment_frames
        self._part = part_frames(segment_frames)
        self._channels = channels
        self._peaks = SeriesFold(1, "max", capacity)
        self._at = SeriesFold(1, "max", capacity)
        self._squares = SeriesFold(1, "sum", capacity)

    def push(self, peaks: np.ndarray, squares: np.ndarray) -> None:
        """Add segments: ``peaks`` and ``squares`` of shape (segments, samples), the peak of |x|
        across channels and the sum over channels of x^2 per sample; ``samples`` is the segment
        length, or less for the final partial one."""
        count, samples = peaks.shape
        if not count:
            return
        shaped = _padded(peaks, self._part)
        place = shaped.argmax(axis=2)
        top = np.take_along_axis(shaped, place[:, :, None], axis=2)[:, :, 0]
        at = place * AT_STEPS // self._part
        sums = _padded(squares, self._part).sum(axis=2).astype(np.float64)  # float32: to 1e-6
        first = np.arange(PARTS_PER_SEGMENT) * self._part
        held = np.clip(min(samples, self._segment) - first, 0, self._part)  # samples per part
        mean = np.divide(sums, held * self._channels, out=np.zeros_like(sums), where=held > 0)
        self._peaks.push(top.astype(np.float32))
        self._at.push(at.astype(np.uint8))
        self._squares.push(mean.astype(np.float32))

    def result(self) -> FineLevels:
        empty = np.zeros((0, PARTS_PER_SEGMENT), np.float32)
        return FineLevels(
            peak=self._peaks.series(empty),
            peak_at=self._at.series(empty.astype(np.uint8)),
            mean_square=self._squares.series(empty),
        )


class PartEnergy:
    """The sum of a per-sample energy (the loudness meter's K-weighted one) over each part, on
    the levels meter's segments, so both series cut the signal at the same samples."""

    def __init__(self, sample_rate: int) -> None:
        self._segmenter = RowSegmenter(segment_frames(sample_rate), 1)
        self._part = part_frames(segment_frames(sample_rate))
        self._sums = SeriesFold(1, "sum")

    def update(self, energy: np.ndarray) -> None:
        """Add the energy of the next samples."""
        segments = self._segmenter.push(energy[None, :])[0]
        if len(segments):
            self._sums.push(_padded(segments, self._part).sum(axis=2).astype(np.float32))

    def result(self) -> np.ndarray:
        """(segments, parts) float32; the partial last segment included, its missing parts 0.
        The meter can go on after it."""
        done = self._sums.series(np.zeros((0, PARTS_PER_SEGMENT), np.float32))
        rest = self._segmenter.pending()
        if not rest.shape[1]:
            return np.array(done)
        last = _padded(rest, self._part).sum(axis=2, dtype=np.float64).astype(np.float32)
        return np.concatenate([done, last])


__all__ = [
    "AT_STEPS",
    "PARTS_PER_SEGMENT",
    "FineFold",
    "FineLevels",
    "PartEnergy",
    "part_frames",
]
