"""Words the detail pages share: evidence as one line of labelled numbers, headings and
labelled paragraphs, and what the pages draw from (``DetailContext``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.content import Content

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.printable import printable, shown
from mixreview.analysis.review import Review
from mixreview.analysis.suggest.features import Features

SEVERITY_STYLE = {"error": "bold $error", "warning": "bold $warning", "info": "$foreground 70%"}
UNITS = (
    ("_lufs", "LUFS"), ("_dbtp", "dBTP"), ("_dbfs", "dBFS"), ("_db", "dB"), ("_lu", "LU"),
    ("_hz", "Hz"), ("_ms", "ms"), ("_s", "s"),
)  # fmt: skip


@dataclass
class DetailContext:
    """What the detail panel draws from."""

    analysis: Analysis
    features: Callable[[], Features | None]
    names: Mapping[str, str]
    review: Review
    open_counts: Mapping[str, int]


def unit_label(key: str) -> tuple[str, str]:
    for suffix, unit in UNITS:
        if key.endswith(suffix):
            return key[: -len(suffix)].replace("_", " "), unit
    return key.replace("_", " "), ""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) for v in value)
    ):
        return f"{_value(float(value[0]))}..{_value(float(value[1]))}"
    if isinstance(value, list | tuple):
        if any(isinstance(v, dict | list | tuple) for v in value):
            return f"{len(value)} entries"  # a table: too much for one line
        return ", ".join(_value(v) for v in value[:6]) + (" ..." if len(value) > 6 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in list(value.items())[:4])
    return str(value)


def evidence_line(evidence: Mapping[str, Any], names: Mapping[str, str]) -> Content:
    """'relative -12.83 LU · role window -7..-1 LU · active 17 s'."""
    parts: list[Content] = []
    for key, value in evidence.items():
        if key == "impact":
            continue
        label, unit = unit_label(key)
        text = shown(names.get(value, value)) if isinstance(value, str) else _value(value)
        parts.append(
            Content.assemble((label + " ", "$foreground 70%"), (f"{text} {unit}".strip(), "bold"))
        )
    return Content(" · ").join(parts)


def heading(text: str) -> Content:
    return Content(text).stylize("bold $accent")


def paragraph(label: str, text: str | Content) -> Content:
    body = text if isinstance(text, Content) else Content(printable(text))
    return Content.assemble((f"{label}  ", "bold"), body)
