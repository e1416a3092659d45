"""Thresholds of the reference directions (tone, width, dynamics) and of the doubts about a
reference, pinned from both sides.

The rules run on a comparison built directly from band spectra (the mix flat at 0 dB, the
reference moved by the difference wanted in one range or everywhere) and on stems built from
band powers, so the difference, the references' spread and each stem's share of a range are the
numbers wanted. The doubts run on references built from band powers and a loudness. The boundary
tests are built on the numbers docs/rules/reference.md states, and the code's constants are
compared with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis import reference_doubts
from mixreview.analysis.dsp import eq_response_db
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ
from mixreview.analysis.reference import RANGES_HZ, Comparison, short_term_spread_lu
from mixreview.analysis.reference_doubts import doubts_about, full_bands
from mixreview.analysis.suggest import dynamics, reference
from mixreview.analysis.suggest.features import CENTERS_HZ, Features, StemFeatures
from mixreview.analysis.suggest.model import Suggestion, Target
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
        "mid": (800.0, 2500.0), "presence": (2500.0, 6000.0), "air": (6000.0, 20000.0),
    }  # fmt: skip
    WIDTH_RANGES = ("low-mid", "mid", "presence", "air")  # "low-mid and up"
    SHELVES: ClassVar[dict[str, str]] = {"sub": "low_shelf", "air": "high_shelf"}
    QUIETER_THAN_MIX_LU = 10.0
    SPAN_BANDS = NOMINAL_CENTERS_HZ[2:28]  # "the 26 third-octave bands from 40 Hz to 12.5 kHz"
    SPAN_WITHIN_DB = 30.0
    MIN_FULL_BANDS = 18
    # the code's alone
    TONE_MEDIUM_DB = 6.0
    TONE_MAX_DB = 40.0
    COMPRESSOR_MIN_FRAMES = 30
    MAX_STEMS = 2  # "the one or two stems"
    # the EQ per range (type, Hz, Q): a bell at the range's geometric centre, a shelf at the
    # range's edge toward the rest of the spectrum
    EQ: ClassVar[dict[str, tuple[str, float, float]]] = {
        "sub": ("low_shelf", 60.0, 0.7), "bass": ("peaking", 122.0, 0.67),
        "low-mid": ("peaking", 447.0, 0.85), "mid": ("peaking", 1414.0, 0.87),
        "presence": ("peaking", 3873.0, 1.1), "air": ("high_shelf", 6000.0, 0.7),
    }  # fmt: skip
    # the bands (nominal centres) each range reads: those whose exact centre lies in
    # [low, high), so the 25 Hz band (24.8 Hz) and the 16 kHz band are in none, and the 800 Hz
    # band (793.7 Hz) is low-mid's
    RANGE_BANDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "sub": ("25", "31.5", "40", "50"),
        "bass": ("63", "80", "100", "125", "160", "200"),
        "low-mid": ("250", "315", "400", "500", "630"),
        "mid": ("800", "1k", "1.25k", "1.6k", "2k"),
        "presence": ("2.5k", "3.15k", "4k", "5k"),
        "air": ("6.3k", "8k", "10k", "12.5k", "16k"),
    }
    WIDTH_BOUNDS = (0.3, 2.0)
    COMPRESSOR_PERCENTILE = 70.0  # of the frames within 40 dB of the loudest, 3 dB over it
    COMPRESSOR_WITHIN_DB = 40.0
    COMPRESSOR_OVER_DB = 3.0
    COMPRESSOR_KNEE_DB = 6.0
    MONO_SIDE_DB = -40.0


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
        loudness=SimpleNamespace(
            frame_s=0.1, frame_energy=playing * power, short_term_lufs=short_term
        ),
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
        picked = np.isin(NOMINAL_CENTERS_HZ, STATED.RANGE_BANDS[name])
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


# ------------------------------------------------------------------------- the EQ of each range


def test_each_range_has_its_eq() -> None:
    """Bells sit at the geometric centre of their range (to the Hz), shelves at the edge of
    theirs that faces the rest of the spectrum."""
    assert reference.SHAPES == STATED.EQ
    for name, (shape, freq_hz, _q) in STATED.EQ.items():
        low, high = STATED.RANGES_HZ[name]
        edge = {"low_shelf": high, "high_shelf": low}.get(shape, round(np.sqrt(low * high)))
        assert freq_hz == edge, name


@pytest.mark.parametrize("name", list(STATED.RANGES_HZ))
def test_tone_eq_is_the_ranges_shape(name: str) -> None:
    found = _aspect(_suggest(_comparison({name: 4.0})), "tone")
    shape, freq_hz, q = STATED.EQ[name]
    (band,) = found[0].params["bands"]
    assert (band["type"], band["freq_hz"], band["q"]) == (shape, freq_hz, q)
    assert found[0].rule == f"reference_tone:{name}"


def _probe(band: int) -> Comparison:
    """The mix 10 dB over the reference in ``band`` alone, the references spread 1 dB there."""
    comparison = _comparison()
    ref_mid = comparison.ref_mid_db.copy()
    ref_mid[band] -= 10.0
    spread = np.zeros(BANDS)
    spread[band] = 1.0
    return Comparison(**{**vars(comparison), "ref_mid_db": ref_mid, "tone_spread_db": spread})


def test_each_range_reads_its_bands() -> None:
    """The comparison's difference and spread, and the stems' shares, read the same bands."""
    assert set(RANGES_HZ) == set(STATED.RANGE_BANDS)
    moved: dict[str, set[str]] = {name: set() for name in RANGES_HZ}
    spread: dict[str, set[str]] = {name: set() for name in RANGES_HZ}
    for band, label in enumerate(NOMINAL_CENTERS_HZ):
        comparison = _probe(band)
        for name in RANGES_HZ:
            if comparison.range_diff_db(name) != 0.0:
                moved[name].add(label)
            if comparison.range_spread_db(name) != 0.0:
                spread[name].add(label)
    expected = {name: set(labels) for name, labels in STATED.RANGE_BANDS.items()}
    assert moved == expected
    assert spread == expected
    picked = {name: {NOMINAL_CENTERS_HZ[k] for k in np.flatnonzero(reference._in_range(name))}
              for name in RANGES_HZ}  # fmt: skip
    assert picked == expected


@pytest.mark.parametrize("name", list(STATED.RANGES_HZ))
def test_a_stem_counts_in_a_range_by_its_bands_there(name: str) -> None:
    """A part playing only the range's lowest band, or only its highest, carries it all; one
    playing only the bands next to the range carries none of it."""
    labels = STATED.RANGE_BANDS[name]
    first, last = NOMINAL_CENTERS_HZ.index(labels[0]), NOMINAL_CENTERS_HZ.index(labels[-1])
    for band, inside in ((first, True), (last, True), (first - 1, False), (last + 1, False)):
        if not 0 <= band < BANDS:
            continue
        only = _stem("Only.wav", "keys", 0.0)
        only.measurement.bands.mid_power[:, band] = 1.0
        only.measurement.bands.side_power[:, band] = 0.1
        found = reference._contributors(
            Features(
                SimpleNamespace(),
                {"Only.wav": only, "Keys.wav": _stem("Keys.wav", "keys", 1e-6)},
                None,
                (),
                FRAMES,
            ),
            reference._in_range(name).astype(np.float64),
        )
        assert (found[0][0] == "Only.wav" and found[0][1] > 0.99) == inside, (name, band)


def _sided(file: str, mid: float, side: float) -> StemFeatures:
    """A stereo part with flat ``mid`` and ``side`` power in every band."""
    stem = _stem(file, "keys")
    stem.measurement.bands.mid_power = np.full((FRAMES, BANDS), mid)
    stem.measurement.bands.side_power = np.full((FRAMES, BANDS), side)
    return stem


def _exactly(name: str, diff_db: float) -> Comparison:
    """A comparison whose range ``name`` differs by ``diff_db`` to the last bit: the level
    given to the reference's bands nudged a few units in the last place, as the sum of the
    bands' powers rounds."""
    level = diff_db
    for _ in range(64):
        comparison = _comparison({name: level})
        got = comparison.range_diff_db(name)
        if got == diff_db:
            return comparison
        level = float(np.nextafter(level, -np.inf if got > diff_db else np.inf))
    raise AssertionError(f"no level gives exactly {diff_db} dB in {name}")


def test_the_minimum_differences_are_exclusive_and_the_sanity_limit_inclusive() -> None:
    """Differences of exactly 2 dB (tone), 3 dB (width) and 3 LU (dynamics) say nothing; one
    of exactly 40 dB still does."""
    vocal = [_stem("Vox.wav", "lead_vocal")]
    for name in RANGES_HZ:
        comparison = _exactly(name, STATED.TONE_MIN_DB)
        assert comparison.range_diff_db(name) == STATED.TONE_MIN_DB
        assert _aspect(_suggest(comparison), "tone") == []
    limit = _comparison({"mid": STATED.TONE_MAX_DB})
    assert limit.range_diff_db("mid") == STATED.TONE_MAX_DB
    assert len(_aspect(_suggest(limit), "tone")) == 1
    for sign in (1.0, -1.0):
        width = _comparison(width_db=sign * STATED.WIDTH_MIN_DB)
        for name in STATED.WIDTH_RANGES:
            assert width.width_diff_db[reference._in_range(name)].mean() == sign * 3.0
        assert _aspect(_suggest(width), "width") == []
    gap = _comparison(mix_spread_lu=10.0 + STATED.DYNAMICS_MIN_LU, ref_spread_lu=10.0)
    assert _aspect(_suggest(gap, vocal), "dynamics") == []


@pytest.mark.parametrize("name", list(STATED.RANGES_HZ))
@pytest.mark.parametrize("diff", [2.5, -2.5])
def test_tone_eq_gain_closes_the_gap_by_the_filters_response(name: str, diff: float) -> None:
    """One quiet stem carries the range: its EQ (gain to 0.1 dB) moves the range by the
    difference, as the filter's response over the range's bands says."""
    quiet = [_stem("Keys.wav", "keys", 1e-3)]
    (found,) = _aspect(_suggest(_comparison({name: diff}), quiet), "tone")
    (band,) = found.params["bands"]
    picked = reference._in_range(name)
    response = eq_response_db([band], CENTERS_HZ[picked], SR)
    change = 10 * np.log10(np.mean(10 ** (response / 10)))
    assert change == pytest.approx(-diff, abs=0.05)
    assert 0 < abs(band["gain_db"]) < STATED.MAX_EQ_DB and band["gain_db"] == round(
        band["gain_db"], 1
    )
    assert (found.kind, found.severity, found.category) == ("eq", "low", "creative")
    gap = pytest.approx(abs(diff))
    after = pytest.approx(abs(diff + change))
    assert found.target == Target("reference_tone_gap_db", gap, after, "lower", "dB")


def test_tone_predicts_the_change_with_the_stems_it_leaves_alone() -> None:
    """The keys carry 90% of the range, a shaker (under the minimum share) the rest: the EQ on
    the keys moves the range by their part of it only."""
    stems = [_stem("Keys.wav", "keys", 0.9), _stem("Shaker.wav", "shaker", 0.1)]
    (found,) = _aspect(_suggest(_comparison({"mid": 2.5}), stems), "tone")
    assert found.stems == ("Keys.wav",)
    response = eq_response_db(found.params["bands"], CENTERS_HZ[reference._in_range("mid")], SR)
    change = 10 * np.log10(0.9 * np.mean(10 ** (response / 10)) + 0.1)
    assert change == pytest.approx(-2.5, abs=0.05)
    assert found.target.predicted == pytest.approx(abs(2.5 + change))


def test_tone_speaks_per_range() -> None:
    """The mix differs in the bass and the mid; the only part plays the mid alone."""
    mid_only = _stem("Keys.wav", "keys", 0.0)
    mid_only.measurement.bands.mid_power[:, reference._in_range("mid")] = 1.0
    found = _aspect(_suggest(_comparison({"bass": 4.0, "mid": 4.0}), [mid_only]), "tone")
    assert [s.evidence["range"] for s in found] == ["mid"]


def test_tone_evidence() -> None:
    (found,) = _aspect(_suggest(_comparison({"mid": 4.0})), "tone")
    bands = len(STATED.RANGE_BANDS["mid"])
    assert found.evidence == {
        "aspect": "tone", "range": "mid", "mix_minus_reference_db": 4.0,
        "reference_spread_db": 0.0, "share": 1.0,
        "reference_relative_db": round(10 * np.log10(bands) - 4.0 + 14.0, 2),
        "references": ["Ref.wav"], "impact": 2.0,
    }  # fmt: skip


def test_tone_reads_mid_and_width_reads_side() -> None:
    """The keys carry the mid, the pad the side: tone names the keys, width the pad."""
    stems = [_sided("Keys.wav", 1.0, 0.01), _sided("Pad.wav", 0.1, 1.0)]
    assert [s.stems for s in _aspect(_suggest(_comparison({"mid": 4.0}), stems), "tone")] == [
        ("Keys.wav",)
    ]
    width = _aspect(_suggest(_comparison(width_db=6.0), stems), "width")
    assert [s.stems for s in width] == [("Pad.wav",)] * len(STATED.WIDTH_RANGES)


@pytest.mark.parametrize("aspect", ["tone", "width"])
def test_a_share_of_exactly_the_minimum_is_named(aspect: str) -> None:
    """The pad holds 3 of 20 parts of the range's energy (mid and side alike): 15%."""
    stems = [_sided("Keys.wav", 17.0, 17.0), _sided("Pad.wav", 3.0, 3.0)]
    comparison = _comparison({"mid": 4.0}) if aspect == "tone" else _comparison(width_db=6.0)
    found = _aspect(_suggest(comparison, stems), aspect)
    assert found and all(s.stems == ("Keys.wav", "Pad.wav") for s in found)
    assert all(s.evidence["share"] == 1.0 for s in found)


@pytest.mark.parametrize("aspect", ["tone", "width"])
def test_stems_carrying_the_same_share_are_taken_by_name(aspect: str) -> None:
    stems = [_sided(f"{letter}.wav", 1.0, 1.0) for letter in "CBA"]
    comparison = _comparison({"mid": 4.0}) if aspect == "tone" else _comparison(width_db=6.0)
    found = _aspect(_suggest(comparison, stems), aspect)
    assert found and all(s.stems == ("A.wav", "B.wav") for s in found)


def test_silent_stems_carry_nothing() -> None:
    stems = [_stem("Keys.wav", "keys", 0.0)]
    assert _suggest(_comparison({"mid": 4.0}, width_db=6.0), stems) == []


def test_without_a_comparison_there_is_no_direction() -> None:
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR), comparison=None)
    stems = {"Vox.wav": _stem("Vox.wav", "lead_vocal")}
    assert reference.suggest(Features(analysis, stems, _stem("(mix)", "mix"), (), FRAMES)) == []


def test_tone_names_at_most_two_stems() -> None:
    stems = [_stem("Keys.wav", "keys", 0.4), _stem("Pad.wav", "pad", 0.35),
             _stem("Gtr.wav", "guitar", 0.25)]  # fmt: skip
    found = _aspect(_suggest(_comparison({"mid": 4.0}), stems), "tone")
    assert found[0].stems == ("Keys.wav", "Pad.wav")
    assert found[0].evidence["share"] == pytest.approx(0.75, abs=1e-3)


# ------------------------------------------------------------------------------- width's limits


def test_width_names_at_most_two_stems() -> None:
    stems = [_stem("Keys.wav", "keys", 0.4), _stem("Pad.wav", "pad", 0.35),
             _stem("Gtr.wav", "guitar", 0.25)]  # fmt: skip
    found = _aspect(_suggest(_comparison(width_db=6.0), stems), "width")
    assert {s.stems for s in found} == {("Keys.wav", "Pad.wav")}


@pytest.mark.parametrize("share, named", [(0.155, True), (0.145, False)])
def test_width_names_the_stems_carrying_the_minimum_share(share: float, named: bool) -> None:
    stems = [_stem("Keys.wav", "keys", 1.0 - share), _stem("Pad.wav", "pad", share)]
    found = _aspect(_suggest(_comparison(width_db=6.0), stems), "width")
    assert {s.stems for s in found} == {("Keys.wav", "Pad.wav") if named else ("Keys.wav",)}


def test_width_speaks_per_range() -> None:
    """The mix wider than the reference in the air range only; a part with side energy in the
    air range only (none to narrow lower down)."""
    comparison = _comparison()
    air = reference._in_range("air")
    comparison = Comparison(**{**vars(comparison), "mix_side_db": SIDE_DB + 6.0 * air})
    assert [s.evidence["range"] for s in _aspect(_suggest(comparison), "width")] == ["air"]
    airy = _stem("Keys.wav", "keys")
    airy.measurement.bands.side_power = np.where(air, 0.1, 0.0) * np.ones((FRAMES, BANDS))
    found = _aspect(_suggest(_comparison(width_db=6.0), [airy]), "width")
    assert [s.evidence["range"] for s in found] == ["air"]


def test_width_narrows_the_named_stems_to_the_references_width() -> None:
    """The named stems hold 90% of the side energy: their side energy times width squared,
    with the other 10%, brings the mix to the reference's side-to-mid (to 0.01 of width)."""
    stems = [_stem("Keys.wav", "keys", 0.5), _stem("Pad.wav", "pad", 0.4),
             _stem("Gtr.wav", "guitar", 0.1)]  # fmt: skip
    diff = 4.0
    found = _aspect(_suggest(_comparison(width_db=diff), stems), "width")
    for suggestion in found:
        width = suggestion.params["width"]
        predicted = diff + 10 * np.log10(0.1 + 0.9 * width**2)
        assert abs(predicted) < 0.1
        assert suggestion.stems == ("Keys.wav", "Pad.wav")
        assert suggestion.target == Target(
            "reference_width_gap_db", pytest.approx(diff), pytest.approx(abs(predicted)),
            "lower", "dB",
        )  # fmt: skip
        assert (suggestion.kind, suggestion.severity, suggestion.category) == (
            "width", "low", "creative",
        )  # fmt: skip
        assert suggestion.rule == f"reference_width:{suggestion.evidence['range']}"
    assert found[0].evidence == {
        "aspect": "width", "range": "low-mid", "width_diff_db": diff,
        "reference_side_to_mid_db": SIDE_DB, "share": 0.9, "references": ["Ref.wav"],
        "impact": round(diff / 3, 2),
    }  # fmt: skip


@pytest.mark.parametrize("diff", [-10.0, -6.5, -5.5, -3.5, 3.5, 10.0, 11.0, 15.0])
def test_width_is_bounded(diff: float) -> None:
    """One stem carries all the side energy: the width that closes the gap is 10^(-diff/20),
    kept within its bounds."""
    low, high = STATED.WIDTH_BOUNDS
    expected = round(min(max(10 ** (-diff / 20), low), high), 2)
    found = _aspect(_suggest(_comparison(width_db=diff)), "width")
    assert [s.params["width"] for s in found] == [expected] * len(STATED.WIDTH_RANGES)


# ------------------------------------------------------------------------- the compressor's start


def test_the_compressor_starts_over_the_loud_frames() -> None:
    """The vocal's mean square falls 0.5 dB a frame, to -49.5 dB: the threshold is 3 dB over
    the 70th percentile of the frames above 40 dB under its loudest (the frame at exactly
    -40 dB is not one)."""
    vocal = _stem("Vox.wav", "lead_vocal")
    squares = 10 ** (-0.5 * np.arange(FRAMES) / 10)
    assert squares[80] == squares.max() * 10 ** (-STATED.COMPRESSOR_WITHIN_DB / 10)
    vocal.measurement.levels.mean_square_series = squares * 0.01  # loudest at -20 dB
    found = _aspect(_suggest(_comparison(mix_spread_lu=15.0), [vocal]), "dynamics")
    loud = squares[:80] * 0.01
    threshold = 10 * np.log10(np.percentile(loud, STATED.COMPRESSOR_PERCENTILE))
    attack, release, ratio = reference.COMPRESSOR_BY_ROLE["lead_vocal"]
    assert found[0].params == {
        "threshold_db": round(threshold + STATED.COMPRESSOR_OVER_DB, 1), "ratio": ratio,
        "attack_ms": attack, "release_ms": release, "knee_db": STATED.COMPRESSOR_KNEE_DB,
        "makeup_db": 0.0,
    }  # fmt: skip
    assert found[0].params["threshold_db"] == -28.8
    assert (found[0].kind, found[0].severity, found[0].category) == ("compressor", "low",
                                                                     "creative")  # fmt: skip
    assert found[0].target == Target("mix_short_term_spread_lu", 15.0, 14.5, "lower", "LU")
    assert found[0].rule == "reference_dynamics"
    assert found[0].evidence == {
        "aspect": "dynamics", "mix_spread_lu": 15.0, "reference_spread_lu": 10.0,
        "stem_spread_lu": round(short_term_spread_lu(vocal.measurement), 2),
        "references": ["Ref.wav"], "impact": round(5.0 / 3, 2),
    }  # fmt: skip


# ------------------------------------------------------------- the numbers each direction states


def test_a_tone_difference_of_exactly_the_medium_level_is_low() -> None:
    """6 dB to the last bit is still ``low``; the next float up is ``medium``."""
    level = _exactly("mid", STATED.TONE_MEDIUM_DB)
    assert level.range_diff_db("mid") == STATED.TONE_MEDIUM_DB
    assert [s.severity for s in _aspect(_suggest(level), "tone")] == ["low"]
    over = _exactly("mid", float(np.nextafter(STATED.TONE_MEDIUM_DB, np.inf)))
    assert [s.severity for s in _aspect(_suggest(over), "tone")] == ["medium"]


def _named(comparison: Comparison, names: tuple[str, ...]) -> Comparison:
    """The same comparison against the references ``names`` (equal weights)."""
    return Comparison(**{**vars(comparison), "names": names, "weights": (1.0,) * len(names),
                         "match_gain_db": (0.0,) * len(names)})  # fmt: skip


def _carry(named: Sequence[str]) -> str:
    return f"{', '.join(named)} carr{'y' if len(named) > 1 else 'ies'}"


# the stems of the range, their flat powers, and the share the named ones carry (to 0.001)
SHARED = {
    1: ([("Keys.wav", 1.0)], 1.0),
    2: ([("Keys.wav", 0.61234), ("Pad.wav", 0.3), ("Gtr.wav", 0.08766)], 0.91234),
}


@pytest.mark.parametrize(
    "name, diff, refs, count",
    [("mid", 4.1234, ("Ref.wav",), 1), ("air", -4.1234, ("A.wav", "B.wav"), 2),
     ("sub", 5.4321, ("A.wav", "B.wav"), 1)],
)  # fmt: skip
def test_tone_states_its_numbers(name: str, diff: float, refs: tuple[str, ...], count: int) -> None:
    """The why names the difference and its direction, the range, the references and their
    spread, the stems and their share, the EQ and the change it predicts; the evidence holds
    the same numbers to 0.01 dB (the share to 0.001)."""
    spread = 1.2345
    parts, share = SHARED[count]
    stems = [_stem(file, "keys", power) for file, power in parts]
    comparison = _named(_comparison({name: diff}, spread_db=spread), refs)
    (found,) = _aspect(_suggest(comparison, stems), "tone")
    named = tuple(file for file, _ in parts[:2]) if count == 2 else (parts[0][0],)
    assert found.stems == named
    (band,) = found.params["bands"]
    picked = reference._in_range(name)
    response = eq_response_db([band], CENTERS_HZ[picked], SR)
    change = 10 * np.log10(share * np.mean(10 ** (response / 10)) + 1 - share)
    low, high = STATED.RANGES_HZ[name]
    assert found.why == (
        f"At matched loudness the mix has {abs(diff):.1f} dB "
        f"{'more' if diff > 0 else 'less'} energy at {low:g}-{high:g} Hz ({name}) than the "
        f"reference{'s' if len(refs) > 1 else ''} ({', '.join(refs)}; spread {spread:.1f} dB). "
        f"{_carry(named)} {share:.0%} of that range: a {band['gain_db']:+.1f} dB "
        f"{STATED.EQ[name][0].replace('_', ' ')} moves the mix {change:+.1f} dB toward it."
    )
    bands = len(STATED.RANGE_BANDS[name])
    relative = 10 * np.log10(bands * 10 ** (-diff / 10)) - comparison.mix_lufs
    assert found.evidence == {
        "aspect": "tone", "range": name, "mix_minus_reference_db": round(diff, 2),
        "reference_spread_db": round(spread, 2), "share": round(share, 3),
        "reference_relative_db": round(relative, 2), "references": list(refs),
        "impact": round(abs(diff) / 2, 2),
    }  # fmt: skip


@pytest.mark.parametrize("diff, refs, count", [(11.0, ("Ref.wav",), 1),
                                               (-4.1234, ("A.wav", "B.wav"), 2)])  # fmt: skip
def test_width_states_its_numbers(diff: float, refs: tuple[str, ...], count: int) -> None:
    """The why names the range, the difference and its direction, the stems and their share of
    the side energy, the width and the difference it leaves; the evidence holds the same
    numbers to 0.01 dB (the share to 0.001). The reference's side sits 10.1234 dB under its
    mid."""
    parts, share = SHARED[count]
    stems = [_stem(file, "keys", power) for file, power in parts]
    comparison = _named(_comparison(width_db=diff - 0.1234), refs)
    comparison = Comparison(**{**vars(comparison),
                               "ref_side_db": comparison.ref_side_db - 0.1234})  # fmt: skip
    found = _aspect(_suggest(comparison, stems), "width")
    assert [s.evidence["range"] for s in found] == list(STATED.WIDTH_RANGES)
    named = tuple(file for file, _ in parts[:2]) if count == 2 else (parts[0][0],)
    for suggestion in found:
        width = suggestion.params["width"]
        predicted = diff + 10 * np.log10(1 - share + share * width**2)
        low, high = STATED.RANGES_HZ[suggestion.evidence["range"]]
        assert suggestion.why == (
            f"At {low:g}-{high:g} Hz the mix is {abs(diff):.1f} dB "
            f"{'wider' if diff > 0 else 'narrower'} (side against mid) than the reference. "
            f"{_carry(named)} {share:.0%} of the side energy there: width {width:.0%} brings "
            f"the mix to about {predicted:+.1f} dB of it."
        )
        assert suggestion.evidence == {
            "aspect": "width", "range": suggestion.evidence["range"],
            "width_diff_db": round(diff, 2), "reference_side_to_mid_db": round(SIDE_DB - 0.1234, 2),
            "share": round(share, 3), "references": list(refs), "impact": round(abs(diff) / 3, 2),
        }  # fmt: skip


def test_dynamics_states_its_numbers() -> None:
    """The why names both spreads and their gap, the stem and its spread, the ratio and the
    threshold; the evidence holds the spreads to 0.01 LU."""
    mix, ref, moves = 15.1234, 10.4321, 7.12345
    vocal = _stem("Vox.wav", "lead_vocal", spread_lu=moves)
    comparison = _named(_comparison(mix_spread_lu=mix, ref_spread_lu=ref), ("A.wav", "B.wav"))
    (found,) = _aspect(_suggest(comparison, [vocal]), "dynamics")
    stem_spread = short_term_spread_lu(vocal.measurement)
    assert stem_spread == pytest.approx(moves, abs=0.01)
    ratio, threshold = found.params["ratio"], found.params["threshold_db"]
    assert found.why == (
        f"The mix's short-term loudness spreads {mix:.1f} LU, {mix - ref:.1f} LU more than the "
        f"reference's {ref:.1f} LU. Vox.wav moves most ({stem_spread:.1f} LU): a {ratio:g}:1 "
        f"compressor from {threshold:.1f} dB is a starting point to judge by ear."
    )
    assert found.evidence == {
        "aspect": "dynamics", "mix_spread_lu": round(mix, 2), "reference_spread_lu": round(ref, 2),
        "stem_spread_lu": round(stem_spread, 2), "references": ["A.wav", "B.wav"],
        "impact": round((mix - ref) / 3, 2),
    }  # fmt: skip


# --------------------------------------------------------------------- doubts about a reference


def test_the_code_holds_the_stated_doubts() -> None:
    n = STATED
    assert reference_doubts.QUIETER_THAN_MIX_LU == n.QUIETER_THAN_MIX_LU
    assert reference_doubts.SPAN_WITHIN_DB == n.SPAN_WITHIN_DB
    assert reference_doubts.MIN_FULL_BANDS == n.MIN_FULL_BANDS
    assert reference_doubts.MONO_SIDE_DB == n.MONO_SIDE_DB
    assert (n.SPAN_BANDS[0], n.SPAN_BANDS[-1], len(n.SPAN_BANDS)) == ("40", "12.5k", 26)
    span = reference_doubts.bands_between(reference_doubts.SPAN_LOW_HZ,
                                          reference_doubts.SPAN_HIGH_HZ)  # fmt: skip
    assert tuple(NOMINAL_CENTERS_HZ[k] for k in span) == n.SPAN_BANDS


def test_the_doc_states_the_doubts() -> None:
    n = STATED
    sentences = [
        f"it is more than **{n.QUIETER_THAN_MIX_LU:.0f} LU quieter than the mix**",
        f"its long-term spectrum fills **fewer than {n.MIN_FULL_BANDS} of the "
        f"{len(n.SPAN_BANDS)} third-octave bands from {n.SPAN_BANDS[0]} Hz to "
        f"{n.SPAN_BANDS[-1][:-1]} kHz** within {n.SPAN_WITHIN_DB:.0f} dB of its loudest band",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence


def _reference(
    mid: dict[str, float] | None = None, side: dict[str, float] | None = None,
    lufs: float = -14.0, channels: int = 2, side_to_mid_db: float | None = -10.0,
    stereo: bool = True,
) -> Any:  # fmt: skip
    """A reference whose long-term mid (and side) band levels are ``mid`` (``side``) in dB by
    nominal band, -100 dB elsewhere; every band in the span at 0 dB when ``mid`` is None."""
    levels = {label: 0.0 for label in STATED.SPAN_BANDS} if mid is None else mid
    frames = 50

    def power(db: dict[str, float]) -> np.ndarray:
        row = np.array([10 ** (db.get(label, -100.0) / 10) for label in NOMINAL_CENTERS_HZ])
        return np.tile(row, (frames, 1))

    return SimpleNamespace(
        channels=channels,
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=np.ones(frames), integrated_lufs=lufs),
        bands=SimpleNamespace(mid_power=power(levels), side_power=power(side or {})),
        stereo=SimpleNamespace(side_to_mid_db=side_to_mid_db) if stereo else None,
    )


def _mix(lufs: float = -14.0) -> Any:
    return SimpleNamespace(loudness=SimpleNamespace(frame_s=0.1, integrated_lufs=lufs))


@pytest.mark.parametrize("gap, doubted", [(9.99, False), (10.0, False), (10.01, True)])
def test_a_reference_far_quieter_than_the_mix_is_doubted(gap: float, doubted: bool) -> None:
    assert -14.0 - (-14.0 - STATED.QUIETER_THAN_MIX_LU) == STATED.QUIETER_THAN_MIX_LU
    doubts = doubts_about(_reference(lufs=-14.0 - gap), _mix(-14.0))
    assert len(doubts) == doubted
    if doubted:
        assert doubts[0].startswith(f"it is {gap:.1f} LU quieter than the mix")


def test_loudness_is_not_doubted_without_a_mix_or_a_loudness() -> None:
    assert doubts_about(_reference(lufs=-40.0), None) == ()
    assert doubts_about(_reference(lufs=float("-inf")), _mix()) == ()


def _full(count: int, *extra: str) -> dict[str, float]:
    """The first ``count`` bands of the span at 0 dB, and the ``extra`` bands."""
    return {label: 0.0 for label in (*STATED.SPAN_BANDS[:count], *extra)}


@pytest.mark.parametrize("count", [STATED.MIN_FULL_BANDS - 1, STATED.MIN_FULL_BANDS, 26])
def test_a_reference_filling_few_bands_is_doubted(count: int) -> None:
    ref = _reference(_full(count))
    assert full_bands(ref) == count
    doubts = doubts_about(ref, _mix())
    if count < STATED.MIN_FULL_BANDS:
        assert doubts == (f"its spectrum fills {count} of the 26 bands from 40 Hz to 12.5 kHz, "
                          "like one instrument",)  # fmt: skip
    else:
        assert doubts == ()


@pytest.mark.parametrize(
    "edges, count",
    [(("40", "12.5k"), 18), (("31.5", "12.5k"), 17), (("40", "16k"), 17), (("25", "20k"), 16)],
)  # fmt: skip
def test_the_span_runs_from_the_40_hz_band_to_the_12_5_khz_band(
    edges: tuple[str, ...], count: int
) -> None:
    """16 bands inside the span, and two at or beyond its edges."""
    middle = STATED.SPAN_BANDS[1:17]
    ref = _reference(dict.fromkeys((*middle, *edges), 0.0))
    assert full_bands(ref) == count
    assert bool(doubts_about(ref, _mix())) == (count < STATED.MIN_FULL_BANDS)


@pytest.mark.parametrize("under, counts", [(STATED.SPAN_WITHIN_DB - 0.05, True),
                                           (STATED.SPAN_WITHIN_DB + 0.05, False)])  # fmt: skip
def test_a_band_counts_within_its_range_of_the_loudest(under: float, counts: bool) -> None:
    """17 bands at 0 dB, one more ``under`` dB under them, the rest 60 dB under."""
    levels = {**dict.fromkeys(STATED.SPAN_BANDS, -60.0), **_full(17), STATED.SPAN_BANDS[20]: -under}
    ref = _reference(levels)
    assert full_bands(ref) == 17 + counts
    assert bool(doubts_about(ref, _mix())) == (not counts)


def test_a_band_exactly_its_range_under_the_loudest_counts() -> None:
    """Bands at 100 dB and one at 70 dB: powers of ten, read back to the bit."""
    loud = {label: 100.0 for label in STATED.SPAN_BANDS[:17]}
    ref = _reference({**loud, STATED.SPAN_BANDS[20]: 100.0 - STATED.SPAN_WITHIN_DB})
    assert full_bands(ref) == 18


def test_the_loudest_band_is_read_in_the_span() -> None:
    """A 20 kHz whistle 40 dB over the music does not push the music's bands out."""
    ref = _reference({**_full(26), "20k": 40.0, "25": 40.0})
    assert full_bands(ref) == 26 and doubts_about(ref, _mix()) == ()


def test_side_energy_counts_in_a_band() -> None:
    """Nine bands in mid, nine others in side only: eighteen full bands. Side alone just
    within the range counts, just outside it does not; mid and side each 3 dB under the
    range's end count together."""
    ref = _reference(_full(9), side=dict.fromkeys(STATED.SPAN_BANDS[9:18], 0.0))
    assert full_bands(ref) == 18
    edge = -STATED.SPAN_WITHIN_DB
    side = {STATED.SPAN_BANDS[20]: edge + 0.5, STATED.SPAN_BANDS[21]: edge - 0.5}
    assert full_bands(_reference(_full(17), side=side)) == 18
    both = {STATED.SPAN_BANDS[20]: edge - 2.9}
    assert full_bands(_reference({**_full(17), **both}, side=both)) == 18
    assert full_bands(_reference({**_full(17), **both})) == 17


@pytest.mark.parametrize(
    "channels, side_to_mid_db, stereo, mono",
    [(1, -10.0, True, True), (2, STATED.MONO_SIDE_DB - 0.01, True, True),
     (2, STATED.MONO_SIDE_DB, True, False), (2, STATED.MONO_SIDE_DB + 0.1, True, False),
     (2, None, True, False), (2, -60.0, False, False)],
)  # fmt: skip
def test_a_one_instrument_reference_says_when_it_is_mono(
    channels: int, side_to_mid_db: float | None, stereo: bool, mono: bool
) -> None:
    ref = _reference(_full(10), channels=channels, side_to_mid_db=side_to_mid_db, stereo=stereo)
    (doubt,) = doubts_about(ref, _mix())
    assert doubt.endswith(", and it is mono") == mono
    assert doubts_about(_reference(channels=1, side_to_mid_db=-60.0), _mix()) == ()
