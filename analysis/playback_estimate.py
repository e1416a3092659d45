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

Stems that share a part (a double, two microphones on one drum) add by amplitude, not power. The
spectrum sketches say which do and how much, band by band (``playback_shared``): what they add
together is worked out from how much of each one's mid and side reaches the mix's mid and side
after its chain (a gain, a filter, a compressor's gain, a pan, a polarity flip), and replaces
what they added before. Where the sketches show nothing shared, a polarity flip turns the stem's
share of what the stems have in common around, read as the pair polarity rule reads it
(``_flip_power``).
"""

from __future__ import annotations

import math
import threading
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
from mixreview.analysis.playback_shared import SharedParts, shared_parts
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

SHARED_KEPT = 8
"""Passages whose shared parts the estimator keeps (under a MB each, for 32 stems that share)."""
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
    return processed_and_map(series, changes, first, sample_rate, mapped=False)[0]


def processed_and_map(
    series: StemSeries,
    changes: Sequence[Change],
    first: int,
    sample_rate: int,
    mapped: bool = True,
) -> tuple[StemSeries, np.ndarray]:
    """``processed``, and what the chain does to the stem's mid and side amplitudes per frame
    and band: (frames, bands, 2, 2) matrices taking (mid, side) before to (mid, side) after (a
    pan or one channel flipped moves part of one into the other; polarity is left out). Without
    ``mapped`` the matrices are not worked out (an empty array stands for them)."""
    frames = len(series.energy)
    chain = _unchanged(frames) if mapped else np.zeros((0, len(CENTERS), 2, 2))
    for change in changes:
        if change.kind in ("compressor", "pan"):
            scope = frame_mask(change, frames, first, series.frame_s)
            if change.kind == "compressor":
                power: np.ndarray | None = _compressor_power(change, series, sample_rate)
            else:
                power = _pan_power(change, series)
                if mapped:
                    chain = np.where(scope[:, None, None, None], _pan_map(change) @ chain, chain)
            if power is not None:  # only inside its section, where it has one
                power = np.where(scope, power, 1.0)
                series = _scaled(series, series.mid, series.side, power)
                if mapped and change.kind == "compressor":
                    chain = chain * np.sqrt(power)[:, None, None, None]
            continue
        if change.kind == "mono_bass":
            below = _mono_below_power(change, sample_rate)
            ratio = scoped_ratio(change, frames, below, first, series.frame_s)
            series = _scaled(series, series.mid, series.side * ratio, None)
            if mapped:
                chain[..., 1, :] *= np.sqrt(ratio)[..., None]
            continue
        effect = effect_of(change, frames, sample_rate, first, series.frame_s)
        if effect is None:
            continue  # nothing the series can tell: the exact match will
        mid, side = (series.side, series.mid) if effect.swap else (series.mid, series.side)
        series = _scaled(series, mid * effect.mid, side * effect.side, None)
        if mapped:
            chain = chain[..., ::-1, :] if effect.swap else chain
            amplitude = np.stack([np.sqrt(effect.mid), np.sqrt(effect.side)], axis=-1)
            chain = chain * amplitude[..., None]
    return series, chain


def _pan_map(change: Change) -> np.ndarray:
    """A balance's matrix on (mid, side): its channel gains, as mid and side see them."""
    left, right = balance_gains(float(change.params.get("pan", 0.0)) * change.amount)
    even, odd = (left + right) / 2.0, (left - right) / 2.0
    return np.array([[even, odd], [odd, even]])


@dataclass
class _Sum:
    """The stems of one side summed: band powers and K-weighted energy per frame."""

    bands: np.ndarray
    energy: np.ndarray
    flips: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    """Stems whose polarity this side flips: band powers before and after their chains, and the
    frames where the flip acts (for what they share that the sketches did not show)."""
    reach: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """Of each stem whose shared parts are known: how much of its mid and of its side (the
    first axis) reaches the mix's mid, and the mix's side, per frame and band, signed."""
    own: np.ndarray | None = None
    """The band powers of those stems after their chains, summed."""

    @classmethod
    def empty(cls, rows: int) -> _Sum:
        return cls(np.zeros((rows, len(K_POWER))), np.zeros(rows))

    def add(self, series: StemSeries, after: StemSeries, flipped: np.ndarray | None,
            shares: tuple[str, np.ndarray, np.ndarray] | None) -> None:  # fmt: skip
        """Add a stem: ``shares`` names it, with its chain's matrices (``processed_and_map``) and
        the bands where it shares nothing, when its shared parts are known."""
        self.bands += after.mid + after.side
        self.energy += after.energy
        if flipped is not None:  # in the bands the sketches saw nothing shared in
            unseen = shares[2] if shares is not None else 1.0
            before, later = (series.mid + series.side) * unseen, (after.mid + after.side) * unseen
            self.flips.append((before, later, flipped))
        if shares is not None:
            file, chain, _alone = shares
            amplitude = np.stack([np.sqrt(series.mid), np.sqrt(series.side)])
            sign = np.where(flipped, -1.0, 1.0)[:, None] if flipped is not None else 1.0
            to_mid = np.moveaxis(chain[..., 0, :], -1, 0) * amplitude * sign
            to_side = np.moveaxis(chain[..., 1, :], -1, 0) * amplitude * sign
            self.reach[file] = (to_mid, to_side)
            self.own = (self.own if self.own is not None else 0.0) + after.mid + after.side

    def cross_power(self, shared: SharedParts | None) -> np.ndarray | None:
        """The band power the heard stems' shared parts add to their own powers (None: nothing
        known shared among them)."""
        if shared is None or self.own is None:
            return None
        zeros = np.zeros((2, *self.bands.shape))
        to_mid, to_side = zip(
            *(self.reach.get(file, (zeros, zeros)) for file in shared.files), strict=True
        )
        together = shared.power(np.concatenate(to_mid), np.concatenate(to_side))
        return together - self.own


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


def _flip_power(excess: np.ndarray, old_bands: np.ndarray, ratio: np.ndarray,
                flips: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:  # fmt: skip
    """The change in the mix's band powers when stems flip polarity. A flip turns a stem's share
    of what the stems have in common (``excess``: the mix's power over the sum of their powers,
    less what the sketches showed them sharing) around; that share is taken as half the excess
    where the stem plays, as the pair polarity rule reads a pair that cancels, and at most what
    its power and the others' allow."""
    change = np.zeros_like(excess)
    for before, after, frames in flips:
        others = np.maximum(old_bands - before, 0.0)
        shared = np.sign(excess) * np.minimum(np.abs(excess) / 2.0, np.sqrt(before * others))
        moved = np.sqrt(np.where(before > TINY, after / np.maximum(before, TINY), 0.0) * ratio)
        change -= 4.0 * shared * moved * frames[:, None]
    return change


def _mix_energy(
    mix: StemSeries,
    old_bands: np.ndarray,
    side: _Sum,
    old_cross: np.ndarray | None,
    new_cross: np.ndarray | None,
) -> np.ndarray:
    """The K-weighted energy per frame of a side's mix: each band of the measured mix scaled by
    how much the sum of the stems' powers in that band changed, so what stems share is kept
    where they meet and nowhere else (a bass change does not move the guitars' doubling). What
    the known shared parts added before (``old_cross``) is scaled so, and replaced by what they
    add after the changes (``new_cross``)."""
    mix_bands = mix.mid + mix.side
    held = old_bands > TINY
    ratio = np.where(held, side.bands / np.maximum(old_bands, TINY), 0.0)
    scaled = np.where(held, mix_bands * ratio, side.bands)
    if old_cross is not None and new_cross is not None:
        scaled = np.maximum(scaled + np.where(held, new_cross - old_cross * ratio, 0.0), 0.0)
    if side.flips:
        excess = mix_bands - old_bands - (old_cross if old_cross is not None else 0.0)
        scaled = np.maximum(scaled + _flip_power(excess, old_bands, ratio, side.flips), 0.0)
    weighted = (scaled * K_POWER).sum(axis=1)
    before = (mix_bands * K_POWER).sum(axis=1)
    return np.where(before > TINY, mix.energy * weighted / np.maximum(before, TINY), side.energy)


def _heard_energy(side: _Sum, new_cross: np.ndarray | None) -> np.ndarray:
    """The K-weighted energy per frame of the stems heard (some muted, or soloed): their own
    energies, and what the known shared parts among them add, in proportion."""
    if new_cross is None:
        return side.energy
    own = (side.bands * K_POWER).sum(axis=1)
    together = np.maximum(own + (new_cross * K_POWER).sum(axis=1), 0.0)
    return np.where(own > TINY, side.energy * together / np.maximum(own, TINY), side.energy)


def _unchanged(rows: int) -> np.ndarray:
    """The chain matrices of a stem left as it is."""
    chain = np.zeros((rows, len(CENTERS), 2, 2))
    chain[..., 0, 0] = chain[..., 1, 1] = 1.0
    return chain


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
        self._shared_by_span: dict[tuple[int, int], SharedParts | None] = {}
        self._lock = threading.Lock()

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
        shared = self._shared(lead, last, frame_s)
        measured = {stem.file for stem in self.session.mix_stems if stem.file in self.stems}
        whole = audible is None or measured <= audible
        old_bands = np.zeros((rows, len(K_POWER)))
        before = _Sum.empty(rows)  # the shared parts as they are (the whole mix only)
        sides = [_Sum.empty(rows), _Sum.empty(rows)]
        for stem in self.session.mix_stems:
            m = self.stems.get(stem.file)
            if m is None:
                continue
            series = StemSeries.of(m, lead, last)
            old_bands += series.mid + series.side
            # the bands where it shares nothing, when it shares something (else None)
            alone = None
            if shared is not None and stem.file in shared.files:
                alone = shared.alone(stem.file)
            if alone is not None and whole:
                before.add(series, series, None, (stem.file, _unchanged(rows), alone))
            if audible is not None and stem.file not in audible:
                continue
            for total, version in zip(sides, (a, b), strict=True):
                changes = stem_changes(version, stem.file)
                after, chain = processed_and_map(
                    series, changes, lead, self.session.sample_rate, mapped=alone is not None
                )
                known = (stem.file, chain, alone) if alone is not None else None
                total.add(series, after, _flipped(changes, rows, lead, frame_s), known)
        mix = StemSeries.of(self.mix, lead, last)
        old_cross = before.cross_power(shared)
        loudness = []
        for total in sides:
            new_cross = total.cross_power(shared)
            if whole:
                energy = _mix_energy(mix, old_bands, total, old_cross, new_cross)
            else:  # some stems muted or one soloed: the stems heard, and what they share
                energy = _heard_energy(total, new_cross)
            loudness.append(integrated_from_energy(energy[start:], frame_s=frame_s))
        if heard_reference is not None:
            loudness[1] = _reference_loudness(heard_reference, first * frame_s, last * frame_s)
        la, lb = loudness
        return Match(match_offset_db(la, lb), la, lb, (first * frame_s, last * frame_s))

    def _shared(self, lead: int, last: int, frame_s: float) -> SharedParts | None:
        """What the stems share over frames ``lead .. last - 1``: kept for the last few
        passages, as every suggestion auditioned there asks again."""
        step = max(1, round(frame_s / SEGMENT_S))
        segments = (lead * step, last * step)
        with self._lock:
            if segments in self._shared_by_span:
                return self._shared_by_span[segments]
        files = [stem.file for stem in self.session.mix_stems]
        shared = shared_parts(self.stems, files, self.session.sample_rate, segments)
        with self._lock:
            while len(self._shared_by_span) >= SHARED_KEPT:
                del self._shared_by_span[next(iter(self._shared_by_span))]
            self._shared_by_span[segments] = shared
        return shared


__all__ = ["LEAD_FRAMES", "MatchEstimator", "StemSeries", "processed"]
