"""Session discovery, manifest parsing and role inference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.errors import SessionError
from mixreview.analysis.manifest import read_manifest
from mixreview.analysis.roles import infer_role, is_default_name
from mixreview.analysis.session import load_session
from tests.conftest import tone, write


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Kick_In", "kick"),
        ("BassDrum", "kick"),
        ("Snare Top", "snare"),
        ("HiHat", "hats"),
        ("Overheads", "hats"),
        ("Bass_DI", "bass"),
        ("Synth Bass", "bass"),
        ("Lead_Vocal", "lead_vocal"),
        ("LeadVox", "lead_vocal"),
        ("BV_Harmony", "backing_vocal"),
        ("Gtr L", "guitar"),
        ("Piano", "keys"),
        ("Strings", "pad"),
        ("Lead_Synth", "synth"),
        ("FX_Riser", "fx"),
        ("Drums", "drums"),
        ("Room", "unknown"),
    ],
)
def test_role_inference(name: str, role: str) -> None:
    assert infer_role(name) == role


@pytest.mark.parametrize("name", ["Track_1", "Audio 03", "Untitled", "12", "Bounce 2"])
def test_default_names(name: str) -> None:
    assert is_default_name(name)


@pytest.mark.parametrize("name", ["Kick", "808", "Lead_Vocal", "Room"])
def test_real_names_are_not_default(name: str) -> None:
    assert not is_default_name(name)


def test_discovery_skips_app_folders_and_hidden_files(small_session: Path) -> None:
    (small_session / ".mixreview").mkdir()
    write(small_session / ".mixreview" / "cached.wav", tone(100, 0.5))
    (small_session / "mixreview-export").mkdir()
    write(small_session / "mixreview-export" / "mix_chosen.wav", tone(100, 0.5))
    write(small_session / "._Kick.wav", tone(100, 0.5))
    (small_session / "notes.txt").write_text("hello")
    sub = small_session / "Vocals"
    sub.mkdir()
    write(sub / "Lead_Vocal.wav", tone(440, 3.0))
    session = load_session(small_session)
    assert [s.file for s in session.stems] == [
        "Bass.flac",
        "Kick.wav",
        "Pad.wav",
        "Vocals/Lead_Vocal.wav",
    ]
    assert session.sample_rate == 48000
    assert session.duration_s == pytest.approx(3.0)
    assert session.stem("Vocals/Lead_Vocal.wav").role == "lead_vocal"


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no audio files"):
        load_session(tmp_path)


def test_missing_folder_and_file_path(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="does not exist"):
        load_session(tmp_path / "nope")
    file = write(tmp_path / "Kick.wav", tone(60, 0.5))
    with pytest.raises(SessionError, match="is a file, not a folder"):
        load_session(file)


def test_manifest_roles_names_sections_references(small_session: Path) -> None:
    (small_session / "mixreview.toml").write_text(
        """
title = "Night Drive"
tempo_bpm = 120
references = ["../ref.flac"]
[[sections]]
name = "Verse"
start_s = 1.0
[[sections]]
name = "Intro"
start_s = 0.0
[stems."Pad.wav"]
role = "keys"
name = "Rhodes"
""",
        encoding="utf-8",
    )
    session = load_session(small_session)
    assert session.title == "Night Drive"
    assert session.manifest.tempo_bpm == 120
    assert [s.name for s in session.manifest.sections] == ["Intro", "Verse"]
    pad = session.stem("Pad.wav")
    assert (pad.role, pad.name, pad.role_source) == ("keys", "Rhodes", "manifest")
    assert session.manifest.references == (small_session / "../ref.flac",)
    assert session.manifest.problems == ()


def test_manifest_syntax_error_is_reported_not_raised(small_session: Path) -> None:
    (small_session / "mixreview.toml").write_text('title = "oops\ntempo_bpm = 90\n')
    manifest = read_manifest(small_session)
    assert manifest.found and manifest.title is None
    assert "syntax error" in manifest.problems[0]
    assert load_session(small_session).title == "song"


def test_manifest_stem_outside_folder_and_bad_role(small_session: Path) -> None:
    (small_session / "mixreview.toml").write_text(
        '[stems."../elsewhere/Kick.wav"]\nrole = "kick"\n'
        '[stems."Pad.wav"]\nrole = "banjo"\n'
        "[[sections]]\nname = 'Bad'\nstart_s = -3\n"
    )
    manifest = read_manifest(small_session)
    text = " ".join(manifest.problems)
    assert "outside the session folder" in text
    assert "unknown role 'banjo'" in text
    assert "section 'Bad' needs start_s" in text
    assert "../elsewhere/Kick.wav" not in manifest.stems
    assert load_session(small_session).stem("Pad.wav").role == "pad"


def test_session_rate_is_the_most_common(tmp_path: Path) -> None:
    for name in ("Kick", "Snare"):
        write(tmp_path / f"{name}.wav", tone(100, 1.0, sr=44100), sr=44100)
    write(tmp_path / "Bass.wav", tone(100, 1.0))
    session = load_session(tmp_path)
    assert session.sample_rate == 44100
    assert session.frames == 44100


def test_loading_reads_no_audio_and_changes_nothing(small_session: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in small_session.iterdir()}
    load_session(small_session)
    assert {p: p.stat().st_mtime_ns for p in small_session.iterdir()} == before
    assert np.isfinite(load_session(small_session).duration_s)
