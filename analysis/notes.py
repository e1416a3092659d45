"""Notes for the mastering engineer: the session, what was changed and why, what it measures.

``build_notes`` gathers everything into one JSON-ready dict (schema ``mixreview.notes/2``);
``notes_markdown`` writes the same as a page a person reads; ``write_notes`` saves both
atomically. Measurements come from the render (the samples the exported files hold), so
the numbers here are those of the files. The parts live in ``notes_remarks`` (a mix's numbers
and what they mean for mastering), ``notes_references``, ``notes_entries`` (one per change, and
who listened before deciding), ``notes_checks`` (open or fixed in the mix), ``notes_text`` and
``notes_markdown``; their public names are importable from here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.atomic import write_json_atomic, write_text_atomic
from mixreview.analysis.notes_checks import check_entries
from mixreview.analysis.notes_document import NotesDocument
from mixreview.analysis.notes_entries import (
    STATUS_WORDS,
    listening_summary,
    manual_entry,
    orphan_entries,
    suggestion_entry,
)
from mixreview.analysis.notes_markdown import MEASUREMENT_ROWS, REFERENCE_ROWS, notes_markdown
from mixreview.analysis.notes_references import (
    DYNAMICS_WORDS,
    LOW_SIDE_GAP_DB,
    NO_REFERENCES,
    PLR_GAP_DB,
    SPREAD_GAP_LU,
    TONE_CLOSE_DB,
    WIDTH_CLOSE_DB,
    WIDTH_RANGES,
    range_label,
    reference_differences,
    reference_remarks,
    reference_track,
    references_entry,
)
from mixreview.analysis.notes_remarks import (
    FORMAT_NAMES,
    LOW_END_HZ,
    MASTERING_PEAK_DBTP,
    MONO_LOW_END_DB,
    NEGATIVE_CORRELATION,
    STREAMING_LUFS,
    TONAL_BANDS,
    comparison_remarks,
    low_end_side_db,
    mastering_remarks,
    tonal_balance_db,
    version_metrics,
)
from mixreview.analysis.reference import ReferenceReport
from mixreview.analysis.render import RenderResult
from mixreview.analysis.render_plan import VERSIONS
from mixreview.analysis.review import Review
from mixreview.analysis.session import Stem
from mixreview.analysis.suggest.model import Suggestion

SCHEMA = "mixreview.notes/2"
SCHEMA_FAMILY = "mixreview.notes/"
"""Any version of the notes marks a folder as a mixreview export."""
VERSION_WORDS = {
    "chosen": "the reviewer's decisions (the mix to master)",
    "original": "the stems summed at unity, nothing applied",
    "assistant": "every suggestion of the assistant at full strength",
    "manual": "your own changes alone; suggestions you adjusted count as the assistant's",
}
"""What each mix holds, as the notes say it."""
NOTES_MD = "notes.md"
NOTES_JSON = "notes.json"

__all__ = [
    "DYNAMICS_WORDS",
    "FORMAT_NAMES",
    "LOW_END_HZ",
    "LOW_SIDE_GAP_DB",
    "MASTERING_PEAK_DBTP",
    "MEASUREMENT_ROWS",
    "MONO_LOW_END_DB",
    "NEGATIVE_CORRELATION",
    "NOTES_JSON",
    "NOTES_MD",
    "NO_REFERENCES",
    "PLR_GAP_DB",
    "REFERENCE_ROWS",
    "SCHEMA",
    "SCHEMA_FAMILY",
    "SPREAD_GAP_LU",
    "STATUS_WORDS",
    "STREAMING_LUFS",
    "TONAL_BANDS",
    "TONE_CLOSE_DB",
    "VERSION_WORDS",
    "WIDTH_CLOSE_DB",
    "WIDTH_RANGES",
    "build_notes",
    "check_entries",
    "comparison_remarks",
    "listening_summary",
    "low_end_side_db",
    "manual_entry",
    "mastering_remarks",
    "notes_markdown",
    "orphan_entries",
    "range_label",
    "reference_differences",
    "reference_remarks",
    "reference_track",
    "references_entry",
    "suggestion_entry",
    "tonal_balance_db",
    "version_metrics",
    "write_notes",
]


def _left_out(stem: Stem) -> str:
    if stem.error:
        return stem.error
    if stem.frames == 0:
        return "no audio in the file: left out of the mixes"
    return f"{stem.channels} channels: only mono and stereo stems are mixed; left out"


def _stem_info(analysis: Analysis, render: RenderResult) -> list[dict[str, Any]]:
    session = analysis.session
    out = []
    for stem in session.stems:
        remarks = []
        if stem.mixable and stem.channels == 1:
            remarks.append("mono: in the mix and the export as the same signal on both sides")
        if stem.mixable and stem.sample_rate != session.sample_rate:
            remarks.append(f"resampled from {stem.sample_rate} Hz")
        if stem.mixable and stem.frames * session.sample_rate < session.frames * stem.sample_rate:
            remarks.append("shorter than the session: padded with silence")
        if stem.file in render.read_errors:
            remarks.append(
                f"damaged: could not be read past {render.read_errors[stem.file]:.1f} s, silence "
                "from there in the mixes and the exported stem; export it again from the DAW"
            )
        out.append({
            "file": stem.file, "name": stem.name, "role": stem.role,
            "sample_rate": stem.sample_rate, "channels": stem.channels, "subtype": stem.subtype,
            "duration_s": round(stem.duration_s, 3), "exported": render.stems.get(stem.file),
            "in_mix": stem.mixable,
            "left_out": None if stem.mixable else _left_out(stem),
            "remarks": remarks,
        })  # fmt: skip
    return out


def build_notes(
    analysis: Analysis,
    suggestions: Sequence[Suggestion],
    review: Review | None,
    render: RenderResult,
    review_file: Path | None = None,
    references: Sequence[ReferenceReport] | None = None,
) -> NotesDocument:
    """Everything the mastering engineer (and the reviewer, later) needs, as plain data.

    ``references`` default to the analysis's; each rendered version is compared with them."""
    session = analysis.session
    manifest = session.manifest
    changes = [suggestion_entry(s, review) for s in suggestions]
    manual = [manual_entry(m) for m in (review.manual if review else [])]
    all_changes = changes + manual
    mixed = {s.file for s in session.mix_stems}
    for change in all_changes:
        if not set(change["stems"]) & mixed:  # a manual change on a stem that is gone
            change["applied"] = False
            change["stem_missing"] = True
    stem_notes = review.stem_notes if review else {}
    stems = []
    for info in _stem_info(analysis, render):
        file = info["file"]
        mine = [c for c in all_changes if c["stems"] == [file]]
        stems.append({
            **info,
            "changes": [c["id"] for c in mine if c["applied"]],
            "kept": [c["id"] for c in mine if c["status"] == "rejected"],
            "note": stem_notes.get(file, ""),
        })  # fmt: skip
    metrics = {
        v: {
            "file": render.mixes.get(v),
            "clipped_samples": render.mix_clipped.get(v, 0),
            **version_metrics(render.measurements[v], render.mono_fold_lufs.get(v)),
        }
        for v in VERSIONS
        if v in render.measurements
    }
    checks = check_entries(analysis.all_checks, render.rechecks)
    applied = [c for c in all_changes if c["applied"]]
    manual_applied = sum(1 for c in applied if c["origin"] == "manual")
    blind = review.blind_tallies if review else {}
    return {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "session": {
            "path": str(session.path.resolve()),
            "title": session.title,
            "sample_rate": session.sample_rate,
            "frames": session.frames,
            "duration_s": round(session.duration_s, 3),
            "tempo_bpm": manifest.tempo_bpm,
            "beats_per_bar": manifest.beats_per_bar if manifest.tempo_bpm else None,
            "sections": [s.as_dict() for s in analysis.sections],
            "stem_count": len(session.stems),
        },
        "export": {
            "format": "WAV",
            "subtype": render.subtype,
            "description": f"{FORMAT_NAMES.get(render.subtype, render.subtype)} WAV, "
            f"{session.sample_rate} Hz, stereo; no limiting, no master-bus processing, no dither",
            "mixes": dict(render.mixes),
            "versions": {v: VERSION_WORDS[v] for v in VERSIONS},
            "stems": dict(render.stems),
            "clipped_samples": {k: v for k, v in render.clipped.items() if v},
        },
        "review": {
            "file": str(review_file) if review_file else None,
            "found": review is not None,
            "counts": _counts(all_changes),
        },
        "stems": stems,
        "changes": all_changes,
        "listening": listening_summary(all_changes),
        "stem_notes": stem_notes,
        "blind": blind,
        "checks": checks,
        "checks_open": [c for c in checks if c["status"] == "open"],
        "orphans": orphan_entries(review, suggestions),
        "measurements": metrics,
        "mastering": mastering_remarks(
            metrics["chosen"], render.subtype, render.mix_clipped.get("chosen", 0)
        ),
        "comparison": comparison_remarks(metrics, manual_applied, len(applied) - manual_applied),
        "references": references_entry(
            analysis.references if references is None else references, render.measurements
        ),
    }


def _counts(changes: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("accepted", "adjusted", "rejected", "pending", "manual"), 0)
    for change in changes:
        counts[change["status"]] += 1
    return counts


def write_notes(folder: Path, notes: NotesDocument) -> tuple[Path, Path]:
    """Write notes.md and notes.json into ``folder``, each through a temp file and a rename."""
    json_path = folder / NOTES_JSON
    write_json_atomic(json_path, notes)
    md_path = folder / NOTES_MD
    write_text_atomic(md_path, notes_markdown(notes))
    return md_path, json_path
