"""The notes' References section: the references used, and what remains between them and the
mixes at matched loudness, measured back from a reference with a known tilt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis.analyze import analyze
from mixreview.analysis.export import export_session
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.notes_references import range_label, reference_remarks
from mixreview.analysis.reference import RANGES_HZ, band_spectra_db, range_level_db
from mixreview.analysis.review import Review
from mixreview.analysis.session import load_session

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"
SHELF_HZ, SHELF_DB, SHELF_Q = 2500.0, 4.0, 0.7071
LOUDER_DB = 6.0  # references are finished, louder records


def high_shelf_sos(freq_hz: float, gain_db: float, q: float, rate: int) -> np.ndarray:
    """The cookbook high shelf (R. Bristow-Johnson), built here independently of analysis.dsp."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq_hz / rate
    alpha, cos = np.sin(w0) / (2 * q), np.cos(w0)
    root = 2 * np.sqrt(a) * alpha
    b = [a * ((a + 1) + (a - 1) * cos + root), -2 * a * ((a - 1) + (a + 1) * cos),
         a * ((a + 1) + (a - 1) * cos - root)]  # fmt: skip
    den = [(a + 1) - (a - 1) * cos + root, 2 * ((a - 1) - (a + 1) * cos),
           (a + 1) - (a - 1) * cos - root]  # fmt: skip
    return np.array([[*(x / den[0] for x in b), *(x / den[0] for x in den)]])


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo session, a reference made from its own rendered mix (high shelf, 6 dB louder),
    two unusable references, and a review whose chosen mix has the matching shelf."""
    root = tmp_path_factory.mktemp("refnotes")
    folder = root / "song"
    shutil.copytree(DEMO, folder)
    plain = export_session(folder, out=root / "plain", versions="original", stems=False)
    mix, rate = sf.read(str(plain.mixes["original"]), dtype="float64", always_2d=True)
    sos = high_shelf_sos(SHELF_HZ, SHELF_DB, SHELF_Q, rate)
    refs = root / "refs"
    refs.mkdir()
    tilted = refs / "Tilted Master.wav"
    shaped = signal.sosfilt(sos, mix, axis=0) * 10 ** (LOUDER_DB / 20)
    sf.write(str(tilted), shaped.astype(np.float32), rate, subtype="FLOAT")
    short = refs / "short.wav"
    sf.write(str(short), shaped[: 3 * rate].astype(np.float32), rate, subtype="FLOAT")
    silent = refs / "silent.wav"
    sf.write(str(silent), np.zeros((20 * rate, 2), np.float32), rate)

    stems = [s.file for s in load_session(folder).stems]
    review = Review.open(root / "review.json", folder, stems)
    shelf = {"type": "high_shelf", "freq_hz": SHELF_HZ, "gain_db": SHELF_DB, "q": SHELF_Q}
    for file in stems:
        review.add_manual("eq", file, {"bands": [shelf]})
    result = export_session(
        folder, review_path=root / "review.json", out=root / "out", stems=False,
        versions="chosen", references=[str(tilted), f"{short}:0.5", str(silent)],
    )  # fmt: skip

    # the change the shelf makes to each range of the original mix, from its own response
    _, response = signal.sosfreqz(sos, worN=np.asarray(BAND_CENTERS_HZ), fs=rate)
    response_db = 20 * np.log10(np.abs(response))
    mid_db, _ = band_spectra_db(plain.render.measurements["original"])
    expected = {
        name: range_level_db(mid_db + response_db, low, high) - range_level_db(mid_db, low, high)
        for name, (low, high) in RANGES_HZ.items()
    }
    return {"folder": folder, "result": result, "expected": expected, "tilted": tilted,
            "short": short, "silent": silent, "root": root}  # fmt: skip


def tone(notes: dict, version: str, name: str) -> float:
    return notes["references"]["differences"][version]["tone_db"][name]["mix_minus_reference"]


def test_references_are_listed_with_their_numbers(setup: dict) -> None:
    notes = json.loads(setup["result"].notes_json.read_text())
    tracks = {t["file"]: t for t in notes["references"]["tracks"]}
    assert list(tracks) == ["Tilted Master.wav", "short.wav", "silent.wav"]
    used = tracks["Tilted Master.wav"]
    assert used["used"] and used["problem"] is None and used["weight"] == 1.0
    assert used["path"] == str(setup["tilted"])
    assert used["duration_s"] == pytest.approx(30.0, abs=0.05)
    original = notes["measurements"]["original"]
    # 6 dB louder plus what the shelf adds; the peaks follow
    assert used["integrated_lufs"] > original["integrated_lufs"] + LOUDER_DB
    assert used["integrated_lufs"] < original["integrated_lufs"] + LOUDER_DB + SHELF_DB
    assert used["true_peak_dbtp"] > original["true_peak_dbtp"] + LOUDER_DB - 0.5
    assert used["plr_db"] == pytest.approx(used["true_peak_dbtp"] - used["integrated_lufs"], 0.02)
    assert used["lra_lu"] == pytest.approx(original["lra_lu"], abs=1.5)
    json.dumps(notes, allow_nan=False)


def test_unusable_references_say_why(setup: dict) -> None:
    result = setup["result"]
    tracks = {t["file"]: t for t in result.notes["references"]["tracks"]}
    short, silent = tracks["short.wav"], tracks["silent.wav"]
    assert not short["used"] and "3.0 s long" in short["problem"] and short["weight"] == 0.5
    assert not silent["used"] and "silent" in silent["problem"]
    remarks = result.notes["references"]["remarks"]
    assert f"not used: {short['problem']}" in remarks
    assert f"not used: {silent['problem']}" in remarks
    assert any(m == f"reference not used: {silent['problem']}" for m in result.messages)
    # only the usable reference enters the comparison
    gains = result.notes["references"]["differences"]["chosen"]["match_gain_db"]
    assert [g["file"] for g in gains] == ["Tilted Master.wav"]
    text = result.notes_md.read_text()
    assert f"- Not used: {short['problem']}" in text
    assert "| `silent.wav` (`" in text and "| no (below) |" in text


def test_original_shows_the_known_tilt(setup: dict) -> None:
    """Before the review the mix lacks exactly what the shelf added to the reference."""
    notes = setup["result"].notes
    expected = setup["expected"]
    reference_lufs = notes["references"]["tracks"][0]["integrated_lufs"]
    # matching loudness turns the reference down by what the shelf added as well: every range
    # of the mix reads that much higher
    offset = reference_lufs - LOUDER_DB - notes["measurements"]["original"]["integrated_lufs"]
    assert expected["presence"] > 2.5 and expected["air"] > 3.5  # the test's own premise
    for name in ("presence", "air", "low-mid"):
        assert tone(notes, "original", name) == pytest.approx(offset - expected[name], abs=1.0)
    differences = notes["references"]["differences"]["original"]
    assert differences["loudness_lufs"]["mix_minus_reference"] == pytest.approx(
        notes["measurements"]["original"]["integrated_lufs"] - reference_lufs, abs=0.05
    )
    widths = [w["mix_minus_reference"] for w in differences["width_db"].values()]
    assert max(abs(w) for w in widths) < 0.5  # the shelf is on both channels alike


def test_the_matching_eq_closes_the_gap(setup: dict) -> None:
    notes = setup["result"].notes
    for name in ("presence", "air"):
        before, now = tone(notes, "original", name), tone(notes, "chosen", name)
        assert abs(now) < 1.0 and abs(now) < abs(before) - 1.5, (name, before, now)
    text = setup["result"].notes_md.read_text()
    section = text[text.index("## References") : text.index("## Session")]
    for name in ("presence", "air"):
        before, now = tone(notes, "original", name), tone(notes, "chosen", name)
        label = range_label(name)
        line = f"- {label[0].upper()}{label[1:]}: {before:+.1f} dB before, "
        assert f"{line}{round(now, 1) + 0.0:+.1f} dB now" in section
    row = f"| Tone, {range_label('presence')} (dB) | {tone(notes, 'original', 'presence'):+.1f} |"
    assert row in section
    assert "Compared with Tilted Master.wav at matched loudness" in section
    assert "Dynamics now, against the references: short-term spread" in section


def test_the_apps_analysis_brings_its_references(setup: dict) -> None:
    """With ``analysis`` given its references are used; others asked for are measured too."""
    folder = setup["folder"]
    analysis = analyze(folder, references=[str(setup["tilted"])])
    result = export_session(
        folder, out=setup["root"] / "app", versions="chosen", stems=False, analysis=analysis,
        references=[str(setup["tilted"]), str(setup["short"])],
    )  # fmt: skip
    tracks = result.notes["references"]["tracks"]
    assert [(t["file"], t["used"]) for t in tracks] == [
        ("Tilted Master.wav", True), ("short.wav", False)]  # fmt: skip
    # no review here: the chosen mix is the original, with the original's gap
    assert tone(result.notes, "chosen", "air") == pytest.approx(
        tone(setup["result"].notes, "original", "air"), abs=0.05
    )


def differences(values: dict) -> dict:
    """One version's differences: ``values`` by range, ``width RANGE``, dynamics key or ``low``;
    the references at 10 (dynamics) and -30 dB (low-end side)."""

    def pair(mix: float, reference: float) -> dict:
        return {"mix": mix, "reference": reference, "mix_minus_reference": mix - reference}

    dynamics = ("crest_db", "plr_db", "lra_lu", "short_term_spread_lu")
    return {
        "loudness_lufs": pair(-18.0, -9.0),
        "tone_db": {
            n: {"mix_minus_reference": values.get(n, 0.0), "reference_spread": 0.0}
            for n in RANGES_HZ
        },
        "width_db": {
            n: {"mix_minus_reference": values.get(f"width {n}", 0.0)}
            for n in ("low-mid", "mid", "presence", "air")
        },
        "dynamics": {k: pair(values.get(k, 10.0), 10.0) for k in dynamics},
        "low_end_side_to_mid_db": pair(values.get("low", -30.0), -30.0),
    }


def entry(now: dict, before: dict | None = None) -> dict:
    """A references entry with one used reference and the given numbers."""
    track = {"file": "Ref.flac", "weight": 1.0, "used": True, "problem": None, "notes": []}
    found = {"chosen": differences(now)}
    if before is not None:
        found["original"] = differences(before)
    return {"tracks": [track], "differences": found}


def test_remarks_in_words() -> None:
    quiet = reference_remarks(entry({}))
    assert "9.0 LU below" in quiet[0]
    assert "sub, bass, low-mid, mid, presence, air: within 1 dB of the references." in quiet
    assert quiet[-1] == "side against mid below 120 Hz: -30 dB now, the references -30 dB."
    moved = reference_remarks(entry(
        {"bass": 2.5, "width mid": 4.0, "plr_db": 16.0, "short_term_spread_lu": 14.0,
         "low": -10.0},
        {"bass": 4.0, "width mid": 4.0, "low": -12.0},
    ))  # fmt: skip
    text = "\n".join(moved)
    assert "bass 60-250 Hz: +4.0 dB before, +2.5 dB now: more energy there than the" in text
    assert "mid 800 Hz-2.5 kHz +4.0 dB before, +4.0 dB now (wider)" in text
    assert "peaks sit 6.0 dB closer to their loudness" in text
    assert "moves 4.0 LU more than the references'" in text
    assert "-10 dB now (-12 dB before), the references -30 dB: more stereo in the low end" in text
    assert reference_remarks({"tracks": [], "differences": {}})[0].startswith(
        "no reference tracks were used"
    )
