"""What changes do to measurements, without reading the audio again where that is exact enough.

The live model asks this after every decision: the stems a decision touches get a new
``Measurement`` and the mix is updated from the differences. Gains (whole-stem and per section)
are exact; linear filters (eq, unmask, highpass), polarity and width act on the stored band,
stereo and energy series through their responses, per 100 ms frame and third-octave band. What
has no exact effect on those series (compressor, pan, mono below a frequency, anything unknown)
is measured again from the processed stem alone, one read of that stem.

The mix is the sum of its stems' energies: a change adds its stem's energy difference to the
mix's series, frame by frame (the assumption the balance rules already make: parts are
uncorrelated). Peaks of the mix follow the energy ratio of their frame.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from mixreview.analysis.apply import Change, chains_for, changes_by_stem
from mixreview.analysis.dsp.eq import Band, bands_sos, coerce_bands
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, BandsResult
from mixreview.analysis.meters.levels import LevelsResult, active_mean_square
from mixreview.analysis.meters.loudness import (
    SILENCE_LUFS,
    LoudnessResult,
    block_frames,
    integrated_from_energy,
    k_weighting_sos,
    loudness_range_from_energy,
    lufs_from_energy,
    window_frames,
)
from mixreview.analysis.meters.segments import SEGMENT_S, frame_at
from mixreview.analysis.meters.truepeak import TruePeakResult
from mixreview.analysis.scipy_calls import sos_response
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import READ_BLOCK_FRAMES, StemReader

FILTER_KINDS = frozenset({"eq", "unmask", "highpass", "lowpass"})
GAIN_KINDS = frozenset({"gain", "headroom"})
PREDICTED_KINDS = FILTER_KINDS | GAIN_KINDS | {"section_gain", "polarity", "width"}
CENTERS = np.asarray(BAND_CENTERS_HZ)
TINY = 1e-30
TRANSIENT_SHARE = 0.5  # a stem whose peak is half the mix's in a frame makes that frame's peak


@dataclasses.dataclass(frozen=True)
class Effect:
    """One change as power ratios per frame (rows) and band (columns), for mid and side.

    ``swap`` exchanges mid and side first (the right channel's polarity flipped)."""

    mid: np.ndarray
    side: np.ndarray
    swap: bool = False


def frame_mask(
    change: Change, frames: int, first: int = 0, frame_s: float = SEGMENT_S
) -> np.ndarray:
    """Frames ``first .. first + frames - 1`` of the song that the change's section covers."""
    mask = np.ones(frames, dtype=bool)
    if change.section_span_s is not None:
        start_s, end_s = change.section_span_s
        mask[:] = False
        lo = max(0, frame_at(start_s, frame_s) - first)
        hi = max(0, frame_at(end_s, frame_s) - first)
        mask[lo:hi] = True
    return mask


def scoped_ratio(
    change: Change, frames: int, ratio: np.ndarray, first: int = 0, frame_s: float = SEGMENT_S
) -> np.ndarray:
    """A per-band ratio on the frames of the change's section (everywhere without one)."""
    out = np.ones((frames, len(CENTERS)))
    out[frame_mask(change, frames, first, frame_s)] = ratio
    return out


def _filter_power(change: Change, sample_rate: int) -> np.ndarray:
    params = change.params
    if change.kind == "unmask":
        bands = [Band("peaking", float(params["freq_hz"]), float(params["gain_db"]),
                      float(params.get("q", 1.0)))]  # fmt: skip
    elif change.kind in ("highpass", "lowpass"):
        bands = [Band(change.kind, float(params["freq_hz"]), 0.0, params.get("q"), None,
                      int(params.get("order", 2)))]  # fmt: skip
    elif "bands" in params:
        bands = list(coerce_bands(params["bands"]))
    else:
        bands = [Band.from_dict(params)]
    sos = bands_sos(bands, sample_rate, change.amount)
    if sos.shape[0] == 0:
        return np.ones(len(CENTERS))
    response = sos_response(sos, CENTERS, sample_rate)
    return np.maximum(np.abs(response) ** 2, 1e-24)


def effect_of(
    change: Change, frames: int, sample_rate: int, first: int = 0, frame_s: float = SEGMENT_S
) -> Effect | None:
    """The change's effect on the band series of frames ``first .. first + frames - 1`` (of
    ``frame_s``), or None when only a new measurement tells."""
    kind = change.kind
    ones = np.ones((frames, len(CENTERS)))
    if kind in GAIN_KINDS:
        power = 10.0 ** (float(change.params["gain_db"]) * change.amount / 10.0)
        ratio = scoped_ratio(change, frames, np.full(len(CENTERS), power), first, frame_s)
        return Effect(ratio, ratio)
    if kind == "section_gain":
        per_frame = np.ones(frames)
        params = change.params
        segments = params.get("segments", [params] if "start_s" in params else [])
        for segment in segments:  # one segment may be given inline, as the processor takes it
            lo = max(0, frame_at(float(segment["start_s"]), frame_s))
            hi = max(lo, frame_at(float(segment["end_s"]), frame_s))
            lo, hi = max(0, lo - first), max(0, hi - first)
            per_frame[lo:hi] = 10.0 ** (float(segment["gain_db"]) * change.amount / 10.0)
        ratio = np.repeat(per_frame[:, None], len(CENTERS), axis=1)
        return Effect(ratio, ratio)
    if kind in FILTER_KINDS:
        ratio = scoped_ratio(change, frames, _filter_power(change, sample_rate), first, frame_s)
        return Effect(ratio, ratio)
    if kind == "polarity":
        channels = change.params.get("channels", "both")
        if change.amount < 0.5 or channels == "both":
            return Effect(ones, ones)
        return Effect(ones, ones, swap=True)
    if kind == "width":
        width = 1.0 + (float(change.params["width"]) - 1.0) * change.amount
        wide = np.full(len(CENTERS), width**2)
        return Effect(ones, scoped_ratio(change, frames, wide, first, frame_s))
    return None


def fit_frames(series: np.ndarray, frames: int, fill: float = 0.0) -> np.ndarray:
    """``series`` as float64 with exactly ``frames`` rows: cut, or padded with ``fill``."""
    series = np.asarray(series, np.float64)
    if len(series) >= frames:
        return series[:frames].copy()
    return np.concatenate([series, np.full((frames - len(series), *series.shape[1:]), fill)])


def _k_power() -> np.ndarray:
    """K-weighting power response at the band centres (the loudness meter's filter)."""
    response = sos_response(k_weighting_sos(48_000), CENTERS, 48_000)
    return np.abs(response) ** 2


K_POWER = _k_power()


@dataclasses.dataclass
class Series:
    """The additive per-frame series of one signal: what changes and sums move."""

    mid: np.ndarray  # (frames, bands) power
    side: np.ndarray
    ll: np.ndarray  # (frames,)
    rr: np.ndarray
    lr: np.ndarray
    energy: np.ndarray  # K-weighted, channel-summed
    mean_square: np.ndarray  # unweighted, channel average

    @classmethod
    def of(cls, m: Measurement, frames: int) -> Series:
        square = fit_frames(m.levels.mean_square_series, frames)
        if m.stereo is not None:
            ll, rr, lr = (fit_frames(s, frames) for s in (m.stereo.ll_series, m.stereo.rr_series,
                                                    m.stereo.lr_series))  # fmt: skip
        else:
            ll = rr = lr = square  # a mono stem enters the mix as dual mono
        return cls(
            mid=fit_frames(m.bands.mid_power, frames),
            side=fit_frames(m.bands.side_power, frames),
            ll=ll,
            rr=rr,
            lr=lr,
            energy=fit_frames(m.loudness.frame_energy, frames),
            mean_square=square,
        )

    def plus(self, other: Series) -> Series:
        return Series(*(getattr(self, f.name) + getattr(other, f.name)
                        for f in dataclasses.fields(self)))  # fmt: skip


def _apply(series: Series, effect: Effect) -> Series:
    mid, side = (series.side, series.mid) if effect.swap else (series.mid, series.side)
    new_mid, new_side = mid * effect.mid, side * effect.side
    old_total = series.mid + series.side
    new_total = new_mid + new_side
    # broadband ratios per frame, unweighted and K-weighted, from the band powers
    plain = (new_total.sum(axis=1) + TINY) / (old_total.sum(axis=1) + TINY)
    weighted = (new_total @ K_POWER + TINY) / (old_total @ K_POWER + TINY)
    mid_ratio = (new_mid.sum(axis=1) + TINY) / (mid.sum(axis=1) + TINY)
    side_ratio = (new_side.sum(axis=1) + TINY) / (side.sum(axis=1) + TINY)
    m2 = (series.ll + 2 * series.lr + series.rr) / 4
    s2 = (series.ll - 2 * series.lr + series.rr) / 4
    ms = (series.ll - series.rr) / 4
    if effect.swap:
        m2, s2 = s2, m2
    m2, s2, ms = m2 * mid_ratio, s2 * side_ratio, ms * np.sqrt(mid_ratio * side_ratio)
    return Series(
        mid=new_mid,
        side=new_side,
        ll=m2 + 2 * ms + s2,
        rr=m2 - 2 * ms + s2,
        lr=m2 - s2,
        energy=series.energy * weighted,
        mean_square=series.mean_square * plain,
    )


def _loudness(old: LoudnessResult, energy: np.ndarray) -> LoudnessResult:
    windows = {}
    widths = {"momentary": block_frames(old.frame_s), "short": window_frames(3.0, old.frame_s)}
    for name, width in widths.items():
        sums = np.convolve(energy, np.ones(width))[: len(energy)] / width
        windows[name] = sums
    momentary = np.asarray(lufs_from_energy(np.maximum(windows["momentary"], TINY)))
    short = np.asarray(lufs_from_energy(np.maximum(windows["short"], TINY)))
    full = widths["short"] - 1  # the first complete 3 s window
    return dataclasses.replace(
        old,
        integrated_lufs=integrated_from_energy(energy, frame_s=old.frame_s),
        momentary_max_lufs=float(momentary[widths["momentary"] - 1 :].max(initial=-np.inf)),
        short_term_max_lufs=float(short[full:].max(initial=-np.inf)),
        lra_lu=loudness_range_from_energy(windows["short"][full:]),
        short_term_lufs=short,
        momentary_lufs=momentary,
        frame_energy=energy,
    )


def _peaks(levels: LevelsResult, peak: TruePeakResult, ratio: np.ndarray,
           ) -> tuple[LevelsResult, TruePeakResult]:  # fmt: skip
    amp = np.sqrt(ratio)
    sample = fit_frames(levels.peak_series, len(amp)) * amp
    tp_db = fit_frames(peak.peak_series_dbtp, len(amp), -np.inf) + 10 * np.log10(ratio)
    top = float(sample.max(initial=0.0))
    new_levels = dataclasses.replace(levels, peak_series=sample, sample_peak=top)
    new_peak = dataclasses.replace(
        peak, peak_series_dbtp=tp_db, true_peak_dbtp=float(tp_db.max(initial=-np.inf))
    )
    return new_levels, new_peak


def rebuild(m: Measurement, series: Series, old: Series) -> Measurement:
    """``m`` with its series replaced and every scalar derived from them again."""
    ratio = (series.mean_square + TINY) / (old.mean_square + TINY)
    ratio = np.where(old.mean_square > TINY, ratio, 1.0)
    levels, true_peak = _peaks(m.levels, m.true_peak, ratio)
    mean_square = float(series.mean_square.mean()) if len(series.mean_square) else 0.0
    levels = dataclasses.replace(
        levels,
        mean_square_series=series.mean_square,
        mean_square=mean_square,
        active_mean_square=active_mean_square(series.mean_square),
    )
    stereo = m.stereo
    if stereo is not None:
        stereo = dataclasses.replace(
            stereo, ll=float(series.ll.sum()), rr=float(series.rr.sum()),
            lr=float(series.lr.sum()), ll_series=series.ll, rr_series=series.rr,
            lr_series=series.lr,
        )  # fmt: skip
    bands = BandsResult(series.mid.astype(np.float32), series.side.astype(np.float32))
    return dataclasses.replace(
        m,
        loudness=_loudness(m.loudness, series.energy),
        true_peak=true_peak,
        levels=levels,
        bands=bands,
        stereo=stereo,
    )


def predictable(changes: Sequence[Change]) -> bool:
    return all(c.kind in PREDICTED_KINDS for c in changes)


def fader_split(changes: Sequence[Change]) -> tuple[list[Change], float]:
    """A stem's changes ahead of its fader, and the fader: the whole-stem gains summed (dB).

    The channel strip puts gain after the compressor and only linear processors after it, so
    the stem as processed is the stem ahead of its fader times that gain, whatever the rest."""
    ahead: list[Change] = []
    fader_db = 0.0
    for change in changes:
        if change.kind in GAIN_KINDS and change.section_span_s is None:
            fader_db += float(change.params["gain_db"]) * change.amount
        else:
            ahead.append(change)
    return ahead, fader_db


def _moved_lufs(series: np.ndarray, gain_db: float) -> np.ndarray:
    """A LUFS series after a gain, its silence floor kept where it was."""
    series = np.asarray(series)
    return np.where(series > SILENCE_LUFS, np.maximum(series + gain_db, SILENCE_LUFS), series)


def with_gain(m: Measurement, gain_db: float) -> Measurement:
    """``m`` after a gain of ``gain_db`` on the whole signal, without reading it again.

    Every power series scales by the power ratio and every level moves by ``gain_db``, as the
    meters read the processed signal; the gates (integrated loudness, LRA) are applied again
    to the moved energies. The clip and limiter counts describe the file and are kept."""
    if gain_db == 0.0:
        return m
    power, amp = 10.0 ** (gain_db / 10.0), 10.0 ** (gain_db / 20.0)
    loud = m.loudness
    energy = np.asarray(loud.frame_energy) * power
    short = _moved_lufs(loud.short_term_lufs, gain_db)
    windows = short[window_frames(3.0, loud.frame_s) - 1 :]  # the complete 3 s windows
    unit_lufs = float(lufs_from_energy(1.0))
    short_energy = np.where(windows > SILENCE_LUFS, 10.0 ** ((windows - unit_lufs) / 10.0), 0.0)
    loudness = dataclasses.replace(
        loud,
        integrated_lufs=integrated_from_energy(energy, frame_s=loud.frame_s),
        momentary_max_lufs=loud.momentary_max_lufs + gain_db,
        short_term_max_lufs=loud.short_term_max_lufs + gain_db,
        lra_lu=loudness_range_from_energy(short_energy),
        short_term_lufs=short,
        momentary_lufs=_moved_lufs(loud.momentary_lufs, gain_db),
        frame_energy=energy,
    )
    peak = m.true_peak
    true_peak = dataclasses.replace(
        peak,
        true_peak_dbtp=peak.true_peak_dbtp + gain_db,
        per_channel_dbtp=tuple(v + gain_db for v in peak.per_channel_dbtp),
        peak_series_dbtp=np.asarray(peak.peak_series_dbtp) + gain_db,
    )
    lv = m.levels
    levels = dataclasses.replace(
        lv,
        sample_peak=lv.sample_peak * amp,
        channel_peaks=tuple(v * amp for v in lv.channel_peaks),
        mean_square=lv.mean_square * power,
        dc_offsets=tuple(v * amp for v in lv.dc_offsets),
        peak_series=np.asarray(lv.peak_series) * amp,
        mean_square_series=np.asarray(lv.mean_square_series) * power,
        # the -60 dBFS floor does not move with the gain: which frames sound may change
        active_mean_square=active_mean_square(np.asarray(lv.mean_square_series) * power),
    )
    bands = BandsResult(
        np.asarray(m.bands.mid_power) * np.float32(power),
        np.asarray(m.bands.side_power) * np.float32(power),
    )
    stereo = m.stereo
    if stereo is not None:
        stereo = dataclasses.replace(
            stereo, ll=stereo.ll * power, rr=stereo.rr * power, lr=stereo.lr * power,
            max_abs_difference=stereo.max_abs_difference * amp,
            ll_series=np.asarray(stereo.ll_series) * power,
            rr_series=np.asarray(stereo.rr_series) * power,
            lr_series=np.asarray(stereo.lr_series) * power,
        )  # fmt: skip
    return dataclasses.replace(
        m, loudness=loudness, true_peak=true_peak, levels=levels, bands=bands, stereo=stereo
    )


def predict_stem(m: Measurement, changes: Sequence[Change], frames: int) -> Measurement:
    """``m`` after ``changes`` (all of ``PREDICTED_KINDS``), from its series alone."""
    old = Series.of(m, frames)
    series = old
    for change in changes:
        effect = effect_of(change, frames, m.sample_rate, frame_s=m.loudness.frame_s)
        if effect is None:
            raise ValueError(f"{change.kind} has no exact effect on the series")
        series = _apply(series, effect)
    return rebuild(m, series, old)


def measure_processed_stem(session: Session, stem: Stem, changes: Sequence[Change]) -> Measurement:
    """Read one stem at the session rate, process it with ``changes`` and measure it (stereo,
    as it enters the mix)."""
    chain = chains_for(changes, session).get(stem.file)
    bank = MeterBank.of_session(session)
    reader = StemReader(stem, session.sample_rate)
    try:
        remaining = session.frames
        while remaining > 0:
            n = min(READ_BLOCK_FRAMES, remaining)
            block = reader.read(n)
            bank.update(chain.process(block) if chain is not None else block)
            remaining -= n
    finally:
        reader.close()
    return bank.result()


def signature(changes: Sequence[Change]) -> str:
    """A key for a stem's changes, for caching what they measure to."""
    return json.dumps(
        [[c.kind, list(c.stems), c.params, c.amount, c.section_span_s] for c in changes],
        sort_keys=True,
        default=str,
    )


def predict_mix(
    mix: Measurement,
    stems: Mapping[str, Measurement],
    after: Mapping[str, Measurement],
    frames: int,
) -> Measurement:
    """The mix after the stems in ``after`` replaced theirs in ``stems`` (all of its stems).

    Each power series of the real mix is scaled, frame by frame (and band by band), by how much
    the sum of its stems' powers changed, so what the stems share (their correlation) is kept
    and a change on every stem scales the mix exactly. The L·R series takes the same scaling
    plus what the changed stems add to it (a polarity flip moves it without moving powers)."""
    old_sum = _sum_series(stems.values(), frames)
    new_sum = _sum_series((after.get(file, m) for file, m in stems.items()), frames)
    real = Series.of(mix, frames)

    def scaled(name: str) -> np.ndarray:
        old, new = getattr(old_sum, name), getattr(new_sum, name)
        ratio = np.where(old > TINY, (new + TINY) / (old + TINY), 1.0)
        return np.maximum(getattr(real, name) * ratio, 0.0)

    ll, rr = scaled("ll"), scaled("rr")
    r_ll = np.where(real.ll > TINY, ll / np.maximum(real.ll, TINY), 1.0)
    r_rr = np.where(real.rr > TINY, rr / np.maximum(real.rr, TINY), 1.0)
    common = np.sqrt(r_ll * r_rr)
    lr = real.lr * common + (new_sum.lr - old_sum.lr * common)
    lr = np.clip(lr, -np.sqrt(ll * rr), np.sqrt(ll * rr))
    series = Series(
        mid=scaled("mid"),
        side=scaled("side"),
        ll=ll,
        rr=rr,
        lr=lr,
        energy=scaled("energy"),
        mean_square=scaled("mean_square"),
    )
    rebuilt = rebuild(mix, series, real)
    return _with_transient_peaks(rebuilt, mix, stems, after, frames)


def _linear_tp(m: Measurement, frames: int) -> np.ndarray:
    return 10.0 ** (fit_frames(m.true_peak.peak_series_dbtp, frames, -np.inf) / 20.0)


def _with_transient_peaks(
    predicted: Measurement,
    mix: Measurement,
    stems: Mapping[str, Measurement],
    after: Mapping[str, Measurement],
    frames: int,
) -> Measurement:
    """Peaks of frames whose peak a changed stem made: a drum hit's peak lands on the mix's,
    so there the mix's peak moves by the stem's own change in amplitude (not by the frame's
    energy, which the rest of the mix holds up), and never below the loudest stem's peak."""
    if not after:
        return predicted
    old = _linear_tp(mix, frames)
    energy_est = _linear_tp(predicted, frames)
    delta = np.zeros(frames)
    makes_peak = np.zeros(frames, dtype=bool)
    loudest = np.zeros(frames)
    for file, m in stems.items():
        before = _linear_tp(m, frames)
        now = _linear_tp(after[file], frames) if file in after else before
        delta += now - before
        loudest = np.maximum(loudest, now)
        if file in after:
            makes_peak |= (before >= TRANSIENT_SHARE * old) & (np.abs(now - before) > 1e-9)
    linear = np.maximum(old + delta, loudest)
    peaks = np.where(makes_peak, linear, energy_est)
    with np.errstate(divide="ignore"):
        series_db = 20.0 * np.log10(np.maximum(peaks, 1e-12))
    series_db = np.where(peaks > 0, series_db, -np.inf)
    true_peak = dataclasses.replace(
        predicted.true_peak,
        peak_series_dbtp=series_db,
        true_peak_dbtp=float(series_db.max(initial=-np.inf)),
    )
    return dataclasses.replace(predicted, true_peak=true_peak)


def _sum_series(measurements: Iterable[Measurement], frames: int) -> Series:
    """The series of ``measurements`` summed in order, one stem's series at a time (a
    session's worth at once would be 40 MB for 32 stems of 4 minutes)."""
    total: Series | None = None
    for m in measurements:
        series = Series.of(m, frames)
        total = series if total is None else total.plus(series)
    assert total is not None, "a mix has at least one stem"
    return total


__all__ = [
    "PREDICTED_KINDS",
    "Effect",
    "changes_by_stem",
    "effect_of",
    "fader_split",
    "measure_processed_stem",
    "predict_mix",
    "predict_stem",
    "predictable",
    "signature",
    "with_gain",
]
