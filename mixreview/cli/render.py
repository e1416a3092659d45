"""``mixreview render``: export the mixes, processed stems and notes, and say what was written."""

from __future__ import annotations

import argparse
import sys

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.export import ExportResult, Progress, export_session
from mixreview.analysis.numbers import fixed
from mixreview.analysis.printable import shown
from mixreview.analysis.render import MIX_NAMES, VERSIONS
from mixreview.analysis.render_plan import VERSION_WORDS
from mixreview.cli.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, error_text
from mixreview.cli.progress import ProgressBar

VERSION_LABELS = {
    "chosen": "Chosen mix",
    "original": "Original mix",
    "assistant": "Assistant mix",
    "manual": "Manual mix",
}


def _progress_for(bar: ProgressBar) -> Progress:
    def progress(done: int, total: int, label: str) -> None:
        if label == "measuring":
            bar.label = "Measuring"
            bar(done, total, "stems")
        else:
            bar.label = "Rendering"
            bar(done * 100 // max(total, 1), 100, "%")

    return progress


def summary_lines(result: ExportResult) -> list[str]:
    """What the command prints when the export is done: only what was written."""
    lines = [f"Exported to {result.folder}"]
    if result.numbered:
        lines[0] += f" ({result.requested.name} exists; --force replaces it)"
    elif result.replaced:
        lines[0] += " (replacing the earlier export)"
    for version in VERSIONS:
        if version in result.mixes:
            m = result.metrics(version)
            lines.append(
                f"  {MIX_NAMES[version]:<18} {fixed(m['integrated_lufs']):>6} LUFS  "
                f"{fixed(m['true_peak_dbtp']):>5} dBTP  {VERSION_WORDS[version]}"
            )
    if result.stems:
        lines.append(f"  {'stems/':<18} {len(result.stems)} processed stems")
    lines.append("  notes.md, notes.json")
    shown = next((v for v in VERSIONS if v in result.mixes), None)
    if shown is not None:
        m = result.metrics(shown)
        lines.append(
            f"{VERSION_LABELS[shown]}: {fixed(m['integrated_lufs'])} LUFS integrated, true peak "
            f"{fixed(m['true_peak_dbtp'])} dBTP ({fixed(m['headroom_db'])} dB of headroom), "
            f"LRA {fixed(m['lra_lu'])} LU; no limiting applied."
        )
    seconds = result.render.frames / result.render.sample_rate
    lines.append(
        f"Rendered {seconds:.1f} s of audio in {result.seconds:.1f} s "
        f"({result.workers} process{'es' if result.workers > 1 else ''})."
    )
    return lines


def run(args: argparse.Namespace) -> int:
    """Export ``args.session``: 0 done, 2 a problem the message explains, 130 interrupted."""
    bar = ProgressBar("Rendering", enabled=not args.quiet)
    try:
        result = export_session(
            args.session,
            review_path=args.review,
            out=args.out,
            versions=args.versions,
            stems=not args.no_stems,
            subtype=args.format,
            force=args.force,
            progress=_progress_for(bar),
            references=args.reference,
            trust_references=args.trust_references,
        )
    except MixreviewError as exc:
        bar.close()
        print(error_text(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        bar.close()
        print(
            "mixreview: interrupted; nothing was kept from this render (an earlier export is "
            "untouched).",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    bar.close()
    for message in result.messages:
        print(shown(f"mixreview: note: {message}"), file=sys.stderr)
    print("\n".join(shown(line) for line in summary_lines(result)))
    return EXIT_OK
