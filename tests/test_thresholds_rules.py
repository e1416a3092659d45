"""Role windows, firing levels and severity caps of the rules, pinned from both sides.

The rules run on features built directly from energy and band series (no audio, no meters), so
every edge costs a few milliseconds. Each threshold is read from the code's constant; the numbers
in docs/rules/*.md are compared with the same constants.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis import roles
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.suggest import balance, lowend
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.levels import ROLE_RANGES_LU, predicted_relative, relative_level
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
FRAMES = 100  # 10 s on the 100 ms grid
BANDS = len(BAND_CENTERS_HZ)


def _stem(
    file: str, role: str, energy: float | np.ndarray, bands: np.ndarray | None = None,
    true_peak_dbtp: float = -20.0,
) -> StemFeatures:  # fmt: skip
    """Features of a part with a steady K-weighted ``energy`` per frame and band powers."""
    series = np.broadcast_to(np.asarray(energy, np.float64), (FRAMES,)).copy()
    power = np.zeros(BANDS) if bands is None else bands
    measurement: Any = SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=series),
        bands=SimpleNamespace(
            mid_power=np.tile(power, (FRAMES, 1)), side_power=np.zeros((FRAMES, BANDS))
        ),
        true_peak=SimpleNamespace(
            true_peak_dbtp=true_peak_dbtp, peak_series_dbtp=np.full(FRAMES, true_peak_dbtp)
        ),
    )  # fmt: skip
    return StemFeatures(file, role, measurement, FRAMES)


def _features(stems: list[StemFeatures], mix_peak_dbtp: float = -20.0) -> Features:
    """A session of ``stems`` whose mix is their energies added (uncorrelated parts)."""
    mix_energy = sum(st.energy for st in stems)
    mix = _stem("(mix)", "mix", mix_energy, true_peak_dbtp=mix_peak_dbtp)
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    return Features(analysis, {st.file: st for st in stems}, mix, (), FRAMES)


def _at_relative(role: str, relative_lu: float) -> Features:
    """A part of ``role`` sitting ``relative_lu`` against a mix of it and a bed (no role)."""
    share = 10 ** (relative_lu / 10)
    return _features(
        [_stem("Part.wav", role, share / (1 - share)), _stem("Bed.wav", "unknown", 1.0)]
    )


def _gains(features: Features) -> list[Any]:
    return [s for s in balance.suggest(features) if s.kind == "gain"]


# ------------------------------------------------------------------------------ balance windows


def test_the_doc_states_the_role_windows() -> None:
    text = (DOCS / "balance.md").read_text()
    names = {"drums (full kit)": ("drums",), "guitar, keys": ("guitar", "keys")}
    found: dict[str, tuple[float, float]] = {}
    for name, low, high in re.findall(r"\| ([a-z_, ()]+?) \| (-?\d+) \.\. (-?\d+) ", text):
        for role in names.get(name, (name,)):
            found[role] = (float(low), float(high))
    assert found == ROLE_RANGES_LU
    assert f"more than {balance.BALANCE_MARGIN_LU} LU outside its window" in text
    assert f"High over {balance.BALANCE_HIGH_LU:g} LU" in text
    assert f"medium\nover {balance.BALANCE_MEDIUM_LU:g} LU" in text
    assert f"above {balance.HEADROOM_TARGET_DBTP + balance.HEADROOM_TOLERANCE_DB} dBTP" in text
    assert f"high above\n{balance.HEADROOM_HIGH_DBTP:g} dBTP" in text
    assert f"medium above {balance.HEADROOM_MEDIUM_DBTP:g} dBTP" in text


EDGES = [(role, side) for role in ROLE_RANGES_LU for side in (0, 1)]


@pytest.mark.parametrize(
    "role, side", EDGES, ids=[f"{r}-{'low' if s == 0 else 'high'}" for r, s in EDGES]
)
def test_role_window_edge(role: str, side: int) -> None:
    edge = ROLE_RANGES_LU[role][side]
    outward = -1.0 if side == 0 else 1.0
    inside = edge + outward * 0.9  # out of the window, but by less than the rule forgives
    assert _gains(_at_relative(role, inside)) == []
    outside = edge + outward * (balance.BALANCE_MARGIN_LU + 0.1)
    if outside >= -0.05:
        return  # over 0 LU: a part cannot be louder than a mix it is in
    found = _gains(_at_relative(role, outside))
    assert len(found) == 1 and (found[0].params["gain_db"] > 0) == (side == 0)


@pytest.mark.parametrize("threshold", ["BALANCE_MEDIUM_LU", "BALANCE_HIGH_LU"])
def test_balance_severity_from_how_far_out_of_place(threshold: str) -> None:
    limit = getattr(balance, threshold)
    low = ROLE_RANGES_LU["kick"][0]
    seen = set()
    for step in np.arange(-2.0, 2.0, 0.1):
        found = _gains(_at_relative("kick", low - limit + step))
        assert len(found) == 1
        impact = found[0].evidence["impact"]
        expected = "high" if impact > balance.BALANCE_HIGH_LU else (
            "medium" if impact > balance.BALANCE_MEDIUM_LU else "low")  # fmt: skip
        assert found[0].severity == expected
        if abs(impact - limit) < 0.6:
            seen.add(impact > limit)
    assert seen == {True, False}  # both sides of the threshold were met


# ------------------------------------------------------------------------------------- headroom


@pytest.mark.parametrize(
    "offset, severity",
    [(-0.1, None), (0.1, "low"), (None, "low"), (None, "medium"), (None, "high")],
)
def test_headroom_fires_over_the_target_and_grades(
    offset: float | None, severity: str | None
) -> None:
    edge = balance.HEADROOM_TARGET_DBTP + balance.HEADROOM_TOLERANCE_DB
    medium, high = balance.HEADROOM_MEDIUM_DBTP, balance.HEADROOM_HIGH_DBTP
    peaks = {"low": medium - 0.1, "medium": medium + 0.1, "high": high + 0.1}
    peak = edge + offset if offset is not None else peaks[str(severity)]
    if offset is None and severity == "medium":
        # just under the high level is still medium
        assert _headroom_severity(balance.HEADROOM_HIGH_DBTP - 0.1) == "medium"
    assert _headroom_severity(peak) == severity


def _headroom_severity(peak: float) -> str | None:
    features = _features([_stem("Keys.wav", "keys", 0.1), _stem("Bed.wav", "unknown", 1.0)], peak)
    found = [s for s in balance.suggest(features) if s.kind == "headroom"]
    trim = balance.headroom_trim(features)
    if trim is not None and abs(peak - balance.HEADROOM_TARGET_DBTP) > 1.0:
        assert trim.severity == (found[0].severity if found else trim.severity)
    return found[0].severity if found else None


def test_headroom_trim_fires_beyond_the_tolerance_either_way() -> None:
    for offset, fires in ((0.1, True), (-0.1, False)):
        for sign in (1, -1):
            peak = balance.HEADROOM_TARGET_DBTP + sign * (balance.HEADROOM_TOLERANCE_DB + offset)
            features = _features([_stem("Keys.wav", "keys", 1.0)], peak)
            assert (balance.headroom_trim(features) is not None) == fires


# --------------------------------------------------------------------- high-pass severity caps


def _part_with_rumble(
    role: str, share_db: float, sub: bool = False
) -> tuple[Features, StemFeatures]:
    """A part whose body is eight bands from four times its default cut-off up (kick and bass:
    50-250 Hz), with rumble in the 25 Hz band holding ``share_db`` of its power."""
    start = 0.0 if sub else lowend.HIGHPASS_ROLES[role][0] * 4
    first = 13 if sub else int(np.searchsorted(BAND_CENTERS_HZ, start))
    power = np.zeros(BANDS)
    power[first : first + 8] = 1.0
    share = 10 ** (share_db / 10)
    power[0] = 8.0 * share / (1 - share)
    stem = _stem("Part.wav", role, 1.0, power)
    return _features([stem]), stem


HP_ROLES = ["lead_vocal", "backing_vocal", "guitar", "snare", "hats"]


def test_the_doc_states_the_high_pass_table() -> None:
    text = (DOCS / "lowend.md").read_text()
    rows = dict(
        (role, (float(cut), float(low), cap))
        for names, cut, low, cap in re.findall(
            r"^\| ([a-z_, ]+) \| (\d+) Hz \| (\d+) Hz \| (\w+) \|", text, re.M
        )
        for role in names.split(", ")
    )
    assert rows == lowend.HIGHPASS_ROLES
    assert f"at least **{lowend.HIGHPASS_FIRE_DB:.0f} dB re total**" in text
    assert (
        f"Medium from {lowend.HIGHPASS_MEDIUM_DB:.0f} dB, "
        f"high from {lowend.HIGHPASS_HIGH_DB:.0f} dB" in text
    )
    assert f"at least **{lowend.SUB_FIRE_DB:.0f} dB re total**" in text
    assert (
        f"Medium from {lowend.SUB_MEDIUM_DB:.0f} dB,\nhigh from {lowend.SUB_HIGH_DB:.0f} dB" in text
    )
    assert (
        f"medium from **{lowend.DC_MEDIUM}**" in text and f"high from **{lowend.DC_HIGH}**" in text
    )


@pytest.mark.parametrize("role", HP_ROLES)
def test_rumble_is_held_under_the_roles_cap(role: str) -> None:
    features, stem = _part_with_rumble(role, lowend.HIGHPASS_HIGH_DB + 3.0)
    found = lowend._highpass(features, stem)
    assert found is not None and found.severity == lowend.HIGHPASS_ROLES[role][2]


@pytest.mark.parametrize(
    "share, severity",
    [("HIGHPASS_FIRE_DB", None), ("HIGHPASS_FIRE_DB", "low"), ("HIGHPASS_MEDIUM_DB", "low"),
     ("HIGHPASS_MEDIUM_DB", "medium")],
)  # fmt: skip
def test_rumble_fires_and_grades_at_its_levels(share: str, severity: str | None) -> None:
    below = severity is None or (share == "HIGHPASS_MEDIUM_DB" and severity == "low")
    level = getattr(lowend, share) + (-0.2 if below else 0.2)
    features, stem = _part_with_rumble("lead_vocal", level)
    found = lowend._highpass(features, stem)
    assert (found.severity if found else None) == severity


@pytest.mark.parametrize(
    "offset, level, severity",
    [(-0.2, "SUB_FIRE_DB", None), (0.2, "SUB_FIRE_DB", "low"), (-0.2, "SUB_MEDIUM_DB", "low"),
     (0.2, "SUB_MEDIUM_DB", "medium"), (3.0, "SUB_HIGH_DB", "medium")],
)  # fmt: skip
def test_sub_rumble_fires_grades_and_is_capped(
    offset: float, level: str, severity: str | None
) -> None:
    for role in lowend.SUB_ROLES:
        features, stem = _part_with_rumble(role, getattr(lowend, level) + offset, sub=True)
        found = lowend._highpass(features, stem)
        assert (found.severity if found else None) == severity, role


@pytest.mark.parametrize(
    "dc, severity",
    [(0.9, "low"), (1.1, "medium")],
)
def test_dc_severity_levels(dc: float, severity: str) -> None:
    assert lowend._dc_severity(lowend.DC_MEDIUM * dc) == severity
    assert lowend._dc_severity(-lowend.DC_MEDIUM * dc) == severity
    higher = {"low": "medium", "medium": "high"}[severity]
    assert lowend._dc_severity(lowend.DC_HIGH * dc) == higher


# ------------------------------------------------------------------- whole balance suggestions


def _balance_suggestion(
    features: Features, file: str, gain_db: float, severity: str, why: str,
    evidence: dict[str, Any],
) -> Suggestion:  # fmt: skip
    """The balance suggestion for ``file`` as the rule states it: ``why`` and ``evidence``
    written out by the test, the target read from the stem's level now and alone after the
    gain (the mix's other parts unchanged)."""
    stem, mix = features.stems[file], features.mix
    assert mix is not None
    before = relative_level(stem, mix, stem.active)
    alone = predicted_relative(stem, mix, stem.active, gain_db)
    return Suggestion(
        kind="gain",
        stems=(file,),
        params={"gain_db": gain_db},
        severity=severity,  # type: ignore[arg-type]
        category="technical" if severity == "high" else "creative",
        why=why,
        evidence=evidence,
        target=Target(
            "relative_level_lu", before, alone, "higher" if gain_db > 0 else "lower", "LU"
        ),
        rule="balance",
    )


def _evidence(
    rel: float, window: tuple[float, float], distance: float, impact: float,
    after: tuple[str, ...] = (), lifted: tuple[str, ...] = (),
) -> dict[str, Any]:  # fmt: skip
    return {
        "relative_lu": rel, "relative_lu_now": rel, "role_window_lu": list(window),
        "distance_lu": distance, "active_s": FRAMES / 10, "solved_after": list(after),
        "brings_back": list(lifted), "impact": impact,
    }  # fmt: skip


def test_a_buried_part_is_raised_into_the_narrowed_window() -> None:
    # a kick 5 LU under its window: +6.0 dB brings it to -10.3 LU, 0.3 LU short of the window
    # narrowed by 1 LU (-10), and +6.5 dB (inside it) costs 0.3 LU² per dB more than it saves
    features = _at_relative("kick", -16.0)
    expected = _balance_suggestion(
        features, "Part.wav", 6.0, "medium",
        "Part.wav sits -16.0 LU against the mix while it plays; a kick usually sits between "
        "-11 and -3 LU, so it is 5.0 LU below that window. Solved for all stems together, "
        "+6.0 dB brings it to about -10.3 LU.",
        _evidence(-16.0, (-11.0, -3.0), 5.0, 6.0),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]
    (move,) = balance.solve_balance(features)
    assert move.predicted_lu == pytest.approx(-10.31, abs=0.01)
    assert move.window == (-11.0, -3.0) and move.after == () and move.lifted == ()
    assert move.relative_lu == move.original_lu == pytest.approx(-16.0)


def test_a_loud_part_is_cut_and_named_above_its_window() -> None:
    features = _at_relative("kick", -1.0)
    expected = _balance_suggestion(
        features, "Part.wav", -7.0, "medium",
        "Part.wav sits -1.0 LU against the mix while it plays; a kick usually sits between "
        "-11 and -3 LU, so it is 2.0 LU above that window. Solved for all stems together, "
        "-7.0 dB brings it to about -3.6 LU.",
        _evidence(-1.0, (-11.0, -3.0), 2.0, 7.0),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]


def test_the_culprit_is_cut_instead_of_raising_the_rest() -> None:
    # a bass 20 dB over the other parts buries them all: one cut of the bass brings them back
    stems = [
        _stem("Bass.wav", "bass", 100.0), _stem("Kick.wav", "kick", 1.0),
        _stem("Snare.wav", "snare", 1.0), _stem("Vox.wav", "lead_vocal", 2.0),
    ]  # fmt: skip
    features = _features(stems)
    rest = ("Kick.wav", "Snare.wav", "Vox.wav")
    expected = _balance_suggestion(
        features, "Bass.wav", -15.5, "high",  # 2.8 LU out of its window, but a 15.5 dB move
        "Bass.wav sits -0.2 LU against the mix while it plays; a bass usually sits between "
        "-11 and -3 LU, so it is 2.8 LU above that window. Solved for all stems together, "
        "-15.5 dB brings it to about -3.8 LU. It dominates the mix: with it this loud, "
        "Kick.wav, Snare.wav, Vox.wav sit outside their windows, and this change brings them "
        "back without a change of their own.",
        _evidence(-0.17, (-11.0, -3.0), 2.83, 15.5, lifted=rest),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]


def test_a_quiet_part_raised_brings_the_others_back() -> None:
    # a vocal 4.3 LU under its window leaves the kick 1.7 LU over its own: raising the vocal
    # brings the kick within the margin, so the kick needs no move of its own
    stems = [
        _stem("Vox.wav", "lead_vocal", 0.1), _stem("Kick.wav", "kick", 1.0),
        _stem("Bed.wav", "unknown", 0.25),
    ]  # fmt: skip
    features = _features(stems)
    expected = _balance_suggestion(
        features, "Vox.wav", 10.5, "high",
        "Vox.wav sits -11.3 LU against the mix while it plays; a lead vocal usually sits "
        "between -7 and -1 LU, so it is 4.3 LU below that window. Solved for all stems "
        "together, +10.5 dB brings it to about -3.3 LU. With it this quiet the mix leans on "
        "the others, so Kick.wav sits outside its window; this change brings it back "
        "without a change of its own.",
        _evidence(-11.3, (-7.0, -1.0), 4.3, 10.5, lifted=("Kick.wav",)),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]


def test_two_moves_are_solved_in_order_and_the_second_names_the_first() -> None:
    stems = [
        _stem("Kick.wav", "kick", 0.02), _stem("Snare.wav", "snare", 0.015),
        _stem("Bed.wav", "unknown", 1.0),
    ]  # fmt: skip
    features = _features(stems)
    snare = _balance_suggestion(
        features, "Snare.wav", 7.0, "medium",
        "Snare.wav sits -18.4 LU against the mix while it plays; a snare usually sits between "
        "-12 and -3 LU, so it is 6.4 LU below that window. Solved for all stems together, "
        "+7.0 dB brings it to about -12.0 LU.",
        _evidence(-18.39, (-12.0, -3.0), 6.39, 7.0),
    )  # fmt: skip
    kick = _balance_suggestion(
        features, "Kick.wav", 7.5, "medium",
        "Kick.wav sits -17.1 LU against the mix while it plays; a kick usually sits between "
        "-11 and -3 LU, so it is 6.1 LU below that window. Solved for all stems together, "
        "+7.5 dB brings it to about -10.2 LU with the other balance changes suggested here.",
        _evidence(-17.14, (-11.0, -3.0), 6.14, 7.5, after=("Snare.wav",)),
    )  # fmt: skip
    assert balance.suggest(features) == [snare, kick]


def test_supporting_parts_over_the_lead_count_against_the_balance() -> None:
    # a vocal 0.5 LU under its window and a guitar 0.2 LU under the top of its own: alone
    # neither asks for a move, but the guitar sits 4.3 LU over the vocal (2.3 LU over
    # LEAD_OVER_LU), so the vocal is raised
    vox, gtr = 10**-0.75, 10**-0.32
    bed = _stem("Bed.wav", "unknown", 1 - vox - gtr)
    features = _features(
        [_stem("Vox.wav", "lead_vocal", vox), _stem("Gtr.wav", "guitar", gtr), bed]
    )
    expected = _balance_suggestion(
        features, "Vox.wav", 2.5, "low",
        "Vox.wav sits -7.5 LU against the mix while it plays; a lead vocal usually sits "
        "between -7 and -1 LU, so it is 0.5 LU below that window. Solved for all stems "
        "together, +2.5 dB brings it to about -5.6 LU.",
        _evidence(-7.5, (-7.0, -1.0), 0.5, 2.5),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]
    # the same levels with a part the rule does not hold under the lead: no move
    kick = _features([_stem("Vox.wav", "lead_vocal", vox), _stem("Gtr.wav", "kick", gtr), bed])
    assert balance.solve_balance(kick) == []


@pytest.mark.parametrize("frames, judged", [(balance.MIN_ACTIVE_FRAMES, True),
                                            (balance.MIN_ACTIVE_FRAMES - 1, False)])  # fmt: skip
def test_a_part_is_judged_from_the_minimum_frames(frames: int, judged: bool) -> None:
    energy = np.zeros(FRAMES)
    energy[:frames] = 0.01
    features = _features([_stem("Kick.wav", "kick", energy), _stem("Bed.wav", "unknown", 1.0)])
    assert int(features.stems["Kick.wav"].active.sum()) == frames
    found = _gains(features)
    assert [(s.stems, s.evidence["active_s"]) for s in found] == (
        [(("Kick.wav",), frames / 10)] if judged else []
    )


# ------------------------------------------------------------------- whole headroom suggestions


def _headroom_suggestion(
    features: Features, now: float, after: float, gain_db: float, severity: str, why: str
) -> Suggestion:
    return Suggestion(
        kind="headroom",
        stems=tuple(sorted(features.stems)),
        params={"gain_db": gain_db},
        severity=severity,  # type: ignore[arg-type]
        category="technical",
        why=why,
        evidence={
            "mix_true_peak_dbtp": round(now, 2),
            "after_balance_dbtp": round(after, 2),
            "target_dbtp": balance.HEADROOM_TARGET_DBTP,
            "impact": round(after - balance.HEADROOM_TARGET_DBTP, 2),
        },
        target=Target("mix_true_peak_dbtp", now, now + gain_db, "lower", "dBTP"),
        rule="headroom",
    )


def _headrooms(features: Features) -> list[Suggestion]:
    return [s for s in balance.suggest(features) if s.kind == "headroom"]


def test_headroom_over_zero_notes_the_clip() -> None:
    features = _features([_stem("Keys.wav", "keys", 0.1), _stem("Bed.wav", "unknown", 1.0)], 0.4)
    assert _headrooms(features) == [
        _headroom_suggestion(
            features, 0.4, 0.4, -6.4, "high",
            "The mix peaks at +0.4 dBTP, 6.4 dB hotter than the -6 dBTP a mastering engineer "
            "expects. It would clip a fixed-point export. -6.4 dB on every stem keeps the "
            "balance and leaves the headroom.",
        )
    ]  # fmt: skip


def test_headroom_is_set_for_the_peak_after_the_balance_moves() -> None:
    # the kick plays in the second half only: +6.5 dB on it lifts that half's peaks by the
    # change of its energy there, which then holds the mix's loudest peak
    energy = np.zeros(FRAMES)
    energy[50:] = 0.025
    features = _features(
        [_stem("Kick.wav", "kick", energy), _stem("Bed.wav", "unknown", 1.0)], -2.0
    )
    assert features.mix is not None
    peaks = features.mix.measurement.true_peak.peak_series_dbtp
    peaks[:50], peaks[50:] = -2.6, -2.8
    (move,) = balance.solve_balance(features)
    assert move.gain_db == 6.5
    after = -2.8 + 10 * np.log10(1 + (10**0.65 - 1) * 0.025 / 1.025)
    assert after == pytest.approx(-2.448, abs=0.001)
    assert _headrooms(features) == [
        _headroom_suggestion(
            features, -2.0, after, -3.6, "medium",
            "The mix peaks at -2.0 dBTP, 4.0 dB hotter than the -6 dBTP a mastering engineer "
            "expects. With the balance changes suggested here it would peak at -2.4 dBTP, so "
            "the headroom is set for that. -3.6 dB on every stem keeps the balance and leaves "
            "the headroom.",
        )
    ]  # fmt: skip
    # frames of peaks beyond the energy series count as they are
    features.mix.measurement.true_peak.peak_series_dbtp = np.append(peaks, -1.0)
    (headroom,) = _headrooms(features)
    assert headroom.evidence["after_balance_dbtp"] == -1.0 and headroom.params["gain_db"] == -5.0


def test_headroom_without_a_balance_move_reads_the_measured_peak() -> None:
    # medium from the measured peak, not the series (held under the target here)
    features = _features([_stem("Keys.wav", "keys", 0.1), _stem("Bed.wav", "unknown", 1.0)], -2.5)
    assert features.mix is not None
    features.mix.measurement.true_peak.peak_series_dbtp[:] = -20.0
    assert _headrooms(features) == [
        _headroom_suggestion(
            features, -2.5, -2.5, -3.5, "medium",
            "The mix peaks at -2.5 dBTP, 3.5 dB hotter than the -6 dBTP a mastering engineer "
            "expects. -3.5 dB on every stem keeps the balance and leaves the headroom.",
        )
    ]  # fmt: skip
    features.mix.measurement.true_peak.true_peak_dbtp = float("nan")
    assert _headrooms(features) == []
    assert (
        balance._headroom(Features(features.analysis, features.stems, None, (), FRAMES), []) is None
    )


@pytest.mark.parametrize(
    "peak, gain_db, severity, round_no",
    [(0.4, -6.4, "high", 3), (-2.5, -3.5, "medium", 1), (-9.0, 3.0, "low", 1)],
)
def test_headroom_trim_whole(peak: float, gain_db: float, severity: str, round_no: int) -> None:
    features = _features([_stem("Keys.wav", "keys", 0.1), _stem("Bed.wav", "unknown", 1.0)], peak)
    assert balance.headroom_trim(features, round_no) == Suggestion(
        kind="headroom",
        stems=("Bed.wav", "Keys.wav"),
        params={"gain_db": gain_db},
        severity=severity,  # type: ignore[arg-type]
        category="technical",
        why=f"With the decisions so far the mix peaks at {peak:+.1f} dBTP: the headroom change "
        f"was set before some of them. {gain_db:+.1f} dB on every stem brings it back to -6 "
        "dBTP, keeping the balance.",
        evidence={
            "mix_true_peak_dbtp": peak,
            "target_dbtp": -6.0,
            "impact": abs(peak + 6.0),
        },
        target=Target("mix_true_peak_dbtp", peak, peak + gain_db, "closer:-6.0", "dBTP"),
        rule=f"headroom_trim:{round_no}",
    )


def test_headroom_trim_needs_a_mix_and_a_finite_peak() -> None:
    features = _features([_stem("Keys.wav", "keys", 1.0)], float("inf"))
    assert balance.headroom_trim(features) is None
    assert (
        balance.headroom_trim(Features(features.analysis, features.stems, None, (), FRAMES)) is None
    )


def test_the_targets_read_the_level_and_the_peak_again() -> None:
    features = _at_relative("kick", -16.0)
    (gain,) = _gains(features)
    assert balance.TARGETS["balance"](gain, features) == pytest.approx(-16.0)
    trim = balance.headroom_trim(_features([_stem("Keys.wav", "keys", 1.0)], -1.0))
    assert trim is not None
    hot = _features([_stem("Keys.wav", "keys", 1.0)], -1.5)
    for rule in ("headroom", "headroom_trim:1", "headroom_trim:99"):
        assert balance.TARGETS[rule](trim, hot) == -1.5
    assert "headroom_trim:100" not in balance.TARGETS


def test_a_part_inside_its_window_is_moved_for_the_lead_and_said_without_a_distance() -> None:
    # both inside their windows, the guitar 3.8 LU over the vocal: the guitar is cut, and the
    # why names no distance from its window
    vox, gtr = 10**-0.69, 10**-0.31
    bed = _stem("Bed.wav", "unknown", 1 - vox - gtr)
    features = _features(
        [_stem("Vox.wav", "lead_vocal", vox), _stem("Gtr.wav", "guitar", gtr), bed]
    )
    expected = _balance_suggestion(
        features, "Gtr.wav", -1.5, "low",
        "Gtr.wav sits -3.1 LU against the mix while it plays; a guitar usually sits between "
        "-17 and -3 LU. Solved for all stems together, -1.5 dB brings it to about -3.9 LU.",
        _evidence(-3.1, (-17.0, -3.0), 0.0, 1.5),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]


def test_a_quiet_part_raised_brings_back_two_others() -> None:
    stems = [
        _stem("Vox.wav", "lead_vocal", 0.06), _stem("Kick.wav", "kick", 0.74),
        _stem("Hats.wav", "hats", 0.2),
    ]  # fmt: skip
    features = _features(stems)
    lifted = ("Kick.wav", "Hats.wav")
    expected = _balance_suggestion(
        features, "Vox.wav", 12.0, "high",
        "Vox.wav sits -12.2 LU against the mix while it plays; a lead vocal usually sits "
        "between -7 and -1 LU, so it is 5.2 LU below that window. Solved for all stems "
        "together, +12.0 dB brings it to about -3.0 LU. With it this quiet the mix leans on "
        "the others, so Kick.wav, Hats.wav sit outside their windows; this change brings them "
        "back without a change of their own.",
        _evidence(-12.22, (-7.0, -1.0), 5.22, 12.0, lifted=lifted),
    )  # fmt: skip
    assert balance.suggest(features) == [expected]


def test_a_step_that_helps_by_less_than_the_step_gain_is_not_taken() -> None:
    # the snare sits 0.5 LU under its narrowed window: raising it would help a little (less
    # than BALANCE_STEP_GAIN), so only the kick, 5 LU under its window, is moved
    kick, snare = 10**-1.6, 10**-1.15
    stems = [
        _stem("Kick.wav", "kick", kick), _stem("Snare.wav", "snare", snare),
        _stem("Bed.wav", "unknown", 1 - kick - snare),
    ]  # fmt: skip
    moves = balance.solve_balance(_features(stems))
    assert [(m.file, m.gain_db) for m in moves] == [("Kick.wav", 6.0)]


@pytest.mark.parametrize("vox, gains", [(0.01, [18.0]), (0.003, [23.0])])
def test_the_solve_takes_the_grid_to_its_limit_and_steps_again(
    vox: float, gains: list[float]
) -> None:
    # the grid reaches MAX_GAIN_DB; a part further down gets a second step on top of the first
    stems = [
        _stem("Vox.wav", "lead_vocal", vox), _stem("Kick.wav", "kick", 1.0),
        _stem("Bass.wav", "bass", 1.0),
    ]  # fmt: skip
    assert [m.gain_db for m in balance.solve_balance(_features(stems))] == gains


def test_the_solve_does_not_depend_on_the_scale_of_the_energies() -> None:
    def found(scale: float) -> list[Suggestion]:
        stems = [
            _stem("Kick.wav", "kick", 0.02 * scale), _stem("Snare.wav", "snare", 0.015 * scale),
            _stem("Bed.wav", "unknown", 1.0 * scale),
        ]  # fmt: skip
        return balance.suggest(_features(stems, -2.0))

    loud, quiet = found(1.0), found(1e-4)
    assert [s.params for s in loud] == [{"gain_db": 7.0}, {"gain_db": 7.5}, {"gain_db": -4.6}]
    assert [s.kind for s in loud] == ["gain", "gain", "headroom"]
    for a, b in zip(loud, quiet, strict=True):
        assert (a.params, a.severity, a.why, a.evidence) == (
            b.params,
            b.severity,
            b.why,
            b.evidence,
        )
        assert a.target.predicted == pytest.approx(b.target.predicted, abs=1e-9)


def test_a_part_the_mix_does_not_hold_is_left_out_of_the_solve() -> None:
    # the mix carries only the first half; a kick playing in the second half has no mix under
    # it and is not solved for, while the buried snare and hats still are
    first = np.zeros(FRAMES)
    first[:50] = 1.0
    snare, bed = _stem("Snare.wav", "snare", 0.015 * first), _stem("Bed.wav", "unknown", first)
    kick = _stem("Kick.wav", "kick", 1.0 - first)
    hats = _stem("Hats.wav", "hats", 0.0005 * first)
    mix = _stem("(mix)", "mix", snare.energy + bed.energy + hats.energy)
    features = Features(
        SimpleNamespace(session=SimpleNamespace(sample_rate=SR)),  # type: ignore[arg-type]
        {st.file: st for st in (kick, snare, hats, bed)}, mix, (), FRAMES,
    )  # fmt: skip
    moves = balance.solve_balance(features)
    alone = balance.solve_balance(_features([snare, hats, bed]))  # as if the kick were not there
    assert [(m.file, m.gain_db, m.after) for m in moves] == [
        (m.file, m.gain_db, m.after) for m in alone
    ]
    assert [m.file for m in moves] == ["Hats.wav", "Snare.wav"]
    assert [m.predicted_lu for m in moves] == pytest.approx([m.predicted_lu for m in alone])


def test_the_peak_after_skips_frames_where_the_mix_is_silent() -> None:
    # nothing plays in the first ten frames: their peaks are kept as they are (a silent mix
    # gives no energy change to follow)
    energy, bed = np.zeros(FRAMES), np.ones(FRAMES)
    energy[50:], bed[:10] = 0.025, 0.0
    features = _features(
        [_stem("Kick.wav", "kick", energy), _stem("Bed.wav", "unknown", bed)], -2.0
    )
    assert features.mix is not None
    peaks = features.mix.measurement.true_peak.peak_series_dbtp
    peaks[:10], peaks[10:50], peaks[50:] = -2.5, -2.6, -2.8
    (move,) = balance.solve_balance(features)
    after = -2.8 + 10 * np.log10(1 + (10 ** (move.gain_db / 10) - 1) * 0.025 / 1.025)
    (headroom,) = _headrooms(features)
    assert headroom.evidence["after_balance_dbtp"] == round(after, 2)


def test_the_headroom_names_the_peak_after_from_a_change_of_a_tenth() -> None:
    # the loudest peaks lie where the kick is silent: after its move the mix peaks at the
    # series' top, named when that is 0.1 dB under the measured peak, not when it is the same
    energy = np.zeros(FRAMES)
    energy[50:] = 0.025
    for now, top, named in ((0.1, 0.0, True), (0.0, 0.0, False), (-2.0, -2.0, False)):
        stems = [_stem("Kick.wav", "kick", energy), _stem("Bed.wav", "unknown", 1.0)]
        features = _features(stems, now)
        assert features.mix is not None
        features.mix.measurement.true_peak.peak_series_dbtp[:50] = top
        features.mix.measurement.true_peak.peak_series_dbtp[50:] = top - 5.0
        (headroom,) = _headrooms(features)
        assert ("With the balance changes suggested here" in headroom.why) == named
        assert headroom.evidence["after_balance_dbtp"] == top


@pytest.mark.parametrize(
    "peak, severity", [(-5.5, None), (-3.0, "low"), (0.0, "medium"), (-2.3456, "medium")]
)
def test_headroom_on_its_lines(peak: float, severity: str | None) -> None:
    # exactly at a level is still under it; evidence to 0.01 dB, the gain to 0.1 dB
    features = _features([_stem("Keys.wav", "keys", 0.1), _stem("Bed.wav", "unknown", 1.0)], peak)
    found = _headrooms(features)
    assert [s.severity for s in found] == ([] if severity is None else [severity])
    if found:
        assert "clip" not in found[0].why
        assert found[0].evidence["mix_true_peak_dbtp"] == round(peak, 2)
        assert found[0].params["gain_db"] == round(-6.0 - peak, 1)


@pytest.mark.parametrize(
    "peak, severity", [(-5.5, None), (-6.5, None), (-3.0, "low"), (0.0, "medium")]
)
def test_headroom_trim_on_its_lines(peak: float, severity: str | None) -> None:
    trim = balance.headroom_trim(_features([_stem("Keys.wav", "keys", 1.0)], peak))
    assert (trim.severity if trim else None) == severity


def test_headroom_trim_rounds_and_counts_from_one() -> None:
    trim = balance.headroom_trim(_features([_stem("Keys.wav", "keys", 1.0)], -2.3456))
    assert trim is not None and trim.rule == "headroom_trim:1"
    assert trim.params == {"gain_db": -3.7}
    assert trim.evidence == {"mix_true_peak_dbtp": -2.35, "target_dbtp": -6.0, "impact": 3.65}


def test_active_time_is_stated_to_a_tenth_of_a_second() -> None:
    energy = np.zeros(FRAMES)
    energy[:35] = 0.01
    features = _features([_stem("Kick.wav", "kick", energy), _stem("Bed.wav", "unknown", 1.0)])
    assert [s.evidence["active_s"] for s in _gains(features)] == [3.5]


# ------------------------------------------------------------------------------ roles by name


@pytest.mark.parametrize(
    "name, words",
    [("LeadVox", "lead vox"), ("KICK_In", "kick in"), ("Vox2", "vox 2"), ("2vox", "2 vox"),
     ("Gtr  L", "gtr l"), ("Snare.Top-(Mic)#2", "snare top mic 2"), ("  Pad  ", "pad")],
)  # fmt: skip
def test_names_are_read_as_lower_case_words(name: str, words: str) -> None:
    assert roles._words(name) == words


@pytest.mark.parametrize(
    "name, role",
    [("Kick In", "kick"), ("Bass Drum", "kick"), ("BD", "kick"), ("SnareTop", "snare"),
     ("Clap", "snare"), ("OH L", "hats"), ("HiHat", "hats"), ("BV_Harmony", "backing_vocal"),
     ("Backing Vox", "backing_vocal"), ("LeadVox", "lead_vocal"), ("Vox2", "lead_vocal"),
     ("Synth Bass", "bass"), ("Bass_DI", "bass"), ("808", "bass"), ("Drums", "drums"),
     ("Perc Loop", "drums"), ("Gtr L", "guitar"), ("Piano", "keys"), ("Strings", "pad"),
     ("Lead_Synth", "synth"), ("Arp", "synth"), ("FX_Riser", "fx"), ("Room", "unknown"),
     ("Kickstart", "unknown")],
)  # fmt: skip
def test_roles_are_inferred_from_the_first_matching_word(name: str, role: str) -> None:
    assert roles.infer_role(name) == role


@pytest.mark.parametrize(
    "name, default",
    [("Track_1", True), ("Audio 03", True), ("Untitled", True), ("12", True), ("Bounce 2", True),
     ("Audio 1-2", True), ("NewTrack7", True), ("Kick", False), ("808", False),
     ("Room", False), ("Track Room", False)],
)  # fmt: skip
def test_default_daw_names_are_told_apart(name: str, default: bool) -> None:
    assert roles.is_default_name(name) is default


def test_only_the_first_move_names_the_parts_it_brings_back() -> None:
    # the bass cut brings three parts back; the pad, far under its window, still needs its own
    # raise after it, smaller than its distance (the cut made the mix quieter): the impact is
    # the distance, to 0.01 LU
    stems = [
        _stem("Bass.wav", "bass", 100.0), _stem("Kick.wav", "kick", 1.0),
        _stem("Snare.wav", "snare", 1.0), _stem("Vox.wav", "lead_vocal", 2.0),
        _stem("Pad.wav", "pad", 0.01),
    ]  # fmt: skip
    moves = balance.solve_balance(_features(stems))
    assert [(m.file, m.gain_db, m.after, m.lifted) for m in moves] == [
        ("Bass.wav", -18.0, (), ("Kick.wav", "Snare.wav", "Vox.wav")),
        ("Pad.wav", 6.5, ("Bass.wav",), ()),
    ]
    pad = _gains(_features(stems))[1]
    assert (pad.severity, pad.evidence["distance_lu"], pad.evidence["impact"]) == (
        "high",
        18.17,
        18.17,
    )
    assert pad.evidence["brings_back"] == [] and "dominates" not in pad.why
