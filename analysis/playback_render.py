"""Two versions of the mix as processing units, and the offline render of them block by block:
the reference the real-time mixer must equal, also used by loudness matching and clips."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from mixreview.analysis.apply import KIND_ORDER, Change, chains_for
from mixreview.analysis.dsp import Chain
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import StemReader

OFFLINE_BLOCK_FRAMES = 16384

# ------------------------------------------------------------------------------- versions ---


def _stem_changes(changes: Sequence[Change], file: str) -> list[Change]:
    """The changes that touch ``file``, in the order ``chains_for`` puts them."""
    mine = [c for c in changes if file in c.stems]
    return sorted(
        mine, key=lambda c: KIND_ORDER.index(c.kind) if c.kind in KIND_ORDER else len(KIND_ORDER)
    )


@dataclass
class Units:
    """Processed signals of one renderer: a stem through one side's chain, or shared by both."""

    stem: np.ndarray  # (U,) stem index of each unit
    chains: list[Chain | None]  # None: the raw stem
    sides: np.ndarray  # (sides, U) float32 1/0: which sides each unit sounds on
    side_units: np.ndarray  # (sides, S) unit index of each stem on each side


def build_units(
    session: Session,
    stems: Sequence[Stem],
    versions: Sequence[Sequence[Change]],
    present: np.ndarray | None = None,
) -> Units:
    """Chains for every version, one unit per distinct (stem, changes) pair. ``present``
    (sides, stems) says which stems sound on which side (default: all everywhere); an absent
    stem has unit -1 on that side.

    Raises ValueError (from the processor factory) when a change has bad parameters.
    """
    chain_sets = [chains_for(v, session) for v in versions]
    unit_stem: list[int] = []
    chains: list[Chain | None] = []
    side_units = np.zeros((len(versions), len(stems)), np.int64)
    for index, stem in enumerate(stems):
        seen: list[tuple[list[Change], int]] = []
        for side, version in enumerate(versions):
            if present is not None and not present[side, index]:
                side_units[side, index] = -1
                continue
            mine = _stem_changes(version, stem.file)
            unit = next((u for other, u in seen if other == mine), None)
            if unit is None:
                unit = len(chains)
                unit_stem.append(index)
                chains.append(chain_sets[side].get(stem.file) if mine else None)
                seen.append((mine, unit))
            side_units[side, index] = unit
    sides = np.zeros((len(versions), len(chains)), np.float32)
    for side in range(len(versions)):
        sides[side, side_units[side][side_units[side] >= 0]] = 1.0
    return Units(np.array(unit_stem, np.int64), chains, sides, side_units)


def reference_source(
    session: Session, versions: Sequence[Sequence[Change]], reference: Stem | None
) -> tuple[list[Stem], list[list[Change]], np.ndarray | None]:
    """Stems, versions and presence for a comparison; with a ``reference``, side B is the
    reference track alone (at its own level) and side A the mix of version A."""
    stems = list(session.mix_stems)
    if reference is None:
        return stems, [list(v) for v in versions], None
    present = np.zeros((2, len(stems) + 1), bool)
    present[0, :-1] = True
    present[1, -1] = True
    return [*stems, reference], [list(versions[0]), list(versions[0])], present


def versions_key(changes: Iterable[Change]) -> str:
    """A stable text key of a list of changes (for caches)."""
    parts = []
    for c in changes:
        params = sorted((k, repr(v)) for k, v in dict(c.params).items())
        parts.append(repr((c.kind, c.stems, params, round(c.amount, 6), c.section_span_s)))
    return "|".join(sorted(parts))


def audible_stems(files: Iterable[str], muted: Iterable[str], soloed: Iterable[str]) -> set[str]:
    """Stems that sound: the soloed ones if any (else all), minus the muted ones (mute wins)."""
    files = list(files)
    soloed_set = set(soloed) & set(files)
    muted_set = set(muted)
    base = soloed_set if soloed_set else set(files)
    return {f for f in base if f not in muted_set}


# ------------------------------------------------------------------------ offline render ---


def render_versions(
    session: Session,
    versions: Sequence[Sequence[Change]],
    start_frame: int,
    frames: int,
    *,
    audible: set[str] | None = None,
    block_frames: int = OFFLINE_BLOCK_FRAMES,
    pause_s: float = 0.0,
    reference: Stem | None = None,
) -> Iterator[tuple[np.ndarray, ...]]:
    """Yield, block by block, the mix of each version over ``[start_frame, start_frame + frames)``.

    This is the offline render the player must equal: fresh chains (``chains_for``) moved to
    ``start_frame``, stems read from there at the session rate, processed, summed in session
    order in float32. ``audible``: the stems to include (default all). Stems whose changes are
    the same in every version are read and processed once. ``pause_s``: sleep after each stem of
    each block, for background work that must leave the audio callback room (the GIL).
    ``reference``: the second side is this reference track instead (see ``reference_source``).
    """
    stems, versions, present = reference_source(session, versions, reference)
    units = build_units(session, stems, versions, present)
    for chain in units.chains:
        if chain is not None:
            chain.reset()
            chain.seek(int(start_frame))
    keep = [
        index
        for index, stem in enumerate(stems)
        if audible is None or stem.file in audible or stem is reference
    ]
    readers: dict[int, StemReader] = {}
    try:
        for index in keep:
            reader = StemReader(stems[index], session.sample_rate)
            reader.seek(int(start_frame))
            readers[index] = reader
        remaining = int(frames)
        while remaining > 0:
            n = min(block_frames, remaining)
            mixes = [np.zeros((n, 2), np.float32) for _ in versions]
            for index in keep:
                raw = readers[index].read(n)
                done: dict[int, np.ndarray] = {}
                for side in range(len(versions)):
                    unit = int(units.side_units[side, index])
                    if unit < 0:
                        continue
                    if unit not in done:
                        chain = units.chains[unit]
                        done[unit] = raw if chain is None else chain.process(raw)
                    mixes[side] += done[unit]
                if pause_s > 0:
                    time.sleep(pause_s)
            remaining -= n
            yield tuple(mixes)
    finally:
        for reader in readers.values():
            reader.close()


def render_mix(
    session: Session,
    changes: Sequence[Change],
    start_frame: int,
    frames: int,
    *,
    audible: set[str] | None = None,
) -> np.ndarray:
    """The offline render of one version over a passage, as one array (for tests and clips)."""
    blocks = [
        b[0] for b in render_versions(session, [changes], start_frame, frames, audible=audible)
    ]
    return np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
