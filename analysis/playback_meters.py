"""Meters of what is playing: per-stem and mix peaks, short-term loudness and L/R correlation,
summed by the audio callback into preallocated arrays and read by the UI whenever it likes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mixreview.analysis.meters.loudness import k_weighting_sos
from mixreview.analysis.scipy_calls import sosfilt

METER_WINDOW_S = 3.0
PEAK_FALL_DB_PER_S = 24.0


class MeterTaps:
    """Levels of what is playing, written by the audio callback into preallocated arrays.

    The callback never allocates here and never talks to the UI: a UI timer reads ``peak``
    (linear, falling at PEAK_FALL_DB_PER_S) and ``energy`` (K-weighted mean square over the last
    METER_WINDOW_S, i.e. short-term loudness) whenever it likes. Row i is ``names[i]``; the last
    row is the mix, ``"(mix)"``.
    """

    MIX = "(mix)"

    def __init__(self, names: Sequence[str], sample_rate: int, block_frames: int) -> None:
        self.names = [*names, self.MIX]
        count = len(self.names)
        self.sample_rate = sample_rate
        self.peak = np.zeros(count, np.float64)
        self.energy = np.zeros(count, np.float64)
        slots = max(1, math.ceil(METER_WINDOW_S * sample_rate / max(block_frames, 1)))
        self._ring = np.zeros((slots, count), np.float64)  # energy sums per block
        # L*R, L*L and R*R sums per block and row: the correlation of what is heard
        self._ring_lr = np.zeros((slots, count, 3), np.float64)
        self._sums_lr = np.zeros((count, 3), np.float64)
        self._ring_frames = np.zeros(slots, np.float64)
        self._slot = 0
        self._sums = np.zeros(count, np.float64)
        self._frames = 0.0
        self.updates = 0

    def push(
        self,
        frames: int,
        peaks: np.ndarray,
        energy_sums: np.ndarray,
        stereo_sums: np.ndarray | None = None,
    ) -> None:
        """One block: linear peaks, K-weighted energy sums and (L*R, L*L, R*R) sums per row
        (callback side)."""
        fall = 10.0 ** (-PEAK_FALL_DB_PER_S * frames / self.sample_rate / 20.0)
        np.multiply(self.peak, fall, out=self.peak)
        np.maximum(self.peak, peaks, out=self.peak)
        slot = self._slot
        self._sums -= self._ring[slot]
        self._frames -= self._ring_frames[slot]
        self._ring[slot] = energy_sums
        self._ring_frames[slot] = frames
        self._sums += energy_sums
        self._sums_lr -= self._ring_lr[slot]
        if stereo_sums is None:
            self._ring_lr[slot] = 0.0
        else:
            self._ring_lr[slot] = stereo_sums
            self._sums_lr += stereo_sums
        self._frames += frames
        self._slot = (slot + 1) % len(self._ring_frames)
        np.divide(self._sums, max(self._frames, 1.0), out=self.energy)
        np.maximum(self.energy, 0.0, out=self.energy)
        self.updates += 1

    def reset(self) -> None:
        self.peak[:] = 0.0
        self.energy[:] = 0.0
        self._ring[:] = 0.0
        self._ring_frames[:] = 0.0
        self._sums[:] = 0.0
        self._ring_lr[:] = 0.0
        self._sums_lr[:] = 0.0
        self._frames = 0.0

    def correlation(self) -> dict[str, float]:
        """L/R correlation per name over the window (UI side); rows with no stereo energy are
        left out."""
        sums = self._sums_lr.copy()
        found: dict[str, float] = {}
        for name, (lr, ll, rr) in zip(self.names, sums, strict=True):
            if ll > 1e-12 and rr > 1e-12:
                found[name] = float(max(-1.0, min(1.0, lr / math.sqrt(ll * rr))))
        return found

    def read(self) -> tuple[dict[str, float], dict[str, float]]:
        """Peak dBFS and short-term LUFS per name (UI side; -inf for silence)."""
        peak = self.peak.copy()
        energy = self.energy.copy()
        with np.errstate(divide="ignore"):
            peak_db = 20.0 * np.log10(peak)
            lufs = -0.691 + 10.0 * np.log10(energy)
        return (
            {n: float(v) for n, v in zip(self.names, peak_db, strict=True)},
            {n: float(v) for n, v in zip(self.names, lufs, strict=True)},
        )


class MeterFeed:
    """The callback's side of the meters: peaks and K-weighted energies of the stems heard and of
    the output, summed over a block and pushed to ``taps``. Row i is stem i; the last is the mix.
    """

    def __init__(self, taps: MeterTaps, stems: int, sample_rate: int) -> None:
        self.taps = taps
        self.stems = stems
        self.ksos = k_weighting_sos(sample_rate)
        self._kzi = np.zeros((2, 2, 2))
        self._peaks = np.zeros(stems + 1)
        self._energy = np.zeros(stems + 1)
        self._stereo = np.zeros((stems + 1, 3))

    def add_units(
        self,
        side_units: np.ndarray,
        kzi: np.ndarray,
        x: np.ndarray,
        n: int,
        stem_gains: np.ndarray,
        side_gain: float,
        transport: float,
    ) -> None:
        """Add the peaks and K-weighted energies of the heard side's stems over ``n`` frames.

        ``side_units``: unit index of each stem on that side (-1: silent there); ``kzi``: the
        renderer's K-weighting state per unit, carried on in place; ``x``: units ``(U, n * 2)``;
        the gains are those the output applies (per stem, of the side, of the transport fade)."""
        units = side_units[: self.stems]  # not the reference
        rows_at: slice | np.ndarray = slice(0, len(units))
        if units.size and units.min() < 0:  # stems silent on this side read nothing
            rows_at = np.flatnonzero(units >= 0)
            units = units[rows_at]
        if not len(units):
            return
        scale = stem_gains[rows_at] * side_gain
        scale = scale * transport
        picked = x[units].reshape(len(units), n, 2)
        peaks = np.abs(picked).max(axis=(1, 2)) * scale
        self._peaks[rows_at] = np.maximum(self._peaks[rows_at], peaks)
        rows = picked.transpose(0, 2, 1).astype(np.float64)
        weighted, kzi[:, units] = sosfilt(self.ksos, rows, axis=-1, zi=kzi[:, units])
        energy = np.einsum("scn,scn->s", weighted, weighted) * scale * scale
        self._energy[rows_at] += energy
        left, right = rows[:, 0], rows[:, 1]
        self._stereo[rows_at, 0] += np.einsum("sn,sn->s", left, right)
        self._stereo[rows_at, 1] += np.einsum("sn,sn->s", left, left)
        self._stereo[rows_at, 2] += np.einsum("sn,sn->s", right, right)

    def push(self, frames: int, out: np.ndarray) -> None:
        """Add the output block ``out`` as the mix row and push the block's sums to the taps."""
        self._peaks[-1] = float(np.abs(out).max()) if len(out) else 0.0
        rows = np.ascontiguousarray(out.T, dtype=np.float64)
        weighted, self._kzi = sosfilt(self.ksos, rows, axis=-1, zi=self._kzi)
        self._energy[-1] = float(np.einsum("cn,cn->", weighted, weighted))
        left, right = rows[0], rows[1]
        self._stereo[-1] = (left @ right, left @ left, right @ right)
        self.taps.push(frames, self._peaks, self._energy, self._stereo)
        self._peaks[:] = 0.0
        self._energy[:] = 0.0
        self._stereo[:] = 0.0
