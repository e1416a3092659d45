"""What stems share, for the instant A/B match: how much of each band two stems have in common
over a passage, read from their spectrum sketches (``meters.sketch``).

When stems share a part (an exact double, two microphones on one drum, a DI and its amp), the mix
holds their amplitudes summed, not their powers: bringing one of a doubled pair up 6 dB moves
the mix by (1 + 2)² against 1 + 4. Band powers alone cannot tell a double from an unrelated part of
the same level. The sketches can: over the passage, the correlation of two stems' kept bins in a
band is the share of their amplitudes that adds coherently there. Correlations indistinguishable
from chance (within five standard errors of an unrelated pair's, in the band or in it and its
neighbours together) are taken as none, so stems that share nothing are estimated as before: by
their powers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, sketch_bins
from mixreview.analysis.meters.sketch import (
    SpectrumSketch,
    row_segment,
    rows_between,
)

SIGNIFICANCE = 5.0
"""Standard errors of an unrelated pair's correlation a correlation must exceed to count."""
NEIGHBOUR_SIGNIFICANCE = 2.0
"""Standard errors a band's own correlation must exceed to count with its neighbours' help."""
WINDOW_SEGMENTS = 600
"""Correlations are read over at least a minute around the passage (about 128 sketch rows)."""
MIN_CORRELATION = 0.05
"""Smaller correlations are taken as none: about the spread of one read from a minute of rows."""


@dataclass(frozen=True, eq=False)
class SharedParts:
    """The stems that share something in a passage (``files``) and the correlations per band of
    their mids and sides: (bands, 2 * stems, 2 * stems), stem k's mid at 2k and side at 2k + 1,
    1 on the diagonal and 0 where two parts share nothing. A stem's own mid and side correlate
    where its channels differ in level: a pan then moves the power of one into the other."""

    files: tuple[str, ...]
    correlation: np.ndarray

    def power(self, to_mid: np.ndarray, to_side: np.ndarray) -> np.ndarray:
        """The band power of the stems summed, (frames, bands), given how much of each part
        reaches the sum's mid and side, (2 * stems, frames, bands), signed (``_Sum.add``)."""
        return _form(self.correlation, to_mid) + _form(self.correlation, to_side)

    def alone(self, file: str) -> np.ndarray:
        """The bands (bool, per band) where stem ``file`` shares nothing with another stem."""
        k = self.files.index(file)
        rows = self.correlation[:, 2 * k : 2 * k + 2, :].copy()
        rows[:, :, 2 * k : 2 * k + 2] = 0.0
        return ~np.any(rows != 0.0, axis=(1, 2))


def _form(correlation: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Sum over parts k, l of correlation[b, k, l] * a_k[t, b] * a_l[t, b], per frame and band."""
    out = np.zeros(amplitude.shape[1:])
    for band in range(amplitude.shape[2]):
        a = amplitude[:, :, band]  # (parts, frames)
        out[:, band] = np.einsum("kt,kt->t", correlation[band] @ a, a)
    return out


def correlations(rows: np.ndarray, bands: np.ndarray, band_count: int) -> np.ndarray:
    """Significant correlations per band of stems' complex sketch rows (stems, rows, bins), the
    bins in ``bands``: (band_count, stems, stems), zero on the diagonal. Each is the pair's
    coherent sum over their amplitudes' products, bin by bin, so a double that plays in one
    chorus only reads 1, as it is where both play (the estimate weighs it by their powers).

    A band whose few strong bins cannot show it on their own (a tonal part, a drum's hits) counts
    when it and its neighbours together do, and it leans the same way (``NEIGHBOUR_SIGNIFICANCE``
    of its own)."""
    stems = rows.shape[0]
    gram = np.zeros((band_count, stems, stems))
    chance = np.zeros_like(gram)  # an unrelated pair's spread
    together = np.zeros_like(gram)
    for band in range(band_count):
        cols = rows[:, :, bands == band].reshape(stems, -1)
        if not cols.shape[1]:
            continue
        parts = np.concatenate([cols.real, cols.imag], axis=1)
        gram[band] = parts @ parts.T
        size = np.abs(cols)
        chance[band] = np.sqrt((size**2 @ (size**2).T) / 2.0)
        together[band] = size @ size.T
    near = np.abs(gram)
    near_chance = chance**2
    near[1:] += np.abs(gram[:-1])
    near[:-1] += np.abs(gram[1:])
    near_chance[1:] += chance[:-1] ** 2
    near_chance[:-1] += chance[1:] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(together > 0.0, gram / together, 0.0)
    alone = np.abs(gram) > SIGNIFICANCE * chance
    pooled = (near > SIGNIFICANCE * np.sqrt(near_chance)) & (
        np.abs(gram) > NEIGHBOUR_SIGNIFICANCE * chance
    )
    off = ~np.eye(stems, dtype=bool)
    keep = off & (alone | pooled) & (np.abs(rho) >= MIN_CORRELATION)
    return np.where(keep, np.clip(rho, -1.0, 1.0), 0.0)


def _window(segments: tuple[int, int], rows: int, every: float) -> tuple[int, int]:
    """The segments the correlations are read over: the passage, widened evenly to
    ``WINDOW_SEGMENTS`` where the sketches reach (a short passage holds too few rows)."""
    first, last = segments
    end = int(row_segment(rows, every))  # past the last row
    missing = max(0, WINDOW_SEGMENTS - (last - first))
    first = max(0, first - missing // 2)
    last = min(end, max(last, first + WINDOW_SEGMENTS))
    first = max(0, min(first, last - WINDOW_SEGMENTS))
    return first, last


def shared_parts(
    stems: Mapping[str, Measurement],
    files: Sequence[str],
    sample_rate: int,
    segments: tuple[int, int],
) -> SharedParts | None:
    """What the stems ``files`` share over 100 ms segments ``segments`` (first, last + 1): those
    sketched on the session's own rate (a stem at another rate has its bins elsewhere) and grid.
    None when no two share anything there."""
    sketches: dict[str, SpectrumSketch] = {}
    for file in files:
        m = stems.get(file)
        sketch = m.bands.sketch if m is not None else None
        if sketch is not None and m is not None and m.sample_rate == sample_rate:
            sketches[file] = sketch
    grids = {(s.every_segments, s.n_fft) for s in sketches.values()}
    if len(sketches) < 2 or len(grids) != 1:
        return None
    every, n_fft = grids.pop()
    span = rows_between(*_window(segments, max(len(s.mid) for s in sketches.values()), every),
                        every)  # fmt: skip
    count = span.stop - span.start
    if count <= 0:
        return None
    _bins, bands = sketch_bins(sample_rate, n_fft)
    names = tuple(sketches)
    mids = np.zeros((len(names), count, len(bands)), np.complex128)
    sides = np.zeros_like(mids)
    for i, file in enumerate(names):
        sketch = sketches[file]
        mid = SpectrumSketch.complex_rows(sketch.mid[span])
        side = SpectrumSketch.complex_rows(sketch.side[span])
        mids[i, : len(mid)] = mid
        sides[i, : len(side)] = side
    band_count = len(BAND_CENTERS_HZ)
    parts = np.stack([mids, sides], axis=1).reshape(2 * len(names), count, len(bands))
    correlation = correlations(parts, bands, band_count)
    between = correlation.copy()
    mid_at, side_at = np.arange(0, 2 * len(names), 2), np.arange(1, 2 * len(names), 2)
    between[:, mid_at, side_at] = between[:, side_at, mid_at] = 0.0  # a stem with itself
    shares = np.flatnonzero(np.abs(between).sum(axis=(0, 2)).reshape(-1, 2).sum(axis=1) > 0)
    if len(shares) < 2:
        return None
    kept = np.stack([2 * shares, 2 * shares + 1], axis=1).ravel()
    correlation = correlation[:, kept][:, :, kept]
    correlation[:, np.arange(len(kept)), np.arange(len(kept))] = 1.0
    return SharedParts(tuple(names[i] for i in shares), correlation)


__all__ = ["SharedParts", "correlations", "shared_parts"]
