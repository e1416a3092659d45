"""Sample-level facts of a stem: peak, RMS, DC, clipping, limiting, NaN samples.

One meter so the absolute value of each block is computed once. Series are kept per 100 ms
segment (10 Hz) so later stages can say where in the song something happens. Limiting shows two
ways: flat tops (a clipper, or a limiter whose ceiling holds for two samples) and many separate
peaks at exactly the same height with different shapes around them (a look-ahead limiter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.fine import FineFold, FineLevels
from mixreview.analysis.meters.segments import (
    RowSegmenter,
    SeriesFold,
    segment_frames,
    series_capacity,
)

FULL_SCALE = 0.99996  # 32767/32768 and 24-bit maxima count as full scale
AT_MAX_TOLERANCE = 1e-5  # relative: samples within ~0.0001 dB of the peak sit "at" it
SILENCE_DB = -200.0
TOP_PEAK_TOLERANCE = 1e-5  # relative: a local peak this close to the sample peak sits at the top
TOP_PEAK_EXACT_TOLERANCE = 1e-6  # relative: float32 rounding and a 24-bit step near full scale
# neighbours each side (in samples at 48 kHz) whose values fingerprint a peak's shape
SHAPE_OFFSETS_48K = (1, 4, 16, 64)
SHAPE_STEPS = 32  # a neighbour is read in steps of 1/32 of the peak's height
SHAPE_LIMIT = 1.5  # ...clamped to +-1.5 peak heights, so 7 bits hold it
_SHAPE_BITS = 7


def amp_to_db(value: float | np.ndarray) -> float | np.ndarray:
    """Linear amplitude to dB, with digital silence as SILENCE_DB instead of -inf."""
    with np.errstate(divide="ignore"):
        out = 20.0 * np.log10(np.maximum(np.asarray(value, dtype=np.float64), 1e-10))
    return (
        np.where(np.asarray(value) > 0, out, SILENCE_DB)
        if np.ndim(out)
        else (float(out) if value > 0 else SILENCE_DB)
    )


def power_to_db(value: float | np.ndarray) -> float | np.ndarray:
    """Mean square to dB (10 log10), with digital silence as SILENCE_DB."""
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(np.maximum(np.asarray(value, dtype=np.float64), 1e-20))
    return (
        np.where(np.asarray(value) > 0, out, SILENCE_DB)
        if np.ndim(out)
        else (float(out) if value > 0 else SILENCE_DB)
    )


@dataclass(frozen=True)
class LevelsResult:
    """Peak, RMS, DC and clipping facts; series are per frame of the measurement's grid (100 ms
    segments, or several of them in a long signal: ``segments.series_step``)."""

    frames: int
    sample_peak: float
    channel_peaks: tuple[float, ...]
    mean_square: float
    dc_offsets: tuple[float, ...]
    clipped_samples: int
    clipped_runs: int
    longest_clip_run: int
    over_full_scale_samples: int
    flat_top_samples: int
    top_peaks: int  # separate local peaks within TOP_PEAK_TOLERANCE of the peak below full scale
    top_peaks_exact: int  # of those, the ones within TOP_PEAK_EXACT_TOLERANCE
    top_peak_shapes: int  # distinct neighbourhoods among the exact ones
    nan_samples: int
    peak_series: np.ndarray  # linear peak per series frame (all channels)
    mean_square_series: np.ndarray  # mean square per series frame (channel average)
    clip_series: np.ndarray  # clipped samples per series frame
    active_mean_square: float  # over the 100 ms segments that carry sound: ``active_mean_square``
    fine: FineLevels | None = None  # 5 ms parts of each segment, on the 100 ms grid only

    @property
    def sample_peak_dbfs(self) -> float:
        return float(amp_to_db(self.sample_peak))

    @property
    def rms_dbfs(self) -> float:
        return float(power_to_db(self.mean_square))

    @property
    def dc_offset(self) -> float:
        """The largest channel mean, signed."""
        return max(self.dc_offsets, key=abs) if self.dc_offsets else 0.0

    @property
    def active_rms_dbfs(self) -> float:
        """RMS over the 100 ms segments that carry sound (``active_mean_square``)."""
        if self.active_mean_square <= 0:
            return SILENCE_DB
        return float(power_to_db(self.active_mean_square))

    @property
    def crest_db(self) -> float | None:
        """Sample peak over active RMS, in dB; None for silence."""
        if self.sample_peak <= 0:
            return None
        return self.sample_peak_dbfs - self.active_rms_dbfs


def active_mean_square(series: np.ndarray) -> float:
    """Mean square over the segments that carry sound (above -60 dBFS and within 40 dB of the
    loudest); 0 when none does.

    Stems are mostly silence between parts; RMS over the whole file would make the crest factor
    depend on the arrangement rather than on the sound.
    """
    if not len(series) or series.max() <= 0:
        return 0.0
    floor = max(1e-6, series.max() * 1e-4)
    active = series[series > floor]
    return float(active.mean()) if len(active) else 0.0


def _float32_edge(value: float) -> float:
    """A tolerance edge rounded to float32, the samples' precision: a block's maximum (a Python
    float) and its samples (float32) are then compared with the same number, so whether a sample
    on the edge counts never depends on where the blocks split."""
    return float(np.float32(value))


def shape_offsets(sample_rate: int) -> np.ndarray:
    """Sample offsets, both sides, whose values fingerprint a peak (the same times at any rate)."""
    side = np.unique([max(1, round(k * sample_rate / 48000)) for k in SHAPE_OFFSETS_48K])
    return np.concatenate([-side[::-1], side]).astype(np.int64)


class TopPeaks:
    """Separate local peaks of |x| at the sample peak below full scale, each with a fingerprint of
    its neighbourhood, so a limiter's ceiling (many peaks at exactly one height, each shaped
    differently) can be told from repeated identical hits (the same shape each time).

    A tail of samples is carried across blocks and a peak is judged once its neighbours have
    arrived, so the block size never changes the result.
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self._offsets = shape_offsets(sample_rate)
        self._reach = int(self._offsets[-1])
        self._window = np.concatenate([[0, -1, 1], self._offsets])  # the peak, its neighbours
        self._weights = np.int64(1) << (_SHAPE_BITS * np.arange(len(self._offsets), dtype=np.int64))
        self._tail = np.zeros((channels, 2 * self._reach), np.float32)
        self._top = 0.0
        self._heights: list[np.ndarray] = []
        self._shapes: list[np.ndarray] = []

    def update(self, rows: np.ndarray, mag: np.ndarray, block_top: float) -> None:
        """Feed (channels, n) samples, their magnitudes, and the largest one below full scale."""
        if block_top > self._top:
            self._top = block_top
            self._prune()
        floor = self._floor()
        pending = self._tail[:, self._reach :]
        if self._top > 0 and (block_top >= floor or float(np.abs(pending).max()) >= floor):
            heights, shapes = self._find(rows, mag, floor)
            self._heights.append(heights)
            self._shapes.append(shapes)
        width = self._tail.shape[1]
        if rows.shape[1] >= width:
            self._tail = rows[:, -width:].copy()
        else:
            self._tail = np.concatenate([self._tail, rows], axis=1)[:, -width:]

    def _floor(self) -> float:
        """The lowest height at the top: within TOP_PEAK_TOLERANCE of the sample peak."""
        return _float32_edge(self._top * (1 - TOP_PEAK_TOLERANCE))

    def _prune(self) -> None:
        """Drop peaks that fell out of the tolerance when the top rose."""
        if not self._heights:
            return
        heights, shapes = np.concatenate(self._heights), np.concatenate(self._shapes)
        keep = heights >= self._floor()
        self._heights, self._shapes = [heights[keep]], [shapes[keep]]

    def _take(self, rows: np.ndarray, ch: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Samples at ``pos`` of the tail followed by ``rows`` (without joining them)."""
        width = self._tail.shape[1]
        from_tail = self._tail[ch, np.minimum(pos, width - 1)]
        from_rows = rows[ch, np.maximum(pos - width, 0)]
        return np.where(pos < width, from_tail, from_rows)

    def _find(
        self, rows: np.ndarray, mag: np.ndarray, floor: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Heights and shapes of the peaks at or above ``floor`` whose neighbours have all arrived:
        the tail's last ``reach`` samples and all of ``rows`` but its last ``reach``."""
        reach, n = self._reach, rows.shape[1]
        pending = np.abs(self._tail[:, reach : reach + n])
        t_ch, t_pos = np.divmod(np.flatnonzero(pending >= floor), pending.shape[1])
        settled = max(n - reach, 0)
        b_ch, b_pos = np.divmod(np.flatnonzero(mag[:, :settled] >= floor), max(settled, 1))
        ch = np.concatenate([t_ch, b_ch])
        pos = np.concatenate([t_pos + reach, b_pos + 2 * reach])
        around = self._take(rows, ch[:, None], pos[:, None] + self._window[None, :])
        height = np.abs(around[:, 0])
        peak = (height > np.abs(around[:, 1])) & (height >= np.abs(around[:, 2]))
        peak &= height < FULL_SCALE
        height, around = height[peak], around[peak]
        relative = around[:, 3:] * (np.sign(around[:, :1]) / height[:, None])
        steps = np.rint(np.minimum(np.maximum(relative, -SHAPE_LIMIT), SHAPE_LIMIT) * SHAPE_STEPS)
        shapes = (steps.astype(np.int64) + (1 << (_SHAPE_BITS - 1))) @ self._weights
        return height, shapes

    def result(self) -> tuple[int, int, int]:
        """(peaks at the top, of those exactly at it, distinct shapes among the exact ones).

        The last ``reach`` samples are judged with silence after the end, as the first ones are
        with silence before the start.
        """
        if self._top <= 0:
            return 0, 0, 0
        silence = np.zeros((len(self._tail), self._reach), np.float32)
        floor = self._floor()
        last = self._find(silence, silence, floor)
        heights = np.concatenate([*self._heights, last[0]])
        shapes = np.concatenate([*self._shapes, last[1]])
        near = heights >= floor
        exact = heights >= self._top * (1 - TOP_PEAK_EXACT_TOLERANCE)
        return int(near.sum()), int(exact.sum()), len(np.unique(shapes[exact]))


class LevelsMeter:
    """Streams sample peak, mean square, DC, clipped runs, flat tops and the peaks at the top."""

    def __init__(self, sample_rate: int, channels: int, step: int = 1, frames: int = 0) -> None:
        self.channels = channels
        self._segmenter = RowSegmenter(segment_frames(sample_rate), 3)
        size = series_capacity(frames, sample_rate, step)  # 0: the length is not known
        self._fine = FineFold(segment_frames(sample_rate), channels, size) if step == 1 else None
        self._folds = (
            SeriesFold(step, "max", size),
            SeriesFold(step, "mean", size),
            SeriesFold(step, "sum", size),
        )
        # the 100 ms mean squares the crest factor is measured on, when the series fold them
        self._segment_squares = (
            SeriesFold(1, "mean", series_capacity(frames, sample_rate, 1)) if step > 1 else None
        )
        self._frames = 0
        self._channel_peaks = np.zeros(channels)
        self._sums = np.zeros(channels)
        self._squares = 0.0
        self._clipped = 0
        self._runs = 0
        self._longest = 0
        self._current_run = np.zeros(channels, dtype=np.int64)
        self._over = 0
        self._nan = 0
        self._top = 0.0  # running max of |x| below full scale
        self._flat = 0
        self._prev_at_top = np.zeros(channels, dtype=bool)
        self._prev_counted = np.zeros(channels, dtype=bool)
        self._prev_abs = np.zeros(channels, dtype=np.float32)
        self._top_peaks = TopPeaks(sample_rate, channels)

    def update(self, block: np.ndarray) -> None:
        """Add ``block`` (frames, channels)."""
        if not len(block):
            return
        # one transpose makes every reduction below run over contiguous rows (much faster)
        self.update_rows(np.ascontiguousarray(block.T, dtype=np.float32))

    def update_rows(self, rows: np.ndarray) -> None:
        """Add C-contiguous float32 ``rows`` (channels, frames), NaN and infinities included
        (they are counted, then read as zeros); ``rows`` is not changed."""
        if not rows.shape[1]:
            return
        sums = rows.sum(axis=1, dtype=np.float64)
        if not np.isfinite(sums).all():
            bad = ~np.isfinite(rows)
            self._nan += int(bad.sum())
            rows = np.where(bad, np.float32(0), rows)
            sums = rows.sum(axis=1, dtype=np.float64)
        self._frames += rows.shape[1]
        self._sums += sums
        mag = np.abs(rows)
        channel_max = mag.max(axis=1)
        self._channel_peaks = np.maximum(self._channel_peaks, channel_max)
        frame_squares = np.einsum("ij,ij->j", rows, rows)
        self._squares += float(frame_squares.sum(dtype=np.float64))
        block_max = float(channel_max.max())
        if block_max > 1.0:
            self._over += int(np.count_nonzero(mag > 1.0))
        clip_frames = None
        if block_max >= FULL_SCALE:
            clip_frames = self._update_clipping(mag.T)
        else:
            self._longest = max(self._longest, int(self._current_run.max(initial=0)))
            self._current_run[:] = 0
        self._update_flat_tops(mag.T, block_max)
        block_top = (
            block_max
            if block_max < FULL_SCALE
            else float(np.max(mag, where=mag < FULL_SCALE, initial=0.0))
        )
        self._top_peaks.update(rows, mag, block_top)
        frame_peak = np.maximum.reduce(mag, axis=0)
        clips = clip_frames if clip_frames is not None else np.zeros(rows.shape[1], np.float32)
        segs = self._segmenter.push(np.stack([frame_peak, frame_squares, clips]))
        if len(segs):
            self._reduce(segs)

    def _update_clipping(self, mag: np.ndarray) -> np.ndarray:
        """Count clipped samples and runs (carried across blocks); per-frame counts back."""
        clipped = mag >= FULL_SCALE
        self._clipped += int(clipped.sum())
        for ch in range(self.channels):
            col = clipped[:, ch]
            if not col.any():
                self._longest = max(self._longest, int(self._current_run[ch]))
                self._current_run[ch] = 0
                continue
            edges = np.diff(col.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
            starts = np.flatnonzero(edges == 1)
            ends = np.flatnonzero(edges == -1)
            lengths = ends - starts
            if starts[0] == 0 and self._current_run[ch] > 0:
                lengths[0] += self._current_run[ch]  # the run continues from the last block
            else:
                self._longest = max(self._longest, int(self._current_run[ch]))
            self._runs += len(starts) - int(starts[0] == 0 and self._current_run[ch] > 0)
            if ends[-1] == len(col):
                self._current_run[ch] = lengths[-1]
                lengths = lengths[:-1]
            else:
                self._current_run[ch] = 0
            if len(lengths):
                self._longest = max(self._longest, int(lengths.max()))
        return clipped.sum(axis=1).astype(np.float32)

    def _at_top_edge(self) -> float:
        """The lowest level at the running peak: within AT_MAX_TOLERANCE of it."""
        return _float32_edge(self._top * (1 - AT_MAX_TOLERANCE))

    def _update_flat_tops(self, mag: np.ndarray, block_max: float) -> None:
        """Count samples at the running peak that touch another one there (flat tops)."""
        edge = self._at_top_edge()
        if block_max < edge:
            # nothing in this block reaches the peak: only the carried edge state changes
            self._prev_at_top[:] = False
            self._prev_counted[:] = False
            self._prev_abs = mag[-1].copy()
            return
        below = mag if block_max < FULL_SCALE else np.where(mag < FULL_SCALE, mag, np.float32(0))
        block_top = float(below.max())
        if block_top > self._top * (1 + AT_MAX_TOLERANCE):
            self._top = block_top
            self._flat = 0
            edge = self._at_top_edge()
            self._prev_at_top = self._prev_abs >= edge
            self._prev_counted[:] = False
        if self._top > 0:
            at_top = below >= edge
            left = np.vstack([self._prev_at_top[None, :], at_top[:-1]]) & at_top
            right = np.vstack([left[1:], np.zeros((1, self.channels), dtype=bool)])
            counted = left | right
            self._flat += int(counted.sum())
            late = left[0] & ~self._prev_counted  # the last block's final sample has a partner
            self._flat += int(late.sum())
            self._prev_at_top = at_top[-1].copy()
            self._prev_counted = counted[-1].copy()
        self._prev_abs = below[-1].copy()

    def _reduce(self, segs: np.ndarray) -> None:
        """Per-frame (peak, sum of squares, clipped count) rows to per-segment values, folded
        into the series' frames."""
        peaks, squares, clips = self._folds
        peaks.push(segs[0].max(axis=1))
        segment_squares = segs[1].sum(axis=1, dtype=np.float64) / (segs.shape[2] * self.channels)
        squares.push(segment_squares)
        if self._segment_squares is not None:
            self._segment_squares.push(segment_squares.astype(np.float32))  # to 1e-6 dB
        clips.push(segs[2].sum(axis=1).astype(np.int32))
        if self._fine is not None:
            self._fine.push(segs[0], segs[1])

    def result(self) -> LevelsResult:
        rest = self._segmenter.flush()
        if rest.shape[1]:
            self._reduce(rest)
        self._longest = max(self._longest, int(self._current_run.max(initial=0)))
        n = max(self._frames, 1)
        top_peaks, top_exact, top_shapes = self._top_peaks.result()

        peaks, squares, clips = self._folds
        mean_squares = squares.series(np.zeros(0)).astype(np.float64)
        return LevelsResult(
            frames=self._frames,
            sample_peak=float(self._channel_peaks.max(initial=0.0)),
            channel_peaks=tuple(float(p) for p in self._channel_peaks),
            mean_square=self._squares / (n * self.channels),
            dc_offsets=tuple(float(s / n) for s in self._sums),
            clipped_samples=self._clipped,
            clipped_runs=self._runs,
            longest_clip_run=self._longest,
            over_full_scale_samples=self._over,
            flat_top_samples=self._flat if self._top > 0 else 0,
            top_peaks=top_peaks,
            top_peaks_exact=top_exact,
            top_peak_shapes=top_shapes,
            nan_samples=self._nan,
            peak_series=peaks.series(np.zeros(0, np.float32)).astype(np.float32),
            mean_square_series=mean_squares,
            clip_series=clips.series(np.zeros(0, np.int32)).astype(np.int32),
            active_mean_square=active_mean_square(
                mean_squares
                if self._segment_squares is None
                else self._segment_squares.series(np.zeros(0))
            ),
            fine=self._fine.result() if self._fine is not None else None,
        )
