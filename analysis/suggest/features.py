"""Per-stem features the rules share, derived from the measurements on the 100 ms grid.

Everything here is cheap array work over the stored series (no audio is read), so every rule can
ask the same questions: when is a stem playing, how loud is it in a section, what does its
spectrum look like while it plays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.meters.loudness import integrated_from_energy, lufs_from_energy
from mixreview.analysis.sections import Section, activity

T = TypeVar("T")
CENTERS_HZ = np.array(BAND_CENTERS_HZ)
ACTIVE_FLOOR_LUFS = -60.0
ACTIVE_BELOW_MAX_LU = 35.0
BAND_ACTIVE_BELOW_MAX_DB = 30.0


def to_db(power: np.ndarray | float, floor_db: float = -150.0) -> np.ndarray:
    """Power to dB with a floor instead of -inf."""
    with np.errstate(divide="ignore"):
        return np.maximum(10.0 * np.log10(np.maximum(power, 1e-30)), floor_db)


def band_index(freq_hz: float) -> int:
    """The third-octave band holding ``freq_hz``."""
    return int(np.argmin(np.abs(np.log2(CENTERS_HZ / freq_hz))))


def band_range(low_hz: float, high_hz: float) -> np.ndarray:
    """Indices of bands whose centre lies in [low_hz, high_hz]."""
    return np.flatnonzero((low_hz * 0.99 <= CENTERS_HZ) & (high_hz * 1.01 >= CENTERS_HZ))


def mask_bounds(mask: np.ndarray) -> slice:
    """The frames a gated loudness over ``mask`` reads: its first to its last frame, widened by
    the three frames a 400 ms block reaches beyond them (empty for an empty mask)."""
    where = np.flatnonzero(mask)
    if not len(where):
        return slice(0, 0)
    return slice(max(0, int(where[0]) - 3), min(len(mask), int(where[-1]) + 4))


def masked_loudness(energy: np.ndarray, mask: np.ndarray, window: slice | None = None) -> float:
    """``integrated_from_energy(np.where(mask, energy, 0.0))``, to the bit, reading only the
    frames in ``window`` (``mask_bounds(mask)`` when None): a block that lies wholly outside
    the mask is silent and never passes the absolute gate, and the blocks that pass keep their
    values and order."""
    window = mask_bounds(mask) if window is None else window
    return integrated_from_energy(np.where(mask[window], energy[window], 0.0))


def _fit(series: np.ndarray, frames: int) -> np.ndarray:
    """Pad with zeros (a shorter stem is silent after its end) or cut to ``frames`` rows."""
    if len(series) >= frames:
        return series[:frames]
    pad = [(0, frames - len(series))] + [(0, 0)] * (series.ndim - 1)
    return np.pad(series, pad)


class IdentityMemo:
    """Results of per-stem and per-pair rules, kept for as long as the measurements they were
    computed from are the very same objects: after a decision only the stems it touched get new
    measurements, so the live model recomputes only what involves them."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, objects: Sequence[Any], compute: Callable[[], T]) -> T:
        full = (key, tuple(id(o) for o in objects))
        with self._lock:
            hit = self._items.get(full)
            if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
                self._items.move_to_end(full)
                return hit[1]
        value = compute()
        with self._lock:
            self._items[full] = (tuple(objects), value)  # holding them keeps their ids unique
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class StemFeatures:
    """One stem's measurement laid on the session's 100 ms grid."""

    file: str
    role: str
    measurement: Measurement
    frames: int

    @classmethod
    def with_energy(cls, base: StemFeatures, energy: np.ndarray) -> StemFeatures:
        """``base`` with another energy series (a mix as a decision would make it)."""
        copy = cls(base.file, base.role, base.measurement, base.frames)
        copy.__dict__["energy"] = energy  # the cached_property's own slot
        return copy

    @cached_property
    def energy(self) -> np.ndarray:
        """K-weighted energy per 100 ms (the loudness meter's), on the session grid."""
        return _fit(np.asarray(self.measurement.loudness.energy_100ms, np.float64), self.frames)

    @cached_property
    def frame_lufs(self) -> np.ndarray:
        return np.maximum(np.asarray(lufs_from_energy(np.maximum(self.energy, 1e-30))), -200.0)

    @cached_property
    def active(self) -> np.ndarray:
        """Frames where the part plays: above -60 LUFS and within 35 LU of its loudest frame."""
        lufs = self.frame_lufs
        top = lufs.max(initial=-200.0)
        return (lufs > ACTIVE_FLOOR_LUFS) & (lufs > top - ACTIVE_BELOW_MAX_LU)

    @cached_property
    def playing(self) -> np.ndarray:
        """Frames where the part plays with its short pauses filled (a drum between hits, a
        singer between phrases): the sections' activity, for asking whether a part plays in
        a section at all."""
        return activity(self.energy)

    @cached_property
    def mid(self) -> np.ndarray:
        return _fit(np.asarray(self.measurement.bands.mid_power, np.float64), self.frames)

    @cached_property
    def side(self) -> np.ndarray:
        return _fit(np.asarray(self.measurement.bands.side_power, np.float64), self.frames)

    @cached_property
    def band_power(self) -> np.ndarray:
        """Mid + side power per frame and band: the stereo power (L² + R²) / 2."""
        return self.mid + self.side

    @cached_property
    def band_db(self) -> np.ndarray:
        return to_db(self.band_power)

    @cached_property
    def band_active(self) -> np.ndarray:
        """Per band and frame: the stem plays and the band carries energy near its band maximum."""
        db = self.band_db
        top = db[self.active].max(axis=0) if self.active.any() else np.full(db.shape[1], -150.0)
        return (
            self.active[:, None] & (db > (top - BAND_ACTIVE_BELOW_MAX_DB)[None, :]) & (db > -100.0)
        )

    @cached_property
    def spectrum_db(self) -> np.ndarray:
        """Long-term band spectrum over the frames where the stem plays."""
        if not self.active.any():
            return np.full(len(CENTERS_HZ), -150.0)
        return to_db(self.band_power[self.active].mean(axis=0))

    def loudness_over(self, mask: np.ndarray) -> float:
        """Gated integrated loudness over the frames of ``mask`` (LUFS, -inf if silent)."""
        return masked_loudness(self.energy, mask)

    def loudness(self, start_s: float = 0.0, end_s: float | None = None) -> float:
        """Gated integrated loudness over a range, -inf if silent there."""
        return integrated_from_energy(self.energy, start_s, end_s)

    def active_share(self, start_s: float, end_s: float) -> float:
        first, last = int(start_s * 10), max(int(start_s * 10) + 1, int(end_s * 10))
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

    @classmethod
    def build(cls, analysis: Analysis) -> Features:
        frames = int(np.ceil(analysis.session.duration_s * 10 - 1e-9))
        stems = {
            r.stem.file: StemFeatures(r.stem.file, r.stem.role, r.measurement, frames)
            for r in analysis.stems
            if r.measurement is not None and r.stem.mixable
        }
        mix = (
            StemFeatures("(mix)", "mix", analysis.mix, frames) if analysis.mix is not None else None
        )
        return cls(analysis, stems, mix, analysis.sections, frames)

    @cached_property
    def all_band_power(self) -> np.ndarray:
        """Every stem's band power summed, per frame and band (the stems' own mix)."""
        total = np.zeros((self.frames, len(CENTERS_HZ)))
        for stem in self.stems.values():
            total += stem.band_power
        return total

    def role_of(self, file: str) -> str:
        return self.stems[file].role
