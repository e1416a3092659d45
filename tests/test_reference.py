"""Reference tracks: a known EQ tilt and width change are measured back, direction suggestions
move the mix toward the reference, and bad references get clear messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis.analyze import (
    REFERENCE_KEY,
    Analysis,
    analyze,
    finish_analysis,
    plan_analysis,
)
from mixreview.analysis.dsp import EQ, Width, eq_response_db
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.verify import verify
from mixreview.cli import main

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"
TILT = [
    {"type": "low_shelf", "freq_hz": 200.0, "gain_db": -4.0, "q": 0.7},
    {"type": "high_shelf", "freq_hz": 3000.0, "gain_db": 5.0, "q": 0.7},
]
WIDTH = 1.6


def unity_mix(folder: Path) -> tuple[np.ndarray, int]:
    session = load_session(folder)
    total = np.zeros((session.frames, 2), np.float32)
    for stem in session.mix_stems:
        data, _ = sf.read(str(stem.path), dtype="float32", always_2d=True)
        total[: len(data)] += data if data.shape[1] == 2 else np.repeat(data, 2, axis=1)
    return total, session.sample_rate


@pytest.fixture(scope="module")
def with_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path]:
    root = tmp_path_factory.mktemp("ref")
    folder = root / "song"
    shutil.copytree(DEMO, folder)
    mix, rate = unity_mix(folder)
    shaped = Width(rate, width=WIDTH).process(EQ(rate, bands=TILT).process(mix))
    shaped = shaped * np.float32(10 ** (6 / 20))  # a louder master, as references are
    at_44k = signal.resample_poly(shaped, 147, 160, axis=0).astype(np.float32)
    reference = root / "refs" / "Master.flac"
    reference.parent.mkdir()
    sf.write(str(reference), at_44k, 44100, subtype="PCM_24")
    return analyze(folder, workers=2, use_cache=False, references=[str(reference)]), reference


def keys_session(tmp_path: Path, rng: np.random.Generator) -> Path:
    """A session of one stem: 12 s of stereo noise."""
    folder = tmp_path / "song"
    folder.mkdir()
    sf.write(str(folder / "Keys.wav"), rng.standard_normal((48000 * 12, 2)) * 0.1, 48000)
    return folder


def test_known_tilt_and_width_are_measured_back(with_reference) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = with_reference
    comparison = analysis.comparison
    assert comparison is not None and comparison.names == ("Master.flac",)
    centers = np.array(BAND_CENTERS_HZ)
    response = eq_response_db(TILT, centers, 48000)
    diff = comparison.mix_mid_db - comparison.ref_mid_db
    usable = (centers >= 40) & (centers <= 10000)  # where the demo carries energy
    offset = np.median((diff + response)[usable])  # the loudness match shifts every band alike
    np.testing.assert_array_less(np.abs(diff + response - offset)[usable], 1.0)
    assert comparison.width_diff_db[(centers >= 250) & (centers <= 8000)].mean() < -2.0
    assert comparison.match_gain_db[0] < -3.0  # the reference is louder: turned down to match


def test_direction_suggestions_move_the_mix_toward_the_reference(with_reference) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = with_reference
    found = [s for s in suggest(analysis) if s.rule.startswith("reference_")]
    aspects = {s.evidence["aspect"] for s in found}
    assert {"tone", "width"} <= aspects
    for s in found:
        assert s.category == "creative" and s.stems
        assert "reference" in s.why
        if s.evidence["aspect"] == "dynamics":
            continue
        result = verify(analysis, s)
        # each closes at least a third of its gap, or 1 dB of it
        assert result.after <= min(result.before * 2 / 3, result.before - 1.0), (s.why, result)


def test_the_command_line_follows_the_chosen_aspects(with_reference, capsys) -> None:  # type: ignore[no-untyped-def]
    analysis, reference = with_reference
    folder = str(analysis.session.path)
    args = ["analyze", folder, "--reference", str(reference), "--json", "--workers", "1"]
    assert main([*args, "--aspects", "width"]) == 0
    kept = json.loads(capsys.readouterr().out)["suggestions"]
    aspects = {s["evidence"]["aspect"] for s in kept if s["rule"].startswith("reference_")}
    assert aspects == {"width"}
    others = [s for s in kept if not s["rule"].startswith("reference_")]
    assert len(others) == len([s for s in suggest(analysis) if not s.rule.startswith("ref")])


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: sf.write(str(p), np.zeros((48000 * 20, 2), np.float32), 48000), "silent"),
        (lambda p: sf.write(str(p), np.full((48000 * 3, 2), 0.1, np.float32), 48000), "3.0 s long"),
        (lambda p: p.write_bytes(b"RIFF garbage"), "not a readable audio file"),
    ],
)
def test_bad_references_get_clear_messages(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    folder = keys_session(tmp_path, np.random.default_rng(0))
    bad = tmp_path / "ref.wav"
    make(bad)
    analysis = analyze(folder, workers=1, use_cache=False, references=[str(bad)])
    assert analysis.references[0].problem and words in analysis.references[0].problem
    assert analysis.comparison is None


def test_different_length_reference_is_noted(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    folder = keys_session(tmp_path, rng)
    ref = tmp_path / "long.wav"
    sf.write(str(ref), rng.standard_normal((48000 * 60, 2)) * 0.1, 48000)
    analysis = analyze(folder, workers=1, use_cache=False, references=[f"{ref}:2"])
    report = analysis.references[0]
    assert report.usable and report.spec.weight == 2.0
    assert "60 s long, the mix 12 s" in report.notes[0]


def test_a_measured_reference_is_read_from_the_cache(tmp_path: Path) -> None:
    """Opening a session again does not measure its references again; a changed reference file
    is measured again; the report from the cache is the report measured."""
    rng = np.random.default_rng(2)
    folder = keys_session(tmp_path, rng)
    ref = tmp_path / "master.wav"
    sf.write(str(ref), rng.standard_normal((44100 * 40, 2)) * 0.2, 44100)
    session = load_session(folder)
    first = plan_analysis(session, references=[str(ref)])
    assert [t.key for t in first.tasks].count(f"{REFERENCE_KEY}0") == 1
    measured = analyze(folder, workers=1, references=[str(ref)])

    again = plan_analysis(session, references=[str(ref)])
    assert not again.tasks  # the stems, the mix and the reference all come from the cache
    cached = finish_analysis(again, {})
    for new, old in zip(cached.references, measured.references, strict=True):
        assert (new.problem, new.notes, new.doubts) == (old.problem, old.notes, old.doubts)
        assert new.notes == ("master.wav is 40 s long, the mix 12 s: the comparison uses the "
                             "whole of each (their long-term balance), not section by section.",
                             "master.wav is at 44,100 Hz; bands are compared in Hz.")  # fmt: skip
        assert new.measurement is not None and old.measurement is not None
        np.testing.assert_array_equal(
            new.measurement.bands.mid_power, old.measurement.bands.mid_power
        )
    assert cached.comparison is not None and measured.comparison is not None
    np.testing.assert_array_equal(cached.comparison.tone_diff_db, measured.comparison.tone_diff_db)
    assert cached.comparison.match_gain_db == measured.comparison.match_gain_db

    sf.write(str(ref), rng.standard_normal((44100 * 40, 2)) * 0.1, 44100)  # a new master
    changed = plan_analysis(session, references=[str(ref)])
    assert [t.key for t in changed.tasks] == [f"{REFERENCE_KEY}0"]
