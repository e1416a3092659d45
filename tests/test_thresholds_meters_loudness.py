"""The loudness meter's edges pinned on known signals and energies: the loudness range's
percentile ranks, complete windows only for the maxima, the series of inputs under 100 ms, the
block queue and the 10 ms grid across chunks, and the errors for bad configurations.

The EBU Tech 3341/3342 and libebur128 cross-checks live in test_meters_loudness.py; these add the
cases where one sample, one window or one rank decides the result.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mixreview.analysis.meters import loudness as ld
from tests import ebu_signals as ebu

FS = ebu.FS


def _measure(x: np.ndarray, blocks: tuple[int, ...] = (), channels: int = 2) -> ld.LoudnessResult:
    """``x`` through a fresh meter, cut at ``blocks`` frames (then the rest in one piece)."""
    meter = ld.LoudnessMeter(FS, channels)
    start = 0
    for size in blocks:
        meter.update(x[start : start + size])
        start += size
    meter.update(x[start:])
    return meter.result()


def _energies_db(levels_db: list[float]) -> np.ndarray:
    """Short-term energies at these loudness levels (LUFS)."""
    return 10.0 ** ((np.array(levels_db) - ld._LUFS_OFFSET) / 10.0)


@pytest.mark.parametrize(("n", "low", "high"), [(5, 0, 4), (6, 1, 5), (11, 1, 10), (21, 2, 19)])
def test_loudness_range_ranks(n: int, low: int, high: int) -> None:
    """The 10th and 95th percentiles are picked by rank round((n - 1) p), rounding halves up
    (Tech 3342 as libebur128): windows 1 LU apart read the distance between those ranks."""
    levels = [-30.0 + k for k in range(n)]
    rng = np.random.default_rng(n)
    shuffled = _energies_db(levels)[rng.permutation(n)]
    assert ld.loudness_range_from_energy(shuffled) == pytest.approx(high - low, abs=1e-9)


def test_loudness_range_of_nothing_gated_in() -> None:
    assert ld.loudness_range_from_energy(_energies_db([-80.0, -75.0])) == float("-inf")
    assert ld.loudness_range_from_energy(np.zeros(0)) == float("-inf")
    assert ld.loudness_range_from_energy(_energies_db([-20.0])) == 0.0


def test_lufs_from_energy_of_silence_is_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ld.lufs_from_energy(0.0) == float("-inf")
        got = ld.lufs_from_energy(np.array([0.0, 1.0]))
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, [float("-inf"), ld._LUFS_OFFSET])


@pytest.mark.parametrize(
    ("channels", "dual_mono", "message"),
    [
        (0, False, "LoudnessMeter supports 1 to 5 channels, got 0"),
        (6, False, "LoudnessMeter supports 1 to 5 channels, got 6"),
        (2, True, "dual_mono applies to a single channel only"),
    ],
)
def test_bad_configurations_say_why(channels: int, dual_mono: bool, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        ld.LoudnessMeter(FS, channels, dual_mono=dual_mono)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("seconds", "window", "field"),
    [(0.4, 40, "momentary_max_lufs"), (3.0, 300, "short_term_max_lufs")],
)
def test_maxima_need_one_complete_window(seconds: float, window: int, field: str) -> None:
    """A tone exactly one window long has a maximum; one sample shorter has none."""
    assert window == {"momentary_max_lufs": ld._MOMENTARY_SEGS}.get(field, ld._SHORT_TERM_SEGS)
    x = ebu.sine_segments([(seconds, -20.0)], freq_hz=997.0)
    assert len(x) == round(seconds * FS)
    assert getattr(_measure(x), field) == pytest.approx(-20.0, abs=0.05)
    assert getattr(_measure(x[:-1]), field) == float("-inf")


@pytest.mark.parametrize("frames", [0, 1, 2400, 4799])
def test_inputs_under_100_ms_have_empty_series(frames: int) -> None:
    x = ebu.sine_segments([(0.1, -20.0)], freq_hz=997.0)[:frames]
    r = _measure(x)
    assert r.frame_energy.shape == r.momentary_lufs.shape == r.short_term_lufs.shape == (0,)
    assert (r.sample_rate, r.channels) == (FS, 2)
    assert r.duration_s == frames / FS


def test_result_names_its_rate_and_channels() -> None:
    meter = ld.LoudnessMeter(44100, 1)
    meter.update(np.zeros((4410, 1), np.float32))
    r = meter.result()
    assert (r.sample_rate, r.channels, r.duration_s) == (44100, 1, 0.1)
    assert r.frame_energy.shape == (1,)


@pytest.mark.parametrize(
    "blocks",
    [(9200,), (4096, 4096), (4096, 4096, 1008), (8192, 1), (20000,)],
)
def test_chunks_ending_anywhere_on_the_10_ms_grid(blocks: tuple[int, ...]) -> None:
    """Blocks queued, cut or processed whole, and a last chunk holding one 10 ms boundary or none,
    give the 100 ms energies of the signal fed in one piece."""
    x = ebu.program_like(0.3, FS, 2, seed=5)
    whole = _measure(x)
    total = 0
    for cut in blocks:
        total += cut
        if total <= len(x):
            part = _measure(x[:total], blocks[: blocks.index(cut) + 1])
            reference = _measure(x[:total])
            assert part.frame_energy.shape == reference.frame_energy.shape == (total // 4800,)
            np.testing.assert_allclose(part.frame_energy, reference.frame_energy, rtol=1e-9)
    split = _measure(x, blocks)
    np.testing.assert_allclose(split.frame_energy, whole.frame_energy, rtol=1e-9)
    assert split.duration_s == whole.duration_s == len(x) / FS


def test_a_chunk_with_one_10_ms_boundary_completes_its_100_ms_segment() -> None:
    """9200 frames processed at once end 80 frames before the 20th 10 ms boundary (9600); the
    500 frames after them hold that boundary alone, and complete the second 100 ms segment."""
    x = ebu.program_like(0.3, FS, 2, seed=6)[:9700]
    split = _measure(x, (9200,))
    whole = _measure(x)
    assert split.frame_energy.shape == whole.frame_energy.shape == (2,)
    np.testing.assert_allclose(split.frame_energy, whole.frame_energy, rtol=1e-9)


def test_the_gates_keep_blocks_exactly_at_them() -> None:
    """Both gates keep a block exactly at the gate (``>=``, as libebur128) and drop one a step
    under it; the relative gate's block is searched float by float to land on it."""
    at = ld._ABS_GATE_ENERGY
    under = np.nextafter(at, 0.0)
    assert ld.integrated_from_energy(np.full(4, at)) == pytest.approx(ld.ABSOLUTE_GATE_LUFS)
    assert ld.integrated_from_energy(np.full(4, under)) == float("-inf")
    for gate in (ld.RELATIVE_GATE_LU, ld.LRA_RELATIVE_GATE_LU):
        blocks = _block_on_the_relative_gate(gate)
        assert ld._gated_mean(blocks, gate).size == 4
        blocks[3] = np.nextafter(blocks[3], 0.0)
        assert blocks.mean() * 10.0 ** (gate / 10.0) > blocks[3]
        assert ld._gated_mean(blocks, gate).size == 3


def _block_on_the_relative_gate(gate: float) -> np.ndarray:
    """Four block energies, the last exactly at ``gate`` LU under their mean (as the code
    computes it): the first is stepped float by float until the gate lands on the last."""
    factor = 10.0 ** (gate / 10.0)
    x = factor  # the mean near 1
    first = 4 * x / factor - 2.0 - x
    for _ in range(10000):
        blocks = np.array([first, 1.0, 1.0, x])
        threshold = blocks.mean() * factor
        if threshold == x:
            return blocks
        first = np.nextafter(first, np.inf if threshold < x else -np.inf)
    raise AssertionError("no energy lands on the gate")


@pytest.mark.parametrize(("segments", "finite"), [(3, False), (4, True), (5, True)])
def test_integrated_needs_one_400_ms_block(segments: int, finite: bool) -> None:
    got = ld.integrated_from_energy(np.full(segments, 0.01))
    assert (got > -np.inf) == finite
    if finite:
        assert got == pytest.approx(ld._LUFS_OFFSET - 20.0, abs=1e-9)


@pytest.mark.parametrize(("rate", "per_s"), [(48000, 100), (44100, 100), (44101, 100),
                                             (8001, 10), (22050, 10), (100, 100)])  # fmt: skip
def test_segment_grid_ends_segments_on_their_first_samples(rate: int, per_s: int) -> None:
    """Segment j starts at sample j * rate // per_s: whatever the chunks, the offsets handed back
    are the ends that fall inside each chunk."""
    rng = np.random.default_rng(rate)
    grid = ld._Segmenter(rate, per_s)
    seen = 0
    for frames in [*rng.integers(0, 3 * rate // per_s, 200), *([1] * 500)]:
        offsets = grid.advance(int(frames))
        starts = [j * rate // per_s for j in range(1, (seen + frames) * per_s // rate + 2)]
        want = [b - seen for b in starts if seen < b <= seen + frames]
        assert list(offsets) == want
        seen += int(frames)
        assert grid.samples_seen == seen
        assert grid.boundary(grid.segment) <= seen < grid.boundary(grid.segment + 1)


def test_a_mono_meter_takes_one_dimensional_blocks() -> None:
    x = ebu.sine_segments([(0.5, -20.0)], freq_hz=997.0, channels=1)
    flat = ld.LoudnessMeter(FS, 1)
    flat.update(x[:, 0])
    np.testing.assert_array_equal(flat.result().frame_energy, _measure(x, channels=1).frame_energy)
    with pytest.raises(ValueError) as raised:
        ld.LoudnessMeter(FS, 2).update(np.zeros((10, 3), np.float32))
    assert str(raised.value) == "expected a (frames, 2) block, got shape (10, 3)"
    with pytest.raises(ValueError, match="expected a"):
        ld.LoudnessMeter(FS, 2).update(np.zeros(10, np.float32))


def test_sample_rates_from_100_hz() -> None:
    assert ld.LoudnessMeter(100, 1).sample_rate == 100
    with pytest.raises(ValueError) as raised:
        ld.LoudnessMeter(99, 1)
    assert str(raised.value) == "sample rate too low: 99"
