"""Find the stems of a session folder and what is known about them before measuring.

A session is a folder of audio files exported from a DAW, plus an optional ``mixreview.toml``.
Loading opens every file read-only to learn its format; nothing here reads the audio itself.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import soundfile as sf

from mixreview.analysis.errors import SessionError
from mixreview.analysis.manifest import Manifest, read_manifest
from mixreview.analysis.roles import infer_role

AUDIO_SUFFIXES = frozenset(
    {".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc", ".w64", ".rf64", ".caf"}
)
APP_DIR = ".mixreview"
SKIP_DIR_PREFIXES = ("mixreview-export",)
MAX_DEPTH = 2
MAX_CHANNELS = 2


@dataclass(frozen=True)
class Stem:
    """One audio file of the session with its format facts.

    ``file`` is the path relative to the session folder (POSIX separators); it identifies the stem
    everywhere (reports, suggestions, review). ``error`` is set when the file cannot be read.
    """

    path: Path
    file: str
    name: str
    role: str
    role_source: str
    sample_rate: int = 0
    channels: int = 0
    frames: int = 0
    subtype: str = ""
    format: str = ""
    size_bytes: int = 0
    mtime_ns: int = 0
    error: str | None = None

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def readable(self) -> bool:
        return self.error is None

    @property
    def mixable(self) -> bool:
        """Readable, with audio in it and a channel layout the mix can take (mono or stereo)."""
        return self.readable and self.frames > 0 and 1 <= self.channels <= MAX_CHANNELS


@dataclass(frozen=True)
class Session:
    """A folder of stems and what the manifest says about it."""

    path: Path
    title: str
    sample_rate: int
    frames: int
    stems: tuple[Stem, ...]
    manifest: Manifest

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def mix_stems(self) -> tuple[Stem, ...]:
        return tuple(s for s in self.stems if s.mixable)

    def stem(self, file: str) -> Stem:
        for stem in self.stems:
            if stem.file == file:
                return stem
        raise KeyError(file)


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name.startswith(SKIP_DIR_PREFIXES) or name == "__pycache__"


def find_audio_files(folder: Path, exclude: set[Path] | None = None) -> list[Path]:
    """Audio files below ``folder`` (two levels deep), sorted, skipping the app's own folders."""
    exclude = {p.resolve() for p in (exclude or set())}
    found: list[Path] = []
    root_depth = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(d))
        if len(here.parts) - root_depth >= MAX_DEPTH:
            dirnames[:] = []
        for filename in filenames:
            path = here / filename
            if filename.startswith("."):
                continue
            if path.suffix.lower() in AUDIO_SUFFIXES and path.resolve() not in exclude:
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix().lower())


def _probe(path: Path, folder: Path, manifest: Manifest) -> Stem:
    file = path.relative_to(folder).as_posix()
    entry = manifest.stems.get(file)
    base = path.stem
    role = entry.role if entry and entry.role else infer_role(base)
    role_source = "manifest" if entry and entry.role else "name"
    name = entry.name if entry and entry.name else base
    stat = path.stat()
    common = Stem(
        path=path,
        file=file,
        name=name,
        role=role,
        role_source=role_source,
        size_bytes=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
    )
    if stat.st_size == 0:
        return replace(common, error="the file is empty (0 bytes). Export it again from the DAW.")
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError, OSError) as exc:
        reason = str(exc).split(":")[-1].strip() or "unknown format"
        return replace(
            common,
            error=(f"not a readable audio file ({reason}). Export it again as WAV, FLAC or AIFF."),
        )
    return replace(
        common,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
        subtype=str(info.subtype),
        format=str(info.format),
    )


def _session_rate(stems: list[Stem], manifest: Manifest) -> int:
    if manifest.sample_rate:
        return manifest.sample_rate
    rates = Counter(s.sample_rate for s in stems if s.mixable)
    if not rates:
        return 48000
    best = max(rates.values())
    return max(rate for rate, count in rates.items() if count == best)


def _session_frames(stems: list[Stem], sample_rate: int) -> int:
    lengths = [round(s.duration_s * sample_rate) for s in stems if s.mixable]
    return max(lengths, default=0)


def load_session(folder: str | os.PathLike[str]) -> Session:
    """Discover the stems in ``folder`` and read the manifest. Raises SessionError if unusable."""
    path = Path(folder).expanduser()
    if not path.exists():
        raise SessionError(f"{path} does not exist. Give the folder that holds the stems.")
    if not path.is_dir():
        raise SessionError(
            f"{path} is a file, not a folder. Give the folder that holds the stems "
            f"(for this file: {path.parent})."
        )
    manifest = read_manifest(path)
    try:
        files = find_audio_files(path, exclude=set(manifest.references))
    except PermissionError as exc:
        raise SessionError(f"cannot read {path}: {exc.strerror}. Check its permissions.") from exc
    if not files:
        raise SessionError(
            f"no audio files in {path}. mixreview reads stems as WAV, FLAC or AIFF files "
            "in the folder (or one level of subfolders): export the stems there and run again."
        )
    stems = [_probe(f, path, manifest) for f in files]
    sample_rate = _session_rate(stems, manifest)
    title = manifest.title or path.resolve().name
    return Session(
        path=path,
        title=title,
        sample_rate=sample_rate,
        frames=_session_frames(stems, sample_rate),
        stems=tuple(stems),
        manifest=manifest,
    )
