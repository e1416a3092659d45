"""The shape of notes.json, typed: the parts of the mastering notes and what each holds.

``build_notes`` returns this document, the Markdown writer and the export read it; notes.json is
this document as JSON (its ``schema`` names the version).
"""

from __future__ import annotations

from typing import Any, TypedDict


class NotesSession(TypedDict):
    path: str
    title: str
    sample_rate: int
    frames: int
    duration_s: float
    tempo_bpm: float | None
    beats_per_bar: int | None
    sections: list[dict[str, Any]]
    stem_count: int


class NotesExport(TypedDict):
    format: str
    subtype: str
    description: str
    mixes: dict[str, str]
    versions: dict[str, str]
    stems: dict[str, str]
    clipped_samples: dict[str, int]


class NotesReview(TypedDict):
    file: str | None
    found: bool
    counts: dict[str, int]


class NotesDocument(TypedDict):
    """notes.json: one entry per stem, change, check and mix, and the remarks for mastering."""

    schema: str
    created: str
    session: NotesSession
    export: NotesExport
    review: NotesReview
    stems: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    listening: dict[str, Any]
    stem_notes: dict[str, str]
    blind: dict[str, Any]
    checks: list[dict[str, Any]]
    checks_open: list[dict[str, Any]]
    orphans: list[dict[str, Any]]
    measurements: dict[str, dict[str, Any]]  # version -> figures of that mix
    mastering: list[str]
    comparison: list[str]
    references: dict[str, Any]
