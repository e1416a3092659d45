"""Masking rules: kick/bass, vocal/accompaniment, section scoping, and what cuts verifiably do."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.suggest.masking import FIRE_SHARE, MASK_MARGIN_DB, VERIFY_DROP
from mixreview.analysis.suggest.verify import verify
from tests.conftest import stereo
from tests.suggest_support import (
    DEMO,
    band_noise,
    demo_suggestions,
    kick,
    of,
    run,
    save,
    times,
    two_sections,
    vocal,
)


def bass_on(freq_hz: float, amp: float) -> np.ndarray:
    t = times()
    return amp * np.sin(2 * np.pi * freq_hz * t) + 0.3 * amp * np.sin(2 * np.pi * 2 * freq_hz * t)


def test_bass_on_the_kicks_thump_gets_a_cut_at_that_band(tmp_path: Path) -> None:
    folder = save(tmp_path / "song", {"Kick.wav": kick(57.0), "Bass.wav": bass_on(57.0, 0.2)})
    analysis, suggestions = run(folder)
    cuts = of(suggestions, "unmask", "Bass.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert cut.rule == "kick_bass_masking"
    assert cut.evidence["against"] == "Kick.wav"
    low, high = cut.evidence["band_hz"]
    assert 40.0 <= low <= 57.0 <= high <= 80.0
    assert low <= cut.params["freq_hz"] <= high
    assert -6.0 <= cut.params["gain_db"] <= -1.0
    assert 1.0 <= cut.params["q"] <= 2.0
    assert cut.evidence["masked_share"] >= 0.6
    assert cut.severity == "high"
    for number in (f"{cut.evidence['masked_share']:.0%}", f"{MASK_MARGIN_DB:.0f} dB", "57 Hz"):
        assert number in cut.why or number.replace("57", "56") in cut.why
    # the cut does what it says: the masked share falls by the stated margin
    result = verify(analysis, cut)
    assert result.before == pytest.approx(cut.evidence["masked_share"], abs=1e-3)
    assert result.after <= result.before * (1 - VERIFY_DROP)
    assert result.after == pytest.approx(result.predicted, abs=0.1)


def test_kick_and_bass_an_octave_apart_are_left_alone(tmp_path: Path) -> None:
    folder = save(tmp_path / "song", {"Kick.wav": kick(50.0), "Bass.wav": bass_on(116.0, 0.2)})
    _, suggestions = run(folder)
    cuts = of(suggestions, "unmask", "Bass.wav")
    assert not [s for s in cuts if s.severity == "high"]
    assert not [s for s in cuts if s.rule == "kick_bass_masking"]


def test_loud_keys_over_the_vocal_presence_get_the_cut(tmp_path: Path) -> None:
    keys = 0.03 * band_noise(1000.0, 4000.0, seed=5) + 0.04 * band_noise(150.0, 1000.0, seed=6)
    folder = save(tmp_path / "song", {"Lead_Vocal.wav": vocal(), "Keys.wav": stereo(keys, keys)})
    analysis, suggestions = run(folder)
    assert not of(suggestions, "unmask", "Lead_Vocal.wav")  # never cut the lead
    cuts = of(suggestions, "unmask", "Keys.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert cut.rule == "vocal_masking"
    assert cut.evidence["against"] == "Lead_Vocal.wav"
    assert 1000.0 * 0.89 <= cut.params["freq_hz"] <= 4000.0 * 1.12
    assert cut.evidence["masked_share"] >= FIRE_SHARE
    assert cut.section is None and "dynamic" not in cut.params
    result = verify(analysis, cut)
    assert result.after <= result.before * (1 - VERIFY_DROP)


def test_masking_in_one_section_is_cut_only_there(tmp_path: Path) -> None:
    t = times()
    chorus = (t >= 5.0).astype(float)
    level = 0.01 + 0.05 * chorus  # quiet under the verse, loud in the chorus
    keys = level * band_noise(1000.0, 4000.0, seed=5) + 0.03 * band_noise(150.0, 900.0, seed=6)
    folder = save(
        tmp_path / "song",
        {"Lead_Vocal.wav": vocal(), "Keys.wav": keys},
        two_sections("Verse", "Chorus"),
    )
    analysis, suggestions = run(folder)
    cuts = of(suggestions, "unmask", "Keys.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert cut.section == "Chorus"
    assert cut.section_span_s == pytest.approx((5.0, 10.0))
    assert cut.params["dynamic"] is True and cut.params["section"] == "Chorus"
    assert cut.evidence["worst_sections"][0] == "Chorus"
    shares = cut.evidence["section_shares"]
    assert shares["Chorus"] >= FIRE_SHARE > shares["Verse"]
    assert "Chorus" in cut.why and "only in Chorus" in cut.why
    result = verify(analysis, cut)  # rendered through SectionScope: only the chorus changes
    assert result.after <= result.before * (1 - VERIFY_DROP)


def test_suggestions_are_deterministic(tmp_path: Path) -> None:
    folder = save(tmp_path / "song", {"Kick.wav": kick(57.0), "Bass.wav": bass_on(57.0, 0.2)})
    first = run(folder)[1]
    second = run(folder)[1]
    assert [(s.id, s.params, s.evidence) for s in first] == [
        (s.id, s.params, s.evidence) for s in second
    ]


def test_clean_demo_session_gets_no_high_masking() -> None:
    if not DEMO.exists():
        pytest.skip("sample_sessions/demo_song is not there")
    cuts = [s for s in demo_suggestions() if s.kind == "unmask"]
    assert not [s for s in cuts if s.severity == "high"]
    for cut in cuts:  # whatever fires is explained with its numbers
        assert f"{cut.evidence['masked_share']:.0%}" in cut.why
        assert cut.evidence["against"] in cut.why


@pytest.mark.skipif(
    importlib.util.find_spec("tools.make_flawed_session") is None or not DEMO.exists(),
    reason="tools/make_flawed_session.py or the demo session is not there",
)
def test_flawed_session_kick_bass_masking_is_found(tmp_path: Path) -> None:
    from tools.make_flawed_session import make_flawed_session

    mapping = make_flawed_session(DEMO, tmp_path / "flawed")
    bass = mapping["kick_bass_masking"]
    analysis, suggestions = run(tmp_path / "flawed", workers=2)
    kick_file = next(r.stem.file for r in analysis.stems if r.stem.role == "kick")
    cuts = [s for s in of(suggestions, "unmask", bass) if s.evidence["against"] == kick_file]
    assert len(cuts) == 1
    cut = cuts[0]
    assert 40.0 <= cut.params["freq_hz"] <= 120.0
    assert cut.severity in ("high", "medium")
