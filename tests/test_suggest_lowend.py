"""Low-end and tone rules: high-pass, sub rumble, mono bass, resonance, harshness, tilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.checks import DC_OFFSET_MAX
from mixreview.analysis.suggest.features import Features, band_index
from mixreview.analysis.suggest.lowend import (
    DC_CONTENT_MAX_DB,
    DC_CUTOFFS_HZ,
    DC_ORDER,
    HIGHPASS_DROP_DB,
    MONO_DROP_DB,
    OCTAVE_ABOVE_MAX_DB,
    low_bands,
    mono_loss_db,
)
from mixreview.analysis.suggest.spectrum import band_level_db
from mixreview.analysis.suggest.tone import RESONANCE_SHRINK
from mixreview.analysis.suggest.verify import verify
from tests.conftest import stereo
from tests.suggest_support import (
    DEMO,
    after,
    band_noise,
    demo_suggestions,
    kick,
    of,
    run,
    save,
    syllables,
    times,
    vocal,
)

LOWEND_KINDS = ("highpass", "mono_bass", "eq")


def rumble(freq_hz: float = 30.0) -> np.ndarray:
    """Sub rumble: a steady low sine plus a little noise under 45 Hz."""
    return 0.05 * np.sin(2 * np.pi * freq_hz * times()) + 0.02 * band_noise(20.0, 45.0, seed=9)


def test_vocal_with_sub_rumble_gets_a_highpass(tmp_path: Path) -> None:
    folder = save(tmp_path / "song", {"Lead_Vocal.wav": vocal() + rumble()})
    analysis, suggestions = run(folder)
    cuts = of(suggestions, "highpass", "Lead_Vocal.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert cut.rule == "rumble"
    assert 80.0 <= cut.params["freq_hz"] <= 100.0
    assert cut.params["order"] == 2
    assert cut.severity == "medium"  # a third of its power is rumble; clean-up is medium at most
    assert cut.evidence["below_cutoff_re_total_db"] > cut.evidence["threshold_db"]
    assert f"{cut.evidence['below_cutoff_re_total_db']:+.1f} dB" in cut.why
    # energy under the cut-off drops by the stated margin...
    result = verify(analysis, cut)
    assert result.before - result.after >= HIGHPASS_DROP_DB
    assert result.after == pytest.approx(result.predicted, abs=1.5)
    # ...while the band an octave above barely moves
    before, processed = after(analysis, cut)
    octave = band_index(cut.evidence["octave_above_hz"])
    assert cut.evidence["octave_above_hz"] == pytest.approx(2 * cut.params["freq_hz"], rel=0.13)
    change = band_level_db(processed.stems["Lead_Vocal.wav"], octave) - band_level_db(
        before.stems["Lead_Vocal.wav"], octave
    )
    assert abs(change) < OCTAVE_ABOVE_MAX_DB


def test_clean_vocal_gets_no_highpass(tmp_path: Path) -> None:
    folder = save(tmp_path / "song", {"Lead_Vocal.wav": vocal()})
    _, suggestions = run(folder)
    assert not of(suggestions, "highpass")


def test_kick_rumble_under_the_thump_gets_a_steep_low_cut(tmp_path: Path) -> None:
    folder = save(
        tmp_path / "song", {"Kick.wav": kick(55.0) + 0.05 * band_noise(18.0, 27.0, seed=5)}
    )
    analysis, suggestions = run(folder)
    cuts = of(suggestions, "highpass", "Kick.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert cut.rule == "sub_rumble"
    assert 25.0 <= cut.params["freq_hz"] <= 30.0
    assert cut.params["order"] >= 4
    result = verify(analysis, cut)
    assert result.before - result.after >= HIGHPASS_DROP_DB
    before, processed = after(analysis, cut)
    thump = band_index(55.0)
    kick_before, kick_after = before.stems["Kick.wav"], processed.stems["Kick.wav"]
    assert abs(band_level_db(kick_after, thump) - band_level_db(kick_before, thump)) < 1.0


def test_bass_playing_low_e_is_not_rumble(tmp_path: Path) -> None:
    t = times()
    bass = 0.2 * np.sin(2 * np.pi * 41.2 * t) + 0.1 * np.sin(2 * np.pi * 82.4 * t)
    _, suggestions = run(save(tmp_path / "song", {"Bass.wav": bass}))
    assert not of(suggestions, "highpass")


def dc_of(features: Features, file: str) -> float:
    return abs(features.stems[file].measurement.levels.dc_offset)


def useful_band_change_db(before: Features, processed: Features, file: str) -> float:
    """The largest level change over the bands within 24 dB of the stem's loudest."""
    spectrum = before.stems[file].spectrum_db
    useful = np.flatnonzero(spectrum >= spectrum.max() - 24.0)
    return max(
        abs(band_level_db(processed.stems[file], b) - band_level_db(before.stems[file], b))
        for b in useful
    )


def test_dc_offset_gets_a_highpass_on_the_stem(tmp_path: Path) -> None:
    keys = 0.1 * band_noise(100.0, 3000.0, seed=31) + 0.02
    analysis, suggestions = run(save(tmp_path / "song", {"Keys.wav": keys}))
    cuts = of(suggestions, "highpass", "Keys.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert (cut.rule, cut.category, cut.severity) == ("dc_offset", "technical", "medium")
    assert cut.params == {"freq_hz": DC_CUTOFFS_HZ[0], "order": DC_ORDER}
    assert "+0.0200 (-34.0 dBFS)" in cut.why
    assert cut.evidence["dc_offset"] == pytest.approx(0.02, abs=1e-4)
    result = verify(analysis, cut)
    assert result.holds
    assert result.before == pytest.approx(0.02, abs=1e-4)
    assert result.after < DC_OFFSET_MAX / 10
    before, processed = after(analysis, cut)
    assert useful_band_change_db(before, processed, "Keys.wav") < DC_CONTENT_MAX_DB


def test_dc_highpass_stays_under_a_part_that_reaches_a0(tmp_path: Path) -> None:
    t = times()
    keys = (
        0.15 * np.sin(2 * np.pi * 27.5 * t)
        + 0.1 * np.sin(2 * np.pi * 55.0 * t)
        + 0.05 * band_noise(100.0, 2000.0, seed=3)
        + 0.01
    )
    analysis, suggestions = run(save(tmp_path / "song", {"Keys.wav": keys}))
    (cut,) = of(suggestions, "highpass", "Keys.wav")
    assert cut.rule == "dc_offset"
    assert cut.params["freq_hz"] < DC_CUTOFFS_HZ[0]
    assert verify(analysis, cut).holds
    before, processed = after(analysis, cut)
    assert useful_band_change_db(before, processed, "Keys.wav") < DC_CONTENT_MAX_DB


@pytest.mark.parametrize(("dc", "severity"), [(0.002, "low"), (0.02, "medium"), (0.15, "high")])
def test_dc_severity_grows_with_the_offset(tmp_path: Path, dc: float, severity: str) -> None:
    keys = 0.1 * band_noise(100.0, 3000.0, seed=31) + dc
    _, suggestions = run(save(tmp_path / "song", {"Keys.wav": keys}))
    (cut,) = of(suggestions, "highpass", "Keys.wav")
    assert (cut.rule, cut.severity) == ("dc_offset", severity)


def test_dc_offset_is_folded_into_the_rumble_highpass(tmp_path: Path) -> None:
    mild = vocal() + 0.1 * rumble()
    _, plain = run(save(tmp_path / "plain", {"Lead_Vocal.wav": mild}))
    (alone,) = of(plain, "highpass", "Lead_Vocal.wav")
    assert (alone.rule, alone.severity) == ("rumble", "low")
    analysis, suggestions = run(save(tmp_path / "song", {"Lead_Vocal.wav": mild + 0.02}))
    (cut,) = of(suggestions, "highpass", "Lead_Vocal.wav")
    assert (cut.rule, cut.id, cut.params) == ("rumble", alone.id, alone.params)
    assert cut.severity == "medium"  # the DC's, the worse of the two
    assert "DC offset of +0.0200" in cut.why
    result = verify(analysis, cut)
    assert result.holds and result.dc_after is not None and result.dc_after < DC_OFFSET_MAX
    assert dc_of(Features.build(analysis), "Lead_Vocal.wav") > DC_OFFSET_MAX


def test_no_dc_no_dc_highpass(tmp_path: Path) -> None:
    keys = 0.1 * band_noise(100.0, 3000.0, seed=31) + 0.5 * DC_OFFSET_MAX
    _, suggestions = run(save(tmp_path / "song", {"Keys.wav": keys}))
    assert not of(suggestions, "highpass")


def wide_bass() -> np.ndarray:
    low_a = band_noise(40.0, 110.0, seed=11)
    low_b = band_noise(40.0, 110.0, seed=12)
    upper = 0.05 * band_noise(150.0, 800.0, seed=13)
    left = 0.15 * low_a + upper
    right = 0.15 * (0.5 * low_a + 0.87 * low_b) + upper  # lows correlate about 0.5
    return stereo(left, right)


def test_wide_bass_gets_mono_bass(tmp_path: Path) -> None:
    analysis, suggestions = run(save(tmp_path / "song", {"Bass.wav": wide_bass()}))
    cuts = of(suggestions, "mono_bass", "Bass.wav")
    assert len(cuts) == 1
    cut = cuts[0]
    assert 100.0 <= cut.params["freq_hz"] <= 150.0
    assert cut.evidence["low_side_to_mid_db"] > cut.evidence["threshold_db"]
    assert cut.evidence["low_correlation"] < 0.82
    result = verify(analysis, cut)
    assert result.before - result.after >= MONO_DROP_DB
    before, processed = after(analysis, cut)
    bass_before, bass_after = before.stems["Bass.wav"], processed.stems["Bass.wav"]
    # the mono fold-down loss shrinks, and the mid (what mono hears) is untouched
    assert mono_loss_db(bass_before) < -1.0
    assert abs(mono_loss_db(bass_after)) < abs(mono_loss_db(bass_before)) / 4
    low = low_bands()
    mid_before = bass_before.mid[bass_before.active][:, low].sum()
    mid_after = bass_after.mid[bass_after.active][:, low].sum()
    assert 10 * np.log10(mid_after / mid_before) == pytest.approx(0.0, abs=0.1)


def test_narrow_bass_gets_no_mono_bass(tmp_path: Path) -> None:
    low = band_noise(40.0, 110.0, seed=11)
    upper = band_noise(150.0, 800.0, seed=13)
    bass = stereo(0.15 * low + 0.05 * upper, 0.15 * low + 0.04 * upper)
    _, suggestions = run(save(tmp_path / "song", {"Bass.wav": bass}))
    assert not of(suggestions, "mono_bass")


def snare_like(ring_amp: float) -> np.ndarray:
    noise = 0.05 * band_noise(100.0, 10000.0, seed=21)
    return noise + ring_amp * np.sin(2 * np.pi * 1600.0 * times())


def test_ringing_resonance_gets_a_narrow_cut(tmp_path: Path) -> None:
    analysis, suggestions = run(save(tmp_path / "song", {"Snare.wav": snare_like(0.05)}))
    cuts = [s for s in of(suggestions, "eq", "Snare.wav") if s.rule == "resonance"]
    assert len(cuts) == 1
    cut = cuts[0]
    (band,) = cut.params["bands"]
    assert band["type"] == "peaking"
    assert 1600.0 / 2 ** (1 / 6) <= band["freq_hz"] <= 1600.0 * 2 ** (1 / 6)
    assert -6.0 <= band["gain_db"] <= -1.0
    assert band["q"] == pytest.approx(4.3, abs=0.1)
    assert band["gain_db"] == pytest.approx(-cut.evidence["excess_db"] / 2, abs=0.3)
    result = verify(analysis, cut)
    assert result.before - result.after >= RESONANCE_SHRINK * abs(band["gain_db"])


def test_plain_noise_has_no_resonance(tmp_path: Path) -> None:
    _, suggestions = run(save(tmp_path / "song", {"Snare.wav": snare_like(0.0)}))
    assert not [s for s in of(suggestions, "eq") if s.rule == "resonance"]


def test_harsh_vocal_gets_a_presence_cut(tmp_path: Path) -> None:
    body = band_noise(200.0, 1000.0, seed=1)
    bite = band_noise(2000.0, 5000.0, seed=2)
    harsh = 0.1 * (0.5 * body + 0.7 * bite) * syllables()
    analysis, suggestions = run(save(tmp_path / "song", {"Lead_Vocal.wav": harsh}))
    cuts = [s for s in of(suggestions, "eq", "Lead_Vocal.wav") if s.rule == "harshness"]
    assert len(cuts) == 1
    cut = cuts[0]
    (band,) = cut.params["bands"]
    assert 2000.0 <= band["freq_hz"] <= 5000.0 and band["gain_db"] < 0
    assert cut.evidence["harshness_db"] > cut.evidence["role_limit_db"]
    result = verify(analysis, cut)
    assert result.before - result.after >= cut.evidence["promised_drop_db"]


def test_dark_vocal_gets_a_creative_shelf(tmp_path: Path) -> None:
    muffled = 0.1 * band_noise(200.0, 700.0, seed=1) * syllables()
    analysis, suggestions = run(save(tmp_path / "song", {"Lead_Vocal.wav": muffled}))
    tilts = [s for s in of(suggestions, "eq", "Lead_Vocal.wav") if s.rule == "tilt"]
    assert len(tilts) == 1
    tilt = tilts[0]
    assert tilt.category == "creative" and tilt.severity == "low"
    (band,) = tilt.params["bands"]
    assert band["type"] == "high_shelf" and band["gain_db"] > 0
    result = verify(analysis, tilt)
    assert result.after > result.before  # less steep a fall
    # a normal vocal is inside the window
    _, plain = run(save(tmp_path / "plain", {"Lead_Vocal.wav": vocal()}))
    assert not [s for s in of(plain, "eq") if s.rule == "tilt"]


def test_lowend_suggestions_are_deterministic(tmp_path: Path) -> None:
    folder = save(
        tmp_path / "song",
        {"Lead_Vocal.wav": vocal() + rumble(), "Bass.wav": wide_bass()},
    )
    first, second = run(folder)[1], run(folder)[1]
    picked = [s for s in first if s.kind in LOWEND_KINDS]
    assert {s.kind for s in picked} >= {"highpass", "mono_bass"}
    assert [(s.id, s.params) for s in picked] == [
        (s.id, s.params) for s in second if s.kind in LOWEND_KINDS
    ]


def test_clean_demo_session_gets_no_high_lowend() -> None:
    if not DEMO.exists():
        pytest.skip("sample_sessions/demo_song is not there")
    found = [s for s in demo_suggestions() if s.kind in LOWEND_KINDS]
    assert not [s for s in found if s.severity == "high"]
