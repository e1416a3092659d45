"""Thresholds of the stereo rules and of the low end's mono rule, pinned from both sides.

The rules run on features built directly from per-frame L², R² and L·R sums and mid and side band
powers (no audio, no meters), so a correlation, a balance or a mono fold-down loss is set to the
number wanted. The boundary tests are built on the numbers docs/rules/stereo.md and
docs/rules/lowend.md state, and the code's constants are compared with the same numbers, so a
constant moved in the code, or a number changed in a doc, fails a test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis.manifest import Manifest
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ
from mixreview.analysis.suggest import (
    lowend,
    stereo,
    stereo_common,
    stereo_pan,
    stereo_polarity,
    stereo_width,
)
from mixreview.analysis.suggest.features import Features, StemFeatures, band_range
from mixreview.analysis.suggest.model import Suggestion
from tests.conftest import SR

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
STEREO_DOC = " ".join((DOCS / "stereo.md").read_text().split())
LOWEND_DOC = " ".join((DOCS / "lowend.md").read_text().split())
FRAMES = 100
BANDS = len(BAND_CENTERS_HZ)
LOW = 4  # the 63 Hz band


class STATED:
    """The numbers the docs state. The code's constants must equal them, and the boundary tests
    are built on them: a constant moved in the code moves the rule off the inputs built here."""

    # stereo.md
    POLARITY_CORRELATION_MAX = -0.5
    POLARITY_MIN_FRAMES = 10  # "at least 1 s" (a number in the code, not a constant)
    PAIR_LOW_HZ = 31.5
    PAIR_HIGH_HZ = 500.0
    PAIR_DEFICIT_DB = -3.0
    PAIR_HIGH_DB = -6.0
    PAIR_SHARE_MIN = 0.7
    PAIR_WEAKER_MIN = 0.1
    PAIR_MIN_FRAMES = 30
    IMPORTANT_WITHIN_DB = 10.0
    WIDTH_LIMIT_DB: ClassVar[dict[str, float]] = {"centre": 2.0, "other": 3.0}
    WIDTH_GOAL_DB: ClassVar[dict[str, float]] = {"centre": 1.0, "other": 1.5}
    WIDTH_HIGH_DB = 6.0
    WIDTH_MEDIUM_DB = 3.0
    CENTRE_ROLES = ("kick", "snare", "bass", "lead_vocal")
    CENTRE_BALANCE_MAX = 0.2
    CENTRE_BALANCE_MEDIUM = 0.33
    CENTRE_BALANCE_HIGH = 0.6
    MIX_IMBALANCE_DB = 1.0
    MIX_IMBALANCE_MEDIUM_DB = 1.5
    MIX_IMBALANCE_HIGH_DB = 3.0
    PLACEMENT_PAN: ClassVar[dict[str, float]] = {
        "guitar": 0.5,
        "keys": 0.5,
        "backing_vocal": 0.5,
        "hats": 0.78,
        "fx": 0.78,
    }
    # the code's alone: the image is judged from 3 s of playing (width, centre_pan, placement)
    MIN_ACTIVE_FRAMES = 30
    # lowend.md
    MONO_LOW_HZ = 120.0
    MONO_FIRE_DB = -10.0
    MONO_MEDIUM_DB = -6.0
    MONO_HIGH_DB = -3.0
    MONO_HIGH_SHARE_DB = -10.0  # "a stem whose low bands hold a tenth of its power"
    MONO_MIN_SHARE_DB = -20.0
    MONO_CROSSOVERS_HZ = (100.0, 120.0, 150.0)
    MONO_DROP_DB = 10.0


def _part(
    file: str,
    role: str,
    *,
    ll: float = 1.0,
    rr: float = 1.0,
    lr: float = 1.0,
    mid: Mapping[int, float] | None = None,
    side: Mapping[int, float] | None = None,
    plays: int | np.ndarray = FRAMES,
    channels: int = 2,
    identical: bool = False,
) -> StemFeatures:
    """A part with the same L², R², L·R and mid and side band powers in every frame where it
    plays (the first ``plays`` frames, or a mask), silent elsewhere; ``channels=1`` is a mono
    file, ``identical`` a stereo file with identical channels."""
    playing = np.arange(FRAMES) < plays if isinstance(plays, int) else np.asarray(plays, bool)

    def series(value: float) -> np.ndarray:
        return np.where(playing, value, 0.0)

    def bands(levels: Mapping[int, float] | None) -> np.ndarray:
        power = np.zeros((FRAMES, BANDS))
        for band, value in (levels or {}).items():
            power[:, band] = series(value)
        return power

    pair = SimpleNamespace(
        ll_series=series(ll), rr_series=series(rr), lr_series=series(lr),
        identical_channels=identical,
    )  # fmt: skip
    measurement: Any = SimpleNamespace(
        channels=channels,
        loudness=SimpleNamespace(energy_100ms=series(1.0)),
        levels=SimpleNamespace(mean_square_series=series((ll + rr) / 2)),
        bands=SimpleNamespace(mid_power=bands(mid), side_power=bands(side)),
        stereo=pair if channels == 2 else None,
    )
    return StemFeatures(file, role, measurement, FRAMES)


def _session(parts: Sequence[StemFeatures], mix: StemFeatures | None = None) -> Features:
    session = SimpleNamespace(sample_rate=SR, manifest=Manifest())
    analysis: Any = SimpleNamespace(session=session)
    return Features(analysis, {p.file: p for p in parts}, mix, (), FRAMES)


def _rules(
    parts: Sequence[StemFeatures], rule: str, mix: StemFeatures | None = None
) -> list[Suggestion]:
    return [s for s in stereo.suggest(_session(parts, mix)) if s.rule == rule]


def _one(found: list[Suggestion]) -> Suggestion:
    assert len(found) == 1, [s.rule for s in found]
    return found[0]


# ------------------------------------------------------------------------------------ the docs


def test_the_code_holds_the_stated_numbers() -> None:
    code = {
        "POLARITY_CORRELATION_MAX": stereo_common.POLARITY_CORRELATION_MAX,
        "MIN_ACTIVE_FRAMES": stereo_common.MIN_ACTIVE_FRAMES,
        "CENTRE_ROLES": stereo_common.CENTRE_ROLES,
        "PAIR_LOW_HZ": stereo_polarity.PAIR_LOW_HZ,
        "PAIR_HIGH_HZ": stereo_polarity.PAIR_HIGH_HZ,
        "PAIR_DEFICIT_DB": stereo_polarity.PAIR_DEFICIT_DB,
        "PAIR_HIGH_DB": 2 * stereo_polarity.PAIR_DEFICIT_DB,
        "PAIR_SHARE_MIN": stereo_polarity.PAIR_SHARE_MIN,
        "PAIR_WEAKER_MIN": stereo_polarity.PAIR_WEAKER_MIN,
        "PAIR_MIN_FRAMES": stereo_polarity.PAIR_MIN_FRAMES,
        **{name: getattr(stereo_width, name) for name in (
            "IMPORTANT_WITHIN_DB", "WIDTH_LIMIT_DB", "WIDTH_GOAL_DB", "WIDTH_HIGH_DB",
            "WIDTH_MEDIUM_DB")},
        **{name: getattr(stereo_pan, name) for name in (
            "CENTRE_BALANCE_MAX", "CENTRE_BALANCE_MEDIUM", "CENTRE_BALANCE_HIGH",
            "MIX_IMBALANCE_DB", "MIX_IMBALANCE_MEDIUM_DB", "MIX_IMBALANCE_HIGH_DB",
            "PLACEMENT_PAN")},
        **{name: getattr(lowend, name) for name in (
            "MONO_LOW_HZ", "MONO_FIRE_DB", "MONO_MEDIUM_DB", "MONO_HIGH_DB",
            "MONO_MIN_SHARE_DB", "MONO_CROSSOVERS_HZ", "MONO_DROP_DB")},
    }  # fmt: skip
    stated = {k: v for k, v in vars(STATED).items() if k in code}
    assert code == stated
    assert set(stated) | {"POLARITY_MIN_FRAMES", "MONO_HIGH_SHARE_DB"} == {
        k for k in vars(STATED) if k.isupper()
    }


def test_the_doc_states_the_stereo_numbers() -> None:
    n = STATED
    sentences = [
        f"L/R correlation below **{n.POLARITY_CORRELATION_MAX:+.1f}** over the frames where it "
        f"plays (at least {n.POLARITY_MIN_FRAMES / 10:.0f} s)",
        f"{n.PAIR_LOW_HZ:g}-{n.PAIR_HIGH_HZ:g} Hz) where both stems play in the band",
        f"| joint playing | >= {n.PAIR_MIN_FRAMES / 10:.0f} s of frames with shared cells |",
        f"the two hold >= {n.PAIR_SHARE_MIN:.0%} of all stems' energy there",
        f"the quieter holds >= {n.PAIR_WEAKER_MIN:.0%} of the pair's energy",
        f"| fires | mix / sum <= **{n.PAIR_DEFICIT_DB:.0f} dB** |",
        f"Severity high from {n.PAIR_HIGH_DB:.0f} dB, else medium",
        f"third-octaves within {n.IMPORTANT_WITHIN_DB:.0f} dB of its loudest band",
        f"| centre parts: kick, snare, bass, lead vocal | **{n.WIDTH_LIMIT_DB['centre']:.0f} dB** "
        f"| **{n.WIDTH_GOAL_DB['centre']:.0f} dB** |",
        f"| everything else | **{n.WIDTH_LIMIT_DB['other']:.0f} dB** | "
        f"**{n.WIDTH_GOAL_DB['other']:.1f} dB** |",
        f"Severity: high above {n.WIDTH_HIGH_DB:.0f} dB, medium above {n.WIDTH_MEDIUM_DB:.0f} dB, "
        "else low",
        "| roles | kick, snare, bass, lead vocal (",
        f"|balance\\| over the frames where it plays above **{n.CENTRE_BALANCE_MAX}**",
        f"high above {n.CENTRE_BALANCE_HIGH} (6 dB), medium above {n.CENTRE_BALANCE_MEDIUM} (3 dB)",
        f"over the song beyond **{n.MIX_IMBALANCE_DB:.0f} dB**",
        f"high above {n.MIX_IMBALANCE_HIGH_DB:.0f} dB, medium above "
        f"{n.MIX_IMBALANCE_MEDIUM_DB} dB, else low",
        "| drops | when that cannot halve the lean |",
        f"the middle of each range is pan {n.PLACEMENT_PAN['guitar']} (22.5 degrees: guitar, "
        f"keys, backing vocal) and {n.PLACEMENT_PAN['hats']} (35 degrees: hats, FX)",
    ]
    for sentence in sentences:
        assert sentence in STEREO_DOC, sentence
    assert n.CENTRE_ROLES == ("kick", "snare", "bass", "lead_vocal")
    assert {r for r, p in n.PLACEMENT_PAN.items() if p == 0.5} == {"guitar", "keys",
                                                                  "backing_vocal"}  # fmt: skip


def test_the_doc_states_the_mono_bass_numbers() -> None:
    n = STATED
    sentences = [
        f"Low bands: centres up to **{n.MONO_LOW_HZ:.0f} Hz**",
        f"hold at least **{n.MONO_MIN_SHARE_DB:.0f} dB re total**",
        f"speaks above **{n.MONO_FIRE_DB:.0f} dB** (r below about 0.82), medium above "
        f"{n.MONO_MEDIUM_DB:.0f} dB (r about 0.6), high above {n.MONO_HIGH_DB:.0f} dB",
        "a stem whose low bands hold a tenth of its power",
        "the lowest of {:.0f}, {:.0f} and {:.0f} Hz predicted to take at least {:.0f} dB".format(
            *n.MONO_CROSSOVERS_HZ, n.MONO_DROP_DB + 2
        ),
        f"down at least **{n.MONO_DROP_DB:.0f} dB** (`MONO_DROP_DB`)",
    ]
    for sentence in sentences:
        assert sentence in LOWEND_DOC, sentence
    assert 10 ** (n.MONO_HIGH_SHARE_DB / 10) == pytest.approx(0.1)


# ------------------------------------------------------------------------ channel_polarity


@pytest.mark.parametrize("offset, polarity", [(0.0, False), (-0.001, True)])
def test_channel_polarity_below_the_correlation_and_width_from_it(
    offset: float, polarity: bool
) -> None:
    """Exactly on the line (-0.5 to the bit) the polarity rule is silent and the width rule
    judges the stem; just under it the reverse (the width rule leaves an inverted stem to the
    polarity rule)."""
    corr = STATED.POLARITY_CORRELATION_MAX + offset
    part = _part("Vox.wav", "lead_vocal", lr=corr, mid={12: 1.0}, side={12: 3.0})
    found = stereo.suggest(_session([part]))
    assert [s.rule for s in found] == (["channel_polarity"] if polarity else ["width"])
    if polarity:
        assert found[0].severity == "high"
        assert found[0].evidence["correlation"] == round(corr, 3)


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_channel_polarity_needs_the_minimum_frames(extra: int, fires: bool) -> None:
    part = _part("Vox.wav", "lead_vocal", lr=-1.0, plays=STATED.POLARITY_MIN_FRAMES + extra)
    assert len(_rules([part], "channel_polarity")) == fires


# --------------------------------------------------------------------------- pair_polarity


def _pair(
    deficit_db: float,
    b_power: float = 1.0,
    third: float = 0.0,
    band: int = LOW,
    b_plays: int = FRAMES,
) -> list[Suggestion]:
    """Two parts in ``band`` (A at power 1, B at ``b_power``, a third part at ``third``) and a
    mix whose band power falls ``deficit_db`` short of the sum of the parts' (0 dB: they add)."""
    a = _part("A.wav", "bass", mid={band: 1.0})
    b = _part("B.wav", "synth", mid={band: b_power}, plays=b_plays)
    parts = [a, b]
    if third:
        parts.append(_part("C.wav", "keys", mid={band: third}))
    playing = np.arange(FRAMES) < b_plays
    total = 1.0 + third + b_power * playing
    mix = _part("(mix)", "mix", channels=1)
    mix.measurement.bands.mid_power[:, band] = total * 10 ** (deficit_db / 10)
    return _rules(parts, "pair_polarity", mix)


@pytest.mark.parametrize(
    "offset, severity",
    [(0.01, None), (-0.01, "medium"), ("high", "medium"), ("high-", "high")],
)
def test_pair_polarity_fires_at_the_deficit_and_grades(
    offset: float | str, severity: str | None
) -> None:
    if offset == "high":
        deficit = STATED.PAIR_HIGH_DB + 0.01
    elif offset == "high-":
        deficit = STATED.PAIR_HIGH_DB - 0.01
    else:
        assert isinstance(offset, float)
        deficit = STATED.PAIR_DEFICIT_DB + offset
    found = _pair(deficit)
    assert [s.severity for s in found] == ([severity] if severity else [])
    if found:
        assert found[0].evidence["sum_deficit_db"] == round(deficit, 2)


@pytest.mark.parametrize("share, fires", [(0.71, True), (0.69, False)])
def test_pair_polarity_needs_the_pair_to_hold_its_share(share: float, fires: bool) -> None:
    """A third part in the same cells takes the rest of the energy there."""
    assert (share >= STATED.PAIR_SHARE_MIN) == fires
    assert len(_pair(-5.0, third=2.0 / share - 2.0)) == fires


@pytest.mark.parametrize("weaker, fires", [(0.101, True), (0.099, False)])
def test_pair_polarity_needs_the_quieter_part_to_count(weaker: float, fires: bool) -> None:
    assert (weaker >= STATED.PAIR_WEAKER_MIN) == fires
    found = _pair(-5.0, b_power=weaker / (1 - weaker))
    assert [s.stems for s in found] == ([("B.wav",)] if fires else [])


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_pair_polarity_needs_the_minimum_frames(extra: int, fires: bool) -> None:
    assert len(_pair(-5.0, b_plays=STATED.PAIR_MIN_FRAMES + extra)) == fires


def test_pair_polarity_looks_between_its_limits() -> None:
    low, high = (
        NOMINAL_CENTERS_HZ.index("31.5"),
        NOMINAL_CENTERS_HZ.index(f"{STATED.PAIR_HIGH_HZ:.0f}"),
    )
    assert list(band_range(STATED.PAIR_LOW_HZ, STATED.PAIR_HIGH_HZ)) == list(range(low, high + 1))
    for band, fires in ((low, True), (high, True), (low - 1, False), (high + 1, False)):
        assert len(_pair(-5.0, band=band)) == fires, band


# ----------------------------------------------------------------------------------- width


def _loss_side(loss_db: float) -> float:
    """The side power over a mid of 1 that loses ``loss_db`` in mono."""
    return 10 ** (loss_db / 10) - 1.0


@pytest.mark.parametrize("group, role", [("centre", "bass"), ("other", "guitar")])
@pytest.mark.parametrize("offset, fires", [(-0.01, False), (0.01, True)])
def test_width_fires_over_the_groups_limit(
    group: str, role: str, offset: float, fires: bool
) -> None:
    loss = STATED.WIDTH_LIMIT_DB[group] + offset
    part = _part("Part.wav", role, lr=0.5, mid={12: 1.0}, side={12: _loss_side(loss)})
    found = _rules([part], "width")
    assert len(found) == fires
    if fires:
        assert found[0].target.before == pytest.approx(loss)


@pytest.mark.parametrize("group, role", [("centre", "kick"), ("other", "pad")])
@pytest.mark.parametrize("loss", [3.5, 4.5, 9.0])
def test_width_narrows_to_the_groups_goal(group: str, role: str, loss: float) -> None:
    """The width is rounded down to two decimals: the loss lands at the goal or a little
    under it (less than 0.05 dB for these widths)."""
    part = _part("Part.wav", role, lr=0.5, mid={12: 1.0}, side={12: _loss_side(loss)})
    found = _one(_rules([part], "width"))
    goal = STATED.WIDTH_GOAL_DB[group]
    assert goal - 0.05 < found.target.predicted <= goal
    assert found.evidence["goal_db"] == goal


@pytest.mark.parametrize(
    "loss, severity",
    [("WIDTH_MEDIUM_DB-", "low"), ("WIDTH_MEDIUM_DB+", "medium"), ("WIDTH_HIGH_DB-", "medium"),
     ("WIDTH_HIGH_DB+", "high")],
)  # fmt: skip
def test_width_severity_from_the_loss(loss: str, severity: str) -> None:
    level = getattr(STATED, loss[:-1]) + (0.01 if loss.endswith("+") else -0.01)
    part = _part("Snare.wav", "snare", lr=0.5, mid={12: 1.0}, side={12: _loss_side(level)})
    assert _one(_rules([part], "width")).severity == severity


@pytest.mark.parametrize("offset, fires", [(-0.02, True), (0.02, False)])
def test_width_reads_the_bands_within_important_within_db(offset: float, fires: bool) -> None:
    """The loudest band (mid 1, side 0.5: 1.76 dB lost) stays under the centre limit alone; a
    band of side only, ``IMPORTANT_WITHIN_DB`` (and a little) under it, takes the loss over it
    when it counts."""
    quiet = 1.5 * 10 ** (-(STATED.IMPORTANT_WITHIN_DB + offset) / 10)
    part = _part("Bass.wav", "bass", lr=0.5, mid={12: 1.0}, side={12: 0.5, 16: quiet})
    found = _rules([part], "width")
    assert len(found) == fires
    if fires:
        assert found[0].evidence["bands"] == [12, 16]


@pytest.mark.parametrize("rule", ["width", "centre_pan"])
@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_the_image_is_judged_from_the_minimum_frames(rule: str, extra: int, fires: bool) -> None:
    plays = STATED.MIN_ACTIVE_FRAMES + extra
    part = _part("Bass.wav", "bass", ll=1.0, rr=4.0, lr=1.0, mid={12: 1.0}, side={12: 1.0},
                 plays=plays)  # fmt: skip
    assert len(_rules([part], rule)) == fires


# ------------------------------------------------------------------------------ centre_pan


def _leaning(balance: float) -> tuple[float, float]:
    """L² and R² of a part with this balance (R - L) / (R + L)."""
    return 1.0, (1.0 + balance) / (1.0 - balance)


@pytest.mark.parametrize(
    "balance, severity",
    [("CENTRE_BALANCE_MAX", None), ("CENTRE_BALANCE_MAX+", "low"),
     ("CENTRE_BALANCE_MEDIUM-", "low"), ("CENTRE_BALANCE_MEDIUM+", "medium"),
     ("CENTRE_BALANCE_HIGH-", "medium"), ("CENTRE_BALANCE_HIGH+", "high")],
)  # fmt: skip
def test_centre_pan_fires_over_the_balance_and_grades(balance: str, severity: str | None) -> None:
    """Exactly on the line (0.2 to the bit) it is silent; past it, the severity steps."""
    name = balance.rstrip("+-")
    value = getattr(STATED, name) + {"+": 0.005, "-": -0.005}.get(balance[-1], 0.0)
    ll, rr = _leaning(value)
    for role, sign in (("kick", 1.0), ("lead_vocal", -1.0)):
        left, right = (ll, rr) if sign > 0 else (rr, ll)
        part = _part("Part.wav", role, ll=left, rr=right, lr=0.5)
        found = _rules([part], "centre_pan")
        assert [s.severity for s in found] == ([severity] if severity else [])
        if found:
            assert found[0].evidence["balance"] == round(sign * value, 3)


def test_centre_pan_is_for_centre_roles_only() -> None:
    for role in ("guitar", "synth", "backing_vocal", "drums"):
        assert _rules([_part("Part.wav", role, ll=1.0, rr=9.0, lr=0.5)], "centre_pan") == []
    for role in STATED.CENTRE_ROLES:
        assert len(_rules([_part("Part.wav", role, ll=1.0, rr=9.0, lr=0.5)], "centre_pan")) == 1


# ----------------------------------------------------------------------------- mix_balance


def _leaning_mix(lean_db: float, share: float = 1.0) -> list[Suggestion]:
    """A mix leaning ``lean_db`` to the right (L² 10), made by a guitar whose own R² - L² is
    ``share`` of the mix's (the rest by parts that play only in the mix)."""
    mix_rr = 10.0 * 10 ** (lean_db / 10)
    guitar = _part("Gtr.wav", "guitar", ll=1.0, rr=1.0 + share * (mix_rr - 10.0), lr=0.5)
    mix = _part("(mix)", "mix", ll=10.0, rr=mix_rr, lr=5.0)
    return _rules([guitar], "mix_balance", mix)


@pytest.mark.parametrize(
    "lean, severity",
    [("MIX_IMBALANCE_DB-", None), ("MIX_IMBALANCE_DB+", "low"),
     ("MIX_IMBALANCE_MEDIUM_DB-", "low"), ("MIX_IMBALANCE_MEDIUM_DB+", "medium"),
     ("MIX_IMBALANCE_HIGH_DB-", "medium"), ("MIX_IMBALANCE_HIGH_DB+", "high")],
)  # fmt: skip
def test_mix_balance_fires_over_the_lean_and_grades(lean: str, severity: str | None) -> None:
    value = getattr(STATED, lean[:-1]) + (0.01 if lean.endswith("+") else -0.01)
    found = _leaning_mix(value)
    assert [s.severity for s in found] == ([severity] if severity else [])
    if found:
        assert found[0].stems == ("Gtr.wav",)
        assert found[0].evidence["mix_imbalance_db"] == round(value, 2)


@pytest.mark.parametrize("share, fires", [(0.54, True), (0.52, False)])
def test_mix_balance_drops_when_it_cannot_halve_the_lean(share: float, fires: bool) -> None:
    """The guitar, moved no further than its own centre, can take off only its part of a 2 dB
    lean: 0.49 of it is left with 54% of the lean on the guitar, 0.51 with 52%."""
    found = _leaning_mix(2.0, share)
    assert len(found) == fires
    if fires:
        assert 0.45 * found[0].target.before < found[0].target.predicted
        assert found[0].target.predicted <= 0.5 * found[0].target.before


# -------------------------------------------------------------------------- mono_placement


def test_mono_parts_are_placed_at_the_stated_pans_alternating() -> None:
    roles = sorted(STATED.PLACEMENT_PAN)
    parts = [_part(f"{i}_{role}.wav", role, channels=1) for i, role in enumerate(roles)]
    found = _rules(parts, "mono_placement")
    expected = [(-1) ** (i + 1) * STATED.PLACEMENT_PAN[role] for i, role in enumerate(roles)]
    assert [s.params["pan"] for s in found] == expected
    for role in (*STATED.CENTRE_ROLES, "pad", "synth", "drums"):
        assert _rules([_part("Part.wav", role, channels=1)], "mono_placement") == []


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_mono_placement_needs_the_minimum_frames(extra: int, fires: bool) -> None:
    plays = STATED.MIN_ACTIVE_FRAMES + extra
    for part in (_part("Gtr.wav", "guitar", channels=1, plays=plays),
                 _part("Gtr.wav", "guitar", identical=True, plays=plays)):  # fmt: skip
        assert len(_rules([part], "mono_placement")) == fires


# ------------------------------------------------------------------------------- mono_bass


def _wide_low(ratio_db: float, role: str = "bass", share_db: float = -3.0,
              low: int = LOW) -> StemFeatures:  # fmt: skip
    """A stereo part with side/mid ``ratio_db`` in one low band and ``share_db`` of its power
    there (the rest mid at 1 kHz)."""
    low_power = 10 ** (share_db / 10)
    ratio = 10 ** (ratio_db / 10)
    mid_low = low_power / (1 + ratio)
    return _part("Part.wav", role, lr=0.5, mid={low: mid_low, 16: 1 - low_power},
                 side={low: mid_low * ratio})  # fmt: skip


def _mono(part: StemFeatures) -> str | None:
    found = lowend._mono_bass(_session([part]), part)
    return found.severity if found else None


@pytest.mark.parametrize(
    "ratio, severity",
    [("MONO_FIRE_DB-", None), ("MONO_FIRE_DB+", "low"), ("MONO_MEDIUM_DB-", "low"),
     ("MONO_MEDIUM_DB+", "medium"), ("MONO_HIGH_DB-", "medium"), ("MONO_HIGH_DB+", "high")],
)  # fmt: skip
def test_mono_bass_fires_over_the_side_and_grades(ratio: str, severity: str | None) -> None:
    value = getattr(STATED, ratio[:-1]) + (0.01 if ratio.endswith("+") else -0.01)
    assert _mono(_wide_low(value)) == severity


@pytest.mark.parametrize("offset, severity", [(0.05, "high"), (-0.05, "medium")])
def test_mono_bass_is_high_on_other_parts_from_a_tenth_of_their_power(
    offset: float, severity: str
) -> None:
    share = STATED.MONO_HIGH_SHARE_DB + offset
    assert _mono(_wide_low(STATED.MONO_HIGH_DB + 1.0, "guitar", share)) == severity
    assert _mono(_wide_low(STATED.MONO_HIGH_DB + 1.0, "kick", share)) == "high"


@pytest.mark.parametrize("offset, fires", [(0.05, True), (-0.05, False)])
def test_mono_bass_needs_the_low_bands_to_hold_their_share(offset: float, fires: bool) -> None:
    part = _wide_low(0.0, share_db=STATED.MONO_MIN_SHARE_DB + offset)
    assert (_mono(part) is not None) == fires


def test_mono_bass_reads_the_bands_up_to_its_limit() -> None:
    last = max(b for b in range(BANDS) if BAND_CENTERS_HZ[b] <= STATED.MONO_LOW_HZ * 1.01)
    assert NOMINAL_CENTERS_HZ[last] == "100"
    assert _mono(_wide_low(0.0, low=last)) == "high"
    assert _mono(_wide_low(0.0, low=last + 1)) is None


@pytest.mark.parametrize("band, crossover", [(4, 0), (5, 1), (6, 2)])
def test_mono_bass_crossover_is_the_lowest_that_takes_enough(band: int, crossover: int) -> None:
    """Side in one band: the 100 Hz crossover takes 17 dB off the 63 Hz band, 10.8 dB off the
    80 Hz band (the 120 Hz one 15.6 dB) and 6 dB off the 100 Hz band (the 120 Hz one 9.6 dB):
    each takes the lowest crossover that takes the stated drop and 2 dB more, else the last."""
    part = _wide_low(0.0, low=band)
    found = lowend._mono_bass(_session([part]), part)
    assert found is not None
    assert found.params["freq_hz"] == STATED.MONO_CROSSOVERS_HZ[crossover]
    assert found.evidence["promised_drop_db"] == STATED.MONO_DROP_DB


@pytest.mark.parametrize("share, crossover", [(0.183, 0), (0.19, 1)])
def test_mono_bass_crossover_takes_the_stated_drop_and_two_db(share: float, crossover: int) -> None:
    """Side in the 63 Hz band with ``share`` of it in the 100 Hz band: the 100 Hz crossover
    takes 12.06 dB off it with 18.3% there, 11.95 dB with 19%."""
    part = _part("Bass.wav", "bass", lr=0.5, mid={LOW: 0.5, 16: 0.5},
                 side={LOW: 0.5 * (1 - share), 6: 0.5 * share})  # fmt: skip
    found = lowend._mono_bass(_session([part]), part)
    assert found is not None
    assert found.params["freq_hz"] == STATED.MONO_CROSSOVERS_HZ[crossover]
