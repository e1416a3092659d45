"""The rows of ``mixreview batch`` as CSV, JSON, Markdown, or a table for the terminal.

The file's extension picks the format (``.csv``, ``.json``, ``.md``); every format holds the same
fields (``ROW_FIELDS``), a missing value being an empty CSV cell, ``null`` in JSON and ``-`` in
the tables.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mixreview.analysis.batch import FAILED, ROW_FIELDS, SCHEMA
from mixreview.analysis.checks import SEVERITIES
from mixreview.analysis.printable import shown
from mixreview.analysis.suggest.model import SEVERITY_ORDER

FORMATS = ("table", "csv", "json", "md")
EXTENSIONS = {".csv": "csv", ".json": "json", ".md": "md", ".markdown": "md"}

Row = dict[str, Any]


def format_for(out: Path | None, chosen: str | None) -> str:
    """The format: the one chosen, else the one the file's extension names, else the table.
    Raises ValueError naming the extensions known."""
    if chosen:
        return chosen
    if out is None:
        return "table"
    found = EXTENSIONS.get(out.suffix.lower())
    if found is None:
        known = ", ".join(EXTENSIONS)
        raise ValueError(f"{out}: the extension says the format: {known} (or give --format)")
    return found


def to_csv(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in ROW_FIELDS})
    return buffer.getvalue()


def to_json(rows: Sequence[Row]) -> str:
    failed = sum(1 for row in rows if row["status"] == FAILED)
    document = {
        "schema": SCHEMA,
        "counts": {"sessions": len(rows), "ok": len(rows) - failed, "failed": failed},
        "sessions": list(rows),
    }
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _by(row: Row, prefix: str, levels: Sequence[str]) -> str:
    if row["status"] == FAILED:
        return "-"
    return "/".join(str(row[f"{prefix}_{level}"]) for level in levels)


_COLUMNS = (
    ("session", lambda r: shown(r["path"])),
    ("stems", lambda r: _cell(r["stems"])),
    ("rate", lambda r: _cell(r["sample_rate"])),
    ("length s", lambda r: _cell(r["duration_s"])),
    ("checks E/W/I", lambda r: _by(r, "checks", SEVERITIES)),
    ("mix LUFS", lambda r: _cell(r["mix_integrated_lufs"])),
    ("TP dBTP", lambda r: _cell(r["mix_true_peak_dbtp"])),
    ("suggest H/M/L", lambda r: _by(r, "suggestions", tuple(SEVERITY_ORDER))),
)


def to_markdown(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows; failed sessions say why in the last column."""
    header = [name for name, _ in _COLUMNS] + ["status"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [get(row) for _, get in _COLUMNS]
        error = row["error"]
        status = row["status"] if error is None else f"{row['status']}: {shown(error)}"
        cells.append(status.replace("|", "\\|"))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_table(rows: Sequence[Row]) -> str:
    """Aligned columns for a terminal; a failed session's error on its own line."""
    header = [name for name, _ in _COLUMNS]
    table = [[get(row) for _, get in _COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row, cells in zip(rows, table, strict=True):
        if row["status"] == FAILED:
            lines.append(f"{cells[0].ljust(widths[0])}  failed: {shown(row['error'])}")
            continue
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def render(rows: Sequence[Row], fmt: str) -> str:
    """The rows in ``fmt`` (one of FORMATS)."""
    writers = {"table": to_table, "csv": to_csv, "json": to_json, "md": to_markdown}
    return writers[fmt](rows)
