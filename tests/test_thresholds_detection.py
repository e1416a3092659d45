"""Thresholds of the section detection (no manifest sections), pinned from both sides.

Detection reads only the 100 ms energy series the meters keep (and the mix's band powers), so
the stems and the mix here are built series: a part entering at a frame, a part stepping in
level, a mix stepping in loudness or in brightness. The mix is set on its own (constant while
a part enters, unless the test wants a change), so the novelty at a frame is the number wanted.
The boundary tests are built on the numbers docs/rules/sections.md states, and the code's
constants are compared with the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis import sections
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ, NOMINAL_HZ
from mixreview.analysis.meters.loudness import integrated_from_energy, lufs_from_energy
from mixreview.analysis.sections import (
    Section,
    _name_sections,
    activity,
    boundaries,
    detect_sections,
    level_step,
    mix_change,
    novelty,
    part_weight,
)
from mixreview.analysis.suggest import features

DOC = " ".join((Path(__file__).resolve().parent.parent / "docs" / "rules" / "sections.md")
               .read_text().split())  # fmt: skip
DOCSTRING = " ".join((sections.__doc__ or "").split())
BANDS = len(BAND_CENTERS_HZ)
SECONDS = 20.0  # a 20 s song: 200 frames, something happens at frame 100 (10 s)
FRAMES = 200
AT = 100


class STATED:
    """The numbers docs/rules/sections.md states (the weight's span follows from its two ends;
    the band index of 2.5 kHz is the code's way of saying "above 2.5 kHz"). The code must hold
    them, and the boundary tests are built on them."""

    FRAME_S = 0.1
    ACTIVE_FLOOR_LUFS = -60.0
    ACTIVE_BELOW_MAX_LU = 35.0
    GAP_FILL_S = 2.0
    MIN_RUN_S = 1.0
    WINDOW_S = 2.0
    PART_POINTS = 6.0
    PART_FULL_WEIGHT_LU = -12.0
    PART_MIN_WEIGHT = 0.25
    PART_MIN_WEIGHT_AT_LU = -27.0
    LEVEL_STEP_PLAYING = 0.8
    LEVEL_STEP_FROM_DB = 3.0
    LEVEL_STEP_FULL_DB = 10.0
    FLOOR_DB = 50.0
    STEP_CLIP_DB = 20.0
    BRIGHT_FROM_HZ = 2500.0
    SHARE_FLOOR_DB = 40.0
    NOVELTY_MIN = 6.0
    MIN_SECTION_S = 4.0
    SNAP_TO_PART_S = 0.5
    QUIET_SECTION_LU = 6.0
    SAME_LOUDNESS_LU = 3.0


def _energy(lufs: float) -> float:
    """The K-weighted energy of a frame at ``lufs``."""
    return 10 ** ((lufs + 0.691) / 10)


def _exact(lufs: float, measure: Callable[[float], float], required: bool = True) -> float:
    """An energy that ``measure`` reads as exactly ``lufs`` (to the bit; the nearest one when
    none does and it is not ``required``)."""
    up = down = _energy(lufs)
    for _ in range(400):
        for candidate in (up, down):
            if measure(candidate) == lufs:
                return float(candidate)
        up, down = np.nextafter(up, np.inf), np.nextafter(down, 0.0)
    assert not required, f"no energy reads exactly {lufs} LUFS"
    return _energy(lufs)


def _measurement(energy: np.ndarray, bands: np.ndarray | None = None) -> Any:
    """A measurement of an energy series; band powers all zero unless given (mid under 1 kHz,
    side from it: the mix's power is the sum)."""
    power = np.zeros((len(energy), BANDS)) if bands is None else bands
    low = np.arange(BANDS) < NOMINAL_CENTERS_HZ.index("1k")
    return SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=np.asarray(energy, np.float64)),
        bands=SimpleNamespace(mid_power=power * low, side_power=power * ~low),
    )


def _session(files: Sequence[str], seconds: float = SECONDS, tempo: float | None = None,
             beats: int = 4) -> Any:  # fmt: skip
    manifest = SimpleNamespace(tempo_bpm=tempo, beats_per_bar=beats, sections=())
    return SimpleNamespace(duration_s=seconds, mix_stems=tuple(SimpleNamespace(file=f)
                           for f in files), manifest=manifest)  # fmt: skip


def _cuts(stems: Mapping[str, np.ndarray], mix: np.ndarray | None, **kwargs: Any) -> list[float]:
    """Where detection cuts a song of these stems' energies (and this mix's)."""
    found = detect_sections(
        _session(list(stems), **kwargs),
        {f: _measurement(e) for f, e in stems.items()},
        _measurement(mix) if mix is not None else None,
    )
    return [s.start_s for s in found[1:]]


def _enters(at: int = AT, level: float = 1.0, frames: int = FRAMES) -> np.ndarray:
    """A part at energy ``level`` from frame ``at`` to the end."""
    return np.where(np.arange(frames) >= at, level, 0.0)


def _step(db: float, at: int = AT, frames: int = FRAMES) -> np.ndarray:
    """Energy 1.0 up to frame ``at``, ``db`` higher from it."""
    return np.where(np.arange(frames) < at, 1.0, 10 ** (db / 10))


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    stated = {k: v for k, v in vars(STATED).items() if k.isupper()}
    code = {k: getattr(sections, k) for k in stated if hasattr(sections, k)}
    assert set(stated) - set(code) == {"PART_MIN_WEIGHT_AT_LU", "BRIGHT_FROM_HZ"}
    assert code == {k: stated[k] for k in code}
    n = STATED
    span = (n.PART_FULL_WEIGHT_LU - n.PART_MIN_WEIGHT_AT_LU) / (1 - n.PART_MIN_WEIGHT)
    assert sections.PART_WEIGHT_SPAN_LU == span
    assert NOMINAL_HZ[sections.BRIGHT_FROM_BAND] == n.BRIGHT_FROM_HZ
    # "the same test every suggestion rule uses"
    assert features.ACTIVE_FLOOR_LUFS == n.ACTIVE_FLOOR_LUFS
    assert features.ACTIVE_BELOW_MAX_LU == n.ACTIVE_BELOW_MAX_LU


def _num(value: float) -> str:
    return f"{value:g}"


def test_the_doc_states_the_detection_numbers() -> None:
    n = STATED
    sentences = [
        f"A stem plays in a {n.FRAME_S * 1000:.0f} ms frame when its K-weighted energy is above "
        f"{_num(n.ACTIVE_FLOOR_LUFS)} LUFS and within {_num(n.ACTIVE_BELOW_MAX_LU)} LU of its "
        "loudest frame",
        f"| fill pauses | shorter than {_num(n.GAP_FILL_S)} s |",
        f"| drop runs | shorter than {_num(n.MIN_RUN_S)} s |",
        f"For every frame t the {_num(n.WINDOW_S)} s before t are compared with the "
        f"{_num(n.WINDOW_S)} s after it",
        f"{_num(n.PART_POINTS)} points for each part whose share of playing frames changes",
        f"weight 1.0 at {_num(n.PART_FULL_WEIGHT_LU)} LU or louder, falling linearly to "
        f"{_num(n.PART_MIN_WEIGHT)} at {_num(n.PART_MIN_WEIGHT_AT_LU)} LU and below",
        f"(at least {n.LEVEL_STEP_PLAYING:.0%} of each)",
        f"nothing up to {_num(n.LEVEL_STEP_FROM_DB)} dB",
        f"rising linearly to a full entrance's worth at {_num(n.LEVEL_STEP_FULL_DB)} dB",
        f"windows floored {_num(n.FLOOR_DB)} dB under the loudest, steps clipped at "
        f"{_num(n.STEP_CLIP_DB)} dB",
        f"its share of energy above {_num(n.BRIGHT_FROM_HZ / 1000)} kHz, floored at "
        f"-{_num(n.SHARE_FLOOR_DB)} dB",
        f"| a peak counts | local maximum of novelty >= {_num(n.NOVELTY_MIN)} |",
        f"one full-weight part entering or leaving ({_num(n.PART_POINTS)} points) is enough; a "
        f"mix-only change needs {_num(n.NOVELTY_MIN)} dB",
        f"| minimum length | {_num(n.MIN_SECTION_S)} s between boundaries, and from the start "
        "and the end |",
        f"a part entrance/exit within {_num(n.SNAP_TO_PART_S)} s of the peak",
        "`round(t / bar) * bar`, `bar = 60 / tempo * beats_per_bar` s, bar 1 at 0 s",
        f"(mix loudness more than {_num(n.QUIET_SECTION_LU)} LU under the loudest section, or "
        "silent) or sparse (at most half as many parts playing as the busiest section)",
        "(more than half of the section) and mix loudness within "
        f"{_num(n.SAME_LOUDNESS_LU)} LU share a letter",
        "One section (no boundary found): `Song`.",
        "With three sections or more, a first or last section",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence


def test_the_module_states_the_same_numbers() -> None:
    n = STATED
    sentences = [
        f"above {_num(n.ACTIVE_FLOOR_LUFS)} LUFS and within {_num(n.ACTIVE_BELOW_MAX_LU)} LU of "
        "its loudest frame",
        f"Pauses shorter than {_num(n.GAP_FILL_S)} s are filled",
        f"runs shorter than {_num(n.MIN_RUN_S)} s dropped",
        f"the {_num(n.WINDOW_S)} s before t and the {_num(n.WINDOW_S)} s after it",
        f"{_num(n.PART_POINTS)} points per part entering or leaving",
        f"(1.0 from {_num(n.PART_FULL_WEIGHT_LU)} LU against the mix, down to "
        f"{_num(n.PART_MIN_WEIGHT)} at {_num(n.PART_MIN_WEIGHT_AT_LU)} LU and below)",
        f"nothing up to {_num(n.LEVEL_STEP_FROM_DB)} dB, fully from "
        f"{_num(n.LEVEL_STEP_FULL_DB)} dB",
        f"energy above {_num(n.BRIGHT_FROM_HZ / 1000)} kHz",
        f"local maxima of novelty of at least {_num(n.NOVELTY_MIN)}",
        f"at least {_num(n.MIN_SECTION_S)} s from each other",
        f"within {_num(n.SNAP_TO_PART_S)} s moves onto that frame",
        f"loudness within {_num(n.SAME_LOUDNESS_LU)} LU: same letter",
    ]
    for sentence in sentences:
        assert sentence in DOCSTRING, sentence


# ------------------------------------------------------------------------------ when a part plays


def _alone_after_a_gap(level: float, top: float) -> np.ndarray:
    """A part at ``top`` LUFS for 3 s, 3 s of silence, then 4 s at ``level`` LUFS."""
    energy = np.zeros(100)
    energy[:30] = _energy(top)
    energy[60:] = _energy(level)
    return energy


@pytest.mark.parametrize("offset, plays", [(-0.1, False), (0.1, True)])
def test_a_part_plays_above_the_floor(offset: float, plays: bool) -> None:
    """Loudest at -30 LUFS: 35 LU under it is -65, so the floor is what decides."""
    act = activity(_alone_after_a_gap(STATED.ACTIVE_FLOOR_LUFS + offset, -30.0))
    assert act[:30].all() and not act[30:60].any()
    assert act[60:].all() == plays and act[60:].any() == plays


def _frame_lufs(energy: float) -> float:
    return float(lufs_from_energy(np.full(40, energy))[0])


def test_a_part_exactly_at_the_floor_does_not_play() -> None:
    energy = _alone_after_a_gap(-30.0, -30.0)
    energy[60:] = _exact(STATED.ACTIVE_FLOOR_LUFS, _frame_lufs)
    assert not activity(energy)[60:].any()


def test_a_part_exactly_its_range_under_the_loudest_frame_does_not_play() -> None:
    energy = _alone_after_a_gap(-30.0, -30.0)
    energy[:30] = _exact(-10.0, _frame_lufs)
    energy[60:] = _exact(-10.0 - STATED.ACTIVE_BELOW_MAX_LU, _frame_lufs)
    assert activity(energy)[:30].all() and not activity(energy)[60:].any()


@pytest.mark.parametrize("offset, plays", [(-0.1, False), (0.1, True)])
def test_a_part_plays_within_its_range_of_the_loudest_frame(offset: float, plays: bool) -> None:
    """Loudest at -10 LUFS: the floor (-60) is far under 35 LU below it."""
    act = activity(_alone_after_a_gap(-10.0 - STATED.ACTIVE_BELOW_MAX_LU + offset, -10.0))
    assert act[60:].all() == plays and act[60:].any() == plays


@pytest.mark.parametrize("extra, filled", [(-1, True), (0, False)])
def test_pauses_shorter_than_the_gap_are_filled(extra: int, filled: bool) -> None:
    pause = round(STATED.GAP_FILL_S / STATED.FRAME_S) + extra
    energy = np.zeros(150)
    energy[10:40] = 1.0
    energy[40 + pause : 40 + pause + 30] = 1.0
    act = activity(energy)
    assert act[10:40].all() and act[40 + pause : 70 + pause].all()
    assert act[40 : 40 + pause].all() == filled and act[40 : 40 + pause].any() == filled


@pytest.mark.parametrize("extra, kept", [(-1, False), (0, True)])
def test_runs_shorter_than_the_minimum_are_dropped(extra: int, kept: bool) -> None:
    run = round(STATED.MIN_RUN_S / STATED.FRAME_S) + extra
    energy = np.zeros(120)
    energy[10:40] = 1.0  # the loudest: a 3 s run
    energy[80 : 80 + run] = 1.0  # 4 s later
    act = activity(energy)
    assert act[10:40].all() and act.sum() == 30 + (run if kept else 0)


def test_pauses_are_filled_before_short_runs_are_dropped() -> None:
    """Two 0.6 s runs 0.5 s apart: one 1.7 s run once filled, so it stays."""
    energy = np.zeros(100)
    energy[40:46] = energy[51:57] = 1.0
    assert activity(energy).sum() == 17


# ------------------------------------------------------------------------------------ novelty


def _novelty(stems: Mapping[str, np.ndarray], mix: np.ndarray | None) -> sections.Novelty:
    return novelty(
        _session(list(stems)),
        {f: _measurement(e) for f, e in stems.items()},
        _measurement(mix) if mix is not None else None,
        FRAMES,
    )


def test_an_entrance_counts_over_the_window_either_side() -> None:
    """A full-weight part entering at 10 s: its points at 10 s, falling linearly to nothing
    a window away either side."""
    width = round(STATED.WINDOW_S / STATED.FRAME_S)
    found = _novelty({"Part.wav": _enters()}, np.ones(FRAMES))
    distance = np.abs(np.arange(FRAMES) - AT)
    expected = STATED.PART_POINTS * np.clip(1 - distance / width, 0.0, 1.0)
    np.testing.assert_allclose(found.parts, expected, atol=1e-12)
    assert found.parts[AT] == STATED.PART_POINTS
    np.testing.assert_array_equal(found.curve, found.parts)  # the mix stays put


@pytest.mark.parametrize(
    "relative_lu, weight",
    [(-11.9, 1.0), (-12.0, 1.0), (-12.1, 0.995), (-19.5, 0.625), (-26.9, 0.255), (-27.1, 0.25),
     (-40.0, 0.25), (float("-inf"), 0.25), (float("nan"), 0.25)],
)  # fmt: skip
def test_a_part_counts_by_its_level_against_the_mix(relative_lu: float, weight: float) -> None:
    assert part_weight(relative_lu) == pytest.approx(weight, abs=1e-6)


@pytest.mark.parametrize("offset, cut", [(0.1, True), (-0.1, False)])
def test_a_full_weight_entrance_is_a_boundary_by_itself(offset: float, cut: bool) -> None:
    """A part entering at the full weight's level against the mix scores exactly the novelty a
    peak needs; just under that level it scores a little less and cuts nothing."""
    relative = STATED.PART_FULL_WEIGHT_LU + offset
    part = _enters(level=10 ** (relative / 10))
    found = _novelty({"Part.wav": part}, np.ones(FRAMES))
    assert found.curve.max() == pytest.approx(STATED.PART_POINTS * min(1.0, 1 + offset / 20))
    assert (found.curve.max() == STATED.NOVELTY_MIN) == cut
    assert _cuts({"Part.wav": part}, np.ones(FRAMES)) == ([AT * STATED.FRAME_S] if cut else [])


@pytest.mark.parametrize("relative_lu", [-20.0, STATED.PART_MIN_WEIGHT_AT_LU - 5])
def test_an_entrance_is_weighted_by_the_parts_level_while_it_plays(relative_lu: float) -> None:
    """The part's level against the mix is read over the frames where it plays."""
    part = _enters(level=10 ** (relative_lu / 10))
    found = _novelty({"Part.wav": part}, np.ones(FRAMES))
    assert found.parts.max() == pytest.approx(STATED.PART_POINTS * part_weight(relative_lu))


def test_without_a_mix_an_entrance_counts_the_least() -> None:
    found = _novelty({"Part.wav": _enters()}, None)
    assert found.parts.max() == STATED.PART_POINTS * STATED.PART_MIN_WEIGHT
    assert _cuts({"Part.wav": _enters()}, None) == []


def test_a_part_outside_the_mix_is_not_read() -> None:
    """An auxiliary stem (not in the mix), read before the bed, enters; the bed stays."""
    found = novelty(_session(["Bed.wav"]),
                    {"Aux.wav": _measurement(_enters()), "Bed.wav": _measurement(np.ones(FRAMES))},
                    _measurement(np.ones(FRAMES)), FRAMES)  # fmt: skip
    assert set(found.activity) == {"Bed.wav"} and not found.parts.any()


def test_parts_entering_together_add_up_and_silent_parts_are_passed_over() -> None:
    stems = {"A silent.wav": np.zeros(FRAMES), "Bass.wav": _enters(), "Keys.wav": _enters()}
    found = _novelty(stems, np.ones(FRAMES))
    assert set(found.activity) == {"Bass.wav", "Keys.wav"}
    assert found.parts.max() == 2 * STATED.PART_POINTS


# --------------------------------------------------------------------------------- level steps

WIDTH = round(STATED.WINDOW_S / STATED.FRAME_S)
BRIGHT = list(NOMINAL_HZ).index(STATED.BRIGHT_FROM_HZ)  # the 2.5 kHz band


def _share(energy: np.ndarray, act: np.ndarray | None = None, at: int = AT) -> float:
    act = np.ones(len(energy), bool) if act is None else act
    return float(level_step(energy, act, WIDTH)[at])


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize(
    "step, share",
    [(STATED.LEVEL_STEP_FROM_DB - 0.1, 0.0), (STATED.LEVEL_STEP_FROM_DB + 0.1, 0.1 / 7),
     (6.5, 0.5), (STATED.LEVEL_STEP_FULL_DB - 0.1, 6.9 / 7), (STATED.LEVEL_STEP_FULL_DB + 0.1, 1.0),
     (30.0, 1.0)],
)  # fmt: skip
def test_a_level_step_counts_from_its_start_to_its_full_size(
    sign: float, step: float, share: float
) -> None:
    assert _share(_step(sign * step)) == pytest.approx(share, abs=1e-6)


@pytest.mark.parametrize("holes, counts", [(0, True), (4, True), (5, False)])
def test_a_level_step_counts_where_the_part_plays_most_of_both_windows(
    holes: int, counts: bool
) -> None:
    """A 6.5 dB drop (half an entrance); the part pauses ``holes`` frames of the window before
    it, or after it (80%: 4 of 20). Its level is read over the frames where it plays."""
    assert round((1 - STATED.LEVEL_STEP_PLAYING) * WIDTH) == 4
    for before in (True, False):
        act = np.ones(FRAMES, bool)
        if before:
            act[AT - WIDTH : AT - WIDTH + holes] = False
        else:
            act[AT + WIDTH - holes : AT + WIDTH] = False
        assert _share(_step(-6.5), act) == pytest.approx(0.5 if counts else 0.0, abs=1e-9)


@pytest.mark.parametrize("low_db, step", [(-49.9, 6.9), (-50.1, 7.0)])
def test_a_level_step_reads_windows_floored_under_the_loudest(low_db: float, step: float) -> None:
    """Loud (at -30 dB), then 43 dB under that, then ``low_db`` under it: the last step is
    read to the floor only."""
    energy = np.full(300, 1e-3)
    energy[100:200] = 1e-3 * 10 ** (-43 / 10)
    energy[200:] = 1e-3 * 10 ** (low_db / 10)
    expected = (step - STATED.LEVEL_STEP_FROM_DB) / (STATED.LEVEL_STEP_FULL_DB
                                                     - STATED.LEVEL_STEP_FROM_DB)  # fmt: skip
    assert _share(energy, at=200) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("offset, cut", [(-0.1, False), (0.1, True)])
def test_a_part_stepping_by_the_full_size_is_a_boundary(offset: float, cut: bool) -> None:
    """No part enters, the mix stays put: a part dropping 10 dB cuts the song by itself."""
    part = _step(-(STATED.LEVEL_STEP_FULL_DB + offset))
    assert _cuts({"Part.wav": part}, np.ones(FRAMES)) == ([AT * STATED.FRAME_S] if cut else [])


# -------------------------------------------------------------------------------- the mix's change


def _bright(shares: tuple[float, float], band: int = BRIGHT) -> np.ndarray:
    """Band powers with a total of 1 per frame, ``shares`` (before, from frame 100) of it in
    ``band`` and the rest in the 100 Hz band."""
    power = np.zeros((FRAMES, BANDS))
    share = np.where(np.arange(FRAMES) < AT, *shares)
    power[:, band] = share
    power[:, 6] = 1 - share
    return power


def _change(energy: np.ndarray, bands: np.ndarray | None = None, at: int = AT) -> float:
    return float(mix_change(_measurement(energy, bands), len(energy), WIDTH)[at])


@pytest.mark.parametrize("step", [5.0, STATED.STEP_CLIP_DB - 0.1, STATED.STEP_CLIP_DB + 0.1, 30.0])
def test_the_mix_loudness_step_is_clipped(step: float) -> None:
    for sign in (1.0, -1.0):
        expected = min(step, STATED.STEP_CLIP_DB)
        assert _change(_step(sign * step)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("low_db, step", [(-49.9, 6.9), (-50.1, 7.0)])
def test_the_mix_windows_are_floored_under_the_loudest(low_db: float, step: float) -> None:
    energy = np.full(300, 1e-3)
    energy[100:200] = 1e-3 * 10 ** (-43 / 10)
    energy[200:] = 1e-3 * 10 ** (low_db / 10)
    assert _change(energy, at=200) == pytest.approx(step, abs=1e-6)


def test_a_silent_mix_does_not_change() -> None:
    assert not mix_change(_measurement(np.zeros(FRAMES)), FRAMES, WIDTH).any()


def test_the_songs_edges_read_its_first_and_last_frames_repeated() -> None:
    """A last frame 20 dB over the rest: the window after it is that frame alone. A first frame
    20 dB over the rest: the window before it too."""
    energy = np.ones(FRAMES)
    energy[-1] = 100.0
    assert _change(energy, at=FRAMES - 1) == pytest.approx(20.0, abs=1e-9)
    energy = np.ones(FRAMES)
    energy[0] = 100.0
    after = (100.0 + WIDTH - 1) / WIDTH
    assert _change(energy, at=0) == pytest.approx(10 * math.log10(100.0 / after), abs=1e-9)


@pytest.mark.parametrize("band, counts", [(BRIGHT - 1, False), (BRIGHT, True)])
def test_brightness_is_the_share_from_two_and_a_half_kilohertz(band: int, counts: bool) -> None:
    """A tenth of the energy moves from the 100 Hz band into ``band``: from the 2.5 kHz band,
    the share over 2.5 kHz doubles (3 dB); one band lower, nothing changes."""
    change = _change(np.ones(FRAMES), _bright((0.1, 0.2), band))
    assert change == pytest.approx(10 * math.log10(2) if counts else 0.0, abs=1e-6)


@pytest.mark.parametrize("before_db, step", [(-39.0, 9.0), (-41.0, 10.0)])
def test_the_bright_share_is_floored(before_db: float, step: float) -> None:
    """The share over 2.5 kHz goes from ``before_db`` to -30 dB: read from -40 dB at least."""
    shares = (10 ** (before_db / 10), 10 ** (-30 / 10))
    assert _change(np.ones(FRAMES), _bright(shares)) == pytest.approx(step, abs=1e-6)


@pytest.mark.parametrize("under_db, step", [(49.0, 10 * math.log10(2)),
                                             (51.0, 10 * math.log10(10**-0.1 / 0.5))])  # fmt: skip
def test_the_bright_share_reads_a_total_floored_under_the_loudest(
    under_db: float, step: float
) -> None:
    """Half the power over 2.5 kHz, then all of it, ``under_db`` quieter: more than 50 dB
    under, the share is read against the floor (the total, -50 dB, with all of it bright)."""
    power = np.zeros((FRAMES, BANDS))
    power[:AT, 6] = power[:AT, BRIGHT] = 0.005
    power[AT:, BRIGHT] = 0.01 * 10 ** (-under_db / 10)
    assert _change(np.ones(FRAMES), power) == pytest.approx(step, abs=1e-6)


def test_loudness_and_brightness_steps_combine_as_a_distance() -> None:
    """3 dB louder and 4 dB brighter: 5 dB of change."""
    change = _change(_step(3.0), _bright((0.1, 0.1 * 10**0.4)))
    assert change == pytest.approx(5.0, abs=1e-6)


@pytest.mark.parametrize("offset, cut", [(-0.1, False), (0.1, True)])
def test_a_mix_only_change_cuts_from_the_minimum_novelty(offset: float, cut: bool) -> None:
    """A steady part; the mix steps by 6 dB (loudness, or brightness): no part marks it."""
    db = STATED.NOVELTY_MIN + offset
    expected = [AT * STATED.FRAME_S] if cut else []
    assert _cuts({"Part.wav": np.ones(FRAMES)}, _step(db)) == expected
    brighter = _measurement(np.ones(FRAMES), _bright((0.01, 0.01 * 10 ** (db / 10))))
    stems = {"Part.wav": _measurement(np.ones(FRAMES))}
    bright = detect_sections(_session(["Part.wav"]), stems, brighter)
    assert [s.start_s for s in bright[1:]] == expected


# ---------------------------------------------------------------------------------- boundaries


def _spikes(*peaks: tuple[int, float], frames: int = FRAMES) -> np.ndarray:
    curve = np.zeros(frames)
    for frame, height in peaks:
        curve[frame] = height
    return curve


@pytest.mark.parametrize("height, cut", [(STATED.NOVELTY_MIN, True),
                                         (np.nextafter(STATED.NOVELTY_MIN, 0), False)])  # fmt: skip
def test_a_peak_counts_from_the_minimum_novelty(height: float, cut: bool) -> None:
    assert boundaries(_spikes((AT, height)), SECONDS) == ([10.0] if cut else [])


@pytest.mark.parametrize("frame, cut", [(40, True), (39, False), (160, True), (161, False)])
def test_a_boundary_keeps_the_minimum_length_from_the_ends(frame: int, cut: bool) -> None:
    assert round(STATED.MIN_SECTION_S / STATED.FRAME_S) == 40
    t = round(frame * STATED.FRAME_S, 6)
    assert boundaries(_spikes((frame, 10.0)), SECONDS) == ([t] if cut else [])


@pytest.mark.parametrize(
    "peaks, kept",
    [([(100, 8.0), (140, 7.0)], [10.0, 14.0]), ([(100, 8.0), (139, 7.0)], [10.0]),
     ([(100, 7.0), (139, 8.0)], [13.9]), ([(100, 7.0), (139, 7.0)], [10.0]),
     ([(100, 7.0), (139, 7.4)], [13.9]), ([(100, 7.0), (139, 7.0 + 1e-10)], [10.0]),
     ([(100, 7.0), (61, 8.0)], [6.1]), ([(100, 7.0), (60, 8.0)], [6.0, 10.0]),
     ([(30, 9.0), (100, 7.0)], [10.0]), ([(100, 9.0), (130, 8.0), (160, 7.0)], [10.0, 16.0])],
)  # fmt: skip
def test_boundaries_keep_the_minimum_length_strongest_first(
    peaks: list[tuple[int, float]], kept: list[float]
) -> None:
    """Heights the same to 1e-9 are a tie (the earlier first); a peak too near the start or
    another boundary is passed over, not the end of the search."""
    assert boundaries(_spikes(*peaks), SECONDS) == kept


def test_a_plateau_is_one_peak_at_its_start() -> None:
    """Novelty at 8 from 5 s to 15 s; a hill rising to 10 at 10 s and falling back."""
    plateau = np.zeros(FRAMES)
    plateau[50:151] = 8.0
    assert boundaries(plateau, SECONDS) == [5.0]
    hill = 10.0 * (1 - np.abs(np.arange(FRAMES) - AT) / AT)
    assert boundaries(hill, SECONDS) == [10.0]


@pytest.mark.parametrize("short, kept", [(1e-6, True), (2e-6, False)])
def test_the_minimum_length_allows_a_microsecond(short: float, kept: bool) -> None:
    """Bars a hair under 4 s: a boundary one bar from the start, one bar from the next, or
    one bar from the end is kept when the bar is 4 s to within 1e-6 s."""
    bar = STATED.MIN_SECTION_S - short
    first = round(bar, 6)
    assert boundaries(_spikes((40, 10.0)), SECONDS, bar_s=bar) == ([first] if kept else [])
    found = boundaries(_spikes((40, 10.0), (80, 9.0)), SECONDS, bar_s=bar)
    assert found == ([first, round(2 * bar, 6)] if kept else [round(2 * bar, 6)])
    end = round(4.0 + bar, 6)
    assert boundaries(_spikes((40, 10.0), frames=80), end) == ([4.0] if kept else [])


@pytest.mark.parametrize(
    "offset, height, moved",
    [(5, STATED.PART_POINTS * STATED.PART_MIN_WEIGHT, True), (-5, 1.5, True), (6, 1.5, False),
     (-6, 1.5, False), (5, np.nextafter(1.5, 0), False)],
)  # fmt: skip
def test_a_peak_moves_onto_a_part_edge_near_it(offset: int, height: float, moved: bool) -> None:
    """A mix peak at 10 s, a part edge ``offset`` frames off: onto it within 0.5 s, when it
    holds at least a least-weighted part's points."""
    assert round(STATED.SNAP_TO_PART_S / STATED.FRAME_S) == 5
    parts = _spikes((AT + offset, height))
    t = round((AT + offset) * STATED.FRAME_S, 6) if moved else 10.0
    assert boundaries(_spikes((AT, 10.0)), SECONDS, parts=parts) == [t]


def test_a_peak_moves_onto_the_strongest_part_edge_near_it() -> None:
    parts = _spikes((AT - 3, 2.0), (AT + 4, 3.0))
    assert boundaries(_spikes((AT, 10.0)), SECONDS, parts=parts) == [10.4]


@pytest.mark.parametrize(
    "tempo, beats, cut",
    [(None, 4, 10.3), (120.0, 4, 10.0), (120.0, 3, 10.5), (100.0, 4, 9.6), (90.0, 3, 10.0)],
)  # fmt: skip
def test_boundaries_land_on_the_bar_grid(tempo: float | None, beats: int, cut: float) -> None:
    """A part entering at 10.3 s; bar = 60 / tempo * beats_per_bar, bar 1 at 0 s."""
    found = _cuts({"Part.wav": _enters(103)}, np.ones(FRAMES), tempo=tempo, beats=beats)
    assert found == pytest.approx([cut], abs=1e-6)


def test_detection_moves_a_mix_peak_onto_a_part_edge() -> None:
    """The mix 8 dB louder from 10 s; a quiet part (its least weight) entering at 10.4 s."""
    stems = {"Shaker.wav": _enters(104, 1e-4), "Bed.wav": np.ones(FRAMES)}
    assert _cuts(stems, _step(8.0)) == [10.4]


def test_detection_without_parts_or_length_is_one_section() -> None:
    song = [Section("Song", 0.0, SECONDS, source="detected")]
    assert detect_sections(_session([]), {}, _measurement(_step(12.0))) == song
    short = _session(["Part.wav"], seconds=0.1)
    assert detect_sections(short, {"Part.wav": _measurement(np.ones(1))}, None) == [
        Section("Song", 0.0, 0.1, source="detected")
    ]


def test_detected_sections_cover_the_song() -> None:
    """A part entering at 10 s; the mix 6.1 dB louder from 10 s with a steady part."""
    entering = detect_sections(_session(["Part.wav"]), {"Part.wav": _measurement(_enters())},
                               _measurement(np.ones(FRAMES)))  # fmt: skip
    assert entering == [Section("A", 0.0, 10.0, "detected"), Section("B", 10.0, 20.0, "detected")]
    louder = detect_sections(_session(["Part.wav"]), {"Part.wav": _measurement(np.ones(FRAMES))},
                             _measurement(_step(6.1)))  # fmt: skip
    assert louder == [Section("A", 0.0, 10.0, "detected"), Section("B", 10.0, 20.0, "detected")]


def test_the_last_frame_belongs_to_the_last_section() -> None:
    """A part drops 10.1 dB at 10 s, the mix stays, but for its last 100 ms 32 dB louder: the
    second section is louder than the first, so it is another letter."""
    mix = np.ones(FRAMES)
    mix[-1] = 1600.0
    found = detect_sections(_session(["Part.wav"]), {"Part.wav": _measurement(_step(-10.1))},
                            _measurement(mix))  # fmt: skip
    assert [(s.name, s.start_s) for s in found] == [("A", 0.0), ("B", 10.0)]


def test_the_minimum_length_is_kept_after_snapping_to_bars() -> None:
    """A peak at 4.5 s is far enough from the start; on a 3.5 s bar it lands at 3.5 s: too
    near. At 5.5 s it lands at 7 s."""
    assert boundaries(_spikes((45, 10.0)), SECONDS) == [4.5]
    assert boundaries(_spikes((45, 10.0)), SECONDS, bar_s=3.5) == []
    assert boundaries(_spikes((55, 10.0)), SECONDS, bar_s=3.5) == [7.0]


# --------------------------------------------------------------------------------------- names


def _names(spans: Sequence[tuple[Sequence[str], float | None]],
           plays: Mapping[str, np.ndarray] | None = None) -> list[str]:  # fmt: skip
    """Names of sections of 10 s each: (the parts playing all of it, the mix's loudness in LUFS,
    to the bit where it can be, or None for silence). ``plays`` overrides a part's activity."""
    frames = 100 * len(spans)
    mix = np.zeros(frames)
    acts: dict[str, np.ndarray] = {}
    for i, (parts, lufs) in enumerate(spans):
        if lufs is not None:
            mix[100 * i : 100 * (i + 1)] = _exact(lufs, _section_lufs, required=False)
        for part in parts:
            acts.setdefault(part, np.zeros(frames, bool))[100 * i : 100 * (i + 1)] = True
    acts.update(plays or {})
    cuts = [(10.0 * i, 10.0 * (i + 1)) for i in range(len(spans))]
    return _name_sections(cuts, acts, _measurement(mix), frames)


def _section_lufs(energy: float) -> float:
    return integrated_from_energy(np.full(100, energy))


FULL = ("Drums.wav", "Bass.wav", "Keys.wav", "Vox.wav")


@pytest.mark.parametrize("offset, quiet", [(-0.1, False), (0.1, True)])
def test_a_quiet_first_or_last_section_is_intro_or_outro(offset: float, quiet: bool) -> None:
    under = -13.0 - STATED.QUIET_SECTION_LU - offset
    intro = _names([(FULL, under), (FULL, -13.0), (FULL, -16.0)])
    outro = _names([(FULL, -13.0), (FULL, -16.0), (FULL, under)])
    assert intro[0] == ("Intro" if quiet else "A")
    assert outro[-1] == ("Outro" if quiet else "B")


def test_a_silent_first_or_last_section_is_intro_or_outro() -> None:
    assert _names([((), None), (FULL, -13.0), ((), None)]) == ["Intro", "A", "Outro"]


@pytest.mark.parametrize("parts, sparse", [(2, True), (3, False)])
def test_a_sparse_first_or_last_section_is_intro_or_outro(parts: int, sparse: bool) -> None:
    """The busiest section has four parts: at most half of them is sparse."""
    intro = _names([(FULL[:parts], -13.0), (FULL, -13.0), (FULL, -13.0)])
    outro = _names([(FULL, -13.0), (FULL, -13.0), (FULL[:parts], -13.0)])
    assert intro == (["Intro", "A", "A2"] if sparse else ["A", "B", "B2"])
    assert outro == (["A", "A2", "Outro"] if sparse else ["A", "A2", "B"])


def test_intro_and_outro_need_three_sections() -> None:
    assert _names([(FULL[:1], -30.0), (FULL, -13.0)]) == ["A", "B"]
    assert _names([(FULL, -13.0), (FULL[:1], -30.0)]) == ["A", "B"]
    assert _names([(FULL, -13.0)]) == ["Song"]


@pytest.mark.parametrize("apart, same", [(STATED.SAME_LOUDNESS_LU, True),
                                         (STATED.SAME_LOUDNESS_LU + 0.01, False)])  # fmt: skip
def test_sections_share_a_letter_within_the_loudness(apart: float, same: bool) -> None:
    for sign in (1.0, -1.0):
        names = _names([(FULL, -16.0), (FULL, -16.0 - sign * apart)])
        assert names == (["A", "A2"] if same else ["A", "B"])


@pytest.mark.parametrize("frames, playing", [(50, False), (51, True)])
def test_a_part_plays_a_section_when_it_plays_more_than_half(frames: int, playing: bool) -> None:
    """The vocal plays all of the first section and ``frames`` of the second's 100."""
    vocal = np.zeros(200, bool)
    vocal[: 100 + frames] = True
    names = _names([(FULL, -13.0), (FULL, -13.0)], plays={"Vox.wav": vocal})
    assert names == (["A", "A2"] if playing else ["A", "B"])


def test_letters_repeat_in_order_of_appearance() -> None:
    few = FULL[:2]
    names = _names([(FULL, -13.0), (few, -13.0), (FULL, -14.0), (few, -15.0),
                    (FULL, -20.0), (FULL, -13.0)])  # fmt: skip
    assert names == ["A", "B", "A2", "B2", "C", "A3"]


def test_letters_run_out_after_the_twenty_sixth_arrangement() -> None:
    spans = [((f"P{i}.wav",), -13.0) for i in range(28)]
    names = _names(spans)
    assert names[:2] == ["A", "B"] and names[25] == "Z" and names[26:] == ["S27", "S28"]


def test_silent_sections_share_a_letter() -> None:
    assert _names([((), None), ((), None)]) == ["A", "A2"]
    assert _names([(FULL, -13.0), (FULL, None)]) == ["A", "B"]
    assert _names([(FULL, None), (FULL, -13.0)]) == ["A", "B"]


def test_without_a_mix_sections_are_named_by_their_parts() -> None:
    acts = {"Bass.wav": np.ones(300, bool), "Vox.wav": np.arange(300) >= 100}
    spans = [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)]
    assert _name_sections(spans[1:], acts, None, 300) == ["A", "A2"]
    assert _name_sections(spans, acts, None, 300) == ["Intro", "A", "Outro"]
