"""A sketch of a stem's spectrum: a few FFT bins of each third-octave band, every half second.

Band powers say how loud each stem is, not what two stems have in common: an exact double and an
unrelated part of the same level read the same. The instant A/B match (``playback_estimate``)
needs to know, because moving one of two stems that share a part moves the mix by their
amplitudes, not their powers. Correlating the same bins of two stems over a passage tells it
(``playback_shared``). The bins come from the bands meter's own spectra, so keeping them costs
2 to 4% of measuring a stem; at most ``SKETCH_BINS_PER_BAND`` per band, about every half second,
in float16 (the correlation needs no more), a 4-minute stereo stem's sketch is 0.8 MB (a mono
one keeps no side: 0.4 MB), and a long signal's, on its coarser grid, no more than a 10-minute
one's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKETCH_BINS_PER_BAND = 8
"""Bins kept of each band (all of a band that has fewer): evenly spread across it."""
SKETCH_EVERY = 4.7
"""100 ms segments per sketch row on the 100 ms grid: not a whole number, so the rows do not
keep to one place in a beat (at 120 BPM every half second would land on the same beat phase)."""

FLOAT16_MAX = float(np.finfo(np.float16).max)
"""Bins are clipped to it (a float WAV far over full scale), never stored as infinities."""


def row_segment(row: int | np.ndarray, every: float) -> np.ndarray:
    """The 100 ms segment of sketch row ``row`` (rows every ``every`` segments, rounded)."""
    return np.floor(np.asarray(row) * every + 0.5).astype(np.int64)


def rows_between(first_segment: int, last_segment: int, every: float) -> slice:
    """The sketch rows whose segments lie in ``first_segment .. last_segment - 1``."""

    def first_row_at(segment: int) -> int:
        row = max(0, int(np.ceil((segment - 0.5) / every)) - 1)
        while int(row_segment(row, every)) < segment:
            row += 1
        return row

    return slice(first_row_at(first_segment), first_row_at(max(first_segment, last_segment)))


@dataclass(frozen=True, eq=False)
class SpectrumSketch:
    """The kept bins (``bands.sketch_bins``) of mid and side: float16 (rows, bins, 2), real and
    imaginary parts (a mono stem's side has no rows: it is silent). Row i is the bands meter's
    FFT frame of 100 ms segment ``row_segment(i, every_segments)`` (centred on that segment, as
    the band series' frames are)."""

    mid: np.ndarray
    side: np.ndarray
    every_segments: float
    n_fft: int

    @staticmethod
    def complex_rows(rows: np.ndarray) -> np.ndarray:
        """float16 (rows, bins, 2) as complex128 (rows, bins)."""
        values = rows.astype(np.float64)
        return values[..., 0] + 1j * values[..., 1]


class SketchKeeper:
    """Keeps the sketch rows of a stream of FFT frames (the bands meter's, in order)."""

    def __init__(self, bins: np.ndarray, n_fft: int, step: int, channels: int = 2) -> None:
        self.bins = bins  # the FFT bins kept (``bands.sketch_bins``)
        self.mono = channels == 1  # its side is silent: none kept
        self.n_fft = n_fft
        self.every = SKETCH_EVERY * max(1, int(step))
        self._rows: list[np.ndarray] = []  # (2, rows, bins, 2) float16, mid and side

    def push(self, spectrum: np.ndarray, first_frame: int) -> None:
        """``spectrum``: (2, frames, bins) mid and side spectra of frames ``first_frame ..``."""
        rows = rows_between(first_frame, first_frame + spectrum.shape[1], self.every)
        if rows.stop <= rows.start:
            return
        at = row_segment(np.arange(rows.start, rows.stop), self.every) - first_frame
        picked = spectrum[: 1 if self.mono else 2, at[:, None], self.bins[None, :]]
        kept = np.empty((*picked.shape, 2), np.float16)
        kept[..., 0] = np.clip(picked.real, -FLOAT16_MAX, FLOAT16_MAX)
        kept[..., 1] = np.clip(picked.imag, -FLOAT16_MAX, FLOAT16_MAX)
        self._rows.append(kept)

    def result(self) -> SpectrumSketch:
        if self._rows:
            rows = np.concatenate(self._rows, axis=1)
        else:
            rows = np.zeros((1 if self.mono else 2, 0, len(self.bins), 2), np.float16)
        side = rows[1] if len(rows) > 1 else np.zeros((0, len(self.bins), 2), np.float16)
        return SpectrumSketch(rows[0], side, self.every, self.n_fft)
