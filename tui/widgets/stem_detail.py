"""The detail panel's page for a stem: its format, measurements and checks, and the checks as
lines the checks panel and screen share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.content import Content

from mixreview.analysis import printable
from mixreview.analysis.analyze import Analysis, StemReport
from mixreview.analysis.checks import Check
from mixreview.analysis.formats import subtype_words
from mixreview.analysis.timeline import format_time
from mixreview.tui.widgets.detail_text import (
    SEVERITY_STYLE,
    DetailContext,
    heading,
    paragraph,
    unit_label,
)
from mixreview.tui.widgets.labels import kind_label

# -- a stem -------------------------------------------------------------------------------------


def stem_checks(analysis: Analysis, file: str) -> list[Check]:
    try:
        return list(analysis.stem_report(file).checks)
    except KeyError:
        return []


def check_line(check: Check, names: Mapping[str, str]) -> Content:
    where = printable.shown(names.get(check.file or "", check.file or ""))
    return Content("\n").join(
        [
            Content.assemble(
                (f"[{check.severity}] ", SEVERITY_STYLE.get(check.severity, "")),
                (f"{where}: " if where else "", "bold"),
                printable.shown(check.message),
            ),
            Content.assemble(("   fix: ", "$foreground 70%"), printable.shown(check.fix)),
        ]
    )


def check_lines(checks: Sequence[tuple[str, Check]], names: Mapping[str, str]) -> Content:
    """Every check with its fix, for the checks screen: (file or '', check)."""
    lines: list[Content] = []
    for file, check in checks:
        where = printable.shown(names.get(file, file)) if file else "session"
        if file and check.message.startswith(file):
            where = ""  # the message names the file already
        lines.append(
            Content.assemble(
                (f"[{check.severity}] ", SEVERITY_STYLE.get(check.severity, "")),
                (f"{where}: " if where else "", "bold"),
                printable.shown(check.message),
            )
        )
        lines.append(Content.assemble(("   fix: ", "$foreground 70%"), printable.shown(check.fix)))
        lines.append(Content(""))
    return Content("\n").join(lines)


def _format(report: StemReport) -> str:
    stem = report.stem
    if not stem.readable:
        return stem.error or "unreadable"
    channels = {1: "mono", 2: "stereo"}.get(stem.channels, f"{stem.channels} channels")
    bits = subtype_words(stem.subtype)
    return (
        f"{stem.sample_rate / 1000:g} kHz · {bits} · {channels} · {format_time(stem.duration_s)}"
        f" · {stem.format}"
    )


def stem_detail(file: str, ctx: DetailContext, width: int) -> Content:
    try:
        report = ctx.analysis.stem_report(file)
    except KeyError:
        return Content(f"{printable.shown(file)}: not in this session")
    names = ctx.names
    stem = report.stem
    shown_file = printable.shown(file)
    lines = [
        Content(printable.shown(names.get(file, file))).stylize("bold"),
        Content(f"{shown_file} · role {stem.role} ({stem.role_source})").stylize("$foreground 70%"),
        Content(printable.shown(_format(report))),
        Content(""),
    ]
    if report.error:
        lines.append(Content(f"Not measured: {printable.shown(report.error)}").stylize("$error"))
    if report.measurement is not None:
        metrics = report.measurement.metrics()
        lines.append(heading("Measured"))
        shown = []
        for key, value in metrics.items():
            if value is None or key == "dc_offset":
                continue
            label, unit = unit_label(key)
            shown.append(f"{label} {value:.1f} {unit}".strip())
        lines += [Content(text) for text in _flow(shown, width)]
    count = ctx.open_counts.get(file, 0)
    lines += [Content(""), Content(f"Open suggestions: {count}")]
    checks = list(report.checks)
    lines += [Content(""), heading(f"Checks ({len(checks)})")]
    if checks:
        lines += [check_line(c, {}) for c in checks]
    else:
        lines.append(Content("none: this stem is well prepared").stylize("$foreground 70%"))
    manual = [m for m in ctx.review.manual if file in m["stems"]]
    if manual:
        from mixreview.analysis.suggest.describe import describe_params

        lines += [Content(""), heading("Your changes")]
        for m in manual:
            state = "" if m.get("enabled", True) else " (off)"
            lines.append(Content(f"+ {kind_label(m['kind'])}: "
                                 f"{describe_params(m['kind'], m['params'])}{state}"))  # fmt: skip
    note = ctx.review.stem_note(file)
    if note:
        lines += [Content(""), paragraph("Note", note)]
    return Content("\n").join(lines)


def _flow(parts: Sequence[str], width: int) -> list[str]:
    """Join short texts with ' · ' into lines no wider than ``width``."""
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} · {part}" if current else part
        if len(candidate) > width and current:
            lines.append(current)
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
