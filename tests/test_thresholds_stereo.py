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
from mixreview.analysis.suggest.model import Suggestion, Target
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
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=series(1.0)),
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


# ------------------------------------------------------------- what the width suggestion carries


def _band_loss(mid: float, side: float) -> float:
    return 10 * np.log10((mid + side) / mid)


@pytest.mark.parametrize("role, group", [("pad", "other"), ("lead_vocal", "centre")])
def test_width_carries_its_measures_at_their_precision(role: str, group: str) -> None:
    """Two bands (315 Hz and 630 Hz), the second the wider: every number of the suggestion
    worked out again from the band powers (summed over the 100 frames it plays)."""
    mids, sides = {11: 1.0, 14: 0.5}, {11: 1.0, 14: 1.2345}
    part = _part("Part.wav", role, lr=0.43217, mid=mids, side=sides)
    found = _one(_rules([part], "width"))
    mid, side = 100 * sum(mids.values()), 100 * sum(sides.values())
    loss = _band_loss(mid, side)
    goal, limit = STATED.WIDTH_GOAL_DB[group], STATED.WIDTH_LIMIT_DB[group]
    width = np.floor(100 * np.sqrt(mid * (10 ** (goal / 10) - 1) / side)) / 100
    predicted = _band_loss(mid, width**2 * side)
    worst = _band_loss(50.0, 123.45)
    assert (found.kind, found.rule, found.category) == ("width", "width", "technical")
    assert found.params == {"width": width}
    assert found.target.metric == "mono_loss_db" and found.target.goal == "lower"
    assert found.target.unit == "dB"
    assert found.target.before == pytest.approx(loss, rel=1e-12)
    assert found.target.predicted == pytest.approx(predicted, rel=1e-12)
    assert found.evidence == {
        "mono_loss_db": round(loss, 2), "limit_db": limit, "goal_db": goal,
        "side_to_mid_db": round(10 * np.log10(side / mid), 2), "correlation": 0.432,
        "worst_band_hz": round(float(BAND_CENTERS_HZ[14]), 1),
        "worst_band_loss_db": round(worst, 2), "bands": [11, 14],
        "impact": round(loss - limit, 2),
    }  # fmt: skip
    assert round(loss, 3) != round(loss, 2) and round(worst, 3) != round(worst, 2)
    assert found.evidence["worst_band_hz"] != round(float(BAND_CENTERS_HZ[14]), 2)
    assert f"Width {width:.0%} (side {20 * np.log10(width):+.1f} dB) brings the loss to " in (
        found.why
    )
    assert f"loses {loss:.1f} dB" in found.why and f"worst {worst:.1f} dB at 630 Hz" in found.why
    if group == "centre":
        assert f"a lead vocal is a centre part and should lose under {goal:.0f} dB" in found.why
    else:
        assert f"above {limit:.0f} dB the side is louder than the mid" in found.why


def test_width_of_a_part_all_side() -> None:
    """No mid at all: the most a part can lose (60 dB), side 60 dB over it, narrowed to 0."""
    found = _one(_rules([_part("Pad.wav", "pad", lr=-0.2, side={12: 1.0})], "width"))
    assert found.evidence["side_to_mid_db"] == 60.0 and found.evidence["mono_loss_db"] == 60.0
    assert found.params == {"width": 0.0} and found.severity == "high"


def test_width_of_a_quiet_part() -> None:
    """Band powers far under 1 (summed over its frames too): judged like a loud one."""
    quiet = _part("Pad.wav", "pad", lr=0.2, mid={12: 0.002}, side={12: 0.006})
    found = _one(_rules([quiet], "width"))
    assert found.target.before == pytest.approx(10 * np.log10(4.0), rel=1e-6)
    assert found.evidence["side_to_mid_db"] == pytest.approx(10 * np.log10(3.0), abs=0.01)
    assert _rules([_part("Pad.wav", "pad", lr=0.2)], "width") == []  # no band power at all


def _at_loss(loss: float, role: str, mid: float) -> StemFeatures:
    """A part of this role losing exactly ``loss`` dB in mono (to the bit: the side power
    nudged by its last bits; ``mid``: a mid power for which such a side exists)."""
    for direction in (np.inf, -np.inf):
        side = mid * _loss_side(loss)
        for _ in range(100):
            part = _part("Part.wav", role, lr=0.5, mid={12: mid}, side={12: side})
            if stereo_width.mono_loss(part, np.array([12])) == loss:
                return part
            side = float(np.nextafter(side, direction))
    raise AssertionError(f"no side power loses exactly {loss} dB")


def test_width_limits_and_grades_are_exclusive_to_the_bit() -> None:
    """Exactly on the other parts' limit: nothing; exactly on the medium and high lines of a
    centre part: the grade under them."""
    assert STATED.WIDTH_LIMIT_DB["other"] == STATED.WIDTH_MEDIUM_DB
    assert _rules([_at_loss(STATED.WIDTH_LIMIT_DB["other"], "pad", 0.75)], "width") == []
    at_medium = _one(_rules([_at_loss(STATED.WIDTH_MEDIUM_DB, "bass", 0.75)], "width"))
    assert at_medium.target.before == STATED.WIDTH_MEDIUM_DB and at_medium.severity == "low"
    at_high = _one(_rules([_at_loss(STATED.WIDTH_HIGH_DB, "bass", 1.0)], "width"))
    assert at_high.target.before == STATED.WIDTH_HIGH_DB and at_high.severity == "medium"


# --------------------------------------------------------- what the polarity suggestions carry


def test_channel_polarity_carries_its_measures_at_their_precision() -> None:
    part = _part("Vox.wav", "lead_vocal", ll=1.2, rr=0.8, lr=-0.745)
    found = _one(_rules([part], "channel_polarity"))
    ll, rr, lr = 120.0, 80.0, -74.5  # summed over the 100 frames it plays
    corr = lr / np.sqrt(ll * rr)
    loss = _band_loss((ll + 2 * lr + rr) / 4, (ll - 2 * lr + rr) / 4)
    after = _band_loss((ll - 2 * lr + rr) / 4, (ll + 2 * lr + rr) / 4)
    assert (found.kind, found.rule, found.category) == ("polarity", "channel_polarity", "technical")
    assert found.params == {"channels": "right"} and found.stems == ("Vox.wav",)
    assert (found.target.metric, found.target.goal) == ("correlation", "higher")
    assert found.target.before == pytest.approx(corr, rel=1e-12)
    assert found.target.predicted == pytest.approx(-corr, rel=1e-12)
    assert found.evidence == {
        "correlation": round(corr, 3), "threshold": STATED.POLARITY_CORRELATION_MAX,
        "mono_loss_db": round(loss, 2), "predicted_mono_loss_db": round(after, 2),
        "impact": round(loss, 2),
    }  # fmt: skip
    assert round(corr, 4) != round(corr, 3) and round(loss, 3) != round(loss, 2)
    assert round(after, 3) != round(after, 2)
    for text in (f"correlation {corr:+.2f} while it plays (throughout the song)",
                 f"drops by {loss:.1f} dB", f"brings the correlation to {-corr:+.2f}",
                 f"the mono loss to {after:.1f} dB"):  # fmt: skip
        assert text in found.why, text


def test_channel_polarity_of_exact_opposites() -> None:
    """Nothing is left in mono (the most loss there is, 60 dB); the impact stops at 30."""
    found = _one(_rules([_part("Vox.wav", "lead_vocal", lr=-1.0)], "channel_polarity"))
    assert found.evidence["mono_loss_db"] == 60.0 and found.evidence["impact"] == 30.0
    assert found.evidence["predicted_mono_loss_db"] == 0.0


def test_pair_polarity_carries_its_measures_at_their_precision() -> None:
    """A (power 1) under B (power 2.345) in the 80 Hz band, B playing 64 frames of 100: A is
    the quieter and gets the flip; every number worked out again from the cells."""
    b_power, plays, deficit_db = 2.345, 64, -5.4321
    found = _one(_pair(deficit_db, b_power=b_power, band=5, b_plays=plays))
    e_a, e_b = float(plays), plays * b_power
    e_all = e_a + e_b
    e_mix = e_all * 10 ** (deficit_db / 10)
    rho = (e_mix - e_all) / (2 * np.sqrt(e_a * e_b))
    predicted = 10 * np.log10((2 * e_all - e_mix) / e_all)
    assert (found.kind, found.rule, found.category) == ("polarity", "pair_polarity", "technical")
    assert found.params == {"channels": "both"} and found.stems == ("A.wav",)
    assert (found.target.metric, found.target.goal, found.target.unit) == (
        "pair_sum_db", "higher", "dB")  # fmt: skip
    assert found.target.before == pytest.approx(deficit_db, rel=1e-9)
    assert found.target.predicted == pytest.approx(predicted, rel=1e-9)
    hz = round(float(BAND_CENTERS_HZ[5]), 1)
    assert found.evidence == {
        "against": "B.wav", "sum_deficit_db": -5.43, "threshold_db": STATED.PAIR_DEFICIT_DB,
        "pair_correlation": round(rho, 3), "low_hz": hz, "high_hz": hz, "frames": plays,
        "impact": 5.43,
    }  # fmt: skip
    assert round(rho, 4) != round(rho, 3) and hz != round(float(BAND_CENTERS_HZ[5]), 2)
    for text in ("A.wav and B.wav cancel each other", "80 Hz to 80 Hz", f"{deficit_db:.1f} dB",
                 f"correlation about {rho:+.2f}", f"about {predicted:+.1f} dB"):  # fmt: skip
        assert text in found.why, text


def test_pair_polarity_correlation_stops_at_minus_one() -> None:
    found = _one(_pair(-20.0, b_power=0.2))
    assert found.evidence["pair_correlation"] == -1.0
    assert "correlation about -1.00" in found.why
    assert found.evidence["impact"] == 20.0
    assert _one(_pair(-40.0)).evidence["impact"] == 30.0


def test_pair_polarity_of_quiet_parts() -> None:
    """Band powers far under 1, summed over the cells too: judged like loud ones."""
    a = _part("A.wav", "bass", mid={LOW: 1e-4})
    b = _part("B.wav", "synth", mid={LOW: 1e-4})
    mix = _part("(mix)", "mix", channels=1)
    mix.measurement.bands.mid_power[:, LOW] = 2e-4 * 10 ** (-5.0 / 10)
    assert len(_rules([a, b], "pair_polarity", mix)) == 1


def _pairs(powers: Mapping[str, Mapping[int, float]]) -> list[Suggestion]:
    """Parts playing in low bands at these powers (file: band: power); the mix holds each band's
    parts summed and taken down by the deficit ``DEFICITS`` gives the band."""
    parts = [_part(file, "synth", mid=bands) for file, bands in powers.items()]
    mix = _part("(mix)", "mix", channels=1)
    for band, deficit in DEFICITS.items():
        total = sum(bands.get(band, 0.0) for bands in powers.values())
        mix.measurement.bands.mid_power[:, band] = total * 10 ** (deficit / 10)
    return _rules(parts, "pair_polarity", mix)


DEFICITS = {4: 0.0, 6: -5.0, 8: -8.0}


def test_pair_polarity_goes_through_every_pair() -> None:
    """Pairs that share no cell, that add up, that hold too little of the energy or whose
    quieter part is too quiet do not stop the search, for the same stem or the next: a later
    pair still fires. Every stem with a cancelling partner gets one flip, the worst pair first,
    against its worst partner."""
    cases = [
        ({"A.wav": {4: 1.0}, "B.wav": {4: 1.0}, "C.wav": {6: 1.0}, "D.wav": {6: 2.0}}, ["C-D"]),
        ({"A.wav": {4: 1.0, 6: 1.0}, "B.wav": {4: 1.0}, "C.wav": {6: 2.0}}, ["A-C"]),
        ({"A.wav": {4: 1.0, 6: 1.0}, "B.wav": {4: 1.0}, "C.wav": {6: 2.0}, "D.wav": {4: 3.0}},
         ["A-C"]),
        ({"A.wav": {6: 1.0}, "B.wav": {6: 0.01}, "C.wav": {6: 2.0}}, ["A-C"]),
        ({"A.wav": {6: 1.0}, "B.wav": {8: 1.0}, "C.wav": {6: 2.0}, "D.wav": {8: 2.0}},
         ["B-D", "A-C"]),
        ({"A.wav": {6: 1.0, 8: 1.0}, "C.wav": {6: 2.0}, "D.wav": {8: 2.0}}, ["A-D"]),
    ]  # fmt: skip
    for powers, expected in cases:
        found = _pairs(powers)
        flips = [f"{s.stems[0][0]}-{str(s.evidence['against'])[0]}" for s in found]
        assert flips == expected, powers


def _at_deficit(deficit: float, b_power: float) -> list[Suggestion]:
    """The pair (A at power 1, B at ``b_power``) with the mix nudged by its last bits until the
    deficit is ``deficit`` to the bit (read from the suggestion, which speaks there)."""
    for direction in (np.inf, -np.inf):
        factor = 10 ** (deficit / 10)
        for _ in range(100):
            a = _part("A.wav", "bass", mid={LOW: 1.0})
            b = _part("B.wav", "synth", mid={LOW: b_power})
            mix = _part("(mix)", "mix", channels=1)
            mix.measurement.bands.mid_power[:, LOW] = (1.0 + b_power) * factor
            found = _rules([a, b], "pair_polarity", mix)
            if found and found[0].target.before == deficit:
                return found
            factor = float(np.nextafter(factor, direction))
    raise AssertionError(f"no mix gives a deficit of exactly {deficit} dB")


def test_pair_polarity_is_high_from_exactly_its_line() -> None:
    """High from -6 dB: the line itself is high (no pair is found whose deficit is -3 dB to the
    bit, so the firing line is pinned from both sides only)."""
    assert [s.severity for s in _at_deficit(STATED.PAIR_HIGH_DB, 0.5)] == ["high"]


# ------------------------------------------------------------ what the pan suggestions carry


@pytest.mark.parametrize("side, sign", [("right", 1.0), ("left", -1.0)])
def test_centre_pan_carries_its_measures_at_their_precision(side: str, sign: float) -> None:
    louder = 2.3456
    ll, rr = (1.0, louder) if sign > 0 else (louder, 1.0)
    found = _one(_rules([_part("Kick.wav", "kick", ll=ll, rr=rr, lr=0.5)], "centre_pan"))
    before = sign * (louder - 1) / (louder + 1)
    pan = round(4 * np.arctan(np.sqrt(ll / rr)) / np.pi - 1, 2)
    after = stereo_common.balance(*stereo_common.balanced(100 * ll, 100 * rr, pan))
    level_db = 10 * np.log10(louder)
    assert (found.kind, found.rule, found.category) == ("pan", "centre_pan", "technical")
    assert found.params == {"pan": pan} and -sign * pan > 0 and found.severity == "medium"
    assert (found.target.metric, found.target.goal) == ("abs_balance", "lower")
    assert found.target.before == pytest.approx(abs(before), rel=1e-12)
    assert found.target.predicted == pytest.approx(abs(after), rel=1e-9) and abs(after) < 0.01
    assert found.evidence == {
        "balance": round(before, 3), "threshold": STATED.CENTRE_BALANCE_MAX,
        "channel_difference_db": round(level_db, 2), "impact": round(abs(before) * 10, 2),
    }  # fmt: skip
    assert round(before, 4) != round(before, 3) and round(level_db, 3) != round(level_db, 2)
    for text in (f"Kick.wav leans {side}: balance {before:+.2f} ({level_db:.1f} dB louder on the "
                 f"{side})", "past 0.2 (1.8 dB) the lean is audible",
                 f"A balance of {pan:+.2f} brings it to {after:+.2f}."):  # fmt: skip
        assert text in found.why, text


@pytest.mark.parametrize(
    "ll, rr, severity",
    [(2.0, 3.0, None), (67.0, 133.0, "low"), (1.0, 4.0, "medium")],
)  # fmt: skip
def test_centre_pan_lines_belong_to_the_grade_under_them(
    ll: float, rr: float, severity: str | None
) -> None:
    """Balances of exactly 0.2, 0.33 and 0.6 (to the bit): silent, low, medium."""
    assert (rr - ll) / (rr + ll) in (STATED.CENTRE_BALANCE_MAX, STATED.CENTRE_BALANCE_MEDIUM,
                                     STATED.CENTRE_BALANCE_HIGH)  # fmt: skip
    found = _rules([_part("Kick.wav", "kick", ll=ll, rr=rr, lr=0.5)], "centre_pan")
    assert [s.severity for s in found] == ([severity] if severity else [])


def test_the_mix_imbalance_of_silent_channels() -> None:
    imbalance = stereo_pan.mix_imbalance_db
    assert imbalance(0.0, 0.0) == 0.0
    assert imbalance(0.0, 1.0) == 60.0 and imbalance(1.0, 0.0) == -60.0
    assert imbalance(0.5, 0.25) == pytest.approx(-10 * np.log10(2.0), rel=1e-12)


def _mix_leaning(lean_db: float, share: float, sign: float) -> tuple[list[Suggestion], float]:
    """``_leaning_mix`` to the right (``sign`` 1) or mirrored to the left; the guitar's own
    balance back."""
    mix_far = 10.0 * 10 ** (lean_db / 10)
    near, far = 1.0, 1.0 + share * (mix_far - 10.0)
    ll, rr = (near, far) if sign > 0 else (far, near)
    guitar = _part("Gtr.wav", "guitar", ll=ll, rr=rr, lr=0.5)
    mix_ll, mix_rr = (10.0, mix_far) if sign > 0 else (mix_far, 10.0)
    mix = _part("(mix)", "mix", ll=mix_ll, rr=mix_rr, lr=5.0)
    return _rules([guitar], "mix_balance", mix), (rr - ll) / (rr + ll)


@pytest.mark.parametrize("side, sign", [("right", 1.0), ("left", -1.0)])
def test_mix_balance_carries_its_measures_at_their_precision(side: str, sign: float) -> None:
    lean_db = 2.3456
    found, stem_balance = _mix_leaning(lean_db, 0.8, sign)
    suggestion = _one(found)
    pan = suggestion.params["pan"]
    assert (suggestion.kind, suggestion.rule, suggestion.category) == (
        "pan", "mix_balance", "technical")  # fmt: skip
    assert suggestion.stems == ("Gtr.wav",) and suggestion.severity == "medium"
    assert pan == round(pan, 2) and -sign * pan > 0
    target = suggestion.target
    assert (target.metric, target.goal, target.unit) == ("mix_imbalance_db", "lower", "dB")
    assert target.before == pytest.approx(lean_db, rel=1e-12)
    assert target.predicted <= 0.5 * lean_db
    assert suggestion.evidence == {
        "mix_imbalance_db": round(sign * lean_db, 2), "threshold_db": STATED.MIX_IMBALANCE_DB,
        "stem_balance": round(stem_balance, 3), "share_of_lean": 0.8, "impact": 2.35,
    }  # fmt: skip
    assert round(stem_balance, 4) != round(stem_balance, 3)
    for text in (
        f"The mix leans {side}: 2.3 dB more energy on the {side}",
        f"balance {stem_balance:+.2f}) gives 80% of that lean",
        f"A balance of {pan:+.2f} on it brings the mix to {target.predicted:.1f} dB.",
    ):
        assert text in suggestion.why, text  # fmt: skip


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_mix_balance_stops_the_part_where_the_mix_is_level(sign: float) -> None:
    """A guitar leaning more than the whole mix (the other parts lean the other way): moved to
    its own centre it would tip the mix over, so it stops where the mix is level."""
    found, _balance = _mix_leaning(2.0, 1.6, sign)
    suggestion = _one(found)
    assert suggestion.target.predicted < 0.05
    limit = 4 * np.arctan(np.sqrt(1.0 / (1 + 1.6 * (10 * 10**0.2 - 10)))) / np.pi - 1
    assert 0 < -sign * suggestion.params["pan"] < abs(limit) - 0.05


def test_mix_balance_moves_the_part_leaning_most() -> None:
    """Of three guitars leaning right, the one giving most of the lean (not the loudest, not
    the first or last by name) is moved, quiet parts alike; a centre part already rebalanced
    is left alone."""
    levels = {"A.wav": (9.0, 10.0), "B.wav": (1.0, 5.0), "C.wav": (2.0, 4.0)}
    for scale in (1.0, 1e-3):
        parts = [_part(file, "guitar", ll=scale * ll, rr=scale * rr, lr=0.5 * scale)
                 for file, (ll, rr) in levels.items()]  # fmt: skip
        mix = _part("(mix)", "mix", ll=10.0 * scale, rr=15.0 * scale, lr=5.0 * scale)
        assert [s.stems for s in _rules(parts, "mix_balance", mix)] == [("B.wav",)]
    kick = _part("Kick.wav", "kick", ll=1.0, rr=5.0, lr=0.5)
    found = stereo.suggest(_session([kick], _part("(mix)", "mix", ll=10.0, rr=15.0, lr=5.0)))
    assert [s.rule for s in found] == ["centre_pan"]
    guitar = _part("Gtr.wav", "guitar", ll=1.0, rr=5.0, lr=0.5)
    found = stereo.suggest(_session([guitar], _part("(mix)", "mix", ll=10.0, rr=15.0, lr=5.0)))
    assert [s.rule for s in found] == ["mix_balance"]


def test_mono_placement_carries_its_measures() -> None:
    mono = _part("A.wav", "guitar", channels=1)
    twin = _part("B.wav", "hats", identical=True)
    found = _rules([mono, twin], "mono_placement")
    assert [s.params for s in found] == [{"pan": -0.5}, {"pan": 0.78}]
    for suggestion, is_mono, angle in zip(found, (True, False), (22.5, 35.1), strict=True):
        pan = suggestion.params["pan"]
        predicted = stereo_common.balance(*stereo_common.balanced(100.0, 100.0, pan))
        assert (suggestion.kind, suggestion.severity, suggestion.category) == (
            "pan", "low", "creative")  # fmt: skip
        assert suggestion.evidence == {"mono": is_mono, "identical_channels": not is_mono,
                                       "convention_deg": angle, "impact": 0.5}  # fmt: skip
        assert suggestion.target == Target(
            "stem_balance", 0.0, predicted, f"closer:{predicted:.3f}"
        )
        delivered = "mono file" if is_mono else "stereo file with identical channels"
        where = "left" if pan < 0 else "right"
        for text in (f"is a {delivered}, so it sits dead centre", f"about {angle:.0f} degrees",
                     f"A pan of {pan:+.2f} ({where};"):  # fmt: skip
            assert text in suggestion.why, text


@pytest.mark.parametrize("ll, rr, first", [(20.0, 10.0, 0.5), (10.0, 20.0, -0.5),
                                           (10.0, 10.0, -0.5)])  # fmt: skip
def test_mono_placement_starts_opposite_the_mix(ll: float, rr: float, first: float) -> None:
    """The first part goes opposite the mix's lean (left for a level mix); parts that are not
    placed (a bass, a stereo guitar, a guitar playing too little) are passed over, not the end
    of the list."""
    parts = [_part("A.wav", "bass", channels=1),
             _part("B.wav", "guitar", channels=1, plays=STATED.MIN_ACTIVE_FRAMES - 1),
             _part("C.wav", "guitar", lr=0.5),
             _part("D.wav", "keys", channels=1), _part("E.wav", "guitar", channels=1)]  # fmt: skip
    mix = _part("(mix)", "mix", ll=ll, rr=rr, lr=5.0)
    found = _rules(parts, "mono_placement", mix)
    assert [(s.stems, s.params["pan"]) for s in found] == [(("D.wav",), first),
                                                           (("E.wav",), -first)]  # fmt: skip
