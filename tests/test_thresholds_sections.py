"""Thresholds of the section jumps (rules ``section_balance`` and ``section_level``), pinned from
both sides on built energy series.

A part sits at a set level against a mix of it and a bed (uncorrelated: energies add) in each
section, so its relative level (or, for a steady part, its own level) per section is the number
wanted. The boundary tests are built on the numbers docs/rules/balance.md states, and the code's
constants are compared with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.sections import Section
from mixreview.analysis.suggest import section_balance
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.levels import ROLE_RANGES_LU
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR

DOC = " ".join((Path(__file__).resolve().parent.parent / "docs" / "rules" / "balance.md")
               .read_text().split())  # fmt: skip


class STATED:
    """The numbers docs/rules/balance.md states (the steady parts' numbers are the code's
    alone). The code must hold them, and the boundary tests are built on them: a number moved in
    the code moves the rule off the inputs built here."""

    SECTION_ROLES = ("lead_vocal", "kick", "snare", "bass", "drums", "synth")
    SECTION_GAP_LU = 3.0
    SECTION_MIN_S = 4.0
    SECTION_MIN_ACTIVE = 0.5
    WINDOW_MARGIN_LU = 1.5
    HIGH_LU = 7.0
    MEDIUM_LU = 4.5
    # the code's alone
    MIN_ACTIVE_FRAMES = 30  # the rest of the song holds 3 s of the part
    STEADY_ROLES = ("kick", "snare", "drums", "bass")
    OWN_STEP_LU = 5.0
    OWN_HIGH_DB = 9.0


def _song(
    sections: Sequence[tuple[str, float, float | None]],
    role: str = "lead_vocal",
    steady: bool = False,
    plays: np.ndarray | None = None,
) -> tuple[Features, StemFeatures]:
    """A song of ``sections`` (name, seconds, the part's level there: LU against the mix, or
    with ``steady`` its own level in dB over a bed at 0 dB; None: silent), the part playing
    where ``plays`` says (everywhere it has a level when None)."""
    spans, levels = [], []
    start = 0.0
    for name, seconds, level in sections:
        spans.append(Section(name, start, start + seconds))
        frames = round(seconds * 10)
        if level is None:
            levels.append(np.zeros(frames))
        elif steady:
            levels.append(np.full(frames, 10 ** (level / 10)))
        else:
            share = 10 ** (level / 10)
            levels.append(np.full(frames, share / (1 - share)))
        start += seconds
    energy = np.concatenate(levels)
    if plays is not None:
        energy = np.where(plays, energy, 0.0)
    part = _stem("Part.wav", role, energy)
    bed = _stem("Bed.wav", "unknown", np.ones(len(energy)))
    mix = _stem("(mix)", "mix", energy + 1.0)
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    features = Features(analysis, {"Part.wav": part, "Bed.wav": bed}, mix, tuple(spans),
                        len(energy))  # fmt: skip
    return features, part


def _stem(file: str, role: str, energy: np.ndarray) -> StemFeatures:
    measurement: Any = SimpleNamespace(loudness=SimpleNamespace(frame_s=0.1, frame_energy=energy))
    return StemFeatures(file, role, measurement, len(energy))


def _gaps(*args: Any, **kwargs: Any) -> list[Suggestion]:
    features, part = _song(*args, **kwargs)
    return section_balance.section_gaps(features, part)


def _where(found: list[Suggestion]) -> list[tuple[str | None, str]]:
    return [(s.section, s.rule) for s in found]


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    """The severity levels are numbers in the code's calls, pinned by the severity tests."""
    stated = {k: v for k, v in vars(STATED).items() if k.isupper()}
    code = {k: getattr(section_balance, k) for k in stated if hasattr(section_balance, k)}
    assert set(stated) - set(code) == {"HIGH_LU", "MEDIUM_LU", "OWN_HIGH_DB"}
    assert code == {k: stated[k] for k in code}


def test_the_doc_states_the_section_numbers() -> None:
    n = STATED
    sentences = [
        "For foreground roles (lead vocal, kick, snare, bass, drums, synth/lead) and each "
        f"section of at least {n.SECTION_MIN_S:.0f} s where the stem plays at least half the "
        "time",
        f"A gap over {n.SECTION_GAP_LU:.0f} LU (over {n.SECTION_GAP_LU:.0f} LU is a significant",
        f"Severity: high over {n.HIGH_LU:.0f} LU, medium over {n.MEDIUM_LU} LU.",
        f"a section more than {n.SECTION_GAP_LU:.0f} LU from its siblings is a jump",
        f"(by more than {n.WINDOW_MARGIN_LU} LU, and further out than the rest)",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence
    assert n.SECTION_MIN_ACTIVE == 0.5


# ------------------------------------------------------------------- sections of one kind


def _siblings(gap: float, role: str = "lead_vocal") -> list[Suggestion]:
    """Three sections of one kind, the middle one ``gap`` LU under the other two."""
    low, high = ROLE_RANGES_LU[role]
    level = (low + high) / 2 + gap / 2
    return _gaps([("Chorus 1", 5.0, level), ("Chorus 2", 5.0, level - gap),
                  ("Chorus 3", 5.0, level)], role)  # fmt: skip


@pytest.mark.parametrize("role", ["lead_vocal", "synth"])
@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_a_section_apart_from_its_siblings_over_the_gap(
    role: str, offset: float, fires: bool
) -> None:
    found = _siblings(STATED.SECTION_GAP_LU + offset, role)
    assert _where(found) == ([("Chorus 2", "section_balance")] if fires else [])
    if fires:
        assert found[0].evidence["gap_lu"] == round(-(STATED.SECTION_GAP_LU + offset), 2)


@pytest.mark.parametrize(
    "gap, severity",
    [("MEDIUM_LU-", "low"), ("MEDIUM_LU+", "medium"), ("HIGH_LU-", "medium"), ("HIGH_LU+", "high")],
)  # fmt: skip
def test_section_jump_severity(gap: str, severity: str) -> None:
    value = getattr(STATED, gap[:-1]) + (0.05 if gap.endswith("+") else -0.05)
    found = _siblings(value, "synth")
    assert [s.severity for s in found] == [severity]


def test_only_the_foreground_roles_are_judged() -> None:
    """A 6 LU drop against the mix in one chorus, and a 6 dB drop of a part's own level in one:
    the foreground parts get a section gain, the steady ones for their own level's step and
    the others for their level against the mix; the rest get nothing."""
    for role in ROLE_RANGES_LU:
        foreground, steady = role in STATED.SECTION_ROLES, role in STATED.STEADY_ROLES
        against_mix = {s.rule for s in _siblings(6.0, role)}
        own = _gaps([("Chorus 1", 5.0, 0.0), ("Chorus 2", 5.0, -6.0), ("Chorus 3", 5.0, 0.0)],
                    role, steady=True)  # fmt: skip
        assert ("section_balance" in against_mix) == (foreground and not steady), role
        assert ("section_level" in {s.rule for s in own}) == steady, role
        assert foreground or not (against_mix or own), role


# ------------------------------------------------------------------- a kind against the rest


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_a_kind_out_of_its_window_by_the_margin(offset: float, fires: bool) -> None:
    """A vocal inside its window in the verse and under it in the chorus, 3 LU or more apart
    either way: the chorus moves when it is out by more than the margin."""
    low = ROLE_RANGES_LU["lead_vocal"][0]
    chorus = low - (STATED.WINDOW_MARGIN_LU + offset)
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", 10.0, chorus)])
    assert _where(found) == ([("Chorus", "section_balance")] if fires else [])


@pytest.mark.parametrize("seconds, judged", [(STATED.SECTION_MIN_S, True),
                                             (STATED.SECTION_MIN_S - 0.1, False)])  # fmt: skip
def test_a_section_is_judged_from_the_minimum_length(seconds: float, judged: bool) -> None:
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", seconds, -10.0)])
    assert _where(found) == ([("Chorus", "section_balance")] if judged else [])


@pytest.mark.parametrize("extra, judged", [(0, True), (-1, False)])
def test_a_section_is_judged_where_the_part_plays_half_of_it(extra: int, judged: bool) -> None:
    """The vocal plays the verse and the first frames of the chorus."""
    plays = np.arange(200) < 100 + round(STATED.SECTION_MIN_ACTIVE * 100) + extra
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", 10.0, -10.0)], plays=plays)
    assert _where(found) == ([("Chorus", "section_balance")] if judged else [])


@pytest.mark.parametrize("extra, judged", [(0, True), (-1, False)])
def test_the_rest_must_hold_the_minimum_frames(extra: int, judged: bool) -> None:
    """The vocal plays the whole chorus and only the last frames of the verse."""
    frames = STATED.MIN_ACTIVE_FRAMES + extra
    plays = np.arange(200) >= 100 - frames
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", 10.0, -10.0)], plays=plays)
    assert _where(found) == ([("Chorus", "section_balance")] if judged else [])


# ------------------------------------------------------------------------------ steady parts
# A minute per section: a section's own loudness reads the 400 ms blocks across its edges a
# little lower, by about 0.01 dB at this length.
MINUTE = 60.0


@pytest.mark.parametrize("role", STATED.STEADY_ROLES)
@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_a_steady_kind_off_its_own_level_by_the_step(role: str, offset: float, fires: bool) -> None:
    """A kit or a bass at 0 dB in the verse and the chorus, lower in the bridge."""
    step = STATED.OWN_STEP_LU + offset
    found = _gaps([("Verse", MINUTE, 0.0), ("Bridge", MINUTE, -step), ("Chorus", MINUTE, 0.0)],
                  role, steady=True)  # fmt: skip
    assert _where(found) == ([("Bridge", "section_level")] if fires else [])
    if fires:
        assert found[0].params["segments"][0]["gain_db"] == pytest.approx(step, abs=0.1)


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_a_steady_section_off_its_siblings_by_the_step(offset: float, fires: bool) -> None:
    step = STATED.OWN_STEP_LU + offset
    found = _gaps([("A 1", MINUTE, 0.0), ("A 2", MINUTE, step), ("A 3", MINUTE, 0.0)], "bass",
                  steady=True)  # fmt: skip
    assert _where(found) == ([("A 2", "section_level")] if fires else [])


@pytest.mark.parametrize("offset, severity", [(-0.05, "medium"), (0.05, "high")])
def test_a_steady_step_is_high_over_its_level(offset: float, severity: str) -> None:
    step = STATED.OWN_HIGH_DB + offset
    found = _gaps([("Verse", MINUTE, 0.0), ("Bridge", MINUTE, -step), ("Chorus", MINUTE, 0.0)],
                  "kick", steady=True)  # fmt: skip
    assert [s.severity for s in found] == [severity]


# --------------------------------------------------------- what the suggestions carry


def _rel(level_lu: float, gain_db: float = 0.0) -> float:
    """The part's level against the mix (part + a 0 dB bed) once ``gain_db`` moves it, the
    part built at ``level_lu``."""
    share = 10 ** (level_lu / 10)
    part = share / (1 - share) * 10 ** (gain_db / 10)
    return float(10 * np.log10(part / (part + 1)))


def _gain_to(level_lu: float, goal_lu: float) -> float:
    """The gain that takes a part built at ``level_lu`` to ``goal_lu`` against the mix."""
    here, goal = 10 ** (level_lu / 10), 10 ** (goal_lu / 10)
    return float(10 * np.log10(goal / (1 - goal) / (here / (1 - here))))


def test_a_sibling_jump_carries_its_measures_at_their_precision() -> None:
    """A verse of 6.2504 s (the spans show to the millisecond), then three choruses: the second
    3.7537 LU under the others (a level and a gap that show in the second decimal); the verse,
    a kind of its own in the window, says nothing."""
    found = _one(_gaps([("Verse", 6.2504, -4.0), ("Chorus 1", 5.0, -2.5),
                        ("Chorus 2", 5.0, -6.2537), ("Chorus 3", 5.0, -2.5)]))  # fmt: skip
    gain = round(_gain_to(-6.2537, -2.5), 1)
    start = 6.2504 + 5.0
    assert (found.kind, found.rule, found.stems) == ("section_gain", "section_balance",
                                                     ("Part.wav",))  # fmt: skip
    assert (found.severity, found.category) == ("low", "technical")
    assert (found.section, found.section_span_s) == ("Chorus 2", (start, start + 5.0))
    assert found.params == {"segments": [{"start_s": 11.25, "end_s": 16.25, "gain_db": gain}],
                            "ramp_ms": 20.0}  # fmt: skip
    assert found.evidence == {
        "section_relative_lu": -6.25, "rest_relative_lu": -2.5,
        "compared_with": "Chorus 1 and Chorus 3", "segments_s": [[11.25, 16.25]],
        "reference_spans_s": [[6.25, 11.25], [16.25, 21.25]], "gap_lu": -3.75, "impact": 3.75,
    }  # fmt: skip
    assert (found.target.metric, found.target.goal, found.target.unit) == (
        "section_gap_lu", "lower", "LU")  # fmt: skip
    assert found.target.before == pytest.approx(3.7537, abs=1e-9)
    assert found.target.predicted == pytest.approx(abs(_rel(-6.2537, gain) + 2.5), abs=1e-6)
    assert found.why == (
        f"In Chorus 2 (11.3-16.3 s) Part.wav drops to -6.3 LU against the mix, 3.8 LU below "
        f"where it sits in Chorus 1 and Chorus 3 (-2.5 LU). {gain:+.1f} dB in Chorus 2 keeps it "
        f"level."
    )


def test_what_repeats_is_a_kind() -> None:
    kinds = {"Chorus 2": "chorus", "Chorus": "chorus", "A2": "a", "Verse_3": "verse",
             "Pre-chorus - 1": "pre-chorus", " Bridge ": "bridge", "7": "7"}  # fmt: skip
    assert {name: section_balance.section_kind(name) for name in kinds} == kinds


@pytest.mark.parametrize("short, fires", [(0.5, True), (1.5, False)])
def test_a_gap_the_gain_cannot_close_is_not_suggested(short: float, fires: bool) -> None:
    """A chorus so far under the verse (-2 LU) that the largest gain (18 dB) leaves it
    ``short`` LU under: suggested while the gain gets it within 1 LU."""
    goal = 10 ** ((-2.0 - short) / 10)
    part = goal / (1 - goal) / 10**1.8
    level = float(10 * np.log10(part / (part + 1)))
    found = _gaps([("Verse", 10.0, -2.0), ("Chorus", 10.0, level)])
    assert len(found) == fires
    if fires:
        assert found[0].params["segments"][0]["gain_db"] == 18.0
        assert found[0].target.predicted == pytest.approx(short, abs=1e-6)


def test_a_steady_kind_of_two_sections_carries_both() -> None:
    """A kick 6.5 dB under its level in both choruses (the median of the kinds is the verse's
    and the bridge's 0 dB): one step for the two."""
    found = _one(_gaps([("Verse", MINUTE, 0.0), ("Chorus 1", MINUTE, -6.5),
                        ("Bridge", MINUTE, 0.0), ("Chorus 2", MINUTE, -6.5)],
                       "kick", steady=True))  # fmt: skip
    step = found.target.before
    assert step == pytest.approx(6.5, abs=0.02)
    assert (found.section, found.section_span_s) == ("Chorus 1, Chorus 2", (60.0, 120.0))
    assert found.params["segments"] == [
        {"start_s": 60.0, "end_s": 120.0, "gain_db": round(step, 1)},
        {"start_s": 180.0, "end_s": 240.0, "gain_db": round(step, 1)},
    ]
    assert found.evidence["reference_spans_s"] == [[0.0, 60.0], [120.0, 180.0]]
    assert found.why.startswith(
        f"In Chorus 1 and Chorus 2 (60.0-120.0 s, 180.0-240.0 s) Part.wav is {step:.1f} dB "
        f"quieter than in Verse and Bridge, while a kick usually keeps its level"
    )
    assert found.why.endswith(f"+{step:.1f} dB in Chorus 1 and Chorus 2 brings it back to its "
                              f"level elsewhere.")  # fmt: skip


@pytest.mark.parametrize("step, severity", [(5.5, "medium"), (9.5, "high")])
def test_a_steady_step_is_medium_from_the_step(step: float, severity: str) -> None:
    found = _gaps([("Verse", MINUTE, 0.0), ("Bridge", MINUTE, -step), ("Chorus", MINUTE, 0.0)],
                  "snare", steady=True)  # fmt: skip
    assert [s.severity for s in found] == [severity]


def test_a_kind_against_the_rest_carries_its_measures() -> None:
    """Both choruses 7.15 LU under the rest (a verse and a bridge), out of the vocal's window:
    one gain on both, compared with the rest of the song."""
    found = _one(_gaps([("Verse", 10.0, -2.0), ("Chorus 1", 5.0, -9.4), ("Bridge", 5.0, -3.0),
                        ("Chorus 2", 5.0, -9.4)]))  # fmt: skip
    verse, bridge = (10 ** (lu / 10) / (1 - 10 ** (lu / 10)) for lu in (-2.0, -3.0))
    part = 10 * verse + 5 * bridge  # the part's energy over the rest, 15 s
    rest = float(10 * np.log10(part / (part + 15)))  # against the mix (the bed at 1 per frame)
    gain = round(_gain_to(-9.4, rest), 1)
    assert round(rest, 2) == -2.25 and round(-9.4 - rest, 2) == -7.15
    assert (found.section, found.section_span_s) == ("Chorus 1, Chorus 2", (10.0, 15.0))
    assert found.params == {
        "segments": [{"start_s": 10.0, "end_s": 15.0, "gain_db": gain},
                     {"start_s": 20.0, "end_s": 25.0, "gain_db": gain}],
        "ramp_ms": 20.0,
    }  # fmt: skip
    assert found.severity == "high"
    assert found.evidence == {
        "section_relative_lu": -9.4, "rest_relative_lu": round(rest, 2),
        "compared_with": "the rest of the song", "segments_s": [[10.0, 15.0], [20.0, 25.0]],
        "reference_spans_s": None, "gap_lu": round(-9.4 - rest, 2),
        "impact": round(9.4 + rest, 2),
    }  # fmt: skip
    assert found.target.before == pytest.approx(9.4 + rest, abs=0.005)  # blocks over the edges
    assert found.why == (  # the rest reads a hair under -2.25 LU with the blocks at its edges
        f"In Chorus 1 and Chorus 2 (10.0-15.0 s, 20.0-25.0 s) Part.wav drops to -9.4 LU against "
        f"the mix, 7.1 LU below where it sits in the rest of the song (-2.3 LU). {gain:+.1f} dB "
        f"in Chorus 1 and Chorus 2 keeps it level."
    )


def test_a_kind_over_its_window_jumps() -> None:
    """A synth inside its window in the verse and over it in the chorus, 4.8 LU apart."""
    found = _one(_gaps([("Verse", 10.0, -6.0), ("Chorus", 10.0, -1.2)], "synth"))
    gain = round(_gain_to(-1.2, -6.0), 1)
    assert found.params == {"segments": [{"start_s": 10.0, "end_s": 20.0, "gain_db": gain}],
                            "ramp_ms": 20.0}  # fmt: skip
    assert found.evidence == {
        "section_relative_lu": -1.2, "rest_relative_lu": -6.0,
        "compared_with": "the rest of the song", "segments_s": [[10.0, 20.0]],
        "reference_spans_s": None, "gap_lu": 4.8, "impact": 4.8,
    }  # fmt: skip
    assert found.severity == "medium"
    assert found.why == (
        f"In Chorus (10.0-20.0 s) Part.wav jumps to -1.2 LU against the mix, 4.8 LU above where "
        f"it sits in the rest of the song (-6.0 LU). {gain:+.1f} dB in Chorus keeps it level."
    )


def _one(found: list[Suggestion]) -> Suggestion:
    assert len(found) == 1, _where(found)
    return found[0]


def test_a_steady_step_carries_its_measures() -> None:
    """A kick 3 dB over the bed in the verse and the chorus, 6.2 dB under that in the bridge:
    compared with the median of the kinds (3 dB), not with 0."""
    found = _one(_gaps([("Verse", MINUTE, 3.0), ("Bridge", MINUTE, -3.2), ("Chorus", MINUTE, 3.0)],
                       "kick", steady=True))  # fmt: skip
    step = found.target.before
    assert step == pytest.approx(6.2, abs=0.02)  # the blocks over the bridge's edges
    assert (found.kind, found.rule, found.severity) == ("section_gain", "section_level", "medium")
    assert found.category == "technical" and found.stems == ("Part.wav",)
    assert (found.section, found.section_span_s) == ("Bridge", (60.0, 120.0))
    assert found.params == {"segments": [{"start_s": 60.0, "end_s": 120.0,
                                          "gain_db": round(step, 1)}], "ramp_ms": 20.0}  # fmt: skip
    assert found.target == Target("section_own_step_db", step, 0.0, "lower", "dB")
    assert found.evidence == {
        "own_step_db": round(-step, 2), "threshold_db": STATED.OWN_STEP_LU,
        "segments_s": [[60.0, 120.0]], "reference_spans_s": [[0.0, 60.0], [120.0, 180.0]],
        "impact": round(step, 2),
    }  # fmt: skip
    assert round(step, 2) != round(step, 1)
    assert found.why == (
        f"In Bridge (60.0-120.0 s) Part.wav is {step:.1f} dB quieter than in Verse and Chorus, "
        f"while a kick usually keeps its level through a song (the rule speaks from 5 dB). "
        f"+{step:.1f} dB in Bridge brings it back to its level elsewhere."
    )


def test_a_steady_sibling_step_carries_its_measures() -> None:
    found = _one(_gaps([("A 1", MINUTE, 1.0), ("A 2", MINUTE, 7.5), ("A 3", MINUTE, 1.0)],
                       "bass", steady=True))  # fmt: skip
    step = found.target.before
    assert step == pytest.approx(6.5, abs=0.02)
    assert found.evidence == {
        "own_step_db": round(step, 2), "threshold_db": STATED.OWN_STEP_LU,
        "segments_s": [[60.0, 120.0]], "reference_spans_s": [[0.0, 60.0], [120.0, 180.0]],
        "impact": round(step, 2),
    }  # fmt: skip
    assert found.params["segments"] == [{"start_s": 60.0, "end_s": 120.0,
                                         "gain_db": round(-step, 1)}]  # fmt: skip
    assert found.why == (
        f"In A 2 (60.0-120.0 s) Part.wav is {step:.1f} dB louder than in A 1 and A 3, while a "
        f"bass usually keeps its level through a song (the rule speaks from 5 dB). "
        f"{-step:+.1f} dB in A 2 brings it back to its level elsewhere."
    )


def test_steady_parts_need_a_level_to_compare_with() -> None:
    """Two kinds 12 dB apart: each is 6 dB from their median, neither holds the part's level,
    so nothing is said; two sections of one kind are not compared with each other."""
    assert _gaps([("Verse", MINUTE, 0.0), ("Chorus", MINUTE, -12.0)], "kick", steady=True) == []
    assert _gaps([("A 1", MINUTE, 0.0), ("A 2", MINUTE, -7.0)], "bass", steady=True) == []


def test_a_single_section_kind_does_not_stop_the_sibling_comparisons() -> None:
    """The verse (one section) comes first; the choruses after it are still compared."""
    found = _gaps([("Verse", 6.0, -4.0), ("Chorus 1", 5.0, -2.5), ("Chorus 2", 5.0, -6.25),
                   ("Chorus 3", 5.0, -2.5), ("Bridge", 6.0, -4.0)])  # fmt: skip
    assert _where(found) == [("Chorus 2", "section_balance")]


def test_one_section_is_not_judged() -> None:
    assert _gaps([("Chorus", 10.0, -12.0)]) == []


@pytest.mark.parametrize("low_first", [True, False])
def test_of_two_sections_of_a_kind_only_one_moves(low_first: bool) -> None:
    """Two choruses 4 LU apart are each 4 LU from the other: one gain, never both (that would
    swap them). The one further from where the part sits in the rest of the song moves."""
    verse, near, far = ("Verse", 8.0, -3.0), -3.5, -7.5
    choruses = [near, far] if not low_first else [far, near]
    found = _gaps([verse, ("Chorus 1", 5.0, choruses[0]), ("Verse 2", 8.0, -3.0),
                   ("Chorus 2", 5.0, choruses[1])])  # fmt: skip
    moved = "Chorus 1" if low_first else "Chorus 2"
    assert _where(found) == [(moved, "section_balance")]
    assert found[0].params["segments"][0]["gain_db"] > 0


def test_of_two_sections_the_one_outside_the_window_moves() -> None:
    """Without the rest of the song to go by, the section outside the role's window moves."""
    low, high = ROLE_RANGES_LU["lead_vocal"]
    inside, outside = (low + high) / 2, low - 3.0
    for levels in ((inside, outside), (outside, inside)):
        found = _gaps([("Chorus 1", 5.0, levels[0]), ("Chorus 2", 5.0, levels[1])])
        moved = "Chorus 1" if levels[0] == outside else "Chorus 2"
        assert [s.section for s in found if s.rule == "section_balance"] == [moved]
