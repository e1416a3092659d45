"""Read the optional ``mixreview.toml`` a user writes next to the stems.

Everything in it is optional. Problems never stop the session from loading: they come back as
messages in ``Manifest.problems`` so the report can show them next to the findings.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mixreview.analysis.printable import shown
from mixreview.analysis.roles import ROLES

MANIFEST_NAME = "mixreview.toml"
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 384000  # DXD; beyond it a header or a manifest is more likely wrong than right
MIN_TEMPO_BPM = 20
MAX_TEMPO_BPM = 400


@dataclass(frozen=True)
class ManifestSection:
    """A section as written by the user; ``end_s`` None means "until the next section"."""

    name: str
    start_s: float
    end_s: float | None = None


@dataclass(frozen=True)
class StemEntry:
    """What the manifest says about one stem file (path relative to the session)."""

    file: str
    role: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The parsed manifest. ``problems`` lists what was ignored and why."""

    title: str | None = None
    tempo_bpm: float | None = None
    beats_per_bar: int = 4
    sample_rate: int | None = None
    sections: tuple[ManifestSection, ...] = ()
    stems: dict[str, StemEntry] = field(default_factory=dict)
    references: tuple[Path, ...] = ()
    problems: tuple[str, ...] = ()
    found: bool = False


def safe_resolve(path: Path) -> Path:
    """``path`` made absolute with symbolic links followed as far as they go (a loop or a
    name the system refuses leaves it as it is)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


def _inside(folder: Path, candidate: Path) -> bool:
    """``candidate`` names a place in ``folder`` (``..`` cannot climb out; a symbolic link in
    the session is in it, wherever it leads)."""
    return Path(os.path.normpath(candidate)).is_relative_to(os.path.normpath(folder))


def _number(value: object) -> float | None:
    """A finite number, or None (text, true/false, nan and inf are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _given(data: dict[str, object], *keys: str) -> tuple[str, object] | None:
    """The first of ``keys`` that ``data`` holds, with its value."""
    return next(((key, data[key]) for key in keys if key in data), None)


def _read_sections(raw: object, problems: list[str]) -> tuple[ManifestSection, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(
            "mixreview.toml: 'sections' must be a list of [[sections]] tables; sections ignored."
        )
        return ()
    sections: list[ManifestSection] = []
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"mixreview.toml: section {index} is not a table; ignored.")
            continue
        start_s = _number(entry.get("start_s"))
        end_s = _number(entry.get("end_s")) if "end_s" in entry else None
        name = shown(entry.get("name") or f"Section {index}")
        if start_s is None or start_s < 0:
            problems.append(
                f"mixreview.toml: section '{name}' needs start_s as a number of seconds >= 0; "
                "ignored."
            )
            continue
        if end_s is not None and end_s <= start_s:
            problems.append(
                f"mixreview.toml: section '{name}' ends ({end_s:g} s) before it starts "
                f"({start_s:g} s); its end is ignored."
            )
            end_s = None
        sections.append(ManifestSection(name=name, start_s=start_s, end_s=end_s))
    sections.sort(key=lambda s: s.start_s)
    return tuple(sections)


def _read_stems(folder: Path, raw: object, problems: list[str]) -> dict[str, StemEntry]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("mixreview.toml: 'stems' must be a table keyed by file name; ignored.")
        return {}
    stems: dict[str, StemEntry] = {}
    for file, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(f'mixreview.toml: stems."{shown(file)}" is not a table; ignored.')
            continue
        if Path(file).is_absolute() or not _inside(folder, folder / file):
            problems.append(
                f'mixreview.toml: stem "{shown(file)}" is outside the session folder; ignored. '
                "Copy the file into the session folder and name it relative to it."
            )
            continue
        role = entry.get("role")
        if role is not None and role not in ROLES:
            problems.append(
                f"mixreview.toml: stem \"{shown(file)}\" has unknown role '{shown(role)}'; "
                f"use one of: {', '.join(ROLES)}. The role is guessed from the name instead."
            )
            role = None
        name = entry.get("name")
        key = Path(file).as_posix()
        stems[key] = StemEntry(file=key, role=role, name=shown(name) if name else None)
    return stems


def _read_references(folder: Path, raw: object, problems: list[str]) -> tuple[Path, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append("mixreview.toml: 'references' must be a list of file paths; ignored.")
        return ()
    refs: list[Path] = []
    for item in raw:
        path_text = item.get("file") if isinstance(item, dict) else item
        if not isinstance(path_text, str) or not path_text or "\0" in path_text:
            problems.append(
                f"mixreview.toml: reference {shown(repr(item))} is not a file path; ignored."
            )
            continue
        try:
            path = Path(path_text).expanduser()
        except RuntimeError:  # ~user of a user this system does not know
            path = Path(path_text)
        refs.append(path if path.is_absolute() else folder / path)
    return tuple(refs)


def _tempo(data: dict[str, object], problems: list[str]) -> float | None:
    """``tempo_bpm`` (or ``tempo``) when it is a number of beats per minute in range."""
    given = _given(data, "tempo_bpm", "tempo")
    if given is None:
        return None
    key, value = given
    tempo = _number(value)
    if tempo is None or not MIN_TEMPO_BPM <= tempo <= MAX_TEMPO_BPM:
        problems.append(
            f"mixreview.toml: {key} {shown(repr(value))} is not a tempo "
            f"({MIN_TEMPO_BPM}-{MAX_TEMPO_BPM} BPM); ignored."
        )
        return None
    return tempo


def read_manifest(folder: Path) -> Manifest:
    """Parse ``folder/mixreview.toml``; a missing file gives an empty manifest."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return Manifest()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return Manifest(
            problems=(
                f"mixreview.toml has a syntax error ({exc}); it was ignored, so titles, sections "
                "and roles come from the stems. Fix the line named and run again.",
            ),
            found=True,
        )
    except (OSError, UnicodeDecodeError) as exc:
        return Manifest(
            problems=(f"mixreview.toml could not be read ({exc}); it was ignored.",), found=True
        )
    problems: list[str] = []
    tempo = _tempo(data, problems)
    beats = data.get("beats_per_bar", 4)
    if not isinstance(beats, int) or isinstance(beats, bool) or not 1 <= beats <= 32:
        problems.append("mixreview.toml: beats_per_bar must be a whole number 1-32; using 4.")
        beats = 4
    rate = data.get("sample_rate")
    if rate is not None and (
        not isinstance(rate, int) or not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE
    ):
        problems.append(
            f"mixreview.toml: sample_rate {shown(repr(rate))} is not a session rate "
            f"({MIN_SAMPLE_RATE:,}-{MAX_SAMPLE_RATE:,} Hz, a whole number); ignored."
        )
        rate = None
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        problems.append("mixreview.toml: title must be text; ignored.")
        title = None
    return Manifest(
        title=shown(title) if title else None,
        tempo_bpm=tempo,
        beats_per_bar=beats,
        sample_rate=rate,
        sections=_read_sections(data.get("sections"), problems),
        stems=_read_stems(folder, data.get("stems"), problems),
        references=_read_references(folder, data.get("references"), problems),
        problems=tuple(problems),
        found=True,
    )
