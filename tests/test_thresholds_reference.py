"""Thresholds of the reference directions (tone, width, dynamics), pinned from both sides.

The rules run on a comparison built directly from band spectra (the mix flat at 0 dB, the
reference moved by the difference wanted in one range or everywhere) and on stems built from
band powers, so the difference, the references' spread and each stem's share of a range are the
numbers wanted. The boundary tests are built on the numbers docs/rules/reference.md states, and
the code's constants are compared with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.reference import RANGES_HZ, Comparison
from mixreview.analysis.suggest import dynamics, reference
from mixreview.analysis.suggest.features import CENTERS_HZ, Features, StemFeatures
from mixreview.analysis.suggest.model import Suggestion
from tests.conftest import SR

DOC = " ".join((Path(__file__).resolve().parent.parent / "docs" / "rules" / "reference.md")
               .read_text().split())  # fmt: skip
FRAMES = 100
BANDS = len(BAND_CENTERS_HZ)
SIDE_DB = -10.0  # side under mid in every band, the mix's and the reference's alike


class STATED:
    """The numbers docs/rules/reference.md states (the severity, the sanity limit, the width's
    bounds and the compressor's frames are the code's alone). The code must hold them, and the
    boundary tests are built on them."""

    TONE_MIN_DB = 2.0
    TONE_SPREAD_FACTOR = 1.5
    MAX_EQ_DB = 6.0
    MIN_SHARE = 0.15
    WIDTH_MIN_DB = 3.0
    DYNAMICS_MIN_LU = 3.0
    RANGES_HZ: ClassVar[dict[str, tuple[float, float]]] = {
        "sub": (25.0, 60.0), "bass": (60.0, 250.0), "low-mid": (250.0, 800.0),
        "mid": (800.0, 2500.0), "presence": (2500.0, 6000.0), "air": (6000.0, 16000.0),
    }  # fmt: skip
    WIDTH_RANGES = ("low-mid", "mid", "presence", "air")  # "low-mid and up"
    SHELVES: ClassVar[dict[str, str]] = {"sub": "low_shelf", "air": "high_shelf"}
    # the code's alone
    TONE_MEDIUM_DB = 6.0
    TONE_MAX_DB = 40.0
    COMPRESSOR_MIN_FRAMES = 30


def _stem(
    file: str, role: str, power: float = 1.0, channels: int = 2, plays: int = FRAMES,
    spread_lu: float = 5.0,
) -> StemFeatures:  # fmt: skip
    """A part with flat mid power ``power`` in every band (side 10 dB under it), playing its
    first ``plays`` frames, whose short-term loudness spreads ``spread_lu``."""
    playing = np.arange(FRAMES) < plays
    mid = np.where(playing[:, None], power, 0.0) * np.ones((FRAMES, BANDS))
    short_term = np.linspace(-20.0, -20.0 + spread_lu / 0.85, FRAMES)  # P95 - P10: spread_lu
    measurement: Any = SimpleNamespace(
        channels=channels,
        loudness=SimpleNamespace(energy_100ms=playing * power, short_term_lufs=short_term),
        levels=SimpleNamespace(mean_square_series=playing * power),
        bands=SimpleNamespace(mid_power=mid, side_power=mid * 10 ** (SIDE_DB / 10)),
    )
    return StemFeatures(file, role, measurement, FRAMES)


def _comparison(
    tone_db: dict[str, float] | None = None,
    spread_db: float = 0.0,
    width_db: float = 0.0,
    mix_spread_lu: float = 10.0,
    ref_spread_lu: float = 10.0,
) -> Comparison:
    """The mix flat at 0 dB; the reference ``tone_db`` under it in a range (``spread_db`` its
    spread there), the mix's side ``width_db`` over the reference's everywhere."""
    ref_mid = np.zeros(BANDS)
    spread = np.zeros(BANDS)
    for name, diff in (tone_db or {}).items():
        low, high = RANGES_HZ[name]
        picked = (CENTERS_HZ >= low) & (CENTERS_HZ < high)
        ref_mid[picked] -= diff
        spread[picked] = spread_db
    return Comparison(
        names=("Ref.wav",), weights=(1.0,), match_gain_db=(0.0,),
        mix_mid_db=np.zeros(BANDS), mix_side_db=np.full(BANDS, SIDE_DB + width_db),
        ref_mid_db=ref_mid, ref_side_db=ref_mid + SIDE_DB, tone_spread_db=spread,
        mix_dynamics={"short_term_spread_lu": mix_spread_lu},
        ref_dynamics={"short_term_spread_lu": ref_spread_lu},
        mix_lufs=-14.0, ref_lufs=-14.0, mix_low_side_db=-20.0, ref_low_side_db=-20.0,
    )  # fmt: skip


def _suggest(
    comparison: Comparison, stems: Sequence[StemFeatures] | None = None
) -> list[Suggestion]:
    stems = list(stems) if stems is not None else [_stem("Keys.wav", "keys")]
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR), comparison=comparison)
    mix = _stem("(mix)", "mix")
    return reference.suggest(Features(analysis, {s.file: s for s in stems}, mix, (), FRAMES))


def _aspect(found: list[Suggestion], aspect: str) -> list[Suggestion]:
    return [s for s in found if s.evidence["aspect"] == aspect]


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    code = {name: getattr(reference, name) for name in (
        "TONE_MIN_DB", "TONE_SPREAD_FACTOR", "MAX_EQ_DB", "MIN_SHARE", "WIDTH_MIN_DB",
        "DYNAMICS_MIN_LU")}  # fmt: skip
    assert code == {k: getattr(STATED, k) for k in code}
    assert RANGES_HZ == STATED.RANGES_HZ
    shapes = {name: shape for name, (shape, _hz, _q) in reference.SHAPES.items()}
    assert shapes == {name: STATED.SHELVES.get(name, "peaking") for name in STATED.RANGES_HZ}


def test_the_doc_states_the_reference_numbers() -> None:
    n = STATED
    ranges = ", ".join(
        f"{name} {_hz(low)}-{_hz(high)}" for name, (low, high) in n.RANGES_HZ.items()
    )
    sentences = [
        f"mid spectrum in six ranges ({ranges} Hz)",
        f"the range differs by more than {n.TONE_MIN_DB:.0f} dB and by more than "
        f"{n.TONE_SPREAD_FACTOR}x the references' spread",
        f"at most {n.MAX_EQ_DB:.0f} dB) on the one or two stems carrying at least "
        f"{n.MIN_SHARE:.0%} of that range",
        "a shelf for sub and air, a broad bell elsewhere",
        f"side-to-mid per band, low-mid and up | more than {n.WIDTH_MIN_DB:.0f} dB apart",
        f"the mix spreads over {n.DYNAMICS_MIN_LU:.0f} LU more",
        "on the foreground stem (vocal, drums, bass) that moves most",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence


def _hz(value: float) -> str:
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


# ----------------------------------------------------------------------------------------- tone


@pytest.mark.parametrize("name", list(STATED.RANGES_HZ))
@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_tone_speaks_over_the_minimum_difference(name: str, offset: float, fires: bool) -> None:
    for sign in (1.0, -1.0):
        diff = sign * (STATED.TONE_MIN_DB + offset)
        found = _aspect(_suggest(_comparison({name: diff})), "tone")
        assert [s.evidence["range"] for s in found] == ([name] if fires else [])
        if fires:
            band = found[0].params["bands"][0]
            assert (band["gain_db"] < 0) == (diff > 0)
            assert band["type"] == STATED.SHELVES.get(name, "peaking")


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_tone_speaks_over_the_references_spread(offset: float, fires: bool) -> None:
    """The references spread 2 dB in the range: the line is 1.5 times that, over the minimum."""
    spread = 2.0
    diff = STATED.TONE_SPREAD_FACTOR * spread + offset
    found = _aspect(_suggest(_comparison({"mid": diff}, spread_db=spread)), "tone")
    assert len(found) == fires


@pytest.mark.parametrize("offset, fires", [(-0.1, True), (0.1, False)])
def test_tone_leaves_a_difference_over_the_sanity_limit(offset: float, fires: bool) -> None:
    found = _aspect(_suggest(_comparison({"mid": STATED.TONE_MAX_DB + offset})), "tone")
    assert len(found) == fires


@pytest.mark.parametrize("offset, severity", [(-0.05, "low"), (0.05, "medium")])
def test_tone_is_medium_over_its_level(offset: float, severity: str) -> None:
    found = _aspect(_suggest(_comparison({"mid": STATED.TONE_MEDIUM_DB + offset})), "tone")
    assert [s.severity for s in found] == [severity]


@pytest.mark.parametrize("diff", [10.0, -10.0])
def test_tone_eq_is_at_most_max_eq_db(diff: float) -> None:
    """One stem carries the whole range: 10 dB cannot be reached, the EQ stops at its most."""
    found = _aspect(_suggest(_comparison({"presence": diff})), "tone")
    assert found[0].params["bands"][0]["gain_db"] == -np.sign(diff) * STATED.MAX_EQ_DB


@pytest.mark.parametrize("share, named", [(0.155, True), (0.145, False)])
def test_tone_names_the_stems_carrying_the_minimum_share(share: float, named: bool) -> None:
    """The keys carry the range with a pad holding ``share`` of it."""
    stems = [_stem("Keys.wav", "keys", 1.0 - share), _stem("Pad.wav", "pad", share)]
    found = _aspect(_suggest(_comparison({"mid": 4.0}), stems), "tone")
    assert found[0].stems == (("Keys.wav", "Pad.wav") if named else ("Keys.wav",))


# ---------------------------------------------------------------------------------------- width


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_width_speaks_over_the_minimum_difference(offset: float, fires: bool) -> None:
    for sign in (1.0, -1.0):
        found = _aspect(_suggest(_comparison(width_db=sign * (STATED.WIDTH_MIN_DB + offset))),
                        "width")  # fmt: skip
        assert [s.evidence["range"] for s in found] == (list(STATED.WIDTH_RANGES) if fires else [])
        for suggestion in found:
            assert (suggestion.params["width"] < 1.0) == (sign > 0)


def test_width_names_stereo_stems_only() -> None:
    mono = _stem("Keys.wav", "keys", channels=1)
    assert _aspect(_suggest(_comparison(width_db=6.0), [mono]), "width") == []


# ------------------------------------------------------------------------------------- dynamics


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_dynamics_speaks_over_the_minimum_gap(offset: float, fires: bool) -> None:
    gap = STATED.DYNAMICS_MIN_LU + offset
    comparison = _comparison(mix_spread_lu=10.0 + gap, ref_spread_lu=10.0)
    found = _aspect(_suggest(comparison, [_stem("Vox.wav", "lead_vocal")]), "dynamics")
    assert len(found) == fires


def test_dynamics_picks_the_foreground_stem_that_moves_most() -> None:
    stems = [
        _stem("Bass.wav", "bass", spread_lu=6.0),
        _stem("Vox.wav", "lead_vocal", spread_lu=8.0),
        _stem("Keys.wav", "keys", spread_lu=12.0),
    ]
    found = _aspect(_suggest(_comparison(mix_spread_lu=15.0), stems), "dynamics")
    assert [s.stems for s in found] == [("Vox.wav",)]
    assert found[0].evidence["stem_spread_lu"] == pytest.approx(8.0)


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_dynamics_needs_the_stem_to_play_the_minimum_frames(extra: int, fires: bool) -> None:
    vocal = _stem("Vox.wav", "lead_vocal", plays=STATED.COMPRESSOR_MIN_FRAMES + extra)
    found = _aspect(_suggest(_comparison(mix_spread_lu=15.0), [vocal]), "dynamics")
    assert len(found) == fires


def test_the_compressor_settings_are_the_dynamics_rules() -> None:
    """The reference's compressor starts from the same class settings as the dynamics rule."""
    for role, (attack, release, ratio) in reference.COMPRESSOR_BY_ROLE.items():
        settings = dynamics.CLASS_SETTINGS[dynamics.class_of(role)]
        assert (attack, release, ratio) == settings, role
    assert set(reference.COMPRESSOR_BY_ROLE) == set(dynamics.ROLE_CLASS) - {"hats"}
