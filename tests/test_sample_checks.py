"""The bundled sample session is clean; every flaw planted in its flawed copy is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixreview.analysis.analyze import Analysis, analyze
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
    assert checks["channel_polarity"].value < -0.9
    assert "2.00 s shorter" in checks["length_mismatch"].message
    assert "bar" in checks["clipping"].message  # the manifest has a tempo: bars, not seconds
