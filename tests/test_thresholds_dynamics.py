"""Thresholds of the compressor rule, pinned from both sides on built level series.

The rule runs on features built directly from per-frame energies and peaks (no audio, no
meters). A part that plays a quiet passage and then a loud one, each longer than the 3 s window,
has a loudness spread equal to the level step between them, so the spread is set to the number
wanted; the peaks of its frames are spread out so that a compressor started from any of the
threshold percentiles acts on it. The boundary tests are built on the numbers
docs/rules/dynamics.md states, and the code's constants are compared with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from mixreview.analysis.dsp.compressor import static_gain_reduction_db
from mixreview.analysis.manifest import Manifest
from mixreview.analysis.meters.loudness import integrated_from_energy, lufs_from_energy
from mixreview.analysis.suggest import dynamics
from mixreview.analysis.suggest.features import Features, StemFeatures
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR

DOC = " ".join((Path(__file__).resolve().parent.parent / "docs" / "rules" / "dynamics.md")
               .read_text().split())  # fmt: skip
PASSAGE = 200  # frames of each passage: 20 s quiet, then 20 s loud
QUIET_DB = -20.0


class STATED:
    """The numbers docs/rules/dynamics.md states. The code's constants must equal them, and the
    boundary tests are built on them: a constant moved in the code moves the rule off the inputs
    built here."""

    WINDOW_FRAMES = 30
    MIN_PLAYING_FRAMES = 4
    MIN_ACTIVE_FRAMES = 50
    LOW_PERCENTILE = 10.0
    HIGH_PERCENTILE = 95.0
    THRESHOLD_PERCENTILES = (80.0, 75.0, 70.0, 65.0, 60.0, 55.0, 50.0)
    KNEE_DB = 6.0
    MIN_CREST_DB = 8.0
    MIN_REDUCTION_LU = 1.0
    MEDIUM_OVER_LU = 4.0
    BLOCKING_CHECKS = ("clipping", "limited")
    CLASS_SETTINGS: ClassVar[dict[str, tuple[float, float, float]]] = {
        "vocals": (7.5, 400.0, 4.0),
        "drums": (10.0, 180.0, 6.0),
        "bass": (10.0, 500.0, 5.0),
        "other": (15.0, 666.0, 4.0),
    }
    ROLE_CLASS: ClassVar[dict[str, str]] = {
        "lead_vocal": "vocals", "backing_vocal": "vocals", "kick": "drums", "snare": "drums",
        "drums": "drums", "hats": "drums", "bass": "bass",
    }  # fmt: skip
    ROLE_SPREAD_LU: ClassVar[dict[str, float]] = {
        "lead_vocal": 6.0, "backing_vocal": 6.0, "bass": 6.0, "kick": 6.0, "snare": 6.0,
        "drums": 6.0,
    }  # fmt: skip
    DEFAULT_SPREAD_LU = 8.0


OTHER_ROLES = ("guitar", "keys", "synth", "pad", "fx", "hats", "unknown")


def _part(
    energy_db: np.ndarray,
    peak_over_db: np.ndarray | float = 3.0,
    role: str = "lead_vocal",
    crest_db: float = 12.0,
    checks: Sequence[str] = (),
) -> tuple[Features, StemFeatures]:
    """A session of one part with these frame energies (dB; -inf is silence) and frame peaks
    ``peak_over_db`` over them, its checks named by ``checks``."""
    energy_db = np.asarray(energy_db, np.float64)
    energy = np.where(np.isfinite(energy_db), 10.0 ** (energy_db / 10.0), 0.0)
    peak = np.sqrt(energy * 10.0 ** (np.asarray(peak_over_db, np.float64) / 10.0))
    measurement: Any = SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1, frame_energy=energy, lra_lu=float("nan")),
        levels=SimpleNamespace(peak_series=peak, mean_square_series=energy, crest_db=crest_db),
    )
    stem = StemFeatures("Part.wav", role, measurement, len(energy))
    report = SimpleNamespace(checks=[SimpleNamespace(id=check) for check in checks])
    session = SimpleNamespace(sample_rate=SR, manifest=Manifest())
    analysis: Any = SimpleNamespace(session=session, stem_report={"Part.wav": report}.__getitem__)
    return Features(analysis, {stem.file: stem}, None, (), len(energy)), stem


def _spread_peaks(frames: int, spread_db: float, seed: int = 37) -> np.ndarray:
    """Frame peaks 3 dB over the frame's energy plus 0..``spread_db`` dB, each step once, in a
    shuffled order (a fixed stride through them)."""
    steps = (np.arange(frames) * seed) % frames
    return 3.0 + spread_db * steps / (frames - 1)


def _swinging(spread: float, ramp: float = 20.0, smooth: bool = False) -> np.ndarray:
    """Energies of a quiet passage and a loud one ``spread`` dB over it, and their peaks: every
    other loud frame peaks up to ``ramp`` dB higher (``smooth``: every frame, by up to ``ramp``
    dB, so each percentile of the peaks is a different level)."""
    energy = np.concatenate([np.full(PASSAGE, QUIET_DB), np.full(PASSAGE, QUIET_DB + spread)])
    if smooth:
        return np.stack([energy, _spread_peaks(2 * PASSAGE, ramp)])
    over = np.full(2 * PASSAGE, 3.0)
    over[PASSAGE::2] = _spread_peaks(PASSAGE // 2, ramp)
    return np.stack([energy, over])


def _compressor(
    spread: float, role: str = "lead_vocal", ramp: float = 20.0, smooth: bool = False, **kw: Any
) -> list[Suggestion]:
    energy, over = _swinging(spread, ramp, smooth)
    features, _stem = _part(energy, over, role, **kw)
    return dynamics.suggest(features)


def _one(found: list[Suggestion]) -> Suggestion:
    assert len(found) == 1, [s.rule for s in found]
    return found[0]


def _limit(role: str) -> float:
    return STATED.ROLE_SPREAD_LU.get(role, STATED.DEFAULT_SPREAD_LU)


# ------------------------------------------------------------------------------------- the doc


def test_the_code_holds_the_stated_numbers() -> None:
    stated = {k: v for k, v in vars(STATED).items() if k.isupper()}
    assert {k: getattr(dynamics, k) for k in stated} == stated


def test_the_doc_states_the_dynamics_numbers() -> None:
    n = STATED
    vocals, drums, bass, other = (n.CLASS_SETTINGS[k] for k in ("vocals", "drums", "bass", "other"))
    first, second, last = (n.THRESHOLD_PERCENTILES[i] for i in (0, 1, -1))
    sentences = [
        f"the loudness of the {n.WINDOW_FRAMES / 10:.0f} s window centred on it",
        f"A window needs {n.MIN_PLAYING_FRAMES * 100} ms of playing (one momentary block) to "
        f"count, and the stem {n.MIN_ACTIVE_FRAMES / 10:.0f} s of such frames",
        f"**Spread = P{n.HIGH_PERCENTILE:.0f} - P{n.LOW_PERCENTILE:.0f}**",
        f"vocals (lead, backing), bass, kick, snare, drums: **{n.ROLE_SPREAD_LU['kick']:.0f} "
        f"LU**; all other roles: **{n.DEFAULT_SPREAD_LU:.0f} LU**",
        "the stem has no `clipping` or `limited` check",
        f"crest factor >= {n.MIN_CREST_DB:.0f} dB",
        f"predicted spread at least {n.MIN_REDUCTION_LU:.0f} LU smaller",
        f"Severity: medium when the spread is more than {n.MEDIUM_OVER_LU:.0f} LU over the limit",
        f"vocals {vocals[0]:g} ms / {vocals[1]:g} ms / {vocals[2]:g}:1 (lead and backing vocal); "
        f"drums {drums[0]:g} / {drums[1]:g} / {drums[2]:g}:1 (kick, snare, drums, hats); bass "
        f"{bass[0]:g} / {bass[1]:g} / {bass[2]:g}:1; other {other[0]:g} / {other[1]:g} / "
        f"{other[2]:g}:1. Knee {n.KNEE_DB:.0f} dB",
        f"The gentlest of the {first:.0f}th, {second:.0f}th, ... {last:.0f}th percentiles (the "
        f"compressor acting on the loudest {100 - first:.0f}% ... {100 - last:.0f}% of the frames)",
        f"if none is, the {n.THRESHOLD_PERCENTILES[-1]:.0f}th",
    ]  # fmt: skip
    for sentence in sentences:
        assert sentence in DOC, sentence
    steps = np.diff(n.THRESHOLD_PERCENTILES)
    assert list(steps) == [-5.0] * (len(n.THRESHOLD_PERCENTILES) - 1)
    assert set(n.ROLE_SPREAD_LU.values()) == {6.0}
    assert n.BLOCKING_CHECKS == ("clipping", "limited")


# ---------------------------------------------------------------------------------- the measure


@pytest.mark.parametrize("side", [-1, 1])
@pytest.mark.parametrize("reach, counted", [(0, True), (1, False)])
def test_a_frame_reads_the_window_centred_on_it(side: int, reach: int, counted: bool) -> None:
    """Four quiet playing frames and one loud frame half a window (and one frame more) away,
    before or after them: the first or last quiet frame reads it only within half a window."""
    energy = np.full(80, -np.inf)
    energy[38:42] = 0.0
    edge = 41 if side > 0 else 38
    loud = edge + side * (STATED.WINDOW_FRAMES // 2 + reach)
    energy[loud] = 20.0
    _features, stem = _part(energy)
    lufs, valid = dynamics.playing_loudness(stem)
    mean = (4.0 + 100.0) / 5.0 if counted else 1.0
    assert valid[edge] and lufs[edge] == pytest.approx(float(lufs_from_energy(mean)), abs=1e-9)


@pytest.mark.parametrize("run, valid", [(STATED.MIN_PLAYING_FRAMES - 1, False),
                                        (STATED.MIN_PLAYING_FRAMES, True)])  # fmt: skip
def test_a_window_needs_the_minimum_playing_frames(run: int, valid: bool) -> None:
    """Runs of ``run`` playing frames, a whole window of silence apart."""
    energy = np.full(300, -np.inf)
    for start in range(10, 290, 40):
        energy[start : start + run] = 0.0
    _features, stem = _part(energy)
    _lufs, counted = dynamics.playing_loudness(stem)
    assert counted.sum() == (stem.active.sum() if valid else 0)
    assert stem.active.sum() == 7 * run


def test_the_spread_is_p95_minus_p10() -> None:
    values = np.arange(100, dtype=np.float64) ** 1.5
    spread = dynamics.spread_of(values, np.ones(100, bool))
    expected = np.percentile(values, STATED.HIGH_PERCENTILE) - np.percentile(
        values, STATED.LOW_PERCENTILE
    )
    assert spread == expected


@pytest.mark.parametrize("extra", [-1, 0])
def test_the_spread_needs_the_minimum_frames(extra: int) -> None:
    frames = STATED.MIN_ACTIVE_FRAMES + extra
    valid = np.arange(200) < frames
    assert np.isfinite(dynamics.spread_of(np.arange(200.0), valid)) == (extra == 0)


def test_a_quiet_then_loud_part_spreads_by_its_step() -> None:
    energy, over = _swinging(7.0)
    _features, stem = _part(energy, over)
    assert dynamics.loudness_spread(stem) == pytest.approx(7.0, abs=1e-9)


# --------------------------------------------------------------------------- when it speaks


@pytest.mark.parametrize("role", [*STATED.ROLE_SPREAD_LU, *OTHER_ROLES])
@pytest.mark.parametrize("offset, fires", [(-0.05, False), (0.05, True)])
def test_the_compressor_speaks_over_the_roles_limit(role: str, offset: float, fires: bool) -> None:
    found = _compressor(_limit(role) + offset, role)
    assert len(found) == fires
    if fires:
        assert found[0].evidence["role_limit_lu"] == _limit(role)
        assert found[0].severity == "low" and found[0].category == "creative"


@pytest.mark.parametrize("role", ["bass", "pad"])
@pytest.mark.parametrize("offset, severity", [(-0.05, "low"), (0.05, "medium")])
def test_medium_from_medium_over_lu_over_the_limit(role: str, offset: float, severity: str) -> None:
    found = _compressor(_limit(role) + STATED.MEDIUM_OVER_LU + offset, role)
    assert [s.severity for s in found] == [severity]


@pytest.mark.parametrize("crest, fires", [(STATED.MIN_CREST_DB, True),
                                          (STATED.MIN_CREST_DB - 0.01, False)])  # fmt: skip
def test_a_part_denser_than_the_minimum_crest_gets_none(crest: float, fires: bool) -> None:
    assert len(_compressor(9.0, crest_db=crest)) == fires


@pytest.mark.parametrize("check, fires", [("clipping", False), ("limited", False),
                                          ("dc_offset", True), ("near_silent", True)])  # fmt: skip
def test_a_clipped_or_limited_part_gets_none(check: str, fires: bool) -> None:
    assert (check not in STATED.BLOCKING_CHECKS) == fires
    assert len(_compressor(9.0, checks=[check])) == fires


@pytest.mark.parametrize("extra, fires", [(-1, False), (0, True)])
def test_the_part_must_play_the_minimum_frames(extra: int, fires: bool) -> None:
    """A part playing only its first frames, half quiet and half 12 dB louder."""
    frames = STATED.MIN_ACTIVE_FRAMES + extra
    energy = np.full(100, -np.inf)
    energy[:frames] = np.where(np.arange(frames) < frames // 2, -30.0, -18.0)
    over = np.full(100, 3.0)
    over[:frames] = _spread_peaks(frames, 10.0, seed=7)
    features, stem = _part(energy, over)
    assert stem.active.sum() == frames
    assert len(dynamics.suggest(features)) == fires


@pytest.mark.parametrize("ramp, fires", [(2.45, False), (2.7, True)])
def test_the_compressor_must_take_the_minimum_reduction(ramp: float, fires: bool) -> None:
    """A 6.5 LU swing on a vocal whose loud peaks stand up to ``ramp`` dB out: the gentlest
    threshold takes 0.97 LU off it with 2.45 dB, 1.04 LU with 2.7 dB."""
    energy, over = _swinging(6.5, ramp)
    _features, stem = _part(energy, over)
    plan = dynamics._plan(stem, STATED.CLASS_SETTINGS["vocals"], _limit("lead_vocal"))
    assert plan is not None
    assert (6.5 - plan[2] >= STATED.MIN_REDUCTION_LU) == fires
    assert len(_compressor(6.5, ramp=ramp)) == fires


# ------------------------------------------------------------------------------- the settings


@pytest.mark.parametrize("role", [*STATED.ROLE_CLASS, "guitar", "pad", "unknown"])
def test_the_settings_are_the_classs(role: str) -> None:
    suggestion = _compressor(_limit(role) + 3.0, role)[0]
    attack, release, ratio = STATED.CLASS_SETTINGS[STATED.ROLE_CLASS.get(role, "other")]
    params = suggestion.params
    assert (params["attack_ms"], params["release_ms"], params["ratio"]) == (attack, release, ratio)
    assert params["knee_db"] == STATED.KNEE_DB
    assert suggestion.evidence["class"] == STATED.ROLE_CLASS.get(role, "other")


# the gentlest percentile that brings a vocal within its limit, by its spread (peaks spread
# evenly over 10 dB, so each percentile is its own level)
PERCENTILE_OF_SPREAD = [(6.5, 80.0), (7.5, 75.0), (8.0, 70.0), (8.5, 65.0), (9.0, 60.0),
                        (9.75, 55.0), (10.0, 50.0)]  # fmt: skip


@pytest.mark.parametrize("spread, percentile", PERCENTILE_OF_SPREAD)
def test_the_threshold_is_the_gentlest_percentile_that_works(
    spread: float, percentile: float
) -> None:
    energy, over = _swinging(spread, 10.0, smooth=True)
    features, stem = _part(energy, over)
    found = dynamics.suggest(features)[0]
    peaks = dynamics._peak_db(stem)[stem.active]
    level = round(float(np.percentile(peaks, percentile)), 1)
    assert found.params["threshold_db"] == level
    settings = STATED.CLASS_SETTINGS["vocals"]
    tried = STATED.THRESHOLD_PERCENTILES.index(percentile)
    for gentler in STATED.THRESHOLD_PERCENTILES[:tried]:
        threshold = round(float(np.percentile(peaks, gentler)), 1)
        result = dynamics.predict(stem, threshold, settings[2], settings[0], settings[1])
        assert result is not None and result[1] > _limit("lead_vocal")
    assert found.target.predicted <= _limit("lead_vocal")


def test_the_last_percentile_when_none_is_enough() -> None:
    energy, over = _swinging(20.0, 10.0, smooth=True)
    features, stem = _part(energy, over)
    found = dynamics.suggest(features)[0]
    peaks = dynamics._peak_db(stem)[stem.active]
    last = STATED.THRESHOLD_PERCENTILES[-1]
    assert found.params["threshold_db"] == round(float(np.percentile(peaks, last)), 1)
    assert found.target.predicted > _limit("lead_vocal")
    assert "still above" in found.why


# ------------------------------------------------------------------ what the suggestion carries


def _redone(energy_db: np.ndarray, over: np.ndarray, found: Suggestion) -> tuple[float, float]:
    """The makeup (unrounded) and the spread after, worked out again from the part's frames
    with the suggestion's settings."""
    params = found.params
    settings = (params["ratio"], params["attack_ms"], params["release_ms"])
    energy = 10 ** (energy_db / 10)
    reduction = dynamics.frame_gain_reduction(
        energy_db + over, energy, params["threshold_db"], *settings
    )
    after = energy * 10 ** (-reduction / 10)
    makeup = integrated_from_energy(energy) - integrated_from_energy(after)
    active = np.isfinite(energy_db)
    return makeup, dynamics.spread_of(*dynamics._playing_loudness(after, active))


def test_the_suggestion_carries_its_measures_at_their_precision() -> None:
    """Every number of the suggestion worked out again from the part's frames: the evidence at
    its stated decimals, the target."""
    energy_db, over = _swinging(7.6543, 12.0, smooth=True)
    features, stem = _part(energy_db, over, crest_db=12.3456)
    stem.measurement.loudness.lra_lu = 5.4321
    found = _one(dynamics.suggest(features))
    assert (found.kind, found.rule, found.stems) == ("compressor", "compressor", ("Part.wav",))
    share = float(np.mean(energy_db + over > found.params["threshold_db"]))
    _makeup, predicted = _redone(energy_db, over, found)
    spread = dynamics.loudness_spread(stem)
    assert found.target == Target("loudness_spread_lu", spread, predicted, "lower", "LU")
    before_lufs = integrated_from_energy(10 ** (energy_db / 10))
    assert found.evidence == {
        "spread_lu": 7.65, "role_limit_lu": 6.0, "predicted_spread_lu": round(predicted, 2),
        "crest_db": 12.35, "lra_lu": 5.43, "frames_over_threshold": round(share, 3),
        "integrated_lufs": round(before_lufs, 2), "class": "vocals", "impact": 1.65,
    }  # fmt: skip
    assert share != round(share, 3) and round(spread, 3) == 7.654
    assert "a lead vocal usually holds within 6 LU" in found.why
    assert found.why.endswith(f"Predicted spread: {predicted:.1f} LU. A matter of taste: judge it "
                              "by ear.")  # fmt: skip
    features, _stem = _part(energy_db, over, crest_db=12.3456)  # no loudness range measured
    assert _one(dynamics.suggest(features)).evidence["lra_lu"] is None


@pytest.mark.parametrize("spread, ramp", [(7.6543, 12.0), (7.9, 15.0), (9.1234, 15.0)])
def test_the_makeup_restores_the_loudness_to_a_tenth(spread: float, ramp: float) -> None:
    energy_db, over = _swinging(spread, ramp, smooth=True)
    features, _stem = _part(energy_db, over)
    found = _one(dynamics.suggest(features))
    makeup, _predicted = _redone(energy_db, over, found)
    assert makeup > 0 and found.params["makeup_db"] == round(makeup, 1)


def _at_spread(spread: float) -> np.ndarray:
    """Energies of a quiet then a loud passage whose spread is ``spread`` to the bit (the loud
    level nudged by the last bits), and their peaks."""
    energy_db, over = _swinging(spread)
    for step in range(200):
        _features, stem = _part(energy_db, over)
        if dynamics.loudness_spread(stem) == spread:
            return np.stack([energy_db, over])
        energy_db[PASSAGE:] = np.nextafter(energy_db[PASSAGE:], np.inf if step < 100 else -np.inf)
        if step == 99:
            energy_db, over = _swinging(spread)
    raise AssertionError(f"no spread of exactly {spread}")


def test_the_limits_are_exclusive_to_the_bit() -> None:
    """Exactly on a role's limit the part gets nothing; exactly MEDIUM_OVER_LU over it, low."""
    energy_db, over = _at_spread(_limit("guitar"))
    assert dynamics.suggest(_part(energy_db, over, "guitar")[0]) == []
    energy_db, over = _at_spread(_limit("lead_vocal") + STATED.MEDIUM_OVER_LU)
    assert [s.severity for s in dynamics.suggest(_part(energy_db, over)[0])] == ["low"]


@pytest.mark.parametrize("tempo, beats, where", [(120.0, 3, "bars 14-27"), (120.0, 4, "bars 11-20"),
                                                 (None, 4, "0:20.1-0:40.0")])  # fmt: skip
def test_the_loud_passages_are_named_in_bars(tempo: float | None, beats: int, where: str) -> None:
    """The loud passage (20 s to 40 s; its first frame peaks under the threshold) is where the
    frames stand over the threshold."""
    energy_db, over = _swinging(7.6543, 12.0, smooth=True)
    features, _stem = _part(energy_db, over)
    features.analysis.session.manifest = Manifest(tempo_bpm=tempo, beats_per_bar=beats)
    found = _one(dynamics.suggest(features))
    assert f"Its loudest passages are at {where}. " in found.why


def test_a_part_within_its_limit_after_the_compressor_is_not_still_above() -> None:
    found = _one(_compressor(9.0))
    assert found.target.predicted <= _limit("lead_vocal")
    assert "still above" not in found.why and "LU. A matter of taste" in found.why


def test_the_blocking_checks_are_the_parts_own() -> None:
    """Another stem's clipping check does not block this one's compressor."""
    energy_db, over = _swinging(9.0)
    features, _stem = _part(energy_db, over)
    clipped = SimpleNamespace(checks=[SimpleNamespace(id="clipping")])
    reports = {"Part.wav": SimpleNamespace(checks=[]), "Other.wav": clipped}
    features.analysis.stem_report = reports.__getitem__
    assert len(dynamics.suggest(features)) == 1
    reports["Part.wav"] = clipped
    features, _stem = _part(energy_db, over)
    features.analysis.stem_report = reports.__getitem__
    assert dynamics.suggest(features) == []


# ------------------------------------------------------------------- the compressor's model


def test_the_detector_holds_the_peak_and_releases_it() -> None:
    """A frame 6 dB into the compressor, then frames under the threshold: the detector starts
    from rest and falls by exp(-100 ms / release) a frame."""
    alpha = np.exp(-100.0 / 400.0)
    held = dynamics._held(np.array([0.0, 6.0, 0.0, 0.0, 2.0]), 400.0)
    expected = [0.0, 6.0, 6.0 * alpha, 6.0 * alpha**2, max(6.0 * alpha**3 + 2 * (1 - alpha), 2.0)]
    assert held == pytest.approx(expected, rel=1e-12)


def _crest_of_decay(tau_ms: float) -> float:
    """Peak² over mean square of a 100 ms frame of a sine whose energy decays with ``tau_ms``
    from the frame's start."""
    return 2.0 * 100.0 / (tau_ms * (1.0 - np.exp(-100.0 / tau_ms)))


def test_a_frames_decay_time_is_read_from_its_crest() -> None:
    taus = np.array([5.0, 20.0, 50.0, 200.0])
    mean_square = np.array([0.5, 0.01, 0.2, 2e-4])
    peak_db = 10 * np.log10(mean_square * [_crest_of_decay(t) for t in taus])
    assert dynamics.hit_decay_ms(peak_db, mean_square) == pytest.approx(taus, rel=2e-3)
    # a steady sine (crest 2), a crest under it, silence: the longest decay there is
    steady = dynamics.hit_decay_ms(np.array([-3.0103, -10.0, -20.0]), np.array([1.0, 1.0, 0.0]))
    assert steady == pytest.approx([5000.0] * 3, rel=1e-3)


@pytest.mark.parametrize("rate", [-0.5, -0.01, 0.0, 0.03])
def test_the_substep_sum_is_the_sum_over_the_substeps(rate: float) -> None:
    t = (np.arange(dynamics.SUBSTEPS) + 0.5) * (dynamics.FRAME_MS / dynamics.SUBSTEPS)
    direct = np.log(np.exp(rate * t).sum())
    assert dynamics._log_substep_sum(np.array([rate]))[0] == pytest.approx(direct, rel=1e-9)


def _stepped_reduction(
    peak_db: np.ndarray,
    mean_square: np.ndarray,
    threshold: float,
    ratio: float,
    attack_ms: float,
    release_ms: float,
) -> np.ndarray:
    """``frame_gain_reduction`` worked out on the sub-steps for every frame, as its docstring
    says: the mean of the sustained case and the hit case."""  # fmt: skip
    target = static_gain_reduction_db(peak_db, threshold, ratio, STATED.KNEE_DB)
    held = dynamics._held(target, release_ms)
    start = np.concatenate([[0.0], held[:-1]])
    decay = dynamics.hit_decay_ms(peak_db, mean_square)
    t = (np.arange(dynamics.SUBSTEPS) + 0.5) * (dynamics.FRAME_MS / dynamics.SUBSTEPS)
    out = []
    for k in range(len(peak_db)):
        if held[k] > start[k]:
            gain = held[k] + (start[k] - held[k]) * np.exp(-t / attack_ms)
        else:
            gain = start[k] + (held[k] - start[k]) * t / dynamics.FRAME_MS
        weights = np.exp(-t / decay[k])
        hit = -10 * np.log10((weights * 10 ** (-gain / 10)).sum() / weights.sum())
        out.append(0.5 * (0.5 * (start[k] + held[k]) + hit))
    return np.array(out)


def test_the_gain_reduction_is_the_substep_model() -> None:
    """Hits and steady frames, rising, holding and falling gain: the closed form and the
    stepped chunks agree with the model stepped frame by frame."""
    rng = np.random.default_rng(5)
    peak_db = rng.uniform(-30.0, 0.0, 300)
    mean_square = 10 ** ((peak_db - rng.uniform(3.0, 15.0, 300)) / 10)
    args = (-15.0, 4.0, 7.5, 400.0)
    got = dynamics.frame_gain_reduction(peak_db, mean_square, *args)
    assert got == pytest.approx(_stepped_reduction(peak_db, mean_square, *args), abs=1e-9)
    quiet = dynamics.frame_gain_reduction(np.full(20, -40.0), np.full(20, 1e-5), *args)
    assert quiet == pytest.approx(np.zeros(20), abs=1e-12)
