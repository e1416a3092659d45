"""Stereo image of a two-channel stem: correlation, side-to-mid ratio, balance, identical channels.

Sums of L², R² and L·R are kept per 100 ms segment, so correlation and width can be read for any
section later without another pass over the audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.levels import power_to_db
from mixreview.analysis.meters.segments import (
    RowSegmenter,
    SeriesFold,
    segment_frames,
    series_capacity,
)

SIDE_TO_MID_FLOOR_DB = -120.0  # identical channels read as this rather than rounding noise
IDENTICAL_DIFFERENCE_MAX = 0.0  # bit-identical: any difference at all is stereo


@dataclass(frozen=True)
class StereoResult:
    """Whole-file stereo facts and sums (LL, RR, LR) per frame of the measurement's grid."""

    ll: float
    rr: float
    lr: float
    max_abs_difference: float
    ll_series: np.ndarray
    rr_series: np.ndarray
    lr_series: np.ndarray

    @property
    def correlation(self) -> float | None:
        """Pearson-style L/R correlation (no mean removal), None if a channel is silent."""
        denom = np.sqrt(self.ll * self.rr)
        return float(self.lr / denom) if denom > 0 else None

    @property
    def side_to_mid_db(self) -> float | None:
        """Side energy over mid energy, M = (L+R)/2, S = (L-R)/2; None for silence."""
        mid = (self.ll + 2 * self.lr + self.rr) / 4
        side = (self.ll - 2 * self.lr + self.rr) / 4
        if mid <= 0 and side <= 0:
            return None
        if mid <= 0:
            return SIDE_TO_MID_FLOOR_DB * -1
        return max(float(power_to_db(max(side, 0.0)) - power_to_db(mid)), SIDE_TO_MID_FLOOR_DB)

    @property
    def balance(self) -> float | None:
        """(E_R - E_L) / (E_R + E_L): -1 all left, +1 all right."""
        total = self.ll + self.rr
        return float((self.rr - self.ll) / total) if total > 0 else None

    @property
    def identical_channels(self) -> bool:
        return self.max_abs_difference <= IDENTICAL_DIFFERENCE_MAX and self.ll > 0


def correlation_of(ll: np.ndarray, rr: np.ndarray, lr: np.ndarray) -> np.ndarray:
    """Correlation per element of summed energies; NaN where a channel is silent."""
    denom = np.sqrt(ll * rr)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, lr / np.where(denom > 0, denom, 1), np.nan)


class StereoMeter:
    """Streams the L/R energy sums of a stereo signal."""

    def __init__(self, sample_rate: int, channels: int = 2, step: int = 1, frames: int = 0) -> None:
        if channels != 2:
            raise ValueError("StereoMeter needs two channels")
        self._segmenter = RowSegmenter(segment_frames(sample_rate), 2)
        self._fold = SeriesFold(step, "sum", series_capacity(frames, sample_rate, step))
        self._max_diff = 0.0

    def update(self, block: np.ndarray) -> None:
        """Add ``block`` (frames, 2); NaN and infinities read as zeros."""
        if not len(block):
            return
        rows = np.ascontiguousarray(block.T, dtype=np.float32)
        if not np.isfinite(rows).all():
            rows = np.nan_to_num(rows, nan=0.0, posinf=0.0, neginf=0.0)
        self.update_rows(rows)

    def update_rows(self, rows: np.ndarray) -> None:
        """Add finite float32 ``rows`` (2, frames): as ``update`` with the block transposed."""
        if not rows.shape[1]:
            return
        left, right = rows
        self._max_diff = max(self._max_diff, float(np.abs(left - right).max()))
        segs = self._segmenter.push(rows)
        if segs.shape[1]:
            self._reduce(segs)

    def _reduce(self, segs: np.ndarray) -> None:
        """LL, RR and LR summed per segment of ``segs`` (2, segments, frames): the products of
        two float32 samples are exact in float64, and summed there."""
        left, right = segs.astype(np.float64)
        sums = np.empty((segs.shape[1], 3))
        sums[:, 0] = np.einsum("sn,sn->s", left, left)
        sums[:, 1] = np.einsum("sn,sn->s", right, right)
        sums[:, 2] = np.einsum("sn,sn->s", left, right)
        self._fold.push(sums)

    def result(self) -> StereoResult:
        rest = self._segmenter.flush()
        if rest.shape[1]:
            self._reduce(rest)
        series = np.ascontiguousarray(self._fold.series(np.zeros((0, 3))).T)
        return StereoResult(
            ll=float(series[0].sum()),
            rr=float(series[1].sum()),
            lr=float(series[2].sum()),
            max_abs_difference=self._max_diff,
            ll_series=series[0],
            rr_series=series[1],
            lr_series=series[2],
        )
