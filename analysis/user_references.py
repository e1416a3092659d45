"""Reference tracks added from the review app, kept with the session's own files.

The manifest is the user's file and is never rewritten, so references added in the app live in
``<state>/references.json`` (``{"references": [{"path": ..., "weight": ...}]}``), written
atomically. ``analyze`` reads them with the manifest's references and the command line's.
"""

from __future__ import annotations

import json
from pathlib import Path

from mixreview.analysis.reference import ReferenceSpec
from mixreview.analysis.state import state_dir, write_json_atomic

FILE_NAME = "references.json"


def references_path(session_path: Path) -> Path:
    return state_dir(session_path) / FILE_NAME


def load_user_references(session_path: Path) -> list[ReferenceSpec]:
    """The references added in the app; a missing or unreadable file gives none."""
    path = references_path(session_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    specs = []
    for entry in data.get("references", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        weight = entry.get("weight", 1.0)
        weight = float(weight) if isinstance(weight, int | float) and weight > 0 else 1.0
        specs.append(ReferenceSpec(Path(entry["path"]), weight))
    return specs


def resolve_reference_path(text: str, session_path: Path) -> Path:
    """A path typed by the user: ``~`` expanded, relative to the session folder if it is there,
    else to the working directory; always absolute."""
    path = Path(text.strip().strip("'\"")).expanduser()
    if not path.is_absolute():
        in_session = session_path / path
        path = in_session if in_session.exists() else Path.cwd() / path
    return path.resolve()


def _save(session_path: Path, specs: list[ReferenceSpec]) -> None:
    data = {"references": [{"path": str(s.path), "weight": s.weight} for s in specs]}
    write_json_atomic(references_path(session_path), data)


def add_user_reference(session_path: Path, path: Path, weight: float = 1.0) -> list[ReferenceSpec]:
    """Add (or re-weight) a reference; returns the stored list."""
    if not weight > 0:
        raise ValueError("a reference's weight must be above 0")
    path = path.resolve()
    specs = [s for s in load_user_references(session_path) if s.path.resolve() != path]
    specs.append(ReferenceSpec(path, float(weight)))
    _save(session_path, specs)
    return specs


def remove_user_reference(session_path: Path, path: Path) -> list[ReferenceSpec]:
    """Forget a reference added in the app (the file itself is left alone)."""
    path = path.resolve()
    specs = [s for s in load_user_references(session_path) if s.path.resolve() != path]
    _save(session_path, specs)
    return specs
