"""Sections: the manifest's when given, else detected from part entrances and mix novelty."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import analyze
from mixreview.analysis.sections import (
    FRAME_S,
    MIN_SECTION_S,
    activity,
    detect_sections,
    session_sections,
)
from tests.conftest import SR, write

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"


def _drums(seconds: float, end_s: float, rng: np.random.Generator) -> np.ndarray:
    n = round(seconds * SR)
    x = np.zeros(n, np.float32)
    k = np.arange(SR // 5)
    hit = (0.5 * np.sin(2 * np.pi * 55 * k / SR) * np.exp(-k / 2400)).astype(np.float32)
    burst = (0.2 * rng.standard_normal(SR // 10) * np.exp(-np.arange(SR // 10) / 800)).astype(
        np.float32
    )
    for beat, t in enumerate(np.arange(0.0, end_s, 0.5)):
        i = round(t * SR)
        x[i : i + len(hit)] += hit[: n - i]
        if beat % 2:
            x[i : i + len(burst)] += burst[: n - i]
    return x


def _part(
    seconds: float, start_s: float, end_s: float, notes: list[float], amp: float
) -> np.ndarray:
    """A harmonic line changing note every 2 s, sounding from start_s to end_s."""
    t = np.arange(round(seconds * SR)) / SR
    freq = np.array(notes)[(t // 2).astype(int) % len(notes)]
    phase = 2 * np.pi * np.cumsum(freq) / SR
    x = amp * (np.sin(phase) + 0.3 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase))
    on = ((t >= start_s) & (t < end_s)).astype(np.float64)
    ramp = np.convolve(on, np.ones(480) / 480)[240 : 240 + len(on)]  # 10 ms fades
    return (x * ramp).astype(np.float32)


def _arrangement(folder: Path, marks: tuple[float, float, float, float], length: float) -> Path:
    """Drums from 0 s, bass from marks[0], vocal marks[1]-marks[2], everything out at marks[3]."""
    folder.mkdir(parents=True)
    bass_in, vocal_in, vocal_out, all_out = marks
    rng = np.random.default_rng(1)
    write(folder / "Drums.wav", _drums(length, all_out, rng), subtype="PCM_16")
    write(
        folder / "Bass.wav",
        _part(length, bass_in, all_out, [55.0, 73.4, 65.4, 49.0], 0.3),
        subtype="PCM_16",
    )
    write(
        folder / "Lead Vocal.wav",
        _part(length, vocal_in, vocal_out, [220.0, 247.0, 262.0, 294.0], 0.15),
        subtype="PCM_16",
    )
    return folder


def _cuts(sections) -> list[float]:
    return [s.start_s for s in sections[1:]]


def _assert_cover(sections, duration_s: float) -> None:
    assert sections[0].start_s == 0.0
    assert sections[-1].end_s == pytest.approx(duration_s)
    for a, b in itertools.pairwise(sections):
        assert a.end_s == b.start_s
        assert a.end_s - a.start_s >= MIN_SECTION_S - 1e-6
    assert len({s.name for s in sections}) == len(sections)


def test_entrances_and_exits_found_within_half_a_second(tmp_path: Path) -> None:
    folder = _arrangement(tmp_path / "song", (8.0, 16.0, 32.0, 40.0), 44.0)
    analysis = analyze(folder, workers=1, use_cache=False)
    sections = analysis.sections
    assert all(s.source == "detected" for s in sections)
    _assert_cover(sections, 44.0)
    cuts = _cuts(sections)
    assert len(cuts) == 4, sections
    for cut, truth in zip(cuts, (8.0, 16.0, 32.0, 40.0), strict=True):
        assert abs(cut - truth) <= 0.5, sections
    # drums alone before the bass; silence after 40 s
    assert sections[0].name == "Intro"
    assert sections[-1].name == "Outro"
    # the bass-and-drums stretch comes back after the vocal: same letter, numbered
    assert sections[1].name == "A" and sections[3].name == "A2"


def test_boundaries_snap_to_bars_with_tempo(tmp_path: Path) -> None:
    bar = 60.0 / 100.0 * 4  # 2.4 s at 100 BPM in 4/4
    marks = (3 * bar, 6 * bar, 10 * bar, 12 * bar)
    # the parts come in slightly early (pickups) or late: snapping still lands on the bar
    folder = _arrangement(
        tmp_path / "song", (marks[0] - 0.2, marks[1] + 0.15, marks[2], marks[3]), 33.0
    )
    (folder / "mixreview.toml").write_text("tempo_bpm = 100\n")
    sections = analyze(folder, workers=1, use_cache=False).sections
    _assert_cover(sections, 33.0)
    cuts = _cuts(sections)
    assert cuts == pytest.approx(list(marks), abs=1e-6), sections
    for cut in cuts:
        assert cut / bar == pytest.approx(round(cut / bar), abs=1e-9)


def test_manifest_sections_take_precedence(tmp_path: Path) -> None:
    folder = _arrangement(tmp_path / "song", (4.0, 8.0, 12.0, 16.0), 18.0)
    (folder / "mixreview.toml").write_text(
        'tempo_bpm = 120\n\n[[sections]]\nname = "Verse"\nstart_s = 0.0\n\n'
        '[[sections]]\nname = "Chorus"\nstart_s = 10.0\n'
    )
    sections = analyze(folder, workers=1, use_cache=False).sections
    assert [(s.name, s.start_s, s.end_s, s.source) for s in sections] == [
        ("Verse", 0.0, 10.0, "manifest"),
        ("Chorus", 10.0, 18.0, "manifest"),
    ]


def test_single_steady_stem_is_one_section(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Keys.wav", _part(12.0, 0.0, 12.0, [220.0, 262.0, 330.0, 294.0], 0.2))
    sections = analyze(folder, workers=1, use_cache=False).sections
    assert [(s.name, s.start_s, s.end_s, s.source) for s in sections] == [
        ("Song", 0.0, 12.0, "detected")
    ]


def test_loudness_step_without_new_parts_is_a_boundary(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    rng = np.random.default_rng(4)
    t = np.arange(20 * SR) / SR
    pad = rng.standard_normal(len(t)).astype(np.float32) * 0.02
    pad *= np.where(t < 10.0, 1.0, 4.0).astype(np.float32)  # +12 dB from 10 s
    write(folder / "Pad.wav", pad)
    analysis = analyze(folder, workers=1, use_cache=False)
    cuts = _cuts(analysis.sections)
    assert len(cuts) == 1 and abs(cuts[0] - 10.0) <= 0.5, analysis.sections
    # determinism: the same measurements give the same sections
    stems = {r.stem.file: r.measurement for r in analysis.stems}
    assert detect_sections(analysis.session, stems, analysis.mix) == list(analysis.sections)


def test_activity_fills_short_pauses_and_drops_short_runs() -> None:
    energy = np.full(200, 1e-12)  # silence
    energy[10:40] = 1e-3  # 3 s playing
    energy[55:80] = 1e-3  # after a 1.5 s pause: filled
    energy[120:125] = 1e-3  # 0.5 s: too short to count
    energy[150:190] = 1e-3  # after a 7 s pause: a new entrance
    act = activity(energy)
    assert act[10:80].all() and not act[:10].any() and not act[80:150].any()
    assert act[150:190].all() and not act[190:].any()
    assert FRAME_S == 0.1


def test_demo_song_structure_found_without_its_manifest_sections() -> None:
    if not DEMO.is_dir():
        pytest.skip("sample session missing")
    analysis = analyze(DEMO, workers=2, use_cache=False)
    truth = [s.start_s for s in analysis.sections[1:]]
    session = replace(analysis.session, manifest=replace(analysis.session.manifest, sections=()))
    stems = {r.stem.file: r.measurement for r in analysis.stems if r.measurement is not None}
    untimed = replace(session, manifest=replace(session.manifest, tempo_bpm=None))
    found = session_sections(untimed, stems, analysis.mix)
    assert len(found) == len(truth) + 1
    for cut, expected in zip(_cuts(found), truth, strict=True):
        assert abs(cut - expected) <= 0.5, found
    on_bars = session_sections(session, stems, analysis.mix)  # the manifest's tempo: on bars
    assert _cuts(on_bars) == pytest.approx(truth, abs=1e-3)


def test_a_part_that_drops_in_both_choruses_marks_them(tmp_path: Path) -> None:
    """Verse, chorus, verse, chorus of 8 s: the lead line 10 dB quieter in both choruses, drums,
    bass and a synth steady throughout. No part enters or leaves: the lead's level steps tell
    the structure, and the drop in both choruses is found (not diluted into "the rest")."""
    folder = tmp_path / "song"
    folder.mkdir()
    length = 32.0
    rng = np.random.default_rng(3)
    t = np.arange(round(length * SR)) / SR
    chorus = ((t // 8).astype(int) % 2 == 1).astype(np.float64)
    level = 10 ** (-10 / 20 * np.convolve(chorus, np.ones(480) / 480, mode="same"))
    write(folder / "Drums.wav", _drums(length, length, rng), subtype="PCM_24")
    write(folder / "Bass.wav", _part(length, 0, length, [55.0, 73.4, 65.4, 49.0], 0.3))
    write(folder / "Synth.wav", _part(length, 0, length, [440.0, 392.0, 349.0, 330.0], 0.05))
    guitar = _part(length, 0, length, [196.0, 220.0, 247.0, 262.0], 0.2) * level
    write(folder / "Lead_Synth.wav", guitar.astype(np.float32))
    analysis = analyze(folder, workers=1, use_cache=False)
    cuts = _cuts(analysis.sections)
    assert len(cuts) == 3
    for cut, expected in zip(cuts, (8.0, 16.0, 24.0), strict=True):
        assert cut == pytest.approx(expected, abs=0.5)
    from mixreview.analysis.suggest import suggest

    (lift,) = [s for s in suggest(analysis) if s.kind == "section_gain"]
    assert lift.stems == ("Lead_Synth.wav",)
    starts = [round(g["start_s"]) for g in lift.params["segments"]]
    assert starts == [8, 24] and all(g["gain_db"] > 6.0 for g in lift.params["segments"])
