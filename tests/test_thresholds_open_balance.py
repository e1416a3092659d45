"""The balance solve and the gain solve where the threshold tests left mutants open: the step
gain after a first move, the grid's end, moves of half a decibel, a part missing from the mix,
the energy scale, parts brought back exactly at the 1.5 LU margin, and the secant step held at
the gain limit.

Inputs are built in memory with the helpers of test_thresholds_rules.py and
test_thresholds_levels.py (steady or two-level energy series, no audio).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.suggest import balance, levels
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.levels import (
    MAX_GAIN_DB,
    ROLE_RANGES_LU,
    predicted_relative,
    relative_level,
)
from tests.conftest import SR
from tests.test_thresholds_levels import _mask, _reference
from tests.test_thresholds_levels import _stem as _level_stem
from tests.test_thresholds_rules import FRAMES, _at_relative, _features, _gains, _stem


def _moves(features: Features) -> list[tuple[str, float]]:
    return [(m.file, m.gain_db) for m in balance.solve_balance(features)]


def _kick_and_snare(kick_lu: float, snare_lu: float) -> Features:
    """A kick and a snare at these levels (energy shares of a mix of 1) over a bed."""
    kick, snare = 10 ** (kick_lu / 10), 10 ** (snare_lu / 10)
    return _features(
        [
            _stem("Kick.wav", "kick", kick),
            _stem("Snare.wav", "snare", snare),
            _stem("Bed.wav", "unknown", 1 - kick - snare),
        ]
    )


# ----------------------------------------------------------------------------------- the grid


def test_a_part_is_moved_once_and_at_most_the_grid_limit() -> None:
    """A kick 19 LU under its narrowed window: the best gain is past the grid's end, and with
    one candidate the solve makes one step, so the move is held at the limit."""
    low = ROLE_RANGES_LU["kick"][0] + 1.0  # the narrowed window the solve aims at
    for below in (19.0, 20.0):
        assert _moves(_at_relative("kick", low - below)) == [("Part.wav", MAX_GAIN_DB)]


# ---------------------------------------------------------------- the step gain after a move


def test_a_second_step_is_taken_only_when_it_removes_more_than_the_step_gain() -> None:
    """After the kick's +18 dB the snare sits about 2 LU under its narrowed window: a raise
    removes just over BALANCE_STEP_GAIN (4 LU²) at -12.85 LU and just under it at -12.765 LU.
    The cost the step is measured from is the one after the kick's move (the levels of the
    mix with the kick raised), so both sides of the step gain pin it."""
    assert balance.BALANCE_STEP_GAIN == 4.0
    assert _moves(_kick_and_snare(-28.0, -12.85)) == [("Kick.wav", 18.0), ("Snare.wav", 2.0)]
    assert _moves(_kick_and_snare(-28.0, -12.765)) == [("Kick.wav", 18.0)]


def test_the_solve_does_not_depend_on_the_energy_scale() -> None:
    """Relative levels are ratios: the same session with every energy a thousand times lower
    (mix energies well under 1, where a floor of 1 on the mix would change the levels) is
    solved the same, moved or not."""
    sessions = [
        (_at_relative("kick", ROLE_RANGES_LU["kick"][0] - 1.0), []),  # within the margin
        (_kick_and_snare(-17.0, -18.4), [("Snare.wav", 7.0), ("Kick.wav", 7.5)]),
        (_features([_stem("Drums.wav", "drums", 0.03), _stem("Bass.wav", "bass", 0.0027)]), []),
    ]
    for features, expected in sessions:
        assert _moves(features) == expected
        quiet = [_stem(st.file, st.role, st.energy * 1e-3) for st in features.stems.values()]
        assert _moves(_features(quiet)) == expected


# ------------------------------------------------------------------ a part missing from the mix


def test_a_part_missing_from_the_mix_is_left_out_and_the_rest_solved() -> None:
    """A part that plays only where the mix is silent (it was left out of the mix) has no level
    to judge; the kick, 5 LU under its window in a mix whose energies are under 1, is still
    raised."""
    first = np.arange(FRAMES) < 40
    kick_lu = ROLE_RANGES_LU["kick"][0] - 5.0
    kick = np.where(first, 0.0, 0.5 * 10 ** (kick_lu / 10))
    bed = np.where(first, 0.0, 0.5 - kick)
    ghost = _stem("Ghost.wav", "keys", np.where(first, 0.01, 0.0))
    stems = [ghost, _stem("Kick.wav", "kick", kick), _stem("Bed.wav", "unknown", bed)]
    mix = _stem("(mix)", "mix", kick + bed)
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    features = Features(analysis, {st.file: st for st in stems}, mix, (), FRAMES)
    assert ghost.active.sum() == 40 and float(mix.energy.max()) < 1.0
    assert _moves(features) == [("Kick.wav", 6.0)]


# ------------------------------------------------------------------------- half-decibel moves


def _net_half_decibel() -> Features:
    """Two drum parts far under their window, a synth and a guitar about 12 LU over the lead
    vocal: the solve raises the vocal +8 dB while the synth and guitar are still loud, then
    takes back 7.5 dB of it once they are cut, so its move is +0.5 dB."""
    parts = [
        ("Loop.wav", "drums", 0.0035), ("Riser.wav", "fx", 0.058),
        ("Perc.wav", "drums", 0.00348), ("Pad.wav", "pad", 0.0111),
        ("Synth.wav", "synth", 2.88), ("Gtr.wav", "guitar", 2.49),
        ("Vox.wav", "lead_vocal", 0.188),
    ]  # fmt: skip
    return _features([_stem(file, role, energy) for file, role, energy in parts])


def test_a_half_decibel_move_is_shown_and_named_as_a_raise() -> None:
    features = _net_half_decibel()
    moves = balance.solve_balance(features)
    assert [(m.file, m.gain_db) for m in moves] == [
        ("Perc.wav", 18.0), ("Loop.wav", 18.0), ("Vox.wav", 0.5),
        ("Synth.wav", -13.5), ("Gtr.wav", -17.0),
    ]  # fmt: skip
    assert moves[0].lifted == ("Pad.wav",)
    vox = [s for s in _gains(features) if s.stems == ("Vox.wav",)]
    assert len(vox) == 1
    assert vox[0].params == {"gain_db": 0.5}
    assert vox[0].target.goal == "higher"
    assert "Solved for all stems together, +0.5 dB brings it to about" in vox[0].why


def test_a_half_decibel_raise_that_brings_others_back_says_the_mix_leans_on_them() -> None:
    """The first move is the vocal's: +0.5 dB net (raised while the synth and keys bury it,
    then partly taken back once they are cut). It names the parts the solve brings back, and
    a raise, however small, is told as the mix leaning on the others, not as dominating."""
    parts = [
        ("Synth.wav", "synth", 1.7), ("Keys.wav", "keys", 0.95),
        ("Vox.wav", "lead_vocal", 0.0565), ("Snare.wav", "snare", 0.026),
        ("Riser.wav", "fx", 0.00127), ("Bass.wav", "bass", 0.1),
    ]  # fmt: skip
    features = _features([_stem(file, role, energy) for file, role, energy in parts])
    lifted = ("Snare.wav", "Riser.wav", "Bass.wav")
    moves = balance.solve_balance(features)
    assert [(m.file, m.gain_db, m.lifted) for m in moves] == [
        ("Vox.wav", 0.5, lifted), ("Synth.wav", -15.0, ()), ("Keys.wav", -15.0, ()),
    ]  # fmt: skip
    (vox,) = [s for s in _gains(features) if s.stems == ("Vox.wav",)]
    assert vox.params == {"gain_db": 0.5} and vox.evidence["brings_back"] == list(lifted)
    assert vox.why.endswith(
        "With it this quiet the mix leans on the others, so Snare.wav, Riser.wav, Bass.wav "
        "sit outside their windows; this change brings them back without a change of their own."
    )
    assert "dominates" not in vox.why and vox.target.goal == "higher"


# ------------------------------------------------------------ the gain solve at its limit


@pytest.mark.parametrize(
    ("split", "quiet", "bed", "goal", "limit"),
    [(50, 0.01, 0.01, -2.0, -MAX_GAIN_DB), (15, 0.02, 10.0, -3.0, MAX_GAIN_DB)],
)
def test_a_secant_step_past_the_limit_is_held_there(
    split: int, quiet: float, bed: float, goal: float, limit: float,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A part loud for ``split`` frames and quiet after, over a steady bed: its gated level
    and its mean energy disagree, so the closed-form start lands inside ±MAX_GAIN_DB, the first
    correction too, and the next secant step would go past the limit (the goal is out of
    reach). The step is held at the limit and the answer is the limit."""
    series = np.where(np.arange(FRAMES) < split, 1.0, quiet)
    stem, mix = _level_stem(series), _level_stem(series + bed, "(mix)")
    # out of reach: even at the limit the part is short of the goal
    at_limit = predicted_relative(stem, mix, _mask(), limit)
    assert (at_limit < goal) if limit > 0 else (at_limit > goal)
    calls: list[float] = []

    def counted(*args: Any) -> float:
        calls.append(args[-1])
        return predicted_relative(*args)

    monkeypatch.setattr(levels, "predicted_relative", counted)
    assert levels.solve_gain(stem, mix, _mask(), goal) == limit
    assert abs(calls[0]) < MAX_GAIN_DB and abs(calls[1]) < MAX_GAIN_DB  # start, first step
    assert limit in calls[2:4]  # a secant step held at the limit
    assert all(abs(g) <= MAX_GAIN_DB for g in calls)


# ------------------------------------------------------------- brought back, exactly at the margin


def _on_the_margin(distance: Callable[[float], float], low: float, high: float) -> float:
    """An energy in [low, high] whose window distance, as ``distance`` reads it, is exactly
    BALANCE_MARGIN_LU (``distance`` falls as the energy grows): bisection, then a walk over
    the neighbouring floats."""
    margin = balance.BALANCE_MARGIN_LU
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        low, high = (middle, high) if distance(middle) > margin else (low, middle)
    up = down = high
    for _ in range(500):
        for energy in (up, down):
            if distance(energy) == margin:
                return float(energy)
        up, down = np.nextafter(up, np.inf), np.nextafter(down, 0.0)
    raise AssertionError("no energy lands on the margin")


def _just_outside(distance: Callable[[float], float], energy: float) -> float:
    """The nearest quieter energy whose distance is over the margin."""
    for _ in range(500):
        energy = float(np.nextafter(energy, 0.0))
        if distance(energy) > balance.BALANCE_MARGIN_LU:
            return energy
    raise AssertionError("no quieter energy outside the margin")


CULPRIT = [("Bass.wav", "bass", 100.0), ("Kick.wav", "kick", 1.0), ("Snare.wav", "snare", 1.0),
           ("Vox.wav", "lead_vocal", 2.0)]  # fmt: skip


def test_a_part_exactly_at_the_margin_before_is_not_brought_back() -> None:
    """The bass cut lifts the hats into their window, but the hats sat exactly
    BALANCE_MARGIN_LU under it before: not outside by more than the margin, so not named."""
    window = ROLE_RANGES_LU["hats"]

    def session(energy: float) -> Features:
        return _features([_stem(*part) for part in CULPRIT] + [_stem("Hats.wav", "hats", energy)])

    def before(energy: float) -> float:
        features = session(energy)
        hats, mix = features.stems["Hats.wav"], features.mix
        assert mix is not None
        return balance._window_distance(relative_level(hats, mix, hats.active), window)

    share = 10 ** ((window[0] - 2.0) / 10)  # 2 LU under: the bracket's quiet end
    energy = _on_the_margin(before, 104.0 * share / (1 - share), 104.0 * share * 10)
    moves = balance.solve_balance(session(energy))
    assert [(m.file, m.gain_db, m.lifted) for m in moves] == [
        ("Bass.wav", -15.0, ("Kick.wav", "Snare.wav", "Vox.wav"))
    ]
    nudged = session(_just_outside(before, energy))  # a hair further out: brought back
    assert balance.solve_balance(nudged)[0].lifted == (
        "Kick.wav",
        "Snare.wav",
        "Vox.wav",
        "Hats.wav",
    )


def test_a_part_brought_exactly_to_the_margin_is_brought_back() -> None:
    """A pad that plays through the whole song while the others play in its first half only:
    the gated mix reads the loud half alone, so the pad's level is 3 dB under what the solve's
    mean energies see, and the solve never moves it. The bass cut brings it to exactly
    BALANCE_MARGIN_LU under its window: within the margin, so it is named as brought back."""
    first = np.arange(FRAMES) < FRAMES // 2
    window = ROLE_RANGES_LU["pad"]

    def session(energy: float) -> Features:
        parts = [_stem(file, role, np.where(first, e, 0.0)) for file, role, e in CULPRIT]
        return _features([*parts, _stem("Pad.wav", "pad", energy)])

    def after(energy: float) -> float:
        """The pad's distance after the bass cut the solve makes (checked below)."""
        features = session(energy)
        pad, mix = features.stems["Pad.wav"], features.mix
        assert mix is not None
        final = mix.energy.copy()
        for stem in features.stems.values():
            gain = np.float64(-15.5 if stem.file == "Bass.wav" else 0.0)
            final += (10.0 ** (gain / 10.0) - 1.0) * stem.energy
        final_mix = StemFeatures.with_energy(mix, np.maximum(final, 0.0))
        return balance._window_distance(relative_level(pad, final_mix, pad.active), window)

    energy = _on_the_margin(after, 104.0 * 10**-3.55, 104.0 * 10**-3.5)
    moves = balance.solve_balance(session(energy))
    assert [(m.file, m.gain_db, m.lifted) for m in moves] == [
        ("Bass.wav", -15.5, ("Kick.wav", "Snare.wav", "Vox.wav", "Pad.wav"))
    ]
    under = session(_just_outside(after, energy))  # a hair further out: not brought back
    assert balance.solve_balance(under)[0].lifted == ("Kick.wav", "Snare.wav", "Vox.wav")


def test_after_four_secant_steps_the_bisection_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A part loud for 6 s and 20 dB quieter for 4 s: the closed-form start is 7 dB off and the
    secant steps swing about the goal (5.0, -5.0, 1.3, 0.15 dB); four do not reach the 0.02 LU
    tolerance, and the bisection answers to 0.01 dB. A fifth step would land at -0.255 dB,
    within the tolerance but past the -0.25 dB edge: -0.3 dB shown for a root at -0.217."""
    series = np.where(np.arange(FRAMES) < 60, 1.0, 0.01)
    stem, mix = _level_stem(series), _level_stem(series + 0.5, "(mix)")
    goal = -0.65
    exact = _reference(stem, mix, goal)
    assert abs(exact - round(exact, 1)) < 0.02  # over 0.03 dB from a rounding edge
    calls: list[float] = []

    def counted(*args: Any) -> float:
        calls.append(args[-1])
        return predicted_relative(*args)

    monkeypatch.setattr(levels, "predicted_relative", counted)
    assert levels.solve_gain(stem, mix, _mask(), goal) == round(exact, 1) == -0.2
    assert len(calls) == 1 + 4 + levels.SOLVE_STEPS  # the start, four steps, the bisection
