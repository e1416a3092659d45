"""Per-stem features the rules share, derived from the measurements on the session's grid
(100 ms frames; longer ones in a session over ten minutes: ``Session.frame_s``).

Everything here is cheap array work over the stored series (no audio is read), so every rule can
ask the same questions: when is a stem playing, how loud is it in a section, what does its
spectrum look like while it plays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, bands_between
from mixreview.analysis.meters.loudness import (
    block_frames,
    integrated_from_energy,
    lufs_from_energy,
)
from mixreview.analysis.meters.segments import SEGMENT_S
from mixreview.analysis.sections import Section, activity, grid_frames
from mixreview.analysis.suggest.memo import IdentityMemo

CENTERS_HZ = np.array(BAND_CENTERS_HZ)
ACTIVE_FLOOR_LUFS = -60.0
ACTIVE_BELOW_MAX_LU = 35.0
BAND_ACTIVE_BELOW_MAX_DB = 30.0
BAND_FLOOR_DB = -100.0
MASKS = IdentityMemo()  # where a stem moved by a gain plays: read ahead of its fader


def grid_count(frames_100ms: int, frame_s: float) -> int:
    """A rule's count of 100 ms frames (a minimum, a window) as frames of ``frame_s``: the same
    time, at least one frame."""
    return max(1, math.ceil(frames_100ms * SEGMENT_S / frame_s - 1e-9))


def to_db(power: np.ndarray | float, floor_db: float = -150.0) -> np.ndarray:
    """Power to dB with a floor instead of -inf."""
    with np.errstate(divide="ignore"):
        return np.maximum(10.0 * np.log10(np.maximum(power, 1e-30)), floor_db)


def band_index(freq_hz: float) -> int:
    """The third-octave band holding ``freq_hz``."""
    return int(np.argmin(np.abs(np.log2(CENTERS_HZ / freq_hz))))


def band_range(low_hz: float, high_hz: float) -> np.ndarray:
    """Indices of bands whose nominal centre lies in [low_hz, high_hz]: "40 Hz to 8 kHz" holds
    the 40 Hz band, whose exact centre is 39.4 Hz."""
    return bands_between(low_hz, high_hz)


def mask_bounds(mask: np.ndarray, frame_s: float = SEGMENT_S) -> slice:
    """The frames a gated loudness over ``mask`` reads: its first to its last frame, widened by
    the frames a 400 ms block reaches beyond them (three of 100 ms; empty for an empty mask)."""
    where = np.flatnonzero(mask)
    if not len(where):
        return slice(0, 0)
    reach = block_frames(frame_s) - 1
    return slice(max(0, int(where[0]) - reach), min(len(mask), int(where[-1]) + reach + 1))


def masked_loudness(
    energy: np.ndarray, mask: np.ndarray, window: slice | None = None, frame_s: float = SEGMENT_S
) -> float:
    """``integrated_from_energy(np.where(mask, energy, 0.0))``, to the bit, reading only the
    frames in ``window`` (``mask_bounds(mask)`` when None): a block that lies wholly outside
    the mask is silent and never passes the absolute gate, and the blocks that pass keep their
    values and order."""
    window = mask_bounds(mask, frame_s) if window is None else window
    return integrated_from_energy(np.where(mask[window], energy[window], 0.0), frame_s=frame_s)


def widened(rows: np.ndarray) -> np.ndarray:
    """Band powers selected from ``mid`` or ``side``, in float64 for summing: the measured
    float32 series are kept as they are (a session's features hold one of each per stem)."""
    return np.asarray(rows, np.float64)


def _fit(series: np.ndarray, frames: int) -> np.ndarray:
    """Pad with zeros (a shorter stem is silent after its end) or cut to ``frames`` rows."""
    if len(series) >= frames:
        return series[:frames]
    pad = [(0, frames - len(series))] + [(0, 0)] * (series.ndim - 1)
    return np.pad(series, pad)


@dataclass(frozen=True)
class Offset:
    """A stem as a whole-stem gain made it: ``before`` is its measurement ahead of the fader
    (every other change applied), ``gain_db`` the fader. Rules that read a stem's levels only
    against its own (or against stems moved as much) keep what they found for ``before``."""

    before: Measurement
    gain_db: float


@dataclass(frozen=True)
class StemFeatures:
    """One stem's measurement laid on the session's grid: ``frames`` frames of ``frame_s``."""

    file: str
    role: str
    measurement: Measurement
    frames: int
    offset: Offset | None = None
    frame_s: float = SEGMENT_S

    @property
    def ahead(self) -> Measurement:
        """The measurement ahead of the stem's fader (its own when no gain moved it)."""
        return self.offset.before if self.offset is not None else self.measurement

    @property
    def fader_db(self) -> float:
        return self.offset.gain_db if self.offset is not None else 0.0

    @cached_property
    def before_fader(self) -> StemFeatures:
        """The stem ahead of its fader: what a processor placed before the gain (a compressor)
        sees."""
        if self.offset is None:
            return self
        return StemFeatures(
            self.file, self.role, self.offset.before, self.frames, frame_s=self.frame_s
        )

    def _ahead_mask(self, name: str) -> np.ndarray:
        """A mask of the stem ahead of its fader (``active``, ``band_active``, ``playing``),
        kept while that measurement is the same."""
        masks: dict[str, np.ndarray] = MASKS.get(
            ("masks", self.file), (self.ahead,), self._ahead_masks
        )
        return masks[name]

    def _ahead_masks(self) -> dict[str, np.ndarray]:
        ahead = StemFeatures(self.file, self.role, self.ahead, self.frames, frame_s=self.frame_s)
        masks = {name: getattr(ahead, name) for name in ("active", "band_active", "playing")}
        for mask in masks.values():
            mask.flags.writeable = False  # shared from one derivation to the next
        return masks

    @classmethod
    def with_energy(cls, base: StemFeatures, energy: np.ndarray) -> StemFeatures:
        """``base`` with another energy series (a mix as a decision would make it)."""
        copy = cls(base.file, base.role, base.measurement, base.frames, frame_s=base.frame_s)
        copy.__dict__["energy"] = energy  # the cached_property's own slot
        return copy

    @cached_property
    def energy(self) -> np.ndarray:
        """K-weighted energy per frame (the loudness meter's), on the session grid."""
        return _fit(np.asarray(self.measurement.loudness.frame_energy, np.float64), self.frames)

    @cached_property
    def frame_lufs(self) -> np.ndarray:
        return np.maximum(np.asarray(lufs_from_energy(np.maximum(self.energy, 1e-30))), -200.0)

    @cached_property
    def active(self) -> np.ndarray:
        """Frames where the part plays: above -60 LUFS and within 35 LU of its loudest frame.
        Read ahead of the fader: a gain moves the part, not where it plays, so what the rules
        found there holds after it."""
        if self.offset is not None:
            return self._ahead_mask("active")
        lufs = self.frame_lufs
        top = lufs.max(initial=-200.0)
        return (lufs > ACTIVE_FLOOR_LUFS) & (lufs > top - ACTIVE_BELOW_MAX_LU)

    @cached_property
    def playing(self) -> np.ndarray:
        """Frames where the part plays with its short pauses filled (a drum between hits, a
        singer between phrases): the sections' activity (ahead of the fader), for asking
        whether a part plays in a section at all."""
        if self.offset is not None:
            return self._ahead_mask("playing")
        return activity(self.energy, self.frame_s)

    @cached_property
    def mid(self) -> np.ndarray:
        """Mid power per frame and band as measured (float32: ``widened`` what you select)."""
        return _fit(np.asarray(self.measurement.bands.mid_power), self.frames)

    @cached_property
    def side(self) -> np.ndarray:
        """Side power per frame and band as measured (float32: ``widened`` what you select)."""
        return _fit(np.asarray(self.measurement.bands.side_power), self.frames)

    @cached_property
    def band_power(self) -> np.ndarray:
        """Mid + side power per frame and band: the stereo power (L² + R²) / 2."""
        return np.add(self.mid, self.side, dtype=np.float64)

    @cached_property
    def band_active(self) -> np.ndarray:
        """Per band and frame: the stem plays and the band carries energy near its band maximum
        and above -100 dB (ahead of the fader)."""
        if self.offset is not None:
            return self._ahead_mask("band_active")
        db = to_db(self.band_power)
        top = db[self.active].max(axis=0) if self.active.any() else np.full(db.shape[1], -150.0)
        near_top = db > (top - BAND_ACTIVE_BELOW_MAX_DB)[None, :]
        return self.active[:, None] & near_top & (db > BAND_FLOOR_DB)

    @cached_property
    def spectrum_db(self) -> np.ndarray:
        """Long-term band spectrum over the frames where the stem plays."""
        if not self.active.any():
            return np.full(len(CENTERS_HZ), -150.0)
        return to_db(self.band_power[self.active].mean(axis=0))

    def loudness_over(self, mask: np.ndarray) -> float:
        """Gated integrated loudness over the frames of ``mask`` (LUFS, -inf if silent)."""
        return masked_loudness(self.energy, mask, frame_s=self.frame_s)

    def loudness(self, start_s: float = 0.0, end_s: float | None = None) -> float:
        """Gated integrated loudness over a range, -inf if silent there."""
        return integrated_from_energy(self.energy, start_s, end_s, self.frame_s)

    def active_share(self, start_s: float, end_s: float) -> float:
        per_s = 1.0 / self.frame_s
        first, last = int(start_s * per_s), max(int(start_s * per_s) + 1, int(end_s * per_s))
        window = self.active[first:last]
        return float(window.mean()) if len(window) else 0.0


@dataclass(frozen=True)
class Features:
    """Features for every measured stem and for the mix."""

    analysis: Analysis
    stems: dict[str, StemFeatures]
    mix: StemFeatures | None
    sections: tuple[Section, ...]
    frames: int
    frame_s: float = SEGMENT_S

    @classmethod
    def build(cls, analysis: Analysis, offsets: Mapping[str, Offset] | None = None) -> Features:
        """``offsets``: the stems a whole-stem gain moved (the live model's), by file."""
        frame_s = analysis.frame_s
        frames = grid_frames(analysis.session.duration_s, frame_s)
        offsets = offsets or {}
        stems = {
            r.stem.file: StemFeatures(
                r.stem.file, r.stem.role, r.measurement, frames, offsets.get(r.stem.file), frame_s
            )
            for r in analysis.stems
            if r.measurement is not None and r.stem.mixable
        }
        mix = (
            StemFeatures("(mix)", "mix", analysis.mix, frames, frame_s=frame_s)
            if analysis.mix is not None
            else None
        )
        return cls(analysis, stems, mix, analysis.sections, frames, frame_s)

    @cached_property
    def all_band_power(self) -> np.ndarray:
        """Every stem's band power summed, per frame and band (the stems' own mix)."""
        total = np.zeros((self.frames, len(CENTERS_HZ)))
        for stem in self.stems.values():
            total += stem.band_power
        return total

    def role_of(self, file: str) -> str:
        return self.stems[file].role
