"""Third-octave band energies over time, for mid and side, on the 100 ms segment grid.

Frame i is a Hann-windowed FFT centred on the middle of 100 ms segment i, so band frames line up
with the loudness and level series. Only band energies are kept, never the spectrogram.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mixreview.analysis.meters.segments import SeriesFold, segment_frames, series_capacity
from mixreview.analysis.meters.sketch import SKETCH_BINS_PER_BAND, SketchKeeper, SpectrumSketch
from mixreview.analysis.scipy_calls import rfft

BAND_CENTERS_HZ: tuple[float, ...] = tuple(1000.0 * 2.0 ** (k / 3.0) for k in range(-16, 14))
NOMINAL_CENTERS_HZ: tuple[str, ...] = (
    "25", "31.5", "40", "50", "63", "80", "100", "125", "160", "200", "250", "315", "400",
    "500", "630", "800", "1k", "1.25k", "1.6k", "2k", "2.5k", "3.15k", "4k", "5k", "6.3k",
    "8k", "10k", "12.5k", "16k", "20k",
)  # fmt: skip
BAND_EDGE_RATIO = 2.0 ** (1.0 / 6.0)
# the nominal centres as numbers: ranges in the docs are given in them (the 40 Hz band's exact
# centre is 39.4 Hz, and "40 Hz to 8 kHz" holds it)
NOMINAL_HZ = np.array(
    [float(n[:-1]) * 1000.0 if n.endswith("k") else float(n) for n in NOMINAL_CENTERS_HZ]
)


def bands_between(low_hz: float, high_hz: float) -> np.ndarray:
    """Indices of the bands whose nominal centre lies in [low_hz, high_hz]."""
    return np.flatnonzero((low_hz <= NOMINAL_HZ) & (NOMINAL_HZ <= high_hz))


def bands_from(low_hz: float, below_hz: float) -> np.ndarray:
    """Mask of the bands whose nominal centre lies in [low_hz, below_hz): ranges that meet at a
    band's centre share it out, the band going to the range above."""
    return (low_hz <= NOMINAL_HZ) & (NOMINAL_HZ < below_hz)


def band_edges_hz() -> np.ndarray:
    """(30, 2) array of lower and upper band edges."""
    centers = np.array(BAND_CENTERS_HZ)
    return np.stack([centers / BAND_EDGE_RATIO, centers * BAND_EDGE_RATIO], axis=1)


def fft_size_for(sample_rate: int) -> int:
    """Power of two covering at least 170 ms, enough to split the 25 Hz band from its neighbours."""
    return int(2 ** np.ceil(np.log2(0.17 * sample_rate)))


def band_matrix(sample_rate: int, n_fft: int) -> np.ndarray:
    """(bins, bands) matrix summing one-sided power bins into bands.

    Each bin stands for the frequency span one bin wide around it and is shared between bands
    in proportion to the overlap, so band values do not jump with where the bins happen to fall
    (which differs between sample rates).
    """
    spacing = sample_rate / n_fft
    freqs = np.arange(n_fft // 2 + 1) * spacing
    low = np.maximum(freqs - spacing / 2, 0.0)
    high = freqs + spacing / 2
    edges = band_edges_hz()
    overlap = np.minimum(high[:, None], edges[None, :, 1]) - np.maximum(
        low[:, None], edges[None, :, 0]
    )
    return (np.clip(overlap, 0.0, None) / spacing).astype(np.float32)


@functools.cache
def sketch_bins(sample_rate: int, n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """The FFT bins a sketch keeps, ascending, and the band each lies in (its centre inside the
    band's edges)."""
    freqs = np.arange(n_fft // 2 + 1) * (sample_rate / n_fft)
    bins: list[np.ndarray] = []
    bands: list[np.ndarray] = []
    for band, (low, high) in enumerate(band_edges_hz()):
        inside = np.flatnonzero((freqs >= low) & (freqs < high))
        if len(inside) > SKETCH_BINS_PER_BAND:
            picks = np.linspace(0, len(inside) - 1, SKETCH_BINS_PER_BAND).round().astype(np.int64)
            inside = inside[picks]
        bins.append(inside)
        bands.append(np.full(len(inside), band, np.int64))
    return np.concatenate(bins), np.concatenate(bands)


@dataclass(frozen=True)
class BandsResult:
    """Band mean-square energies per frame of the measurement's grid (100 ms, or the mean of
    several 100 ms frames in a long signal): arrays of shape (frames, 30), float32."""

    mid_power: np.ndarray
    side_power: np.ndarray
    sketch: SpectrumSketch | None = None  # a stem's, for what it shares with others

    @property
    def mid_mean_power(self) -> np.ndarray:
        return self.mid_power.mean(axis=0) if len(self.mid_power) else np.zeros(30, np.float32)

    @property
    def side_mean_power(self) -> np.ndarray:
        return self.side_power.mean(axis=0) if len(self.side_power) else np.zeros(30, np.float32)


class BandsMeter:
    """Streams third-octave mid/side band energies, one frame per 100 ms segment.

    A band's value is the mean square of the signal in that band (a sine of amplitude A in mid
    reads A²/2 in its band), so band values add up to the signal's mean square.
    """

    def __init__(
        self, sample_rate: int, channels: int, step: int = 1, frames: int = 0, sketch: bool = False
    ) -> None:
        self.channels = channels
        size = series_capacity(frames, sample_rate, step)  # 0: the length is not known
        self._folds = (SeriesFold(step, "mean", size), SeriesFold(step, "mean", size))  # mid, side
        self.hop = segment_frames(sample_rate)
        self.n_fft = fft_size_for(sample_rate)
        window = np.hanning(self.n_fft + 1)[:-1].astype(np.float32)
        self._window = window
        scale = np.full(self.n_fft // 2 + 1, 2.0)
        scale[0] = scale[-1] = 1.0
        self._matrix = (
            band_matrix(sample_rate, self.n_fft)
            * (scale / (self.n_fft * float(np.sum(window.astype(np.float64) ** 2))))[:, None]
        ).astype(np.float32)
        # buffer starts half a window before time zero, so frame 0 is centred on hop/2
        self._first_offset = self.n_fft // 2 - self.hop // 2
        self._buffer = np.zeros((2, self._first_offset), dtype=np.float32)  # mid, side rows
        self._frames_in = 0
        self._frames_out = 0
        self._sketch = None
        if sketch:
            bins = sketch_bins(sample_rate, self.n_fft)[0]
            self._sketch = SketchKeeper(bins, self.n_fft, step, channels)

    def update(self, block: np.ndarray) -> None:
        """Add ``block`` (frames, channels); NaN and infinities read as zeros."""
        if not len(block):
            return
        rows = np.asarray(block, dtype=np.float32).T
        if not np.isfinite(rows).all():
            rows = np.nan_to_num(rows, nan=0.0, posinf=0.0, neginf=0.0)
        self.update_rows(rows)

    def update_rows(self, rows: np.ndarray) -> None:
        """Add finite float32 ``rows`` (channels, frames): as ``update`` with the block
        transposed. Mid and side are written straight after the carried samples."""
        frames = rows.shape[1]
        if not frames:
            return
        self._frames_in += frames
        kept = self._buffer.shape[1]
        buffer = np.empty((2, kept + frames), np.float32)
        buffer[:, :kept] = self._buffer
        mid, side = buffer[0, kept:], buffer[1, kept:]
        if self.channels == 1:
            mid[:] = rows[0]
            side[:] = 0.0
        else:
            np.add(rows[0], rows[1], out=mid)
            mid *= np.float32(0.5)
            np.subtract(rows[0], rows[1], out=side)
            side *= np.float32(0.5)
        self._buffer = buffer
        self._emit(final=False)

    def _emit(self, final: bool) -> None:
        length = self._buffer.shape[1]
        n_avail = (length - self.n_fft) // self.hop + 1 if length >= self.n_fft else 0
        if final:
            wanted = -(-self._frames_in // self.hop) - self._frames_out
            needed = (wanted - 1) * self.hop + self.n_fft
            if wanted > 0 and length < needed:
                pad = np.zeros((2, needed - length), np.float32)
                self._buffer = np.concatenate([self._buffer, pad], axis=1)
            n_avail = max(wanted, 0)
        if n_avail <= 0:
            return
        windows = np.lib.stride_tricks.sliding_window_view(self._buffer, self.n_fft, axis=1)
        frames = windows[:, : (n_avail - 1) * self.hop + 1 : self.hop] * self._window
        spectrum = rfft(frames, axis=-1)
        power = spectrum.real**2
        power += spectrum.imag**2
        bands = power @ self._matrix
        if self._sketch is not None:
            self._sketch.push(spectrum, self._frames_out)
        self._folds[0].push(bands[0])
        self._folds[1].push(bands[1])
        self._frames_out += n_avail
        self._buffer = self._buffer[:, n_avail * self.hop :]

    def result(self) -> BandsResult:
        self._emit(final=True)
        empty = np.zeros((0, len(BAND_CENTERS_HZ)), np.float32)
        mid, side = (fold.series(empty) for fold in self._folds)
        sketch = self._sketch.result() if self._sketch is not None else None
        return BandsResult(mid_power=mid, side_power=side, sketch=sketch)
