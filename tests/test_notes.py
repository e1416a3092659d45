"""The notes for mastering: the decisions as made, what the files measure, words for mastering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.export import export_session
from mixreview.analysis.notes import NO_REFERENCES, SCHEMA, TONAL_BANDS, mastering_remarks
from mixreview.analysis.review import Review
from mixreview.analysis.session import load_session
from tests.conftest import SR, stereo, tone, write
from tests.test_render import adjusted_params, build_demo, ffmpeg_measure, needs_ffmpeg, run_export

LU_TOLERANCE = 0.1
DB_TOLERANCE = 0.2


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def exported(demo: dict, tmp_path_factory: pytest.TempPathFactory):
    return run_export(demo, tmp_path_factory.mktemp("out") / "export")


def changes_by_id(notes: dict) -> dict[str, dict]:
    return {c["id"]: c for c in notes["changes"]}


# -- what was decided --------------------------------------------------------------------------
def test_decisions_in_notes_json(exported, demo: dict) -> None:
    notes = json.loads(exported.notes_json.read_text())
    assert notes["schema"] == SCHEMA
    decided = demo["decided"]
    changes = changes_by_id(notes)

    accepted = changes[decided["accepted"].id]
    assert accepted["status"] == "accepted" and accepted["applied"]
    assert accepted["params"] == decided["accepted"].params and accepted["amount"] == 1.0
    assert accepted["note"] == "keep it subtle" and accepted["origin"] == "assistant"

    adjusted = changes[decided["adjusted"].id]
    assert adjusted["status"] == "adjusted" and adjusted["applied"]
    assert adjusted["amount"] == 0.5
    assert adjusted["params"] == adjusted_params(decided["adjusted"])
    assert adjusted["suggested"]["params"] == decided["adjusted"].params
    assert adjusted["adjustments"] == [
        "amount 100% -> 50%",
        "bands: bell 250 Hz -3.0 dB Q 1.4 -> bell 250 Hz -1.5 dB Q 1.4",
    ]
    assert adjusted["description"] == "bell 250 Hz -1.5 dB Q 1.4"
    assert adjusted["suggested"]["description"] == "bell 250 Hz -3.0 dB Q 1.4"

    rejected = changes[decided["rejected"].id]
    assert rejected["status"] == "rejected" and not rejected["applied"]
    assert rejected["note"] == "the vocal needs its dynamics"

    manual = changes[decided["manual"]]
    assert manual["origin"] == "manual" and manual["status"] == "manual" and manual["applied"]
    assert manual["kind"] == "highpass" and manual["params"] == {"freq_hz": 40.0}
    assert manual["stems"] == [decided["manual_stem"]] and manual["note"] == "rumble"
    assert manual["description"] == "high-pass 40 Hz, 12 dB/oct"

    pending = [c for c in notes["changes"] if c["status"] == "pending"]
    assert all(not c["applied"] for c in pending)
    counts = notes["review"]["counts"]
    assert counts["accepted"] == 1 and counts["adjusted"] == 1 and counts["rejected"] == 1
    assert counts["manual"] == 1 and counts["pending"] == len(pending)

    stems = {s["file"]: s for s in notes["stems"]}
    assert decided["manual"] in stems[decided["manual_stem"]]["changes"]
    assert decided["rejected"].id in stems[decided["rejected"].stems[0]]["kept"]
    assert stems[decided["note_stem"]]["note"].startswith("a little harsh")
    assert notes["stem_notes"] == {decided["note_stem"]: stems[decided["note_stem"]]["note"]}
    assert notes["blind"][decided["adjusted"].id]["wins"] == {"adjusted": 2, "original": 1}
    assert notes["orphans"] == []


def test_decisions_in_notes_md(exported, demo: dict) -> None:
    text = exported.notes_md.read_text()
    decided = demo["decided"]
    assert "**accepted** gain" in text and "keep it subtle" in text
    assert (
        "**adjusted** eq: bell 250 Hz -1.5 dB Q 1.4 at 50% strength: bell 250 Hz -0.8 dB Q 1.4 "
        "applied (the assistant suggested "
        "bell 250 Hz -3.0 dB Q 1.4; changed: amount 100% -> 50%, bands: bell 250 Hz -3.0 dB "
        "Q 1.4 -> bell 250 Hz -1.5 dB Q 1.4)"
    ) in text
    assert "**rejected, kept as it was** compressor" in text
    assert "the vocal needs its dynamics" in text
    assert "**manual** highpass: high-pass 40 Hz, 12 dB/oct" in text and "rumble" in text
    assert "leave it to mastering" in text
    assert "## Blind comparisons" in text and "3 trials, preferred: adjusted 2, original 1" in text
    assert "1 suggestion accepted as is, 1 adjusted, 1 rejected" in text
    session = load_session(demo["dir"])
    name = session.stem(decided["manual_stem"]).name
    assert f"### {name} (`{decided['manual_stem']}`" in text
    for heading in ("## For mastering", "## Measurements", "## Session", "## What was changed"):
        assert heading in text


def test_orphaned_decisions_are_reported(demo: dict, tmp_path: Path) -> None:
    stems = [s.file for s in load_session(demo["dir"]).stems]
    review_file = tmp_path / "review.json"
    review = Review.open(review_file, demo["dir"], stems)
    gone = demo["suggestions"][0].__class__(
        **{**demo["suggestions"][-1].__dict__, "id": "", "rule": "a-rule-that-changed"}
    )
    review.accept(gone)
    review.set_note(gone, "was important")
    lost = review.add_manual("gain", "Gone.wav", {"gain_db": -3.0})
    result = run_export(demo, tmp_path / "out", review_path=review_file, stems=False)
    orphans = result.notes["orphans"]
    assert [o["id"] for o in orphans] == [gone.id]
    assert orphans[0]["status"] == "accepted" and orphans[0]["kind"] == gone.kind
    assert any("no longer exist" in m for m in result.messages)
    text = result.notes_md.read_text()
    assert "## Decisions on suggestions that no longer exist" in text and "was important" in text
    missing = changes_by_id(result.notes)[lost]
    assert missing["stem_missing"] and not missing["applied"]
    assert "### On stems that are not in the session (not applied)" in text
    assert "**manual** gain on Gone.wav: -3.0 dB" in text
    # not applied: the chosen mix is the original
    assert result.mixes["chosen"].read_bytes() == result.mixes["original"].read_bytes()


def test_open_checks_are_listed(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Kick.wav", stereo(tone(60, 2.0, 0.3)))
    write(folder / "Bass.wav", stereo(tone(110, 2.0, 0.2)), subtype="PCM_16")
    loud = stereo(np.clip(tone(220, 2.0, 1.5), -1, 1))
    write(folder / "Guitar.wav", loud)
    result = export_session(folder, out=tmp_path / "out", stems=False, versions="chosen")
    found = {(c["file"], c["id"], c["severity"]) for c in result.notes["checks_open"]}
    assert ("Bass.wav", "bit_depth", "warning") in found
    assert ("Guitar.wav", "clipping", "error") in found
    text = result.notes_md.read_text()
    assert "## Stem-preparation checks still open" in text
    assert "[error] `Guitar.wav`: " in text and "`Guitar.wav`: Guitar.wav" not in text


def test_session_facts(exported, demo: dict) -> None:
    notes = exported.notes
    session = notes["session"]
    assert session["tempo_bpm"] == 110 and session["beats_per_bar"] == 4
    assert session["sample_rate"] == SR and session["duration_s"] == pytest.approx(6.0)
    assert [s["name"] for s in session["sections"]] == ["Intro", "Verse"]
    stems = {s["file"]: s for s in notes["stems"]}
    assert stems["Bass.flac"]["exported"] == "stems/Bass.wav"
    assert stems["Bass.flac"]["channels"] == 1 and "mono" in stems["Bass.flac"]["remarks"][0]
    assert notes["export"]["subtype"] == "PCM_24"
    assert "24-bit WAV, 48000 Hz, stereo" in notes["export"]["description"]
    assert "110 BPM in 4/4" in exported.notes_md.read_text()


# -- the measurements --------------------------------------------------------------------------
@needs_ffmpeg
def test_exported_mixes_measure_what_the_notes_say(exported) -> None:
    """The bar of the issue: an independent meter agrees within 0.1 LU and 0.2 dB."""
    for version, path in exported.mixes.items():
        ours = exported.notes["measurements"][version]
        theirs = ffmpeg_measure(path)
        for key in ("integrated_lufs", "lra_lu", "short_term_max_lufs"):
            assert ours[key] == pytest.approx(theirs[key], abs=LU_TOLERANCE), (version, key)
        for key in ("true_peak_dbtp", "sample_peak_dbfs"):
            assert ours[key] == pytest.approx(theirs[key], abs=DB_TOLERANCE), (version, key)


@needs_ffmpeg
def test_float_and_resampled_exports_measure_what_the_notes_say(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    rng = np.random.default_rng(3)
    noise = (rng.standard_normal((5 * SR, 2)) * 0.1).astype(np.float32)
    write(folder / "Pad.wav", noise)
    write(folder / "Bass.wav", tone(82, 5.0, 0.3, sr=44100)[:, None], sr=44100)
    write(folder / "Lead.wav", stereo(tone(997, 5.0, 0.25), tone(997, 5.0, 0.2)))
    result = export_session(folder, out=tmp_path / "out", subtype="FLOAT", stems=False)
    for version, path in result.mixes.items():
        ours, theirs = result.notes["measurements"][version], ffmpeg_measure(path)
        assert ours["integrated_lufs"] == pytest.approx(theirs["integrated_lufs"], abs=0.1)
        assert ours["true_peak_dbtp"] == pytest.approx(theirs["true_peak_dbtp"], abs=0.2)


def test_tonal_balance_and_low_end(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Sub.wav", stereo(tone(40, 3.0, 0.3)))
    write(folder / "Lead.wav", stereo(tone(1000, 3.0, 0.03)))
    result = export_session(folder, out=tmp_path / "out", stems=False, versions="original")
    metrics = result.notes["measurements"]["original"]
    tonal = metrics["tonal_balance_db"]
    assert set(tonal) == {key for key, *_ in TONAL_BANDS}
    assert tonal["sub"] > -0.5 and tonal["mid"] == pytest.approx(-20.0, abs=1.0)
    assert tonal["air"] is None or tonal["air"] < -60
    assert metrics["low_end_side_db"] <= -100  # identical channels: no side at all
    assert metrics["mono_fold_loss_lu"] == pytest.approx(0.0, abs=0.01)
    assert metrics["plr_db"] == pytest.approx(
        metrics["true_peak_dbtp"] - metrics["integrated_lufs"], abs=0.02
    )
    assert metrics["headroom_db"] == pytest.approx(-metrics["true_peak_dbtp"])
    assert "low end mono below 120 Hz." in result.notes["mastering"]

    wide = tmp_path / "wide"
    wide.mkdir()
    write(wide / "Sub.wav", stereo(tone(50, 3.0, 0.3), -tone(50, 3.0, 0.3) * 0.5))
    result = export_session(wide, out=tmp_path / "out2", stems=False, versions="original")
    metrics = result.notes["measurements"]["original"]
    assert metrics["correlation"] < 0 and metrics["mono_fold_loss_lu"] < -3
    remarks = " ".join(result.notes["mastering"])
    assert "stereo content below 120 Hz" in remarks and "cancel in mono" in remarks


# -- words for mastering -----------------------------------------------------------------------
def metrics(**values: object) -> dict:
    base = {"true_peak_dbtp": -4.1, "integrated_lufs": -18.0, "short_term_max_lufs": -15.0,
            "plr_db": 13.9, "lra_lu": 6.0, "low_end_side_db": -35.0, "correlation": 0.8,
            "mono_fold_loss_lu": -0.4, "dc_offset": 0.0}  # fmt: skip
    return {**base, **values}


def test_mastering_remarks_in_words() -> None:
    remarks = mastering_remarks(metrics(), "PCM_24")
    assert remarks[0].startswith("peaks at -4.1 dBTP: 4.1 dB of headroom")
    assert "no limiting" in remarks[0]
    assert "4.0 LU below the -14 LUFS streaming reference" in remarks[1]
    assert "low end mono below 120 Hz." in remarks
    assert any("holds up in mono" in r for r in remarks)

    hot = " ".join(mastering_remarks(metrics(true_peak_dbtp=0.8), "PCM_24", clipped=12))
    assert "over full scale, 12 samples clipped in the 24-bit file" in hot
    assert "--format float" in hot
    tight = mastering_remarks(metrics(true_peak_dbtp=-0.4), "PCM_24")[0]
    assert "only 0.4 dB of headroom" in tight and "-6 dBFS" in tight
    roomy = mastering_remarks(metrics(true_peak_dbtp=-6.5), "PCM_24")[0]
    assert roomy == (
        "peaks at -6.5 dBTP: 6.5 dB of headroom; no limiting or master-bus processing applied."
    )
    wide = " ".join(mastering_remarks(metrics(lra_lu=16.0, low_end_side_db=-8.0), "PCM_24"))
    assert "wide movement between parts" in wide and "side 8 dB under mid" in wide
    assert mastering_remarks(metrics(true_peak_dbtp=None), "PCM_24") == [
        "the mix is silent: nothing to master."
    ]


def test_stems_left_out_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Pad.wav", stereo(tone(440, 2.0, 0.1)))
    write(folder / "Surround.wav", np.tile(tone(220, 2.0, 0.1)[:, None], (1, 4)))
    result = export_session(folder, out=tmp_path / "out")
    stems = {s["file"]: s for s in result.notes["stems"]}
    assert stems["Surround.wav"]["exported"] is None and not stems["Surround.wav"]["in_mix"]
    assert stems["Surround.wav"]["left_out"].startswith("4 channels: only mono and stereo")
    assert list(result.stems) == ["Pad.wav"]
    assert "4 channels: only mono and stereo stems are mixed" in result.notes_md.read_text()


def test_a_silent_session_gives_strict_json_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Pad.wav", np.zeros((SR, 2), np.float32))
    write(folder / "Keys.wav", np.zeros((SR, 2), np.float32))
    result = export_session(folder, out=tmp_path / "out")
    json.dumps(result.notes, allow_nan=False)  # no NaN or infinity anywhere
    assert result.notes["mastering"] == ["the mix is silent: nothing to master."]
    assert result.notes["measurements"]["chosen"]["integrated_lufs"] is None
    assert "| Integrated loudness (LUFS) | n/a | n/a | n/a | n/a |" in result.notes_md.read_text()


def test_no_references_is_said(exported) -> None:
    assert exported.notes["references"] == {
        "tracks": [], "differences": {}, "remarks": [NO_REFERENCES]}  # fmt: skip
    text = exported.notes_md.read_text()
    section = text[text.index("## References") : text.index("## Session")]
    assert "No reference tracks were used" in section and "|" not in section


def test_notes_json_is_strict_json(exported) -> None:
    json.dumps(json.loads(exported.notes_json.read_text()), allow_nan=False)
