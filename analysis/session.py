"""Find the stems of a session folder and what is known about them before measuring.

A session is a folder of audio files exported from a DAW, plus an optional ``mixreview.toml``.
Loading opens every file read-only to learn its format; nothing here reads the audio itself.
"""

from __future__ import annotations

import errno
import os
import stat as stat_mode
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import soundfile as sf

from mixreview.analysis.errors import SessionError
from mixreview.analysis.manifest import (
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    Manifest,
    read_manifest,
    safe_resolve,
)
from mixreview.analysis.meters.segments import SEGMENT_S, series_step
from mixreview.analysis.printable import shown
from mixreview.analysis.roles import infer_role
from mixreview.analysis.stem_header import promised_frames

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
    everywhere (reports, suggestions, review). ``name`` is for people, with any control character
    spelled out. ``error`` is set when the file cannot be read. ``header_frames`` is what the
    file's header promises when it says (more than ``frames``: the file was cut short);
    ``linked_from`` the file a symbolic link in the session points to outside it.
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
    header_frames: int | None = None
    linked_from: str | None = None

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
    def series_step(self) -> int:
        """100 ms segments per frame of the measured series (more than 1 in a long session)."""
        return series_step(self.frames, self.sample_rate)

    @property
    def frame_s(self) -> float:
        """The length of a frame of the measured series, the grid every rule reads."""
        return SEGMENT_S * self.series_step

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
    exclude = {safe_resolve(p) for p in (exclude or set())}
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
            if path.suffix.lower() in AUDIO_SUFFIXES and safe_resolve(path) not in exclude:
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix().lower())


def _not_a_file(path: Path, exc: OSError) -> str:
    """Why a path in the session cannot be opened as a file, in words."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link that leads back to itself (a loop). Replace it with the file"
    if exc.errno == errno.ENOENT and path.is_symlink():
        target = os.readlink(path)
        return f"a symbolic link to {shown(target)}, which is not there. Copy the file in"
    return f"it cannot be opened ({exc.strerror or exc}). Check the file and its permissions"


def _is_text(name: str) -> bool:
    """True if ``name`` is valid UTF-8 on disk (not bytes Python kept as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _outside(path: Path, folder: Path) -> str | None:
    """The file a symbolic link in the session leads to, when that is outside the session."""
    target = safe_resolve(path)
    return None if target.is_relative_to(safe_resolve(folder)) else str(target)


def _probe(path: Path, folder: Path, manifest: Manifest) -> Stem:
    file = path.relative_to(folder).as_posix()
    entry = manifest.stems.get(file)
    base = path.stem
    role = entry.role if entry and entry.role else infer_role(base)
    role_source = "manifest" if entry and entry.role else "name"
    name = shown(entry.name if entry and entry.name else base)
    common = Stem(path=path, file=file, name=name, role=role, role_source=role_source)
    if not _is_text(file):
        return replace(
            common, error="its name is not UTF-8 text (as the system reads it). Rename the file."
        )
    try:
        stat = path.stat()
    except OSError as exc:
        return replace(common, error=f"{_not_a_file(path, exc)}.")
    common = replace(
        common,
        size_bytes=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        linked_from=_outside(path, folder),
    )
    if not stat_mode.S_ISREG(stat.st_mode):
        return replace(common, error="not a regular file (a pipe or a device). Copy the file in.")
    if stat.st_size == 0:
        return replace(common, error="the file is empty (0 bytes). Export it again from the DAW.")
    try:
        info = sf.info(os.fsencode(path))  # bytes: any name the disk holds
    except (RuntimeError, sf.LibsndfileError, OSError) as exc:
        reason = shown(str(exc).split(":")[-1].strip() or "unknown format")
        return replace(
            common,
            error=(f"not a readable audio file ({reason}). Export it again as WAV, FLAC or AIFF."),
        )
    if not MIN_SAMPLE_RATE <= info.samplerate <= MAX_SAMPLE_RATE:
        return replace(
            common,
            error=(
                f"its header claims a sample rate of {info.samplerate:,} Hz, outside the "
                f"{MIN_SAMPLE_RATE:,}-{MAX_SAMPLE_RATE:,} Hz mixreview reads: the file is damaged "
                "or not audio. Export it again."
            ),
        )
    promised = promised_frames(path)
    return replace(
        common,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
        subtype=str(info.subtype),
        format=str(info.format),
        header_frames=promised if promised is not None and promised > info.frames else None,
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
    title = manifest.title or shown(safe_resolve(path).name)
    return Session(
        path=path,
        title=title,
        sample_rate=sample_rate,
        frames=_session_frames(stems, sample_rate),
        stems=tuple(stems),
        manifest=manifest,
    )


def manifest_mismatches(session: Session) -> list[str]:
    """What mixreview.toml says that this session's stems and length contradict: stem entries
    naming no stem, sections that start after the song ends."""
    files = [s.file for s in session.stems]
    problems = [
        f'mixreview.toml: [stems."{shown(file)}"] names no stem of this session, so its role '
        f"and name are not used (stem files here: {shown(', '.join(files[:3]))}"
        + (f" and {len(files) - 3} more)." if len(files) > 3 else ").")
        for file in session.manifest.stems
        if file not in files
    ]
    problems += [
        f"mixreview.toml: section '{section.name}' starts at {section.start_s:g} s, after the "
        f"end of the song ({session.duration_s:.1f} s); it is not used."
        for section in session.manifest.sections
        if section.start_s >= session.duration_s and session.frames
    ]
    return problems
