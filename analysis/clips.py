"""The no-audio fallback: the A/B passage as two loudness-matched FLAC clips to play elsewhere.

When nothing can play here (no PortAudio, no output device, an SSH session without forwarded
audio), the user can still compare: both versions of the passage are rendered offline with the
real processors, B is brought to A's loudness (BS.1770 integrated, over the clip itself), both get
short fades and half a second of silence at the end (players and streams cut the last few tens of
milliseconds), and are written as 24-bit FLAC. If the louder clip would peak above -1 dBFS, both
are turned down by the same amount, so the match holds and nothing clips.

Each file is written under a temporary name in the same folder, flushed to disk and renamed, so a
clip is either complete or absent. The result carries a command to fetch the clips to the user's
own machine and play them there.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from mixreview.analysis.apply import Change
from mixreview.analysis.atomic import atomic_write
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import match_offset_db, render_versions
from mixreview.analysis.session import Session, Stem

FADE_MS = 20.0
SILENCE_S = 0.5
MAX_CLIP_S = 60.0
PEAK_CEILING_DBFS = -1.0


@dataclass(frozen=True)
class ClipSet:
    """Two written clips and how to listen to them."""

    path_a: Path
    path_b: Path
    span_s: tuple[float, float]
    offset_db: float  # gain applied to B to match A (0 when matching is off)
    headroom_db: float  # gain applied to both so neither peaks above PEAK_CEILING_DBFS
    loudness_a_lufs: float
    loudness_b_lufs: float
    fetch: str  # e.g. scp user@host:'…/A.flac' user@host:'…/B.flac' .
    play: str  # e.g. play A.flac B.flac

    @property
    def paths(self) -> tuple[Path, Path]:
        return (self.path_a, self.path_b)

    @property
    def command(self) -> str:
        """Fetch, then play, as one line for the user's own terminal."""
        return f"{self.fetch} && {self.play}"


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:40] or "version"


def _fade(data: np.ndarray, fade_frames: int) -> None:
    """Raised-cosine fade in and out, in place."""
    n = min(fade_frames, len(data) // 2)
    if n <= 0:
        return
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)
    data[:n] *= ramp[:, None]
    data[len(data) - n :] *= ramp[::-1, None]


def _write_atomic(path: Path, data: np.ndarray, sample_rate: int) -> None:
    atomic_write(
        path, lambda handle: sf.write(handle, data, sample_rate, format="FLAC", subtype="PCM_24")
    )


def remote_host(environ: Mapping[str, str] | None = None) -> str:
    """How the user's machine can reach this one: ``user@address`` of the SSH connection when
    there is one (its server address), else ``user@hostname``."""
    env = os.environ if environ is None else environ
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = env.get("USER", "")
    parts = env.get("SSH_CONNECTION", "").split()
    host = parts[2] if len(parts) >= 3 else socket.gethostname()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{user}@{host}" if user else host


def fetch_and_play(
    paths: Sequence[Path], environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """Commands to copy the clips to the user's machine and play them there (sox ``play``; or
    ``ffplay -nodisp -autoexit FILE``)."""
    host = remote_host(environ)
    sources = " ".join(shlex.quote(f"{host}:{p.resolve()}") for p in paths)
    fetch = f"scp {sources} ."
    play = "play " + " ".join(shlex.quote(p.name) for p in paths)
    return fetch, play


def write_clips(
    session: Session,
    a: Sequence[Change],
    b: Sequence[Change],
    span_s: tuple[float, float],
    out_dir: Path,
    *,
    label_a: str = "A",
    label_b: str = "B",
    audible: set[str] | None = None,
    match: bool = True,
    fade_ms: float = FADE_MS,
    silence_s: float = SILENCE_S,
    environ: Mapping[str, str] | None = None,
    reference: Stem | None = None,
) -> ClipSet:
    """Render ``span_s`` of both versions and write them as two matched FLAC clips in
    ``out_dir`` (created if missing). Clips are at most MAX_CLIP_S long. With a ``reference``,
    clip B is that track over the same passage (and version ``b`` is not used).

    Raises ValueError for an empty span, OSError when the folder cannot be written.
    """
    rate = session.sample_rate
    start = max(0, round(span_s[0] * rate))
    end = min(session.frames, round(span_s[1] * rate), start + round(MAX_CLIP_S * rate))
    if end <= start:
        raise ValueError(f"nothing to write between {span_s[0]:g} s and {span_s[1]:g} s")
    sides: list[list[np.ndarray]] = [[], []]
    meters = (LoudnessMeter(rate, 2), LoudnessMeter(rate, 2))
    for blocks in render_versions(
        session, [a, b], start, end - start, audible=audible, reference=reference
    ):
        for side, block in enumerate(blocks):
            sides[side].append(block)
            meters[side].update(block)
    clip_a, clip_b = (np.concatenate(parts) for parts in sides)
    loud_a = meters[0].result().integrated_lufs
    loud_b = meters[1].result().integrated_lufs
    offset_db = match_offset_db(loud_a, loud_b) if match else 0.0
    clip_b *= np.float32(10.0 ** (offset_db / 20.0))
    peak = max(float(np.abs(clip_a).max(initial=0.0)), float(np.abs(clip_b).max(initial=0.0)))
    ceiling = 10.0 ** (PEAK_CEILING_DBFS / 20.0)
    headroom_db = 20.0 * np.log10(ceiling / peak) if peak > ceiling else 0.0
    silence = np.zeros((round(silence_s * rate), 2), np.float32)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"ab_{start / rate:06.1f}-{end / rate:06.1f}s"
    paths = (
        out_dir / f"{stem}_A_{_slug(label_a)}.flac",
        out_dir / f"{stem}_B_{_slug(label_b)}.flac",
    )
    for clip, path in zip((clip_a, clip_b), paths, strict=True):
        clip *= np.float32(10.0 ** (headroom_db / 20.0))
        _fade(clip, round(fade_ms / 1000.0 * rate))
        _write_atomic(path, np.concatenate([clip, silence]), rate)
    fetch, play = fetch_and_play(paths, environ)
    return ClipSet(
        paths[0], paths[1], (start / rate, end / rate), offset_db, float(headroom_db),
        loud_a, loud_b, fetch, play,
    )  # fmt: skip
