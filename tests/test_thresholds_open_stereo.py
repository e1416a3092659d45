"""The stereo rules at the edges tests/test_thresholds_stereo.py leaves open: levels that land on a
threshold to the bit, stereo energy in the frames where a part does not play, a channel silent
or very quiet, and a fader moved between two derivations of the pair polarity rule.

The levels on a threshold are found by stepping an input float by float until the number the
rule compares is the threshold exactly, worked out with the module's own functions (or the same
sums in the same order), so a ``<`` turned into ``<=`` changes the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.suggest import stereo_common, stereo_pan, stereo_polarity, stereo_width
from mixreview.analysis.suggest.features import Offset, StemFeatures, band_range
from mixreview.analysis.suggest.memo import recomputing
from mixreview.analysis.suggest.model import Suggestion
from tests.test_thresholds_stereo import (
    FRAMES,
    LOW,
    STATED,
    _mix_leaning,
    _one,
    _part,
    _rules,
    _session,
)


def _near(
    value_of: Callable[[float], float], target: float, start: float, steps: int
) -> float | None:
    """The float nearest ``start`` (stepping one float at a time, both ways, up to ``steps``)
    whose ``value_of`` is ``target`` to the bit, or None."""
    up = down = start
    for _ in range(steps):
        for x in (up, down):
            if value_of(x) == target:
                return x
        up, down = float(np.nextafter(up, np.inf)), float(np.nextafter(down, -np.inf))
    return None


def _step_to(value_of: Callable[[float], float], target: float, start: float) -> float:
    found = _near(value_of, target, start, 4000)
    assert found is not None, f"no input lands on {target!r}"
    return found


def _dirty(part: StemFeatures, ll: float, rr: float, lr: float) -> StemFeatures:
    """``part`` with stereo energy (these L², R², L·R) in the frames where it does not play
    (its loudness is silent there, so it is not active)."""
    st = part.measurement.stereo
    quiet = ~part.active
    assert quiet.any() and part.active.sum() >= STATED.MIN_ACTIVE_FRAMES
    st.ll_series[quiet], st.rr_series[quiet], st.lr_series[quiet] = ll, rr, lr
    return part


# ----------------------------------------------------------------------------------- width


def test_width_reads_a_band_exactly_important_within_db_under_the_loudest() -> None:
    """A side-only band whose power over the frames it plays is exactly a tenth (10 dB) of the
    loudest band's counts, and takes the loss over the centre limit."""
    within = 10 ** (-STATED.IMPORTANT_WITHIN_DB / 10)
    loudest = 100 * (1.0 + 0.5)  # mid 1 and side 0.5 over the 100 frames

    def power(quiet: float) -> float:  # summed over the frames as the rule sums the bands
        rows = np.zeros((FRAMES, len(stereo_width.CENTERS_HZ)))
        rows[:, 16] = quiet
        return float(rows.sum(axis=0)[16])

    quiet = _step_to(power, loudest * within, 1.5 * within)
    part = _part("Bass.wav", "bass", lr=0.5, mid={12: 1.0}, side={12: 0.5, 16: quiet})
    summed = part.band_power[part.active].sum(axis=0)
    assert summed[16] == summed.max() * within and summed.max() == loudest
    assert list(stereo_width.important_bands(part)) == [12, 16]
    assert _one(_rules([part], "width")).evidence["bands"] == [12, 16]


def test_width_reads_the_correlation_where_the_part_plays() -> None:
    """Opposite channels in the frames where the part does not play (silent to the loudness
    meter) do not make the width rule give way to the polarity rule."""
    part = _part("Pad.wav", "pad", lr=0.5, mid={12: 1.0}, side={12: 1.0}, plays=50)
    _dirty(part, 3.0, 3.0, -3.0)
    st = part.measurement.stereo
    ll, rr, lr = (float(series.sum()) for series in (st.ll_series, st.rr_series, st.lr_series))
    assert stereo_common.correlation(ll, rr, lr) < STATED.POLARITY_CORRELATION_MAX
    found = _rules([part], "width") + _rules([part], "channel_polarity")
    assert [(s.rule, s.evidence["correlation"]) for s in found] == [("width", 0.5)]


# ------------------------------------------------------------------------- channel polarity


def test_channel_polarity_reads_the_correlation_where_the_part_plays() -> None:
    part = _part("Vox.wav", "lead_vocal", ll=1.0, rr=1.0, lr=-0.8, plays=50)
    _dirty(part, 1.0, 1.0, 1.0)
    found = _one(_rules([part], "channel_polarity"))
    assert found.evidence["correlation"] == -0.8
    assert found.target.before == pytest.approx(-0.8, rel=1e-12)


# ---------------------------------------------------------------------------- pair polarity


def _column(base: float, last: float) -> np.ndarray:
    """A band's power over the frames: ``base`` in all but the last frame, then ``last``."""
    column = np.full(FRAMES, base)
    column[-1] = last
    return column


def _mix_at(total: np.ndarray, deficit_db: float) -> StemFeatures:
    mix = _part("(mix)", "mix", channels=1)
    mix.measurement.bands.mid_power[:, LOW] = total * 10 ** (deficit_db / 10)
    return mix


def test_pair_polarity_counts_a_quieter_part_exactly_at_its_share() -> None:
    """B holds exactly 10% of the pair's energy (to the bit, as the rule sums it): it counts."""
    e_a = float(np.ones(FRAMES).sum())
    e_b = _step_to(lambda e: e - STATED.PAIR_WEAKER_MIN * (e_a + e), 0.0, e_a / 9)
    base = 57 / 512  # 99 frames whose sums are exact; the last frame carries the rest
    last = _step_to(lambda w: float(_column(base, w).sum()), e_b, e_b - 99 * base)
    a = _part("A.wav", "bass", mid={LOW: 1.0})
    b = _part("B.wav", "synth", mid={LOW: 1.0})
    b.measurement.bands.mid_power[:, LOW] = _column(base, last)
    mix = _mix_at(1.0 + _column(base, last), -5.0)
    pair = stereo_polarity._pair(_session([a, b], mix), a, b)
    assert pair is not None and (pair.e_a, pair.e_b) == (e_a, e_b)
    assert min(e_a, e_b) == STATED.PAIR_WEAKER_MIN * (e_a + e_b)
    assert [s.stems for s in _rules([a, b], "pair_polarity", mix)] == [("B.wav",)]


def test_pair_polarity_fires_when_the_pair_holds_exactly_its_share() -> None:
    """A third part in the same cells leaves A and B exactly 70% of the energy there."""
    e_pair = 200.0  # A and B at power 1 over 100 frames
    e_all = _step_to(lambda e: STATED.PAIR_SHARE_MIN * e, e_pair, e_pair / STATED.PAIR_SHARE_MIN)
    base = 439 / 512  # C in 99 frames: 2 + base is exact, and so are their sums

    def summed(last: float) -> float:  # all stems' power per frame, summed as the rule sums it
        return float((np.zeros(FRAMES) + 1.0 + 1.0 + _column(base, last)).sum())

    last = _step_to(summed, e_all, e_all - 99 * (2 + base) - 2)
    a = _part("A.wav", "bass", mid={LOW: 1.0})
    b = _part("B.wav", "synth", mid={LOW: 1.0})
    c = _part("C.wav", "keys", mid={LOW: 1.0})
    c.measurement.bands.mid_power[:, LOW] = _column(base, last)
    mix = _mix_at(2.0 + _column(base, last), -5.0)
    features = _session([a, b, c], mix)
    pair = stereo_polarity._pair(features, a, b)
    assert pair is not None
    bands = band_range(STATED.PAIR_LOW_HZ, STATED.PAIR_HIGH_HZ)
    e_all_read = float(features.all_band_power[:, bands][pair.cells].sum())  # as the rule reads it
    assert pair.e_a + pair.e_b == e_pair == STATED.PAIR_SHARE_MIN * e_all_read
    found = _rules([a, b, c], "pair_polarity", mix)
    assert [(s.stems, s.evidence["against"]) for s in found] == [(("B.wav",), "A.wav")]


def _moved(part: StemFeatures, gain_db: float) -> StemFeatures:
    """``part`` after a fader move of ``gain_db``: every level scaled, its own measurement kept
    as the one ahead of the fader."""
    m: Any = part.measurement
    f = 10 ** (gain_db / 10)
    moved: Any = SimpleNamespace(
        channels=m.channels,
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=m.loudness.frame_energy * f),
        levels=SimpleNamespace(mean_square_series=m.levels.mean_square_series * f),
        bands=SimpleNamespace(mid_power=m.bands.mid_power * f, side_power=m.bands.side_power * f),
        stereo=None
        if m.stereo is None
        else SimpleNamespace(
            ll_series=m.stereo.ll_series * f,
            rr_series=m.stereo.rr_series * f,
            lr_series=m.stereo.lr_series * f,
            identical_channels=m.stereo.identical_channels,
        ),
    )
    return StemFeatures(part.file, part.role, moved, FRAMES, Offset(m, gain_db))


def _flips(found: list[Suggestion]) -> list[tuple[str, Any, Any]]:
    return [(s.stems[0], s.evidence["against"], s.evidence["pair_correlation"]) for s in found]


def test_pair_polarity_carries_its_pairs_across_a_fader_move() -> None:
    """Three parts in one band (C too quiet to count in a pair) and D in another (no cell with
    any), then A's fader up 2 dB and B's down 6 dB: the five pairs with A or B, D's without a
    cell among them, are carried over with the energies moved (not worked out again), C and
    D's kept, and the answer is the one worked out afresh: B, now the quieter of A and B, is the
    one flipped."""
    powers = {"A.wav": 1.0, "B.wav": 2.0, "C.wav": 0.05}
    parts = [_part(file, "synth", mid={LOW: p}) for file, p in powers.items()]
    parts.append(_part("D.wav", "synth", mid={LOW + 4: 1.0}))
    mix = _mix_at(np.full(FRAMES, sum(powers.values())), -5.0)
    first = _rules(parts, "pair_polarity", mix)
    assert [s.stems[0] for s in first] == ["A.wav"]
    moved = [_moved(parts[0], 2.0), _moved(parts[1], -6.0), *parts[2:]]
    mix_moved = _mix_at(np.full(FRAMES, 10**0.2 + 2.0 * 10**-0.6 + 0.05), -5.0)
    memo = stereo_polarity.CELLS
    counts = (memo.computed, memo.kept, memo.shifted)
    found = _rules(moved, "pair_polarity", mix_moved)
    assert (memo.computed, memo.kept, memo.shifted) == (counts[0], counts[1] + 1, counts[2] + 5)
    with recomputing():
        fresh = _rules(moved, "pair_polarity", mix_moved)
    assert _flips(found) == _flips(fresh)
    assert [s.evidence for s in found] == [s.evidence for s in fresh]
    assert [s.stems[0] for s in found] == ["B.wav"]


def test_pair_polarity_of_a_pair_muted_by_its_faders() -> None:
    """Both parts of a pair muted (faders at -inf dB): they still play ahead of their faders,
    so the pair has its cells, but no energy at all there; nothing is said (no division by a
    zero sum)."""
    a = _moved(_part("A.wav", "bass", mid={LOW: 1.0}), -math.inf)
    b = _moved(_part("B.wav", "synth", mid={LOW: 1.0}), -math.inf)
    mix = _mix_at(np.full(FRAMES, 1.0), -5.0)
    features = _session([a, b], mix)
    pair = stereo_polarity._pair(features, a, b)
    assert pair is not None and (pair.e_a, pair.e_b) == (0.0, 0.0) and pair.frames.all()
    assert float(features.all_band_power.sum()) == 0.0
    assert stereo_polarity.pair_polarity_rules(features) == []


def test_pair_polarity_lists_pairs_of_equal_deficits_by_id() -> None:
    """Two pairs in two bands whose sums fall short by exactly the same (to the bit): both
    flips, in the order of their ids."""
    found = _pairs_at({"A.wav": {4: 1.0}, "B.wav": {4: 2.0}, "C.wav": {6: 1.0}, "D.wav": {6: 2.0}})
    assert sorted(s.stems[0] for s in found) == ["A.wav", "C.wav"]
    assert found[0].target.before == found[1].target.before
    assert [s.id for s in found] == sorted(s.id for s in found)


def _pairs_at(powers: dict[str, dict[int, float]]) -> list[Suggestion]:
    """Parts at these powers (file: band: power), the mix 5 dB under their sum in each band."""
    parts = [_part(file, "synth", mid=bands) for file, bands in powers.items()]
    mix = _part("(mix)", "mix", channels=1)
    for band in {b for bands in powers.values() for b in bands}:
        total = sum(bands.get(band, 0.0) for bands in powers.values())
        mix.measurement.bands.mid_power[:, band] = total * 10 ** (-5.0 / 10)
    return _rules(parts, "pair_polarity", mix)


# --------------------------------------------------------------------------------- centre_pan


def test_centre_pan_reads_the_balance_where_the_part_plays() -> None:
    """Leaning right where it plays, left (more) in frames where it does not."""
    part = _part("Kick.wav", "kick", ll=1.0, rr=2.0, lr=0.5, plays=50)
    _dirty(part, 5.0, 1.0, 0.5)
    found = _one(_rules([part], "centre_pan"))
    assert found.evidence["balance"] == round(1 / 3, 3) and found.params["pan"] < 0


def test_centre_pan_of_a_part_with_one_channel_silent() -> None:
    """Nothing on the left: the channel difference is the most there is (60 dB)."""
    found = _one(_rules([_part("Kick.wav", "kick", ll=0.0, rr=1.0, lr=0.0)], "centre_pan"))
    assert found.evidence["channel_difference_db"] == stereo_common.MAX_LOSS_DB == 60.0
    assert "(60.0 dB louder on the right)" in found.why and found.severity == "high"


def test_centre_pan_of_a_very_quiet_part() -> None:
    """L² summed over the frames under 1 (0.5): the difference is still the channels' ratio."""
    found = _one(_rules([_part("Kick.wav", "kick", ll=0.005, rr=0.01, lr=0.0)], "centre_pan"))
    assert found.evidence["channel_difference_db"] == round(10 * math.log10(2.0), 2) == 3.01


# -------------------------------------------------------------------------------- mix_balance


def _mix_of(mix_ll: float, mix_rr: float) -> StemFeatures:
    """A mix whose L² and R² summed over the song are these, to the bit (one frame holds them)."""
    return _part("(mix)", "mix", ll=mix_ll, rr=mix_rr, lr=0.0, plays=1)


def _guitar(ll: float, rr: float) -> StemFeatures:
    """A guitar whose L² and R² summed over the song are these, to the bit."""
    return _part("Gtr.wav", "guitar", ll=ll, rr=rr, lr=0.0, plays=1)


def _lean_of(lean_db: float) -> float:
    """A ratio R² / L² whose imbalance is ``lean_db`` to the bit."""
    return _step_to(lambda r: stereo_pan.mix_imbalance_db(1.0, r), lean_db, 10 ** (lean_db / 10))


def test_mix_balance_is_medium_exactly_at_the_high_line() -> None:
    ratio = _lean_of(STATED.MIX_IMBALANCE_HIGH_DB)
    mix_ll = 1024.0
    mix = _mix_of(mix_ll, mix_ll * ratio)
    assert stereo_pan.mix_imbalance_db(mix_ll, mix_ll * ratio) == STATED.MIX_IMBALANCE_HIGH_DB
    found = _one(_rules([_guitar(100.0, 100.0 + 0.9 * mix_ll * (ratio - 1))], "mix_balance", mix))
    assert found.severity == "medium" and found.target.before == STATED.MIX_IMBALANCE_HIGH_DB


def test_mix_balance_moves_the_later_of_two_parts_giving_the_same_lean() -> None:
    """Two guitars giving exactly as much of the lean (R² - L² of 400 each): the one later by
    name is moved, whatever their levels."""
    parts = [_part("A.wav", "guitar", ll=3.0, rr=7.0, lr=0.5),
             _part("B.wav", "guitar", ll=1.0, rr=5.0, lr=0.5)]  # fmt: skip
    mix = _part("(mix)", "mix", ll=10.0, rr=15.0, lr=5.0)
    assert [s.stems for s in _rules(parts, "mix_balance", mix)] == [("B.wav",)]


def test_mix_balance_gives_the_share_of_the_lean_to_three_decimals() -> None:
    found, _balance = _mix_leaning(2.3456, 0.81234, 1.0)
    share = _one(found).evidence["share_of_lean"]
    assert share == 0.812


def _after(mix_ll: float, mix_rr: float, ll: float, rr: float, pan: float) -> float:
    """The mix's imbalance with the guitar at ``pan``, as the rule works it out."""
    new_ll, new_rr = stereo_common.balanced(ll, rr, pan)
    return stereo_pan.mix_imbalance_db(mix_ll - ll + new_ll, mix_rr - rr + new_rr)


def test_mix_balance_fires_when_it_halves_the_lean_exactly() -> None:
    """A 12 dB lean; the guitar moved to its own centre leaves exactly half of it (its R² found
    by halving, then float by float; its L² a millionth off at a time until one lands)."""
    mix_ll = 1024.0
    mix_rr = mix_ll * 10**1.2
    before = stereo_pan.mix_imbalance_db(mix_ll, mix_rr)
    for k in range(100):
        ll = 100.0 + k * 1e-6

        def left(rr: float, ll: float = ll) -> float:
            return _after(mix_ll, mix_rr, ll, rr, round(stereo_common.pan_to_centre(ll, rr), 2))

        low, high = ll + 1.0, mix_rr - mix_ll
        for _ in range(60):
            middle = (low + high) / 2
            if left(middle) > 0.5 * before:
                low = middle
            else:
                high = middle
        rr = _near(left, 0.5 * before, low, 50)
        if rr is not None:
            break
    assert rr is not None and left(rr) == 0.5 * abs(before)
    found = _one(_rules([_guitar(ll, rr)], "mix_balance", _mix_of(mix_ll, mix_rr)))
    assert found.target.predicted == 0.5 * found.target.before


def test_mix_balance_stops_at_the_parts_centre_when_that_levels_the_mix_exactly() -> None:
    """The guitar's own centre is just past -0.305 and, there, the mix is level to the bit: the
    balance is its centre rounded (-0.31), not a point found by halving towards it."""
    edge = -0.305

    def centre(ll: float) -> float:
        return stereo_common.pan_to_centre(ll, 1000.0)

    ll = 369.0
    for _ in range(30):  # secant steps to the rounding edge
        f0, f1 = centre(ll) - edge, centre(ll + 1e-3) - edge
        ll = ll - f0 * 1e-3 / (f1 - f0)
    while not (centre(ll) < edge and centre(ll) > edge - 2e-14):
        ll = float(np.nextafter(ll, np.inf if centre(ll) < edge - 2e-14 else -np.inf))
    rr, limit = 1000.0, centre(ll)
    new_ll, new_rr = stereo_common.balanced(ll, rr, limit)
    mix_ll = 1024.0
    level = mix_ll - ll + new_ll
    mix_rr = _step_to(lambda m: m - rr + new_rr, level, level + rr - new_rr)
    assert _after(mix_ll, mix_rr, ll, rr, limit) == 0.0 and round(limit, 2) == -0.31
    assert round(limit + 1e-12, 2) == -0.3  # a point halved towards it would round the other way
    found = _one(_rules([_guitar(ll, rr)], "mix_balance", _mix_of(mix_ll, mix_rr)))
    assert found.params == {"pan": -0.31}


def test_mix_balance_halves_towards_a_level_point_met_exactly() -> None:
    """The guitar's own centre (-0.61) would tip the mix over; the mix is level to the bit at
    the first point the search tries, half way there (-0.305, which rounds to -0.3). The search
    keeps to that side of it: the balance is -0.3, not -0.31 (or 0)."""
    rr, mix_ll = 1000.0, 1024.0
    limit = -0.61

    def centre(ll: float) -> float:
        return stereo_common.pan_to_centre(ll, rr)

    ll = 100.0
    for _ in range(30):  # secant steps to the centre wanted, then float by float
        f0, f1 = centre(ll) - limit, centre(ll + 1e-3) - limit
        if f0 == 0.0 or f1 == f0:
            break
        ll = ll - f0 * 1e-3 / (f1 - f0)
    ll = _step_to(centre, limit, ll)
    middle = (limit + 0.0) / 2
    new_ll, new_rr = stereo_common.balanced(ll, rr, middle)
    level = mix_ll - ll + new_ll
    mix_rr = _step_to(lambda m: m - rr + new_rr, level, level + rr - new_rr)
    assert centre(ll) == limit and middle == -0.305 and round(middle, 2) == -0.3
    assert _after(mix_ll, mix_rr, ll, rr, middle) == 0.0
    assert _after(mix_ll, mix_rr, ll, rr, limit) < 0 < stereo_pan.mix_imbalance_db(mix_ll, mix_rr)
    found = _one(_rules([_guitar(ll, rr)], "mix_balance", _mix_of(mix_ll, mix_rr)))
    assert found.params == {"pan": -0.3}


@pytest.mark.parametrize("mix_rr, pan", [(1531.0718119885835, -0.3), (1531.07181198901, -0.31)])
def test_mix_balance_rounds_a_level_point_by_a_rounding_edge(mix_rr: float, pan: float) -> None:
    """The mix is level with the guitar at a point within 3e-13 of -0.305, on either side (its
    own centre, -0.61, would tip the mix over): the search between that centre and 0 lands
    close enough, on the right side, to round it as the point itself rounds."""
    ll, rr, mix_ll = 100.0, 1000.0, 1024.0

    def after(pan: float) -> float:
        return _after(mix_ll, mix_rr, ll, rr, pan)

    low, high = stereo_common.pan_to_centre(ll, rr), 0.0
    assert after(low) < 0 < after(high)
    while (low + high) / 2 not in (low, high):  # the level point, to the float
        middle = (low + high) / 2
        low, high = (low, middle) if after(middle) > 0 else (middle, high)
    if not (abs(high - -0.305) < 3e-13 and round(high, 2) == pan):  # a libm's last ulp
        pytest.skip(f"the level point is {high!r} with this machine's libm, not on the edge")
    found = _one(_rules([_guitar(ll, rr)], "mix_balance", _mix_of(mix_ll, mix_rr)))
    assert found.params == {"pan": pan}
