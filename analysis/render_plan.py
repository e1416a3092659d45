"""What a render makes and how its work is shared: the versions and file names, the stems split
into two groups of similar processing cost, and whether a second process is worth starting."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from mixreview.analysis.apply import KIND_ORDER, Change, chains_for
from mixreview.analysis.render_wav import RenderError
from mixreview.analysis.session import Session, Stem

VERSIONS = ("chosen", "original", "assistant", "manual")
MIX_NAMES = {version: f"mix_{version}.wav" for version in VERSIONS}
VERSION_WORDS = {
    "chosen": "your decisions",
    "original": "the stems at unity",
    "assistant": "every suggestion at full strength",
    "manual": "your own changes alone",
}
"""What each mix holds, in a few words (the command's summary and the app's export screen)."""
BRANCHES = ("assistant", "manual")
"""Versions processed from the stems through chains of their own: each shares the chosen chain's
first changes where they are the same and continues from there."""
STEMS_DIR = "stems"
GROUPS = 2
PARALLEL_MIN_S = 2.0
PARALLEL_MIN_THREADED_S = 6.0
"""Estimated single-process render time below which a worker process costs more than it saves."""


def stem_output_names(stems: Sequence[Stem]) -> dict[str, str]:
    """Source file -> its processed copy in the export, ``stems/<name>.wav``.

    Subfolders are kept. When two stems would get the same name (``Bass.wav`` and ``Bass.flac``,
    or names that differ only in case) the ``.wav`` one keeps it and the others carry their
    extension (``Bass-flac.wav``).
    """
    plain = {s.file: PurePosixPath(s.file).with_suffix(".wav").as_posix() for s in stems}
    taken: dict[str, list[str]] = {}
    for file, name in plain.items():
        taken.setdefault(name.lower(), []).append(file)
    names: dict[str, str] = {}
    used: set[str] = set()
    for file, name in plain.items():
        group = taken[name.lower()]
        keeper = next((f for f in group if f.lower().endswith(".wav")), group[0])
        if len(group) > 1 and file != keeper:
            path = PurePosixPath(file)
            name = path.with_name(f"{path.stem}-{path.suffix.lstrip('.').lower()}.wav").as_posix()
        candidate, number = name, 2
        while candidate.lower() in used:
            candidate = f"{name[:-4]}-{number}.wav"
            number += 1
        used.add(candidate.lower())
        names[file] = f"{STEMS_DIR}/{candidate}"
    return names


def _per_stem(changes: Sequence[Change], file: str) -> list[Change]:
    return [c for c in changes if file in c.stems]


def _strip_order(changes: Sequence[Change], file: str) -> list[Change]:
    """A stem's changes in channel-strip order, as :func:`analysis.apply.chains_for` runs them."""
    rank = {kind: index for index, kind in enumerate(KIND_ORDER)}
    return sorted(_per_stem(changes, file), key=lambda c: rank.get(c.kind, len(KIND_ORDER)))


# Processing cost in milliseconds per second of stereo audio at 48 kHz (measured on one core).
STEM_COST_MS = 0.7  # read, quantize and write the processed stem, add into four sums
KIND_COST_MS = {
    "compressor": 1.9, "eq": 0.8, "unmask": 1.2, "highpass": 1.2, "lowpass": 1.2,
    "mono_bass": 1.4, "section_gain": 0.3, "width": 0.25, "pan": 0.25, "polarity": 0.1,
}  # fmt: skip
EQ_BAND_COST_MS = 0.4
SCOPE_COST_MS = 0.3  # a change confined to a section: crossfade curves on top
MIXES_COST_MS = 23.3  # the four mixes: meters, quantize, write (done by the parent: group 0)


def _cost(changes: Sequence[Change]) -> float:
    """Estimated processing cost of a run of changes (ms per second of audio)."""
    total = 0.0
    for change in changes:
        total += KIND_COST_MS.get(change.kind, 0.05)
        if change.kind == "eq":
            total += EQ_BAND_COST_MS * len(change.params.get("bands") or [change.params])
        if change.section_span_s is not None:
            total += SCOPE_COST_MS
    return total


def common_prefix(a: Sequence[Change], b: Sequence[Change]) -> int:
    """How many changes two chains share from their start (run once for both)."""
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    return common


def stem_costs(stems: Sequence[Stem], changes: Mapping[str, Sequence[Change]]) -> list[float]:
    """Estimated cost of each stem (ms per second of audio): read, process every version, write."""
    costs = []
    for stem in stems:
        chosen = _strip_order(changes.get("chosen", ()), stem.file)
        cost = STEM_COST_MS + _cost(chosen)
        for version in BRANCHES:
            branch = _strip_order(changes.get(version, ()), stem.file)
            cost += _cost(branch[common_prefix(chosen, branch) :])
        costs.append(cost)
    return costs


def stem_groups(
    stems: Sequence[Stem], changes: Mapping[str, Sequence[Change]], groups: int = GROUPS
) -> list[list[int]]:
    """Split stem indices into ``groups`` fixed groups of similar processing cost; group 0 is
    rendered by the process that also writes and meters the mixes, and gets less.

    Depends only on the stems and the changes (never on the number of workers or the options),
    so the sums, and with them the mixes, are the same bytes however the work is spread.
    """
    costs = stem_costs(stems, changes)
    order = sorted(range(len(stems)), key=lambda i: (-costs[i], i))
    loads = [MIXES_COST_MS] + [0.0] * (groups - 1)
    members: list[list[int]] = [[] for _ in range(groups)]
    for index in order:
        target = min(range(groups), key=lambda g: (loads[g], g))
        loads[target] += costs[index]
        members[target].append(index)
    return [sorted(m) for m in members]


def default_workers(session: Session, changes: Mapping[str, Sequence[Change]]) -> int:
    """Two processes when the estimated work is worth starting one (on a machine with two
    cores). Starting a worker costs ~0.1 s with fork and ~0.8 s with forkserver (used when this
    process runs threads, as the app does)."""
    if (os.cpu_count() or 1) < 2:
        return 1
    cost_ms = MIXES_COST_MS + sum(stem_costs(session.mix_stems, changes))
    estimated_s = cost_ms * session.duration_s / 1000.0
    threads = threading.active_count() > 1
    return GROUPS if estimated_s > (PARALLEL_MIN_THREADED_S if threads else PARALLEL_MIN_S) else 1


def validate_changes(changes: Mapping[str, Sequence[Change]], session: Session) -> None:
    """Build every chain once: a change that cannot be rendered fails here, before any file."""
    for version, version_changes in changes.items():
        try:
            chains_for(version_changes, session)
        except ValueError as exc:
            raise RenderError(
                f"a change in the {version} version cannot be rendered: {exc}. "
                "Fix or remove it in the review (the app shows it) and render again."
            ) from None
