"""notes.md around the figures: the page from its title to the stem table, the changes stem by
stem with who decided them and how they were heard, the blind tallies, orphans, checks and
references, written from hand-made notes (the helpers of tests/test_thresholds_notes_build.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mixreview.analysis.checks import Check
from mixreview.analysis.notes import notes_markdown
from mixreview.analysis.render_plan import MIX_NAMES
from mixreview.analysis.render_stems import StageChecks
from tests.test_thresholds_notes import (
    SR,
    TONAL_KEYS,
    VERSIONS,
    Measured,
    expected_metrics,
    figures,
)
from tests.test_thresholds_notes_build import (
    MANUAL_PAD,
    ORPHAN_SNAPSHOT,
    exported_notes,
    fake_review,
    stem,
    suggestion,
)

# --- notes.md: the page around the figures, and the changes -----------------------------------

CREATED = "2026-01-02T03:04:05"


def page_notes() -> Any:
    """Notes of a session with a tempo and two sections, a stem exported with remarks and one
    left out, and samples clipped in two files."""
    sections = [SimpleNamespace(as_dict=lambda n=n, a=a, b=b: {"name": n, "start_s": a, "end_s": b})
                for n, a, b in (("Verse", 0.0, 5.04), ("Outro", 5.04, 10.0))]  # fmt: skip
    files = (stem("Pad.wav", 1, sample_rate=44100, frames=441000), stem("Bass.wav", 6))
    built = exported_notes(
        files=files, clipped={"mix_original.wav": 4, "mix_chosen.wav": 0, "a.wav": 2},
        stems={"Pad.wav": "stems/Pad.wav"},
        analysis_given={"manifest": SimpleNamespace(tempo_bpm=96.5, beats_per_bar=3),
                        "sections": sections},
    )  # fmt: skip
    built["created"] = CREATED
    return built


def test_the_page_reads_the_notes_from_the_title_to_the_stem_table() -> None:
    notes = page_notes()
    lines = notes_markdown(notes).split("\n")
    words = notes["export"]["versions"]
    capital = [f"- {r[0].upper()}{r[1:]}" for r in notes["mastering"] + notes["comparison"]]
    assert all(line[2].isupper() for line in capital)
    table_at = lines.index("## Measurements") + 2
    want_top = [
        "# Mix notes: Song",
        "",
        "Exported by mixreview on 2026-01-02 03:04:05. Files: 24-bit WAV, 48000 Hz, stereo; no "
        "limiting, no master-bus processing, no dither.",
        "",
        *(f"- `{MIX_NAMES[v]}`: {words[v]}" for v in VERSIONS),
        "- `stems/`: every stem processed as chosen, same length and rate as the session",
        "",
        "## For mastering",
        "",
        *capital,
        "",
        "## Measurements",
        "",
    ]
    assert lines[:table_at] == want_top
    assert lines[table_at] == "| | chosen | original | assistant (not written) | manual |"
    assert lines[table_at + 1] == "|---|---|---|---|---|"
    after = table_at + 2 + 11 + len(TONAL_KEYS)
    assert lines[after - 1].startswith("| Tonal balance, air >6 kHz (dB) | ")
    assert lines[after:][:20] == [
        "",
        "Samples clipped when written: `a.wav` 2, `mix_original.wav` 4.",
        "",
        "Tonal balance is each band's share of the energy. Mono fold-down is the loudness of "
        "(L+R)/2 against the stereo mix.",
        "",
        "## References",
        "",
        "No reference tracks were used (add them in the app with R, list them in mixreview.toml "
        "as references = [...], or pass --reference FILE[:WEIGHT]).",
        "",
        "## Session",
        "",
        "2 stems, 48000 Hz, 10.0 s, 96.5 BPM in 3/4. Folder: `/song`.",
        "",
        "Sections: Verse 0.0-5.0 s, Outro 5.0-10.0 s.",
        "",
        "| Stem | File | Role | Format | Exported as |",
        "|---|---|---|---|---|",
        "| Pad | `Pad.wav` | pad | 44100 Hz, 1 ch, PCM_24 (mono: in the mix and the export as the "
        "same signal on both sides; resampled from 44100 Hz) | `stems/Pad.wav` |",
        "| Bass | `Bass.wav` | pad | 48000 Hz, 6 ch, PCM_24 | 6 channels: only mono and stereo "
        "stems are mixed; left out |",
        "",
    ]


def test_a_session_without_tempo_sections_or_clipping_says_less() -> None:
    notes = exported_notes(files=(stem("Pad.wav"),))
    text = notes_markdown(notes)
    assert "\n1 stems, 48000 Hz, 10.0 s. Folder: `/song`.\n" in text
    assert "Sections:" not in text and "Samples clipped" not in text and "BPM" not in text
    assert "| Pad | `Pad.wav` | pad | 48000 Hz, 2 ch, PCM_24 | - |" in text
    assert text.endswith("\n") and not text.endswith("\n\n") and text.startswith("# Mix notes")


def changes_notes() -> Any:
    """A review with a decision of every kind: accepted unheard, rejected heard with a note,
    adjusted before listening was recorded, pending; manual changes on one stem, on two, and on
    a stem that is gone; a stem note, a blind tally, an orphan and two checks."""
    heard = {
        "gain-1": SimpleNamespace(heard=False, as_entry=lambda: {"played_s": 0.5}),
        "gain-2": SimpleNamespace(heard=True, as_entry=lambda: {"played_s": 4.0}),
    }
    notes_of = {"gain-2": "keep it"}
    review = fake_review(
        {"gain-1": "accepted", "gain-2": "rejected", "gain-3": "adjusted", "gain-4": "pending"},
        [MANUAL_PAD, {**MANUAL_PAD, "id": "m-2", "stems": ["Pad.wav", "Bass.wav"]},
         {**MANUAL_PAD, "id": "m-3", "stems": ["Gone.wav"]}],
        decision=lambda sid: SimpleNamespace(amount=1.0, note=notes_of.get(sid, ""),
                                             heard=heard.get(sid)),
        params_of=lambda s: {"gain_db": -1.0} if s.id == "gain-3" else dict(s.params),
        stem_notes={"Bass.wav": "too boomy"},
        blind_tallies={"gain-1": {"trials": 3, "wins": {"B": 1, "A": 2}}},
        entry=lambda _sid: {"status": "accepted", "note": "was wrong",
                            "snapshot": {**ORPHAN_SNAPSHOT, "params": {"gain_db": -4.0}}},
    )  # fmt: skip
    dc = Check("dc_offset", "warning", 0.01, 0.001, "Pad.wav: DC offset 0.0100", "High-pass it.",
               "Pad.wav")  # fmt: skip
    clip = Check("clipping", "error", 12, 0, "Bass.wav: 12 clipped samples", "Re-export it.",
                 "Bass.wav")  # fmt: skip
    suggestions = [suggestion("gain-1", "Pad.wav"), suggestion("gain-2", "Pad.wav"),
                   suggestion("gain-3", "Bass.wav"), suggestion("gain-4", "Bass.wav")]  # fmt: skip
    return exported_notes(
        files=(stem("Pad.wav"), stem("Bass.wav"), stem("Keys.wav")), review=review,
        suggestions=suggestions, rechecks={"Pad.wav": [StageChecks("m-1", (), 0.00012, None, 0)]},
        analysis_given={"all_checks": [dc, clip]},
    )  # fmt: skip


GONE = "(the change on a stem that is gone)"


def test_the_changes_are_listed_stem_by_stem_with_who_decided_and_how_it_was_heard() -> None:
    text = notes_markdown(changes_notes())
    tail = text[text.index("## What was changed, stem by stem") :].split("\n")
    gone = tail.index("### On stems that are not in the session (not applied)") + 2
    # not disabled by the reviewer: its stem is gone
    assert tail[gone].startswith(
        "- **manual** gain on Gone.wav: -3.0 dB (its stem is no longer in the session: not applied)"
    )
    tail[gone] = GONE
    assert tail == [
        "## What was changed, stem by stem",
        "",
        "1 suggestion accepted as is, 1 adjusted, 1 rejected (kept as it was), 1 not "
        "reviewed (not applied), 3 manual changes.",
        "",
        "Accepted without listening: 1 of 2 (gain on Pad). Rejected without listening: 0 of 1. "
        "1 decision was saved before the app recorded listening: whether it was heard is "
        "unknown. Heard means the A/B played for at least 2 s with the suggestion selected, or a "
        "blind trial.",
        "",
        "### Several stems at once",
        "",
        "- **manual** gain on 2 stems (Pad, Bass): -3.0 dB.",
        "",
        "### Pad (`Pad.wav`, pad)",
        "",
        "- **accepted** gain: -2.0 dB. Why: too loud.",
        "- **rejected, kept as it was** gain: the assistant suggested -2.0 dB. Why: too loud. "
        "Reviewer's note:",
        "  > keep it",
        "- **manual** gain: -3.0 dB.",
        "",
        "### Bass (`Bass.wav`, pad)",
        "",
        "- **adjusted** gain: -1.0 dB (the assistant suggested -2.0 dB; changed: gain_db -2 -> "
        "-1). Why: too loud.",
        "- Reviewer's note on this stem:",
        "  > too boomy",
        "",
        "No change of their own: Keys.",
        "",
        "### On stems that are not in the session (not applied)",
        "",
        GONE,
        "",
        "### Not reviewed (not applied)",
        "",
        "- not reviewed, not applied: gain on Bass: -2.0 dB.",
        "",
        "## Blind comparisons",
        "",
        "- gain on Pad.wav: 3 trials, preferred: A 2, B 1",
        "",
        "## Decisions on suggestions that no longer exist",
        "",
        "The stems changed since these were decided; the suggestions are gone and nothing was "
        "applied for them:",
        "",
        "- accepted gain on Pad: -4.0 dB. Note:",
        "  > was wrong",
        "",
        "## Stem-preparation checks still open",
        "",
        "- [error] `Bass.wav`: 12 clipped samples. Fix: Re-export it.",
        "",
        "## Stem-preparation checks fixed in the mix",
        "",
        "- [fixed] `Pad.wav`: DC offset 0.0100. Fixed in the mix and the exported stem by the "
        "reviewer's own gain change (-3.0 dB): DC offset now +0.0001.",
        "",
    ]


def test_spans_sections_several_stems_and_checks_without_a_file_or_a_value() -> None:
    """Changes placed by span or section, a suggestion on two stems decided unheard, decisions
    from before listening was recorded, a tally and an orphan with nothing known, and checks
    that name no file or measure nothing after the change."""
    sections = [SimpleNamespace(as_dict=lambda n=n, a=a, b=b: {"name": n, "start_s": a, "end_s": b})
                for n, a, b in (("Verse", 0.0, 5.0), ("Outro", 5.0, 10.0))]  # fmt: skip
    at_outro = {**vars(suggestion("gain-1", "Pad.wav")), "section_span_s": (5.0, 10.0)}
    at_span = {**vars(suggestion("gain-2", "Pad.wav")), "section_span_s": (1.0, 2.0)}
    in_chorus = {**vars(suggestion("gain-3", "Pad.wav")), "section": "Chorus"}
    both = {**vars(suggestion("gain-4", "Pad.wav")), "stems": ("Pad.wav", "Bass.wav")}
    cut = {
        **vars(suggestion("sg-1", "Bass.wav")),
        "kind": "section_gain",
        "params": {"segments": [{"start_s": 5.0, "end_s": 10.0, "gain_db": -2.0}]},
    }
    unheard = SimpleNamespace(heard=False, as_entry=lambda: {"played_s": 0.5})
    review = fake_review(
        dict.fromkeys(("gain-1", "gain-2", "gain-3", "gain-4", "sg-1"), "accepted"),
        [{**MANUAL_PAD, "id": "m-9", "enabled": False}],
        decision=lambda sid: SimpleNamespace(amount=1.0, note="",
                                             heard=unheard if sid == "gain-4" else None),
        blind_tallies={"gain-77": {}},
        entry=lambda _sid: {"status": "rejected", "snapshot": {"kind": "gain"}},
    )  # fmt: skip
    polarity = Check("channel_polarity", "warning", -0.9, -0.5, "inverted channel", "Flip it.")
    flipped = Check("channel_polarity", "warning", -0.9, -0.5, "Keys.wav: inverted", "Flip it.",
                    "Keys.wav")  # fmt: skip
    still = Check("dc_offset", "warning", 0.01, 0.001, "Drums.wav: DC", "High-pass it.",
                  "Drums.wav")  # fmt: skip
    fires = (still,)
    built = exported_notes(
        files=(stem("Pad.wav"), stem("Bass.wav"), stem("Keys.wav"), stem("Drums.wav")),
        review=review,
        suggestions=[SimpleNamespace(**c) for c in (at_outro, at_span, in_chorus, both, cut)],
        rechecks={"Keys.wav": [StageChecks("gone-1", (), 0.0, None, 0)],
                  "Drums.wav": [StageChecks("m-9", fires, -0.00001, None, 0)]},
        analysis_given={"sections": sections, "all_checks": [polarity, flipped, still]},
    )  # fmt: skip
    lines = notes_markdown(built).split("\n")
    for line in (
        "- **accepted** gain in Outro (5.0-10.0 s): -2.0 dB. Why: too loud.",
        "- **accepted** gain at 1.0-2.0 s: -2.0 dB. Why: too loud.",
        "- **accepted** gain in Chorus: -2.0 dB. Why: too loud.",
        "- **accepted** gain on 2 stems (Pad, Bass): -2.0 dB. Why: too loud.",
        "- **accepted** section_gain: -2.0 dB in Outro (5.0-10.0 s). Why: too loud.",
        "- **manual** gain: -3.0 dB (disabled: not applied).",
        "- gain-77: 0 trials, preferred: ",
        "- rejected gain on unknown stems.",  # nothing known to describe
        "- [warning] inverted channel. Fix: Flip it.",
        "- [warning] `Drums.wav`: DC. Still there after the mix's changes: DC offset now "
        "+0.0000. Fix: High-pass it.",
        "- [fixed] `Keys.wav`: inverted. Fixed in the mix and the exported stem by gone-1.",
        "No change of their own: Keys, Drums.",
    ):
        assert line in lines, line
    listening = next(line for line in lines if line.startswith("Accepted without listening"))
    assert listening.startswith(
        "Accepted without listening: 1 of 5 (gain on Pad, Bass). 4 decisions were saved before "
        "the app recorded listening: whether they were heard is unknown. Heard means"
    )


def test_a_fix_by_a_suggestion_names_its_decision_and_references_are_tabled() -> None:
    flipped = Check("channel_polarity", "warning", -0.9, -0.5, "Bass.wav: inverted", "Flip it.",
                    "Bass.wav")  # fmt: skip
    reference = SimpleNamespace(
        measurement=None, spec=SimpleNamespace(name="ref.wav", path="/refs/ref.wav", weight=2.5),
        directs=False, doubts=(), problem="too short", notes=("mono",),
    )  # fmt: skip
    built = exported_notes(
        rechecks={"Bass.wav": [StageChecks("gain-1", (), 0.0, -0.25, 0)]},
        analysis_given={"all_checks": [flipped]},
        build_given={"references": [reference]},
    )  # fmt: skip
    lines = notes_markdown(built).split("\n")
    assert (
        "- [fixed] `Bass.wav`: inverted. Fixed in the mix and the exported stem by the accepted "
        "gain change (-2.0 dB): left/right correlation now -0.25." in lines
    )
    assert (
        "| `ref.wav` (`/refs/ref.wav`) | 2.5 | n/a | n/a | n/a | n/a | n/a | no (below): mono |"
        in lines
    )
    assert "- Not used: too short" in lines


def test_places_lists_and_rejections_read_in_every_part_of_the_page() -> None:
    """Spans and stems together, a rejection the only unheard decision, lists of two (stems,
    unheard decisions, adjustments), and the references' own figures in their table."""
    sections = [SimpleNamespace(as_dict=lambda n=n, a=a, b=b: {"name": n, "start_s": a, "end_s": b})
                for n, a, b in (("Verse", 0.0, 5.0), ("Outro", 5.0, 10.0))]  # fmt: skip
    two = {**vars(suggestion("gain-1", "Pad.wav")), "stems": ("Pad.wav", "Lost.wav"),
           "section_span_s": (5.0, 10.0)}  # fmt: skip
    late = {**vars(suggestion("gain-2", "Bass.wav")), "section_span_s": (5.0, 10.0)}
    segments = {"segments": [{"start_s": 5.0, "end_s": 10.0, "gain_db": -2.0}]}
    cut = {**vars(suggestion("sg-1", "Bass.wav")), "kind": "section_gain", "params": segments,
           "section_span_s": (5.0, 10.0)}  # fmt: skip
    both = {**vars(suggestion("gain-3", "Bass.wav")), "stems": ("Bass.wav", "Pad.wav")}
    unheard = SimpleNamespace(heard=False, as_entry=lambda: {"played_s": 0.5})
    review = fake_review(
        {"gain-1": "rejected", "gain-3": "rejected", "sg-1": "rejected"},
        [{**MANUAL_PAD, "id": "m-5", "stems": ["Gone.wav"], "section_span_s": [5.0, 10.0]}],
        decision=lambda _sid: SimpleNamespace(amount=1.0, note="", heard=unheard),
        blind_tallies={"gain-1": {"trials": 1, "wins": {"A": 1}}},
        entry=lambda _sid: {"status": "rejected",
                            "snapshot": {"kind": "gain", "stems": ["Pad.wav", "Gone.wav"]}},
    )  # fmt: skip
    reference = SimpleNamespace(
        measurement=Measured(figures("original")),
        spec=SimpleNamespace(name="ref.wav", path="/refs/ref.wav", weight=1.0),
        directs=False, doubts=(), problem="too short", notes=(),
    )  # fmt: skip
    reference.measurement.duration_s = 30.123  # type: ignore[attr-defined]
    reference.measurement.sample_rate, reference.measurement.channels = SR, 2  # type: ignore[attr-defined]
    built = exported_notes(
        review=review,
        suggestions=[SimpleNamespace(**c) for c in (two, late, cut, both)],
        analysis_given={"sections": sections},
        build_given={"references": [reference]},
    )  # fmt: skip
    lines = notes_markdown(built).split("\n")
    for line in (
        "- **rejected, kept as it was** gain in Outro (5.0-10.0 s) on 2 stems (Pad, Lost.wav): "
        "the assistant suggested -2.0 dB. Why: too loud.",
        "- **rejected, kept as it was** section_gain: the assistant suggested -2.0 dB in Outro "
        "(5.0-10.0 s). Why: too loud.",
        "- not reviewed, not applied: gain in Outro (5.0-10.0 s) on Bass: -2.0 dB.",
        "- gain on Pad.wav, Lost.wav: 1 trial, preferred: A 1",
        "- rejected gain on Pad, Gone.wav.",
    ):
        assert line in lines, line
    missing = lines.index("### On stems that are not in the session (not applied)") + 2
    assert lines[missing].startswith("- **manual** gain in Outro (5.0-10.0 s) on Gone.wav: ")
    listening = next(line for line in lines if line.startswith("Rejected without listening"))
    assert listening.startswith(
        "Rejected without listening: 3 of 3 (gain on Pad, Lost.wav; section_gain on Bass; gain "
        "on Bass, Pad). Heard means"
    )
    # the reference measures what the original mix's figures say, each in its column
    at = lines.index("## References")
    f = expected_metrics("original")
    assert lines[at - 1 : at + 7] == [
        "",
        "## References",
        "",
        "| Reference | Weight | Integrated (LUFS) | True peak (dBTP) | PLR (dB) | LRA (LU) | "
        "Length (s) | Used |",
        "|---|---|---|---|---|---|---|---|",
        f"| `ref.wav` (`/refs/ref.wav`) | 1 | {f['integrated_lufs']:.1f} | "
        f"{f['true_peak_dbtp']:.1f} | {f['plr_db']:.1f} | {f['lra_lu']:.1f} | 30.1 | no (below) |",
        "",
        "- Not used: too short",
    ]
