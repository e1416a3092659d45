"""The section-jump and compressor rules at the edges the threshold tests leave open: levels that
land on a threshold to the bit, kinds of section that stop a loop early if it breaks instead of
going on, sections the song does not reach, and loud passages close enough to be named as one.

The levels on a threshold are found by stepping an input level float by float until the number
the rule compares is the threshold exactly, worked out with the module's own functions, so a
``<`` turned into ``<=`` changes the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.sections import Section
from mixreview.analysis.suggest import dynamics, section_balance
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.levels import (
    ROLE_RANGES_LU,
    predicted_relative,
    relative_level,
    solve_gain,
)
from mixreview.analysis.suggest.model import Suggestion
from tests.conftest import SR
from tests.test_thresholds_dynamics import PASSAGE, _limit, _part, _swinging
from tests.test_thresholds_dynamics import STATED as STATED_DYNAMICS
from tests.test_thresholds_sections import STATED, _gaps, _song, _stem, _where

SB = section_balance
Spec = Sequence[tuple[str, float, float | None]]


def _land(
    value_of: Callable[[float, float], float], target: float, start: float
) -> tuple[float, float]:
    """Inputs ``(x, y)`` whose ``value_of`` is ``target`` to the bit: ``y`` (another level) a
    few millionths of a dB off its value at a time, ``x`` by secant steps to the root, then the
    floats around it one by one."""
    for k in range(40):
        y = k * 1e-6
        x0, x1 = start, start + 1e-3
        f0 = value_of(x0, y) - target
        for _ in range(40):
            f1 = value_of(x1, y) - target
            if f1 == 0.0:
                return x1, y
            if f1 == f0 or not np.isfinite(f1):
                break
            x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        up = down = x1
        for _ in range(8):
            up, down = float(np.nextafter(up, np.inf)), float(np.nextafter(down, -np.inf))
            for x in (up, down):
                if value_of(x, y) == target:
                    return x, y
    raise AssertionError(f"no input lands on {target!r}")


def _section(features: Features, name: str) -> Section:
    return next(s for s in features.sections if s.name == name)


def _rel_over(features: Features, part: StemFeatures, names: Sequence[str]) -> float:
    """The part's level against the mix over these sections, as the rule reads it."""
    assert features.mix is not None
    sections = [_section(features, name) for name in names]
    return relative_level(part, features.mix, part.active & SB._mask_of(features, sections))


def _rel_rest(features: Features, part: StemFeatures, names: Sequence[str]) -> float:
    """The part's level against the mix outside these sections (the rest of the song)."""
    assert features.mix is not None
    sections = [_section(features, name) for name in names]
    return relative_level(part, features.mix, part.active & ~SB._mask_of(features, sections))


def _with_sections(features: Features, sections: Sequence[Section]) -> Features:
    return dataclasses.replace(features, sections=tuple(sections))


# ------------------------------------------------------------- levels exactly on a threshold


def test_a_sibling_exactly_the_gap_apart_is_not_a_jump() -> None:
    """Three choruses, the middle one exactly SECTION_GAP_LU under the other two: a gap *over*
    3 LU is a jump, so nothing; a hair more is one."""

    def spec(x: float, y: float) -> Spec:
        return [("Chorus 1", 5.0, -2.5 + y), ("Chorus 2", 5.0, x), ("Chorus 3", 5.0, -2.5 + y)]

    def gap(x: float, y: float) -> float:
        features, part = _song(spec(x, y))
        here = _rel_over(features, part, ["Chorus 2"])
        return abs(here - _rel_over(features, part, ["Chorus 1", "Chorus 3"]))

    x, y = _land(gap, STATED.SECTION_GAP_LU, -5.5)
    assert gap(x, y) == SB.SECTION_GAP_LU
    assert _gaps(spec(x, y)) == []
    assert _where(_gaps(spec(x - 1e-9, y))) == [("Chorus 2", "section_balance")]


def test_a_kind_exactly_the_gap_from_the_rest_is_not_a_jump() -> None:
    """A vocal 2 LU out of its window in the chorus and inside it in the verse, exactly
    SECTION_GAP_LU apart: nothing; a hair more apart, the chorus moves."""

    def spec(x: float, y: float) -> Spec:
        return [("Verse", 10.0, -6.0 + y), ("Chorus", 10.0, x)]

    def gap(x: float, y: float) -> float:
        features, part = _song(spec(x, y))
        here = _rel_over(features, part, ["Chorus"])
        return abs(here - _rel_rest(features, part, ["Chorus"]))

    x, y = _land(gap, STATED.SECTION_GAP_LU, -9.0)
    assert gap(x, y) == SB.SECTION_GAP_LU
    features, part = _song(spec(x, y))
    low = ROLE_RANGES_LU["lead_vocal"][0]
    assert low - _rel_over(features, part, ["Chorus"]) > SB.WINDOW_MARGIN_LU
    assert SB.section_gaps(features, part) == []
    assert _where(_gaps(spec(x - 1e-9, y))) == [("Chorus", "section_balance")]


def test_a_kind_exactly_the_margin_out_of_its_window_stays() -> None:
    """A chorus exactly WINDOW_MARGIN_LU under the vocal's window, far from the verse: it must
    be out by *more* than the margin to move."""

    def spec(x: float, y: float) -> Spec:
        return [("Verse", 10.0, -2.0 + y), ("Chorus", 10.0, x)]

    def out(x: float, y: float) -> float:
        features, part = _song(spec(x, y))
        return SB._outside_window(_rel_over(features, part, ["Chorus"]), "lead_vocal")

    x, y = _land(out, STATED.WINDOW_MARGIN_LU, -8.5)
    assert out(x, y) == SB.WINDOW_MARGIN_LU
    assert _gaps(spec(x, y)) == []
    assert _where(_gaps(spec(x - 1e-9, y))) == [("Chorus", "section_balance")]


def test_a_gain_that_closes_the_gap_to_exactly_one_lu_is_suggested() -> None:
    """A chorus so far under the verse that the largest gain (18 dB) leaves it exactly 1 LU
    under: still suggested (it must be left *more* than 1 LU away to be dropped)."""

    def spec(x: float, y: float) -> Spec:
        return [("Verse", 10.0, -2.0 + y), ("Chorus", 10.0, x)]

    def left(x: float, y: float) -> float:
        features, part = _song(spec(x, y))
        assert features.mix is not None
        here = part.active & SB._mask_of(features, [_section(features, "Chorus")])
        rest = _rel_rest(features, part, ["Chorus"])
        gain = solve_gain(part, features.mix, here, rest)
        return predicted_relative(part, features.mix, here, gain) - rest

    x, y = _land(left, -1.0, -19.9)
    assert left(x, y) == -1.0
    found = _gaps(spec(x, y))
    assert _where(found) == [("Chorus", "section_balance")]
    assert found[0].params["segments"][0]["gain_db"] == 18.0
    assert found[0].target.predicted == 1.0
    assert _gaps(spec(x - 1e-6, y)) == []


def _verse_and_pulsing_chorus(verse_lu: float, loud: float) -> tuple[Features, StemFeatures]:
    """A vocal at ``verse_lu`` against the mix (a bed of 1 per frame) for a 10 s verse, then a
    10 s chorus where it pulses, a second at ``loud`` times the bed and a second 20 dB under
    that: its quiet seconds fall under its own relative gate but not the mix's, so over the
    chorus it reads *above* the mix."""
    share = 10 ** (verse_lu / 10)
    verse = np.full(100, share / (1 - share))
    chorus = np.where(np.arange(100) // 10 % 2 == 0, loud, loud / 100)
    energy = np.concatenate([verse, chorus])
    part = _stem("Part.wav", "lead_vocal", energy)
    stems = {"Part.wav": part, "Bed.wav": _stem("Bed.wav", "unknown", np.ones(200))}
    mix = _stem("(mix)", "mix", energy + 1.0)
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    sections = (Section("Verse", 0.0, 10.0), Section("Chorus", 10.0, 20.0))
    return Features(analysis, stems, mix, sections, 200), part


def test_a_kind_exactly_as_far_out_of_its_window_as_the_rest_stays() -> None:
    """The chorus over the vocal's window (above the mix, see the builder) and the verse under
    it by exactly as much, over the margin and far apart: neither is further out, so neither
    moves; the verse a hair nearer its window, the chorus moves down to it."""
    low, high = ROLE_RANGES_LU["lead_vocal"]

    def outs(x: float, y: float) -> tuple[float, float]:
        features, part = _verse_and_pulsing_chorus(x, 10.0 + y)
        here = SB._outside_window(_rel_over(features, part, ["Chorus"]), "lead_vocal")
        return here, SB._outside_window(_rel_rest(features, part, ["Chorus"]), "lead_vocal")

    def apart(x: float, y: float) -> float:
        here, rest = outs(x, y)
        return rest - here

    x, y = _land(apart, 0.0, low - 2.07)
    here, rest = outs(x, y)
    assert here == rest > SB.WINDOW_MARGIN_LU
    features, part = _verse_and_pulsing_chorus(x, 10.0 + y)
    assert _rel_over(features, part, ["Chorus"]) == high + here
    assert SB.section_gaps(features, part) == []
    features, part = _verse_and_pulsing_chorus(x + 1e-9, 10.0 + y)
    found = SB.section_gaps(features, part)
    assert _where(found) == [("Chorus", "section_balance")]
    assert found[0].params["segments"][0]["gain_db"] == -17.6


def _steady(spec: Spec, role: str = "kick") -> list[Suggestion]:
    return _gaps(spec, role, steady=True)


def _own(features: Features, part: StemFeatures, names: Sequence[str]) -> float:
    sections = [_section(features, name) for name in names]
    return part.loudness_over(part.active & SB._mask_of(features, sections))


def test_a_steady_section_exactly_the_step_from_its_siblings_stays() -> None:
    """Three sections of one kind, the middle one exactly OWN_STEP_LU over the median of the
    other two: the step must be *more* than 5 dB."""

    def spec(x: float, y: float) -> Spec:
        return [("A 1", 10.0, y), ("A 2", 10.0, x), ("A 3", 10.0, y)]

    def step(x: float, y: float) -> float:
        features, part = _song(spec(x, y), "bass", steady=True)
        median = float(np.median([_own(features, part, [n]) for n in ("A 1", "A 3")]))
        return _own(features, part, ["A 2"]) - median

    x, y = _land(step, STATED.OWN_STEP_LU, 5.0)
    assert step(x, y) == SB.OWN_STEP_LU
    assert _steady(spec(x, y), "bass") == []
    assert _where(_steady(spec(x + 1e-9, y), "bass")) == [("A 2", "section_level")]


def test_a_kind_exactly_the_step_from_the_median_is_part_of_the_level() -> None:
    """Kinds of a kick: the intro exactly OWN_STEP_LU under the median (the verse), the bridge
    8 dB over it. The intro is not a step and counts in the level the bridge is brought back to;
    a hair further, it is a step of its own and the bridge is compared with the verse alone."""

    def spec(x: float, y: float) -> Spec:
        return [("Intro", 10.0, x), ("Verse", 10.0, y), ("Bridge", 10.0, 8.0)]

    def step(x: float, y: float) -> float:
        features, part = _song(spec(x, y), "kick", steady=True)
        levels = [_own(features, part, [n]) for n in ("Intro", "Verse", "Bridge")]
        return levels[0] - float(np.median(levels))

    x, y = _land(step, -STATED.OWN_STEP_LU, -5.0)
    assert step(x, y) == -SB.OWN_STEP_LU
    found = _steady(spec(x, y))
    assert _where(found) == [("Bridge", "section_level")]
    assert found[0].evidence["reference_spans_s"] == [[0.0, 10.0], [10.0, 20.0]]
    assert " than in Intro and Verse, " in found[0].why
    further = _steady(spec(x - 1e-9, y))
    assert _where(further) == [("Intro", "section_level"), ("Bridge", "section_level")]
    assert [s.evidence["reference_spans_s"] for s in further] == [[[10.0, 20.0]]] * 2


# ----------------------------------------------------------------- loops that must go on


def test_a_short_section_first_does_not_stop_the_kinds() -> None:
    """An intro under SECTION_MIN_S is not judged, and the sections after it still are."""
    found = _gaps([("Intro", STATED.SECTION_MIN_S - 1.0, -2.0), ("Verse", 10.0, -2.0),
                   ("Chorus", 10.0, -10.0)])  # fmt: skip
    assert _where(found) == [("Chorus", "section_balance")]
    assert found[0].evidence["compared_with"] == "the rest of the song"


def test_a_kind_near_the_rest_first_does_not_stop_the_others() -> None:
    """The verse and the bridge sit within SECTION_GAP_LU of the rest of the song; the chorus
    after them, 7 LU down and out of the vocal's window, is still compared."""
    found = _gaps([("Verse", 10.0, -2.0), ("Bridge", 10.0, -3.0), ("Chorus", 10.0, -10.0)])
    assert _where(found) == [("Chorus", "section_balance")]


def test_a_kind_whose_sections_all_jumped_does_not_stop_the_others() -> None:
    """Three choruses each more than SECTION_GAP_LU from the other two (each gets a gain of
    its own, so the kind has nothing left to compare with the rest), then a bridge 3 LU under
    the vocal's window: the bridge is still compared with the rest of the song."""
    found = _gaps([("Chorus 1", 5.0, -1.5), ("Chorus 2", 5.0, -6.5), ("Chorus 3", 5.0, -13.0),
                   ("Bridge", 10.0, -10.0)])  # fmt: skip
    names = ("Chorus 1", "Chorus 2", "Chorus 3", "Bridge")
    assert _where(found) == [(name, "section_balance") for name in names]
    assert [s.evidence["compared_with"] for s in found] == [
        "Chorus 2 and Chorus 3", "Chorus 1 and Chorus 3", "Chorus 1 and Chorus 2",
        "the rest of the song"]  # fmt: skip


def test_a_section_that_jumped_leaves_its_kind() -> None:
    """Chorus 3 stands 6 LU under its siblings and gets a gain of its own; choruses 1 and 2,
    out of the vocal's window, are then compared with the rest of the song without it."""
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus 1", 5.0, -10.0), ("Chorus 2", 5.0, -10.0),
                   ("Chorus 3", 5.0, -16.0)])  # fmt: skip
    assert _where(found) == [("Chorus 3", "section_balance"),
                             ("Chorus 1, Chorus 2", "section_balance")]  # fmt: skip
    assert found[1].evidence["segments_s"] == [[10.0, 15.0], [15.0, 20.0]]
    assert found[1].evidence["section_relative_lu"] == -10.0


def test_a_kind_with_too_little_rest_first_does_not_stop_the_others() -> None:
    """The vocal plays the whole verse and only half the chorus (fewer frames than
    MIN_ACTIVE_FRAMES): the verse has too little rest of the song to be compared with, and the
    chorus after it, 8 LU down, is still compared with the verse."""
    frames = STATED.MIN_ACTIVE_FRAMES - 5
    plays = np.arange(150) < 100 + frames
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", 2 * frames / 10, -10.0)], plays=plays)
    assert _where(found) == [("Chorus", "section_balance")]


# ------------------------------------------------------- sections the song does not reach


def _beyond(spec: Spec, extra: Sequence[tuple[str, float]], role: str = "lead_vocal",
            steady: bool = False) -> list[Suggestion]:  # fmt: skip
    """The song of ``spec`` with sections ``extra`` (name, seconds) listed after its end: the
    part plays in no frame of them (they hold no frame), so its level there is -inf."""
    features, part = _song(spec, role, steady=steady)
    start = features.sections[-1].end_s
    sections = list(features.sections)
    for name, seconds in extra:
        sections.append(Section(name, start, start + seconds))
        start += seconds
    features = _with_sections(features, sections)
    assert np.isneginf(_rel_over(features, part, [extra[0][0]]))
    return SB.section_gaps(features, part)


def test_a_sibling_with_no_level_is_not_compared() -> None:
    """Chorus 3 lies past the end of the song: it is not set against its siblings (nor they
    against it: the two choruses that play sit at one level)."""
    found = _beyond([("Chorus 1", 5.0, -2.5), ("Chorus 2", 5.0, -2.5), ("Verse", 10.0, -2.0)],
                    [("Chorus 3", 5.0)])  # fmt: skip
    assert found == []


def test_a_kind_with_no_level_is_not_compared_with_the_rest() -> None:
    found = _beyond([("Verse", 10.0, -2.0), ("Chorus", 10.0, -2.5)], [("Outro", 10.0)])
    assert found == []


def test_a_steady_section_with_no_level_is_not_a_step() -> None:
    """A kick's third A section lies past the end of the song: no step of -inf dB."""
    found = _beyond([("A 1", 10.0, 0.0), ("A 2", 10.0, 0.0)], [("A 3", 10.0)], "kick",
                    steady=True)  # fmt: skip
    assert found == []


# ------------------------------------------------------------------------- the guards


def test_a_song_of_one_named_section_is_not_judged() -> None:
    """One section (the chorus) and unnamed frames before it, where the vocal sits 8 LU higher:
    fewer than two sections, no comparison."""
    features, part = _song([("Verse", 10.0, -2.0), ("Chorus", 10.0, -10.0)])
    assert _where(SB.section_gaps(features, part)) == [("Chorus", "section_balance")]
    alone = _with_sections(features, [_section(features, "Chorus")])
    assert SB.section_gaps(alone, part) == []


def test_a_kind_nearer_its_window_than_the_rest_stays() -> None:
    """The vocal 5 LU under its window in the verse and 1.6 LU under it in the chorus: the verse
    is further out, so the verse moves and the chorus (past the margin, but nearer the window
    than the rest of the song) does not."""
    low = ROLE_RANGES_LU["lead_vocal"][0]
    found = _gaps([("Verse", 10.0, low - 5.0), ("Chorus", 10.0, low - 1.6)])
    assert _where(found) == [("Verse", "section_balance")]
    assert found[0].evidence["gap_lu"] == -3.4


def test_a_kind_out_of_its_window_within_the_gap_of_the_rest_stays() -> None:
    """The chorus 1.7 LU under the vocal's window, the verse inside it, 2.7 LU apart: under the
    gap, nothing (the window is asked only of a gap over SECTION_GAP_LU)."""
    low = ROLE_RANGES_LU["lead_vocal"][0]
    assert _gaps([("Verse", 10.0, low + 1.0), ("Chorus", 10.0, low - 1.7)]) == []
    assert _where(_gaps([("Verse", 10.0, low + 1.4), ("Chorus", 10.0, low - 1.7)])) == [
        ("Chorus", "section_balance")]  # fmt: skip


# ---------------------------------------------------------- which of two sections moves


def _two_choruses(verse: float, first: float, second: float) -> list[Suggestion]:
    """Two verses at ``verse`` LU and two choruses at ``first`` and ``second`` LU."""
    return _gaps([("Verse 1", 8.0, verse), ("Chorus 1", 5.0, first), ("Verse 2", 8.0, verse),
                  ("Chorus 2", 5.0, second)])  # fmt: skip


@pytest.mark.parametrize("first_further", [True, False])
def test_of_two_sections_inside_the_window_the_one_further_from_the_rest_moves(
    first_further: bool,
) -> None:
    """Both choruses inside the vocal's window (-7 to -1 LU), 4 LU apart: the one further
    from the verses (-4.5 LU) moves, 2.3 LU from them against 1.7 (the same to the dB)."""
    far, near = -4.5 + 2.3, -4.5 - 1.7
    found = _two_choruses(-4.5, *((far, near) if first_further else (near, far)))
    moved = "Chorus 1" if first_further else "Chorus 2"
    assert _where(found) == [(moved, "section_balance")]
    assert found[0].evidence["section_relative_lu"] == far
    assert found[0].evidence["compared_with"] == ("Chorus 2" if first_further else "Chorus 1")


def test_of_two_sections_as_far_from_the_rest_the_later_moves() -> None:
    """Both choruses inside the window and 2 LU either side of the verses: the later moves."""
    for first, second in ((-2.5, -6.5), (-6.5, -2.5)):
        found = _two_choruses(-4.5, first, second)
        assert _where(found) == [("Chorus 2", "section_balance")]


def test_of_two_sections_a_tie_is_to_the_millionth() -> None:
    """Two choruses as far from the rest, or out of the window, to the millionth of an LU (but
    not to the ten-millionth): a tie, and the later moves."""
    low, high = ROLE_RANGES_LU["lead_vocal"]
    # inside the window, 2 LU either side of the verses
    found = _two_choruses(-4.5, -4.5 + 2.0000003, -4.5 - 2.0000001)
    assert _where(found) == [("Chorus 2", "section_balance")]
    # 0.5 LU out either side of the window: the later is also the one further from the verses
    found = _two_choruses(low + 0.1, low - 0.5000003, high + 0.5000001)
    assert _where(found) == [("Chorus 2", "section_balance")]
    assert found[0].params["segments"][0]["gain_db"] < 0


def test_of_two_sections_the_one_a_little_out_of_the_window_moves() -> None:
    """Chorus 1 0.4 LU under the vocal's window, chorus 2 inside it and further from the
    verses: being out of the window comes first, to the millionth of an LU."""
    low = ROLE_RANGES_LU["lead_vocal"][0]
    found = _two_choruses(low + 0.1, low - 0.4, low + 4.0)
    assert _where(found) == [("Chorus 1", "section_balance")]


@pytest.mark.parametrize("frames, moved", [(STATED.MIN_ACTIVE_FRAMES - 1, "Chorus 2"),
                                           (STATED.MIN_ACTIVE_FRAMES, "Chorus 1")])  # fmt: skip
def test_of_two_sections_the_rest_counts_from_the_minimum_frames(frames: int, moved: str) -> None:
    """Two choruses inside the window, the first further from a break between them (too short
    to be judged itself): the break is the rest of the song from MIN_ACTIVE_FRAMES frames on;
    under that there is nothing to go by and the later moves."""
    found = _gaps([("Chorus 1", 5.0, -2.2), ("Break", frames / 10, -4.5),
                   ("Chorus 2", 5.0, -6.2)])  # fmt: skip
    assert _where(found) == [(moved, "section_balance")]


# ------------------------------------------------------------------------------ the compressor


def _hits(hit_frames: Sequence[int]) -> tuple[Features, StemFeatures]:
    """A vocal quiet for 20 s (-20 dB, peaks 3 dB over), then 20 s of a -20 dB bed peaking at
    exactly 0 dBFS with hits (-8 dB, peaks 10 dB) on ``hit_frames``: the bed fills the 80th
    percentile of the peaks, so the compressor starts exactly at the bed's peaks."""
    energy_db = np.full(400, -20.0)
    peak = np.full(400, 10 ** (-17.0 / 20))
    peak[200:] = 1.0
    energy_db[list(hit_frames)] = -8.0
    peak[list(hit_frames)] = 10 ** (10.0 / 20)
    features, stem = _part(energy_db)
    stem.measurement.levels.peak_series = peak
    return features, stem


# hits every 300 ms in three runs, 1.7 s and 2.5 s of bed between them
HITS = (*range(200, 260, 3), *range(275, 330, 3), *range(355, 400, 3))


def test_the_loud_passages_are_named_together_within_two_seconds() -> None:
    """Runs of hits 1.7 s apart are one loud passage, 2.5 s apart two."""
    features, _stem = _hits(HITS)
    found = dynamics.suggest(features)
    assert len(found) == 1
    assert " Its loudest passages are at 0:20.0-0:33.0, 0:35.5-0:39.8. " in found[0].why


def test_a_frame_exactly_at_the_threshold_is_not_over_it() -> None:
    """The bed's peaks are the threshold itself (0.0 dBFS to the bit): only the hits are over
    it, in the share and where the loud passages are."""
    features, stem = _hits(HITS)
    peak_db = dynamics._peak_db(stem)
    assert (peak_db[200:] == 0.0).sum() == 200 - len(HITS)
    found = dynamics.suggest(features)[0]
    assert found.params["threshold_db"] == 0.0
    assert found.evidence["frames_over_threshold"] == round(len(HITS) / 400, 3)
    assert f"(the peaks of its loudest {len(HITS) / 400:.0%} of 100 ms frames)" in found.why


def test_frames_under_the_knee_are_not_reduced_at_all() -> None:
    """Frames 20 dB under the threshold, of every decay time: no reduction, to the bit (the
    gain neither rises nor falls there, and the closed form gives exactly nothing)."""
    mean_square = np.geomspace(1e-5, 1e-1, 60)
    peak_db = 10 * np.log10(mean_square) + np.linspace(3.0, 25.0, 60)
    peak_db = np.minimum(peak_db, -35.0)
    reduction = dynamics.frame_gain_reduction(peak_db, mean_square, -15.0, 4.0, 7.5, 400.0)
    assert reduction.tolist() == [0.0] * 60


def test_the_substep_sum_at_the_small_rate_edge_is_the_series() -> None:
    """At a step of exactly 1e-12 the geometric series is summed (under it the sum is taken as
    the number of sub-steps): the sum over the sub-steps to 1e-13."""
    rate = 4e-13
    assert rate * (dynamics.FRAME_MS / dynamics.SUBSTEPS) == 1e-12
    t = (np.arange(dynamics.SUBSTEPS) + 0.5) * (dynamics.FRAME_MS / dynamics.SUBSTEPS)
    direct = float(np.log(np.exp(rate * t).sum()))
    got = float(dynamics._log_substep_sum(np.array([rate]))[0])
    assert got == pytest.approx(direct, rel=1e-13, abs=0.0)
    assert got != pytest.approx(np.log(dynamics.SUBSTEPS), rel=1e-13, abs=0.0)


VOCALS = STATED_DYNAMICS.CLASS_SETTINGS["vocals"]


def test_a_compressor_taking_exactly_the_minimum_reduction_is_suggested() -> None:
    """A 6.5 LU swing whose gentlest threshold takes exactly MIN_REDUCTION_LU off it (the loud
    peaks' ramp found to the bit, the quiet passage a few millionths of a dB off): suggested,
    a reduction must be *under* 1 LU to be dropped."""

    def part(x: float, y: float) -> tuple[Features, StemFeatures]:
        energy_db, over = _swinging(6.5, x)
        energy_db[:PASSAGE] += y
        return _part(energy_db, over)

    def reduction(x: float, y: float) -> float:
        _features, stem = part(x, y)
        plan = dynamics._plan(stem, VOCALS, _limit("lead_vocal"))
        assert plan is not None
        return dynamics.loudness_spread(stem) - plan[2]

    x, y = _land(reduction, STATED_DYNAMICS.MIN_REDUCTION_LU, 2.6)
    assert reduction(x, y) == dynamics.MIN_REDUCTION_LU
    features, _stem = part(x, y)
    found = dynamics.suggest(features)
    assert len(found) == 1
    assert found[0].target.before - found[0].target.predicted == 1.0


def test_a_threshold_that_brings_the_spread_exactly_to_the_limit_is_the_one() -> None:
    """A vocal whose gentlest threshold (the 80th percentile of its peaks) predicts a spread of
    exactly its 6 LU limit (the quiet passage's level found to the bit): that threshold is
    taken, and the spread is not "still above" the limit."""

    def part(x: float, y: float) -> tuple[Features, StemFeatures]:
        energy_db, over = _swinging(7.2 + y, 10.0, smooth=True)
        energy_db[:PASSAGE] += x
        return _part(energy_db, over)

    def threshold(stem: StemFeatures, percentile: float) -> float:
        peaks = dynamics._peak_db(stem)[stem.active]
        return round(float(np.percentile(peaks, percentile)), 1)

    def predicted(x: float, y: float) -> float:
        _features, stem = part(x, y)
        first = STATED_DYNAMICS.THRESHOLD_PERCENTILES[0]
        result = dynamics.predict(stem, threshold(stem, first), VOCALS[2], VOCALS[0], VOCALS[1])
        assert result is not None
        return result[1]

    limit = _limit("lead_vocal")
    x, y = _land(predicted, limit, -0.04)
    assert predicted(x, y) == limit
    features, stem = part(x, y)
    found = dynamics.suggest(features)
    assert len(found) == 1
    assert found[0].params["threshold_db"] == threshold(stem, 80.0) == -3.7
    assert found[0].target.predicted == limit
    assert found[0].why.endswith("Predicted spread: 6.0 LU. A matter of taste: judge it by ear.")
