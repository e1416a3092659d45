"""References added from the app: stored beside the review, read back by the analysis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import analyze
from mixreview.analysis.user_references import (
    add_user_reference,
    load_user_references,
    references_path,
    remove_user_reference,
    resolve_reference_path,
)

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"


def tone_file(path: Path, seconds: float = 12.0, rate: int = 44100) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(1).standard_normal(len(t))
    x = 0.3 * np.sin(2 * np.pi * 220.0 * t) + 0.05 * noise
    sf.write(str(path), np.stack([x, x * 0.8], axis=1).astype(np.float32), rate)
    return path


def test_added_references_are_stored_and_forgotten(tmp_path: Path) -> None:
    session = tmp_path / "song"
    session.mkdir()
    ref = tone_file(tmp_path / "ref.wav")
    assert load_user_references(session) == []
    add_user_reference(session, ref, 2.0)
    add_user_reference(session, ref, 0.5)  # the same file again: re-weighted, not doubled
    specs = load_user_references(session)
    assert [(s.path, s.weight) for s in specs] == [(ref.resolve(), 0.5)]
    stored = json.loads(references_path(session).read_text())
    assert stored["references"][0]["path"] == str(ref.resolve())
    remove_user_reference(session, ref)
    assert load_user_references(session) == []
    assert ref.exists()  # the file itself is never touched
    with pytest.raises(ValueError, match="weight"):
        add_user_reference(session, ref, 0.0)


def test_a_damaged_store_gives_no_references(tmp_path: Path) -> None:
    session = tmp_path / "song"
    session.mkdir()
    path = references_path(session)
    path.write_text("{not json")
    assert load_user_references(session) == []
    path.write_text(json.dumps({"references": [{"path": 3}, {"path": "/x.wav", "weight": -1}]}))
    assert [(str(s.path), s.weight) for s in load_user_references(session)] == [("/x.wav", 1.0)]


def test_typed_paths_resolve_against_the_session_then_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = tmp_path / "song"
    (session / "refs").mkdir(parents=True)
    inside = tone_file(session / "refs" / "a.wav", seconds=1)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert resolve_reference_path("refs/a.wav", session) == inside.resolve()
    assert resolve_reference_path(" 'refs/a.wav' ", session) == inside.resolve()
    assert resolve_reference_path("b.wav", session) == (elsewhere / "b.wav").resolve()


def test_the_analysis_measures_the_added_references(tmp_path: Path) -> None:
    session = tmp_path / "song"
    shutil.copytree(DEMO, session)
    ref = tone_file(tmp_path / "Master.wav")
    add_user_reference(session, ref, 1.5)
    # named twice: counted once; a tone is not a record (doubted), so it is trusted here
    analysis = analyze(session, workers=1, references=[str(ref)], trust_references=True)
    assert [r.spec.path for r in analysis.references] == [ref.resolve()]
    assert analysis.references[0].spec.weight == 1.5
    assert analysis.references[0].usable
    assert analysis.comparison is not None and analysis.comparison.names == ("Master.wav",)
