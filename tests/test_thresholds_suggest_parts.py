"""The suggestion engine's small shared parts pinned from both sides: the words a change is
described in (describe.py), the per-stem features every rule reads (features.py), the memo that
keeps results from one derivation to the next (memo.py) and the stereo rules' common arithmetic
(stereo_common.py).

Everything is built in memory from hand-made series (no audio, no meters): each test runs in a
few milliseconds. Thresholds are read from the modules' constants and met just inside and just
outside; the words and figures are compared whole.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.dsp.eq import HIGHPASS_NEUTRAL_HZ, LOWPASS_NEUTRAL_FRACTION
from mixreview.analysis.dsp.pan import balance_gains
from mixreview.analysis.manifest import Manifest
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ, bands_between
from mixreview.analysis.meters.loudness import integrated_from_energy
from mixreview.analysis.sections import activity
from mixreview.analysis.suggest import features as feat
from mixreview.analysis.suggest import memo as memo_module
from mixreview.analysis.suggest import stereo_common as sc
from mixreview.analysis.suggest.describe import applied_params, describe_amount, describe_params
from mixreview.analysis.suggest.features import Features, Offset, StemFeatures
from mixreview.analysis.suggest.memo import IdentityMemo, recomputing, unmoved

FRAMES = 100
BANDS = len(BAND_CENTERS_HZ)


# =========================================================================== describe.py ====


def test_gain_and_headroom_are_a_signed_level() -> None:
    assert describe_params("gain", {"gain_db": -7.25}) == "-7.3 dB"
    assert describe_params("headroom", {"gain_db": 2.0}) == "+2.0 dB"


def test_section_gain_lists_each_segment_or_the_one_it_is() -> None:
    one = {"gain_db": -2.0, "start_s": 8.0, "end_s": 12.25}
    assert describe_params("section_gain", one) == "-2.0 dB at 8.0-12.2 s"
    two = {
        "segments": [
            {"gain_db": 1.5, "start_s": 0.0, "end_s": 4.0},
            {"gain_db": -3.0, "start_s": 10.5, "end_s": 20.0},
        ]
    }
    assert describe_params("section_gain", two) == "+1.5 dB at 0.0-4.0 s, -3.0 dB at 10.5-20.0 s"


def test_unmask_is_a_cut() -> None:
    params = {"freq_hz": 250.0, "gain_db": -3.0, "q": 1.41}
    assert describe_params("unmask", params) == "cut 250 Hz -3.0 dB Q 1.4"


def test_eq_bands_in_a_mixers_words() -> None:
    bands = [
        {"type": "peaking", "freq_hz": 300, "gain_db": -4.0, "q": 1.2},
        {"type": "low_shelf", "freq_hz": 120, "gain_db": 3.0},
        {"type": "high_shelf", "freq_hz": 8000, "gain_db": 1.5, "q": 0.7},
        {"type": "highpass", "freq_hz": 60, "order": 4},
        {"type": "lowpass", "freq_hz": 9000},
        {"type": "notch", "freq_hz": 1250, "gain_db": -6.0},
        {},
        {"freq_hz": 500, "gain_db": 2.0, "q": 0},
    ]
    assert describe_params("eq", {"bands": bands}).split("; ") == [
        "bell 300 Hz -4.0 dB Q 1.2",
        "low shelf 120 Hz +3.0 dB",
        "high shelf 8 kHz +1.5 dB Q 0.7",
        "high-pass 60 Hz, 24 dB/oct",
        "low-pass 9 kHz, 12 dB/oct",  # a pass without an order is 12 dB/oct
        "notch 1.25 kHz -6.0 dB",  # an unknown shape keeps its name
        "bell 0 Hz +0.0 dB",  # every default
        "bell 500 Hz +2.0 dB",  # a Q of 0 is not written
    ]
    single = {"type": "low_shelf", "freq_hz": 100, "gain_db": 2.0}
    assert describe_params("eq", single) == "low shelf 100 Hz +2.0 dB"


def test_pass_mono_width_and_polarity() -> None:
    assert describe_params("highpass", {"freq_hz": 80.0}) == "high-pass 80 Hz, 12 dB/oct"
    assert describe_params("highpass", {"freq_hz": 80.0, "order": 1}) == "high-pass 80 Hz, 6 dB/oct"
    assert describe_params("mono_bass", {"freq_hz": 120.0}) == "mono below 120 Hz"
    assert describe_params("width", {"width": 1.5}) == "width 150%"
    assert describe_params("polarity", {}) == "flip polarity"
    assert describe_params("polarity", {"channels": "both"}) == "flip polarity"
    assert describe_params("polarity", {"channels": "left"}) == (
        "flip polarity of the left channel"
    )


def test_pan_centre_within_half_a_percent() -> None:
    assert describe_params("pan", {"pan": 0.0}) == "pan centre"
    assert describe_params("pan", {"pan": 0.0049}) == "pan centre"
    assert describe_params("pan", {"pan": -0.0049}) == "pan centre"
    assert describe_params("pan", {"pan": 0.005}) == "pan R1"  # 0.5 rounds away from zero
    assert describe_params("pan", {"pan": -0.005}) == "pan L1"
    assert describe_params("pan", {"pan": -0.6}) == "pan L60"
    assert describe_params("pan", {"pan": 0.245}) == "pan R25"
    assert describe_params("pan", {"pan": 1.0}) == "pan R100"


def test_compressor_with_and_without_makeup() -> None:
    params: dict[str, Any] = {
        "threshold_db": -24.25,
        "ratio": 4.0,
        "attack_ms": 5.0,
        "release_ms": 80.5,
    }
    plain = "threshold -24.2 dB, 4:1, attack 5 ms, release 80.5 ms"
    assert describe_params("compressor", params) == plain
    assert describe_params("compressor", {**params, "makeup_db": 0.0}) == plain
    assert describe_params("compressor", {**params, "makeup_db": 3.0}) == (
        plain + ", makeup +3.0 dB"
    )
    assert describe_params("compressor", {**params, "ratio": 2.2857, "attack_ms": 0.5}) == (
        "threshold -24.2 dB, 2.3:1, attack 0.5 ms, release 80.5 ms"
    )


def test_an_unknown_kind_lists_its_parameters() -> None:
    assert describe_params("saturate", {"drive": 2, "mode": "tape"}) == "drive=2, mode=tape"


def test_applied_gains_scale_with_the_amount() -> None:
    assert applied_params("gain", {"gain_db": -6.0, "x": 1}, 0.5) == {"gain_db": -3.0, "x": 1}
    assert applied_params("headroom", {"gain_db": 4.0}, 0.25) == {"gain_db": 1.0}
    assert applied_params("unmask", {"gain_db": -4.0, "freq_hz": 250.0, "q": 2.0}, 0.75) == {
        "gain_db": -3.0,
        "freq_hz": 250.0,
        "q": 2.0,
    }
    one = {"gain_db": -2.0, "start_s": 1.0, "end_s": 2.0}
    assert applied_params("section_gain", one, 0.5) == {**one, "gain_db": -1.0}
    segments = {"segments": [one, {**one, "gain_db": 4.0}], "note": "x"}
    assert applied_params("section_gain", segments, 0.5) == {
        "segments": [{**one, "gain_db": -1.0}, {**one, "gain_db": 2.0}],
        "note": "x",
    }
    assert one["gain_db"] == -2.0  # the change's own parameters are left as they are


def test_applied_bands_scale_gains_and_move_passes_geometrically() -> None:
    assert HIGHPASS_NEUTRAL_HZ == 10.0
    lowpass_neutral = LOWPASS_NEUTRAL_FRACTION * 48000
    assert lowpass_neutral == pytest.approx(21600.0)
    bands = [
        {"type": "peaking", "freq_hz": 300.0, "gain_db": -4.0, "q": 1.0},
        {"type": "highpass", "freq_hz": 90.0, "order": 4},
        {"type": "lowpass", "freq_hz": 5400.0},
        {"type": "low_shelf", "freq_hz": 100.0},
        {"freq_hz": 100.0, "gain_db": 2.0},
    ]
    applied = applied_params("eq", {"bands": bands, "name": "n"}, 0.5)
    assert applied is not None and applied["name"] == "n"
    got = applied["bands"]
    assert got[0] == {"type": "peaking", "freq_hz": 300.0, "gain_db": -2.0, "q": 1.0}
    assert got[1] == {"type": "highpass", "freq_hz": pytest.approx(30.0), "order": 4}  # 10*9^.5
    assert got[2] == {"type": "lowpass", "freq_hz": pytest.approx(10800.0)}  # 21600 * .25^.5
    assert got[3] == {"type": "low_shelf", "freq_hz": 100.0, "gain_db": 0.0}
    assert got[4] == {"freq_hz": 100.0, "gain_db": 1.0}
    assert applied_params("eq", {"type": "highpass", "freq_hz": 1000.0}, 0.5) == {
        "type": "highpass",
        "freq_hz": pytest.approx(100.0),
    }
    # an empty list is an EQ of no bands (as the processor builds it), not a single band
    assert applied_params("eq", {"bands": [], "gain_db": -6.0}, 0.5) == {
        "bands": [],
        "gain_db": -6.0,
    }


def test_applied_pass_width_pan_compressor() -> None:
    assert applied_params("highpass", {"freq_hz": 90.0, "order": 2}, 0.5) == {
        "freq_hz": pytest.approx(30.0),
        "order": 2,
    }
    assert applied_params("mono_bass", {"freq_hz": 160.0}, 0.5) == {"freq_hz": pytest.approx(40.0)}
    assert applied_params("width", {"width": 1.6}, 0.5) == {"width": pytest.approx(1.3)}
    assert applied_params("width", {"width": 0.5}, 0.5) == {"width": pytest.approx(0.75)}
    assert applied_params("pan", {"pan": -0.6}, 0.5) == {"pan": pytest.approx(-0.3)}
    # slope (1 - 1/4) * 0.5 = 0.375: ratio 1 / 0.625 = 1.6
    compressor = {"ratio": 4.0, "threshold_db": -20.0, "makeup_db": 3.0}
    assert applied_params("compressor", compressor, 0.5) == {
        "ratio": pytest.approx(1.6),
        "threshold_db": -20.0,
        "makeup_db": pytest.approx(1.5),
    }
    assert applied_params("compressor", {"ratio": 2.0}, 0.5) == {
        "ratio": pytest.approx(4 / 3),
        "makeup_db": 0.0,
    }
    assert applied_params("polarity", {"channels": "both"}, 0.5) is None
    assert applied_params("saturate", {"drive": 2}, 0.5) is None


def test_full_strength_is_just_the_change() -> None:
    assert describe_amount("gain", {"gain_db": -7.0}, 1.0) == "-7.0 dB"
    assert describe_amount("gain", {"gain_db": -7.0}, 0.999) == "-7.0 dB"
    assert describe_amount("gain", {"gain_db": -7.0}, 0.998) == (
        "-7.0 dB at 100% strength: -7.0 dB applied"
    )
    assert describe_amount("gain", {"gain_db": -8.0}, 0.5) == (
        "-8.0 dB at 50% strength: -4.0 dB applied"
    )
    assert describe_amount("pan", {"pan": 0.8}, 0.25) == "pan R80 at 25% strength: pan R20 applied"


def test_polarity_at_partial_strength_is_on_or_off() -> None:
    assert describe_amount("polarity", {}, 0.5) == "flip polarity at 50% strength: on"
    assert describe_amount("polarity", {}, 0.49) == "flip polarity at 49% strength: off"
    assert describe_amount("polarity", {"channels": "right"}, 0.7) == (
        "flip polarity of the right channel at 70% strength: on"
    )
    assert describe_amount("polarity", {}, 1.0) == "flip polarity"


def test_an_unknown_kind_at_partial_strength_names_no_applied_value() -> None:
    assert describe_amount("saturate", {"drive": 2}, 0.5) == "drive=2 at 50% strength"


# =============================================================================== memo.py ====


class Box:
    """An object that equals every other box: the memo must tell them apart by identity."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box)

    def __hash__(self) -> int:
        return 0


class Counter:
    def __init__(self, *values: Any) -> None:
        self.values = list(values)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.values.pop(0)


def _counts(memo: IdentityMemo) -> tuple[int, int, int, int]:
    return memo.computed, memo.kept, memo.shifted, len(memo)


def test_a_result_is_kept_while_its_objects_are_the_same() -> None:
    memo, a, b = IdentityMemo(), Box(), Box()
    compute = Counter("first", "second", "third", "fourth")
    assert _counts(memo) == (0, 0, 0, 0)
    assert memo.get("k", (a, b), compute) == "first"
    assert _counts(memo) == (1, 0, 0, 1)
    assert memo.get("k", [a, b], compute) == "first"  # any sequence of the same objects
    assert _counts(memo) == (1, 1, 0, 1)
    assert memo.get("k", (a, Box()), compute) == "second"  # equal is not the same
    assert _counts(memo) == (2, 1, 0, 1)
    assert memo.get("k", (a, Box()), compute) == "third"
    assert memo.get("k", (a,), compute) == "fourth"  # fewer objects
    assert compute.calls == 4 and _counts(memo) == (4, 1, 0, 1)
    assert memo.get("other", (a,), Counter("x")) == "x"
    assert len(memo) == 2


def test_more_objects_than_held_work_it_out_again() -> None:
    memo, a = IdentityMemo(), Box()
    assert memo.get("k", (a,), Counter(1)) == 1
    assert memo.get("k", (a, a), Counter(2)) == 2
    assert memo.get("k", (), Counter(3)) == 3
    assert memo.get("k", (), Counter(4)) == 3


def test_levels_within_the_tolerance_keep_the_result() -> None:
    tol = memo_module.LEVEL_TOLERANCE_DB
    assert tol == 1e-9
    memo, a = IdentityMemo(), Box()
    assert memo.get("k", (a,), Counter("v"), levels=(0.0, 5.0)) == "v"
    assert memo.get("k", (a,), Counter("x"), levels=(tol, 5.0 - tol / 2)) == "v"
    assert memo.get("k", (a,), Counter("x"), levels=(-tol, 5.0)) == "v"
    assert _counts(memo) == (1, 2, 0, 1)
    # past the tolerance, without a shift: worked out again at the new levels
    assert memo.get("k", (a,), Counter("w"), levels=(3 * tol, 5.0)) == "w"
    assert memo.get("k", (a,), Counter("x"), levels=(3 * tol, 5.0)) == "w"
    assert memo.get("k", (a,), Counter("y"), levels=(0.0, 5.0)) == "y"
    # a different number of levels
    assert memo.get("k", (a,), Counter("z"), levels=(0.0,)) == "z"
    assert memo.get("k", (a,), Counter("q"), levels=(0.0, 5.0)) == "q"
    assert memo.get("k", (a,), Counter("r"), levels=()) == "r"
    assert _counts(memo) == (6, 3, 0, 1)


def test_a_level_change_is_shifted_by_the_rule() -> None:
    memo, a = IdentityMemo(), Box()
    seen: list[tuple[float, ...]] = []

    def shift(value: float, deltas: tuple[float, ...]) -> float:
        seen.append(deltas)
        return value + sum(deltas)

    assert memo.get("k", (a,), Counter(10.0), levels=(1.0, 2.0), shift=shift) == 10.0
    assert memo.get("k", (a,), Counter(0.0), levels=(4.0, 1.0), shift=shift) == 12.0
    assert seen == [(3.0, -1.0)]  # new minus old
    assert _counts(memo) == (1, 0, 1, 1)
    # the shifted result is held at the new levels
    assert memo.get("k", (a,), Counter(0.0), levels=(4.0, 1.0), shift=shift) == 12.0
    assert _counts(memo) == (1, 1, 1, 1)
    assert memo.get("k", (a,), Counter(0.0), levels=(4.0, 2.0), shift=shift) == 13.0
    assert seen == [(3.0, -1.0), (0.0, 1.0)]
    # new objects: worked out, not shifted
    assert memo.get("k", (Box(),), Counter(-1.0), levels=(0.0, 0.0), shift=shift) == -1.0
    assert _counts(memo) == (2, 1, 2, 1)


def test_alike_shifts_only_when_every_level_moved_as_much() -> None:
    tol = memo_module.LEVEL_TOLERANCE_DB
    memo, a = IdentityMemo(), Box()
    assert memo.get("k", (a,), Counter("v"), levels=(0.0, 0.0), shift=unmoved, alike=True) == "v"
    assert memo.get("k", (a,), Counter("w"), levels=(2.0, 2.0 + tol / 2), alike=True,
                    shift=unmoved) == "v"  # fmt: skip
    assert _counts(memo) == (1, 0, 1, 1)
    assert memo.get("k", (a,), Counter("w"), levels=(3.0, 2.5), alike=True, shift=unmoved) == "w"
    assert _counts(memo) == (2, 0, 1, 1)
    # without alike a shift applies to any move
    assert memo.get("k", (a,), Counter("x"), levels=(0.0, 7.0), shift=unmoved) == "w"
    assert _counts(memo) == (2, 0, 2, 1)
    one = IdentityMemo()
    assert one.get("k", (a,), Counter("v"), levels=(0.0,), shift=unmoved, alike=True) == "v"
    assert one.get("k", (a,), Counter("w"), levels=(4.0,), shift=unmoved, alike=True) == "v"
    # two-level deltas (1, 1 + 3 tol) are not alike
    assert one.get("k", (a, a), Counter("p"), levels=(0.0, 0.0)) == "p"
    assert one.get("k", (a, a), Counter("q"), levels=(1.0, 1.0 + 3 * tol), shift=unmoved,
                   alike=True) == "q"  # fmt: skip


def test_unmoved_leaves_a_result_as_it_is() -> None:
    value = object()
    assert unmoved(value, (3.0,)) is value


def test_the_least_recently_used_result_goes_first() -> None:
    memo, a = IdentityMemo(size=2), Box()
    memo.get("a", (a,), Counter("A"))
    memo.get("b", (a,), Counter("B"))
    assert memo.get("a", (a,), Counter("x")) == "A"  # used: now the newest
    memo.get("c", (a,), Counter("C"))
    assert len(memo) == 2
    assert memo.get("a", (a,), Counter("x")) == "A"
    assert memo.get("c", (a,), Counter("x")) == "C"
    assert memo.get("b", (a,), Counter("B2")) == "B2"  # b went
    assert memo.get("c", (a,), Counter("x")) == "C"
    assert memo.get("a", (a,), Counter("A2")) == "A2"  # a was the oldest when b came back


def test_a_shifted_result_is_the_newest() -> None:
    memo, a = IdentityMemo(size=2), Box()
    memo.get("a", (a,), Counter(1.0), levels=(0.0,), shift=unmoved)
    memo.get("b", (a,), Counter(2.0))
    assert memo.get("a", (a,), Counter(9.0), levels=(1.0,), shift=unmoved) == 1.0
    memo.get("c", (a,), Counter(3.0))
    assert memo.get("a", (a,), Counter(9.0), levels=(1.0,)) == 1.0
    assert memo.get("b", (a,), Counter(5.0)) == 5.0


def test_the_default_size_holds_8192_results() -> None:
    memo, a = IdentityMemo(), Box()
    assert memo.size == 8192
    for key in range(8192):
        memo.get(key, (a,), lambda: 0)
    assert len(memo) == 8192
    assert memo.get(0, (a,), lambda: 1) == 0
    memo.get(8192, (a,), lambda: 0)
    assert len(memo) == 8192
    assert memo.get(1, (a,), lambda: 2) == 2  # the oldest went, not the one just used


def test_recomputing_works_every_result_out_and_keeps_what_was_held() -> None:
    memo, a = IdentityMemo(), Box()
    assert memo.get("k", (a,), Counter("held")) == "held"
    with recomputing():
        assert memo.get("k", (a,), Counter("fresh")) == "fresh"
        assert memo.get("new", (a,), Counter("n")) == "n"
    assert _counts(memo) == (1, 0, 0, 1)
    assert memo.get("k", (a,), Counter("x")) == "held"
    assert memo.get("new", (a,), Counter("m")) == "m"
    with pytest.raises(RuntimeError), recomputing():
        raise RuntimeError
    assert memo.get("k", (a,), Counter("x")) == "held"  # bypass ends with an error too


# ======================================================================= stereo_common.py ====


def test_stereo_common_constants() -> None:
    assert sc.MIN_ACTIVE_FRAMES == 30
    assert sc.MAX_LOSS_DB == 60.0
    assert sc.POLARITY_CORRELATION_MAX == -0.5
    assert sc.CENTRE_ROLES == ("kick", "snare", "bass", "lead_vocal")


def test_band_labels() -> None:
    assert sc.band_label(NOMINAL_CENTERS_HZ.index("63")) == "63 Hz"
    assert sc.band_label(NOMINAL_CENTERS_HZ.index("31.5")) == "31.5 Hz"
    assert sc.band_label(NOMINAL_CENTERS_HZ.index("1k")) == "1 kHz"
    assert sc.band_label(NOMINAL_CENTERS_HZ.index("1.25k")) == "1.25 kHz"
    assert sc.band_label(len(NOMINAL_CENTERS_HZ) - 1) == "20 kHz"


def test_loss_db() -> None:
    assert sc.loss_db(0.0, 0.0) == 0.0
    assert sc.loss_db(-1.0, 1.0) == 0.0  # nothing summed
    assert sc.loss_db(-1.0, 0.5) == 0.0
    assert sc.loss_db(0.0, 1.0) == sc.MAX_LOSS_DB  # all side: gone in mono
    assert sc.loss_db(-0.5, 1.0) == sc.MAX_LOSS_DB
    assert sc.loss_db(1.0, 0.0) == 0.0
    assert sc.loss_db(1.0, 1.0) == pytest.approx(10 * math.log10(2))
    assert sc.loss_db(1.0, 9.0) == pytest.approx(10.0)
    assert sc.loss_db(1e-7, 1.0) == sc.MAX_LOSS_DB  # 70 dB, capped
    assert sc.loss_db(1e-5, 1.0) == pytest.approx(10 * math.log10(1.00001 / 1e-5))
    assert isinstance(sc.loss_db(1.0, 1.0), float)


def test_ratio_db_floors_at_minus_60() -> None:
    assert sc.ratio_db(0.5) == pytest.approx(-3.0103, abs=1e-4)
    assert sc.ratio_db(2.0) == pytest.approx(3.0103, abs=1e-4)
    assert sc.ratio_db(1e-6) == pytest.approx(-60.0)
    assert sc.ratio_db(1e-7) == pytest.approx(-60.0)
    assert sc.ratio_db(0.0) == pytest.approx(-60.0)
    assert sc.ratio_db(2e-6) == pytest.approx(-56.9897, abs=1e-4)


def _stereo_stem(
    ll: np.ndarray, rr: np.ndarray, lr: np.ndarray, frames: int = 4, identical: bool = False
) -> StemFeatures:
    pair = SimpleNamespace(ll_series=ll, rr_series=rr, lr_series=lr, identical_channels=identical)
    measurement: Any = SimpleNamespace(stereo=pair, levels=SimpleNamespace(mean_square_series=ll))
    return StemFeatures("S.wav", "guitar", measurement, frames)


def test_stereo_sums_over_the_grid_and_the_mask() -> None:
    stem = _stereo_stem(
        np.array([1.0, 2.0, 4.0, 8.0, 16.0]),  # one frame past the grid: cut
        np.array([3.0, 5.0], np.float32),  # short: silent after its end
        np.array([0.5, -0.25, 0.125, 1.0]),
    )
    assert sc.stereo_sums(stem) == (15.0, 8.0, 1.375)
    mask = np.array([False, True, True, False])
    assert sc.stereo_sums(stem, mask) == (6.0, 5.0, -0.125)
    assert all(isinstance(v, float) for v in sc.stereo_sums(stem, mask))
    # summed in float64: 1e8 + 1 is 1e8 in float32 (the measured series are float32)
    big = np.array([1e8, 1.0, 0.0, 0.0], np.float32)
    wide = _stereo_stem(big, big, big)
    assert sc.stereo_sums(wide) == (100000001.0,) * 3
    assert sc.stereo_sums(wide, np.array([True, True, False, False])) == (100000001.0,) * 3


def test_stereo_sums_of_a_mono_stem_are_equal() -> None:
    measurement: Any = SimpleNamespace(
        stereo=None, levels=SimpleNamespace(mean_square_series=np.array([1.0, 2.0, 4.0]))
    )
    stem = StemFeatures("M.wav", "kick", measurement, 4)
    assert sc.stereo_sums(stem) == (7.0, 7.0, 7.0)
    assert sc.stereo_sums(stem, np.array([True, False, True, True])) == (5.0, 5.0, 5.0)
    assert not sc.is_stereo(stem)


def test_is_stereo_needs_two_different_channels() -> None:
    one = np.ones(4)
    assert sc.is_stereo(_stereo_stem(one, one, one))
    assert not sc.is_stereo(_stereo_stem(one, one, one, identical=True))


def test_correlation_and_balance() -> None:
    assert sc.correlation(1.0, 4.0, 1.0) == 0.5
    assert sc.correlation(1.0, 1.0, -1.0) == -1.0
    assert sc.correlation(0.0, 1.0, 0.0) is None
    assert sc.correlation(1.0, 0.0, 0.0) is None
    assert sc.balance(1.0, 3.0) == 0.5
    assert sc.balance(3.0, 1.0) == -0.5
    assert sc.balance(0.0, 0.0) == 0.0
    assert sc.balance(-1.0, 1.0) == 0.0
    assert sc.balance(0.0, 2.0) == 1.0
    assert sc.balance(0.1, 0.3) == pytest.approx(0.5)  # a total under 1


def test_pan_to_centre_levels_the_channels() -> None:
    assert sc.pan_to_centre(1.0, 1.0) == pytest.approx(0.0)
    assert sc.pan_to_centre(0.0, 1.0) == 0.0
    assert sc.pan_to_centre(1.0, 0.0) == 0.0
    assert sc.pan_to_centre(-1.0, 1.0) == 0.0
    pan = sc.pan_to_centre(4.0, 1.0)  # louder left: move right
    assert pan == pytest.approx(4 * math.atan(2.0) / math.pi - 1)
    assert pan == pytest.approx(0.40966, abs=1e-5)
    left, right = sc.balanced(4.0, 1.0, pan)
    assert left == pytest.approx(right)
    assert sc.pan_to_centre(1.0, 4.0) == pytest.approx(-pan)


def test_balanced_applies_the_balance_law() -> None:
    assert sc.balanced(2.0, 3.0, 0.0) == (2.0, 3.0)
    gain_l, gain_r = balance_gains(0.5)
    left, right = sc.balanced(2.0, 3.0, 0.5)
    assert left == pytest.approx(gain_l**2 * 2.0) and right == pytest.approx(gain_r**2 * 3.0)
    assert left < 2.0 and right > 3.0
    assert sc.balanced(2.0, 3.0, 1.0) == (pytest.approx(0.0), pytest.approx(6.0))


def _song(tempo: float | None = None, beats: int = 4) -> Any:
    manifest = Manifest(tempo_bpm=tempo, beats_per_bar=beats)
    return SimpleNamespace(
        analysis=SimpleNamespace(session=SimpleNamespace(manifest=manifest)), frame_s=0.1
    )


def test_where_in_the_song() -> None:
    everywhere = np.ones(FRAMES, bool)
    everywhere[:9] = False  # 91% of the song
    assert sc.where_in_song(_song(), everywhere) == "throughout the song"
    everywhere[9] = False  # 90%
    assert sc.where_in_song(_song(), everywhere) == "at 0:01.0-0:10.0"
    mask = np.zeros(FRAMES, bool)
    mask[10:20] = True  # 1.0-2.0 s
    mask[35] = True  # 1.5 s on: joined
    mask[61] = True  # 2.5 s on: apart
    assert sc.where_in_song(_song(), mask) == "at 0:01.0-0:03.6, 0:06.1-0:06.2"
    assert sc.where_in_song(_song(120.0), mask) == "at bars 1-2, 4"  # 2 s bars
    assert sc.where_in_song(_song(120.0, 2), mask) == "at bars 2-4, 7"  # 1 s bars


# =========================================================================== features.py ====


def _energy_at(lufs: float) -> float:
    return float(10 ** ((lufs + 0.691) / 10))


def _measurement(
    energy: np.ndarray | None = None, mid: np.ndarray | None = None, side: np.ndarray | None = None
) -> Any:
    return SimpleNamespace(
        loudness=SimpleNamespace(
            frame_s=0.1, frame_energy=np.zeros(FRAMES) if energy is None else energy
        ),
        bands=SimpleNamespace(
            mid_power=np.zeros((FRAMES, BANDS), np.float32) if mid is None else mid,
            side_power=np.zeros((FRAMES, BANDS), np.float32) if side is None else side,
        ),
    )


def _stem(file: str = "P.wav", frames: int = FRAMES, offset: Offset | None = None,
          **series: Any) -> StemFeatures:  # fmt: skip
    return StemFeatures(file, "keys", _measurement(**series), frames, offset)


def test_features_constants() -> None:
    assert feat.ACTIVE_FLOOR_LUFS == -60.0
    assert feat.ACTIVE_BELOW_MAX_LU == 35.0
    assert feat.BAND_ACTIVE_BELOW_MAX_DB == 30.0
    assert feat.BAND_FLOOR_DB == -100.0
    assert list(feat.CENTERS_HZ) == list(BAND_CENTERS_HZ)


def test_to_db_floors() -> None:
    assert feat.to_db(1.0) == 0.0
    assert feat.to_db(0.01) == pytest.approx(-20.0)
    assert feat.to_db(0.0) == -150.0
    assert feat.to_db(1e-16) == pytest.approx(-150.0)
    assert feat.to_db(1e-14) == pytest.approx(-140.0)
    assert feat.to_db(0.0, floor_db=-400.0) == pytest.approx(-300.0)  # 1e-30 under everything
    assert feat.to_db(1e-5, floor_db=-20.0) == -20.0
    np.testing.assert_allclose(feat.to_db(np.array([10.0, 0.0])), [10.0, -150.0])


def test_band_index_and_range() -> None:
    assert feat.band_index(1000.0) == NOMINAL_CENTERS_HZ.index("1k")
    assert feat.band_index(63.0) == NOMINAL_CENTERS_HZ.index("63")
    assert feat.band_index(5.0) == 0
    assert feat.band_index(90000.0) == BANDS - 1
    assert feat.band_index(1100.0) == NOMINAL_CENTERS_HZ.index("1k")
    assert feat.band_index(1150.0) == NOMINAL_CENTERS_HZ.index("1.25k")
    assert list(feat.band_range(40.0, 80.0)) == list(bands_between(40.0, 80.0)) == [2, 3, 4, 5]


def test_mask_bounds_reach_three_frames_past_the_mask() -> None:
    mask = np.zeros(20, bool)
    assert feat.mask_bounds(mask) == slice(0, 0)
    mask[5:11] = True
    assert feat.mask_bounds(mask) == slice(2, 14)
    mask[:] = False
    mask[1] = True
    assert feat.mask_bounds(mask) == slice(0, 5)
    mask[3] = True
    assert feat.mask_bounds(mask) == slice(0, 7)
    mask[:] = False
    mask[17] = True
    assert feat.mask_bounds(mask) == slice(14, 20)
    mask[15] = True
    assert feat.mask_bounds(mask) == slice(12, 20)
    mask[:] = False
    mask[19] = True
    assert feat.mask_bounds(mask) == slice(16, 20)
    assert feat.mask_bounds(np.ones(20, bool)) == slice(0, 20)


def test_masked_loudness_is_the_plain_one_to_the_bit() -> None:
    rng = np.random.default_rng(3)
    energy = rng.uniform(1e-4, 1e-2, 200)
    energy[50:60] = 1e-9  # a quiet stretch under the absolute gate
    for low, high in ((10, 30), (0, 5), (190, 200), (40, 120), (100, 103)):
        mask = np.zeros(200, bool)
        mask[low:high] = True
        mask[high + 6 : high + 8] = True
        plain = integrated_from_energy(np.where(mask, energy, 0.0))
        assert feat.masked_loudness(energy, mask) == plain
    mask = np.ones(200, bool)
    assert feat.masked_loudness(energy, mask, slice(0, 200)) == integrated_from_energy(energy)
    assert feat.masked_loudness(energy, mask, slice(0, 3)) == -math.inf  # the window is read
    assert feat.masked_loudness(energy, mask, slice(10, 30)) == integrated_from_energy(
        energy[10:30]
    )


def test_widened_and_fitted_series() -> None:
    rows = np.array([[1.5, 2.25]], np.float32)
    wide = feat.widened(rows)
    assert wide.dtype == np.float64 and wide.tolist() == [[1.5, 2.25]]
    assert feat._fit(np.array([1.0, 2.0, 3.0]), 2).tolist() == [1.0, 2.0]
    assert feat._fit(np.array([1.0, 2.0]), 2).tolist() == [1.0, 2.0]
    assert feat._fit(np.array([1.0, 2.0]), 4).tolist() == [1.0, 2.0, 0.0, 0.0]
    assert feat._fit(np.ones((2, 3)), 3).tolist() == [[1, 1, 1], [1, 1, 1], [0, 0, 0]]
    assert feat._fit(np.ones((3, 2)), 2).shape == (2, 2)


def test_energy_and_frame_loudness_on_the_grid() -> None:
    stem = _stem(frames=4, energy=np.array([1.0, 0.0, 1e-3], np.float32))
    assert stem.energy.dtype == np.float64
    assert stem.energy.tolist() == [1.0, 0.0, pytest.approx(1e-3), 0.0]
    np.testing.assert_allclose(stem.frame_lufs, [-0.691, -200.0, -30.691, -200.0])
    assert stem.frame_lufs[1] == -200.0
    assert stem.ahead is stem.measurement and stem.fader_db == 0.0
    assert stem.before_fader is stem


def test_active_frames_from_the_floor_and_the_loudest() -> None:
    floor, below = feat.ACTIVE_FLOOR_LUFS, feat.ACTIVE_BELOW_MAX_LU
    quiet = [floor + 0.01, floor - 0.01, floor + 1.0, -200.0]
    stem = _stem(frames=4, energy=np.array([_energy_at(v) for v in quiet]))
    assert stem.active.tolist() == [True, False, True, False]  # all within 35 LU of the top
    top = -10.0
    levels = [top, top - below + 0.01, top - below - 0.01, top - 20.0]
    stem = _stem(frames=4, energy=np.array([_energy_at(v) for v in levels]))
    assert stem.active.tolist() == [True, True, False, True]
    assert _stem(frames=3).active.tolist() == [False, False, False]
    assert _stem(frames=0).active.tolist() == []


def test_band_activity_near_each_bands_top_and_above_the_floor() -> None:
    near, floor = feat.BAND_ACTIVE_BELOW_MAX_DB, feat.BAND_FLOOR_DB
    energy = np.full(6, _energy_at(-20.0))
    energy[5] = 0.0  # not playing
    mid = np.zeros((6, BANDS))
    mid[:, 0] = [1.0, 10 ** ((-near + 0.01) / 10), 10 ** ((-near - 0.01) / 10), 0.5, 0.0, 4.0]
    mid[:, 1] = 10 ** ((floor + 0.01) / 10)
    mid[:, 2] = 10 ** ((floor - 0.01) / 10)
    side = np.zeros((6, BANDS))
    side[:, 3] = [1.0, 1.0, 1.0, 1.0, 1e-4, 0.0]  # band power is mid + side
    stem = _stem(frames=6, energy=energy, mid=mid, side=side)
    active = stem.band_active
    assert active.shape == (6, BANDS)
    assert active[:, 0].tolist() == [True, True, False, True, False, False]  # top 1.0, not 4.0
    assert active[:, 1].tolist() == [True] * 5 + [False]
    assert not active[:, 2].any()
    assert active[:, 3].tolist() == [True, True, True, True, False, False]
    assert not active[:, 4:].any()
    np.testing.assert_allclose(stem.band_power[:, 3] - stem.side[:, 3], stem.mid[:, 3])
    assert stem.band_power.dtype == np.float64
    silent = _stem(frames=6, mid=mid)
    assert not silent.band_active.any() and silent.band_active.shape == (6, BANDS)


def test_spectrum_over_the_frames_the_stem_plays() -> None:
    energy = np.array([_energy_at(-20.0)] * 2 + [0.0] * 2)
    mid = np.zeros((4, BANDS))
    mid[:, 5] = [1.0, 3.0, 100.0, 100.0]  # the silent frames are not counted
    side = np.zeros((4, BANDS))
    side[:, 6] = [0.1, 0.1, 0.0, 0.0]
    stem = _stem(frames=4, energy=energy, mid=mid, side=side)
    spectrum = stem.spectrum_db
    assert spectrum[5] == pytest.approx(10 * math.log10(2.0))
    assert spectrum[6] == pytest.approx(-10.0)
    assert spectrum[0] == -150.0 and spectrum.shape == (BANDS,)
    quiet = _stem(frames=4, mid=mid)
    assert quiet.spectrum_db.tolist() == [-150.0] * BANDS


def test_loudness_over_ranges_masks_and_shares() -> None:
    energy = np.zeros(FRAMES)
    energy[:50] = _energy_at(-20.0)
    energy[50:] = _energy_at(-30.0)
    stem = _stem(energy=energy)
    assert stem.loudness(0.0, 5.0) == pytest.approx(-20.0)
    assert stem.loudness(5.0) == pytest.approx(-30.0)
    assert stem.loudness() == integrated_from_energy(energy)
    mask = np.zeros(FRAMES, bool)
    mask[60:90] = True
    assert stem.loudness_over(mask) == integrated_from_energy(np.where(mask, energy, 0.0))
    assert stem.loudness_over(mask) == pytest.approx(-30.414, abs=1e-3)  # silent edge blocks
    assert stem.loudness_over(np.zeros(FRAMES, bool)) == -math.inf
    active = np.zeros(FRAMES)
    active[10:20] = _energy_at(-20.0)
    sparse = _stem(energy=active)
    assert sparse.active_share(0.0, 2.0) == 0.5
    assert sparse.active_share(1.0, 1.0) == 1.0  # one frame at least
    assert sparse.active_share(1.95, 2.0) == 1.0  # frame 19
    assert sparse.active_share(2.0, 2.0) == 0.0
    assert sparse.active_share(1.5, 2.5) == 0.5
    assert sparse.active_share(20.0, 30.0) == 0.0  # past the end
    assert isinstance(sparse.active_share(0.0, 2.0), float)


def test_playing_is_the_sections_activity() -> None:
    energy = np.zeros(FRAMES)
    energy[10:60] = _energy_at(-20.0)
    energy[30:33] = 0.0  # a short pause, filled
    stem = _stem(energy=energy)
    assert stem.playing.tolist() == activity(stem.energy).tolist()
    assert stem.playing[30] and not stem.active[30]


def test_a_stem_behind_a_fader_plays_where_it_played_before_it() -> None:
    loud = np.zeros(FRAMES)
    loud[20:80] = _energy_at(-20.0)
    loud[40:42] = 0.0
    mid = np.zeros((FRAMES, BANDS), np.float32)
    mid[20:80, 3] = 1.0
    before = _measurement(energy=loud, mid=mid)
    faded = _measurement(energy=loud * 1e-9, mid=mid * 1e-12)  # -90 dB: silent by itself
    offset = Offset(before, -90.0)
    stem = _stem("Faded.wav", offset=offset, energy=faded.loudness.frame_energy,
                 mid=faded.bands.mid_power)  # fmt: skip
    plain = _stem("Plain.wav", energy=loud, mid=mid)
    assert stem.ahead is before and stem.fader_db == -90.0
    assert stem.before_fader.measurement is before
    assert stem.before_fader.offset is None and stem.before_fader.frames == FRAMES
    assert (stem.before_fader.file, stem.before_fader.role) == ("Faded.wav", "keys")
    assert stem.active.tolist() == plain.active.tolist()
    assert stem.active.sum() == 58
    assert stem.playing.tolist() == plain.playing.tolist()
    assert stem.band_active.tolist() == plain.band_active.tolist()
    assert stem.band_active[:, 3].sum() == 58
    assert stem.energy.max() == pytest.approx(loud.max() * 1e-9)  # its own level
    for mask in (stem.active, stem.playing, stem.band_active):
        assert not mask.flags.writeable
    # another fader on the same measurement shares what was found for it
    again = _stem("Faded.wav", offset=Offset(before, -3.0), energy=loud)
    assert again.active is stem.active and again.band_active is stem.band_active
    assert again.playing is stem.playing
    # each stem's masks are kept apart: another stem's do not push this one's out
    other = _stem("Other.wav", offset=Offset(_measurement(energy=loud), -1.0), energy=loud)
    assert other.active is not stem.active and other.active.tolist() == stem.active.tolist()
    third = _stem("Faded.wav", offset=Offset(before, 1.0), energy=loud)
    assert third.active is stem.active


def test_with_energy_replaces_only_the_energy() -> None:
    base = _stem("B.wav", energy=np.ones(FRAMES), offset=Offset(_measurement(), 2.0))
    energy = np.full(FRAMES, 2.0)
    copy = StemFeatures.with_energy(base, energy)
    assert copy.energy is energy
    assert (copy.file, copy.role, copy.measurement, copy.frames) == (
        "B.wav", "keys", base.measurement, FRAMES,
    )  # fmt: skip
    assert copy.offset is None


def _analysis(duration_s: float, mix: Any = None) -> Any:
    def entry(file: str, role: str, measured: bool = True, mixable: bool = True) -> Any:
        return SimpleNamespace(
            stem=SimpleNamespace(file=file, role=role, mixable=mixable),
            measurement=_measurement() if measured else None,
        )

    stems = [
        entry("Kick.wav", "kick"),
        entry("Bass.wav", "bass"),
        entry("Unmeasured.wav", "keys", measured=False),
        entry("Reference.wav", "reference", mixable=False),
    ]
    session = SimpleNamespace(duration_s=duration_s)
    return SimpleNamespace(session=session, stems=stems, mix=mix, sections=("intro",), frame_s=0.1)


def test_features_build_lays_every_mixable_measured_stem_on_the_grid() -> None:
    mix = _measurement()
    analysis = _analysis(10.00000000005, mix)
    offset = Offset(_measurement(), -2.0)
    features = Features.build(analysis, {"Bass.wav": offset, "Nowhere.wav": offset})
    assert features.frames == 100
    assert list(features.stems) == ["Kick.wav", "Bass.wav"]
    kick, bass = features.stems["Kick.wav"], features.stems["Bass.wav"]
    assert (kick.file, kick.role, kick.frames, kick.offset) == ("Kick.wav", "kick", 100, None)
    assert kick.measurement is analysis.stems[0].measurement
    assert bass.offset is offset and bass.frames == 100
    assert features.role_of("Bass.wav") == "bass"
    assert features.mix is not None and features.mix.measurement is mix
    assert (features.mix.file, features.mix.role, features.mix.frames) == ("(mix)", "mix", 100)
    assert features.sections == ("intro",) and features.analysis is analysis
    assert Features.build(_analysis(10.01)).frames == 101
    assert Features.build(_analysis(9.95)).frames == 100
    assert Features.build(_analysis(9.9)).frames == 99
    plain = Features.build(_analysis(3.0))
    assert plain.mix is None and plain.stems["Bass.wav"].offset is None


def test_all_band_power_sums_the_stems() -> None:
    one = np.zeros((FRAMES, BANDS), np.float32)
    one[:, 2] = 1.0
    two = np.zeros((FRAMES, BANDS), np.float32)
    two[:, 2] = 0.5
    two[:, 7] = 2.0
    a = _stem("A.wav", mid=one, side=two)
    b = _stem("B.wav", mid=two)
    analysis: Any = SimpleNamespace()
    features = Features(analysis, {"A.wav": a, "B.wav": b}, None, (), FRAMES)
    total = features.all_band_power
    assert total.shape == (FRAMES, BANDS)
    assert total[0, 2] == 2.0 and total[0, 7] == 4.0 and total[:, 0].sum() == 0.0
    empty = Features(analysis, {}, None, (), 5)
    assert empty.all_band_power.tolist() == [[0.0] * BANDS] * 5


def test_an_empty_band_or_segment_list_is_described_as_changing_nothing() -> None:
    """The processors take ``bands: []`` and ``segments: []`` as no change (a flat EQ, no
    gain anywhere): the description says so rather than reading the params as one band."""
    assert describe_params("eq", {"bands": [], "freq_hz": 100.0, "gain_db": -3.0}) == "no bands"
    assert describe_params("section_gain", {"segments": [], "gain_db": 3.0}) == "no segments"
    inline = {"start_s": 1.0, "end_s": 2.5, "gain_db": 3.0}
    assert describe_params("section_gain", inline) == "+3.0 dB at 1.0-2.5 s"
