"""notes.md where the mutation runs left it open: the references' table of remaining differences
(before and now, with the references' spread), a used reference with its notes, and an adjusted
section gain named by its section with two adjustments.

The references' entry is built in memory in the shape ``references_entry`` gives it (its tracks by
``reference_track``, its differences by the helper of test_thresholds_notes_references.py), so no
audio is compared; the adjusted change goes through the notes builder from a hand-made review.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mixreview.analysis.notes import notes_markdown
from mixreview.analysis.notes_references import reference_track
from tests.test_thresholds_notes import Measured
from tests.test_thresholds_notes_build import exported_notes, fake_review, stem
from tests.test_thresholds_notes_references import differences

# --- the references' section ----------------------------------------------------------------


def _track(file: str, used: bool, weight: float, notes: tuple[str, ...] = ()) -> dict[str, Any]:
    measured = Measured({"integrated_lufs": -9.2, "true_peak_dbtp": -0.8, "lra_lu": 5.5})
    measured.duration_s, measured.sample_rate, measured.channels = 30.0, 48000, 2  # type: ignore[attr-defined]
    report = SimpleNamespace(
        measurement=measured, spec=SimpleNamespace(name=file, path=f"/refs/{file}", weight=weight),
        directs=used, doubts=(), problem=None if used else "it is silent.", notes=notes,
    )  # fmt: skip
    return reference_track(report)  # type: ignore[arg-type]


NOW = differences(
    tone={"sub": (1.5, 0.5), "bass": (-0.5, 1.0), "low-mid": (0.3, None), "mid": (2.0, 0.0),
          "presence": (-1.2, 2.5), "air": (-3.0, 1.5)},
    width={"low-mid": 0.4, "mid": 1.6, "presence": -0.7, "air": None},
    dynamics={"short_term_spread_lu": (8.0, 10.0, None), "lra_lu": (6.0, 5.0, None),
              "plr_db": (12.0, 8.0, None), "crest_db": (14.0, 11.5, None)},
    low=(-12.0, -20.0, None),
)  # fmt: skip
BEFORE = differences(
    tone={"sub": (2.5, 9.0), "bass": (-1.5, 9.0), "low-mid": (1.3, 9.0), "mid": (3.0, 9.0),
          "presence": (-2.2, 9.0), "air": (-4.0, 9.0)},
    width={"low-mid": 1.4, "mid": 2.6, "presence": -1.7, "air": 0.9},
    dynamics={"short_term_spread_lu": (9.0, 10.0, None), "lra_lu": (7.0, 5.0, None),
              "plr_db": (13.0, 8.0, None), "crest_db": (15.0, 11.5, None)},
    low=(-10.0, -20.0, None),
)  # fmt: skip
REMARKS = ["compared with the references.", "air is low."]
HEAD = [
    "## References",
    "",
    "| Reference | Weight | Integrated (LUFS) | True peak (dBTP) | PLR (dB) | LRA (LU) | "
    "Length (s) | Used |",
    "|---|---|---|---|---|---|---|---|",
]
FIGURES = "| -9.2 | -0.8 | 8.4 | 5.5 | 30.0 |"
TRACK_A = (
    f"| `A.wav` (`/refs/A.wav`) | 1 {FIGURES} yes: doubted: a quiet intro. confirmed by ear. |"
)
TRACK_B = f"| `B.wav` (`/refs/B.wav`) | 0.5 {FIGURES} yes |"
TRACK_C = f"| `C.wav` (`/refs/C.wav`) | 2 {FIGURES} no (below) |"
WORDS = ["", "- Compared with the references.", "- Air is low."]
LABELS = [
    "Tone, sub 25-60 Hz (dB)", "Tone, bass 60-250 Hz (dB)", "Tone, low-mid 250-800 Hz (dB)",
    "Tone, mid 800 Hz-2.5 kHz (dB)", "Tone, presence 2.5-6 kHz (dB)", "Tone, air 6-20 kHz (dB)",
    "Width, low-mid 250-800 Hz (dB)", "Width, mid 800 Hz-2.5 kHz (dB)",
    "Width, presence 2.5-6 kHz (dB)", "Width, air 6-20 kHz (dB)",
    "Short-term spread (LU)", "Loudness range (LU)", "PLR (dB)", "Crest factor (dB)",
    "Side vs mid below 120 Hz (dB)",
]  # fmt: skip
NOW_CELLS = ["+1.5", "-0.5", "+0.3", "+2.0", "-1.2", "-3.0", "+0.4", "+1.6", "-0.7", "n/a",
             "-2.0", "+1.0", "+4.0", "+2.5", "+8.0"]  # fmt: skip
BEFORE_CELLS = ["+2.5", "-1.5", "+1.3", "+3.0", "-2.2", "-4.0", "+1.4", "+2.6", "-1.7", "+0.9",
                "-1.0", "+2.0", "+5.0", "+3.5", "+10.0"]  # fmt: skip
SPREAD_CELLS = ["0.5", "1.0", "", "0.0", "2.5", "1.5"] + [""] * 9


def _references_lines(entry: dict[str, Any]) -> list[str]:
    """The page's References section, from its heading to the next one."""
    notes = exported_notes(files=(stem("Pad.wav"),))
    notes["references"] = entry
    lines = notes_markdown(notes).split("\n")
    return lines[lines.index("## References") : lines.index("## Session")]


def _table(heads: list[str], *columns: list[str]) -> list[str]:
    rows = [" | ".join(cells) for cells in zip(LABELS, *columns, strict=True)]
    return [
        "",
        "Remaining differences at matched loudness, mix minus references:",
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
        *(f"| {row} |" for row in rows),
        "",
    ]


def test_two_used_references_table_before_now_and_their_spread() -> None:
    """Two references used: each range's difference before (the original mix) and now (the
    chosen mix), and the references' spread in tone; a used reference's notes follow its "yes"."""
    tracks = [
        _track("A.wav", True, 1.0, ("doubted: a quiet intro.", "confirmed by ear.")),
        _track("B.wav", True, 0.5),
        _track("C.wav", False, 2.0),
    ]
    entry = {"tracks": tracks, "differences": {"chosen": NOW, "original": BEFORE}}
    got = _references_lines({**entry, "remarks": REMARKS})
    heads = ["before (original)", "now (chosen)", "references' spread"]
    assert got == [
        *HEAD, TRACK_A, TRACK_B, TRACK_C, *WORDS,
        *_table(heads, BEFORE_CELLS, NOW_CELLS, SPREAD_CELLS),
    ]  # fmt: skip


def test_one_used_reference_and_no_original_table_now_only() -> None:
    """One reference used and no original mix rendered: one column, now, and no spread."""
    tracks = [_track("C.wav", False, 2.0), _track("B.wav", True, 0.5)]
    entry = {"tracks": tracks, "differences": {"chosen": NOW}, "remarks": REMARKS}
    assert _references_lines(entry) == [
        *HEAD, TRACK_C, TRACK_B, *WORDS, *_table(["now (chosen)"], NOW_CELLS),
    ]  # fmt: skip


def test_a_silent_chosen_mix_has_no_table() -> None:
    """No difference for the chosen mix (it is silent): the section ends with its remarks, even
    when the original mix was compared."""
    tracks = [_track("B.wav", True, 0.5)]
    for found in ({"chosen": None, "original": BEFORE}, {}):
        entry = {"tracks": tracks, "differences": found, "remarks": REMARKS}
        assert _references_lines(entry) == [*HEAD, TRACK_B, *WORDS, ""]


# --- an adjusted section gain ---------------------------------------------------------------


def test_an_adjusted_section_gain_names_its_section_and_both_adjustments() -> None:
    """An adjusted section gain (amount and gain changed) says what it is and what the assistant
    suggested, both by the section's name, and lists both adjustments; no rejection is "kept as
    they were"."""
    sections = [SimpleNamespace(as_dict=lambda n=n, a=a, b=b: {"name": n, "start_s": a, "end_s": b})
                for n, a, b in (("Verse", 0.0, 5.04), ("Outro", 5.04, 10.0))]  # fmt: skip

    def gain(db: float) -> dict[str, Any]:
        return {"segments": [{"start_s": 5.04, "end_s": 10.0, "gain_db": db}]}

    cut = SimpleNamespace(
        id="sg-1", kind="section_gain", params=gain(-2.0), stems=("Pad.wav",), section="Outro",
        section_span_s=(5.04, 10.0), category="balance", severity="info", why="the outro is loud",
    )  # fmt: skip
    review = fake_review(
        {"sg-1": "adjusted"}, [],
        decision=lambda _sid: SimpleNamespace(amount=0.5, note="", heard=None),
        params_of=lambda _s: gain(-1.0),
    )  # fmt: skip
    notes = exported_notes(files=(stem("Pad.wav"),), review=review, suggestions=[cut],
                           analysis_given={"sections": sections})  # fmt: skip
    lines = notes_markdown(notes).split("\n")
    counts = lines.index("## What was changed, stem by stem") + 2
    assert lines[counts] == (
        "0 suggestions accepted as is, 1 adjusted, 0 rejected (kept as they were), 0 not "
        "reviewed (not applied), 0 manual changes."
    )
    at = lines.index("### Pad (`Pad.wav`, pad)")
    assert lines[at + 2 : at + 4] == [
        "- **adjusted** section_gain: -1.0 dB in Outro (5.0-10.0 s) at 50% strength: -0.5 dB in "
        "Outro (5.0-10.0 s) applied (the assistant suggested -2.0 dB in Outro (5.0-10.0 s); "
        "changed: amount 100% -> 50%, segments: -2.0 dB at 5.0-10.0 s -> -1.0 dB at 5.0-10.0 s). "
        "Why: the outro is loud.",
        "",
    ]
