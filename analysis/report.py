"""The analysis as JSON (the headless contract), Markdown, or plain text for a terminal.

The text and Markdown reports go to terminals: every line is passed through ``shown``, so a file
name holding an escape sequence or a newline is printed spelled out, never obeyed.
"""

from __future__ import annotations

import json
from typing import Any

from mixreview.analysis.analyze import Analysis, StemReport
from mixreview.analysis.numbers import fixed
from mixreview.analysis.printable import shown
from mixreview.analysis.reference import RANGES_HZ, ReferenceReport
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.describe import describe_params

SCHEMA = "mixreview.report/1"


def _stem_dict(report: StemReport) -> dict[str, Any]:
    stem = report.stem
    m = report.measurement
    return {
        "file": stem.file,
        "name": stem.name,
        "role": stem.role,
        "sample_rate": stem.sample_rate or None,
        "channels": stem.channels or None,
        "subtype": stem.subtype or None,
        "duration_s": round(stem.duration_s, 4),
        "metrics": m.metrics() if m is not None else None,
        "checks": [c.as_dict() for c in report.checks],
    }


def _reference_dict(report: ReferenceReport) -> dict[str, Any]:
    m = report.measurement
    return {
        "file": str(report.spec.path),
        "weight": report.spec.weight,
        "metrics": m.metrics() if m is not None else None,
        "problem": report.problem,
        "notes": list(report.notes),
        "doubts": list(report.doubts),
        "confirmed": report.confirmed,
        "gives_directions": report.directs,
    }


def report_dict(analysis: Analysis, suggestions: list[dict[str, Any]] | None = None) -> dict:
    """The report as a JSON-ready dict, per ARCHITECTURE.md's contract."""
    session = analysis.session
    return {
        "schema": SCHEMA,
        "session": {
            "path": str(session.path.resolve()),
            "title": session.title,
            "sample_rate": session.sample_rate,
            "duration_s": round(session.duration_s, 4),
            "stem_count": len(session.stems),
            "tempo_bpm": session.manifest.tempo_bpm,
        },
        "session_checks": [c.as_dict() for c in analysis.session_checks],
        "sections": [s.as_dict() for s in analysis.sections],
        "stems": [_stem_dict(r) for r in analysis.stems],
        "mix": {"metrics": analysis.mix.metrics() if analysis.mix is not None else None},
        "references": [_reference_dict(r) for r in analysis.references],
        "reference_comparison": analysis.comparison.as_dict() if analysis.comparison else None,
        "suggestions": suggestions or [],
    }


def to_json(analysis: Analysis, suggestions: list[dict[str, Any]] | None = None) -> str:
    return json.dumps(report_dict(analysis, suggestions), indent=2, allow_nan=False)


_COLUMNS = (
    ("LUFS", "integrated_lufs", ".1f"),
    ("S max", "short_term_max_lufs", ".1f"),
    ("LRA", "lra_lu", ".1f"),
    ("TP dBTP", "true_peak_dbtp", "+.1f"),
    ("Crest", "crest_db", ".1f"),
    ("Corr", "correlation", "+.2f"),
)


def _rows(analysis: Analysis) -> list[list[str]]:
    rows = []
    for r in analysis.stems:
        metrics = r.measurement.metrics() if r.measurement else {}
        fmt = f"{r.stem.sample_rate // 1000 if r.stem.sample_rate else '?'}k/" + (
            r.stem.subtype.replace("PCM_", "") or "?"
        )
        rows.append(
            [shown(r.stem.file), ROLE_LABELS.get(r.stem.role, r.stem.role), fmt]
            + [fixed(metrics.get(key), f, "-") for _, key, f in _COLUMNS]
        )
    if analysis.mix is not None:
        metrics = analysis.mix.metrics()
        rows.append(
            ["(mix at unity)", "", ""] + [fixed(metrics.get(k), f, "-") for _, k, f in _COLUMNS]
        )
    return rows


def _header() -> list[str]:
    return ["Stem", "Role", "Format"] + [c[0] for c in _COLUMNS]


def _findings(analysis: Analysis) -> list[tuple[str, str, str]]:
    return [(c.severity, c.message, c.fix) for c in analysis.all_checks]


def to_markdown(analysis: Analysis, suggestions: list[dict[str, Any]] | None = None) -> str:
    session = analysis.session
    lines = [
        f"# {session.title}",
        "",
        f"{len(session.stems)} stems, {session.sample_rate:,} Hz, {session.duration_s:.1f} s"
        + (f", {session.manifest.tempo_bpm:g} BPM" if session.manifest.tempo_bpm else ""),
        "",
        "## Sections",
        "",
    ]
    lines += [f"- {s.name}: {s.start_s:.1f}-{s.end_s:.1f} s" for s in analysis.sections]
    lines += ["", "## Measurements", ""]
    header = _header()
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in _rows(analysis)]
    lines += ["", "## Stem preparation", ""]
    findings = _findings(analysis)
    if not findings:
        lines.append("No problems found: the stems are well prepared.")
    for severity, message, fix in findings:
        lines.append(f"- **{severity}**: {message} *Fix:* {fix}")
    lines += _reference_lines(analysis, markdown=True)
    if suggestions:
        lines += ["", "## Suggestions", ""]
        for s in suggestions:
            where = f" in {s['section']}" if s.get("section") else ""
            lines.append(
                f"- **{s['severity']}** ({s['category']}) `{s['kind']}` "
                f"{describe_params(s['kind'], s['params'])} on {', '.join(s['stems'])}{where}. "
                f"{s['why']}"
            )
    return "\n".join(shown(line) for line in lines) + "\n"


def to_text(analysis: Analysis, suggestions: list[dict[str, Any]] | None = None) -> str:
    session = analysis.session
    out = [
        f"{session.title}: {len(session.stems)} stems, {session.sample_rate:,} Hz, "
        f"{session.duration_s:.1f} s",
        "",
    ]
    rows = [_header(), *_rows(analysis)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    findings = _findings(analysis)
    if not findings:
        out.append("Stem preparation: no problems found.")
    else:
        out.append("Stem preparation:")
        for severity, message, fix in findings:
            out.append(f"  [{severity}] {message}")
            out.append(f"      fix: {fix}")
    out += _reference_lines(analysis, markdown=False)
    if suggestions:
        out += ["", "Suggestions:"]
        for s in suggestions:
            where = f" in {s['section']}" if s.get("section") else ""
            stems = ", ".join(s["stems"]) if len(s["stems"]) <= 3 else "every stem"
            out.append(
                f"  [{s['severity']}] {s['kind']}: {describe_params(s['kind'], s['params'])} "
                f"on {stems}{where} ({s['category']})"
            )
            out.append(f"      {s['why']}")
    return "\n".join(shown(line) for line in out) + "\n"


def _reference_lines(analysis: Analysis, markdown: bool) -> list[str]:
    if not analysis.references:
        return []
    lines = ["", "## References" if markdown else "References:", ""]
    bullet = "- " if markdown else "  "
    for r in analysis.references:
        if r.problem:
            text = r.problem
        else:
            assert r.measurement is not None
            text = (
                f"{r.spec.name}: {r.measurement.metrics()['integrated_lufs']:.1f} LUFS, weight "
                f"{r.spec.weight:g}"
            )
        lines.append(bullet + text)
        lines += [bullet + "  " + note for note in r.notes]
    c = analysis.comparison
    if c is not None:
        tone = ", ".join(f"{name} {c.range_diff_db(name):+.1f}" for name in RANGES_HZ)
        lines.append(bullet + f"tone at matched loudness, mix minus reference (dB): {tone}")
        dyn = c.mix_dynamics, c.ref_dynamics
        lines.append(
            bullet + f"short-term spread {dyn[0]['short_term_spread_lu']:.1f} LU vs "
            f"{dyn[1]['short_term_spread_lu']:.1f}; PLR {dyn[0]['plr_db']:.1f} dB vs "
            f"{dyn[1]['plr_db']:.1f}; low-end side/mid {c.mix_low_side_db:.1f} dB vs "
            f"{c.ref_low_side_db:.1f}"
        )
    return lines
