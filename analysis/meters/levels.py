"""Sample-level facts of a stem: peak, RMS, DC, clipping, flat-topped limiting, NaN samples.

One meter so the absolute value of each block is computed once. Series are kept per 100 ms
segment (10 Hz) so later stages can say where in the song something happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.segments import RowSegmenter, segment_frames

FULL_SCALE = 0.99996  # 32767/32768 and 24-bit maxima count as full scale
AT_MAX_TOLERANCE = 1e-5  # relative: samples within ~0.0001 dB of the peak sit "at" it
SILENCE_DB = -200.0


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
    """Peak, RMS, DC and clipping facts; series are per 100 ms segment."""

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
    nan_samples: int
    peak_series: np.ndarray  # linear peak per 100 ms segment (all channels)
    mean_square_series: np.ndarray  # mean square per 100 ms segment (channel average)
    clip_series: np.ndarray  # clipped samples per 100 ms segment

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
        """RMS over the segments that carry sound (above -60 dBFS and within 40 dB of the loudest).

        Stems are mostly silence between parts; RMS over the whole file would make the crest
        factor depend on the arrangement rather than on the sound.
        """
        series = self.mean_square_series
        if not len(series) or series.max() <= 0:
            return SILENCE_DB
        floor = max(1e-6, series.max() * 1e-4)
        active = series[series > floor]
        return float(power_to_db(active.mean())) if len(active) else SILENCE_DB

    @property
    def crest_db(self) -> float | None:
        """Sample peak over active RMS, in dB; None for silence."""
        if self.sample_peak <= 0:
            return None
        return self.sample_peak_dbfs - self.active_rms_dbfs


class LevelsMeter:
    """Streams sample peak, mean square, DC, clipped runs and flat tops at the peak."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.channels = channels
        self._segmenter = RowSegmenter(segment_frames(sample_rate), 3)
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
        self._peaks: list[np.ndarray] = []
        self._squares_series: list[np.ndarray] = []
        self._clips: list[np.ndarray] = []

    def update(self, block: np.ndarray) -> None:
        if not len(block):
            return
        # one transpose makes every reduction below run over contiguous rows (much faster)
        rows = np.ascontiguousarray(block.T)
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

    def _update_flat_tops(self, mag: np.ndarray, block_max: float) -> None:
        """Count samples at the running peak that touch another one there (flat tops)."""
        if block_max < self._top * (1 - AT_MAX_TOLERANCE):
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
            self._prev_at_top = self._prev_abs >= self._top * (1 - AT_MAX_TOLERANCE)
            self._prev_counted[:] = False
        if self._top > 0:
            at_top = below >= self._top * (1 - AT_MAX_TOLERANCE)
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
        """Per-frame (peak, sum of squares, clipped count) rows to 10 Hz series."""
        self._peaks.append(segs[0].max(axis=1))
        self._squares_series.append(
            segs[1].sum(axis=1, dtype=np.float64) / (segs.shape[2] * self.channels)
        )
        self._clips.append(segs[2].sum(axis=1).astype(np.int32))

    def result(self) -> LevelsResult:
        rest = self._segmenter.flush()
        if rest.shape[1]:
            self._reduce(rest)
        self._longest = max(self._longest, int(self._current_run.max(initial=0)))
        n = max(self._frames, 1)

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

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
            nan_samples=self._nan,
            peak_series=cat(self._peaks, np.float32),
            mean_square_series=cat(self._squares_series, np.float64),
            clip_series=cat(self._clips, np.int32),
        )
