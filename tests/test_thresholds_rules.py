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

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.suggest import balance, lowend
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.levels import ROLE_RANGES_LU
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
        loudness=SimpleNamespace(energy_100ms=series),
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
