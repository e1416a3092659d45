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
from mixreview.analysis.meters.fine import PartEnergy
from mixreview.analysis.meters.segments import SEGMENT_S

__all__ = [
    "SILENCE_LUFS",
    "LoudnessMeter",
    "LoudnessResult",
    "block_frames",
    "integrated_from_energy",
    "k_weighting_sos",
    "loudness_range_from_energy",
    "lufs_from_energy",
    "window_frames",
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
_COMPACT_SEGMENTS = 6000
"""10 ms sums kept before the ones no open window needs are folded (a minute, 48 kB)."""
_CHUNKS_MAX = 64
"""Arrays of 10 ms sums kept before they are joined into one."""


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


def window_frames(window_s: float, frame_s: float) -> int:
    """Frames of ``frame_s`` in a window of ``window_s``: 30 of 100 ms in 3 s, at least one."""
    return max(1, round(window_s / frame_s))


def block_frames(frame_s: float) -> int:
    """Frames of ``frame_s`` in a 400 ms gating block: 4 of 100 ms, at least one."""
    return window_frames(0.4, frame_s)


def integrated_from_energy(
    frame_energy: np.ndarray,
    start_s: float = 0.0,
    end_s: float | None = None,
    frame_s: float = SEGMENT_S,
) -> float:
    """BS.1770 gated integrated loudness (LUFS) of ``[start_s, end_s)`` from frame energies.

    On 100 ms frames the gating blocks are 4 consecutive frames (400 ms) on a 100 ms hop, using
    only frames lying wholly inside the range; on the longer frames of a long signal, as many
    frames as make about 400 ms (at least one). ``-inf`` when no block passes the gates or the
    range is shorter than a block.
    """
    energy = np.asarray(frame_energy, dtype=np.float64)
    per_s = 1.0 / frame_s
    first = max(0, int(np.ceil(start_s * per_s - 1e-6)))
    last = energy.size if end_s is None else min(energy.size, int(np.floor(end_s * per_s + 1e-6)))
    seg = energy[first:last]
    width = block_frames(frame_s)
    if seg.size < width:
        return float("-inf")
    if width == 4:
        blocks = (seg[:-3] + seg[1:-2] + seg[2:-1] + seg[3:]) * 0.25
    else:
        blocks = np.convolve(seg, np.full(width, 1.0 / width), mode="valid")
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


def _as_rows(block: np.ndarray, channels: int) -> np.ndarray:
    """A validated (frames, channels) block as float32 rows (channels, frames): a view when it
    already is float32."""
    return _as_frames(block, channels).T


class _BlockQueue:
    """Regroups incoming blocks into chunks of _MIN_FRAMES.._MAX_FRAMES frames for processing;
    frames run along ``axis`` (0: blocks of (frames, channels), 1: rows of (channels, frames)).

    Small blocks are copied (meters never keep a reference to the caller's array).
    """

    def __init__(self, axis: int = 0) -> None:
        self._axis = axis
        self._queued: list[np.ndarray] = []
        self._frames = 0

    def push(self, block: np.ndarray) -> list[np.ndarray]:
        """Queue ``block``; return the chunks that are ready to process, in order."""
        frames = block.shape[self._axis]
        if frames == 0:
            return []
        if self._frames or frames < _MIN_FRAMES:
            self._queued.append(block.copy())
            self._frames += frames
            if self._frames < _MIN_FRAMES:
                return []
            block = self._take()
        if self._axis == 0:
            return [block[i : i + _MAX_FRAMES] for i in range(0, block.shape[0], _MAX_FRAMES)]
        return [block[:, i : i + _MAX_FRAMES] for i in range(0, block.shape[1], _MAX_FRAMES)]

    def drain(self) -> list[np.ndarray]:
        """Return whatever is queued (possibly nothing)."""
        return [self._take()] if self._frames else []

    def _take(self) -> np.ndarray:
        queued = self._queued
        block = np.concatenate(queued, axis=self._axis) if len(queued) > 1 else queued[0]
        self._queued, self._frames = [], 0
        return block


@dataclass(frozen=True, eq=False)
class LoudnessResult:
    """Loudness of one signal. LUFS scalars are ``-inf`` when not measurable (see module doc).

    The series are on frames of ``frame_s``: 100 ms, or several 100 ms segments in a signal longer
    than ``segments.SERIES_FRAMES_MAX`` segments; the scalars are always measured on 100 ms.
    ``short_term_lufs[i]`` / ``momentary_lufs[i]``: the 3 s / 400 ms window ending at the end of
    frame i. ``frame_energy[i]``: mean-square K-weighted, channel-weighted energy of frame i (the
    complete 100 ms segments only); pass it and ``frame_s`` to ``integrated_from_energy`` for
    the integrated loudness of any range.
    """

    integrated_lufs: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    lra_lu: float
    short_term_lufs: np.ndarray
    momentary_lufs: np.ndarray
    frame_energy: np.ndarray
    frame_s: float
    duration_s: float
    sample_rate: int
    channels: int
    part_energy: np.ndarray | None = None  # (frames, parts): K-weighted energy summed over
    # the 5 ms parts of each frame (``meters.fine``), on the 100 ms grid only


class LoudnessMeter:
    """Streaming BS.1770 meter: feed float32 ``(frames, channels)`` blocks, then call ``result()``.

    ``dual_mono=True`` (one channel only) measures the channel as L = R = x (+3.01 dB), i.e. how a
    mono stem panned centre in a stereo mix contributes.
    """

    def __init__(
        self, sample_rate: int, channels: int, dual_mono: bool = False, step: int = 1
    ) -> None:
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
        self._chunks: list[np.ndarray] = []  # completed 10 ms energy sums not yet compacted
        self._chunked = 0  # how many sums ``_chunks`` holds
        self._first_10ms = 0  # the index of its first sum (a multiple of 10)
        self._sums_100ms: list[np.ndarray] = []  # 100 ms sums of the compacted part
        self._window_peaks = {_MOMENTARY_SEGS: 0.0, _SHORT_TERM_SEGS: 0.0}  # of compacted part
        self._step = max(1, int(step))
        self._blocks = _BlockQueue()
        self._parts = PartEnergy(self.sample_rate) if self._step == 1 else None

    def update(self, block: np.ndarray) -> None:
        """Add ``block`` (frames, channels); any length, including 0."""
        for chunk in self._blocks.push(_as_frames(block, self.channels)):
            self._process(chunk)

    def _process(self, block: np.ndarray) -> None:
        """K-weight one chunk and add its energy to the 10 ms segments."""
        frames = block.shape[0]
        if self.channels == 2 and self._unit_weights:
            # both channels through the filter in one pass, as they come: interleaved pairs
            pairs = self._filter.filter_pairs(np.array(block, dtype=np.float64, order="C"))
            np.multiply(pairs, pairs, out=pairs)
            energy = pairs[:, 0] + pairs[:, 1]
        else:
            planar = np.array(block.T, dtype=np.float64, order="C")
            filtered = self._filter.filter_rows(planar, in_place=True)
            if self._unit_weights:
                energy = np.einsum("cn,cn->n", filtered, filtered)
            else:
                energy = np.einsum("c,cn,cn->n", self._weights, filtered, filtered)

        if self._parts is not None:
            self._parts.update(energy)
        offsets = self._grid.advance(frames)
        if offsets.size == 0:
            self._partial_sum += float(energy.sum())
            return
        last = int(offsets[-1])
        starts = np.concatenate(([0], offsets[:-1]))
        sums = np.add.reduceat(energy[:last], starts)
        sums[0] += self._partial_sum
        self._chunks.append(sums)
        if len(self._chunks) >= _CHUNKS_MAX:  # a few sums each: one array holds them better
            self._chunks = [np.concatenate(self._chunks)]
        self._chunked += sums.size
        self._partial_sum = float(energy[last:].sum())
        if self._chunked > _COMPACT_SEGMENTS:
            self._compact()

    def _compact(self) -> None:
        """Fold the 10 ms sums that no window still open needs: the window maxima over them are
        kept, and their 100 ms sums. The meter then holds 80 bytes a second, not 800."""
        tail = np.concatenate(self._chunks)
        first = self._first_10ms
        for width in self._window_peaks:
            peak = _window_peak(tail, first, self.sample_rate, width)
            self._window_peaks[width] = max(self._window_peaks[width], peak)
        cut = (first + tail.size - (_SHORT_TERM_SEGS - 1)) // _SEGS_PER_100MS * _SEGS_PER_100MS
        done = tail[: cut - first]
        sums = done.reshape(-1, _SEGS_PER_100MS).sum(axis=1)
        # on a long signal's grid they are kept to float32's 7 digits (1e-6 dB): half the memory
        self._sums_100ms.append(sums if self._step == 1 else sums.astype(np.float32))
        self._chunks = [tail[cut - first :].copy()]
        self._chunked = tail.size - done.size
        self._first_10ms = cut

    def result(self) -> LoudnessResult:
        """Measurements of everything fed so far (the meter can keep running afterwards)."""
        for chunk in self._blocks.drain():
            self._process(chunk)
        fs = self.sample_rate
        tail = np.concatenate(self._chunks) if self._chunks else np.zeros(0)
        if len(self._chunks) > 1:
            self._chunks = [tail]
        first = self._first_10ms
        n_10ms = first + tail.size
        momentary_max = self._max_lufs(tail, n_10ms, _MOMENTARY_SEGS)
        short_term_max = self._max_lufs(tail, n_10ms, _SHORT_TERM_SEGS)

        n_100ms = n_10ms // _SEGS_PER_100MS
        whole = tail[: n_100ms * _SEGS_PER_100MS - first].reshape(-1, _SEGS_PER_100MS).sum(axis=1)
        sums_100ms = np.concatenate([*self._sums_100ms, whole]) if self._sums_100ms else whole
        bounds_100ms = np.arange(-29, n_100ms + 1, dtype=np.int64) * fs // 10
        # one whole-length array at a time beside the sums: a long signal's are several MB
        energy_100ms = sums_100ms / np.diff(bounds_100ms[29:]) if n_100ms else np.zeros(0)
        integrated = integrated_from_energy(energy_100ms)
        short_term_energy = _trailing_energy(sums_100ms, bounds_100ms, 30)
        lra = loudness_range_from_energy(short_term_energy[29:])
        step = self._step
        if step > 1 and n_100ms:  # the series on frames of ``step`` segments
            ends = np.arange(step - 1, n_100ms + step - 1, step).clip(max=n_100ms - 1)
            edges = np.append(np.arange(0, n_100ms, step), n_100ms)
            del energy_100ms
            energy_100ms = np.add.reduceat(sums_100ms, edges[:-1]) / np.diff(
                bounds_100ms[29 + edges]
            )
            short_term_energy = short_term_energy[ends]
            momentary_energy = _trailing_energy(sums_100ms, bounds_100ms, 4)[ends]
        else:
            momentary_energy = _trailing_energy(sums_100ms, bounds_100ms, 4)
        return LoudnessResult(
            integrated_lufs=integrated,
            momentary_max_lufs=momentary_max,
            short_term_max_lufs=short_term_max,
            lra_lu=lra,
            short_term_lufs=_readonly(_series_lufs(short_term_energy)),
            momentary_lufs=_readonly(_series_lufs(momentary_energy)),
            frame_energy=_readonly(energy_100ms),
            frame_s=SEGMENT_S * step,
            duration_s=self._grid.samples_seen / fs,
            sample_rate=fs,
            channels=self.channels,
            part_energy=_readonly(self._parts.result()) if self._parts is not None else None,
        )

    def _max_lufs(self, tail: np.ndarray, n_10ms: int, width: int) -> float:
        """The loudest complete window of ``width`` 10 ms segments, in LUFS."""
        if n_10ms < width:
            return float("-inf")
        peak = max(
            self._window_peaks[width], _window_peak(tail, self._first_10ms, self.sample_rate, width)
        )
        return float(lufs_from_energy(peak)) if peak > 0.0 else float("-inf")


def _window_peak(sums: np.ndarray, first: int, sample_rate: int, width: int) -> float:
    """The largest energy of the complete windows of ``width`` 10 ms sums in ``sums`` (which
    starts at segment ``first``) on a one-segment hop; 0 when there is none."""
    if sums.size < width:
        return 0.0
    window_sums = np.convolve(sums, np.ones(width), mode="valid")
    bounds = (
        np.arange(first, first + sums.size + 1, dtype=np.int64) * sample_rate // _SEGMENTS_PER_S
    )
    return float((window_sums / (bounds[width:] - bounds[:-width])).max())


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
