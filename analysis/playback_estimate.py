"""An instant loudness match for A/B: both sides' loudness over the passage predicted from the
measured 100 ms series, so the match is right within a fraction of a dB at once, while the exact
match (``LoudnessMatcher``: the real processors on the audio) renders and then replaces it.

Each stem's K-weighted energy per frame goes through its side's changes in channel-strip order:
gains and linear filters through their responses on the third-octave band powers (as the live
model predicts them, ``predict.effect_of``), a compressor through its own detector run on the
stem's 5 ms parts (``compressor_estimate``; on a long session's coarser grid, which has none,
through the gain reduction its settings give on the frame peaks, the prediction the dynamics rule
plans with: ``dynamics.frame_gain_reduction``), a pan through its channel gains, mono below a
frequency through the side's high-pass. The side's mix is the measured mix, each third-octave
band scaled frame by frame by how much the sum of its stems' powers in that band changed, so what
stems share (their correlation) is kept where they meet; with stems muted or soloed it is the sum
of the stems heard. A change before a compressor moves the stem's peaks by how much the sum of its
bands' amplitudes changed (a peak is where their waves meet) and its mean squares by its power.
A polarity flip turns the stem's share of what the stems have in common around, that share read
as the pair polarity rule reads it (``_flip_power``). What the series cannot tell (which stems
share a part, when several do in one band) is left to the exact match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.compressor_estimate import compressor_power
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
class Parts:
    """A stem's 5 ms parts (``meters.fine``) as float64 rows of its frames: peak across
    channels, where in the part it falls (1/256 steps), mean square, K-weighted energy (None
    where the measurement has none: the mean square weighs the parts then)."""

    peak: np.ndarray
    peak_at: np.ndarray
    mean_square: np.ndarray
    energy: np.ndarray | None

    def scaled(self, power: np.ndarray, amplitude: np.ndarray, weighted: np.ndarray) -> Parts:
        """The parts with each frame's power multiplied by ``power``, its peaks by
        ``amplitude`` and its K-weighted energy by ``weighted``."""
        return Parts(
            self.peak * amplitude[:, None],
            self.peak_at,
            self.mean_square * power[:, None],
            self.energy * weighted[:, None] if self.energy is not None else None,
        )


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
    fine: Parts | None = None  # 5 ms parts of each frame, on the 100 ms grid

    @classmethod
    def of(cls, m: Measurement, first: int, last: int) -> StemSeries:
        """Frames ``first .. last - 1`` of ``m`` (zeros past its end)."""
        stereo = m.stereo
        fine = m.levels.fine
        parts = None
        if fine is not None and m.loudness.frame_s == SEGMENT_S:
            energy = m.loudness.part_energy
            parts = Parts(
                _rows(fine.peak, first, last),
                _rows(fine.peak_at, first, last),
                _rows(fine.mean_square, first, last),
                _rows(energy, first, last) if energy is not None else None,
            )
        return cls(
            energy=_rows(m.loudness.frame_energy, first, last),
            mid=_rows(m.bands.mid_power, first, last),
            side=_rows(m.bands.side_power, first, last),
            peak=_rows(m.levels.peak_series, first, last),
            mean_square=_rows(m.levels.mean_square_series, first, last),
            ll=_rows(stereo.ll_series, first, last) if stereo is not None else None,
            rr=_rows(stereo.rr_series, first, last) if stereo is not None else None,
            frame_s=m.loudness.frame_s,
            fine=parts,
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
    if series.fine is not None:
        fine = series.fine
        return compressor_power(
            comp, change.amount, fine.peak, fine.peak_at, fine.mean_square, fine.energy
        )
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
    # a peak is where the bands' waves meet: it moves with the sum of their amplitudes
    amplitude = (np.sqrt(new_total).sum(axis=1) + TINY) / (np.sqrt(old_total).sum(axis=1) + TINY)
    silent = old_total.sum(axis=1) <= TINY
    if power is not None:  # bands that held nothing still take a broadband gain
        weighted = np.where(silent, power, weighted)
        plain = np.where(silent, power, plain)
        amplitude = np.where(silent, np.sqrt(power), amplitude)
    return StemSeries(
        energy=series.energy * weighted,
        mid=mid,
        side=side,
        peak=series.peak * amplitude,
        mean_square=series.mean_square * plain,
        ll=series.ll * plain if series.ll is not None else None,
        rr=series.rr * plain if series.rr is not None else None,
        frame_s=series.frame_s,
        fine=series.fine.scaled(plain, amplitude, weighted) if series.fine is not None else None,
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
    flips: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    """Stems whose polarity this side flips: band powers before and after their chains, and the
    frames where the flip acts."""

    @classmethod
    def empty(cls, rows: int) -> _Sum:
        return cls(np.zeros((rows, len(K_POWER))), np.zeros(rows))

    def add(self, series: StemSeries, after: StemSeries, flipped: np.ndarray | None) -> None:
        self.bands += after.mid + after.side
        self.energy += after.energy
        if flipped is not None:
            self.flips.append((series.mid + series.side, after.mid + after.side, flipped))


def _flipped(changes: Sequence[Change], frames: int, first: int, frame_s: float,
             ) -> np.ndarray | None:  # fmt: skip
    """The frames where ``changes`` leave a stem's polarity flipped, both channels (an odd number
    of flips: the processor flips from amount 0.5); None where they never do."""
    count = np.zeros(frames, dtype=np.int64)
    for change in changes:
        both = change.params.get("channels", "both") == "both"
        if change.kind == "polarity" and both and change.amount >= 0.5:
            count += frame_mask(change, frames, first, frame_s)
    odd = count % 2 == 1
    return odd if odd.any() else None


def _flip_power(mix_bands: np.ndarray, old_bands: np.ndarray, ratio: np.ndarray,
                flips: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:  # fmt: skip
    """The change in the mix's band powers when stems flip polarity. A flip turns a stem's share
    of what the stems have in common (the mix's power over the sum of their powers) around; that
    share is taken as half the excess where the stem plays, as the pair polarity rule reads a
    pair that cancels, and at most what its power and the others' allow."""
    excess = mix_bands - old_bands
    change = np.zeros_like(mix_bands)
    for before, after, frames in flips:
        others = np.maximum(old_bands - before, 0.0)
        shared = np.sign(excess) * np.minimum(np.abs(excess) / 2.0, np.sqrt(before * others))
        moved = np.sqrt(np.where(before > TINY, after / np.maximum(before, TINY), 0.0) * ratio)
        change -= 4.0 * shared * moved * frames[:, None]
    return change


def _mix_energy(mix: StemSeries, old_bands: np.ndarray, side: _Sum) -> np.ndarray:
    """The K-weighted energy per frame of a side's mix: each band of the measured mix scaled by
    how much the sum of the stems' powers in that band changed, so what stems share is kept
    where they meet and nowhere else (a bass change does not move the guitars' doubling)."""
    mix_bands = (mix.mid + mix.side) * K_POWER
    held = old_bands > TINY
    ratio = np.where(held, side.bands / np.maximum(old_bands, TINY), 0.0)
    scaled = np.where(held, mix_bands * ratio, side.bands * K_POWER).sum(axis=1)
    if side.flips:
        flips = _flip_power(mix.mid + mix.side, old_bands, ratio, side.flips)
        scaled = np.maximum(scaled + (flips * K_POWER).sum(axis=1), 0.0)
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
                after = processed(series, changes, lead, self.session.sample_rate)
                total.add(series, after, _flipped(changes, rows, lead, frame_s))
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
