"""review.json on disk: reading it, writing it fast, and keeping a damaged one aside.

The file is JSON written one decision (one manual change, one undo step) per line: a person can
still read and fix it, and the C encoder writes even a very large review in a fraction of a
second. A file that cannot be used is never deleted or overwritten: it is kept beside the review
under a name of its own first.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from mixreview.analysis.numbers import counted
from mixreview.analysis.printable import shown
from mixreview.analysis.review_document import ReviewDocument
from mixreview.analysis.review_validate import Problem, describe

SCHEMA = "mixreview.review/1"
REVIEW_NAME = "review.json"
EXPANDED = {"history": 2}  # levels of the file written one item per line (default 2)


def empty_review(session_path: Path, stems: Sequence[str]) -> ReviewDocument:
    return {
        "schema": SCHEMA,
        "session": {"path": str(session_path.resolve()), "stems": sorted(stems)},
        "decisions": {},
        "manual": [],
        "stem_notes": {},
        "blind": {},
        "listened": {},
        "ui": {},
        "history": {"undo": [], "redo": []},
    }


def _layout(value: Any, levels: int, indent: str = "") -> str:
    """JSON with the first ``levels`` levels one item per line and each item compact: the C
    encoder does the work (a large review saves in a fraction of the time an indented dump
    takes) and the file still reads and diffs one decision per line."""
    if levels <= 0 or not isinstance(value, dict | list) or not value:
        return json.dumps(value, sort_keys=True)
    inner = indent + "  "
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k)}: {_layout(value[k], levels - 1, inner)}" for k in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [inner + _layout(v, levels - 1, inner) for v in value]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def _decisions_text(decisions: Mapping[str, Any], encoded: MutableMapping[str, str]) -> str:
    """The decisions part, each decision's line taken from ``encoded`` when it is there."""
    if not decisions:
        return "{}"
    lines = []
    for sid in sorted(decisions):
        line = encoded.get(sid)
        if line is None:
            entry = json.dumps(decisions[sid], sort_keys=True)
            line = encoded[sid] = f"    {json.dumps(sid)}: {entry}"
        lines.append(line)
    return "{\n" + ",\n".join(lines) + "\n  }"


def review_text(data: Mapping[str, Any], encoded: MutableMapping[str, str] | None = None) -> str:
    """The text of review.json for ``data``. ``encoded`` caches each decision's line by id
    between saves (the caller forgets the ids it changes), so a decision in a large review
    encodes one line, not all of them."""
    parts = []
    for key in sorted(data):
        if key == "decisions" and isinstance(data[key], dict):
            text = _decisions_text(data[key], {} if encoded is None else encoded)
        else:
            text = _layout(data[key], EXPANDED.get(key, 1), "  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def keep_aside(path: Path, tag: str, raw: bytes | None) -> Path:
    """Keep the file at ``path`` beside it under a name of its own (``review.json.TAG-time``,
    numbered when taken): a copy of ``raw``, or ``path`` itself linked when it cannot be read.
    Never replaces an earlier copy."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for number in itertools.count(1):
        aside = path.with_name(f"{path.name}.{tag}-{stamp}" + (f"-{number}" if number > 1 else ""))
        try:
            if raw is None:
                os.link(path, aside)
            else:
                with open(aside, "xb") as handle:
                    handle.write(raw)
                    handle.flush()
                    os.fsync(handle.fileno())
        except FileExistsError:
            continue
        return aside
    raise AssertionError("itertools.count never ends")


def damaged_message(path: Path, problems: list[Problem], aside: Path | None) -> str:
    """One line naming the damaged entries (and where the file was kept, when it was)."""
    count = counted(len(problems), "damaged entry", "damaged entries")
    if aside is None:
        return (
            f"{shown(path)} has {count}: {describe(problems)}. Open the session in the app "
            "(mixreview SESSION) to set them aside and keep the rest, or fix them in the file."
        )
    return (
        f"{shown(path.name)} had {count}, left out and kept in {shown(aside.name)}: "
        f"{describe(problems)}. The rest of the review is open."
    )


def read_review(path: Path) -> tuple[bytes | None, dict[str, Any] | None, str]:
    """(the bytes, the document if it is a mixreview review, why not)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, exc.strerror or str(exc)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return raw, None, shown(exc)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return raw, None, "not a mixreview review file"
    return raw, data, ""
