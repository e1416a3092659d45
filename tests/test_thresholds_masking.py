"""Thresholds of the masking rules, pinned from both sides on built band levels.

The rules run on features built directly from per-frame band levels (no audio, no meters): a
target with a fixed level in a band and a masker whose level against it is set frame by frame,
so the masked share, the joint frames and the median difference are exact counts. The boundary
tests are built on the numbers docs/rules/masking.md states, and the code's constants are
compared with the same numbers, so a constant moved in the code, or a number changed in the doc,
fails a test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ, band_edges_hz
from mixreview.analysis.sections import Section
from mixreview.analysis.suggest import masking, masking_frames
from mixreview.analysis.suggest.features import (
    Features,
    Offset,
    StemFeatures,
    band_range,
    to_db,
)
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR

DOC = (Path(__file__).resolve().parent.parent / "docs" / "rules" / "masking.md").read_text()
TEXT = " ".join(DOC.split())  # the doc's prose with its line breaks undone
FRAMES = 100  # 10 s on the 100 ms grid: a share of k frames is exactly k / 100
BANDS = len(BAND_CENTERS_HZ)
KICK, VOCAL, SNARE = 4, 19, 9  # 63 Hz, 2 kHz, 200 Hz: inside each classic pair's range


class STATED:
    """The numbers docs/rules/masking.md states (MIN_SHARE_GAIN is the code's alone). The code's
    constants must equal them, and the boundary tests are built on them: a constant moved in the
    code moves the rule off the inputs built here."""

    MASK_MARGIN_DB = 3.0
    FIRE_SHARE = 0.5
    HIGH_SHARE = 0.6
    HIGH_COVERAGE = 0.5
    HIGH_MEDIAN_DB = 0.0
    PRIORITY_SHARE = 0.6
    MIN_JOINT_FRAMES = 20
    MIN_SECTION_FRAMES = 10
    IMPORTANT_WITHIN_DB = 6.0
    RANGE_WITHIN_DB = 15.0
    STRADDLE_DB = 3.0
    PRIORITY_WITHIN_DB = 3.0
    INTERMITTENT_RATIO = 0.5
    CUT_Q = 1.4
    MIN_CUT_DB = 1.0
    MAX_CUT_DB = 6.0
    CUT_STEP_DB = 0.5
    PREDICTED_DROP = 0.3
    VERIFY_DROP = 0.25
    PRIORITY_LOW_HZ = 40.0
    PRIORITY_HIGH_HZ = 8000.0
    MIN_SHARE_GAIN = 0.01


CLASSIC = {  # rule: (target role, masker role, band)
    "kick_bass_masking": ("kick", "bass", KICK),
    "vocal_masking": ("lead_vocal", "keys", VOCAL),
    "snare_masking": ("snare", "guitar", SNARE),
}


def _part(
    file: str,
    role: str,
    levels_db: Mapping[int, float | np.ndarray],
    frames: int = FRAMES,
    playing: np.ndarray | None = None,
) -> StemFeatures:
    """A part with the given level (dB, one value or one per frame) in each band, silent in the
    others, playing in every frame (or where ``playing`` says, silent elsewhere)."""
    power = np.zeros((frames, BANDS))
    for band, level in levels_db.items():
        power[:, band] = 10.0 ** (np.broadcast_to(np.asarray(level, np.float64), (frames,)) / 10)
    plays = np.ones(frames, bool) if playing is None else np.asarray(playing, bool)
    power[~plays] = 0.0
    measurement: Any = SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=plays.astype(np.float64)),
        bands=SimpleNamespace(mid_power=power, side_power=np.zeros_like(power)),
    )
    return StemFeatures(file, role, measurement, frames)


def _session(
    parts: Sequence[StemFeatures], sections: Sequence[Section] = (), frames: int = FRAMES
) -> Features:
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    return Features(analysis, {p.file: p for p in parts}, None, tuple(sections), frames)


def _diffs(*runs: tuple[int, float]) -> np.ndarray:
    """Per-frame levels of a masker against a 0 dB target: ``count`` frames at each level."""
    return np.concatenate([np.full(count, level) for count, level in runs])


def _pair(
    masker_db: np.ndarray | float,
    rule: str = "vocal_masking",
    sections: Sequence[Section] = (),
    playing: np.ndarray | None = None,
) -> list[Suggestion]:
    """The masking suggestions for a classic pair: the target at 0 dB in its band, the masker
    at ``masker_db`` there."""
    target_role, masker_role, band = CLASSIC[rule]
    frames = len(masker_db) if isinstance(masker_db, np.ndarray) else FRAMES
    target = _part("Target.wav", target_role, {band: 0.0}, frames)
    masker = _part("Masker.wav", masker_role, {band: masker_db}, frames, playing)
    return masking.suggest(_session([target, masker], sections, frames))


def _priority(
    masker_db: np.ndarray | float, target_db: Mapping[int, float] | None = None, band: int = 8
) -> list[Suggestion]:
    """The suggestions for a pair outside the classic ones (a pad over a bass): the pad at
    ``masker_db`` in ``band``, against the bass at 0 dB there (or at ``target_db``)."""
    frames = len(masker_db) if isinstance(masker_db, np.ndarray) else FRAMES
    target = _part("Bass.wav", "bass", target_db or {band: 0.0}, frames)
    masker = _part("Pad.wav", "pad", {band: masker_db}, frames)
    return masking.suggest(_session([target, masker], (), frames))


def _one(found: list[Suggestion]) -> Suggestion:
    assert len(found) == 1, [s.rule for s in found]
    return found[0]


# ------------------------------------------------------------------------------------ the doc


def test_the_code_holds_the_stated_numbers() -> None:
    stated = {k: v for k, v in vars(STATED).items() if k.isupper()}
    assert {k: getattr(masking, k) for k in stated} == stated
    assert masking_frames.MASK_MARGIN_DB == STATED.MASK_MARGIN_DB


def test_the_doc_states_the_masking_numbers() -> None:
    n = STATED
    sentences = [
        f"within **{n.MASK_MARGIN_DB:.0f} dB** of the target's or above it (`MASK_MARGIN_DB`)",
        f"within **{n.IMPORTANT_WITHIN_DB:.0f} dB** of the target's loudest band",
        f"within {n.RANGE_WITHIN_DB:.0f} dB of its overall loudest, `RANGE_WITHIN_DB`",
        f"At least **{n.MIN_JOINT_FRAMES / 10:.0f} s** of joint frames are needed",
        f"{n.MIN_SECTION_FRAMES / 10:.0f} s before a section is",
        f"within {n.STRADDLE_DB:.0f} dB of the peak band (`STRADDLE_DB`)",
        f"within **{n.PRIORITY_WITHIN_DB:.0f} dB** of its peak band, `PRIORITY_WITHIN_DB`",
        f"a masked share of at least **{n.PRIORITY_SHARE:.0%}**",
        f"(median difference >= {n.HIGH_MEDIAN_DB:.0f} dB)",
        f"a cut of at most {n.MAX_CUT_DB:.0f} dB is predicted to remove at least "
        f"{n.VERIFY_DROP:.0%} of the masking",
        f"at least **{n.FIRE_SHARE:.0%}** (`FIRE_SHARE`)",
        f"masked share >= **{n.HIGH_SHARE:.0%}** in the cut band",
        f"is >= **{n.HIGH_COVERAGE:.0%}** (`HIGH_COVERAGE`)",
        f"masked share >= {n.HIGH_SHARE:.0%}, or the masker typically at or above the target",
        f"**Q {n.CUT_Q:g}** (`CUT_Q`)",
        f"(`median difference + {n.MASK_MARGIN_DB:.0f} dB`), rounded to {n.CUT_STEP_DB:g} dB, "
        f"at least {n.MIN_CUT_DB:.0f} dB; then deepened in {n.CUT_STEP_DB:g} dB steps",
        f"at least **{n.PREDICTED_DROP:.0%}** of the masked share, at most "
        f"**{n.MAX_CUT_DB:.0f} dB**",
        f"When even {n.MAX_CUT_DB:.0f} dB cannot reach that",
        f"masked in at least {n.FIRE_SHARE:.0%} of its joint frames, the rest of the song has "
        f"at least {n.MIN_JOINT_FRAMES / 10:.0f} s of joint frames",
        f"at least **{n.VERIFY_DROP:.0%} of its value** (`VERIFY_DROP`)",
        f"at least {n.FIRE_SHARE * n.VERIFY_DROP:g} absolute since the rule only speaks from "
        f"{n.FIRE_SHARE:.0%}",
        f"The cut is sized for {n.PREDICTED_DROP:.0%}",
        f"the target's loudest bands, {n.PRIORITY_LOW_HZ:.0f} Hz-"
        f"{n.PRIORITY_HIGH_HZ / 1000:.0f} kHz",
    ]
    for sentence in sentences:
        assert sentence in TEXT, sentence
    assert n.INTERMITTENT_RATIO == 0.5 and "masked at most half as often" in TEXT


def test_the_doc_states_the_pairs_and_the_priority() -> None:
    ranges = {"40-120 Hz": (40.0, 120.0), "1-4 kHz": (1000.0, 4000.0),
              "150-400 Hz": (150.0, 400.0)}  # fmt: skip
    rows = re.findall(r"^\| `(\w+)` \| ([a-z ]+) \| ([a-z, ]+) \| ([-\dk ]+Hz)", DOC, re.M)
    found = {
        rule: (
            (target.replace(" ", "_"),),
            tuple(m.strip() for m in maskers.split(",")),
            *ranges[where],
        )
        for rule, target, maskers, where in rows
    }
    assert found == {
        r.rule: (r.targets, r.maskers, r.low_hz, r.high_hz) for r in masking.CLASSIC_RULES
    }
    assert [r.rule for r in masking.CLASSIC_RULES if r.peak_band] == ["kick_bass_masking"]
    assert set(masking.HIGH_CAPABLE) == {"kick_bass_masking", "vocal_masking"}
    order = re.search(r"Role priority \(who is uncovered\): ([^.]+)\.", TEXT)
    assert order is not None
    names = {"lead vocal": "lead_vocal", "synth/lead": "synth"}
    ranks: dict[str, int] = {}
    for rank, tier in enumerate(order.group(1).split(" > ")):
        for name in tier.split(" = "):
            ranks[names.get(name, name)] = rank
    assert ranks == masking.ROLE_RANK


# ------------------------------------------------------------------------ what a frame counts


def test_a_masker_on_the_masking_line_does_not_mask() -> None:
    """Masked means within the margin *or above*: exactly on the line is outside it. The
    target sits at 10 dB, where a masker power exists whose difference is the line to the bit."""
    power = 10.0 ** ((10.0 - STATED.MASK_MARGIN_DB) / 10.0)
    assert float(to_db(power)) - 10.0 == -STATED.MASK_MARGIN_DB  # on the line, to the bit
    above = power
    while float(to_db(above)) - 10.0 == -STATED.MASK_MARGIN_DB:
        above = float(np.nextafter(above, np.inf))  # the next level over the line
    for masker, fires in ((power, False), (above, True)):
        target = _part("Vox.wav", "lead_vocal", {VOCAL: 10.0})
        keys = _part("Keys.wav", "keys", {VOCAL: 0.0})
        keys.measurement.bands.mid_power[:, VOCAL] = masker
        found = masking.suggest(_session([target, keys]))
        assert len(found) == fires


@pytest.mark.parametrize("offset, fires", [(-0.01, False), (0.01, True)])
def test_a_frame_is_masked_within_the_margin(offset: float, fires: bool) -> None:
    found = _pair(np.full(FRAMES, -STATED.MASK_MARGIN_DB + offset))
    assert len(found) == fires
    if fires:
        assert found[0].evidence["masked_share"] == 1.0
        assert found[0].evidence["margin_db"] == STATED.MASK_MARGIN_DB


# ------------------------------------------------------------------------- when it speaks


@pytest.mark.parametrize("rule", list(CLASSIC))
@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_classic_pairs_speak_from_the_fire_share(rule: str, extra: int, fires: bool) -> None:
    masked = round(STATED.FIRE_SHARE * FRAMES) + extra
    found = _pair(_diffs((masked, -2.9), (FRAMES - masked, -10.0)), rule)
    assert [s.rule for s in found] == ([rule] if fires else [])
    if fires:
        assert found[0].evidence["masked_share"] == STATED.FIRE_SHARE


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_other_pairs_speak_from_the_priority_share(extra: int, fires: bool) -> None:
    masked = round(STATED.PRIORITY_SHARE * FRAMES) + extra
    found = _priority(_diffs((FRAMES - masked, -10.0), (masked, 1.0)))
    assert [s.rule for s in found] == ([masking.PRIORITY_RULE] if fires else [])
    if fires:
        assert found[0].stems == ("Pad.wav",) and found[0].severity == "medium"


@pytest.mark.parametrize("median, fires", [(0.0, True), (-0.01, False)])
def test_other_pairs_need_the_masker_typically_on_top(median: float, fires: bool) -> None:
    """70% masked either way; the median joint frame sits on the line the rule draws."""
    found = _priority(_diffs((30, -10.0), (40, median + STATED.HIGH_MEDIAN_DB), (30, 1.0)))
    assert len(found) == fires
    if fires:
        assert found[0].evidence["median_diff_db"] == STATED.HIGH_MEDIAN_DB


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_a_band_is_judged_from_the_minimum_joint_frames(extra: int, fires: bool) -> None:
    playing = np.arange(FRAMES) < STATED.MIN_JOINT_FRAMES + extra
    for rule in ("vocal_masking", "kick_bass_masking"):  # the worst band, and the kick's peak
        found = _pair(np.full(FRAMES, -2.9), rule, playing=playing)
        assert len(found) == fires, rule
        if fires:
            assert found[0].evidence["joint_active_s"] == STATED.MIN_JOINT_FRAMES / 10


# ------------------------------------------------------------------ which bands are looked at


@pytest.mark.parametrize("offset, fires", [(-0.05, True), (0.05, False)])
def test_a_band_matters_within_important_within_db(offset: float, fires: bool) -> None:
    """The vocal's 2 kHz band is its loudest in the presence range; the keys cover only its
    3.15 kHz band, which counts when it is close enough to the loudest."""
    level = -STATED.IMPORTANT_WITHIN_DB - offset
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 0.0, 21: level})
    keys = _part("Keys.wav", "keys", {21: level - 2.9})
    found = masking.suggest(_session([vocal, keys]))
    assert len(found) == fires
    if fires:
        assert found[0].params["freq_hz"] == round(BAND_CENTERS_HZ[21], 1)


@pytest.mark.parametrize("offset, fires", [(-0.05, True), (0.05, False)])
def test_a_range_matters_within_range_within_db(offset: float, fires: bool) -> None:
    """The vocal is loudest at 250 Hz, outside the presence range the keys cover."""
    level = -STATED.RANGE_WITHIN_DB - offset
    vocal = _part("Vox.wav", "lead_vocal", {10: 0.0, VOCAL: level})
    keys = _part("Keys.wav", "keys", {VOCAL: level - 2.9})
    assert len(masking.suggest(_session([vocal, keys]))) == fires


@pytest.mark.parametrize("offset, joined", [(-0.05, True), (0.05, False)])
def test_the_kicks_peak_straddles_a_neighbour_within_straddle_db(
    offset: float, joined: bool
) -> None:
    """The kick peaks at 63 Hz; its 50 Hz band is taken with it when close enough."""
    levels = {KICK: 0.0, KICK - 1: -STATED.STRADDLE_DB - offset, KICK + 1: -20.0}
    kick = _part("Kick.wav", "kick", levels)
    bass = _part("Bass.wav", "bass", {b: level - 2.9 for b, level in levels.items()})
    found = _one(masking.suggest(_session([kick, bass])))
    centres = [round(BAND_CENTERS_HZ[b], 1) for b in ((KICK - 1, KICK) if joined else (KICK,))]
    assert found.evidence["bands_center_hz"] == centres


@pytest.mark.parametrize("offset, fires", [(-0.05, True), (0.05, False)])
def test_other_pairs_look_at_bands_within_priority_within_db(offset: float, fires: bool) -> None:
    """The bass is loudest at 63 Hz; the pad covers only its 160 Hz band."""
    level = -STATED.PRIORITY_WITHIN_DB - offset
    found = _priority(np.full(FRAMES, level + 1.0), {4: 0.0, 8: level})
    assert len(found) == fires


@pytest.mark.parametrize("side", [0, 1])
def test_other_pairs_look_between_the_priority_limits(side: int) -> None:
    edge = NOMINAL_CENTERS_HZ.index(RANGE_BANDS[masking.PRIORITY_RULE][side])
    outward = -1 if side == 0 else 1
    assert len(_priority(np.full(FRAMES, 1.0), band=edge)) == 1
    assert _priority(np.full(FRAMES, 1.0), band=edge + outward) == []


# the bands at each end of a range: band_range takes a band whose nominal centre lies in the
# range (the 40 Hz band, exact centre 39.4 Hz, is inside "40 Hz to ...")
RANGE_BANDS = {
    "kick_bass_masking": ("40", "100"),
    "vocal_masking": ("1k", "4k"),
    "snare_masking": ("160", "400"),
    masking.PRIORITY_RULE: ("40", "8k"),
}


def test_the_ranges_hold_the_bands_at_their_ends() -> None:
    ranges = {r.rule: (r.low_hz, r.high_hz) for r in masking.CLASSIC_RULES}
    ranges[masking.PRIORITY_RULE] = (STATED.PRIORITY_LOW_HZ, STATED.PRIORITY_HIGH_HZ)
    for rule, (low, high) in ranges.items():
        bands = band_range(low, high)
        found = (NOMINAL_CENTERS_HZ[bands[0]], NOMINAL_CENTERS_HZ[bands[-1]])
        assert found == RANGE_BANDS[rule], rule


@pytest.mark.parametrize("rule, side", [(r, s) for r in CLASSIC for s in (0, 1)])
def test_classic_pairs_look_inside_their_range(rule: str, side: int) -> None:
    """The band at each end of a pair's range is judged by its rule; the next one out is not
    (and the pair is not judged as an other pair either)."""
    edge = NOMINAL_CENTERS_HZ.index(RANGE_BANDS[rule][side])
    outward = -1 if side == 0 else 1
    target_role, masker_role, _band = CLASSIC[rule]
    for band, fires in ((edge, True), (edge + outward, False)):
        target = _part("Target.wav", target_role, {band: 0.0})
        masker = _part("Masker.wav", masker_role, {band: np.full(FRAMES, -2.9)})
        found = masking.suggest(_session([target, masker]))
        assert [s.rule for s in found] == ([rule] if fires else []), band


def test_roles_of_one_rank_are_not_paired_and_the_lower_rank_is_cut() -> None:
    for target_role, masker_role, cut in (("guitar", "keys", None), ("synth", "guitar", "B"),
                                          ("guitar", "synth", "A")):  # fmt: skip
        a = _part("A.wav", target_role, {8: 0.0})
        b = _part("B.wav", masker_role, {8: 0.0})
        found = masking.suggest(_session([a, b]))
        assert [s.stems[0] for s in found] == ([f"{cut}.wav"] if cut else [])


# ---------------------------------------------------------------------------- how loudly


@pytest.mark.parametrize(
    "rule, extra, severity",
    [("vocal_masking", 0, "high"), ("vocal_masking", -1, "low"),
     ("kick_bass_masking", 0, "high"), ("kick_bass_masking", -1, "low"),
     ("snare_masking", 0, "medium"), ("snare_masking", -1, "low")],
)  # fmt: skip
def test_severity_from_the_high_share(rule: str, extra: int, severity: str) -> None:
    """Masked frames 1 dB under the target, the rest well under: the median stays below 0 dB,
    so the share alone decides; the snare's conflict is medium at most."""
    masked = round(STATED.HIGH_SHARE * FRAMES) + extra
    found = _one(_pair(_diffs((FRAMES - masked, -10.0), (masked, -1.0)), rule))
    assert found.severity == severity
    assert found.category == ("technical" if severity == "high" else "creative")


@pytest.mark.parametrize("median, severity", [(0.0, "medium"), (-0.01, "low")])
def test_a_masker_on_top_makes_it_medium(median: float, severity: str) -> None:
    """55% masked (under the high share); the median joint frame sits on the line."""
    found = _one(_pair(_diffs((45, -10.0), (10, median + STATED.HIGH_MEDIAN_DB), (45, 2.0))))
    assert found.evidence["masked_share"] == 0.55 and found.severity == severity


@pytest.mark.parametrize("other, severity", [(20, "high"), (19, "medium")])
def test_high_needs_the_coverage(other: int, severity: str) -> None:
    """The vocal's 2 kHz band is masked in 80% of the frames, its 2.5 kHz band in ``other``
    frames out of 100: high when their mean share reaches the coverage."""
    assert ((80 + other) / 200 >= STATED.HIGH_COVERAGE) == (severity == "high")
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 0.0, VOCAL + 1: 0.0})
    levels = {
        VOCAL: _diffs((80, -2.9), (20, -10.0)),
        VOCAL + 1: _diffs((other, -2.9), (FRAMES - other, -10.0)),
    }
    keys = _part("Keys.wav", "keys", levels)
    found = _one(masking.suggest(_session([vocal, keys])))
    assert found.evidence["coverage"] == round((80 + other) / 200, 3)
    assert found.severity == severity


# ------------------------------------------------------------------------------- the sections

HALVES = (Section("A", 0.0, 5.0), Section("B", 5.0, 10.0))


@pytest.mark.parametrize("extra, judged", [(-1, False), (0, True)])
def test_a_section_is_judged_from_its_minimum_frames(extra: int, judged: bool) -> None:
    """The masker plays all of A and the first frames of B."""
    playing = np.arange(FRAMES) < 50 + STATED.MIN_SECTION_FRAMES + extra
    found = _one(_pair(np.full(FRAMES, -2.9), sections=HALVES, playing=playing))
    assert ("B" in found.evidence["section_shares"]) == judged


@pytest.mark.parametrize("outside, scoped", [(25, True), (26, False)])
def test_intermittent_masking_is_scoped_to_its_section(outside: int, scoped: bool) -> None:
    """B is masked throughout; A in ``outside`` of its 50 frames: scoped while A is masked at
    most ``INTERMITTENT_RATIO`` times as often."""
    assert (outside / 50 <= STATED.INTERMITTENT_RATIO) == scoped
    found = _one(_pair(_diffs((outside, -2.9), (50 - outside, -10.0), (50, -2.9)), sections=HALVES))
    assert found.section == ("B" if scoped else None)
    assert found.params.get("section") == ("B" if scoped else None)


@pytest.mark.parametrize("extra, scoped", [(-1, False), (0, True)])
def test_scoping_needs_the_rest_to_be_judged(extra: int, scoped: bool) -> None:
    """B is masked throughout; the masker plays unmasked in the last frames of A."""
    rest = STATED.MIN_JOINT_FRAMES + extra
    playing = np.arange(FRAMES) >= 50 - rest
    found = _one(_pair(_diffs((50, -10.0), (50, -2.9)), sections=HALVES, playing=playing))
    assert found.section == ("B" if scoped else None)


@pytest.mark.parametrize("extra, scoped", [(-1, False), (0, True)])
def test_scoping_needs_the_section_to_pass_the_fire_share(extra: int, scoped: bool) -> None:
    """A is not masked; B is masked in ``FIRE_SHARE`` of its frames (or one fewer): the song
    as a whole stays under the fire share, so the scoped cut is the only suggestion."""
    masked = round(STATED.FIRE_SHARE * 50) + extra
    found = _pair(_diffs((50, -10.0), (masked, -2.9), (50 - masked, -10.0)), sections=HALVES)
    assert [s.section for s in found] == (["B"] if scoped else [])


# ----------------------------------------------------------------------------------- the cut


def test_the_cut_is_a_peaking_band_at_cut_q() -> None:
    found = _one(_pair(np.full(FRAMES, -2.9)))
    assert found.params == {"freq_hz": 2000.0, "gain_db": -STATED.MIN_CUT_DB,
                            "q": STATED.CUT_Q}  # fmt: skip


@pytest.mark.parametrize(
    "masker_db, gain_db",
    [(-2.9, -1.0), (-2.03, -1.5), (-2.0, -1.5), (-0.8, -2.5), (0.0, -3.5), (2.5, -6.0)],
)
def test_the_cut_deepens_in_steps_until_the_frames_drop_under_the_line(
    masker_db: float, gain_db: float
) -> None:
    """Every frame at one level: a cut of d dB lowers the masker's band by a little less than
    d (0.96 dB for 1 dB, 5.77 dB for 6 dB, averaged over the band: a Q of 1 would take 0.98 dB,
    enough for frames at -2.03 dB), so the cut is the first step from the smallest cut that
    takes the frames under the line."""
    found = _one(_pair(np.full(FRAMES, masker_db)))
    assert found.params["gain_db"] == gain_db
    assert found.evidence["predicted_share"] == 0.0


@pytest.mark.parametrize("median_db, gain_db", [(1.2, -4.0), (1.3, -4.5), (3.2, -6.0)])
def test_the_cut_starts_at_the_median_excess_rounded_to_the_step(
    median_db: float, gain_db: float
) -> None:
    """40 frames just over the line (any cut uncovers them: enough for the predicted drop) and
    60 at ``median_db``: the cut is where the search starts, the median frame's excess over
    the line rounded to the step (4.2 dB to 4.0, 4.3 dB to 4.5), at most the deepest cut."""
    found = _one(_pair(_diffs((40, -2.9), (60, median_db))))
    assert found.params["gain_db"] == gain_db
    assert found.evidence["median_diff_db"] == median_db


def test_the_deepest_cut_is_max_cut_db() -> None:
    """A masker 10 dB over the target cannot be uncovered: the rule still offers the deepest
    cut, since it uncovers the few frames that sit just over the line, and says it is not
    enough."""
    found = _one(_pair(_diffs((20, -2.9), (80, 10.0))))
    assert found.params["gain_db"] == -STATED.MAX_CUT_DB
    assert found.evidence["cut_sufficient"] is False
    assert f"({STATED.MAX_CUT_DB:.0f} dB) leaves most of it" in found.why


@pytest.mark.parametrize("removable, gain_db", [(31, -1.0), (30, -1.0), (29, -6.0)])
def test_the_cut_deepens_until_the_predicted_drop(removable: int, gain_db: float) -> None:
    """160 frames: 60 unmasked, ``removable`` just over the line (the smallest cut uncovers
    them), the rest 5 dB over the target (no cut uncovers them). The smallest cut stops the
    search when it removes at least ``PREDICTED_DROP`` of the masked share."""
    assert (removable / 100 >= STATED.PREDICTED_DROP) == (gain_db == -1.0)
    found = _one(_pair(_diffs((60, -10.0), (removable, -2.9), (100 - removable, 5.0))))
    assert found.params["gain_db"] == gain_db


@pytest.mark.parametrize("removable, enough", [(26, True), (25, True), (24, False)])
def test_a_cut_is_sufficient_from_the_verify_drop(removable: int, enough: bool) -> None:
    """Every frame masked: ``removable`` of them at the target's level (a 6 dB cut uncovers
    them), the rest 5 dB over it. A classic pair says whether the cut is enough; another pair
    speaks only when it is."""
    assert (removable / 100 >= STATED.VERIFY_DROP) == enough
    levels = _diffs((removable, 0.0), (100 - removable, 5.0))
    found = _one(_pair(levels))
    assert found.evidence["cut_sufficient"] is enough
    assert found.evidence["promised_drop"] == STATED.VERIFY_DROP
    assert ("Even the deepest cut the rule allows" in found.why) is not enough
    assert len(_priority(levels)) == enough


@pytest.mark.parametrize("removable, fires", [(10, False), (11, True)])
def test_a_cut_must_uncover_min_share_gain(removable: int, fires: bool) -> None:
    """1000 frames all masked, ``removable`` of them just over the line, the rest far over the
    target: the deepest cut uncovers only those."""
    assert (removable / 1000 > STATED.MIN_SHARE_GAIN) == fires
    found = _pair(_diffs((removable, -2.9), (1000 - removable, 10.0)))
    assert len(found) == fires


# ------------------------------------------------------------ what the suggestions carry

VERSE_CHORUS = (Section("Verse", 0.0, 6.0), Section("Chorus", 6.0, 12.0))


def _edges(first: int, last: int) -> list[float]:
    edges = band_edges_hz()
    return [round(float(edges[first, 0]), 1), round(float(edges[last, 1]), 1)]


def test_a_scoped_cut_carries_its_measures_at_their_precision() -> None:
    """120 frames in two sections. Verse: 8 frames 5 dB over the vocal (no 1.5 dB cut uncovers
    them), 52 well under. Chorus: 41 frames at -1.705 dB, 19 well under. The chorus is masked in
    41/60, the rest of the song in 8/60: the cut is scoped to the chorus, and predicted there
    alone (over the song the verse's 7 frames would stay)."""
    found = _one(
        _pair(_diffs((8, 5.0), (52, -10.0), (41, -1.705), (19, -12.0)), sections=VERSE_CHORUS)
    )
    share, song, verse = 41 / 60, 49 / 120, 8 / 60
    for value in (share, song, verse):
        assert round(value, 4) != round(value, 3) != round(value, 2)
    assert (found.kind, found.rule, found.stems) == ("unmask", "vocal_masking", ("Masker.wav",))
    assert (found.severity, found.category) == ("medium", "creative")  # coverage 0.4: not high
    assert (found.section, found.section_span_s) == ("Chorus", (6.0, 12.0))
    assert found.params == {"freq_hz": 2000.0, "gain_db": -1.5, "q": STATED.CUT_Q,
                            "dynamic": True, "section": "Chorus"}  # fmt: skip
    assert found.target == Target("masked_share", share, 0.0, "lower", "share")
    assert found.evidence == {
        "against": "Target.wav", "masked_share": round(share, 3),
        "masked_share_song": round(song, 3), "band_hz": _edges(VOCAL, VOCAL),
        "bands_center_hz": [2000.0], "median_diff_db": -1.71, "joint_active_s": 6.0,
        "margin_db": STATED.MASK_MARGIN_DB,
        "bands": [{"band_hz": 2000.0, "masked_share": round(song, 3), "joint_active_s": 12.0}],
        "worst_sections": ["Chorus"], "section_shares": {"Chorus": 0.683, "Verse": 0.133},
        "predicted_share": 0.0, "promised_drop": STATED.VERIFY_DROP, "coverage": round(song, 3),
        "cut_sufficient": True, "impact": round(share * 10, 2),
    }  # fmt: skip
    assert list(found.evidence["section_shares"]) == ["Chorus", "Verse"]  # worst first
    low, high = _edges(VOCAL, VOCAL)
    assert found.why == (
        "Masker.wav covers Target.wav in the 2 kHz band (1.8 kHz-2.2 kHz), the lead vocal's "
        "presence range: in 68% of the 6.0 s where both sound there in Chorus (6.0-12.0 s), the "
        "keys are within 3 dB of the lead vocal or louder (median -1.7 dB; the rule speaks from "
        "50%). It is concentrated there (68% against 13% in the rest of the song), so the cut "
        "works only in Chorus. A -1.5 dB cut at 2 kHz (Q 1.4) on the keys (the median frame "
        "sits 1.3 dB over the masking line) should bring that to about 0%."
    )
    assert (low, high) == (1781.8, 2244.9)


def test_a_cut_over_the_song_names_its_worst_sections() -> None:
    """Four sections of 30 frames, masked in 15, 24, 22 and 16 of them: the song is masked in
    77/120 and every section fires (the intro exactly at the fire share); the rest of the song
    is masked in 53/90, more than half the verse's 0.8, so no section is singled out; the why
    names the three worst. A guitar (no plural) over the snare, under the margin: the
    smallest cut."""
    parts = (Section("Intro", 0.0, 3.0), Section("Verse", 3.0, 6.0),
             Section("Chorus", 6.0, 9.0), Section("Outro", 9.0, 12.0))  # fmt: skip
    levels = _diffs((15, -2.9), (15, -10.0), (24, -2.9), (6, -10.0), (22, -2.9), (8, -10.0),
                    (16, -2.9), (14, -10.0))  # fmt: skip
    found = _one(_pair(levels, "snare_masking", sections=parts))
    share = 77 / 120
    assert found.section is None and found.section_span_s is None
    assert found.params == {"freq_hz": round(BAND_CENTERS_HZ[SNARE], 1), "gain_db": -1.0,
                            "q": STATED.CUT_Q}  # fmt: skip
    assert found.evidence["section_shares"] == {"Verse": 0.8, "Chorus": 0.733, "Outro": 0.533,
                                                "Intro": 0.5}  # fmt: skip
    assert found.evidence["worst_sections"] == ["Verse", "Chorus", "Outro", "Intro"]
    assert found.evidence["masked_share"] == found.evidence["masked_share_song"] == 0.642
    assert found.evidence["coverage"] == round(share, 3) and found.severity == "medium"
    assert found.why == (
        "Masker.wav covers Target.wav in the 198 Hz band (177 Hz-223 Hz), the snare's body: in "
        "64% of the 12.0 s where both sound there, the guitar is within 3 dB of the snare or "
        "louder (median -2.9 dB; the rule speaks from 50%). Worst in Verse (80%), Chorus (73%), "
        "Outro (53%). A -1.0 dB cut at 198 Hz (Q 1.4) on the guitar (the smallest cut the rule "
        "makes) should bring that to about 0%."
    )


def _whole_hz(freq_hz: float) -> str:
    """A frequency in whole hertz as the texts write it, halves rounded up (62.5 Hz is 63 Hz)."""
    return f"{int(freq_hz + 0.5)} Hz"


def _refined(levels: Mapping[int, float], band: int) -> float:
    """The parabola's peak through a band and its neighbours, on a third-octave log scale."""
    left, mid, right = levels[band - 1], levels[band], levels[band + 1]
    offset = min(max(0.5 * (left - right) / (left - 2 * mid + right), -0.5), 0.5)
    return round(float(BAND_CENTERS_HZ[band] * 2.0 ** (offset / 3.0)), 1)


@pytest.mark.parametrize(
    "levels, bands",
    [({KICK - 1: -4.0, KICK: 0.0, KICK + 1: -8.0}, (KICK,)),
     ({KICK - 1: -20.0, KICK: 0.0, KICK + 1: -1.0}, (KICK, KICK + 1)),
     ({KICK - 2: -20.0, KICK - 1: -2.0, KICK: 0.0, KICK + 1: -9.0}, (KICK - 1, KICK))],
)  # fmt: skip
def test_the_kick_cut_sits_on_its_refined_peak(levels: dict[int, float], bands: tuple) -> None:
    """The cut is at the peak of a parabola through the kick's loudest band and its neighbours;
    a neighbour within the straddle takes part in the measure, above the peak or under it."""
    lift = 6.0  # the parabola reads level differences: the kick's level must not matter
    kick = _part("Kick.wav", "kick", {b: level + lift for b, level in levels.items()})
    bass = _part("Bass.wav", "bass", {b: level + lift - 2.9 for b, level in levels.items()})
    found = _one(masking.suggest(_session([kick, bass])))
    freq = _refined(levels, KICK)
    assert found.params == {"freq_hz": freq, "gain_db": -1.0, "q": STATED.CUT_Q}
    assert found.evidence["bands_center_hz"] == [round(BAND_CENTERS_HZ[b], 1) for b in bands]
    assert found.evidence["band_hz"] == _edges(bands[0], bands[-1])
    assert found.evidence["bands"] == [
        {"band_hz": round(float(BAND_CENTERS_HZ[b]), 1), "masked_share": 1.0,
         "joint_active_s": 10.0}
        for b in sorted(levels) if levels[b] >= -STATED.IMPORTANT_WITHIN_DB
    ]  # fmt: skip
    assert (found.severity, found.rule) == ("high", "kick_bass_masking")
    centres = " and ".join(_whole_hz(BAND_CENTERS_HZ[b]) for b in bands)
    low, high = (_whole_hz(hz) for hz in _edges(bands[0], bands[-1]))
    plural = "bands" if len(bands) > 1 else "band"
    assert found.why.startswith(
        f"Bass.wav covers Kick.wav in the {centres} {plural} ({low}-{high}), the kick's thump"
    )
    assert f"A -1.0 dB cut at {_whole_hz(freq)} (Q 1.4) on the bass (" in found.why
    assert "the bass is within 3 dB of the kick or louder" in found.why


@pytest.mark.parametrize(
    "vox1, vox2, against, also",
    [((_diffs((70, 2.0), (30, 20.0))), np.full(FRAMES, 2.9), "Vox2.wav", "Vox1.wav"),
     (np.full(FRAMES, 2.0), np.full(FRAMES, 2.9), "Vox1.wav", "Vox2.wav"),
     (np.full(FRAMES, 2.9), np.full(FRAMES, 2.9), "Vox1.wav", "Vox2.wav"),
     (np.full(FRAMES, -10.0), np.full(FRAMES, 2.9), "Vox2.wav", "Vox1.wav")],
)  # fmt: skip
def test_one_cut_per_masker_against_its_worst_target(
    vox1: np.ndarray, vox2: np.ndarray, against: str, also: str
) -> None:
    """The keys (0 dB) over two vocals: the cut answers the most masked one (then the one the
    keys sit highest over, then by name); the other is named alongside. A vocal the keys
    cover by 10 dB cannot be uncovered: the cut goes to the next one."""
    keys = _part("Keys.wav", "keys", {VOCAL: 0.0})
    vocals = [_part(f"Vox{i}.wav", "lead_vocal", {VOCAL: v}) for i, v in ((1, vox1), (2, vox2))]
    found = _one(masking.suggest(_session([*vocals, keys])))
    assert found.stems == ("Keys.wav",)
    assert found.evidence["against"] == against and found.evidence["also_against"] == [also]


def test_a_single_section_is_not_singled_out() -> None:
    """One section (the second half) holds all the masking: with no other section to set it
    against, the cut is over the song, and no section is named as the worst."""
    found = _one(_pair(_diffs((50, -10.0), (50, -2.9)), sections=(Section("B", 5.0, 10.0),)))
    assert found.section is None and "dynamic" not in found.params
    assert found.evidence["section_shares"] == {"B": 1.0}
    assert found.evidence["worst_sections"] == ["B"]
    assert "Worst in" not in found.why and found.evidence["masked_share"] == 0.5
    assert "the rule speaks from 50%). A -1.0 dB cut at 2 kHz" in found.why


def test_equal_bands_cut_at_the_lower() -> None:
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 0.0, VOCAL + 1: 0.0})
    keys = _part("Keys.wav", "keys", {VOCAL: -2.9, VOCAL + 1: -2.9})
    found = _one(masking.suggest(_session([vocal, keys])))
    assert found.params["freq_hz"] == 2000.0 and found.evidence["bands_center_hz"] == [2000.0]
    centres = [round(float(BAND_CENTERS_HZ[b]), 1) for b in (VOCAL, VOCAL + 1)]
    assert [b["band_hz"] for b in found.evidence["bands"]] == centres


def test_a_part_outside_a_pairs_maskers_is_an_other_pair() -> None:
    """A bass over the vocal's presence range: not the vocal rule (its maskers are the guitar,
    keys, synth and pad) but the priority rule, which needs 60%."""
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 0.0})
    bass = _part("Bass.wav", "bass", {VOCAL: 1.0})
    found = _one(masking.suggest(_session([vocal, bass])))
    assert found.rule == masking.PRIORITY_RULE and found.stems == ("Bass.wav",)
    assert "one of the lead vocal's main bands" in found.why
    assert "the rule speaks from 60%" in found.why and "the bass is within" in found.why
    less = _part("Bass.wav", "bass", {VOCAL: _diffs((55, 1.0), (45, -10.0))})
    assert masking.suggest(_session([vocal, less])) == []  # 55%: enough for the vocal rule


def test_a_deepened_cut_says_so() -> None:
    """Every frame 2 dB under the vocal: the median sits exactly 1 dB over the line, the cut
    starts there and is deepened a step to take the frames under it."""
    found = _one(_pair(np.full(FRAMES, -2.0)))
    assert found.why.endswith(
        "A -1.5 dB cut at 2 kHz (Q 1.4) on the keys (the median frame sits 1.0 dB over the "
        "masking line, deepened to uncover at least 30% of those frames) should bring that to "
        "about 0%."
    )


def test_a_cut_that_is_not_enough_says_so() -> None:
    found = _one(_pair(_diffs((20, -2.9), (80, 10.0))))
    assert found.why.endswith(
        "A -6.0 dB cut at 2 kHz (Q 1.4) on the keys (the median frame sits 13.0 dB over the "
        "masking line) should bring that to about 80%. Even the deepest cut the rule allows "
        "(6 dB) leaves most of it: turn the keys down there, or duck it under the lead vocal."
    )


def test_two_sections_both_named_from_the_fire_share() -> None:
    """A masked in 30 of its 50 frames, B in 25 (exactly the fire share): the rest of the song
    is masked too often for a scope, and the why names both."""
    found = _one(_pair(_diffs((30, -2.9), (20, -10.0), (25, -2.9), (25, -10.0)), sections=HALVES))
    assert found.section is None and found.evidence["worst_sections"] == ["A", "B"]
    assert " Worst in A (60%), B (50%). A -1.0 dB cut" in found.why


def test_a_cut_not_enough_carries_its_prediction_at_its_precision() -> None:
    """123 frames (12.3 s), 25 just over the line, 98 far over the target: the deepest cut
    leaves 98/123 of them."""
    found = _one(_pair(_diffs((25, -2.9), (98, 10.0))))
    predicted = 98 / 123
    assert round(predicted, 4) != round(predicted, 3)
    assert found.target == Target("masked_share", 1.0, predicted, "lower", "share")
    assert found.evidence["predicted_share"] == round(predicted, 3)
    assert found.evidence["joint_active_s"] == 12.3
    assert found.evidence["bands"] == [
        {"band_hz": 2000.0, "masked_share": 1.0, "joint_active_s": 12.3}
    ]
    assert found.evidence["cut_sufficient"] is False and found.evidence["impact"] == 10.0
    assert "should bring that to about 80%. Even the deepest" in found.why


def test_a_fader_move_on_one_part_measures_the_pair_again() -> None:
    """The keys just over the line; then the keys' fader takes them 3 dB down (their
    measurement ahead of the fader the same object): the masking is measured again, and gone.
    A result is kept only when both parts move alike."""
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 0.0})
    keys = _part("Keys.wav", "keys", {VOCAL: -2.9})
    assert len(masking.suggest(_session([vocal, keys]))) == 1
    lower = _part("Keys.wav", "keys", {VOCAL: -5.9}).measurement
    moved = StemFeatures("Keys.wav", "keys", lower, FRAMES, Offset(keys.measurement, -3.0))
    assert masking.suggest(_session([vocal, moved])) == []


@pytest.mark.parametrize("count", [1, 2, 5, 6, 7, 12])
def test_the_median_is_numpys(count: int) -> None:
    """The median of distinct values, odd and even counts: the middle one, or the mean of the
    middle two, bit for bit as numpy gives it."""
    values = np.random.default_rng(count).normal(0.0, 5.0, count)
    assert masking_frames.median_of(values) == float(np.median(values))


def test_a_pair_that_meets_in_one_section_only_is_not_scoped() -> None:
    """The keys play only in B, masking the vocal there: the rest of the song has no joint
    frame at all, so the cut is a plain one (it does the same)."""
    found = _one(_pair(np.full(FRAMES, -2.9), sections=HALVES, playing=np.arange(FRAMES) >= 50))
    assert found.section is None and "dynamic" not in found.params
    assert found.evidence["section_shares"] == {"B": 1.0}
    assert found.evidence["masked_share"] == found.evidence["masked_share_song"] == 1.0
    assert found.evidence["joint_active_s"] == 5.0
