"""The masking measure of one pair, frame by frame: what the masking rules count and summarise.

For a pair (target, masker) and a set of bands (their energies summed), each frame has a
level difference (masker minus target) and a flag saying whether both parts are active in one of
the bands. The share of masked frames and the median difference over any scope (the song, a
section, the rest of the song) follow from those two series alone, so they are worked out once
per pair and bands and then summarised per scope: a section is a slice of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.segments import SEGMENT_S, frame_at
from mixreview.analysis.suggest.features import StemFeatures, to_db

MASK_MARGIN_DB = 3.0  # masker within 3 dB of the target (or above): the target is masked there


@dataclass(frozen=True)
class BandMasking:
    """Masking of ``target`` by ``masker`` in a band (or adjacent bands taken as one)."""

    bands: tuple[int, ...]
    joint_frames: int
    masked_frames: int
    median_diff_db: float  # masker minus target, median over the joint frames

    @property
    def band(self) -> int:
        return self.bands[0]

    @property
    def share(self) -> float:
        return self.masked_frames / self.joint_frames if self.joint_frames else 0.0


@dataclass(frozen=True)
class PairFrames:
    """Per frame, for a pair in ``bands``: the masker's level over the target's (dB) and
    whether both parts are active there."""

    bands: tuple[int, ...]
    diff: np.ndarray
    joint: np.ndarray
    frame_s: float = SEGMENT_S

    @classmethod
    def of(
        cls,
        target: StemFeatures,
        masker: StemFeatures,
        bands: Sequence[int],
        masker_gain_db: np.ndarray | float = 0.0,
    ) -> PairFrames:
        """``masker_gain_db`` (a number, or one per band) changes the masker's level first: the
        prediction of a cut."""
        idx = list(bands)
        gain = np.broadcast_to(10.0 ** (np.asarray(masker_gain_db, np.float64) / 10.0), (len(idx),))
        target_db = to_db(target.band_power[:, idx].sum(axis=1))
        masker_db = to_db((masker.band_power[:, idx] * gain[None, :]).sum(axis=1))
        joint = target.band_active[:, idx].any(axis=1) & masker.band_active[:, idx].any(axis=1)
        return cls(tuple(idx), masker_db - target_db, np.asarray(joint), target.frame_s)

    @staticmethod
    def _summary(bands: tuple[int, ...], diff: np.ndarray, joint: np.ndarray) -> BandMasking:
        masked = joint & (diff > -MASK_MARGIN_DB)
        median = median_of(diff[joint]) if joint.any() else float("-inf")
        return BandMasking(bands, int(joint.sum()), int(masked.sum()), median)

    def over(self, scope: np.ndarray | None = None) -> BandMasking:
        """The masking over the frames in ``scope`` (all if None)."""
        joint = self.joint if scope is None else self.joint & scope
        return self._summary(self.bands, self.diff, joint)

    def within(self, span_s: tuple[float, float]) -> BandMasking:
        """The masking over the frames of ``span_s``: the frames ``span_mask`` selects."""
        window = span_slice(span_s, self.frame_s)
        return self._summary(self.bands, self.diff[window], self.joint[window])

    def within_each(
        self, spans: Sequence[tuple[float, float]], min_joint: int
    ) -> list[BandMasking | None]:
        """``within`` for every span, None where fewer than ``min_joint`` frames are joint:
        the frame counts come from running sums, the median only where it is kept."""
        masked = self.joint & (self.diff > -MASK_MARGIN_DB)
        joint_sum = np.concatenate([[0], np.cumsum(self.joint)])
        masked_sum = np.concatenate([[0], np.cumsum(masked)])
        found: list[BandMasking | None] = []
        for span_s in spans:
            window = span_slice(span_s, self.frame_s)
            lo, hi, _ = window.indices(len(self.joint))
            hi = max(lo, hi)
            joint = int(joint_sum[hi] - joint_sum[lo])
            if joint < min_joint:
                found.append(None)
                continue
            median = median_of(self.diff[window][self.joint[window]]) if joint else float("-inf")
            masked_frames = int(masked_sum[hi] - masked_sum[lo])
            found.append(BandMasking(self.bands, joint, masked_frames, median))
        return found


def median_of(values: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-D array, bit for bit, at a fraction of its overhead (the
    masking rules take thousands of medians of short series): the mean of the middle one or
    two sorted values, summed from 0.0 as numpy's mean sums them."""
    ordered = np.sort(values)
    half = len(ordered) // 2
    middle = ordered[half - 1 : half + 1] if len(ordered) % 2 == 0 else ordered[half : half + 1]
    total = 0.0
    for value in middle.tolist():
        total += value
    return total / len(middle)


def band_masking(
    target: StemFeatures,
    masker: StemFeatures,
    bands: Sequence[int],
    scope: np.ndarray | None = None,
    masker_gain_db: np.ndarray | float = 0.0,
) -> BandMasking:
    """Masking in ``bands`` (their energies summed) over the frames in ``scope`` (all if None).

    A frame counts when both parts are active in one of the bands; it is masked when the
    masker's level there is within ``MASK_MARGIN_DB`` of the target's or above it.
    ``masker_gain_db`` (a number, or one per band) changes the masker's level first: the
    prediction of a cut.
    """
    return PairFrames.of(target, masker, bands, masker_gain_db).over(scope)


def each_band(
    target: StemFeatures, masker: StemFeatures, bands: Sequence[int]
) -> list[BandMasking]:
    """``band_masking`` of each band alone (over every frame), worked out in one pass."""
    idx = [int(b) for b in bands]
    diff = to_db(masker.band_power[:, idx]) - to_db(target.band_power[:, idx])
    joint = target.band_active[:, idx] & masker.band_active[:, idx]
    masked = joint & (diff > -MASK_MARGIN_DB)
    joint_frames, masked_frames = joint.sum(axis=0), masked.sum(axis=0)
    return [
        BandMasking(
            (band,),
            int(joint_frames[j]),
            int(masked_frames[j]),
            median_of(diff[:, j][joint[:, j]]) if joint_frames[j] else float("-inf"),
        )
        for j, band in enumerate(idx)
    ]


def span_slice(span_s: tuple[float, float], frame_s: float = SEGMENT_S) -> slice:
    """The frames of a time span on the grid (100 ms frames unless ``frame_s`` says)."""
    return slice(frame_at(span_s[0], frame_s), frame_at(span_s[1], frame_s))


def span_mask(frames: int, span_s: tuple[float, float], frame_s: float = SEGMENT_S) -> np.ndarray:
    mask = np.zeros(frames, dtype=bool)
    mask[span_slice(span_s, frame_s)] = True
    return mask


def masked_share(
    target: StemFeatures,
    masker: StemFeatures,
    bands: Sequence[int],
    span_s: tuple[float, float] | None,
    frames: int,
) -> float:
    """The target metric: share of jointly active frames masked in ``bands`` (in ``span_s``)."""
    scope = span_mask(frames, span_s, target.frame_s) if span_s is not None else None
    return band_masking(target, masker, bands, scope).share
