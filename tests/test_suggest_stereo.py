"""Stereo rules: planted polarity, width and placement problems are found, fixed by the real
processors as predicted, and clean counterparts get nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.verify import verify
from tests.conftest import SR, stereo, write

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"
SECONDS = 12.0
STEREO_KINDS = ("polarity", "width", "pan")


def _noise(seed: int, cutoff_hz: float = 3000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sos = signal.butter(2, cutoff_hz, "lowpass", fs=SR, output="sos")
    x = signal.sosfilt(sos, rng.standard_normal(round(SECONDS * SR)))
    return (x / np.sqrt(np.mean(x**2))).astype(np.float32)


def _voice(f0: float = 220.0, amp: float = 0.12) -> np.ndarray:
    t = np.arange(round(SECONDS * SR)) / SR
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / SR
    x = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    return (amp * x * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t) ** 2)).astype(np.float32)


def _bass(amp: float = 0.25) -> np.ndarray:
    t = np.arange(round(SECONDS * SR)) / SR
    freq = np.array([98.0, 110.0, 131.0, 110.0])[(t // 1.5).astype(int) % 4]
    phase = 2 * np.pi * np.cumsum(freq) / SR
    return (amp * (np.sin(phase) + 0.3 * np.sin(2 * phase))).astype(np.float32)


def _hits(body_hz: float, every_s: float, amp: float, decay: float = 2400.0) -> np.ndarray:
    n = round(SECONDS * SR)
    k = np.arange(SR // 4)
    hit = amp * np.sin(2 * np.pi * body_hz * k / SR) * np.exp(-k / decay)
    x = np.zeros(n)
    for t in np.arange(0.0, SECONDS, every_s):
        i = round(t * SR)
        x[i : i + len(hit)] += hit[: n - i]
    return x.astype(np.float32)


def _snare_noise(seed: int) -> np.ndarray:
    env = _hits(0.0, 0.5, 1.0)  # sin(0) = 0: build the envelope separately
    k = np.arange(SR // 4)
    shape = np.exp(-k / 1500.0)
    n = round(SECONDS * SR)
    env = np.zeros(n)
    for t in np.arange(0.25, SECONDS, 0.5):
        i = round(t * SR)
        env[i : i + len(shape)] += shape[: n - i]
    return (0.3 * env * _noise(seed, 8000.0)).astype(np.float32)


def _amp_copy(di: np.ndarray, sign: float) -> np.ndarray:
    """A bass amp track: the DI through a 2 kHz low-pass, 0.5 ms later, at -2 dB."""
    sos = signal.butter(2, 2000.0, "lowpass", fs=SR, output="sos")
    delayed = np.concatenate([np.zeros(24), di[:-24]])
    return (sign * 0.8 * signal.sosfilt(sos, delayed)).astype(np.float32)


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    folder = tmp_path_factory.mktemp("stereo") / "flawed"
    folder.mkdir()
    voice = _voice()
    write(folder / "Lead Vocal.wav", stereo(voice, -0.95 * voice))  # right channel inverted
    a, b = _noise(1), _noise(2)
    write(folder / "Pad.wav", stereo(0.03 * a, 0.03 * (-0.3 * a + 0.95 * b)))  # side > mid
    write(folder / "Snare.wav", stereo(_snare_noise(3), _snare_noise(4)))  # uncorrelated L/R
    kick = _hits(55.0, 0.5, 0.5)
    write(folder / "Kick.wav", stereo(0.55 * kick, kick))  # leans right
    di = _bass()
    write(folder / "Bass DI.wav", di)
    write(folder / "Bass Amp.wav", _amp_copy(di, -1.0))  # out of polarity with the DI
    write(folder / "Guitar.wav", _voice(330.0, 0.06))  # mono supporting part
    backing = _voice(262.0, 0.04)
    write(folder / "Backing Vocal.wav", stereo(backing, backing))  # a mono part in a stereo file
    return analyze(folder, workers=1, use_cache=False)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    folder = tmp_path_factory.mktemp("stereo") / "clean"
    folder.mkdir()
    voice = _voice()
    write(folder / "Lead Vocal.wav", stereo(voice, 0.95 * voice))
    a, b = _noise(1), _noise(2)
    write(folder / "Pad.wav", stereo(0.03 * a, 0.03 * (0.5 * a + 0.85 * b)))  # wide, but fine
    common = _snare_noise(3)
    write(folder / "Snare.wav", stereo(common, 0.9 * common + 0.2 * _snare_noise(4)))
    kick = _hits(55.0, 0.5, 0.5)
    write(folder / "Kick.wav", stereo(kick, 0.97 * kick))
    di = _bass()
    write(folder / "Bass DI.wav", di)
    write(folder / "Bass Amp.wav", _amp_copy(di, 1.0))  # in polarity
    g1, g2 = _voice(330.0, 0.06), _voice(331.0, 0.06)
    write(folder / "Guitar.wav", stereo(g1, 0.8 * g1 + 0.3 * g2))
    return analyze(folder, workers=1, use_cache=False)


@pytest.fixture(scope="module")
def flawed_suggestions(flawed: Analysis) -> list[Suggestion]:
    # every answer the engine gives: queue items, their alternatives and what waits on them
    return [m for s in suggest(flawed) for m in (*s.members(), *s.waiting)]


def _one(suggestions: list[Suggestion], rule: str, stem: str) -> Suggestion:
    found = [s for s in suggestions if s.rule == rule and s.stems == (stem,)]
    assert len(found) == 1, [(s.rule, s.stems) for s in suggestions]
    return found[0]


def _check_contract(s: Suggestion) -> None:
    assert s.severity in ("high", "medium", "low")
    assert s.category in ("technical", "creative")
    assert isinstance(s.evidence["impact"], float)
    assert s.target.before == pytest.approx(s.target.before)  # a number, not NaN
    assert s.id.startswith(s.kind + "-")


def test_inverted_channel_gets_polarity_flip_and_correlation_recovers(
    flawed: Analysis, flawed_suggestions: list[Suggestion]
) -> None:
    s = _one(flawed_suggestions, "channel_polarity", "Lead Vocal.wav")
    _check_contract(s)
    assert (s.kind, s.params, s.severity, s.category) == (
        "polarity",
        {"channels": "right"},
        "high",
        "technical",
    )
    assert "-1.00" in s.why and "-0.5" in s.why and "dB" in s.why
    assert s.evidence["correlation"] < -0.5
    result = verify(flawed, s)
    assert result.before < -0.9
    assert result.after > 0.5  # stated margin: from below -0.5 to above +0.5
    assert result.after == pytest.approx(s.target.predicted, abs=0.02)
    # the inverted stem is not also told to narrow or to move
    others = [x.rule for x in flawed_suggestions if x.stems == s.stems and x.kind in STEREO_KINDS]
    assert others == ["channel_polarity"]


def test_stem_out_of_polarity_with_its_pair_is_flipped(
    flawed: Analysis, flawed_suggestions: list[Suggestion]
) -> None:
    s = _one(flawed_suggestions, "pair_polarity", "Bass Amp.wav")  # the quieter of the two
    _check_contract(s)
    assert s.kind == "polarity" and s.params == {"channels": "both"}
    assert s.evidence["against"] == "Bass DI.wav"
    assert s.evidence["sum_deficit_db"] < -3.0
    assert "Bass DI.wav" in s.why and f"{s.evidence['sum_deficit_db']:.1f}" in s.why
    result = verify(flawed, s)
    assert result.after >= result.before + 6.0  # stated margin: at least 6 dB back
    assert result.after > 0.0
    assert result.after == pytest.approx(s.target.predicted, abs=1.0)


def test_too_wide_parts_are_narrowed_to_the_goal(
    flawed: Analysis, flawed_suggestions: list[Suggestion]
) -> None:
    pad = _one(flawed_suggestions, "width", "Pad.wav")
    snare = _one(flawed_suggestions, "width", "Snare.wav")
    for s, limit, goal in ((pad, 3.0, 1.5), (snare, 2.0, 1.0)):
        _check_contract(s)
        assert s.kind == "width" and 0.0 < s.params["width"] < 1.0
        assert s.evidence["limit_db"] == limit and s.evidence["goal_db"] == goal
        assert s.target.before > limit and s.target.predicted <= goal + 1e-9
        assert f"{s.target.before:.1f} dB" in s.why
        result = verify(flawed, s)
        assert result.after <= 0.5 * result.before  # stated margin: the loss at least halves
        assert result.after <= goal + 0.25
        assert result.after == pytest.approx(s.target.predicted, abs=0.25)


def test_off_centre_kick_is_centred(flawed: Analysis, flawed_suggestions: list[Suggestion]) -> None:
    s = _one(flawed_suggestions, "centre_pan", "Kick.wav")
    _check_contract(s)
    assert s.kind == "pan" and s.params["pan"] < 0  # leans right: move it left
    assert s.severity == "medium" and s.category == "technical"
    assert s.evidence["balance"] > 0.2 and "+0.54" in s.why
    result = verify(flawed, s)
    assert result.after <= 0.5 * result.before  # stated margin: |balance| at least halves
    assert result.after < 0.05


def test_mono_supporting_parts_get_mirrored_placements(
    flawed: Analysis, flawed_suggestions: list[Suggestion]
) -> None:
    backing = _one(flawed_suggestions, "mono_placement", "Backing Vocal.wav")
    guitar = _one(flawed_suggestions, "mono_placement", "Guitar.wav")
    assert backing.evidence["identical_channels"] and guitar.evidence["mono"]
    assert "fake_stereo" in {c.id for c in flawed.stem_report("Backing Vocal.wav").checks}
    # the first part (by name) goes opposite the mix's lean, the next one mirrors it
    lean = flawed.mix.stereo.rr - flawed.mix.stereo.ll
    first = 0.5 if lean < 0 else -0.5
    assert backing.params == {"pan": first} and guitar.params == {"pan": -first}
    for s in (backing, guitar):
        _check_contract(s)
        assert s.kind == "pan" and (s.severity, s.category) == ("low", "creative")
        result = verify(flawed, s)
        assert result.after == pytest.approx(s.target.predicted, abs=0.05)
        assert abs(result.after) > 0.5


def test_mix_leaning_left_pans_the_stem_that_leans_it(tmp_path: Path) -> None:
    folder = tmp_path / "lean"
    folder.mkdir()
    write(folder / "Kick.wav", _hits(55.0, 0.5, 0.4))
    write(folder / "Bass.wav", _bass(0.15))
    g1, g2 = _voice(330.0, 0.15), _voice(331.0, 0.15)
    write(folder / "Guitar.wav", stereo(g1 + 0.2 * g2, 0.3 * g1))  # mostly left
    analysis = analyze(folder, workers=1, use_cache=False)
    found = [s for s in suggest(analysis) if s.kind in STEREO_KINDS]
    assert [(s.rule, s.stems) for s in found] == [("mix_balance", ("Guitar.wav",))]
    s = found[0]
    _check_contract(s)
    assert s.params["pan"] > 0 and s.evidence["mix_imbalance_db"] < -1.0
    result = verify(analysis, s)
    assert result.after <= 0.5 * result.before  # stated margin: the lean at least halves
    assert result.after == pytest.approx(s.target.predicted, abs=0.3)


def test_clean_counterparts_get_nothing(clean: Analysis) -> None:
    found = [(s.rule, s.stems) for s in suggest(clean) if s.kind in (*STEREO_KINDS, "compressor")]
    assert found == []


def test_deterministic(flawed: Analysis, flawed_suggestions: list[Suggestion]) -> None:
    again = analyze(flawed.session.path, workers=1, use_cache=False)
    first = [s.as_dict() for s in flawed_suggestions if s.kind in STEREO_KINDS]

    def flat(found: list[Suggestion]) -> list[dict]:  # type: ignore[type-arg]
        every = [m for s in found for m in (*s.members(), *s.waiting)]
        return [m.as_dict() for m in every if m.kind in STEREO_KINDS]

    assert first == flat(suggest(again))
    assert first == flat(suggest(flawed))


def test_demo_song_gets_no_stereo_or_dynamics_findings() -> None:
    if not DEMO.is_dir():
        pytest.skip("sample session missing")
    found = suggest(analyze(DEMO, workers=2, use_cache=False))
    mine = [(s.rule, s.stems, s.severity) for s in found if s.kind in (*STEREO_KINDS, "compressor")]
    assert not [m for m in mine if m[2] == "high"]
    assert mine == []  # nothing fires on the clean session


def test_flawed_demo_inverted_channel_gets_polarity(tmp_path: Path) -> None:
    tool = pytest.importorskip("tools.make_flawed_session")
    if not DEMO.is_dir():
        pytest.skip("sample session missing")
    planted = tool.make_flawed_session(DEMO, tmp_path / "f")
    analysis = analyze(tmp_path / "f", workers=2, use_cache=False)
    inverted = planted["channel_polarity"]
    found = suggest(analysis)
    polarity = [(s.rule, s.stems, s.params) for s in found if s.kind == "polarity"]
    assert polarity == [("channel_polarity", (inverted,), {"channels": "right"})]
    # the limited and clipped stems get no compressor; they need a re-export
    squashed = {planted["limited"], planted["clipping"]}
    assert not [s for s in found if s.kind == "compressor" and set(s.stems) & squashed]
