"""Text pieces of notes.md: reviewer text quoted so it reads as typed whatever it holds, sentences
joined without doubled full stops, spans named by their section, changes at partial strength."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mixreview.analysis.numbers import percent, signed_db
from mixreview.analysis.suggest.describe import applied_params, describe_amount

ALWAYS_ESCAPED = frozenset("\\`*[]<>#|~&")
"""Characters that start emphasis, code, links, HTML, headings, tables or entities anywhere."""
LOOSE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""An underscore that can open or close emphasis; one inside a word (Lead_Vocal) cannot."""
LINE_START = re.compile(r"^(\d{1,9})([.)])|^([-+=])")
"""At a line's start these make a list item, a thematic break or a setext underline."""
SPAN_TOLERANCE_S = 0.05


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as exactly these characters (one line)."""
    escaped = "".join(f"\\{c}" if c in ALWAYS_ESCAPED else c for c in text)
    escaped = LOOSE_UNDERSCORE.sub(r"\\_", escaped)
    return LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", escaped
    )


def quote(text: str, indent: str = "") -> list[str]:
    """Reviewer text as a block quote, every line escaped: line breaks kept (hard breaks), empty
    lines separating paragraphs, spaces at the ends of lines dropped."""
    lines = [line.strip() for line in text.strip().splitlines()]
    out = []
    for index, line in enumerate(lines):
        if not line:
            out.append(f"{indent}>")
            continue
        follows = index + 1 < len(lines) and lines[index + 1]
        out.append(f"{indent}> {escape_markdown(line)}" + ("\\" if follows else ""))
    return out


def sentence(*parts: str) -> str:
    """Sentences joined with one full stop between them (none doubled), ending with one."""
    kept = [p.strip() for p in parts if p and p.strip()]
    if not kept:
        return ""
    out = ""
    for part in kept:
        if out:
            out = out if out.endswith((".", "!", "?", ":")) else out + "."
            out += " "
        out += part
    return out if out.endswith((".", "!", "?", ":")) else out + "."


def span_label(start_s: float, end_s: float, sections: Sequence[Mapping[str, Any]] = ()) -> str:
    """'Outro (21.8-30.0 s)' when a section has these bounds, else '21.8-30.0 s'."""
    span = f"{start_s:.1f}-{end_s:.1f} s"
    for section in sections:
        if (
            abs(float(section["start_s"]) - start_s) <= SPAN_TOLERANCE_S
            and abs(float(section["end_s"]) - end_s) <= SPAN_TOLERANCE_S
        ):
            return f"{section['name']} ({span})"
    return span


def _segments(params: Mapping[str, Any], sections: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for segment in params.get("segments", [params]) or []:  # one may be given inline
        where = span_label(float(segment["start_s"]), float(segment["end_s"]), sections)
        named = "(" in where
        parts.append(f"{signed_db(float(segment['gain_db']))} {'in' if named else 'at'} {where}")
    return ", ".join(parts) or "no segments"  # none: the processor changes nothing


def describe_change(
    kind: str,
    params: Mapping[str, Any],
    amount: float = 1.0,
    sections: Sequence[Mapping[str, Any]] = (),
) -> str:
    """A change as set and, at partial strength, as applied ('-7.0 dB at 75% strength: -5.3 dB
    applied'); section gains name their sections."""
    if kind != "section_gain":
        return describe_amount(kind, params, amount)
    text = _segments(params, sections)
    if amount >= 0.999:
        return text
    applied = applied_params(kind, params, amount) or params
    return f"{text} at {percent(amount)} strength: {_segments(applied, sections)} applied"
