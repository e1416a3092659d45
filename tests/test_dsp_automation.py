"""SectionGain: levels in and out of segments, click-free ramps, timeline position and seeking."""

from __future__ import annotations

import numpy as np
import pytest

from mixreview.analysis.dsp import EQ, Chain, SectionGain, highpass
from tests.test_dsp_support import SAMPLE_RATE, make_signal, process_in_blocks


def gain_db_of(proc: SectionGain, frames: int) -> np.ndarray:
    ones = np.ones((frames, 1), np.float32)
    return 20 * np.log10(process_in_blocks(proc, ones, 999)[:, 0].astype(np.float64))


def test_levels_inside_and_outside_the_segment() -> None:
    proc = SectionGain(SAMPLE_RATE, [(0.5, 1.0, -6.0)], ramp_ms=20.0)
    gain = gain_db_of(proc, int(1.5 * SAMPLE_RATE))
    start, end = SAMPLE_RATE // 2, SAMPLE_RATE
    ramp = int(0.02 * SAMPLE_RATE)
    np.testing.assert_allclose(gain[: start - ramp], 0.0, atol=1e-9)
    np.testing.assert_allclose(gain[start : end - ramp], -6.0, atol=1e-5)
    np.testing.assert_allclose(gain[end:], 0.0, atol=1e-9)
    # ramps end on the boundaries: full gain on the first sample, 0 dB right after the end
    assert gain[start] == pytest.approx(-6.0, abs=1e-5)
    assert gain[start - ramp // 2] == pytest.approx(-3.0, abs=0.01)


def test_no_step_larger_than_the_ramp_allows() -> None:
    proc = SectionGain(SAMPLE_RATE, [(0.1, 0.3, -12.0), (0.3, 0.4, 6.0)], ramp_ms=20.0)
    gain = gain_db_of(proc, SAMPLE_RATE // 2)
    max_step_db = np.max(np.abs(np.diff(gain)))
    allowed_db = 18.0 / (0.02 * SAMPLE_RATE)  # the biggest change spread over the ramp
    assert max_step_db <= allowed_db * 1.001
    amplitude = 10 ** (gain / 20)
    relative_step = np.abs(np.diff(amplitude)) / amplitude[:-1]
    assert np.max(relative_step) < 0.0025  # under 0.25 % per sample: no click


def test_without_ramp_the_change_is_sample_accurate() -> None:
    proc = SectionGain(SAMPLE_RATE, [(0.001, 0.002, -6.0)], ramp_ms=0.0)
    gain = gain_db_of(proc, 200)
    assert gain[47] == 0.0 and gain[48] == pytest.approx(-6.0, abs=1e-5)
    assert gain[95] == pytest.approx(-6.0, abs=1e-5) and gain[96] == 0.0


def test_overlapping_segments_add_and_amount_scales() -> None:
    proc = SectionGain(SAMPLE_RATE, [(0.0, 0.2, -3.0), (0.1, 0.2, -3.0)], ramp_ms=5.0)
    assert proc.gain_db_at(np.array([4800, 7200]))[1] == pytest.approx(-6.0)
    proc.amount = 0.5
    np.testing.assert_allclose(proc.gain_db_at(np.array([2400, 7200])), [-1.5, -3.0])


def test_seek_jumps_on_the_timeline_and_resets_nothing_else() -> None:
    x = make_signal(24000)
    whole = SectionGain(SAMPLE_RATE, [(0.2, 0.4, -9.0)]).process(x)
    proc = SectionGain(SAMPLE_RATE, [(0.2, 0.4, -9.0)])
    proc.process(x[:100])
    proc.seek(9000)
    np.testing.assert_array_equal(proc.process(x[9000:]), whole[9000:])
    assert proc.position_frames == 24000
    # seek in a chain reaches the automation but keeps the filter state
    eq = EQ(SAMPLE_RATE, [highpass(100.0)])
    chain = Chain([eq, SectionGain(SAMPLE_RATE, [(0.2, 0.4, -9.0)])])
    chain.process(x[:5000])
    state = eq._filter._zi.copy()
    chain.seek(9000)
    np.testing.assert_array_equal(eq._filter._zi, state)
    assert chain[1].position_frames == 9000  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="frame"):
        proc.seek(-1)


def test_the_timeline_moves_while_bypassed() -> None:
    proc = SectionGain(SAMPLE_RATE, [(0.0, 1.0, -6.0)], amount=0.0)
    proc.process(np.ones((4800, 2), np.float32))
    assert proc.position_frames == 4800
    proc.reset()
    assert proc.position_frames == 0


@pytest.mark.parametrize(
    ("segment", "match"),
    [
        ((0.5, 0.2, -3.0), "end_s"),
        ((-1.0, 1.0, -3.0), "start_s"),
        ((0.0, 1.0, 100.0), "gain_db"),
        ({"start_s": 0.0, "end_s": 1.0}, "gain_db"),
        ((0.0, 1.0), "segment"),
    ],
)
def test_bad_segments_are_refused(segment: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SectionGain(SAMPLE_RATE, [segment])  # type: ignore[list-item]
