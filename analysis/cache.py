"""On-disk cache of measurements, keyed by a file's content signature and the analyser version.

Re-running on unchanged stems skips the audio pass. Entries are ``.npz`` files (arrays plus a JSON
header, no pickle), written atomically; a damaged entry is ignored and measured again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import types
import typing
from pathlib import Path
from typing import Any

import numpy as np

from mixreview.analysis.atomic import atomic_write


def _analyser_version() -> str:
    """A digest of the measuring code, so any change to a meter invalidates the cache."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for source in sorted(
        [
            *(root / "meters").glob("*.py"),
            root / "measure.py",
            root / "stem_reader.py",
            root / "resample.py",
        ]
    ):
        digest.update(os.fsencode(source.name) + b"\0" + source.read_bytes())
    return digest.hexdigest()


ANALYSER_VERSION = _analyser_version()
_SAMPLE_BYTES = 262144


def file_signature(path: Path) -> str:
    """Size, modification time and hashes of the start, middle and end of the file.

    Reading a whole 70 MB stem to hash it would cost a tenth of the analysis; a change of the
    audio touches at least the size, the time or the sampled regions in practice.
    """
    stat = path.stat()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    with path.open("rb") as handle:
        for offset in (
            0,
            max(stat.st_size // 2 - _SAMPLE_BYTES // 2, 0),
            max(stat.st_size - _SAMPLE_BYTES, 0),
        ):
            handle.seek(offset)
            digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()


def cache_key(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(ANALYSER_VERSION.encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    if obj is None:
        meta[prefix] = None
        return
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        key = f"{prefix}.{field.name}" if prefix else field.name
        if dataclasses.is_dataclass(value):
            _flatten(value, key, arrays, meta)
        elif isinstance(value, np.ndarray):
            arrays[key] = value
        elif value is None:
            meta[key] = None
        elif isinstance(value, tuple):
            meta[key] = [float(v) if isinstance(v, np.floating) else v for v in value]
        elif isinstance(value, np.generic):
            meta[key] = value.item()
        else:
            meta[key] = value


def _dataclass_type(hint: Any) -> type | None:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if isinstance(arg, type) and dataclasses.is_dataclass(arg):
                return arg
    return None


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, type | None], ...]:
    """Each field of a dataclass and the dataclass it holds, if any (resolving the annotations
    costs more than reading an entry: done once per class)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _dataclass_type(hints[f.name])) for f in dataclasses.fields(cls))


def _rebuild(cls: type, prefix: str, arrays: Any, meta: dict[str, Any]) -> Any:
    if prefix in meta and meta[prefix] is None:
        return None
    values: dict[str, Any] = {}
    for name, nested in _fields(cls):
        key = f"{prefix}.{name}" if prefix else name
        if nested is not None:
            values[name] = _rebuild(nested, key, arrays, meta)
        elif key in arrays:
            values[name] = np.array(arrays[key])
        elif key in meta:
            raw = meta[key]
            values[name] = tuple(raw) if isinstance(raw, list) else raw
    return cls(**values)


def save(obj: Any, path: Path) -> None:
    """Write a dataclass tree to ``path`` atomically (temp file, fsync, rename)."""
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {}
    _flatten(obj, "", arrays, meta)
    atomic_write(
        path,
        lambda handle: np.savez(
            handle, allow_pickle=True, __meta__=np.array(json.dumps(meta)), **arrays
        ),
    )


def load(cls: type, path: Path) -> Any | None:
    """Read a dataclass tree written by ``save``; None if missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            arrays = {k: data[k] for k in data.files if k != "__meta__"}
        return _rebuild(cls, "", arrays, meta)
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None
