"""Measurements of processed stems, kept in the session's cache.

The live model measures a stem again when a decision processes it in a way the series cannot
predict (a compressor, a pan): a second or more for a 4-minute stem. Kept on disk, reopening a
review half done reads them instead of measuring every such stem again before the review shows.

An entry is keyed by the stem file's signature, the session's rate, length and series step, the
changes, and a digest of the processing and measuring code. Each stem keeps its latest
``KEEP_PER_STEM`` entries (trying amounts one after the other would otherwise fill the disk).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from mixreview.analysis import cache
from mixreview.analysis.apply import Change
from mixreview.analysis.measure import Measurement
from mixreview.analysis.predict import measure_processed_stem, signature
from mixreview.analysis.session import Session, Stem

KEEP_PER_STEM = 4
PREFIX = "processed-"


@functools.cache
def processing_version() -> str:
    """A digest of the code between a stem file and its processed measurement (the measuring
    code is in every cache key already)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for source in sorted([*(root / "dsp").glob("*.py"), root / "apply.py", root / "predict.py"]):
        digest.update(os.fsencode(source.name) + b"\0" + source.read_bytes())
    return digest.hexdigest()


def processed_path(folder: Path, session: Session, stem: Stem, changes: Sequence[Change]) -> Path:
    """Where the measurement of ``stem`` after ``changes`` is kept (raises OSError when the
    stem file cannot be read)."""
    stem_key = cache.cache_key(
        "processed", cache.file_signature(stem.path), str(session.sample_rate),
        str(session.frames), str(session.series_step),
    )[:20]  # fmt: skip
    change_key = cache.cache_key(processing_version(), signature(changes))[:20]
    return folder / f"{PREFIX}{stem_key}-{change_key}.npz"


def measure_processed(
    session: Session, stem: Stem, changes: Sequence[Change], folder: Path | None
) -> tuple[Measurement, bool]:
    """The measurement of ``stem`` after ``changes``, and whether it was measured now (False:
    read from ``folder``). With ``folder`` None it is measured and nothing is kept."""
    path: Path | None = None
    if folder is not None:
        with contextlib.suppress(OSError):
            path = processed_path(folder, session, stem, changes)
    if path is not None and path.exists():
        kept = cache.load(Measurement, path)
        if kept is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: the last to go
            return kept, False
    measurement = measure_processed_stem(session, stem, changes)
    if path is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            cache.save(measurement, path)
            _prune(path)
    return measurement, True


def _prune(path: Path) -> None:
    """Keep the stem's ``KEEP_PER_STEM`` most recently used entries."""
    stem_key = path.name.removeprefix(PREFIX).split("-")[0]
    entries = []
    for entry in path.parent.glob(f"{PREFIX}{stem_key}-*.npz"):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime_ns, entry))
    entries.sort(reverse=True)
    for _, old in entries[KEEP_PER_STEM:]:
        with contextlib.suppress(OSError):
            old.unlink()
