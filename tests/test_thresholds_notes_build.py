"""notes.json and notes.md built from hand-made mixes: every figure in its version's place, and
the rest of the document (stems, session, export, review) carried from its source.

The four versions' measurements are those of tests/test_thresholds_notes.py, where every figure
differs between the chosen, original, assistant and manual mixes; the session, render and review
are plain objects with the fields build_notes reads, so no audio is analysed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mixreview.analysis.checks import Check
from mixreview.analysis.notes import build_notes, notes_markdown, write_notes
from mixreview.analysis.render_plan import MIX_NAMES
from mixreview.analysis.render_stems import StageChecks
from mixreview.analysis.session import Stem
from tests.test_thresholds_notes import (
    CLIPPED,
    MONO_LOSS,
    SR,
    TONAL_KEYS,
    VERSIONS,
    Measured,
    expected_metrics,
    figures,
    measured,
)

# --- build_notes and notes.md: each version's figures in its own place -------------------------


def stem(file: str, channels: int = 2, **given: Any) -> Stem:
    facts: dict[str, Any] = {"sample_rate": SR, "channels": channels, "frames": 10 * SR,
                             "subtype": "PCM_24", **given}  # fmt: skip
    return Stem(Path("/song") / file, file, file.removesuffix(".wav"), "pad", "name", **facts)


def suggestion(sid: str, file: str, gain_db: float = -2.0) -> Any:
    return SimpleNamespace(
        id=sid, kind="gain", params={"gain_db": gain_db}, stems=(file,), section=None,
        section_span_s=None, category="balance", severity="info", why="too loud",
    )  # fmt: skip


def fake_review(statuses: Mapping[str, str], manual: list[dict[str, Any]], **given: Any) -> Any:
    decision = SimpleNamespace(amount=1.0, note="", heard=None)
    facts: dict[str, Any] = {
        "decision": lambda _id: decision, "status": lambda sid: statuses.get(sid, "pending"),
        "params_of": lambda s: dict(s.params), "stem_notes": {}, "blind_tallies": {},
        "manual": manual, "orphans": lambda ss: [i for i in ORPHANS if i not in {s.id for s in ss}],
        "entry": lambda _sid: {"status": "accepted", "snapshot": ORPHAN_SNAPSHOT},
        **given,
    }  # fmt: skip
    return SimpleNamespace(**facts)


ORPHANS = ("gain-9",)  # a decision on a suggestion no longer made
ORPHAN_SNAPSHOT = {"kind": "gain", "stems": ["Pad.wav"]}
MANUAL_PAD = {"id": "m-1", "kind": "gain", "stems": ["Pad.wav"], "params": {"gain_db": -3.0}}


def exported_notes(
    versions: tuple[str, ...] = VERSIONS,
    subtype: str = "PCM_24",
    files: tuple[Stem, ...] | None = None,
    review: Any = "default",
    suggestions: list[Any] | None = None,
    analysis_given: Mapping[str, Any] | None = None,
    build_given: Mapping[str, Any] | None = None,
    **render_given: Any,
) -> Any:
    """Notes built from four hand-made mixes; by default one manual change and one accepted
    suggestion are applied, so every comparison is made."""
    stems = (stem("Pad.wav"), stem("Bass.wav")) if files is None else files
    session = SimpleNamespace(
        stems=stems, mix_stems=tuple(s for s in stems if s.mixable), path=Path("/song"),
        title="Song", sample_rate=SR, frames=10 * SR, duration_s=10.0,
        manifest=SimpleNamespace(tempo_bpm=None, beats_per_bar=4),
    )  # fmt: skip
    analysis = SimpleNamespace(session=session, sections=[], all_checks=[], references=[])
    for key, value in (analysis_given or {}).items():
        setattr(session if hasattr(session, key) else analysis, key, value)
    facts: dict[str, Any] = {
        "read_errors": {}, "stems": {}, "rechecks": {}, "subtype": subtype, "clipped": {},
        "mixes": {v: MIX_NAMES[v] for v in versions if v != "assistant"},
        "mix_clipped": {v: CLIPPED[v] for v in versions},
        "measurements": {v: measured(v) for v in versions},
        "mono_fold_lufs": {v: figures(v)["integrated_lufs"] + MONO_LOSS[v] for v in versions},
        **render_given,
    }  # fmt: skip
    if suggestions is None:
        suggestions = [suggestion("gain-1", "Bass.wav")]
    if review == "default":
        review = fake_review({"gain-1": "accepted"}, [MANUAL_PAD])
    return build_notes(
        analysis, suggestions, review, SimpleNamespace(**facts), **(build_given or {})
    )  # type: ignore[arg-type]


@pytest.fixture
def notes() -> Any:
    return exported_notes()


@pytest.mark.parametrize("version", VERSIONS)
def test_each_versions_figures_in_notes_json_are_its_own(notes: Any, version: str) -> None:
    got = notes["measurements"][version]
    assert got["file"] == (None if version == "assistant" else MIX_NAMES[version])
    assert got["clipped_samples"] == CLIPPED[version]
    for key, value in expected_metrics(version).items():
        if key in ("tonal_balance_db", "low_end_side_db"):
            assert got[key] == pytest.approx(value, abs=0.011), key
        else:
            assert got[key] == value, (version, key)


def test_the_mastering_remarks_read_the_chosen_mix(notes: Any) -> None:
    f = expected_metrics("chosen")
    text = " ".join(notes["mastering"])
    assert f"peaks at {f['true_peak_dbtp']:.1f} dBTP: {-f['true_peak_dbtp']:.1f} dB of headroom"
    assert text.startswith(f"peaks at {f['true_peak_dbtp']:.1f} dBTP")
    assert f"integrated {f['integrated_lufs']:.1f} LUFS, max short-term " \
           f"{f['short_term_max_lufs']:.1f} LUFS" in text  # fmt: skip
    assert f"PLR {f['plr_db']:.1f} dB." in text
    assert f"loudness range {f['lra_lu']:.1f} LU." in text
    assert f"(side {-f['low_end_side_db']:.0f} dB under mid)" in text
    assert f"mono fold-down {MONO_LOSS['chosen']:+.1f} LU" in text
    for other in ("original", "assistant", "manual"):
        g = expected_metrics(other)
        assert f"integrated {g['integrated_lufs']:.1f} LUFS" not in text
        assert f"loudness range {g['lra_lu']:.1f} LU" not in text


def test_a_clipped_chosen_mix_counts_its_own_clipped_samples() -> None:
    """The chosen mix over full scale: the clipped count is the chosen file's, in its format."""
    over = {**figures("chosen"), "true_peak_dbtp": 0.5}
    built = exported_notes(
        subtype="PCM_16",
        measurements={**{v: measured(v) for v in VERSIONS}, "chosen": Measured(over)},
        mix_clipped={"chosen": 5, "original": 7, "manual": 11},
    )
    assert built["mastering"][0].startswith(
        "true peak +0.5 dBTP: over full scale, 5 samples clipped in the 16-bit file;"
    )
    assert built["measurements"]["assistant"]["clipped_samples"] == 0


def test_the_comparisons_read_the_chosen_mix_against_each_other(notes: Any) -> None:
    chosen = expected_metrics("chosen")
    found = notes["comparison"]
    assert len(found) == 3
    for remark, other in zip(found, ("manual", "assistant", "original"), strict=True):
        theirs = expected_metrics(other)
        loud = chosen["integrated_lufs"] - theirs["integrated_lufs"]
        crest = chosen["crest_db"] - theirs["crest_db"]
        peak = chosen["true_peak_dbtp"] - theirs["true_peak_dbtp"]
        lra = chosen["lra_lu"] - theirs["lra_lu"]
        words = (f"add {loud:+.1f} LU" if loud >= 0 else f"take {-loud:.1f} LU off") + (
            f" and add {crest:.1f} dB of crest" if crest >= 0 else
            f" and take {-crest:.1f} dB of crest"
        )  # fmt: skip
        assert f"{words} (true peak {peak:+.1f} dB, LRA {lra:+.1f} LU" in remark, other
        assert {"manual": "manual one", "assistant": "assistant-only", "original": "original)"}[
            other
        ] in remark


def test_notes_markdown_puts_each_version_in_its_column(notes: Any) -> None:
    text = notes_markdown(notes)
    header = "| | chosen | original | assistant (not written) | manual |"
    assert header in text
    rows = {}
    for line in text.split(header, 1)[1].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    specs = {
        "Integrated loudness (LUFS)": ("integrated_lufs", ".1f"),
        "Max short-term loudness (LUFS)": ("short_term_max_lufs", ".1f"),
        "Loudness range (LU)": ("lra_lu", ".1f"),
        "True peak (dBTP)": ("true_peak_dbtp", ".1f"),
        "Sample peak (dBFS)": ("sample_peak_dbfs", ".1f"),
        "Headroom to 0 dBTP (dB)": ("headroom_db", ".1f"),
        "Crest factor (dB)": ("crest_db", ".1f"),
        "PLR, peak to loudness (dB)": ("plr_db", ".1f"),
        "L/R correlation": ("correlation", ".2f"),
        "Mono fold-down (LU)": ("mono_fold_loss_lu", "+.1f"),
        "Side vs mid below 120 Hz (dB)": ("low_end_side_db", ".0f"),
    }
    assert len(rows) == len(specs) + len(TONAL_KEYS)
    for label, (key, spec) in specs.items():
        want = [format(expected_metrics(v)[key], spec) for v in VERSIONS]
        assert rows[label] == want, label
    labels = ("sub <60 Hz", "low 60-250 Hz", "mid 250 Hz-2 kHz", "high-mid 2-6 kHz", "air >6 kHz")
    for key, label in zip(TONAL_KEYS, labels, strict=True):
        cells = rows[f"Tonal balance, {label} (dB)"]
        for version, cell in zip(VERSIONS, cells, strict=True):
            assert float(cell) == pytest.approx(
                expected_metrics(version)["tonal_balance_db"][key], abs=0.051
            )
    for remark in notes["mastering"] + notes["comparison"]:
        assert f"- {remark[0].upper()}{remark[1:]}" in text


def test_a_version_not_rendered_has_no_column() -> None:
    built = exported_notes(("chosen", "original", "manual"))
    assert set(built["measurements"]) == {"chosen", "original", "manual"}
    text = notes_markdown(built)
    assert "| | chosen | original | manual |" in text
    assert len(built["comparison"]) == 2  # against the manual mix and the original


# --- the rest of notes.json: stems, session, export, review -----------------------------------


def test_each_stem_says_how_it_went_into_the_mix() -> None:
    stems = (
        stem("Mono.wav", 1, frames=int(10.25 * SR) + 17),
        stem("Slow.wav", sample_rate=44100, frames=441000),  # resampled, as long as the session
        stem("Short.wav", frames=10 * SR - 1),
        stem("Torn.wav", frames=10 * SR + 17),
        stem("Bad.wav", error="cannot read: not a WAV file"),
        stem("Empty.wav", frames=0),
        stem("Surround.wav", 6),
    )
    built = exported_notes(
        files=stems, review=None, suggestions=[],
        read_errors={"Torn.wav": 2.345}, stems={"Mono.wav": "stems/Mono.wav"},
    )  # fmt: skip
    by_file = {s["file"]: s for s in built["stems"]}
    assert by_file["Mono.wav"]["remarks"] == [
        "mono: in the mix and the export as the same signal on both sides"
    ]
    assert by_file["Slow.wav"]["remarks"] == ["resampled from 44100 Hz"]
    assert by_file["Short.wav"]["remarks"] == ["shorter than the session: padded with silence"]
    assert by_file["Torn.wav"]["remarks"] == [
        "damaged: could not be read past 2.3 s, silence from there in the mixes and the exported "
        "stem; export it again from the DAW"
    ]
    assert by_file["Torn.wav"]["duration_s"] == 10.0  # 10.000354 s to the millisecond
    assert by_file["Mono.wav"]["duration_s"] == 10.25  # 10.250354 s
    assert by_file["Short.wav"]["duration_s"] == 10.0
    assert by_file["Mono.wav"]["exported"] == "stems/Mono.wav"
    assert by_file["Slow.wav"]["exported"] is None
    assert by_file["Bad.wav"]["left_out"] == "cannot read: not a WAV file"
    assert by_file["Empty.wav"]["left_out"] == "no audio in the file: left out of the mixes"
    assert by_file["Surround.wav"]["left_out"] == (
        "6 channels: only mono and stereo stems are mixed; left out"
    )
    for file in ("Bad.wav", "Empty.wav", "Surround.wav"):
        assert by_file[file]["remarks"] == [] and by_file[file]["in_mix"] is False
    for file in ("Mono.wav", "Slow.wav", "Short.wav", "Torn.wav"):
        assert by_file[file]["left_out"] is None and by_file[file]["in_mix"] is True
    assert [s["file"] for s in built["stems"]] == [s.file for s in stems]
    assert by_file["Surround.wav"]["channels"] == 6
    assert by_file["Slow.wav"]["sample_rate"] == 44100
    assert by_file["Slow.wav"]["name"] == "Slow" and by_file["Slow.wav"]["role"] == "pad"
    assert by_file["Slow.wav"]["subtype"] == "PCM_24"
    assert built["session"]["stem_count"] == 7


def test_a_stem_lists_its_applied_and_its_kept_changes_and_its_note() -> None:
    review = fake_review(
        {"gain-1": "accepted", "gain-2": "rejected", "gain-3": "pending"},
        [MANUAL_PAD, {**MANUAL_PAD, "id": "m-2", "enabled": False},
         {**MANUAL_PAD, "id": "m-3", "stems": ["Gone.wav"]},
         {**MANUAL_PAD, "id": "m-4", "stems": ["Pad.wav", "Bass.wav"]}],
        stem_notes={"Bass.wav": "too boomy"},
    )  # fmt: skip
    suggestions = [suggestion("gain-1", "Pad.wav"), suggestion("gain-2", "Pad.wav"),
                   suggestion("gain-3", "Bass.wav")]  # fmt: skip
    built = exported_notes(review=review, suggestions=suggestions)
    pad, bass = built["stems"]
    assert pad["changes"] == ["gain-1", "m-1"]
    assert pad["kept"] == ["gain-2"]
    assert bass["changes"] == [] and bass["kept"] == []
    assert bass["note"] == "too boomy" and pad["note"] == ""
    assert built["stem_notes"] == {"Bass.wav": "too boomy"}
    gone = next(c for c in built["changes"] if c["id"] == "m-3")
    assert gone["applied"] is False and gone["stem_missing"] is True
    assert all("stem_missing" not in c for c in built["changes"] if c["id"] != "m-3")
    assert built["review"]["counts"] == {
        "accepted": 1, "adjusted": 0, "rejected": 1, "pending": 1, "manual": 4,
    }  # fmt: skip
    assert built["review"]["found"] is True and built["review"]["file"] is None


@pytest.mark.parametrize(
    ("statuses", "manual", "said"),
    [({"gain-1": "accepted"}, [MANUAL_PAD], []),
     ({"gain-1": "accepted"}, [{**MANUAL_PAD, "enabled": False}], ["no manual change"]),
     ({"gain-1": "accepted"}, [{**MANUAL_PAD, "stems": ["Gone.wav"]}], ["no manual change"]),
     ({"gain-1": "rejected"}, [MANUAL_PAD], ["no suggestion applied"]),
     ({"gain-1": "accepted"}, [], ["no manual change"]),
     ({}, [], ["no manual change", "no suggestion applied"])],
)  # fmt: skip
def test_the_comparisons_count_only_applied_changes(
    statuses: dict[str, str], manual: list[dict[str, Any]], said: list[str]
) -> None:
    built = exported_notes(review=fake_review(statuses, manual))
    found = [r.split(":")[0] for r in built["comparison"] if r.startswith("no ")]
    assert found == said
    assert len(built["comparison"]) == 3  # a comparison dropped for each word said


def test_no_review_leaves_everything_pending() -> None:
    built = exported_notes(review=None)
    assert built["review"] == {
        "file": None, "found": False,
        "counts": {"accepted": 0, "adjusted": 0, "rejected": 0, "pending": 1, "manual": 0},
    }  # fmt: skip
    assert built["stem_notes"] == {} and built["blind"] == {} and built["orphans"] == []
    assert built["comparison"][:2] == [
        "no manual change: mix_manual.wav is the original mix (the stems at unity).",
        "no suggestion applied: the chosen mix is the manual one.",
    ]


def test_the_session_and_the_export_are_described() -> None:
    built = exported_notes(
        subtype="FLOAT", clipped={"mix_original.wav": 4, "mix_chosen.wav": 0},
        stems={"Pad.wav": "stems/Pad.wav"},
    )  # fmt: skip
    export = built["export"]
    assert export["format"] == "WAV" and export["subtype"] == "FLOAT"
    assert export["description"] == (
        "32-bit float WAV, 48000 Hz, stereo; no limiting, no master-bus processing, no dither"
    )
    assert export["clipped_samples"] == {"mix_original.wav": 4}
    assert export["mixes"] == {v: MIX_NAMES[v] for v in VERSIONS if v != "assistant"}
    assert export["stems"] == {"Pad.wav": "stems/Pad.wav"}
    assert list(export["versions"]) == list(VERSIONS)
    assert export["versions"]["manual"].startswith("your own changes alone")
    assert exported_notes(subtype="PCM_32")["export"]["description"].startswith("PCM_32 WAV, ")
    session = built["session"]
    assert session["path"] == str(Path("/song").resolve()) and session["title"] == "Song"
    assert (session["sample_rate"], session["frames"], session["duration_s"]) == (SR, 10 * SR, 10.0)
    assert session["tempo_bpm"] is None and session["beats_per_bar"] is None
    assert session["sections"] == []
    assert built["schema"] == "mixreview.notes/2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", built["created"])


def test_write_notes_saves_the_page_and_the_json(tmp_path: Path, notes: Any) -> None:
    md, js = write_notes(tmp_path, notes)
    assert (md, js) == (tmp_path / "notes.md", tmp_path / "notes.json")
    assert md.read_text() == notes_markdown(notes)
    assert json.loads(js.read_text())["measurements"]["manual"] == notes["measurements"]["manual"]


def test_checks_blind_tallies_orphans_and_references_are_carried() -> None:
    dc = Check("dc_offset", "warning", 0.01, 0.001, "Pad.wav: DC offset 0.0100", "High-pass it.",
               "Pad.wav")  # fmt: skip
    clip = Check("clipping", "error", 12, 0, "Bass.wav: 12 clipped samples", "Re-export it.",
                 "Bass.wav")  # fmt: skip
    stage = StageChecks("m-1", (), 0.00001, None, 0)
    tally = {"trials": 3, "wins": {"A": 2, "B": 1}}
    review = fake_review({"gain-1": "accepted"}, [MANUAL_PAD], blind_tallies={"gain-1": tally})
    reference = SimpleNamespace(
        measurement=None, spec=SimpleNamespace(name="ref.wav", path="/refs/ref.wav", weight=2.0),
        directs=True, doubts=(), problem=None, notes=(),
    )  # fmt: skip
    silent = {v: Measured(figures(v)) for v in VERSIONS}
    for m in silent.values():
        m.loudness = SimpleNamespace(integrated_lufs=math.nan)  # type: ignore[attr-defined]
        m.levels = SimpleNamespace(sample_peak=0.0)  # type: ignore[attr-defined]
    built = exported_notes(
        review=review, rechecks={"Pad.wav": [stage]}, measurements=silent,
        analysis_given={"all_checks": [dc, clip]},
        build_given={"references": [reference], "review_file": Path("/song/review.json")},
    )  # fmt: skip
    by_id = {c["id"]: c for c in built["checks"]}
    assert by_id["dc_offset"]["status"] == "fixed" and by_id["dc_offset"]["fixed_by"] == ["m-1"]
    assert by_id["clipping"]["status"] == "open"
    assert built["checks_open"] == [by_id["clipping"]]
    assert built["blind"] == {"gain-1": tally}
    assert [o["id"] for o in built["orphans"]] == ["gain-9"]
    assert built["review"]["file"] == "/song/review.json"
    assert [t["file"] for t in built["references"]["tracks"]] == ["ref.wav"]
    assert set(built["references"]["differences"]) == set(VERSIONS)


def test_the_tempo_brings_the_bar_and_the_session_length_is_to_the_millisecond() -> None:
    built = exported_notes(
        analysis_given={"manifest": SimpleNamespace(tempo_bpm=96.0, beats_per_bar=3),
                        "duration_s": 10.250354},
    )  # fmt: skip
    session = built["session"]
    assert (session["tempo_bpm"], session["beats_per_bar"], session["duration_s"]) == (
        96.0,
        3,
        10.25,
    )


def test_a_chosen_mix_with_no_clipping_count_says_none() -> None:
    over = {**figures("chosen"), "true_peak_dbtp": 0.5}
    built = exported_notes(
        measurements={**{v: measured(v) for v in VERSIONS}, "chosen": Measured(over)},
        mix_clipped={"original": 7},
    )
    assert built["mastering"][0].startswith("true peak +0.5 dBTP: over full scale; no limiting")
    assert built["measurements"]["chosen"]["clipped_samples"] == 0
