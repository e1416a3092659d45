"""Fast loudness of A/B passages: K-weighted mixes of a passage kept by what is in them, so a new
pair of versions is measured by rendering only the stems whose processing differs from a kept mix.

BS.1770 loudness is a function of the K-weighted mix, and K-weighting is linear: the K-weighted mix
of a side is the kept K-weighted mix whose stems are nearest to it, minus the renders of the units
(a stem through one chain) it no longer has, plus those of the units it gains. That is the same
signal as a full render to float rounding (about 1e-7 of full scale), with every processor,
compressor included, run for real on every unit rendered. Units that several sides need are
rendered once, and each stem is decoded once per match.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mixreview.analysis.apply import KIND_ORDER, Change, chains_for
from mixreview.analysis.dsp import Chain
from mixreview.analysis.meters.loudness import integrated_from_energy, k_weighting_sos
from mixreview.analysis.playback_render import reference_source
from mixreview.analysis.scipy_calls import sosfilt
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import StemReader

CACHE_LIMIT_MB = 96.0
"""Kept mixes take at most this much: 8 sides of a 30 s passage at 48 kHz (11.5 MB each)."""
FAST_MAX_S = 60.0
"""Longer passages are measured by the streaming render instead: this path holds whole sides."""
RENDER_BLOCK_FRAMES = 32768
"""Frames read and processed per step of a unit (block size never changes the samples)."""
FILTER_SEGMENTS = 10
"""K-weighting and energy run over this many 100 ms segments at a time (bounded temporaries)."""
DECODE_COST = 1.0
"""Planning weights, in units of the time to decode a stem over the passage (measured: a 24-bit
stem decodes in about 14 ms per 30 s, an EQ band runs in 15 ms, a compressor in 32 ms)."""
KIND_COST = {"compressor": 2.2, "eq": 1.0, "unmask": 1.0, "highpass": 1.0, "mono_bass": 1.0}
OTHER_KIND_COST = 0.2
K_WEIGHT_COST = 1.0
"""K-weighting one side of the passage costs about as much as decoding one stem."""

SHORTLIST = 3
"""Kept mixes tried per side when planning (the nearest ones)."""

UnitKey = tuple[str, str]
"""A unit: (stem path, text key of the changes its chain applies, in chain order)."""


@dataclass(frozen=True)
class Unit:
    """A stem through one chain (no changes: the stem as it is)."""

    stem: Stem
    changes: tuple[Change, ...]

    @property
    def cost(self) -> float:
        """Time to run the chain over a passage, in DECODE_COST units."""
        return sum(KIND_COST.get(c.kind, OTHER_KIND_COST) for c in self.changes)


@dataclass(frozen=True, eq=False)
class KeptMix:
    """The K-weighted mix of one side over a passage: float32 (frames, 2), read-only."""

    passage: tuple[int, int]  # (start frame, frames)
    units: frozenset[UnitKey]
    catalogue: dict[UnitKey, Unit]  # how to render each of ``units`` again
    signal: np.ndarray
    energy_100ms: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.signal.nbytes + self.energy_100ms.nbytes


@dataclass(frozen=True)
class Work:
    """What one measurement did: units rendered (processed or raw), stems decoded, sides
    K-weighted, and sides taken as they were kept."""

    units: int = 0
    stems: int = 0
    sides_weighted: int = 0
    sides_kept: int = 0


def _change_key(change: Change) -> str:
    """Everything about a change that its processor depends on, as text."""
    params = sorted((k, repr(v)) for k, v in dict(change.params).items())
    return repr((change.kind, change.stems, params, change.amount, change.section_span_s))


def stem_changes(version: Sequence[Change], file: str) -> tuple[Change, ...]:
    """The changes of ``version`` that touch ``file``, in the order its chain applies them."""
    mine = [c for c in version if file in c.stems]
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return tuple(sorted(mine, key=lambda c: rank.get(c.kind, len(KIND_ORDER))))


def unit_key(stem: Stem, changes: Sequence[Change]) -> UnitKey:
    """The key of a stem through the chain of ``changes`` (already in chain order)."""
    return (str(stem.path), "|".join(_change_key(c) for c in changes))


@dataclass
class _Side:
    """One side to measure: its units, the kept mix it starts from, and what to add to that."""

    units: frozenset[UnitKey]
    base: KeptMix | None = None
    terms: dict[UnitKey, int] = field(default_factory=dict)  # +1 add, -1 remove
    energy_100ms: np.ndarray | None = None


def _terms(base: KeptMix | None, units: frozenset[UnitKey]) -> dict[UnitKey, int]:
    """What to render to go from ``base`` (nothing: silence) to ``units``: +1 add, -1 remove."""
    kept = base.units if base is not None else frozenset()
    terms = dict.fromkeys(units - kept, 1)
    terms.update(dict.fromkeys(kept - units, -1))
    return terms


def segment_bounds(sample_rate: int, frames: int) -> np.ndarray:
    """First frames of the complete 100 ms segments of a passage and the end of the last one, on
    the loudness meter's grid (segment j starts at ``j * rate // 10``)."""
    count = ((frames + 1) * 10 - 1) // sample_rate
    return np.arange(count + 1, dtype=np.int64) * sample_rate // 10


class PassageSums:
    """Measures the loudness of versions over passages from kept K-weighted mixes; thread safe.

    Holds at most ``limit_mb`` of kept mixes (least recently used dropped first). Rendering runs
    outside the lock, so two threads may render at once; kept mixes are never written after they
    are stored.
    """

    def __init__(self, session: Session, limit_mb: float = CACHE_LIMIT_MB) -> None:
        self.session = session
        self.limit_bytes = int(limit_mb * 1e6)
        self._kept: OrderedDict[tuple[tuple[int, int], frozenset[UnitKey]], KeptMix] = OrderedDict()
        self._lock = threading.Lock()
        self._sos = k_weighting_sos(session.sample_rate)

    @property
    def nbytes(self) -> int:
        """Bytes held by the kept mixes."""
        with self._lock:
            return sum(m.nbytes for m in self._kept.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def measure(
        self,
        versions: Sequence[Sequence[Change]],
        start_frame: int,
        frames: int,
        audible: set[str] | None = None,
        reference: Stem | None = None,
        pause_s: float = 0.0,
    ) -> tuple[list[float], Work]:
        """Integrated loudness (LUFS, gated) of each version over ``[start_frame, start_frame +
        frames)``, as ``measure_versions`` renders them (``audible``, ``reference``: see
        ``render_versions``; ``pause_s``: sleep after each block of each stem rendered).

        Raises ValueError (from the processor factory) when a change has bad parameters.
        """
        passage = (int(start_frame), int(frames))
        stems, wanted, catalogue = self._units(versions, audible, reference)
        sides = [_Side(units) for units in dict.fromkeys(wanted)]  # equal sides: measured once
        self._plan(sides, passage, catalogue)
        for side in sides:  # units leaving a kept mix are rendered as it rendered them
            if side.base is not None:
                for key in side.terms.keys() - catalogue.keys():
                    catalogue[key] = side.base.catalogue[key]
        needed = {key for s in sides for key in s.terms}
        weighted = [s for s in sides if s.energy_100ms is None]
        accumulators = {id(s): np.zeros((passage[1], 2), np.float32) for s in weighted}
        order = {str(stem.path): i for i, stem in enumerate(stems)}
        by_stem: dict[str, list[UnitKey]] = {}
        for key in sorted(needed, key=lambda k: (order.get(k[0], len(order)), k)):
            by_stem.setdefault(key[0], []).append(key)
        for keys in by_stem.values():
            targets = [[(accumulators[id(s)], s.terms[k]) for s in weighted if k in s.terms]
                       for k in keys]  # fmt: skip
            self._render_stem([catalogue[k] for k in keys], targets, passage, pause_s)
        found = {}
        for side in sides:
            if side.energy_100ms is None:
                self._weight(side, accumulators.pop(id(side)), passage, catalogue)
            assert side.energy_100ms is not None
            found[side.units] = integrated_from_energy(side.energy_100ms)
        work = Work(len(needed), len(by_stem), len(weighted), len(sides) - len(weighted))
        return [found[units] for units in wanted], work

    def _units(
        self,
        versions: Sequence[Sequence[Change]],
        audible: set[str] | None,
        reference: Stem | None,
    ) -> tuple[list[Stem], list[frozenset[UnitKey]], dict[UnitKey, Unit]]:
        """The stems in play, the units each version sounds (as ``render_versions`` keeps
        them), and each unit by key."""
        stems, versions, present = reference_source(self.session, versions, reference)
        catalogue: dict[UnitKey, Unit] = {}
        wanted = []
        for side, version in enumerate(versions):
            units = set()
            for index, stem in enumerate(stems):
                if present is not None and not present[side, index]:
                    continue
                if audible is not None and stem.file not in audible and stem is not reference:
                    continue
                changes = stem_changes(version, stem.file)
                key = unit_key(stem, changes)
                catalogue.setdefault(key, Unit(stem, changes))
                units.add(key)
            wanted.append(frozenset(units))
        return stems, wanted, catalogue

    # -- planning -----------------------------------------------------------------------------
    def _plan(
        self,
        sides: list[_Side],
        passage: tuple[int, int],
        catalogue: dict[UnitKey, Unit],
    ) -> None:
        """Choose the kept mix each side starts from (or none) for the least rendering: the
        few nearest kept mixes of each side, then the best combination (shared units count once)."""
        with self._lock:
            kept = [m for (p, _), m in self._kept.items() if p == passage]
        shortlists = []
        for side in sides:
            ranked = sorted(kept, key=lambda m: self._price([_terms(m, side.units)], catalogue, m))
            shortlists.append([None, *ranked[:SHORTLIST]])
        best: tuple[float, tuple[KeptMix | None, ...]] | None = None
        for bases in itertools.product(*shortlists):
            terms = [_terms(base, side.units) for side, base in zip(sides, bases, strict=True)]
            cost = self._price(terms, catalogue, *bases)
            cost += K_WEIGHT_COST * sum(1 for t, b in zip(terms, bases, strict=True) if t or not b)
            if best is None or cost < best[0]:
                best = (cost, bases)
        assert best is not None
        for side, base in zip(sides, best[1], strict=True):
            side.base = base
            side.terms = _terms(base, side.units)
            if base is not None and not side.terms:
                side.energy_100ms = base.energy_100ms
                self._touch(base)

    @staticmethod
    def _price(
        terms: Sequence[dict[UnitKey, int]],
        catalogue: dict[UnitKey, Unit],
        *bases: KeptMix | None,
    ) -> float:
        """Rendering cost of the units in ``terms`` (each once), decoding included."""
        needed = {key for side in terms for key in side}
        cost = DECODE_COST * len({key[0] for key in needed})
        for key in needed:
            unit = catalogue.get(key)
            for base in bases:
                if unit is None and base is not None:
                    unit = base.catalogue.get(key)
            cost += unit.cost if unit is not None else 0.0
        return cost

    # -- rendering ----------------------------------------------------------------------------
    def _render_stem(
        self,
        units: list[Unit],
        targets: list[list[tuple[np.ndarray, int]]],
        passage: tuple[int, int],
        pause_s: float,
    ) -> None:
        """Read one stem over the passage once, run each unit's chain on it (fresh, moved to the
        passage start, as ``render_versions`` does) and add or subtract the output where wanted."""
        session = self.session
        start, frames = passage
        chains: list[Chain | None] = []
        for unit in units:
            chain = chains_for(unit.changes, session)[unit.stem.file] if unit.changes else None
            if chain is not None:
                chain.reset()
                chain.seek(start)
            chains.append(chain)
        with StemReader(units[0].stem, session.sample_rate) as reader:
            reader.seek(start)
            for first in range(0, frames, RENDER_BLOCK_FRAMES):
                n = min(RENDER_BLOCK_FRAMES, frames - first)
                raw = reader.read(n)
                for chain, wanted in zip(chains, targets, strict=True):
                    out = raw if chain is None else chain.process(raw)
                    for accumulator, sign in wanted:
                        if sign > 0:
                            accumulator[first : first + n] += out
                        else:
                            accumulator[first : first + n] -= out
                if pause_s > 0:
                    time.sleep(pause_s)

    def _weight(
        self,
        side: _Side,
        accumulator: np.ndarray,
        passage: tuple[int, int],
        catalogue: dict[UnitKey, Unit],
    ) -> None:
        """K-weight the rendered difference of a side, add its kept mix, take the 100 ms
        energies, and keep the result (in place of ``accumulator``)."""
        rate = self.session.sample_rate
        frames = passage[1]
        bounds = segment_bounds(rate, frames)
        edges = [*bounds[::FILTER_SEGMENTS].tolist(), int(bounds[-1]), frames]
        state = np.zeros((self._sos.shape[0], 2), np.complex128)
        sums = np.zeros(len(bounds) - 1)
        base = side.base.signal if side.base is not None else None
        for lo, hi in itertools.pairwise(sorted(set(edges))):
            chunk = accumulator[lo:hi].astype(np.float64)
            packed = chunk.view(np.complex128)[:, 0]  # left + i right: one pass for both
            weighted, state = sosfilt(self._sos, packed, zi=state)
            total = weighted.view(np.float64).reshape(-1, 2)
            if base is not None:
                total += base[lo:hi]
            accumulator[lo:hi] = total
            inside = bounds[(bounds >= lo) & (bounds < hi)]
            if inside.size and hi <= bounds[-1]:
                energy = np.einsum("ij,ij->i", total, total)
                first = int(np.searchsorted(bounds, lo))
                sums[first : first + inside.size] = np.add.reduceat(energy, inside - lo)
        side.energy_100ms = sums / np.diff(bounds) if sums.size else sums
        accumulator.flags.writeable = False
        side.energy_100ms.flags.writeable = False
        # A copy of the changes: the callers' params may change after this, the kept mix may not.
        units = {key: copy.deepcopy(catalogue[key]) for key in side.units}
        self._keep(KeptMix(passage, side.units, units, accumulator, side.energy_100ms))

    # -- the store ----------------------------------------------------------------------------
    def _keep(self, mix: KeptMix) -> None:
        """Store ``mix``, dropping the least recently used ones over the limit."""
        if mix.nbytes > self.limit_bytes:
            return
        with self._lock:
            self._kept[(mix.passage, mix.units)] = mix
            self._kept.move_to_end((mix.passage, mix.units))
            total = sum(m.nbytes for m in self._kept.values())
            while total > self.limit_bytes:
                _, dropped = self._kept.popitem(last=False)
                total -= dropped.nbytes

    def _touch(self, mix: KeptMix) -> None:
        """Mark ``mix`` as just used."""
        with self._lock:
            key = (mix.passage, mix.units)
            if key in self._kept:
                self._kept.move_to_end(key)
