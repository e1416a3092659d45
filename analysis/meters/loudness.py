"""Streaming BS.1770-5 loudness meter (EBU Tech 3341/3342): momentary, short-term, integrated, LRA.

The signal is K-weighted block by block (``SosFilter``: sosfilt's recursion, carried state),
squared, channel-weighted and summed into sample-accurate 10 ms energy segments. Every quantity is
derived from those segments at ``result()`` time, so block size never changes the result and the
meter holds only ~800 bytes per second of audio instead of the signal.

Conventions:
- Values that cannot be measured (silence, input shorter than the window) are ``float('-inf')``;
  the JSON layer turns them into ``null``. This includes ``lra_lu`` when no short-term window passes
  the -70 LUFS gate (a steady signal that *does* pass reads ``0.0``).
- In the 10 Hz series, silence reads ``SILENCE_LUFS`` (-200.0) so they stay finite and plottable.
- Windows that would reach before the start of the signal are computed with zeros before it (as a
  live meter shows them); maxima use complete windows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np

from mixreview.analysis.dsp.sosfilter import SosFilter

__all__ = [
    "SILENCE_LUFS",
    "LoudnessMeter",
    "LoudnessResult",
    "integrated_from_energy",
    "k_weighting_sos",
    "loudness_range_from_energy",
    "lufs_from_energy",
]

SILENCE_LUFS = -200.0
"""Floor used in the 10 Hz series for windows with no energy (keeps the arrays finite)."""

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
_LUFS_OFFSET = -0.691
_ABS_GATE_ENERGY = 10.0 ** ((ABSOLUTE_GATE_LUFS - _LUFS_OFFSET) / 10.0)

_SEGMENTS_PER_S = 100  # 10 ms energy segments
_SEGS_PER_100MS = 10
_MOMENTARY_SEGS = 40  # 400 ms
_SHORT_TERM_SEGS = 300  # 3 s
_SURROUND_WEIGHT = 1.41


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """K-weighting (shelf + RLB high-pass) as 2 biquad sections for any rate.

    Same analog prototype and bilinear derivation as libebur128 (and pyloudnorm's "DeMan" filter),
    so it reproduces the BS.1770 48 kHz coefficients and matches libebur128 at every rate.
    """
    fs = float(sample_rate)
    # Stage 1: high shelf (head effects).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / fs)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    # Stage 2: RLB high-pass.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / fs)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def lufs_from_energy(energy: float | np.ndarray) -> float | np.ndarray:
    """Loudness in LUFS of a mean-square K-weighted, channel-weighted energy: -0.691 + 10 log10(e).

    Zero energy gives ``-inf`` (without a numpy warning).
    """
    with np.errstate(divide="ignore"):
        out = _LUFS_OFFSET + 10.0 * np.log10(energy)
    return float(out) if np.ndim(out) == 0 else out


def _series_lufs(energy: np.ndarray) -> np.ndarray:
    """LUFS for a series, with silence (and anything below it) at ``SILENCE_LUFS``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _LUFS_OFFSET + 10.0 * np.log10(energy)
    out = np.where(np.isfinite(out), out, SILENCE_LUFS)
    return np.maximum(out, SILENCE_LUFS)


def _gated_mean(block_energy: np.ndarray, relative_gate_lu: float) -> np.ndarray:
    """Blocks passing the absolute (-70 LUFS), then the relative gate (``>=`` as libebur128)."""
    gated = block_energy[block_energy >= _ABS_GATE_ENERGY]
    if gated.size == 0:
        return gated
    threshold = gated.mean() * 10.0 ** (relative_gate_lu / 10.0)
    return gated[gated >= threshold]


def integrated_from_energy(
    energy_100ms: np.ndarray, start_s: float = 0.0, end_s: float | None = None
) -> float:
    """BS.1770 gated integrated loudness (LUFS) of ``[start_s, end_s)`` from 100 ms energies.

    Gating blocks are 4 consecutive 100 ms segments (400 ms) on a 100 ms hop, using only segments
    lying wholly inside the range. ``-inf`` when no block passes the gates or the range is < 400 ms.
    """
    energy = np.asarray(energy_100ms, dtype=np.float64)
    first = max(0, int(np.ceil(start_s * 10.0 - 1e-6)))
    last = energy.size if end_s is None else min(energy.size, int(np.floor(end_s * 10.0 + 1e-6)))
    seg = energy[first:last]
    if seg.size < 4:
        return float("-inf")
    blocks = (seg[:-3] + seg[1:-2] + seg[2:-1] + seg[3:]) * 0.25
    passed = _gated_mean(blocks, RELATIVE_GATE_LU)
    if passed.size == 0:
        return float("-inf")
    return float(lufs_from_energy(passed.mean()))


def loudness_range_from_energy(short_term_energy: np.ndarray) -> float:
    """EBU Tech 3342 loudness range (LU) from short-term (3 s) window energies.

    Absolute gate -70 LUFS, relative gate -20 LU below the energy mean of the gated windows, then
    the 10th and 95th percentiles picked by rank ``round((n - 1) * p)`` as libebur128 does.
    ``-inf`` when no window passes the gates. The meter passes windows on a 100 ms hop (10 Hz);
    libebur128 uses a 1 s hop, which reads differently on short or choppy material (measured up to
    0.8 LU on 2-minute stepped noise, identical when given the same windows).
    """
    passed = np.sort(
        _gated_mean(np.asarray(short_term_energy, dtype=np.float64), LRA_RELATIVE_GATE_LU)
    )
    n = passed.size
    if n == 0:
        return float("-inf")
    low = passed[int((n - 1) * 0.10 + 0.5)]
    high = passed[int((n - 1) * 0.95 + 0.5)]
    return float(10.0 * np.log10(high / low))


def _channel_weights(channels: int, dual_mono: bool) -> np.ndarray:
    """BS.1770 channel weights: L, R, C = 1, surrounds 1.41 (5 channels); dual mono counts twice."""
    if not 1 <= channels <= 5:
        raise ValueError(f"LoudnessMeter supports 1 to 5 channels, got {channels}")
    if dual_mono and channels != 1:
        raise ValueError("dual_mono applies to a single channel only")
    if dual_mono:
        return np.array([2.0])
    if channels == 5:
        return np.array([1.0, 1.0, 1.0, _SURROUND_WEIGHT, _SURROUND_WEIGHT])
    return np.ones(channels)


class _Segmenter:
    """Sample-accurate segment grid: segment j covers samples [j*fs//rate, (j+1)*fs//rate).

    Integer boundaries keep 100 ms segments exact unions of ten 10 ms ones at any sample rate.
    """

    def __init__(self, sample_rate: int, segments_per_s: int) -> None:
        self.sample_rate = int(sample_rate)
        self.segments_per_s = int(segments_per_s)
        self.samples_seen = 0
        self.segment = 0  # index of the segment being filled

    @overload
    def boundary(self, j: int) -> int: ...
    @overload
    def boundary(self, j: np.ndarray) -> np.ndarray: ...
    def boundary(self, j: int | np.ndarray) -> int | np.ndarray:
        """First sample index of segment ``j``."""
        return j * self.sample_rate // self.segments_per_s

    def advance(self, frames: int) -> np.ndarray:
        """Consume ``frames`` samples; return offsets in ``(0, frames]`` where segments end."""
        end = self.samples_seen + frames
        last = ((end + 1) * self.segments_per_s - 1) // self.sample_rate  # last j with B(j) <= end
        js = np.arange(self.segment + 1, last + 1, dtype=np.int64)
        offsets = self.boundary(js) - self.samples_seen
        self.samples_seen = end
        self.segment += js.size
        return offsets


_MIN_FRAMES = 8192  # smaller blocks are queued: per-call overhead dominates below this
_MAX_FRAMES = 16384  # larger blocks are cut: keeps the working set in cache (measured)


def _as_frames(block: np.ndarray, channels: int) -> np.ndarray:
    """Validate a (frames, channels) block as float32; a 1-D block is accepted for one channel."""
    block = np.asarray(block, dtype=np.float32)
    if block.ndim == 1 and channels == 1:
        block = block[:, None]
    if block.ndim != 2 or block.shape[1] != channels:
        raise ValueError(f"expected a (frames, {channels}) block, got shape {block.shape}")
    return block


class _BlockQueue:
    """Regroups incoming blocks into chunks of _MIN_FRAMES.._MAX_FRAMES frames for processing.

    Small blocks are copied (meters never keep a reference to the caller's array).
    """

    def __init__(self) -> None:
        self._queued: list[np.ndarray] = []
        self._frames = 0

    def push(self, block: np.ndarray) -> list[np.ndarray]:
        """Queue ``block``; return the chunks that are ready to process, in order."""
        frames = block.shape[0]
        if frames == 0:
            return []
        if self._frames or frames < _MIN_FRAMES:
            self._queued.append(block.copy())
            self._frames += frames
            if self._frames < _MIN_FRAMES:
                return []
            block = self._take()
        return [block[i : i + _MAX_FRAMES] for i in range(0, block.shape[0], _MAX_FRAMES)]

    def drain(self) -> list[np.ndarray]:
        """Return whatever is queued (possibly nothing)."""
        return [self._take()] if self._frames else []

    def _take(self) -> np.ndarray:
        block = np.concatenate(self._queued) if len(self._queued) > 1 else self._queued[0]
        self._queued, self._frames = [], 0
        return block


@dataclass(frozen=True, eq=False)
class LoudnessResult:
    """Loudness of one signal. LUFS scalars are ``-inf`` when not measurable (see module doc).

    ``short_term_lufs[i]`` / ``momentary_lufs[i]``: the 3 s / 400 ms window ending at (i+1)*100 ms.
    ``energy_100ms[i]``: mean-square K-weighted, channel-weighted energy of the i-th complete 100 ms
    segment; pass it to ``integrated_from_energy`` to get the integrated loudness of any range.
    """

    integrated_lufs: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    lra_lu: float
    short_term_lufs: np.ndarray
    momentary_lufs: np.ndarray
    energy_100ms: np.ndarray
    duration_s: float
    sample_rate: int
    channels: int


class LoudnessMeter:
    """Streaming BS.1770 meter: feed float32 ``(frames, channels)`` blocks, then call ``result()``.

    ``dual_mono=True`` (one channel only) measures the channel as L = R = x (+3.01 dB), i.e. how a
    mono stem panned centre in a stereo mix contributes.
    """

    def __init__(self, sample_rate: int, channels: int, dual_mono: bool = False) -> None:
        if sample_rate < 100:
            raise ValueError(f"sample rate too low: {sample_rate}")
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.dual_mono = bool(dual_mono)
        self._weights = _channel_weights(self.channels, self.dual_mono)
        self._unit_weights = bool(np.all(self._weights == 1.0))
        self._sos = k_weighting_sos(self.sample_rate)
        self._filter = SosFilter(self._sos)  # sosfilt's recursion without its per-call checks
        self._grid = _Segmenter(self.sample_rate, _SEGMENTS_PER_S)
        self._partial_sum = 0.0  # energy sum of the 10 ms segment being filled
        self._chunks: list[np.ndarray] = []  # completed 10 ms segment energy sums
        self._blocks = _BlockQueue()

    def update(self, block: np.ndarray) -> None:
        """Add ``block`` (frames, channels); any length, including 0."""
        for chunk in self._blocks.push(_as_frames(block, self.channels)):
            self._process(chunk)

    def _process(self, block: np.ndarray) -> None:
        """K-weight one chunk and add its energy to the 10 ms segments."""
        frames = block.shape[0]
        planar = np.array(block.T, dtype=np.float64, order="C")
        filtered = self._filter.filter_rows(planar, in_place=True)
        if self._unit_weights:
            energy = np.einsum("cn,cn->n", filtered, filtered)
        else:
            energy = np.einsum("c,cn,cn->n", self._weights, filtered, filtered)

        offsets = self._grid.advance(frames)
        if offsets.size == 0:
            self._partial_sum += float(energy.sum())
            return
        last = int(offsets[-1])
        starts = np.concatenate(([0], offsets[:-1]))
        sums = np.add.reduceat(energy[:last], starts)
        sums[0] += self._partial_sum
        self._chunks.append(sums)
        self._partial_sum = float(energy[last:].sum())

    def result(self) -> LoudnessResult:
        """Measurements of everything fed so far (the meter can keep running afterwards)."""
        for chunk in self._blocks.drain():
            self._process(chunk)
        fs = self.sample_rate
        sums_10ms = np.concatenate(self._chunks) if self._chunks else np.zeros(0)
        if len(self._chunks) > 1:
            self._chunks = [sums_10ms]
        n_10ms = sums_10ms.size
        bounds_10ms = np.arange(n_10ms + 1, dtype=np.int64) * fs // _SEGMENTS_PER_S

        momentary_max = _window_max(sums_10ms, bounds_10ms, _MOMENTARY_SEGS)
        short_term_max = _window_max(sums_10ms, bounds_10ms, _SHORT_TERM_SEGS)

        n_100ms = n_10ms // _SEGS_PER_100MS
        sums_100ms = sums_10ms[: n_100ms * _SEGS_PER_100MS].reshape(-1, _SEGS_PER_100MS).sum(axis=1)
        bounds_100ms = np.arange(-29, n_100ms + 1, dtype=np.int64) * fs // 10
        counts_100ms = np.diff(bounds_100ms)[29:]
        energy_100ms = sums_100ms / counts_100ms if n_100ms else np.zeros(0)

        momentary_energy = _trailing_energy(sums_100ms, bounds_100ms, 4)
        short_term_energy = _trailing_energy(sums_100ms, bounds_100ms, 30)

        integrated = integrated_from_energy(energy_100ms)
        lra = loudness_range_from_energy(short_term_energy[29:])
        return LoudnessResult(
            integrated_lufs=integrated,
            momentary_max_lufs=momentary_max,
            short_term_max_lufs=short_term_max,
            lra_lu=lra,
            short_term_lufs=_readonly(_series_lufs(short_term_energy)),
            momentary_lufs=_readonly(_series_lufs(momentary_energy)),
            energy_100ms=_readonly(energy_100ms),
            duration_s=self._grid.samples_seen / fs,
            sample_rate=fs,
            channels=self.channels,
        )


def _window_max(sums: np.ndarray, bounds: np.ndarray, width: int) -> float:
    """Max loudness over complete windows of ``width`` segments on a one-segment hop."""
    if sums.size < width:
        return float("-inf")
    window_sums = np.convolve(sums, np.ones(width), mode="valid")
    energy = window_sums / (bounds[width:] - bounds[:-width])
    peak = float(energy.max())
    return float(lufs_from_energy(peak)) if peak > 0.0 else float("-inf")


def _trailing_energy(sums_100ms: np.ndarray, bounds: np.ndarray, width: int) -> np.ndarray:
    """Energy of the ``width`` x 100 ms window ending at each segment, zeros before the start.

    ``bounds`` holds segment boundaries starting 29 segments before 0 (so windows up to 3 s can
    take their nominal sample count even when they reach before the signal).
    """
    n = sums_100ms.size
    if n == 0:
        return np.zeros(0)
    window_sums = np.convolve(sums_100ms, np.ones(width))[:n]
    ends = bounds[30 : 30 + n]
    starts = bounds[30 - width : 30 - width + n]
    return np.maximum(window_sums, 0.0) / (ends - starts)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
