"""Dynamics: parts that swing too much get a class-based compressor whose effect, measured after
the real compressor, matches the prediction; steady, limited and clipped parts get none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.checks import Check
from mixreview.analysis.suggest import dynamics, suggest
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.verify import features_after, verify
from tests.conftest import SR, stereo, write

SECONDS = 16.0
PASSAGES_DB = [-18.0, -8.0, -14.0, -6.0]  # 4 s passages: quiet verse, loud chorus...


def _line(f0: float, levels_db: list[float], seed: int, amp: float = 0.5) -> np.ndarray:
    """A sung/played line: syllables of 250 ms, +-3 dB apart, in passages at ``levels_db``."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(SECONDS * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / SR
    x = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    level = np.array(levels_db)[(t // 4.0).astype(int) % len(levels_db)]
    syllable = rng.uniform(-3, 3, int(SECONDS / 0.3) + 2)[(t // 0.3).astype(int)]
    env = ((t % 0.3) < 0.25) * 10 ** ((level + syllable) / 20)
    env = np.convolve(env, np.ones(240) / 240, mode="same")
    return (amp * x * env).astype(np.float32)


def _snare(levels_db: list[float]) -> np.ndarray:
    rng = np.random.default_rng(9)
    n = round(SECONDS * SR)
    k = np.arange(SR // 5)
    hit = np.sin(2 * np.pi * 200 * k / SR) * np.exp(-k / 1200) + 0.5 * rng.standard_normal(
        len(k)
    ) * np.exp(-k / 900)
    x = np.zeros(n)
    for t in np.arange(0.25, SECONDS, 0.5):
        i = round(t * SR)
        gain = 10 ** (levels_db[int(t // 4.0) % len(levels_db)] / 20)
        x[i : i + len(hit)] += 0.9 * gain * hit[: n - i]
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    folder = tmp_path_factory.mktemp("dynamics") / "song"
    folder.mkdir()
    vocal = _line(220.0, PASSAGES_DB, 1)
    write(folder / "Lead Vocal.wav", stereo(vocal, 0.9 * vocal))
    write(folder / "Bass.wav", _line(55.0, PASSAGES_DB, 2, amp=0.9))
    snare = _snare(PASSAGES_DB)
    write(folder / "Snare.wav", stereo(snare, snare * 0.95))
    write(folder / "Pad.wav", stereo(*(_line(f, [-20.0], s, 0.3) for f, s in ((110, 3), (111, 4)))))
    keys = _line(330.0, PASSAGES_DB, 5)  # dynamic, then squashed by a limiter/clipper at 0.12
    write(folder / "Keys.wav", stereo(*(np.clip(keys * g, -0.12, 0.12) for g in (1.0, 0.9))))
    guitar = _line(196.0, PASSAGES_DB, 6, amp=4.0)  # dynamic, clipped at full scale
    write(folder / "Guitar.wav", stereo(np.clip(guitar, -1, 1), np.clip(0.9 * guitar, -1, 1)))
    return analyze(folder, workers=1, use_cache=False)


@pytest.fixture(scope="module")
def found(session: Analysis) -> dict[str, Suggestion]:
    # a compressor may be the lead answer to a level swing or an alternative to section gains
    members = [m for s in suggest(session) for m in s.members()]
    return {m.stems[0]: m for m in members if m.kind == "compressor"}


@pytest.mark.parametrize(
    ("stem", "klass", "attack", "release", "ratio"),
    [
        ("Lead Vocal.wav", "vocals", 7.5, 400.0, 4.0),
        ("Bass.wav", "bass", 10.0, 500.0, 5.0),
        ("Snare.wav", "drums", 10.0, 180.0, 6.0),
    ],
)
def test_dynamic_parts_get_class_settings_and_verify(
    session: Analysis,
    found: dict[str, Suggestion],
    stem: str,
    klass: str,
    attack: float,
    release: float,
    ratio: float,
) -> None:
    s = found[stem]
    assert (s.kind, s.category, s.rule) == ("compressor", "creative", "compressor")
    assert s.severity in ("low", "medium")
    p = s.params
    assert (p["attack_ms"], p["release_ms"], p["ratio"], s.evidence["class"]) == (
        attack,
        release,
        ratio,
        klass,
    )
    # the threshold acts on the loudest 20-50% of the frames
    assert 0.15 <= s.evidence["frames_over_threshold"] <= 0.55
    assert s.evidence["spread_lu"] > s.evidence["role_limit_lu"] == 6.0
    assert f"{s.evidence['spread_lu']:.1f} LU" in s.why and f"{p['threshold_db']:.1f}" in s.why
    result = verify(session, s)
    # stated margins: the spread drops by at least 20% and 1 LU, as predicted within 0.75 LU
    assert result.after <= 0.8 * result.before and result.after <= result.before - 1.0
    assert result.after == pytest.approx(s.target.predicted, abs=0.75)
    # ... and the makeup keeps the integrated loudness within 1 LU
    before = Features.build(session).stems[stem].loudness()
    after = features_after(session, [s]).stems[stem].loudness()
    assert after == pytest.approx(before, abs=1.0)


def test_steady_limited_and_clipped_parts_get_no_compressor(
    session: Analysis, found: dict[str, Suggestion]
) -> None:
    assert "Pad.wav" not in found
    features = Features.build(session)
    assert dynamics.loudness_spread(features.stems["Pad.wav"]) < 2.0
    for stem, check in (("Keys.wav", "limited"), ("Guitar.wav", "clipping")):
        assert check in {c.id for c in session.stem_report(stem).checks}
        assert stem not in found


@pytest.mark.parametrize("check_id", ["limited", "clipping"])
def test_a_limited_or_clipped_check_alone_blocks_the_compressor(
    session: Analysis, found: dict[str, Suggestion], check_id: str
) -> None:
    assert "Lead Vocal.wav" in found
    flag = Check(check_id, "warning", 200, 128, "squashed", "export again", "Lead Vocal.wav")
    flagged = replace(
        session,
        stems=tuple(
            replace(r, checks=(*r.checks, flag)) if r.stem.file == "Lead Vocal.wav" else r
            for r in session.stems
        ),
    )
    stems = {s.stems[0] for s in dynamics.suggest(Features.build(flagged))}
    assert "Lead Vocal.wav" not in stems and "Bass.wav" in stems


def test_only_the_dynamic_parts_fire(found: dict[str, Suggestion]) -> None:
    assert sorted(found) == ["Bass.wav", "Lead Vocal.wav", "Snare.wav"]


def test_deterministic(session: Analysis, found: dict[str, Suggestion]) -> None:
    members = [m for s in suggest(session) for m in s.members()]
    again = {m.stems[0]: m.as_dict() for m in members if m.kind == "compressor"}
    assert again == {k: v.as_dict() for k, v in found.items()}
    rerun = analyze(session.session.path, workers=1, use_cache=False)

    def bare(s: Suggestion) -> dict:  # type: ignore[type-arg]
        return {**s.as_dict(), "problem": None, "alternatives": []}  # set by consolidation

    assert {s.stems[0]: bare(s) for s in dynamics.suggest(Features.build(rerun))} == {
        k: bare(v) for k, v in found.items()
    }


def test_prediction_model_follows_the_compressor_statics_and_release() -> None:
    peaks = np.full(50, -10.0)
    peaks[10:20] = -30.0  # quiet frames: no gain reduction once the release has passed
    sine = 10 ** (peaks / 10) / 2  # mean square of a sine at those peaks
    reduction = dynamics.frame_gain_reduction(peaks, sine, -20.0, 4.0, 10.0, 100.0)
    assert reduction[5] == pytest.approx(7.5, abs=0.01)  # (1 - 1/4) * 10 dB over
    assert reduction[19] < 0.01
    assert reduction[10] > reduction[12] > reduction[15]  # released over ~100 ms steps
    # a short hit at the start of a frame: the attack lets its start through
    hit = sine.copy()
    hit[30] = 10 ** (-10 / 10) / 40  # peak^2 / mean square = 40: a ~5 ms decay
    quiet = peaks.copy()
    quiet[29] = -30.0
    steady = dynamics.frame_gain_reduction(quiet, sine, -20.0, 4.0, 10.0, 100.0)[30]
    short = dynamics.frame_gain_reduction(quiet, hit, -20.0, 4.0, 10.0, 100.0)[30]
    assert short < steady
