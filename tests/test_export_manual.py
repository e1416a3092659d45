"""The manual mix (the reviewer's own changes alone), the four versions on the command line and in
the app, and whether each decision was taken having heard its A/B."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.measure import MeterBank
from mixreview.analysis.render import MIX_NAMES, VERSIONS
from mixreview.cli import main
from mixreview.tui.screens.export import summary
from tests.conftest import SR
from tests.export_support import export_song as export
from tests.export_support import new_review, song_with_analysis
from tests.test_render import needs_ffmpeg, read_stereo

FLOAT32_ROUNDING = 1e-6


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory):
    return song_with_analysis(tmp_path_factory.mktemp("manual"))


def ffmpeg_integrated(path: Path) -> float:
    """The integrated loudness ffmpeg's ebur128 summary prints (one decimal)."""
    proc = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", proc.stderr)[-1])


def integrated(samples: np.ndarray) -> float:
    bank = MeterBank(SR, 2)
    bank.update(samples.astype(np.float32))
    return float(bank.result().loudness.integrated_lufs)


@pytest.fixture(scope="module")
def hybrid(song, tmp_path_factory: pytest.TempPathFactory):
    """Two own changes, one suggestion accepted as is and one with the reviewer's parameters."""
    base = tmp_path_factory.mktemp("hybrid")
    s = song[2]
    review = new_review(song[0], base / "review.json")
    review.add_manual("gain", "Pad.wav", {"gain_db": -6.0})
    review.add_manual("polarity", "Kick.wav", {"channels": "both"})
    review.accept(s["polarity"])
    review.set_params(s["bass_gain"], {"gain_db": 1.5})  # adjusted: still the assistant's
    return export(song, review, base / "out", subtype="float", stems=False)


@pytest.fixture(scope="module")
def manual_expected(song) -> np.ndarray:
    """The hybrid review's manual mix worked out by hand: the original stems with only the
    reviewer's own changes (Kick flipped, Pad -6 dB) applied."""
    folder = song[0]
    stems = {name: read_stereo(folder / name) for name in ("Kick.wav", "Bass.wav", "Pad.wav")}
    return (
        -stems["Kick.wav"]
        + stems["Bass.wav"]
        + stems["Pad.wav"] * 10 ** (-6 / 20)
        + read_stereo(folder / "Lead_Vocal.wav")  # the accepted flip is not the reviewer's own
    )


def test_four_mixes_and_the_manual_one_holds_the_own_changes_alone(hybrid, manual_expected) -> None:
    assert set(hybrid.mixes) == set(VERSIONS) == {"chosen", "original", "assistant", "manual"}
    assert sorted(p.name for p in hybrid.folder.glob("*.wav")) == sorted(MIX_NAMES.values())
    expected = manual_expected
    manual = read_stereo(hybrid.mixes["manual"])
    assert np.abs(manual - expected).max() < FLOAT32_ROUNDING
    chosen = read_stereo(hybrid.mixes["chosen"])
    assert np.abs(chosen - manual).max() > 0.1  # the suggestions are in the chosen mix only

    ours = integrated(expected)
    notes = hybrid.notes["measurements"]["manual"]
    assert notes["file"] == "mix_manual.wav"
    assert notes["integrated_lufs"] == pytest.approx(ours, abs=0.1)


@needs_ffmpeg
def test_the_manual_mix_measures_the_same_with_ffmpeg(
    hybrid, manual_expected, tmp_path: Path
) -> None:
    """ffmpeg reads mix_manual.wav and the stems with only the manual changes (written here as
    float32) within 0.1 LU of each other, and the notes agree."""
    reference = tmp_path / "expected_manual.wav"
    sf.write(reference, manual_expected.astype(np.float32), SR, subtype="FLOAT")
    written = ffmpeg_integrated(hybrid.mixes["manual"])
    assert written == pytest.approx(ffmpeg_integrated(reference), abs=0.1)
    notes = hybrid.notes["measurements"]["manual"]
    assert written == pytest.approx(notes["integrated_lufs"], abs=0.1)


def test_the_notes_compare_the_chosen_mix_with_the_manual_and_assistant_ones(hybrid) -> None:
    m = hybrid.notes["measurements"]
    remarks = hybrid.notes["comparison"]
    gain = m["chosen"]["integrated_lufs"] - m["manual"]["integrated_lufs"]
    crest = m["chosen"]["crest_db"] - m["manual"]["crest_db"]
    loudness = f"add {gain:+.1f} LU" if gain >= 0 else f"take {-gain:.1f} LU off"
    crest_words = f"take {-crest:.1f} dB of crest" if crest < 0 else f"add {crest:.1f} dB of crest"
    assistant_remark = next(r for r in remarks if r.startswith("the assistant's suggestions"))
    assert f"{loudness} and {crest_words}" in assistant_remark
    assert any(
        r.startswith("the reviewer's decisions, against the assistant-only") for r in remarks
    )
    assert not any("no manual change" in r for r in remarks)
    text = hybrid.notes_md.read_text()
    assert "| | chosen | original | assistant | manual |" in text
    assert (
        "- `mix_manual.wav`: your own changes alone; suggestions you adjusted count as the "
        "assistant's"
    ) in text


def test_without_own_changes_the_manual_mix_is_the_original(song, tmp_path: Path) -> None:
    review = new_review(song[0], tmp_path / "review.json")
    review.accept(song[2]["polarity"])
    result = export(song, review, tmp_path / "out", stems=False)
    assert result.mixes["manual"].read_bytes() == result.mixes["original"].read_bytes()
    assert result.mixes["manual"].read_bytes() != result.mixes["chosen"].read_bytes()
    lines = [r for r in result.notes["comparison"] if "no manual change" in r]
    assert lines == ["no manual change: mix_manual.wav is the original mix (the stems at unity)."]
    assert "- No manual change: mix_manual.wav is the original mix" in result.notes_md.read_text()


# -- the command and the app -------------------------------------------------------------------
def test_render_writes_and_lists_the_versions_asked_for(song, tmp_path: Path, capsys) -> None:
    review = new_review(song[0], tmp_path / "review.json")
    review.add_manual("gain", "Pad.wav", {"gain_db": -6.0})
    common = [str(song[0]), "--review", str(review.path), "--no-stems", "--quiet"]
    assert main(["render", *common, "--versions", "manual", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "mix_manual.wav", "notes.json", "notes.md"]  # fmt: skip
    mix_lines = [line for line in out.splitlines() if ".wav" in line]
    assert len(mix_lines) == 1 and "mix_manual.wav" in mix_lines[0]
    assert "your own changes alone" in mix_lines[0] and "Manual mix: " in out

    assert main(["render", *common, "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    for name in MIX_NAMES.values():
        assert name in out and (tmp_path / "b" / name).is_file()


def test_the_export_screen_lists_what_was_written(hybrid) -> None:
    lines = summary(hybrid)
    assert lines[0] == f"Exported to {hybrid.folder}"
    assert "  mix_manual.wav: your own changes alone" in lines
    assert [line.split(":")[0].strip() for line in lines[1:5]] == list(MIX_NAMES.values())


# -- heard or not ------------------------------------------------------------------------------
def test_decisions_taken_without_listening_are_counted_and_named(song, tmp_path: Path) -> None:
    s = song[2]
    review = new_review(song[0], tmp_path / "review.json")
    review.record_listen(s["polarity"].id, 5.0, 3.0)
    review.accept(s["polarity"])  # heard
    review.accept(s["pad_gain"])  # not heard
    review.accept(s["bass_gain"])  # decided before listening was recorded
    review.data["decisions"][s["bass_gain"].id].pop("heard")
    review.save()
    review.record_blind(s["highpass"].id, "A", "A", "B")
    review.reject(s["highpass"])  # heard in a blind trial
    review.reject(s["kick_eq"])  # not heard
    result = export(song, review, tmp_path / "out", stems=False, versions="chosen")

    notes = json.loads(result.notes_json.read_text())
    changes = {c["id"]: c for c in notes["changes"]}
    assert changes[s["polarity"].id]["heard"] == {
        "heard": True, "played_s": 5.0, "matched_s": 3.0, "blind_trials": 0}  # fmt: skip
    assert changes[s["pad_gain"].id]["heard"]["heard"] is False
    assert changes[s["bass_gain"].id]["heard"]["heard"] is None  # unknown, not unheard
    assert changes[s["highpass"].id]["heard"]["blind_trials"] == 1
    listening = notes["listening"]
    assert (listening["total"], listening["heard"], listening["unheard"]) == (5, 2, 2)
    assert listening["unknown"] == 1
    assert listening["accepted"] == {"total": 3, "heard": 1, "unheard": 1, "unknown": 1}
    assert listening["rejected"] == {"total": 2, "heard": 1, "unheard": 1, "unknown": 0}
    assert sorted(listening["unheard_ids"]) == sorted([s["pad_gain"].id, s["kick_eq"].id])

    text = result.notes_md.read_text()
    assert "Accepted without listening: 1 of 3 (gain on Pad)." in text
    assert "Rejected without listening: 1 of 2 (eq on Kick)." in text
    assert "1 decision was saved before the app recorded listening" in text
