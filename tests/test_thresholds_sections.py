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
from mixreview.analysis.suggest.model import Suggestion
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
    measurement: Any = SimpleNamespace(loudness=SimpleNamespace(energy_100ms=energy))
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
