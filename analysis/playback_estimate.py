"""An instant loudness match for A/B: both sides' loudness over the passage predicted from the
measured 100 ms series, so the match is right within a fraction of a dB at once, while the exact
match (``LoudnessMatcher``: the real processors on the audio) renders and then replaces it.

Each stem's K-weighted energy per frame goes through its side's changes in channel-strip order:
gains and linear filters through their responses on the third-octave band powers (as the live
model predicts them, ``predict.effect_of``), a compressor through the per-frame gain reduction
its settings give on the stem's frame peaks (``dynamics.frame_gain_reduction``, the prediction
the dynamics rule plans with), a pan through its channel gains, mono below a frequency through
the side's high-pass. The side's mix is the measured mix, each third-octave band scaled frame by
frame by how much the sum of its stems' powers in that band changed, so what stems share (their
correlation) is kept where they meet; with stems muted or soloed it is the sum of the stems
heard. What no series tells (a polarity flip's effect on the other stems) is left to the exact
match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.dsp.biquad import linkwitz_riley_highpass_sos
from mixreview.analysis.dsp.compressor import Compressor
from mixreview.analysis.dsp.factory import build_processor
from mixreview.analysis.dsp.pan import balance_gains
from mixreview.analysis.dsp.stereo import HIGHPASS_NEUTRAL_HZ
from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.loudness import block_frames, integrated_from_energy
from mixreview.analysis.meters.segments import SEGMENT_S
from mixreview.analysis.playback_match import Match, match_offset_db
from mixreview.analysis.playback_match_cache import stem_changes
from mixreview.analysis.predict import (
    CENTERS,
    K_POWER,
    TINY,
    effect_of,
    fit_frames,
    frame_mask,
    scoped_ratio,
)
from mixreview.analysis.scipy_calls import sos_response
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.suggest.dynamics import frame_gain_reduction
from mixreview.analysis.suggest.features import grid_count

if TYPE_CHECKING:
    from mixreview.analysis.analyze import Analysis

LEAD_FRAMES = 100
"""Frames (100 ms) worked through before the passage, so a compressor's release has settled
(10 s: longer than the longest release the rules propose, 1 s, by ten times)."""


@dataclass(frozen=True)
class StemSeries:
    """What the estimate reads of one stem's measurement, as float64 rows of its frames."""

    energy: np.ndarray  # K-weighted, channels summed (a mono stem as dual mono)
    mid: np.ndarray  # (frames, bands) band powers
    side: np.ndarray
    peak: np.ndarray  # sample peak per frame (linear)
    mean_square: np.ndarray  # unweighted, per frame
    ll: np.ndarray | None  # left and right powers per frame (a stereo stem)
    rr: np.ndarray | None
    frame_s: float = SEGMENT_S

    @classmethod
    def of(cls, m: Measurement, first: int, last: int) -> StemSeries:
        """Frames ``first .. last - 1`` of ``m`` (zeros past its end)."""
        stereo = m.stereo
        return cls(
            energy=_rows(m.loudness.frame_energy, first, last),
            mid=_rows(m.bands.mid_power, first, last),
            side=_rows(m.bands.side_power, first, last),
            peak=_rows(m.levels.peak_series, first, last),
            mean_square=_rows(m.levels.mean_square_series, first, last),
            ll=_rows(stereo.ll_series, first, last) if stereo is not None else None,
            rr=_rows(stereo.rr_series, first, last) if stereo is not None else None,
            frame_s=m.loudness.frame_s,
        )


def _reference_loudness(m: Measurement, start_s: float, end_s: float) -> float:
    """A reference track's loudness over a passage, on its own grid (its length sets it)."""
    frame_s = m.loudness.frame_s
    first = max(0, math.ceil(start_s / frame_s - 1e-6))
    last = max(first, math.floor(end_s / frame_s + 1e-6))
    return integrated_from_energy(_rows(m.loudness.frame_energy, first, last), frame_s=frame_s)


def _rows(series: np.ndarray, first: int, last: int) -> np.ndarray:
    """``series[first:last]`` as float64, padded with zeros to ``last - first`` rows."""
    return fit_frames(np.asarray(series)[first:last], last - first)


def _compressor_power(change: Change, series: StemSeries, sample_rate: int) -> np.ndarray:
    """Per-frame power ratio of a compressor (its gain reduction and makeup) on ``series``,
    with the settings the processor takes from the change (its defaults filled in)."""
    comp = build_processor("compressor", change.params, sample_rate)
    assert isinstance(comp, Compressor)
    slope = (1.0 - 1.0 / comp.ratio) * change.amount  # how the processor scales its ratio
    makeup_db = comp.makeup_db * change.amount
    if slope <= 0.0:
        return np.full(len(series.energy), 10.0 ** (makeup_db / 10.0))
    with np.errstate(divide="ignore"):
        peak_db = np.maximum(20.0 * np.log10(np.maximum(series.peak, 1e-12)), -240.0)
    reduction_db = frame_gain_reduction(
        peak_db,
        series.mean_square,
        comp.threshold_db,
        math.inf if slope >= 1.0 else 1.0 / (1.0 - slope),
        comp.attack_ms,
        comp.release_ms,
        frame_ms=series.frame_s * 1000.0,
    )
    return np.asarray(10.0 ** ((makeup_db - reduction_db) / 10.0), np.float64)


def _pan_power(change: Change, series: StemSeries) -> np.ndarray | None:
    """Per-frame power ratio of a balance on a stereo stem (None: it keeps the power)."""
    if series.ll is None or series.rr is None:
        return None  # dual mono: a constant-power balance keeps its power
    left, right = balance_gains(float(change.params.get("pan", 0.0)) * change.amount)
    before = series.ll + series.rr
    after = left**2 * series.ll + right**2 * series.rr
    return np.where(before > TINY, (after + TINY) / (before + TINY), 1.0)


def _mono_below_power(change: Change, sample_rate: int) -> np.ndarray:
    """Power ratio per band of the side under mono below a frequency: the side goes through the
    processor's Linkwitz-Riley high-pass (``MonoBelow``), the mid is untouched."""
    freq_hz = float(change.params.get("freq_hz", 120.0))
    moved_hz = HIGHPASS_NEUTRAL_HZ * (freq_hz / HIGHPASS_NEUTRAL_HZ) ** change.amount
    sos = linkwitz_riley_highpass_sos(moved_hz, sample_rate)
    return np.asarray(np.abs(sos_response(sos, CENTERS, sample_rate)) ** 2, np.float64)


def _scaled(series: StemSeries, mid: np.ndarray, side: np.ndarray, power: np.ndarray | None,
            ) -> StemSeries:  # fmt: skip
    """``series`` with new band powers (and a broadband power ratio on top), its energy, peaks
    and powers moved by the ratios the band powers give."""
    if power is not None:
        mid, side = mid * power[:, None], side * power[:, None]
    old_total = series.mid + series.side
    new_total = mid + side
    weighted = (new_total @ K_POWER + TINY) / (old_total @ K_POWER + TINY)
    plain = (new_total.sum(axis=1) + TINY) / (old_total.sum(axis=1) + TINY)
    silent = old_total.sum(axis=1) <= TINY
    if power is not None:  # bands that held nothing still take a broadband gain
        weighted = np.where(silent, power, weighted)
        plain = np.where(silent, power, plain)
    return StemSeries(
        energy=series.energy * weighted,
        mid=mid,
        side=side,
        peak=series.peak * np.sqrt(plain),
        mean_square=series.mean_square * plain,
        ll=series.ll * plain if series.ll is not None else None,
        rr=series.rr * plain if series.rr is not None else None,
    )


def processed(
    series: StemSeries, changes: Sequence[Change], first: int, sample_rate: int
) -> StemSeries:
    """The series of a stem (``series``, from frame ``first``) after ``changes`` (already in
    chain order)."""
    frames = len(series.energy)
    for change in changes:
        if change.kind in ("compressor", "pan"):
            if change.kind == "compressor":
                power: np.ndarray | None = _compressor_power(change, series, sample_rate)
            else:
                power = _pan_power(change, series)
            if power is not None:  # only inside its section, where it has one
                scope = frame_mask(change, frames, first, series.frame_s)
                power = np.where(scope, power, 1.0)
                series = _scaled(series, series.mid, series.side, power)
            continue
        if change.kind == "mono_bass":
            below = _mono_below_power(change, sample_rate)
            ratio = scoped_ratio(change, frames, below, first, series.frame_s)
            series = _scaled(series, series.mid, series.side * ratio, None)
            continue
        effect = effect_of(change, frames, sample_rate, first, series.frame_s)
        if effect is None:
            continue  # nothing the series can tell: the exact match will
        mid, side = (series.side, series.mid) if effect.swap else (series.mid, series.side)
        series = _scaled(series, mid * effect.mid, side * effect.side, None)
    return series


@dataclass
class _Sum:
    """The stems of one side summed: band powers and K-weighted energy per frame."""

    bands: np.ndarray
    energy: np.ndarray

    @classmethod
    def empty(cls, rows: int) -> _Sum:
        return cls(np.zeros((rows, len(K_POWER))), np.zeros(rows))

    def add(self, series: StemSeries) -> None:
        self.bands += series.mid + series.side
        self.energy += series.energy


def _mix_energy(mix: StemSeries, old_bands: np.ndarray, side: _Sum) -> np.ndarray:
    """The K-weighted energy per frame of a side's mix: each band of the measured mix scaled by
    how much the sum of the stems' powers in that band changed, so what stems share is kept
    where they meet and nowhere else (a bass change does not move the guitars' doubling)."""
    mix_bands = (mix.mid + mix.side) * K_POWER
    held = old_bands > TINY
    ratio = np.where(held, side.bands / np.maximum(old_bands, TINY), 0.0)
    scaled = np.where(held, mix_bands * ratio, side.bands * K_POWER).sum(axis=1)
    before = mix_bands.sum(axis=1)
    return np.where(before > TINY, mix.energy * scaled / np.maximum(before, TINY), side.energy)


class MatchEstimator:
    """Predicts A/B loudness matches from the session's measurements (stems and mix)."""

    def __init__(
        self,
        session: Session,
        mix: Measurement,
        stems: Mapping[str, Measurement],
        references: Mapping[str, Measurement] | None = None,
    ) -> None:
        self.session = session
        self.mix = mix
        self.stems = dict(stems)
        self.references = dict(references or {})  # by the reference file's path, as text

    @classmethod
    def of(cls, analysis: Analysis) -> MatchEstimator | None:
        """The estimator of a measured session (None: its mix could not be measured)."""
        if analysis.mix is None:
            return None
        stems = {r.stem.file: r.measurement for r in analysis.stems if r.measurement is not None}
        references = {
            str(r.spec.path): r.measurement
            for r in analysis.references
            if r.usable and r.measurement is not None
        }
        return cls(analysis.session, analysis.mix, stems, references)

    def estimate(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        span_s: tuple[float, float],
        audible: set[str] | None = None,
        reference: Stem | None = None,
    ) -> Match | None:
        """The predicted match of B to A over ``span_s`` (None: a passage under 400 ms, or a
        ``reference`` track playing as B that was not measured). A reference plays at its own
        level from the start of the timeline, as the player plays it: B is its measured energy."""
        heard_reference = None
        if reference is not None:
            heard_reference = self.references.get(str(reference.path))
            if heard_reference is None:
                return None
        # the frames wholly inside the passage, as integrated_from_energy takes them
        frame_s = self.mix.loudness.frame_s
        first = max(0, math.ceil(span_s[0] / frame_s - 1e-6))
        last = min(math.floor(span_s[1] / frame_s + 1e-6), len(self.mix.loudness.frame_energy))
        if last - first < block_frames(frame_s):
            return None
        lead = max(0, first - grid_count(LEAD_FRAMES, frame_s))
        start = first - lead
        rows = last - lead
        old_bands = np.zeros((rows, len(K_POWER)))
        sides = [_Sum.empty(rows), _Sum.empty(rows)]
        for stem in self.session.mix_stems:
            m = self.stems.get(stem.file)
            if m is None:
                continue
            series = StemSeries.of(m, lead, last)
            old_bands += series.mid + series.side
            if audible is not None and stem.file not in audible:
                continue
            for total, version in zip(sides, (a, b), strict=True):
                changes = stem_changes(version, stem.file)
                total.add(processed(series, changes, lead, self.session.sample_rate))
        mix = StemSeries.of(self.mix, lead, last)
        measured = {stem.file for stem in self.session.mix_stems if stem.file in self.stems}
        whole = audible is None or measured <= audible
        loudness = []
        for total in sides:
            # some stems muted or one soloed: the stems heard, as they measure on their own
            energy = _mix_energy(mix, old_bands, total) if whole else total.energy
            loudness.append(integrated_from_energy(energy[start:], frame_s=frame_s))
        if heard_reference is not None:
            loudness[1] = _reference_loudness(heard_reference, first * frame_s, last * frame_s)
        la, lb = loudness
        return Match(match_offset_db(la, lb), la, lb, (first * frame_s, last * frame_s))


__all__ = ["LEAD_FRAMES", "MatchEstimator", "StemSeries", "processed"]
