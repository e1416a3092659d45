"""How many frames a WAV, RF64, Wave64 or AIFF header promises: a file cut short (an
interrupted export or copy) holds fewer.

libsndfile counts the frames that are there, so a WAV cut in half reads as a stem half as long,
which looks like an export of the wrong length rather than a damaged file. Reading the sizes the
header was written with tells the two apart. Only the first chunks are read; anything unusual
(unknown sizes, streaming headers, other formats) gives None: no claim.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

MAX_CHUNKS = 64
UNKNOWN_SIZES = (0, 0xFFFFFFFF)
W64_RIFF = b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00"


def _riff(handle: BinaryIO, size: int) -> int | None:
    """Frames promised by a RIFF/WAVE or RF64 file (``handle`` after the 12-byte header)."""
    pos, block_align, data_size = 12, 0, None
    for _ in range(MAX_CHUNKS):
        handle.seek(pos)
        head = handle.read(8)
        if len(head) < 8:
            break
        chunk, length = head[:4], struct.unpack("<I", head[4:])[0]
        body = handle.read(min(length, 28))
        if chunk == b"ds64" and len(body) >= 16:
            data_size = struct.unpack("<Q", body[8:16])[0]
        elif chunk == b"fmt " and len(body) >= 14:
            block_align = struct.unpack("<H", body[12:14])[0]
        elif chunk == b"data":
            if length not in UNKNOWN_SIZES:
                data_size = length
            break
        pos += 8 + length + (length & 1)
        if pos >= size:
            break
    if not block_align or not data_size:
        return None
    return data_size // block_align


def _wave64(handle: BinaryIO, size: int) -> int | None:
    """Frames promised by a Sony Wave64 file (16-byte GUIDs, 64-bit sizes with the header)."""
    pos, block_align = 40, 0
    for _ in range(MAX_CHUNKS):
        handle.seek(pos)
        head = handle.read(24)
        if len(head) < 24:
            break
        chunk, length = head[:4], struct.unpack("<Q", head[16:24])[0]
        if chunk == b"fmt ":
            body = handle.read(14)
            if len(body) >= 14:
                block_align = struct.unpack("<H", body[12:14])[0]
        elif chunk == b"data":
            return (length - 24) // block_align if block_align and length > 24 else None
        if length < 24:
            break
        pos += (length + 7) // 8 * 8
        if pos >= size:
            break
    return None


def _aiff(handle: BinaryIO, size: int) -> int | None:
    """Frames promised by an AIFF or AIFF-C file (the COMM chunk's frame count)."""
    pos = 12
    for _ in range(MAX_CHUNKS):
        handle.seek(pos)
        head = handle.read(8)
        if len(head) < 8:
            break
        chunk, length = head[:4], struct.unpack(">I", head[4:])[0]
        if chunk == b"COMM":
            body = handle.read(6)
            return struct.unpack(">I", body[2:6])[0] if len(body) == 6 else None
        pos += 8 + length + (length & 1)
        if pos >= size:
            break
    return None


def promised_frames(path: Path) -> int | None:
    """The frame count the header of ``path`` promises, or None if it makes no usable claim."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            head = handle.read(16)
            if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
                return _riff(handle, size)
            if head == W64_RIFF:
                return _wave64(handle, size)
            if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
                return _aiff(handle, size)
    except (OSError, struct.error):
        return None
    return None
