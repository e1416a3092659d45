"""Levels against the mix (levels.py): the relative level, its prediction after a gain, the gain
solve and the severity steps the balance and section rules share.

Stems are built directly from K-weighted energy series (no audio). Where a stem and the mix hold
steady energies over the same frames their gated loudnesses read the same blocks, so the relative
level is exactly the ratio of the energies and a gain's effect has a closed form: the tests
compare with that form, not with the code's own output.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.suggest import levels
from mixreview.analysis.suggest.features import StemFeatures
from mixreview.analysis.suggest.levels import (
    _estimate_gain,
    predicted_relative,
    relative_level,
    severity_of,
    solve_gain,
)

DOC = " ".join(
    (Path(__file__).resolve().parent.parent / "docs/rules/balance.md").read_text().split()
)
FRAMES = 100  # 10 s on the 100 ms grid
MAX_GAIN_DB = 18.0  # docs/rules/balance.md: "within ±18 dB"


def _stem(energy: float | np.ndarray, file: str = "Part.wav") -> StemFeatures:
    series = np.broadcast_to(np.asarray(energy, np.float64), (FRAMES,)).copy()
    measurement: Any = SimpleNamespace(loudness=SimpleNamespace(frame_s=0.1, frame_energy=series))
    return StemFeatures(file, "keys", measurement, FRAMES)


def _mask(first: int = 0, last: int = FRAMES) -> np.ndarray:
    mask = np.zeros(FRAMES, bool)
    mask[first:last] = True
    return mask


def _alone_after(s: float, m: float, gain_db: float) -> float:
    """The relative level of a steady stem ``s`` in a steady mix ``m`` after ``gain_db``."""
    a = 10 ** (gain_db / 10)
    return 10 * math.log10(a * s / (m + (a - 1) * s))


def _gain_for(s: float, m: float, goal_lu: float) -> float:
    r = 10 ** (goal_lu / 10)
    return 10 * math.log10(r * (m - s) / (s * (1 - r)))


# ------------------------------------------------------------------------------------ constants


def test_the_gain_limit_is_the_one_the_doc_states() -> None:
    assert levels.MAX_GAIN_DB == MAX_GAIN_DB
    assert f"within ±{MAX_GAIN_DB:g} dB" in DOC
    # the bisection's steps bring ±18 dB under the 0.1 dB shown, and no more steps than that
    assert (
        2 * MAX_GAIN_DB / 2**levels.SOLVE_STEPS
        < 0.01
        <= 2 * MAX_GAIN_DB / 2 ** (levels.SOLVE_STEPS - 1)
    )
    assert levels.SOLVE_TOLERANCE_LU == 0.02


# ------------------------------------------------------------------------------ relative level


@pytest.mark.parametrize("s, m", [(1.0, 4.0), (0.01, 0.5), (3.0, 3.0)])
def test_relative_level_is_the_ratio_of_steady_energies(s: float, m: float) -> None:
    """Over a mask in the middle of the song; outside it the stem and mix are much louder and
    in another ratio, and must not count."""
    mask = _mask(30, 60)
    stem = np.full(FRAMES, 100.0)
    mix = np.full(FRAMES, 110.0)
    stem[mask], mix[mask] = s, m
    found = relative_level(_stem(stem), _stem(mix, "(mix)"), mask)
    assert found == pytest.approx(10 * math.log10(s / m), abs=1e-9)


def test_relative_level_is_minus_inf_when_either_is_silent() -> None:
    mask = _mask(10, 40)
    loud, silent = _stem(1.0), _stem(0.0)
    assert relative_level(silent, loud, mask) == -math.inf
    assert relative_level(loud, silent, mask) == -math.inf
    assert relative_level(loud, loud, np.zeros(FRAMES, bool)) == -math.inf


# --------------------------------------------------------------------------------- prediction


@pytest.mark.parametrize("gain_db", [-12.0, -3.0, 0.0, 2.5, 6.0, 15.0])
@pytest.mark.parametrize("s, m", [(1.0, 4.0), (0.01, 0.04)])
def test_a_gain_moves_the_stem_and_the_mix_it_is_in(gain_db: float, s: float, m: float) -> None:
    """Energies add: the stem moves by the gain, the mix by the stem's share of it. Frames of
    the gated window outside the mask read as silent for both."""
    mask = _mask(30, 60)
    stem = np.full(FRAMES, 100.0)
    mix = np.full(FRAMES, 300.0)
    stem[mask], mix[mask] = s, m
    found = predicted_relative(_stem(stem), _stem(mix, "(mix)"), mask, gain_db)
    assert found == pytest.approx(_alone_after(s, m, gain_db), abs=1e-9)


def test_a_mix_under_its_stem_is_floored_at_silence() -> None:
    """A mix quieter than one of its stems (parts cancelling) cannot go under silence after a
    cut on the stem: the stem is then over a silent mix."""
    mask = _mask()
    found = predicted_relative(_stem(1.0), _stem(0.5, "(mix)"), mask, -10.0)
    assert found == math.inf
    found = predicted_relative(_stem(1.0), _stem(0.5, "(mix)"), mask, -1.0)
    assert found == pytest.approx(_alone_after(1.0, 0.5, -1.0), abs=1e-9)


# ------------------------------------------------------------------------------------- the solve


@pytest.mark.parametrize(
    ("s", "m", "goal"), [(1.0, 4.0, -3.0), (1.0, 20.0, -7.0), (0.2, 1.0, -2.0)]
)
def test_the_estimate_is_the_closed_form_on_mean_energies(s: float, m: float, goal: float) -> None:
    found = _estimate_gain(_stem(s), _stem(m, "(mix)"), _mask(), goal)
    assert found == pytest.approx(_gain_for(s, m, goal), abs=1e-9)


def test_the_estimate_stops_where_it_has_no_answer() -> None:
    mask = _mask()
    assert _estimate_gain(_stem(0.0), _stem(1.0), mask, -3.0) is None
    assert _estimate_gain(_stem(1.0), _stem(1.0), mask, -3.0) is None
    assert _estimate_gain(_stem(1.0), _stem(float(np.nextafter(1.0, 2.0))), mask, -3.0) is not None
    assert _estimate_gain(_stem(1.0), _stem(4.0), mask, 0.0) is None
    assert _estimate_gain(_stem(1.0), _stem(4.0), mask, -1e-9) is not None
    assert _estimate_gain(_stem(1.0), _stem(4.0), np.zeros(FRAMES, bool), -3.0) is None
    # held within ±MAX_GAIN_DB
    assert _estimate_gain(_stem(1.0), _stem(4.0), mask, -0.001) == MAX_GAIN_DB
    assert _estimate_gain(_stem(1.0), _stem(4.0), mask, -60.0) == -MAX_GAIN_DB


@pytest.mark.parametrize(
    ("s", "m", "goal"),
    [(1.0, 4.0, -3.0), (1.0, 20.0, -7.0), (0.2, 1.0, -2.0), (1.0, 4.0, -12.0), (0.01, 1.0, -5.0)],
)
def test_the_solve_lands_on_the_goal_for_steady_parts(s: float, m: float, goal: float) -> None:
    exact = _gain_for(s, m, goal)
    found = solve_gain(_stem(s), _stem(m, "(mix)"), _mask(), goal)
    assert found == round(exact, 1)


def _varying() -> tuple[StemFeatures, StemFeatures]:
    """A stem loud in its first half and quiet in its second, over a steady bed: its gated level
    and its mean energy disagree, so the closed-form start is off and the secant corrects it."""
    stem = np.where(np.arange(FRAMES) < FRAMES // 2, 1.0, 0.02)
    return _stem(stem), _stem(stem + 0.5, "(mix)")


def _reference(stem: StemFeatures, mix: StemFeatures, goal: float) -> float:
    low, high = -MAX_GAIN_DB, MAX_GAIN_DB
    for _ in range(60):
        middle = (low + high) / 2
        if predicted_relative(stem, mix, _mask(), middle) < goal:
            low = middle
        else:
            high = middle
    return low


@pytest.mark.parametrize("goal", [-9.0, -6.0, -4.0, -2.5, -1.0])
def test_the_solve_corrects_the_start_on_the_gated_levels(goal: float) -> None:
    stem, mix = _varying()
    exact = _reference(stem, mix, goal)
    start = _estimate_gain(stem, mix, _mask(), goal)
    assert start is not None and abs(start - exact) > 0.1  # the start alone is not enough
    found = solve_gain(stem, mix, _mask(), goal)
    assert abs(found - exact) <= 0.05 + 1e-9 and found == round(found, 1)
    assert abs(predicted_relative(stem, mix, _mask(), found) - goal) < 0.05


def _cancelling() -> tuple[StemFeatures, StemFeatures]:
    """A mix quieter on average than its stem (parts cancelling where the stem is loud): the
    mean energies give no closed-form start."""
    half = np.arange(FRAMES) < FRAMES // 2
    return _stem(np.where(half, 1.0, 0.01)), _stem(np.where(half, 0.5, 0.4), "(mix)")


@pytest.mark.parametrize("goal", [-6.0, -3.0, -1.0, 0.5])
def test_the_solve_bisects_without_a_closed_form(goal: float) -> None:
    stem, mix = _cancelling()
    assert _estimate_gain(stem, mix, _mask(), goal) is None
    exact = _reference(stem, mix, goal)
    found = solve_gain(stem, mix, _mask(), goal)
    assert found == round(exact, 1)
    assert abs(predicted_relative(stem, mix, _mask(), found) - goal) < 0.1


@pytest.mark.parametrize("gain_db", [-18.3, 18.3])
def test_the_secant_step_is_held_within_the_limit(gain_db: float) -> None:
    """A goal just past the limit: the closed form is held at the limit, and so is the step
    that corrects it (unheld, that step would land on the goal)."""
    s, m = 1.0, 1e5  # a small part: its level follows its gain almost dB for dB
    goal = _alone_after(s, m, gain_db)
    assert solve_gain(_stem(s), _stem(m, "(mix)"), _mask(), goal) == math.copysign(
        MAX_GAIN_DB, gain_db
    )


def test_the_solve_stops_at_the_limit_when_the_goal_is_out_of_reach() -> None:
    """A stem that is the whole mix sits at 0 LU whatever its gain (no closed form: the
    bisection runs to an end of ±MAX_GAIN_DB); a goal past the limit is held there."""
    for goal, limit in ((-1.0, -MAX_GAIN_DB), (1.0, MAX_GAIN_DB)):
        assert solve_gain(_stem(1.0), _stem(1.0, "(mix)"), _mask(), goal) == limit
    assert solve_gain(_stem(1.0), _stem(4.0, "(mix)"), _mask(), -0.001) == MAX_GAIN_DB
    assert solve_gain(_stem(1.0), _stem(4.0, "(mix)"), _mask(), -60.0) == -MAX_GAIN_DB


# -------------------------------------------------------------------------------------- severity


def test_severity_steps_are_strictly_over_their_lines() -> None:
    for high, medium in ((7.0, 4.5), (9.0, 5.0), (3.0, 1.5)):
        assert severity_of(high, high, medium) == "medium"
        assert severity_of(float(np.nextafter(high, 99.0)), high, medium) == "high"
        assert severity_of(medium, high, medium) == "low"
        assert severity_of(float(np.nextafter(medium, 99.0)), high, medium) == "medium"
        assert severity_of(0.0, high, medium) == "low"


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The gains the solve reads the predicted level at, in order."""
    calls: list[float] = []

    def counted(*args: Any) -> float:
        calls.append(args[-1])
        return predicted_relative(*args)

    monkeypatch.setattr(levels, "predicted_relative", counted)
    return calls


def test_a_steady_part_is_solved_by_the_closed_form_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    assert solve_gain(_stem(1.0), _stem(4.0, "(mix)"), _mask(), -3.0) == round(
        _gain_for(1.0, 4.0, -3.0), 1
    )
    assert calls == [pytest.approx(_gain_for(1.0, 4.0, -3.0), abs=1e-9)]


@pytest.mark.parametrize("goal", [-12.0, -9.0, -6.0, -4.0, -2.5])
def test_the_correction_spares_the_bisection(goal: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The solve runs inside the balance search for every candidate: where the closed-form start
    is off, its secant correction reads the gated level at most five times (the start and four
    steps), not the SOLVE_STEPS more of the bisection."""
    stem, mix = _varying()
    exact = _reference(stem, mix, goal)
    calls = _counting(monkeypatch)
    found = solve_gain(stem, mix, _mask(), goal)
    assert abs(found - exact) <= 0.05 + 1e-9
    assert 2 <= len(calls) <= 5


def test_the_bisection_reads_the_level_solve_steps_times(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    stem, mix = _cancelling()
    solve_gain(stem, mix, _mask(), -3.0)
    assert len(calls) == levels.SOLVE_STEPS
    assert calls[0] == 0.0  # the middle of ±MAX_GAIN_DB first
