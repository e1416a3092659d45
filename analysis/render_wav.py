"""WAV files as the render writes them: samples quantized to the file's grid, a header that is
final from the first byte, a writer that renames only complete files, and the errors of writing."""

from __future__ import annotations

import contextlib
import errno
import os
import struct
from pathlib import Path

import numpy as np

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.printable import shown

SUBTYPES = ("PCM_24", "PCM_16", "FLOAT")
PARTIAL_SUFFIX = ".partial"
WAV_MAX_BYTES = 0xFFFFFFFF - 64


class RenderError(MixreviewError):
    """The render could not be completed (the message says why and what to do)."""


class DiskFullError(RenderError):
    """The disk filled up while writing (ENOSPC or a quota)."""


DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


# -- encoding ----------------------------------------------------------------------------------
_PCM = {"PCM_16": (2, 16, 32768.0), "PCM_24": (3, 24, 8388608.0)}


def bytes_per_sample(subtype: str) -> int:
    return _PCM[subtype][0] if subtype in _PCM else 4


def check_subtype(subtype: str) -> str:
    if subtype not in SUBTYPES:
        raise ValueError(f"unknown sample format {subtype!r}; one of {', '.join(SUBTYPES)}")
    return subtype


def quantize(block: np.ndarray, subtype: str) -> tuple[np.ndarray, int]:
    """The block on the file's grid: integer-valued float32 for PCM (full scale = 2**(bits-1)),
    the float32 samples for FLOAT; and how many samples were clipped to the integer range.
    Non-finite samples become 0."""
    if subtype not in _PCM:
        out = np.asarray(block, dtype=np.float32)
        if not (np.isfinite(out.max()) and np.isfinite(out.min())):
            out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
        return out, 0
    scale = _PCM[subtype][2]
    scaled = np.asarray(block, dtype=np.float32) * np.float32(scale)
    np.rint(scaled, out=scaled)
    hi, lo = scaled.max(), scaled.min()
    if not (np.isfinite(hi) and np.isfinite(lo)):
        np.nan_to_num(scaled, copy=False, nan=0.0, posinf=scale, neginf=-scale)
        hi, lo = scaled.max(), scaled.min()
    clipped = 0
    if hi > scale - 1 or lo < -scale:
        clipped = int(np.count_nonzero(scaled > scale - 1) + np.count_nonzero(scaled < -scale))
        np.clip(scaled, -scale, scale - 1, out=scaled)
    return scaled, clipped


def values_of(quantized: np.ndarray, subtype: str) -> np.ndarray:
    """The samples a reader gets back from the file (float32, full scale 1.0)."""
    if subtype not in _PCM:
        return quantized
    return quantized * np.float32(1.0 / _PCM[subtype][2])


def to_bytes(quantized: np.ndarray, subtype: str) -> np.ndarray:
    """Little-endian sample bytes of a quantized block, interleaved."""
    if subtype not in _PCM:
        return np.ascontiguousarray(quantized, dtype="<f4")
    ints = quantized.astype("<i4").reshape(-1)
    if subtype == "PCM_16":
        return ints.astype("<i2")
    raw = ints.view(np.uint8).reshape(-1, 4)
    out = np.empty((len(raw), 3), np.uint8)
    out[:, 0] = raw[:, 0]  # column copies are 2.5x faster than a strided slice copy
    out[:, 1] = raw[:, 1]
    out[:, 2] = raw[:, 2]
    return out


def wav_header(sample_rate: int, channels: int, frames: int, subtype: str) -> bytes:
    """A canonical RIFF/WAVE header for a file whose length is known in advance."""
    width = bytes_per_sample(subtype)
    align = channels * width
    data_bytes = frames * align
    if subtype in _PCM:
        fmt = struct.pack(
            "<HHIIHH", 1, channels, sample_rate, sample_rate * align, align, _PCM[subtype][1]
        )
        fact = b""
    else:
        fmt = struct.pack("<HHIIHHH", 3, channels, sample_rate, sample_rate * align, align, 32, 0)
        fact = b"fact" + struct.pack("<II", 4, frames)
    riff_bytes = 4 + 8 + len(fmt) + len(fact) + 8 + data_bytes + data_bytes % 2
    if riff_bytes > WAV_MAX_BYTES:
        raise RenderError(
            f"{frames / sample_rate / 3600:.1f} hours of audio does not fit in a WAV file "
            "(4 GB): render fewer versions at a time or a shorter session."
        )
    return (
        b"RIFF" + struct.pack("<I", riff_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + fact + b"data" + struct.pack("<I", data_bytes)
    )  # fmt: skip


class WavWriter:
    """Writes ``path`` block by block as ``path.partial``; ``close`` syncs and renames it.

    The length is fixed up front (the header is final from the first byte); ``close`` refuses a
    file with fewer frames than announced, ``abort`` removes the partial file.
    """

    def __init__(self, path: Path, sample_rate: int, frames: int, subtype: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + PARTIAL_SUFFIX)
        self.subtype = check_subtype(subtype)
        self.frames = frames
        self.frames_written = 0
        self.clipped = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        header = wav_header(sample_rate, 2, frames, subtype)
        self._handle = open(self.partial, "xb")  # noqa: SIM115 (closed in close/abort)
        try:
            self._handle.write(header)
        except BaseException:
            self.abort()
            raise

    def write(self, quantized: np.ndarray, clipped: int = 0) -> None:
        """Append a quantized (frames, 2) block (see :func:`quantize`)."""
        self._handle.write(to_bytes(quantized, self.subtype).data.cast("B"))
        self.frames_written += len(quantized)
        self.clipped += clipped

    def close(self) -> None:
        if self.frames_written != self.frames:
            self.abort()
            raise RenderError(
                f"{self.path.name}: {self.frames_written} frames written of {self.frames}"
            )
        if (self.frames * 2 * bytes_per_sample(self.subtype)) % 2:
            self._handle.write(b"\0")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        self.partial.unlink(missing_ok=True)


def disk_error(exc: OSError, folder: Path) -> RenderError:
    """A message that says what happened to the disk and what to do."""
    where = exc.filename or folder
    if exc.errno in DISK_FULL_ERRNOS:
        return DiskFullError(
            f"the disk is full (writing {shown(where)}). Nothing was kept from this render; free "
            "some space or choose a folder on another disk, and render again.",
            cli_hint="--out DIR chooses the folder.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RenderError(
            f"cannot write {shown(where)}: {exc.strerror}. Choose a folder you can write to.",
            cli_hint="--out DIR chooses the folder.",
        )
    return RenderError(
        f"writing the export failed: {shown(exc)}. Nothing was kept from this render."
    )
