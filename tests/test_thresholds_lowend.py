"""Thresholds of the low-end rules (rumble and sub-rumble high-pass, DC offset, mono bass).

The rules run on features built directly from per-frame band powers (no audio, no meters): a part
whose mid and side spectra are set band by band, so its share under a cut-off, its low side/mid
and its lowest useful band are the numbers wanted. Where a comparison can meet its threshold
exactly, the inputs are searched float by float for one that lands on it and the nearest ones
either side, so a ``<`` turned into ``<=`` fails a test as well as a number moved. The numbers are
the ones docs/rules/lowend.md states, and the code's constants are compared with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis.checks import DC_OFFSET_MAX
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ, band_edges_hz
from mixreview.analysis.suggest import lowend
from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    Offset,
    StemFeatures,
    band_index,
)
from mixreview.analysis.suggest.model import Suggestion, Target
from mixreview.analysis.suggest.spectrum import active_power, band_power_gain, fmt_hz, power_db
from tests.conftest import SR

RAW_DOC = (Path(__file__).resolve().parent.parent / "docs" / "rules" / "lowend.md").read_text()
DOC = " ".join(RAW_DOC.split())  # the doc's prose with its line breaks undone
FRAMES = 2  # two frames play: the mean of two equal band powers is exactly either one
BANDS = len(BAND_CENTERS_HZ)
BASES = (1.0, 2.0, 3.0, 5.0, 7.0, 0.5, 0.25, 1.5, 1.25, 0.75, 0.1, 6.0)


def _band(nominal: str) -> int:
    return NOMINAL_CENTERS_HZ.index(nominal)


class STATED:
    """The numbers docs/rules/lowend.md states for the low-end rules (MIN_CUTOFF_HZ and
    HP_BANDS_BELOW_USEFUL are the code's own); the code's constants must equal them."""

    SUB_ROLES = ("kick", "bass")
    SUB_CUTOFF_HZ = 30.0
    USEFUL_WITHIN_DB = 24.0
    HP_BANDS_BELOW_USEFUL: ClassVar[dict[int, int]] = {2: 2, 4: 1}
    HIGHPASS_FIRE_DB = -25.0
    HIGHPASS_MEDIUM_DB = -18.0
    HIGHPASS_HIGH_DB = -10.0
    SUB_FIRE_DB = -20.0
    SUB_MEDIUM_DB = -12.0
    SUB_HIGH_DB = -6.0
    HIGHPASS_DROP_DB = 6.0
    OCTAVE_ABOVE_MAX_DB = 1.0
    MIN_CUTOFF_HZ = 20.0
    DC_CUTOFFS_HZ = (20.0, 15.0, 10.0)
    DC_ORDER = 2
    DC_CONTENT_MAX_DB = 0.5
    DC_MEDIUM = 0.01
    DC_HIGH = 0.1
    MONO_LOW_HZ = 120.0
    MONO_FIRE_DB = -10.0
    MONO_MEDIUM_DB = -6.0
    MONO_HIGH_DB = -3.0
    MONO_MIN_SHARE_DB = -20.0
    MONO_CROSSOVERS_HZ = (100.0, 120.0, 150.0)
    MONO_DROP_DB = 10.0
    BASS_ROLES = ("kick", "bass")
    # not constants in the code
    ORDER_ROOM_DB = 1.0  # an order is kept when it takes HIGHPASS_DROP_DB + 1 dB off
    MONO_ROOM_DB = 2.0  # a crossover is kept when it takes MONO_DROP_DB + 2 dB off
    MONO_WIDE_SHARE_DB = -10.0  # high for any stem whose low bands hold a tenth of its power


NOT_CONSTANTS = ("ORDER_ROOM_DB", "MONO_ROOM_DB", "MONO_WIDE_SHARE_DB")


def _rows(values: np.ndarray | None, plays: np.ndarray) -> np.ndarray:
    if values is None:
        return np.zeros((len(plays), BANDS))
    out = np.array(np.broadcast_to(np.asarray(values, np.float64), (len(plays), BANDS)))
    out[~plays] = 0.0
    return out


def _part(
    mid: np.ndarray | None,
    role: str = "guitar",
    side: np.ndarray | None = None,
    file: str = "Part.wav",
    dc: float = 0.0,
    channels: int = 2,
    playing: np.ndarray | None = None,
    frames: int = FRAMES,
) -> StemFeatures:
    """A part whose mid (and side) band powers are ``mid`` (``side``) in every frame where it
    plays (every frame, or where ``playing`` says), with a DC offset of ``dc``."""
    plays = np.ones(frames, bool) if playing is None else np.asarray(playing, bool)
    measurement: Any = SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=plays.astype(np.float64)),
        bands=SimpleNamespace(mid_power=_rows(mid, plays), side_power=_rows(side, plays)),
        levels=SimpleNamespace(dc_offset=dc),
        channels=channels,
    )
    return StemFeatures(file, role, measurement, frames)


def _features(*stems: StemFeatures, mix: StemFeatures | None = None) -> Features:
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    return Features(analysis, {s.file: s for s in stems}, mix, (), stems[0].frames)


def _exact(
    value: Callable[[float], float], start: float, target: float, steps: int = 64
) -> tuple[float, float, float] | None:
    """Inputs near ``start`` whose ``value`` is just under ``target``, exactly on it and just
    over it (the nearest floats to the first input found on it); None when none lands on it.
    ``value`` is monotonic around ``start``: a bisection within 10% of it comes close first."""
    low, high = start * 0.9, start * 1.1
    rising = value(high) > value(low)
    for _ in range(80):
        middle = (low + high) / 2
        if (value(middle) < target) == rising:
            low = middle
        else:
            high = middle
    xs = [float(low)]
    for _ in range(steps):
        xs.insert(0, float(np.nextafter(xs[0], -np.inf)))
        xs.append(float(np.nextafter(xs[-1], np.inf)))
    ys = [value(x) for x in xs]
    on = [i for i, y in enumerate(ys) if y == target]
    under = [i for i, y in enumerate(ys) if y < target]
    over = [i for i, y in enumerate(ys) if y > target]
    if not on or not under or not over:
        return None
    i = on[0]
    return (
        xs[min(under, key=lambda j: abs(j - i))],
        xs[i],
        xs[min(over, key=lambda j: abs(j - i))],
    )


def _first_exact(
    families: list[tuple[Callable[[float], float], float]], target: float
) -> tuple[int, tuple[float, float, float]]:
    for k, (value, start) in enumerate(families):
        found = _exact(value, start, target)
        if found is not None:
            return k, found
    raise AssertionError(f"no input lands on {target!r} exactly")


def _gain(cutoff_hz: float, order: int) -> np.ndarray:
    return band_power_gain([{"type": "highpass", "freq_hz": cutoff_hz, "order": order}], SR)


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    stated = {k: v for k, v in vars(STATED).items() if k.isupper() and k not in NOT_CONSTANTS}
    assert {k: getattr(lowend, k) for k in stated} == stated


def test_the_doc_states_the_low_end_numbers() -> None:
    n = STATED
    sentences = [
        f"within **{n.USEFUL_WITHIN_DB:g} dB** of the stem's loudest band (`USEFUL_WITHIN_DB`",
        "two third-octave bands under the lowest useful band (for 12 dB/octave; one band for "
        "24 dB/octave)",
        f"at least **{n.HIGHPASS_FIRE_DB:g} dB re total**",
        f"Medium from {n.HIGHPASS_MEDIUM_DB:g} dB, high from {n.HIGHPASS_HIGH_DB:g} dB",
        "2 (12 dB/octave) when that is predicted to take at least "
        f"{n.HIGHPASS_DROP_DB + n.ORDER_ROOM_DB:g} dB off the energy under the cut-off, else 4",
        f"it falls by at least **{n.HIGHPASS_DROP_DB:g} dB** (`HIGHPASS_DROP_DB`)",
        f"changes by less than **{n.OCTAVE_ABOVE_MAX_DB:g} dB** (`OCTAVE_ABOVE_MAX_DB`",
        "**louder than the 31.5 Hz band**",
        f"holds at least **{n.SUB_FIRE_DB:g} dB re total**. Medium from {n.SUB_MEDIUM_DB:g} dB, "
        f"high from {n.SUB_HIGH_DB:g} dB. Cut-off **{n.SUB_CUTOFF_HZ:g} Hz**, order 4",
        f"order 6 if 4 is predicted to take less than {n.HIGHPASS_DROP_DB + n.ORDER_ROOM_DB:g} "
        "dB off",
        f"above **{DC_OFFSET_MAX:g}**, -60 dBFS",
        "the highest of **{:g}, {:g} and {:g} Hz** (`DC_CUTOFFS_HZ`)".format(*n.DC_CUTOFFS_HZ),
        f"lose **{n.DC_CONTENT_MAX_DB:g} dB** or more (`DC_CONTENT_MAX_DB`)",
        f"medium from **{n.DC_MEDIUM:g}** (-40 dBFS), high from **{n.DC_HIGH:g}** (-20 dBFS",
        "its severity is the worse of the two",
        f"centres up to **{n.MONO_LOW_HZ:g} Hz**",
        f"hold at least **{n.MONO_MIN_SHARE_DB:g} dB re total**",
        f"speaks above **{n.MONO_FIRE_DB:g} dB** (r below about 0.82), medium above "
        f"{n.MONO_MEDIUM_DB:g} dB (r about 0.6), high above {n.MONO_HIGH_DB:g} dB (r about 0.33) "
        "for a kick or bass or a stem whose low bands hold a tenth of its power",
        f"when it is also above {n.MONO_FIRE_DB:g} dB",
        "the lowest of {:g}, {:g} and {:g} Hz predicted to take at least ".format(
            *n.MONO_CROSSOVERS_HZ
        )
        + f"{n.MONO_DROP_DB + n.MONO_ROOM_DB:g} dB off the low side energy",
        f"down at least **{n.MONO_DROP_DB:g} dB** (`MONO_DROP_DB`)",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence


# ------------------------------------------------------------------------ useful band, region


def test_the_lowest_useful_band_is_within_useful_db_of_the_loudest_exactly() -> None:
    """A band exactly USEFUL_WITHIN_DB under the loudest is useful; a hair under is not, and a
    loud band under the lowest fundamental searched is not the part's lowest note."""
    spectrum = np.full(BANDS, -200.0)
    spectrum[_band("1k")] = 0.0
    lowest = _band("80")
    spectrum[0] = 10.0  # rumble louder than the part, under the search: sets the top only
    top = 10.0
    for level, found in (
        (top - STATED.USEFUL_WITHIN_DB, lowest),
        (float(np.nextafter(top - STATED.USEFUL_WITHIN_DB, -np.inf)), _band("1k")),
    ):
        spectrum[lowest] = level
        assert lowend._lowest_useful_band(spectrum, 60.0) == found
    spectrum[0] = -200.0
    spectrum[lowest] = -23.5
    assert lowend._lowest_useful_band(spectrum, 60.0) == lowest
    spectrum[lowest] = -24.5
    assert lowend._lowest_useful_band(spectrum, 60.0) == _band("1k")
    spectrum[lowest] = 5.0
    assert lowend._lowest_useful_band(spectrum, 80.0) == lowest  # at the lowest searched
    assert lowend._lowest_useful_band(spectrum, 81.0) == _band("1k")
    assert type(lowend._lowest_useful_band(spectrum, 60.0)) is int


def test_the_region_holds_the_bands_wholly_under_the_cutoff() -> None:
    """A band counts when its top edge is at the cut-off (within 0.1%): not when it is over."""
    tops = band_edges_hz()[:, 1]
    exact = 0
    for band in range(12):
        edge = float(tops[band])
        assert list(lowend.region_below(edge / 1.0005)) == list(range(band + 1))
        assert list(lowend.region_below(edge / 1.0015)) == list(range(band))
        found = _exact(lambda cutoff: cutoff * 1.001, edge / 1.001, edge)
        if found is not None:
            under, on, over = found
            assert list(lowend.region_below(under)) == list(range(band))
            assert list(lowend.region_below(on)) == list(range(band + 1))
            assert list(lowend.region_below(over)) == list(range(band + 1))
            exact += 1
    assert exact


# -------------------------------------------------------------------------------- rumble


def _body(role: str, rumble: float, band: int = 0, first: int | None = None) -> np.ndarray:
    """Eight bands at 1 from four times the role's default cut-off up (or from ``first``), and
    ``rumble`` in ``band``."""
    start = (
        first
        if first is not None
        else int(np.searchsorted(BAND_CENTERS_HZ, lowend.HIGHPASS_ROLES[role][0] * 4))
    )
    power = np.zeros(BANDS)
    power[start : start + 8] = 1.0
    power[band] += rumble
    return power


def _highpass(power: np.ndarray, role: str = "guitar", **kw: Any) -> Suggestion | None:
    stem = _part(power, role, **kw)
    return lowend._highpass(_features(stem), stem)


def _share_of(role: str, band: int = 0) -> Callable[[float], float]:
    def value(rumble: float) -> float:
        power = active_power(_part(_body(role, rumble, band), role))
        region = lowend.region_below(lowend.HIGHPASS_ROLES[role][0])
        return power_db(float(power[region].sum())) - power_db(float(power.sum()))

    return value


def _share_edge(role: str, share_db: float) -> tuple[float, float, float]:
    share = 10 ** (share_db / 10)
    start = 8.0 * share / (1 - share)
    _, found = _first_exact([(_share_of(role), start * f) for f in BASES], share_db)
    return found


def test_rumble_speaks_from_the_fire_share_exactly() -> None:
    under, on, over = _share_edge("guitar", STATED.HIGHPASS_FIRE_DB)
    assert _highpass(_body("guitar", under)) is None
    for rumble in (on, over):
        found = _highpass(_body("guitar", rumble))
        assert found is not None and found.severity == "low"


def test_rumble_is_medium_from_the_medium_share_exactly() -> None:
    """Every role's cap is medium or low, so the high level never shows past the cap."""
    under, on, over = _share_edge("guitar", STATED.HIGHPASS_MEDIUM_DB)
    for rumble, expected in ((under, "low"), (on, "medium"), (over, "medium")):
        found = _highpass(_body("guitar", rumble))
        assert found is not None and found.severity == expected
        assert found.evidence["below_cutoff_re_total_db"] == round(_share_of("guitar")(rumble), 2)


def test_caps_keep_the_lower_severity() -> None:
    pairs = [("low", "medium", "low"), ("medium", "medium", "medium"), ("high", "medium",
             "medium"), ("high", "low", "low"), ("medium", "high", "medium"),
             ("high", "high", "high")]  # fmt: skip
    for severity, cap, expected in pairs:
        assert lowend._cap(severity, cap) == expected  # type: ignore[arg-type]
        assert lowend._worse(severity, cap) == max(  # type: ignore[arg-type]
            severity, cap, key=lowend.SEVERITIES.index
        )


def test_the_whole_rumble_suggestion() -> None:
    """A guitar with rumble at 25 Hz a tenth of its body's power: an 80 Hz 12 dB/octave cut."""
    power = _body("guitar", 0.8)
    stem = _part(power)
    found = lowend._highpass(_features(stem), stem)
    assert found is not None
    cutoff, useful = 80.0, int(np.searchsorted(BAND_CENTERS_HZ, 320.0))
    region = [b for b in range(BANDS) if band_edges_hz()[b, 1] <= cutoff]
    gain = _gain(cutoff, 2)
    share = power_db(0.8) - power_db(8.8)
    before = power_db(0.8)
    predicted = power_db(0.8 * float(gain[0]))
    octave = band_index(2 * cutoff)
    change = power_db(float(gain[octave]))
    why = (
        f"Part.wav carries {share:+.1f} dB of its power under 80 Hz (most of it around 25 Hz), "
        "where a guitar has nothing to say (its lowest band within 24 dB of its loudest is "
        f"{fmt_hz(CENTERS_HZ[useful])}); the rule speaks from -25 dB. An 80 Hz high-pass "
        f"(12 dB/octave) takes {before - predicted:.1f} dB off that energy and moves the "
        f"{fmt_hz(CENTERS_HZ[octave])} band, an octave up, by {change:+.2f} dB."
    )
    expected = Suggestion(
        kind="highpass",
        stems=("Part.wav",),
        params={"freq_hz": cutoff, "order": 2},
        severity="medium",
        category="technical",
        why=why,
        evidence={
            "below_cutoff_re_total_db": round(share, 2),
            "threshold_db": STATED.HIGHPASS_FIRE_DB,
            "region_bands_hz": [round(float(CENTERS_HZ[b]), 1) for b in region],
            "below_cutoff_db": round(before, 2),
            "lowest_useful_hz": round(float(CENTERS_HZ[useful]), 1),
            "octave_above_hz": round(float(CENTERS_HZ[octave]), 1),
            "octave_above_change_db": round(change, 3),
            "promised_drop_db": STATED.HIGHPASS_DROP_DB,
            "impact": round(share - STATED.HIGHPASS_FIRE_DB, 2),
        },
        target=Target("below_cutoff_db", before, predicted, "lower", "dB"),
        rule="rumble",
    )
    assert found == expected
    assert found.target.before == pytest.approx(before, abs=1e-9)
    assert lowend.TARGETS["rumble"](found, _features(stem)) == pytest.approx(before, abs=1e-9)
    assert octave == _band("160") and region == list(range(5))


def test_the_rumble_reason_without_a_useful_band() -> None:
    """A part whose loudest band is under its lowest fundamental has no lowest useful band: the
    role's default cut-off, and the reason said without one."""
    power = np.zeros(BANDS)
    power[0] = 1.0
    power[_band("1k")] = 10**-2.5  # 25 dB under the rumble: not useful
    found = _highpass(power, "lead_vocal")
    assert found is not None
    assert found.evidence["lowest_useful_hz"] is None
    assert found.params == {"freq_hz": 80.0, "order": 2}
    assert "where a lead vocal has nothing to say; the rule speaks from -25 dB." in found.why
    assert "An 80 Hz high-pass (12 dB/octave)" in found.why


@pytest.mark.parametrize("nominal", ["100", "125", "160", "200"])
def test_the_cutoff_sits_two_bands_under_the_lowest_useful_band(nominal: str) -> None:
    """Order 2: two bands under the lowest useful band's centre, floored to 1 Hz, when that is
    under the role's default."""
    useful = _band(nominal)
    for role in ("guitar", "backing_vocal"):
        default_hz = lowend.HIGHPASS_ROLES[role][0]
        bands_under = STATED.HP_BANDS_BELOW_USEFUL[2]
        cutoff = float(np.floor(min(default_hz, CENTERS_HZ[useful] / 2 ** (bands_under / 3))))
        found = _highpass(_body(role, 2.0, first=useful), role)
        assert found is not None
        assert found.params == {"freq_hz": cutoff, "order": 2}, role
        assert found.evidence["lowest_useful_hz"] == round(float(CENTERS_HZ[useful]), 1)
        assert found.evidence["region_bands_hz"] == [
            round(float(CENTERS_HZ[b]), 1) for b in lowend.region_below(cutoff)
        ]


def test_an_order_four_cutoff_sits_one_band_under_the_lowest_useful_band() -> None:
    """A guitar whose lowest useful band is 100 Hz with rumble at 50 Hz: two bands under is
    62 Hz, where order 2 takes under 7 dB off the 50 Hz band; one band under is 78 Hz."""
    power = _body("guitar", 0.0, first=_band("100"))
    power[_band("50")] = 2.0
    two = float(np.floor(CENTERS_HZ[_band("100")] / 2 ** (2 / 3)))
    assert -power_db(float(_gain(two, 2)[_band("50")])) < 7.0
    found = _highpass(power, "guitar")
    one = float(np.floor(CENTERS_HZ[_band("100")] / 2 ** (1 / 3)))
    assert found is not None and found.params == {"freq_hz": one, "order": 4}


def test_order_two_when_it_takes_the_room_off() -> None:
    """A snare whose rumble sits in the band right under 70 Hz: order 2 takes under 7 dB off
    (order 4 then); rumble lower down: order 2."""
    region = lowend.region_below(70.0)
    close = int(region[-1])
    assert -power_db(float(_gain(70.0, 2)[close])) < 7.0
    found = _highpass(_body("snare", 2.0, close), "snare")
    assert found is not None and found.params == {"freq_hz": 70.0, "order": 4}
    assert "(24 dB/octave)" in found.why
    assert f"(most of it around {fmt_hz(CENTERS_HZ[close])})" in found.why
    found = _highpass(_body("snare", 2.0, 1), "snare")
    assert found is not None and found.params == {"freq_hz": 70.0, "order": 2}


def test_no_rumble_rule_for_other_roles_or_silent_parts() -> None:
    for role in ("drums", "unknown", "mix"):
        assert _highpass(_body("guitar", 8.0), role) is None, role
    silent = np.zeros(FRAMES, bool)
    assert _highpass(_body("guitar", 8.0), playing=silent) is None
    assert _highpass(_body("guitar", 8.0), "kick", playing=silent) is None
    assert _highpass(np.zeros(BANDS), "guitar") is None


def test_the_cutoff_is_not_below_min_cutoff() -> None:
    """Keys whose lowest useful band is 31.5 Hz: two bands under it is under 20 Hz; one band
    under (order 4) leaves no band wholly under the cut-off."""
    power = np.zeros(BANDS)
    power[1] = 1.0
    power[_band("1k")] = 1.0
    power[0] = 1.0
    assert _highpass(power, "keys") is None
    assert lowend._plan_highpass(_part(power, "keys"), 40.0, 25.0, (2, 4), SR) is None


# -------------------------------------------------------------------------------- sub rumble


def _kick(bottom: float, next_up: float = 1.0) -> np.ndarray:
    power = np.zeros(BANDS)
    power[1] = next_up
    power[_band("50") : _band("50") + 8] = 1.0
    power[0] = bottom
    return power


def test_sub_rumble_needs_the_bottom_band_louder_than_the_next() -> None:
    """Equal 25 and 31.5 Hz bands are not rising toward the bottom; a hair louder is."""
    for role in STATED.SUB_ROLES:
        assert _highpass(_kick(4.0, 4.0), role) is None
        found = _highpass(_kick(float(np.nextafter(4.0, np.inf)), 4.0), role)
        assert found is not None and found.rule == "sub_rumble"


def _sub_share_of(bottom: float) -> float:
    power = active_power(_part(_kick(bottom, 0.01), "kick"))
    return power_db(float(power[0])) - power_db(float(power.sum()))


@pytest.mark.parametrize("level, severity", [("SUB_FIRE_DB", "low"), ("SUB_MEDIUM_DB", "medium")])
def test_sub_rumble_speaks_and_grades_from_its_levels_exactly(level: str, severity: str) -> None:
    share = 10 ** (getattr(STATED, level) / 10)
    start = 8.01 * share / (1 - share)
    _, (under, on, over) = _first_exact(
        [(_sub_share_of, start * f) for f in BASES],
        getattr(STATED, level),
    )
    lower = {"low": None, "medium": "low"}[severity]
    for bottom, expected in ((under, lower), (on, severity), (over, severity)):
        found = _highpass(_kick(bottom, 0.01), "bass")
        assert (found.severity if found else None) == expected


def test_sub_rumble_high_share_is_capped_medium() -> None:
    share = 10 ** ((STATED.SUB_HIGH_DB + 1.0) / 10)
    found = _highpass(_kick(8.5 * share / (1 - share), 0.5), "kick")
    assert found is not None and found.severity == "medium"
    assert found.evidence["below_cutoff_re_total_db"] > STATED.SUB_HIGH_DB


def test_the_whole_sub_rumble_suggestion() -> None:
    """A kick with its 25 Hz band 9 dB over the 31.5 Hz band: a 30 Hz cut, order 4 when it takes
    7 dB off the 25 Hz band, else 6."""
    power = _kick(4.0, 0.5)
    stem = _part(power, "kick")
    found = lowend._highpass(_features(stem), stem)
    assert found is not None
    orders = [o for o in (4, 6) if -power_db(float(_gain(30.0, o)[0])) >= 7.0]
    order = orders[0] if orders else 6
    gain = _gain(30.0, order)
    total = float(power.sum())
    share = power_db(4.0) - power_db(total)
    before, predicted = power_db(4.0), power_db(4.0 * float(gain[0]))
    octave = band_index(60.0)
    change = power_db(float(gain[octave]))
    why = (
        f"Part.wav carries {share:+.1f} dB of its power under 30 Hz (most of it around 25 Hz), "
        "under the lowest note a kick plays, rising toward the bottom band (25 Hz is "
        f"{power_db(4.0) - power_db(0.5):.1f} dB over {fmt_hz(CENTERS_HZ[1])}): rumble, not "
        "music; the rule "
        f"speaks from -20 dB. A 30 Hz high-pass ({6 * order} dB/octave) takes "
        f"{before - predicted:.1f} dB off that energy and moves the {fmt_hz(CENTERS_HZ[octave])} "
        f"band, an octave up, by {change:+.2f} dB."
    )
    assert found.why == why
    assert found.params == {"freq_hz": STATED.SUB_CUTOFF_HZ, "order": order}
    assert (found.rule, found.kind, found.category) == ("sub_rumble", "highpass", "technical")
    assert found.evidence["lowest_useful_hz"] is None
    assert found.evidence["region_bands_hz"] == [round(float(CENTERS_HZ[0]), 1)]
    assert found.evidence["threshold_db"] == STATED.SUB_FIRE_DB
    assert found.evidence["impact"] == round(share - STATED.SUB_FIRE_DB, 2)
    assert found.target == Target("below_cutoff_db", before, predicted, "lower", "dB")
    assert lowend.TARGETS["sub_rumble"](found, _features(stem)) == pytest.approx(before)


# ------------------------------------------------------------------------------------ DC offset


def _keys(dc: float, lowest: int = _band("63")) -> StemFeatures:
    power = np.zeros(BANDS)
    power[lowest : lowest + 10] = 1.0
    return _part(power, "keys", dc=dc)


def _dc(stem: StemFeatures) -> Suggestion | None:
    return lowend._dc_highpass(_features(stem), stem)


def test_dc_over_the_check_limit_speaks_and_at_it_does_not() -> None:
    for dc in (DC_OFFSET_MAX, -DC_OFFSET_MAX, 0.0):
        assert _dc(_keys(dc)) is None
    for dc in (float(np.nextafter(DC_OFFSET_MAX, 1.0)), -float(np.nextafter(DC_OFFSET_MAX, 1.0))):
        found = _dc(_keys(dc))
        assert found is not None and found.severity == "low"


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_dc_severity_from_its_levels_exactly(sign: float) -> None:
    for level, below, at in ((STATED.DC_MEDIUM, "low", "medium"), (STATED.DC_HIGH, "medium",
                             "high")):  # fmt: skip
        assert lowend._dc_severity(sign * level) == at
        assert lowend._dc_severity(sign * float(np.nextafter(level, 0.0))) == below
        found = _dc(_keys(sign * level))
        assert found is not None and found.severity == at


@pytest.mark.parametrize(
    "lowest, cutoff", [("63", 20.0), ("40", 20.0), ("31.5", 15.0), ("25", 10.0)]
)
def test_the_dc_cutoff_spares_the_useful_bands(lowest: str, cutoff: float) -> None:
    """The highest of 20, 15 and 10 Hz whose loss on every band within 24 dB of the loudest is
    under 0.5 dB; bands more than 24 dB down do not count."""
    stem = _keys(0.02, _band(lowest))
    power = np.array(stem.measurement.bands.mid_power[0])
    power[0] = max(power[0], 10**-2.45)  # 24.5 dB down: not useful
    stem = _part(power, "keys", dc=0.02)
    found = _dc(stem)
    assert found is not None and found.params == {"freq_hz": cutoff, "order": 2}
    useful = power >= 10**-2.4
    loss = -power_db(float(_gain(cutoff, 2)[useful].min()))
    assert loss < STATED.DC_CONTENT_MAX_DB
    higher = [c for c in STATED.DC_CUTOFFS_HZ if c > cutoff]
    for c in higher:
        assert -power_db(float(_gain(c, 2)[useful].min())) >= STATED.DC_CONTENT_MAX_DB
    assert found.evidence["content_loss_db"] == round(loss, 3)
    assert f"by at most {loss:.2f} dB." in found.why


def test_the_whole_dc_suggestion() -> None:
    stem = _keys(-0.02)
    found = _dc(stem)
    loss = -power_db(float(_gain(20.0, 2)[_band("63") : _band("63") + 10].min()))
    dbfs = power_db(0.02**2)
    why = (
        f"Part.wav carries a DC offset of -0.0200 ({dbfs:.1f} dBFS), over the 0.001 (-60 dBFS) "
        "the dc_offset check allows: it eats headroom and thumps wherever the part starts, "
        "stops or is cut. A 20 Hz high-pass (12 dB/octave) on this stem removes it here rather "
        "than leaving it to mastering, and changes the part's own bands by at most "
        f"{loss:.2f} dB."
    )
    expected = Suggestion(
        kind="highpass",
        stems=("Part.wav",),
        params={"freq_hz": 20.0, "order": 2},
        severity="medium",
        category="technical",
        why=why,
        evidence={
            "dc_offset": -0.02,
            "threshold": DC_OFFSET_MAX,
            "content_loss_db": round(loss, 3),
            "impact": round(dbfs - power_db(DC_OFFSET_MAX**2), 2),
        },
        target=Target("dc_offset", 0.02, 0.0, "lower"),
        rule="dc_offset",
    )
    assert found == expected
    assert found.evidence["impact"] == pytest.approx(26.02, abs=0.01)
    assert lowend.TARGETS["dc_offset"](found, _features(stem)) == 0.02


def test_dc_is_folded_into_the_stems_own_highpass() -> None:
    """One high-pass per stem: the rumble cut says the DC too, at the worse severity, and a
    high-pass on another stem is left alone."""
    power = _body("guitar", 0.1)  # rumble low
    stem = _part(power, dc=0.15)
    other = _part(_body("guitar", 0.1), file="Other.wav")
    features = _features(stem, other)
    rumble = lowend._highpass(features, stem)
    elsewhere = lowend._highpass(features, other)
    assert rumble is not None and elsewhere is not None and rumble.severity == "low"
    found = [elsewhere, rumble]
    lowend._with_dc_removed(features, stem, found)
    assert found[0] == elsewhere
    assert found[1] == replace(
        rumble,
        severity="high",
        why=f"{rumble.why} It also removes the stem's DC offset of +0.1500 "
        f"({power_db(0.15**2):.1f} dBFS).",
        evidence={**rumble.evidence, "dc_offset": 0.15, "dc_threshold": DC_OFFSET_MAX},
    )
    found = [elsewhere]
    lowend._with_dc_removed(features, stem, found)
    assert found == [elsewhere, _dc(stem)]
    found = [elsewhere]
    lowend._with_dc_removed(features, other, found)
    assert found == [elsewhere]
    # an eq on the stem is not a high-pass: the DC gets one of its own
    eq = replace(rumble, kind="eq")
    found = [eq]
    lowend._with_dc_removed(features, stem, found)
    assert found == [eq, _dc(stem)]


def test_a_folded_dc_keeps_the_worse_severity() -> None:
    stem = _part(_body("guitar", 8.0), dc=0.002)  # rumble medium, DC low
    features = _features(stem)
    rumble = lowend._highpass(features, stem)
    assert rumble is not None and rumble.severity == "medium"
    found = [rumble]
    lowend._with_dc_removed(features, stem, found)
    assert found[0].severity == "medium" and found[0].evidence["dc_offset"] == 0.002


# ------------------------------------------------------------------------------------ mono bass


LOW = [b for b in range(BANDS) if float(NOMINAL_CENTERS_HZ[b].replace("k", "e3")) <= 120.0]


def _wide(side_low: float, mid_low: float = 1.0, upper: float = 1.0, band: int = 4) -> tuple:
    mid = np.zeros(BANDS)
    mid[band] = mid_low
    mid[_band("250") : _band("250") + 4] = upper
    side = np.zeros(BANDS)
    side[band] = side_low
    return mid, side


def _mono(
    side_low: float, role: str = "bass", mix: StemFeatures | None = None, **kw: Any
) -> Suggestion | None:
    mid, side = _wide(side_low, **kw)
    stem = _part(mid, role, side)
    return lowend._mono_bass(_features(stem, mix=mix), stem)


def _ratio_of(side_low: float, mid_low: float = 1.0) -> float:
    mid, side = _wide(side_low, mid_low)
    stem = _part(mid, "bass", side)
    low = lowend.low_bands()
    return power_db(float(active_power(stem, "side")[low].sum())) - power_db(
        float(active_power(stem, "mid")[low].sum())
    )


def _ratio_edge(ratio_db: float) -> tuple[float, float, float, float]:
    """A low mid, and low sides over it just under, exactly on and just over ``ratio_db``."""
    k, (under, on, over) = _first_exact(
        [(partial(_ratio_of, mid_low=f), 10 ** (ratio_db / 10) * f) for f in BASES], ratio_db
    )
    return BASES[k], under, on, over


def test_the_low_bands_are_centred_up_to_mono_low_hz() -> None:
    assert list(lowend.low_bands()) == LOW == list(range(_band("100") + 1))
    for band in (0, _band("100")):
        assert _mono(0.5, band=band) is not None
    assert _mono(0.5, band=_band("125")) is None


def test_mono_bass_speaks_over_the_fire_ratio_exactly() -> None:
    mid_low, under, on, over = _ratio_edge(STATED.MONO_FIRE_DB)
    assert _mono(under, mid_low=mid_low) is None and _mono(on, mid_low=mid_low) is None
    found = _mono(over, mid_low=mid_low)
    assert found is not None and found.severity == "low"


@pytest.mark.parametrize(
    "level, severity", [("MONO_MEDIUM_DB", "medium"), ("MONO_HIGH_DB", "high")]
)
def test_mono_bass_grades_over_its_levels_exactly(level: str, severity: str) -> None:
    mid_low, under, on, over = _ratio_edge(getattr(STATED, level))
    lower = {"medium": "low", "high": "medium"}[severity]
    for side, expected in ((under, lower), (on, lower), (over, severity)):
        found = _mono(side, mid_low=mid_low)
        assert found is not None and found.severity == expected


def _low_share_of(upper: float) -> float:
    mid, side = _wide(1.0, upper=upper)
    power = active_power(_part(mid, "guitar", side))
    low = lowend.low_bands()
    return power_db(float(power[low].sum())) - power_db(float(power.sum()))


def _share_edge_mono(share_db: float) -> tuple[float, float, float]:
    start = 2.0 * (10 ** (-share_db / 10) - 1) / 4
    _, found = _first_exact([(_low_share_of, start * f) for f in BASES], share_db)
    return found


def test_mono_bass_needs_the_min_share_exactly() -> None:
    """Low share decreases as the upper bands grow: ``over`` (more upper) is the lower share."""
    under, on, over = _share_edge_mono(STATED.MONO_MIN_SHARE_DB)
    assert _mono(1.0, "guitar", upper=under) is None
    for upper in (on, over):
        assert _mono(1.0, "guitar", upper=upper) is not None


def test_mono_bass_is_high_for_other_roles_from_a_tenth_of_the_power() -> None:
    under, on, over = _share_edge_mono(STATED.MONO_WIDE_SHARE_DB)
    for upper, expected in ((under, "medium"), (on, "high"), (over, "high")):
        found = _mono(1.0, "guitar", upper=upper)
        assert found is not None and found.severity == expected
    for role in STATED.BASS_ROLES:
        found = _mono(1.0, role, upper=under * 10)
        assert found is not None and found.severity == "high", role


def test_no_mono_bass_for_mono_or_silent_stems() -> None:
    mid, side = _wide(1.0)
    for channels in (1, 3):
        stem = _part(mid, "bass", side, channels=channels)
        assert lowend._mono_bass(_features(stem), stem) is None
    stem = _part(mid, "bass", side, playing=np.zeros(FRAMES, bool))
    assert lowend._mono_bass(_features(stem), stem) is None


@pytest.mark.parametrize("band, crossover", [(4, 100.0), (5, 120.0), (6, 150.0)])
def test_the_crossover_is_the_lowest_that_takes_the_room_off(band: int, crossover: float) -> None:
    found = _mono(1.0, band=band)
    assert found is not None and found.params == {"freq_hz": crossover}
    low = lowend.low_bands()

    def drop(freq: float) -> float:
        lr4 = [{"type": "highpass", "freq_hz": freq, "order": 2}] * 2
        return -power_db(float(band_power_gain(lr4, SR)[low][band]))

    for lower in (f for f in STATED.MONO_CROSSOVERS_HZ if f < crossover):
        assert drop(lower) < STATED.MONO_DROP_DB + STATED.MONO_ROOM_DB
    assert drop(crossover) >= STATED.MONO_DROP_DB + STATED.MONO_ROOM_DB
    assert found.target.predicted == pytest.approx(found.target.before - drop(crossover))
    assert f"Making it mono below {crossover:.0f} Hz takes {drop(crossover):.1f} dB" in found.why


def _correlation(ratio_db: float) -> float:
    r = 10 ** (ratio_db / 10)
    return (1 - r) / (1 + r)


def test_the_whole_mono_bass_suggestion() -> None:
    """A bass whose low side is half its low mid (-3.01 dB: medium), 4 dB more power above: a
    100 Hz crossover."""
    found = _mono(0.5, upper=1.0)
    ratio = power_db(0.5)
    share = power_db(1.5) - power_db(5.5)
    loss = power_db(1.0) - power_db(1.5)
    lr4 = [{"type": "highpass", "freq_hz": 100.0, "order": 2}] * 2
    drop = -power_db(float(band_power_gain(lr4, SR)[4]))
    why = (
        f"Part.wav is wide below 120 Hz: side/mid {ratio:+.1f} dB there (an L/R correlation of "
        f"about {_correlation(ratio):.2f}; the rule speaks above -10 dB, about 0.82). Those bands "
        f"hold {share:+.1f} dB of its power and lose {abs(loss):.1f} dB when the mix is summed to "
        "mono (club systems, phones, vinyl). Making it mono below 100 Hz takes "
        f"{drop:.1f} dB off the low side and leaves the mid, and the width above, untouched."
    )
    expected = Suggestion(
        kind="mono_bass",
        stems=("Part.wav",),
        params={"freq_hz": 100.0},
        severity="medium",
        category="technical",
        why=why,
        evidence={
            "low_side_to_mid_db": round(ratio, 2),
            "threshold_db": STATED.MONO_FIRE_DB,
            "low_correlation": round(_correlation(ratio), 3),
            "low_share_db": round(share, 2),
            "mono_loss_db": round(loss, 2),
            "mix_low_side_to_mid_db": None,
            "promised_drop_db": STATED.MONO_DROP_DB,
            "impact": round(ratio - STATED.MONO_FIRE_DB, 2),
        },
        target=Target("low_side_to_mid_db", ratio, ratio - drop, "lower", "dB"),
        rule="mono_bass",
    )
    assert found is not None
    assert found.target.predicted == pytest.approx(ratio - drop)
    assert found == replace(
        expected, target=replace(expected.target, predicted=found.target.predicted)
    )
    assert lowend._correlation(ratio) == pytest.approx(_correlation(ratio), abs=1e-12)
    assert lowend._correlation(0.0) == 0.0
    mid, side = _wide(0.5)
    stem = _part(mid, "bass", side)
    assert lowend.TARGETS["mono_bass"](found, _features(stem)) == pytest.approx(ratio)
    assert lowend.mono_loss_db(stem) == pytest.approx(loss)


def test_the_mix_wide_down_there_is_said_over_the_fire_ratio_exactly() -> None:
    mid_low, _, on, over = _ratio_edge(STATED.MONO_FIRE_DB)
    for side, said in ((on, False), (over, True)):
        mix_mid, mix_side = _wide(side, mid_low)
        mix = _part(mix_mid, "mix", mix_side, file="(mix)")
        found = _mono(0.5, mix=mix)
        assert found is not None
        ratio = _ratio_of(side, mid_low)
        note = f" The whole mix is wide down there too (side/mid {ratio:+.1f} dB)."
        assert found.why.endswith(note) == said
        assert found.why.startswith("Part.wav is wide below 120 Hz")
        assert found.evidence["mix_low_side_to_mid_db"] == round(ratio, 2)
    silent = _part(mix_mid, "mix", mix_side, file="(mix)", playing=np.zeros(FRAMES, bool))
    found = _mono(0.5, mix=silent)
    assert found is not None and found.evidence["mix_low_side_to_mid_db"] is None
    assert found.why.endswith("untouched.")


# ------------------------------------------------------------------------------------- family


def test_suggest_orders_the_stems_and_puts_mono_bass_after_the_highpass() -> None:
    mid, side = _wide(4.0)
    mid[0] += 4.0  # rumble under the bass's notes: sub_rumble
    mid[1] += 1.0
    bass = _part(mid, "bass", side, file="B.wav")
    wide_mid, wide_side = _wide(0.5)
    wide_only = _part(wide_mid, "guitar", wide_side, file="A.wav")  # mono bass only
    keys = _part(_body("keys", 0.0), "keys", file="C.wav", dc=0.02)
    found = lowend.suggest(_features(keys, bass, wide_only))
    assert [(s.stems[0], s.rule) for s in found] == [
        ("A.wav", "mono_bass"), ("B.wav", "sub_rumble"), ("B.wav", "mono_bass"),
        ("C.wav", "dc_offset"),
    ]  # fmt: skip


def test_a_fader_move_shifts_the_quoted_level_under_the_cutoff() -> None:
    stem = _part(_body("guitar", 0.8))
    rumble = lowend._highpass(_features(stem), stem)
    assert rumble is not None
    other = replace(rumble, rule="resonance")
    moved = lowend._shift_rumble((rumble, other), (3.0,))
    assert moved[1] is other
    target = moved[0].target
    assert (target.before, target.predicted) == (
        rumble.target.before + 3.0, rumble.target.predicted + 3.0
    )  # fmt: skip
    assert moved[0].evidence == {
        **rumble.evidence, "below_cutoff_db": round(rumble.target.before + 3.0, 2)
    }  # fmt: skip
    sub = replace(rumble, rule="sub_rumble")
    assert lowend._shift_rumble((sub,), (-2.0,))[0].target.before == rumble.target.before - 2.0


def test_the_stem_rules_are_the_highpass_and_the_tone_rules() -> None:
    stem = _part(_body("guitar", 0.8))
    found = lowend._stem_rules(_features(stem), stem)
    assert [s.rule for s in found] == ["rumble"]
    assert lowend.dc_offset_of(_part(None, dc=-0.5)) == -0.5


def test_the_rules_read_power_relative_to_the_part_not_its_scale() -> None:
    """A quiet part (a millionth of the power) gets the same high-pass; a part with no band power
    at all gets no plan."""
    loud = _highpass(_body("guitar", 0.8))
    quiet = _highpass(_body("guitar", 0.8) * 1e-6)
    assert loud is not None and quiet is not None
    assert (quiet.params, quiet.severity) == (loud.params, loud.severity)
    assert quiet.evidence["below_cutoff_re_total_db"] == loud.evidence["below_cutoff_re_total_db"]
    assert lowend._plan_highpass(_part(np.zeros(BANDS)), 80.0, 60.0, (2, 4), SR) is None


def _snare_drop(p0: float, p3: float = 2.0) -> float:
    """The drop order 2 at 70 Hz takes off a snare's energy under it, rumble at 50 Hz and ``p0``
    at 25 Hz, as the rule reads it."""
    power = active_power(_part(_snare(p0, p3), "snare"))
    region = lowend.region_below(70.0)
    gain = _gain(70.0, 2)
    return power_db(float(power[region].sum())) - power_db(
        float((power[region] * gain[region]).sum())
    )


def _snare(p0: float, p3: float = 2.0) -> np.ndarray:
    power = _body("snare", p3, _band("50"))
    power[0] = p0
    return power


def test_order_two_is_kept_from_exactly_the_room_over_the_promised_drop() -> None:
    room = STATED.HIGHPASS_DROP_DB + STATED.ORDER_ROOM_DB
    k, (under, on, over) = _first_exact(
        [(partial(_snare_drop, p3=2.0 * f), 0.09 * f) for f in BASES], room
    )
    for p0, order in ((under, 4), (on, 2), (over, 2)):
        found = _highpass(_snare(p0, 2.0 * BASES[k]), "snare")
        assert found is not None and found.params == {"freq_hz": 70.0, "order": order}


def _dc_band_at(level: float) -> StemFeatures:
    power = np.zeros(BANDS)
    power[_band("63") : _band("63") + 10] = 1.0
    power[0] = level
    return _part(power, "keys", dc=0.02)


def test_the_dc_cutoff_counts_a_band_exactly_useful_db_down() -> None:
    """A 25 Hz band exactly 24 dB under the loudest is part of the useful range (10 Hz); a hair
    under it is not (20 Hz)."""

    def level_db(p0: float) -> float:
        spectrum = _dc_band_at(p0).spectrum_db
        return float(spectrum[0] - spectrum.max())

    _, (under, on, over) = _first_exact(
        [(level_db, 10**-2.4 * f) for f in BASES if f <= 1.0], -STATED.USEFUL_WITHIN_DB
    )
    for p0, cutoff in ((under, 20.0), (on, 10.0), (over, 10.0)):
        found = _dc(_dc_band_at(p0))
        assert found is not None and found.params["freq_hz"] == cutoff


def test_the_dc_offset_is_quoted_to_six_decimals() -> None:
    stem = _part(_body("guitar", 0.1), dc=0.0123456789)
    found = _dc(stem)
    assert found is not None and found.evidence["dc_offset"] == 0.012346
    assert "DC offset of +0.0123" in found.why
    rumble = lowend._highpass(_features(stem), stem)
    assert rumble is not None
    folded = [rumble]
    lowend._with_dc_removed(_features(stem), stem, folded)
    assert folded[0].evidence["dc_offset"] == 0.012346


def test_a_fader_move_keeps_the_highpass_and_moves_its_level() -> None:
    """After a 3 dB fader move the part's band powers are twice as large (ahead of the fader the
    same): the high-pass is the same, quoting the level under the cut-off 3 dB higher."""
    before = _part(_body("guitar", 0.8))
    first = lowend.suggest(_features(before))
    factor = 10**0.3
    after_measurement = _part(_body("guitar", 0.8) * factor).measurement
    moved = StemFeatures(
        "Part.wav", "guitar", after_measurement, FRAMES, Offset(before.measurement, 3.0)
    )
    second = lowend.suggest(_features(moved))
    assert [s.params for s in second] == [s.params for s in first]
    assert second[0].target.before == pytest.approx(first[0].target.before + 3.0, abs=1e-9)
    assert second[0].evidence["below_cutoff_db"] == round(first[0].target.before + 3.0, 2)
    direct = lowend._highpass(_features(_part(_body("guitar", 0.8) * factor)), moved)
    assert direct is not None
    assert second[0].target.before == pytest.approx(direct.target.before, abs=1e-6)


def _ringing_wide_guitar(rumble: float) -> StemFeatures:
    """A guitar over 3 s: flat from 63 Hz up with its 1 kHz band 10 dB over (a resonance), side
    power in its 63 Hz band (mono bass), and ``rumble`` at 25 Hz."""
    mid = np.zeros(BANDS)
    mid[_band("63") :] = 1.0
    mid[_band("1k")] = 10.0
    mid[0] = rumble
    side = np.zeros(BANDS)
    side[_band("63")] = 1.0
    return _part(mid, "guitar", side, frames=30)


@pytest.mark.parametrize("rumble, rules", [
    (0.0, ["mono_bass", "resonance"]),
    (4.0, ["rumble", "mono_bass", "resonance"]),
])  # fmt: skip
def test_mono_bass_goes_after_the_highpass_and_before_the_rest(
    rumble: float, rules: list[str]
) -> None:
    found = lowend.suggest(_features(_ringing_wide_guitar(rumble)))
    assert [s.rule for s in found] == rules


def test_mono_bass_evidence_is_rounded_to_hundredths() -> None:
    mix_mid, mix_side = _wide(0.45)
    mix = _part(mix_mid, "mix", mix_side, file="(mix)")
    found = _mono(0.45, mix=mix)
    ratio = 10 * np.log10(0.45)
    assert found is not None
    assert found.evidence["low_side_to_mid_db"] == round(ratio, 2) == -3.47
    assert found.evidence["mix_low_side_to_mid_db"] == -3.47
    assert found.evidence["impact"] == round(ratio - STATED.MONO_FIRE_DB, 2) == 6.53
    assert found.why.endswith(" The whole mix is wide down there too (side/mid -3.5 dB).")


def test_the_crossover_reads_the_side_alone() -> None:
    """Mid at 40 Hz and side at 100 Hz: the side decides the crossover (150 Hz), not the mid's
    low band that any crossover would clear."""
    mid = np.zeros(BANDS)
    mid[_band("40")] = 4.0
    mid[_band("250") : _band("250") + 4] = 1.0
    side = np.zeros(BANDS)
    side[_band("100")] = 1.0
    stem = _part(mid, "bass", side)
    found = lowend._mono_bass(_features(stem), stem)
    assert found is not None and found.params == {"freq_hz": 150.0}


def _side_drop(side5: float, side6: float = 1.0) -> float:
    """The drop a 120 Hz crossover takes off side power in the 80 and 100 Hz bands."""
    mid, side = _wide(side5, band=_band("80"))
    side[_band("100")] = side6
    stem = _part(mid, "bass", side)
    low = lowend.low_bands()
    power = active_power(stem, "side")[low]
    lr4 = [{"type": "highpass", "freq_hz": 120.0, "order": 2}] * 2
    return power_db(float(power.sum())) - power_db(
        float((power * band_power_gain(lr4, SR)[low]).sum())
    )


def test_a_crossover_is_kept_from_exactly_the_room_over_the_promised_drop() -> None:
    room = STATED.MONO_DROP_DB + STATED.MONO_ROOM_DB
    k, (under, on, over) = _first_exact(
        [(partial(_side_drop, side6=f), 1.3 * f) for f in BASES], room
    )
    for side5, crossover in ((under, 150.0), (on, 120.0), (over, 120.0)):
        mid, side = _wide(side5, band=_band("80"))
        side[_band("100")] = BASES[k]
        stem = _part(mid, "bass", side)
        found = lowend._mono_bass(_features(stem), stem)
        assert found is not None and found.params == {"freq_hz": crossover}


@pytest.mark.parametrize(
    "freq_hz, text",
    [(1050.0, "1.1 kHz"), (2250.0, "2.3 kHz"), (10500.0, "10.5 kHz"), (10000.0, "10 kHz")],
)
def test_frequencies_in_kilohertz_round_halves_up_to_a_tenth(freq_hz: float, text: str) -> None:
    """The why's frequencies round as the parameters shown beside them do (halves away from
    zero), with a tenth of a kHz kept from 10 kHz up."""
    assert fmt_hz(freq_hz) == text


def test_order_four_is_tried_when_order_two_cannot_be_placed() -> None:
    """Keys whose lowest useful band is 40 Hz, rumble in the 25 Hz band: two bands under 40 Hz
    leaves no band wholly under the cut-off, one band under (order 4) does: that cut is made."""
    power = np.zeros(BANDS)
    power[_band("40")] = 1.0
    power[_band("25")] = 10 ** (-24.2 / 10)
    two = float(np.floor(CENTERS_HZ[_band("40")] / 2 ** (2 / 3)))
    assert not len(lowend.region_below(two))
    one = float(np.floor(CENTERS_HZ[_band("40")] / 2 ** (1 / 3)))
    assert _band("25") in lowend.region_below(one)
    found = _highpass(power, "keys")
    assert found is not None and found.params == {"freq_hz": one, "order": 4}
