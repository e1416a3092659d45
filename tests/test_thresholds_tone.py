"""Thresholds of the tone rules (resonance, harshness, tilt), pinned from both sides.

The rules run on features built directly from per-frame band powers (no audio, no meters): a part
whose third-octave spectrum is set band by band, so its excess over its neighbours, its 2-5 kHz
against 200 Hz-1 kHz ratio and its slope are the numbers wanted. Where a comparison in the code
can meet its threshold exactly, the inputs are searched float by float for one that lands on it
and the nearest ones either side, so a ``<`` turned into ``<=`` fails a test as well as a number
moved. The boundary tests are built on the numbers docs/rules/lowend.md states, and the code's
constants are compared with the same numbers. The shared band-spectrum helpers (spectrum.py) are
pinned at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis.dsp.eq import eq_response_db
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, NOMINAL_CENTERS_HZ, band_edges_hz
from mixreview.analysis.roles import ROLES
from mixreview.analysis.suggest import spectrum, tone
from mixreview.analysis.suggest.features import CENTERS_HZ, Features, StemFeatures, band_range
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.spectrum import active_power, band_power_gain
from tests.conftest import SR

RAW_DOC = (Path(__file__).resolve().parent.parent / "docs" / "rules" / "lowend.md").read_text()
DOC = " ".join(RAW_DOC.split())  # the doc's prose with its line breaks undone
FRAMES = 100  # 10 s on the 100 ms grid: a share of k frames is exactly k / 100
BANDS = len(BAND_CENTERS_HZ)


def _band(nominal: str) -> int:
    return NOMINAL_CENTERS_HZ.index(nominal)


RING = _band("1k")  # where the built resonances ring
HIGH_BAND = _band("3.15k")  # where the built harshness sits
BODY = band_range(200.0, 1000.0)
# levels to build an exact boundary on: one of them lets a searched input land on it
BASES = (1.0, 2.0, 3.0, 5.0, 7.0, 0.5, 0.25, 1.5, 1.25, 0.75, 0.1, 6.0)


class STATED:
    """The numbers docs/rules/lowend.md states for the tone rules (RESPONSE_POINTS is the code's
    alone; MIN_ACTIVE_FRAMES and HARSH_CUTS_DB are numbers in the code's calls, pinned by the
    tests that reach them). The code's constants must equal them, and the boundary tests are
    built on them: a constant moved in the code moves the rule off the inputs built here."""

    RESONANCE_LOW_HZ = 150.0
    RESONANCE_HIGH_HZ = 8000.0
    RESONANCE_FIRE_DB = 8.0
    RESONANCE_FRAME_DB = 6.0
    RESONANCE_PERSISTENCE = 0.75
    RESONANCE_WITHIN_DB = 20.0
    RESONANCE_MEDIUM_DB = 12.0
    RING_NEAR_MIN_DB = 6.0
    RING_SKIRT_DB = 1.0
    RESONANCE_Q = 4.32
    RESONANCE_MIN_CUT_DB = 1.0
    RESONANCE_MAX_CUT_DB = 6.0
    RESONANCE_SHRINK = 0.5
    NO_RESONANCE_ROLES = ("kick", "bass")
    HARSH_LIMITS_DB: ClassVar[dict[str, float]] = {
        "lead_vocal": 0.0, "backing_vocal": 0.0, "guitar": 8.0, "synth": 8.0, "keys": 3.0,
        "pad": 0.0,
    }  # fmt: skip
    HARSH_MEDIUM_DB = 3.0
    HARSH_Q = 1.0
    HARSH_TARGET_BELOW_DB = 1.0
    HARSH_SHRINK_DB = 1.0
    HARSH_HIGH = (2000.0, 5000.0)
    HARSH_BODY = (200.0, 1000.0)
    TILT_WINDOWS: ClassVar[dict[str, tuple[float, float]]] = {
        "lead_vocal": (-9.0, 3.0), "backing_vocal": (-10.0, 3.0), "guitar": (-15.0, 4.0),
        "synth": (-15.0, 7.0), "keys": (-18.0, 3.0), "pad": (-20.0, 3.0),
    }  # fmt: skip
    TILT_SHELF_HZ = 3000.0
    TILT_SHELF_DB = 3.0
    TILT_BANDS = (200.0, 8000.0)
    # not constants in the code
    MIN_ACTIVE_FRAMES = 20
    HARSH_CUTS_DB = (1.0, 6.0, 0.5)  # first, last, step
    # spectrum.py, the code's alone
    RESPONSE_POINTS = 33


NOT_CONSTANTS = ("MIN_ACTIVE_FRAMES", "HARSH_CUTS_DB", "RESPONSE_POINTS")


def _part(
    power: np.ndarray,
    role: str = "guitar",
    playing: np.ndarray | None = None,
    side: np.ndarray | None = None,
) -> StemFeatures:
    """A part whose band powers are ``power`` (one row for every frame, or one row per frame;
    ``side`` adds side power the same way) where it plays (every frame, or where ``playing``
    says), silent elsewhere."""
    plays = np.ones(FRAMES, bool) if playing is None else np.asarray(playing, bool)

    def rows(values: np.ndarray | None) -> np.ndarray:
        if values is None:
            return np.zeros((FRAMES, BANDS))
        out = np.array(np.broadcast_to(np.asarray(values, np.float64), (FRAMES, BANDS)))
        out[~plays] = 0.0
        return out

    measurement: Any = SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=plays.astype(np.float64)),
        bands=SimpleNamespace(mid_power=rows(power), side_power=rows(side)),
    )
    return StemFeatures("Part.wav", role, measurement, FRAMES)


def _features(stem: StemFeatures) -> Features:
    analysis: Any = SimpleNamespace(session=SimpleNamespace(sample_rate=SR))
    return Features(analysis, {stem.file: stem}, None, (), FRAMES)


Rule = Callable[[Features, StemFeatures], "Suggestion | None"]


def _rule(rule: Rule, power: np.ndarray, role: str = "guitar", **kw: Any) -> Suggestion | None:
    stem = _part(power, role, **kw)
    return rule(_features(stem), stem)


def _exact(
    value: Callable[[float], float], start: float, target: float, steps: int = 64
) -> tuple[float, float, float] | None:
    """Inputs near ``start`` whose ``value`` is just under ``target``, exactly on it and just
    over it: (under, on, over), the nearest floats to the first input found on it. None when no
    float within ``steps`` of ``start`` lands on it."""
    xs = [float(start)]
    for _ in range(steps):
        xs.insert(0, float(np.nextafter(xs[0], -np.inf)))
        xs.append(float(np.nextafter(xs[-1], np.inf)))
    ys = [value(x) for x in xs]
    on = [i for i, y in enumerate(ys) if y == target]
    if not on:
        return None
    under = [i for i, y in enumerate(ys) if y < target]
    over = [i for i, y in enumerate(ys) if y > target]
    if not under or not over:
        return None
    i = on[0]
    return (
        xs[min(under, key=lambda j: abs(j - i))],
        xs[i],
        xs[min(over, key=lambda j: abs(j - i))],
    )


def _first_exact(
    families: Sequence[tuple[Callable[[float], float], float]], target: float
) -> tuple[int, tuple[float, float, float]]:
    """The first family (value, start) that can land on ``target``: its index and its inputs."""
    for k, (value, start) in enumerate(families):
        found = _exact(value, start, target)
        if found is not None:
            return k, found
    raise AssertionError(f"no input lands on {target!r} exactly")


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    stated = {k: v for k, v in vars(STATED).items() if k.isupper() and k not in NOT_CONSTANTS}
    assert {k: getattr(tone, k) for k in stated} == stated
    assert spectrum.RESPONSE_POINTS == STATED.RESPONSE_POINTS


def test_the_doc_states_the_resonance_numbers() -> None:
    n = STATED
    bands = band_range(n.RESONANCE_LOW_HZ, n.RESONANCE_HIGH_HZ)
    first, last = NOMINAL_CENTERS_HZ[bands[0]], NOMINAL_CENTERS_HZ[bands[-1]]
    sentences = [
        f"A band (centres {n.RESONANCE_LOW_HZ:g} Hz-{n.RESONANCE_HIGH_HZ / 1000:g} kHz: the "
        f"{first} Hz to {last[:-1]} kHz bands)",
        f"its long-term level is at least **{n.RESONANCE_FIRE_DB:g} dB** above the mean power "
        "of its two neighbouring bands",
        f"it is more than {n.RESONANCE_FRAME_DB:g} dB above them in at least "
        f"**{n.RESONANCE_PERSISTENCE:.0%}** of the frames where the part plays",
        f"it is within {n.RESONANCE_WITHIN_DB:g} dB of the part's loudest band",
        f"exactly {n.RESONANCE_WITHIN_DB:g} dB under still counts",
        f"a band already at least **{n.RING_NEAR_MIN_DB:g} dB** over its neighbours "
        "(`RING_NEAR_MIN_DB`) is also measured against the bands two away, less "
        f"**{n.RING_SKIRT_DB:g} dB** (`RING_SKIRT_DB`), and its excess is the larger reading, "
        "over the whole part and in each frame alike",
        "Kick and bass are skipped",
        "the one with the largest excess is cut (the lower band on a tie)",
        f"**Q {n.RESONANCE_Q:g}**",
        f"depth **half the excess** rounded to 0.5 dB, {n.RESONANCE_MIN_CUT_DB:g} to "
        f"{n.RESONANCE_MAX_CUT_DB:g} dB",
        f"since the excess is at least {n.RESONANCE_FIRE_DB:g} dB the cut is at least "
        f"{n.RESONANCE_FIRE_DB / 2:g} dB",
        f"Severity low, medium from {n.RESONANCE_MEDIUM_DB:g} dB. `technical`.",
        "it shrinks by at least **half the cut's depth**",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence
    assert n.NO_RESONANCE_ROLES == ("kick", "bass") and n.RESONANCE_SHRINK == 0.5


def _hz(value: float) -> str:
    return f"{value / 1000:g} kHz" if value >= 1000 else f"{value:g} Hz"


def test_the_doc_states_the_harshness_numbers() -> None:
    n = STATED
    (hi_low, hi_high), (body_low, body_high) = n.HARSH_HIGH, n.HARSH_BODY
    first, last, step = n.HARSH_CUTS_DB
    sentences = [
        f"The energy in {hi_low / 1000:g}-{hi_high / 1000:g} kHz (the {_hz(hi_low)[:-4]} to "
        f"{_hz(hi_high)} bands) against the energy in {body_low:g} Hz-{body_high / 1000:g} kHz "
        f"(the {_hz(body_low)} to {_hz(body_high)} bands)",
        "(a ratio equal to it is not over)",
        f"**Q {n.HARSH_Q:g}** (broad), at the loudest band of 2-5 kHz",
        f"the smallest depth ({step:g} dB steps, {first:g}-{last:g} dB) predicted to bring "
        f"the ratio {n.HARSH_TARGET_BELOW_DB:g} dB under the limit, or {last:g} dB when none "
        "does",
        f"Severity low, medium when more than {n.HARSH_MEDIUM_DB:g} dB over. `technical`.",
        f"stated margin: down at least {n.HARSH_SHRINK_DB:g} dB.",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence
    section = RAW_DOC[RAW_DOC.index("rule `harshness`") : RAW_DOC.index("rule `tilt`")]
    found: dict[str, float] = {}
    for names, limit in re.findall(r"([a-z_]+(?:, [a-z_]+)?) \| ([-+]?\d+) dB", section):
        for role in names.split(", "):
            found[role] = float(limit)
    assert found == n.HARSH_LIMITS_DB
    others = ", ".join(r for r in ROLES if r not in n.HARSH_LIMITS_DB)
    assert f"Other roles ({others}) get no `harshness` rule" in DOC


def test_the_doc_states_the_tilt_numbers() -> None:
    n = STATED
    low, high = n.TILT_BANDS
    sentences = [
        f"The slope of the long-term third-octave spectrum from {low:g} Hz to "
        f"{high / 1000:g} kHz (least-squares line",
        f"a band between {low:g} Hz and {high / 1000:g} kHz that holds no energy at all",
        "(a slope on an edge is inside)",
        f"**±{n.TILT_SHELF_DB:g} dB high shelf at {n.TILT_SHELF_HZ / 1000:g} kHz** toward the "
        f"window (+{n.TILT_SHELF_DB:g} dB for a part darker than the window, "
        f"-{n.TILT_SHELF_DB:g} dB for one brighter)",
        "Always `creative`, severity low",
        "into the window when the shelf is predicted to reach it, else closer to the window's edge",
        f"The three tone rules judge a part that plays for at least "
        f"**{n.MIN_ACTIVE_FRAMES / 10:g} s** ({n.MIN_ACTIVE_FRAMES} frames of 100 ms)",
    ]
    for sentence in sentences:
        assert sentence in DOC, sentence
    section = RAW_DOC[RAW_DOC.index("rule `tilt`") :]
    rows = re.findall(r"\| ([a-z_]+) \| ([-+]?\d+) \.\. ([-+]?\d+) ", section)
    rows += re.findall(r"\| ([a-z_]+) \| ([-+]?\d+) \.\. ([-+]?\d+) \|$", section, re.M)
    assert {role: (float(lo), float(hi)) for role, lo, hi in rows} == n.TILT_WINDOWS


# ------------------------------------------------------------------------------ resonance


def _ring(excess_db: float, band: int = RING, floor: float = 1.0) -> np.ndarray:
    """A flat spectrum at ``floor`` with ``band`` ``excess_db`` over it."""
    power = np.full(BANDS, floor)
    power[band] = floor * 10.0 ** (excess_db / 10.0)
    return power


def _ring_at(power_in_band: float, floor: float) -> np.ndarray:
    power = np.full(BANDS, floor)
    power[RING] = power_in_band
    return power


def _long_term_excess(floor: float) -> Callable[[float], float]:
    """The long-term excess the rule reads, for a ring of a given power over ``floor``."""

    def value(power_in_band: float) -> float:
        stem = _part(_ring_at(power_in_band, floor))
        return float(tone.ring_excess_db(active_power(stem), RING))

    return value


def _ring_edge(excess_db: float) -> tuple[float, float, float, float]:
    """A floor, and ring powers over it whose long-term excess is just under, exactly on and
    just over ``excess_db``."""
    k, (under, on, over) = _first_exact(
        [(_long_term_excess(f), f * 10.0 ** (excess_db / 10.0)) for f in BASES], excess_db
    )
    return BASES[k], under, on, over


def _resonance(power: np.ndarray, role: str = "guitar", **kw: Any) -> Suggestion | None:
    return _rule(tone.resonance_rule, power, role, **kw)


@pytest.mark.parametrize("nominal, fires", [("125", False), ("160", True), ("8k", True),
                                            ("10k", False)])  # fmt: skip
def test_resonance_looks_at_the_160_hz_to_8_khz_bands(nominal: str, fires: bool) -> None:
    found = _resonance(_ring(12.0, _band(nominal)))
    assert (found is not None) == fires
    if found is not None:
        assert found.params["bands"][0]["freq_hz"] == round(BAND_CENTERS_HZ[_band(nominal)], 1)


def test_resonance_speaks_from_the_fire_excess() -> None:
    floor, under, on, _over = _ring_edge(STATED.RESONANCE_FIRE_DB)
    assert _resonance(_ring_at(under, floor)) is None
    found = _resonance(_ring_at(on, floor))
    assert found is not None and found.rule == "resonance" and found.kind == "eq"
    assert found.evidence["excess_db"] == STATED.RESONANCE_FIRE_DB
    assert found.evidence["threshold_db"] == STATED.RESONANCE_FIRE_DB
    assert found.evidence["impact"] == 0.0
    assert found.severity == "low" and found.category == "technical"


def test_a_ring_is_medium_from_the_medium_excess() -> None:
    floor, under, on, _over = _ring_edge(STATED.RESONANCE_MEDIUM_DB)
    low, medium = _resonance(_ring_at(under, floor)), _resonance(_ring_at(on, floor))
    assert low is not None and medium is not None
    assert (low.severity, medium.severity) == ("low", "medium")
    assert medium.evidence["impact"] == STATED.RESONANCE_MEDIUM_DB - STATED.RESONANCE_FIRE_DB


STRONG = 25.0  # a frame's ring power over a floor of 1: 14 dB over its neighbours


def _frames(strong: int, edge_frame: float | None = None) -> np.ndarray:
    """Per-frame powers: the ring ``STRONG`` in the first ``strong`` frames, ``edge_frame`` in
    the next one (if given), level with its neighbours in the rest."""
    power = np.ones((FRAMES, BANDS))
    power[:strong, RING] = STRONG
    if edge_frame is not None:
        power[strong, RING] = edge_frame
    return power


def test_a_frame_counts_when_the_ring_is_more_than_frame_db_over() -> None:
    """74 frames ring clearly, 25 not at all, and one sits on the line: the part rings in
    three quarters of its frames only when that frame is over it."""
    strong = round(STATED.RESONANCE_PERSISTENCE * FRAMES) - 1

    def value(power_in_band: float) -> float:
        stem = _part(_frames(strong, power_in_band))
        frames = stem.band_power[stem.active]
        return float(tone.ring_excess_db(frames, RING)[strong])

    _under, on, over = _first_exact(
        [(value, 10.0 ** (STATED.RESONANCE_FRAME_DB / 10.0))], STATED.RESONANCE_FRAME_DB
    )[1]
    assert _resonance(_frames(strong, on)) is None
    found = _resonance(_frames(strong, over))
    assert found is not None and found.evidence["persistence"] == STATED.RESONANCE_PERSISTENCE


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_resonance_needs_the_persistence(extra: int, fires: bool) -> None:
    strong = round(STATED.RESONANCE_PERSISTENCE * FRAMES) + extra
    found = _resonance(_frames(strong))
    assert (found is not None) == fires
    if found is not None:
        assert found.evidence["persistence"] == STATED.RESONANCE_PERSISTENCE
        assert f"in {STATED.RESONANCE_PERSISTENCE:.0%} of the frames" in found.why


def _under_a_loud_low_end(power_in_band: float) -> np.ndarray:
    """The part loudest below the resonance range (30 dB, the 25-125 Hz bands), flat at 0 dB
    above, a ring of ``power_in_band`` at 1 kHz."""
    power = _ring_at(power_in_band, 1.0)
    power[: _band("160")] = 1000.0
    return power


def test_a_ring_counts_within_within_db_of_the_loudest_band() -> None:
    """The ring 10 dB over its neighbours sits exactly 20 dB under the loudest band; a hair
    quieter, it is left out."""
    on = 10.0  # 10 dB, 20 dB under the 30 dB low end: powers of ten read exactly

    def level(power_in_band: float) -> float:
        return float(_part(_under_a_loud_low_end(power_in_band)).spectrum_db[RING])

    stem = _part(_under_a_loud_low_end(on))
    assert stem.spectrum_db.max() - STATED.RESONANCE_WITHIN_DB == stem.spectrum_db[RING]
    found = _resonance(_under_a_loud_low_end(on))
    assert found is not None and found.evidence["excess_db"] == 10.0
    under = _exact(level, on, float(stem.spectrum_db[RING]))
    assert under is not None
    assert _resonance(_under_a_loud_low_end(under[0])) is None


def _narrow(near_db: float, wide_db: float, rest_db: float | None = None) -> np.ndarray:
    """A ring at 0 dB, its neighbours ``near_db`` under it, the bands two away ``wide_db`` under
    it, the rest ``rest_db`` under it (as far as the bands two away when None)."""
    power = np.full(BANDS, 10.0 ** (-(wide_db if rest_db is None else rest_db) / 10.0))
    power[RING] = 1.0
    power[[RING - 1, RING + 1]] = 10.0 ** (-near_db / 10.0)
    power[[RING - 2, RING + 2]] = 10.0 ** (-wide_db / 10.0)
    return power


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_a_ring_over_ring_near_db_is_measured_two_bands_away(offset: float, fires: bool) -> None:
    """Skirts 6 dB under the ring, the rest 20 dB under: read two bands away, the ring stands
    19 dB out; read against its neighbours alone, under 8 dB."""
    found = _resonance(_narrow(STATED.RING_NEAR_MIN_DB + offset, 20.0))
    assert (found is not None) == fires
    if found is not None:
        assert found.evidence["excess_db"] == 20.0 - STATED.RING_SKIRT_DB


@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_two_bands_away_counts_less_the_skirt(offset: float, fires: bool) -> None:
    """Neighbours 7 dB under the ring, and the bands three away too: it speaks when the bands
    two away sit more than the fire excess plus the skirt under it."""
    wide = STATED.RESONANCE_FIRE_DB + STATED.RING_SKIRT_DB + offset
    found = _resonance(_narrow(7.0, wide, rest_db=7.0))
    assert (found is not None) == fires
    if found is not None:
        assert found.evidence["excess_db"] == round(wide - STATED.RING_SKIRT_DB, 2)


def test_ring_excess_reads_two_bands_away_from_ring_near_db_exactly() -> None:
    """On the array: neighbours exactly 6 dB under the ring switch the wide reading on (the
    bands two away 30 dB under it); a hair closer to the ring, they leave it off."""

    def around(ring: float, near: float) -> np.ndarray:
        power = np.full(BANDS, ring * 1e-3)
        power[RING] = ring
        power[[RING - 1, RING + 1]] = near
        return power

    def near_db(ring: float) -> Callable[[float], float]:
        return lambda near: float(tone.neighbour_excess_db(around(ring, near), RING))

    k, (closer, on, _further) = _first_exact(
        [(near_db(r), r * 10.0 ** (-STATED.RING_NEAR_MIN_DB / 10)) for r in BASES],
        STATED.RING_NEAR_MIN_DB,
    )
    ring = BASES[k]
    wide = float(tone.wide_excess_db(around(ring, on), RING))
    assert wide == pytest.approx(30.0)
    assert float(tone.ring_excess_db(around(ring, on), RING)) == wide - STATED.RING_SKIRT_DB
    read = float(tone.ring_excess_db(around(ring, closer), RING))
    assert read == near_db(ring)(closer) < STATED.RING_NEAR_MIN_DB


@pytest.mark.parametrize(
    "excess, gain_db",
    [(8.2, -4.0), (9.4, -4.5), (9.6, -5.0), (11.4, -5.5), (11.6, -6.0), (13.2, -6.0),
     (19.0, -6.0)],
)  # fmt: skip
def test_the_cut_is_half_the_excess_rounded_at_most_max_cut(excess: float, gain_db: float) -> None:
    """13.2 dB asks 6.6 dB, rounded to 6.5 and held at the deepest cut."""
    found = _resonance(_ring(excess))
    assert found is not None
    assert found.params == {"bands": [{"type": "peaking", "freq_hz": 1000.0, "gain_db": gain_db,
                                       "q": STATED.RESONANCE_Q}]}  # fmt: skip
    assert found.evidence["promised_shrink_db"] == -gain_db * STATED.RESONANCE_SHRINK


def test_the_cut_is_never_under_min_cut() -> None:
    """The smallest excess that speaks asks for half of it: the floor of the cut is never
    reached (an equivalent number, pinned by the doc and the constant)."""
    assert STATED.RESONANCE_FIRE_DB / 2 > STATED.RESONANCE_MIN_CUT_DB
    found = _resonance(_ring(STATED.RESONANCE_FIRE_DB + 0.01))
    assert found is not None
    assert found.params["bands"][0]["gain_db"] == -STATED.RESONANCE_FIRE_DB / 2


@pytest.mark.parametrize("excess", [8.5, 10.0, 12.0, 16.0])
def test_the_cut_shrinks_the_excess_by_the_promised_share(excess: float) -> None:
    found = _resonance(_ring(excess))
    assert found is not None
    promised = found.evidence["promised_shrink_db"]
    assert found.target.before == pytest.approx(excess)
    assert found.target.before - found.target.predicted >= promised
    assert found.target.metric == "band_excess_db" and found.target.goal == "lower"


@pytest.mark.parametrize("role", ROLES)
def test_kick_and_bass_get_no_resonance_rule(role: str) -> None:
    found = _resonance(_ring(12.0), role)
    assert (found is None) == (role in STATED.NO_RESONANCE_ROLES)


@pytest.mark.parametrize("second_db, cut_band", [(14.0, 20), (10.0, 12)])
def test_the_largest_ring_is_cut_and_the_lower_band_on_a_tie(
    second_db: float, cut_band: int
) -> None:
    power = _ring(10.0, 12)
    power[20] = 10.0 ** (second_db / 10.0)
    found = _resonance(power)
    assert found is not None
    other = 12 if cut_band == 20 else 20
    assert found.params["bands"][0]["freq_hz"] == round(BAND_CENTERS_HZ[cut_band], 1)
    assert found.evidence["other_resonances_hz"] == [round(BAND_CENTERS_HZ[other], 1)]


# ------------------------------------------------------------------------------ harshness


def _harsh_power(high: float, body: float = 1.0, band: int = HIGH_BAND) -> np.ndarray:
    """``body`` in each 200 Hz-1 kHz band (8 of them), ``high`` in one 2-5 kHz band."""
    power = np.zeros(BANDS)
    power[BODY] = body
    power[band] = high
    return power


def _harshness_of(body: float) -> Callable[[float], float]:
    def value(high: float) -> float:
        return tone.harshness_db(active_power(_part(_harsh_power(high, body))))

    return value


def _harsh_edge(ratio_db: float) -> tuple[float, tuple[float, float, float]]:
    """A body level and the 2-5 kHz powers over it that read just under, exactly on and just
    over ``ratio_db``."""
    k, found = _first_exact(
        [(_harshness_of(b), 8 * b * 10.0 ** (ratio_db / 10.0)) for b in BASES], ratio_db
    )
    return BASES[k], found


def _harshness(power: np.ndarray, role: str = "lead_vocal", **kw: Any) -> Suggestion | None:
    return _rule(tone.harshness_rule, power, role, **kw)


@pytest.mark.parametrize(
    "nominal, counts",
    [("1.6k", 0), ("2k", 1), ("5k", 1), ("6.3k", 0), ("160", 0), ("200", -1), ("1k", -1),
     ("1.25k", 0)],
)  # fmt: skip
def test_harshness_reads_2_to_5_khz_against_200_hz_to_1_khz(nominal: str, counts: int) -> None:
    """1 in the 500 Hz and the 3.15 kHz bands reads 0 dB; another 1 in a band of the high
    range doubles the top (+3 dB), in the body the bottom (-3 dB), elsewhere nothing."""
    power = np.zeros(BANDS)
    power[[_band("500"), HIGH_BAND]] = 1.0
    assert tone.harshness_db(power) == 0.0
    power[_band(nominal)] += 1.0
    assert tone.harshness_db(power) == pytest.approx(counts * 10 * np.log10(2.0))


@pytest.mark.parametrize("role", list(STATED.HARSH_LIMITS_DB))
def test_harshness_speaks_over_the_role_limit(role: str) -> None:
    limit = STATED.HARSH_LIMITS_DB[role]
    body, (_under, on, over) = _harsh_edge(limit)
    assert _harshness(_harsh_power(on, body), role) is None
    found = _harshness(_harsh_power(over, body), role)
    assert found is not None and found.rule == "harshness" and found.kind == "eq"
    assert found.evidence["role_limit_db"] == limit
    assert found.evidence["over_limit_db"] == 0.0 and found.severity == "low"
    assert found.category == "technical"


@pytest.mark.parametrize("role", [r for r in ROLES if r not in STATED.HARSH_LIMITS_DB])
def test_roles_without_a_limit_get_no_harshness_rule(role: str) -> None:
    assert _harshness(_harsh_power(8 * 10.0**2), role) is None  # +20 dB


def test_harshness_is_medium_when_more_than_medium_db_over() -> None:
    """The vocal's limit is 0 dB: exactly 3 dB over stays low."""
    assert STATED.HARSH_LIMITS_DB["lead_vocal"] == 0.0
    body, (_under, on, over) = _harsh_edge(STATED.HARSH_MEDIUM_DB)
    low, medium = _harshness(_harsh_power(on, body)), _harshness(_harsh_power(over, body))
    assert low is not None and medium is not None
    assert low.evidence["over_limit_db"] == STATED.HARSH_MEDIUM_DB
    assert (low.severity, medium.severity) == ("low", "medium")


def test_the_harshness_cut_sits_at_the_loudest_band_of_2_to_5_khz() -> None:
    """4 kHz is the loudest inside the range; 6.3 kHz, louder still, is outside it."""
    power = _harsh_power(2.0, band=_band("2k"))
    power[_band("4k")] = 6.0
    power[_band("5k")] = 4.0
    power[_band("6.3k")] = 100.0
    found = _harshness(power)
    assert found is not None
    (band,) = found.params["bands"]
    assert band["freq_hz"] == round(BAND_CENTERS_HZ[_band("4k")], 1)
    assert band["type"] == "peaking" and band["q"] == STATED.HARSH_Q
    assert found.evidence["promised_drop_db"] == STATED.HARSH_SHRINK_DB


def test_the_harshness_cut_stops_target_below_db_under_the_limit() -> None:
    """A vocal whose ratio a 3 dB cut brings exactly 1 dB under its limit gets 3 dB; a hair
    harsher, the next step, 3.5 dB."""
    first, _last, step = STATED.HARSH_CUTS_DB
    cut = first + 4 * step
    band = {"type": "peaking", "freq_hz": round(float(CENTERS_HZ[HIGH_BAND]), 1),
            "gain_db": -cut, "q": STATED.HARSH_Q}  # fmt: skip
    gain = band_power_gain([band], SR)
    goal = STATED.HARSH_LIMITS_DB["lead_vocal"] - STATED.HARSH_TARGET_BELOW_DB

    def after(body: float) -> Callable[[float], float]:
        def value(high: float) -> float:
            return tone.harshness_db(active_power(_part(_harsh_power(high, body))) * gain)

        return value

    drop = _harshness_of(1.0)(8.0) - after(1.0)(8.0)
    k, (_under, on, over) = _first_exact(
        [(after(b), 8 * b * 10.0 ** ((goal + drop) / 10.0)) for b in BASES], goal
    )
    at, past = (_harshness(_harsh_power(x, BASES[k])) for x in (on, over))
    assert at is not None and past is not None
    assert at.params["bands"][0]["gain_db"] == -cut and at.target.predicted == goal
    assert past.params["bands"][0]["gain_db"] == -(cut + step)
    assert past.target.predicted <= goal


def test_the_harshness_cut_is_at_most_the_last_step() -> None:
    _first, last, _step = STATED.HARSH_CUTS_DB
    found = _harshness(_harsh_power(8 * 10.0**3))  # 30 dB over the vocal's limit
    assert found is not None
    assert found.params["bands"][0]["gain_db"] == -last
    assert found.target.predicted > -STATED.HARSH_TARGET_BELOW_DB
    assert found.severity == "medium"


def test_the_smallest_harshness_cut_is_the_first_step() -> None:
    """A cut of d dB takes a little less than d dB off the ratio, so the part just over its
    limit needs the step after the first (the first step alone is never enough: its start is
    an equivalent number, pinned by the doc)."""
    first, _last, step = STATED.HARSH_CUTS_DB
    found = _harshness(_harsh_power(8 * 10.0**0.001))  # 0.01 dB over the vocal's limit
    assert found is not None
    assert found.params["bands"][0]["gain_db"] == -(first + step)


# ------------------------------------------------------------------------------------- tilt


def _sloped(slope: float, offset_db: float = 0.0) -> np.ndarray:
    """Band levels on a line of ``slope`` dB per octave through ``offset_db`` at 1 kHz."""
    return 10.0 ** ((slope * np.log2(CENTERS_HZ / 1000.0) + offset_db) / 10.0)


def _tilt(power: np.ndarray, role: str = "lead_vocal", **kw: Any) -> Suggestion | None:
    return _rule(tone.tilt_rule, power, role, **kw)


def _slope_of(offset_db: float) -> Callable[[float], float]:
    def value(slope: float) -> float:
        return tone.tilt_db_per_octave(active_power(_part(_sloped(slope, offset_db))))

    return value


EDGES = [(role, side) for role in STATED.TILT_WINDOWS for side in (0, 1)]


@pytest.mark.parametrize("role, side", EDGES, ids=[f"{r}-{'low' if s == 0 else 'high'}"
                                                   for r, s in EDGES])  # fmt: skip
@pytest.mark.parametrize("offset, fires", [(-0.01, False), (0.01, True)])
def test_tilt_speaks_outside_the_role_window(
    role: str, side: int, offset: float, fires: bool
) -> None:
    edge = STATED.TILT_WINDOWS[role][side]
    outward = -1.0 if side == 0 else 1.0
    found = _tilt(_sloped(edge + outward * offset), role)
    assert (found is not None) == fires
    if found is not None:
        assert found.evidence["role_window_db_per_octave"] == list(STATED.TILT_WINDOWS[role])
        assert found.evidence["impact"] == pytest.approx(offset, abs=1e-9)
        (band,) = found.params["bands"]
        gain = STATED.TILT_SHELF_DB if side == 0 else -STATED.TILT_SHELF_DB
        assert band == {"type": "high_shelf", "freq_hz": STATED.TILT_SHELF_HZ, "gain_db": gain}
        assert found.severity == "low" and found.category == "creative"


@pytest.mark.parametrize("side", [0, 1])
def test_a_slope_on_a_window_edge_is_inside(side: int) -> None:
    """Among the roles' edges on one side, the first that a built slope can read exactly."""
    offsets = (0.0, 2.0, 1.0, -1.0, 5.0)
    for role, window in STATED.TILT_WINDOWS.items():
        edge = window[side]
        found = [_exact(_slope_of(o), edge, edge) for o in offsets]
        hit = next(((o, f) for o, f in zip(offsets, found, strict=True) if f), None)
        if hit is None:
            continue
        offset, (under, on, over) = hit
        assert _tilt(_sloped(on, offset), role) is None
        outside = _tilt(_sloped(under if side == 0 else over, offset), role)
        assert outside is not None, role
        return
    raise AssertionError("no window edge can be read exactly")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in STATED.TILT_WINDOWS])
def test_roles_without_a_window_get_no_tilt_rule(role: str) -> None:
    assert _tilt(_sloped(-40.0), role) is None


@pytest.mark.parametrize("nominal, judged", [("160", True), ("200", False), ("8k", False),
                                             ("10k", True)])  # fmt: skip
def test_tilt_needs_energy_in_every_band_from_200_hz_to_8_khz(nominal: str, judged: bool) -> None:
    power = _sloped(-12.0)
    power[_band(nominal)] = 0.0
    found = _tilt(power)
    assert (found is not None) == judged
    if found is not None:
        assert found.evidence["tilt_db_per_octave"] == -12.0


def test_tilt_reads_the_slope_from_200_hz_to_8_khz() -> None:
    """Energy piled into the bands just outside the range leaves the slope as it is."""
    power = _sloped(-12.0)
    power[[_band("160"), _band("10k")]] *= 1000.0
    assert tone.tilt_db_per_octave(power) == pytest.approx(-12.0)
    power[_band("200")] *= 1000.0
    assert tone.tilt_db_per_octave(power) < -12.5


@pytest.mark.parametrize(
    "slope, goal",
    [(-9.5, "within:-9.0..3.0"), (-20.0, "closer:-9.0"), (3.5, "within:-9.0..3.0"),
     (12.0, "closer:3.0")],
)  # fmt: skip
def test_tilt_promises_the_window_when_the_shelf_reaches_it(slope: float, goal: str) -> None:
    found = _tilt(_sloped(slope))
    assert found is not None
    assert found.target.goal == goal and found.target.before == pytest.approx(slope)
    low, high = STATED.TILT_WINDOWS["lead_vocal"]
    assert (low <= found.target.predicted <= high) == goal.startswith("within")
    bound = low if slope < low else high
    assert abs(found.target.predicted - bound) < abs(slope - bound)


# --------------------------------------------------------------------------- all three rules

RULES = {
    "resonance": (tone.resonance_rule, _ring(12.0), "guitar"),
    "harshness": (tone.harshness_rule, _harsh_power(8 * 10.0**0.5), "lead_vocal"),
    "tilt": (tone.tilt_rule, _sloped(-12.0), "lead_vocal"),
}


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_the_tone_rules_judge_from_the_minimum_playing(name: str, extra: int, fires: bool) -> None:
    rule, power, role = RULES[name]
    playing = np.arange(FRAMES) < STATED.MIN_ACTIVE_FRAMES + extra
    found = _rule(rule, power, role, playing=playing)
    assert (found is not None) == fires


@pytest.mark.parametrize("name", list(RULES))
def test_the_target_is_measured_as_the_rule_read_it(name: str) -> None:
    """The part carries side power too (flat, 20 dB under its mid's 1 kHz band): the metric is
    read from mid and side together."""
    rule, power, role = RULES[name]
    stem = _part(power, role, side=np.full(BANDS, 0.01))
    features = _features(stem)
    found = rule(features, stem)
    assert found is not None and found.rule == name
    assert tone.TARGETS[name](found, features) == found.target.before


# ------------------------------------------------------------------------------ spectrum.py


def test_band_power_gain_averages_response_points_across_each_band() -> None:
    """The mean power gain over RESPONSE_POINTS frequencies spread evenly in Hz across each
    band, the top ones held just under Nyquist (44.1 kHz: the 20 kHz band reaches 22.4 kHz)."""
    bands = [{"type": "peaking", "freq_hz": 1000.0, "gain_db": -6.0, "q": 4.32},
             {"type": "peaking", "freq_hz": 20000.0, "gain_db": 12.0, "q": 2.0}]  # fmt: skip
    for sr in (48000, 44100):
        edges = band_edges_hz()
        grid = np.linspace(edges[:, 0], edges[:, 1], STATED.RESPONSE_POINTS, axis=1)
        grid = np.minimum(grid, 0.499 * sr)
        expected = (10.0 ** (eq_response_db(bands, grid, sr) / 10.0)).mean(axis=1)
        np.testing.assert_allclose(band_power_gain(bands, sr), expected, rtol=1e-12)
    assert np.all(band_power_gain([], SR) == 1.0)


@pytest.mark.parametrize(
    "freq_hz, text",
    [(80.0, "80 Hz"), (999.4, "999 Hz"), (1000.0, "1 kHz"), (1600.0, "1.6 kHz"),
     (3174.8, "3.2 kHz"), (9540.0, "9.5 kHz"), (10000.0, "10 kHz"), (12500.0, "12.5 kHz"),
     (16000.0, "16 kHz")],
)  # fmt: skip
def test_fmt_hz(freq_hz: float, text: str) -> None:
    assert spectrum.fmt_hz(freq_hz) == text


def test_power_db_floors_at_minus_300() -> None:
    assert spectrum.power_db(1.0) == 0.0 and spectrum.power_db(100.0) == 20.0
    assert spectrum.power_db(0.0) == -300.0 and spectrum.power_db(1e-31) == -300.0
    assert spectrum.power_db(1e-29) == pytest.approx(-290.0)


def test_active_power_is_the_mean_over_the_frames_where_the_part_plays() -> None:
    mid = np.outer(np.arange(FRAMES) + 1.0, np.ones(BANDS))
    playing = np.arange(FRAMES) < 10  # the louder frames do not play
    stem = _part(mid, playing=playing, side=2 * mid)
    stem.measurement.bands.mid_power[~playing] = 1000.0
    stem.measurement.bands.side_power[~playing] = 1000.0
    assert np.allclose(active_power(stem, "mid"), 5.5)
    assert np.allclose(active_power(stem, "side"), 11.0)
    assert np.allclose(active_power(stem), 16.5)
    assert spectrum.band_level_db(stem, 3) == pytest.approx(10 * np.log10(16.5))
    silent = _part(mid, playing=np.zeros(FRAMES, bool))
    assert np.all(active_power(silent) == 0.0) and active_power(silent).shape == (BANDS,)


def test_words() -> None:
    assert spectrum.role_label("lead_vocal") == "lead vocal"
    assert spectrum.role_label("synth") == "synth/lead"
    assert spectrum.role_label("Theremin") == "theremin"
    assert spectrum.cap_first("kick and bass") == "Kick and bass" and spectrum.cap_first("") == ""
    assert spectrum.cap_first("dB under") == "DB under"
    spoken = {"80 Hz": "an", "800 Hz": "an", "11 kHz": "an", "18 kHz": "an", "110 Hz": "a",
              "180 Hz": "a", "1.6 kHz": "a", "octave": "an", "high shelf": "a", "11": "an",
              "ear": "an", "urge": "an", "idle": "an", "open": "an", "7 kHz": "a"}  # fmt: skip
    for text, article in spoken.items():
        assert spectrum.a_or_an(text) == f"{article} {text}", text


@pytest.mark.parametrize(
    "value, rounded",
    [(4.2, 4.0), (4.3, 4.5), (4.7, 4.5), (4.8, 5.0), (6.6, 6.5), (-1.3, -1.5), (0.0, 0.0)],
)
def test_round_half(value: float, rounded: float) -> None:
    assert spectrum.round_half(value) == rounded
