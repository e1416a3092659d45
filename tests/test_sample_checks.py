"""The bundled sample session is clean; every flaw planted in its flawed copy is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.checks import TOP_PEAK_SHAPES_MAX
from tests.conftest import write
from tests.limiter_support import drums_and_bass, identical_hits, lookahead_limit
from tools.make_flawed_session import make_flawed_session

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"


@pytest.fixture(scope="module")
def clean() -> Analysis:
    return analyze(DEMO, workers=2, use_cache=False)


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, dict[str, str]]:
    folder = tmp_path_factory.mktemp("flawed") / "session"
    planted = make_flawed_session(DEMO, folder)
    return analyze(folder, workers=2, use_cache=False), planted


def test_clean_session_has_no_warning_or_error(clean: Analysis) -> None:
    serious = [c for c in clean.all_checks if c.severity in ("warning", "error")]
    assert serious == []
    assert len(clean.stems) >= 8
    assert {r.stem.role for r in clean.stems} >= {
        "kick", "snare", "hats", "bass", "keys", "pad", "synth", "lead_vocal",
    }  # fmt: skip
    assert [s.name for s in clean.sections][:2] == ["Intro", "Verse"]


def test_every_planted_flaw_is_found_on_its_stem(flawed: tuple[Analysis, dict[str, str]]) -> None:
    analysis, planted = flawed
    found = {(c.id, c.file) for c in analysis.all_checks}
    for check_id, file in planted.items():
        if check_id == "kick_bass_masking":
            continue  # a mix problem, not a preparation one: the assistant's unmask rule
        assert (check_id, file) in found, f"{check_id} not reported on {file}: {sorted(found)}"


def test_flaw_messages_quote_their_numbers(flawed: tuple[Analysis, dict[str, str]]) -> None:
    analysis, planted = flawed
    checks = {c.id: c for c in analysis.all_checks if c.file == planted.get(c.id)}
    assert "samples at full scale" in checks["clipping"].message
    assert checks["clipping"].value > 8
    assert "44,100 Hz" in checks["sample_rate_mismatch"].message
    assert checks["limited"].value > 128
    assert checks["dc_offset"].value == pytest.approx(0.02, abs=0.002)
    assert "high-pass suggestion" in checks["dc_offset"].fix
    assert checks["channel_polarity"].value < -0.9
    assert "2.00 s shorter" in checks["length_mismatch"].message
    assert "bar" in checks["clipping"].message  # the manifest has a tempo: bars, not seconds


def test_a_stem_through_a_lookahead_limiter_is_flagged(tmp_path: Path) -> None:
    """Written as 24-bit WAV and read back through the whole analysis: the ceiling survives."""
    drums = drums_and_bass(30.0, seed=4)
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Drums.wav", lookahead_limit(drums * (2.0 / np.abs(drums).max()), -0.3))
    write(folder / "Kick.wav", identical_hits(50, peak=0.5))
    analysis = analyze(folder, workers=1, use_cache=False)
    limited = [c for c in analysis.all_checks if c.id == "limited"]
    assert [c.file for c in limited] == ["Drums.wav"]
    assert limited[0].threshold == TOP_PEAK_SHAPES_MAX and limited[0].value > TOP_PEAK_SHAPES_MAX
    assert "-0.30 dBFS" in limited[0].message
