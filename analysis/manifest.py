"""Read the optional ``mixreview.toml`` a user writes next to the stems.

Everything in it is optional. Problems never stop the session from loading: they come back as
messages in ``Manifest.problems`` so the report can show them next to the findings.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mixreview.analysis.roles import ROLES

MANIFEST_NAME = "mixreview.toml"


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


def _inside(folder: Path, candidate: Path) -> bool:
    try:
        candidate.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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
        name = str(entry.get("name") or f"Section {index}")
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
            problems.append(f'mixreview.toml: stems."{file}" is not a table; ignored.')
            continue
        if Path(file).is_absolute() or not _inside(folder, folder / file):
            problems.append(
                f'mixreview.toml: stem "{file}" is outside the session folder; ignored. '
                "Copy the file into the session folder and name it relative to it."
            )
            continue
        role = entry.get("role")
        if role is not None and role not in ROLES:
            problems.append(
                f"mixreview.toml: stem \"{file}\" has unknown role '{role}'; "
                f"use one of: {', '.join(ROLES)}. The role is guessed from the name instead."
            )
            role = None
        name = entry.get("name")
        key = Path(file).as_posix()
        stems[key] = StemEntry(file=key, role=role, name=str(name) if name else None)
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
        if not isinstance(path_text, str):
            problems.append(f"mixreview.toml: reference {item!r} is not a file path; ignored.")
            continue
        path = Path(path_text).expanduser()
        refs.append(path if path.is_absolute() else folder / path)
    return tuple(refs)


def read_manifest(folder: Path) -> Manifest:
    """Parse ``folder/mixreview.toml``; a missing file gives an empty manifest."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return Manifest()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
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
    tempo = _number(data.get("tempo_bpm", data.get("tempo")))
    if tempo is not None and not 20 <= tempo <= 400:
        problems.append(f"mixreview.toml: tempo {tempo:g} BPM is out of range 20-400; ignored.")
        tempo = None
    beats = data.get("beats_per_bar", 4)
    if not isinstance(beats, int) or isinstance(beats, bool) or not 1 <= beats <= 32:
        problems.append("mixreview.toml: beats_per_bar must be a whole number 1-32; using 4.")
        beats = 4
    rate = data.get("sample_rate")
    if rate is not None and (not isinstance(rate, int) or not 8000 <= rate <= 768000):
        problems.append(f"mixreview.toml: sample_rate {rate!r} is not a valid rate; ignored.")
        rate = None
    title = data.get("title")
    return Manifest(
        title=str(title) if title else None,
        tempo_bpm=tempo,
        beats_per_bar=beats,
        sample_rate=rate,
        sections=_read_sections(data.get("sections"), problems),
        stems=_read_stems(folder, data.get("stems"), problems),
        references=_read_references(folder, data.get("references"), problems),
        problems=tuple(problems),
        found=True,
    )
