"""The real-time mixer: stems streamed from disk, processed as two versions, mixed block by block.

``Mixer.next_block(frames)`` is all an audio callback calls. It returns the next block for the
transport state (position, loop, mute and solo, the audible side A or B, the loudness-match gain),
with short crossfades wherever the signal would otherwise jump. Nothing here touches a sound card,
so tests drive it like a callback would.

How the work is laid out (the callback must finish well inside a block):

- Both versions are rendered all the time, so an A/B switch is only a change of weights at the next
  block. A stem whose changes are the same on both sides is processed once ("unit" shared by A
  and B); a stem without changes is not processed at all.
- Stems are read and processed in chunks of ``chunk_frames`` (8 blocks by default: per-call costs
  of numpy and scipy are paid an eighth as often). The chunk after the one playing is rendered a
  few units at a time, spread over the blocks of the playing chunk, so every callback does about
  the same work.
- The raw stems of the chunks to come are read by a thread (``_ReadAhead``), a few chunks ahead:
  disk and decoding never happen in the callback.
- Processed units are summed per side with one matrix product at output time, so mute and solo
  (gains per stem, ramped) answer at the next block too.
- A seek, a new loop that the planned audio does not follow, or a new pair of versions builds a
  new ``_Renderer`` (files opened, chains built, first chunk rendered) in the caller's thread; the
  callback then crossfades from the old renderer to the new one.
- The loop wraps inside a renderer: the chunk that ends at the loop end is rendered ``crossfade``
  frames further, the chains then jump back, and the output crossfades the run-on into the loop
  start (equal power).

Crossfade shapes: the A/B switch and a restart at the same place (new versions) join two almost
identical signals, so they fade with equal gain (1 - t, t): an equal-power fade would lift the
level by up to 3 dB halfway. Seeks and loop wraps join unrelated audio and fade with equal power
(cos, sin). Play and pause fade in and out with a raised cosine.

The offline render of the same thing is ``render_versions``: the tests compare the two, the
loudness matcher and the clip writer use it.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from mixreview.analysis.apply import KIND_ORDER, Change, chains_for
from mixreview.analysis.dsp import Chain
from mixreview.analysis.meters.loudness import LoudnessMeter, k_weighting_sos
from mixreview.analysis.sections import manifest_sections
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import StemReader

DEFAULT_BLOCK_FRAMES = 1024
DEFAULT_CHUNK_FRAMES = 8192
CROSSFADE_MS = 15.0
MIN_LOOP_S = 0.25
MATCH_LIMIT_DB = 20.0
"""A loudness-match offset is never larger than this (a side that is nearly silent)."""
PASSAGE_WINDOW_S = 15.0
"""Without a loop or a section, loudness is matched over this window of the grid around the
playhead (0-15 s, 15-30 s, ...)."""
MAX_PASSAGE_S = 30.0
"""Sections longer than this are matched in windows of PASSAGE_WINDOW_S inside them."""
METER_WINDOW_S = 3.0
PEAK_FALL_DB_PER_S = 24.0
OFFLINE_BLOCK_FRAMES = 16384
READ_PAUSE_S = 0.0005
"""The read-ahead thread sleeps this long after each stem: its work (decoding, numpy) comes in
short bursts the audio callback never waits long behind (the GIL), spread over the chunk."""
READ_DELAY_S = 0.03
"""When it is ahead, the read-ahead thread waits this long before reading the next chunk: the
callback's busiest blocks are right after a chunk changes (a slot in the queue frees then)."""
READ_NICE = 10
"""The read-ahead thread runs at a lower priority than the audio callback's thread."""
HISTORY_BLOCKS = 256  # blocks of output remembered for the heard position (5 s at 1024)
SIDES = ("A", "B")


# ------------------------------------------------------------------------------- versions ---


def _stem_changes(changes: Sequence[Change], file: str) -> list[Change]:
    """The changes that touch ``file``, in the order ``chains_for`` puts them."""
    mine = [c for c in changes if file in c.stems]
    return sorted(
        mine, key=lambda c: KIND_ORDER.index(c.kind) if c.kind in KIND_ORDER else len(KIND_ORDER)
    )


@dataclass
class _Units:
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
) -> _Units:
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
    return _Units(np.array(unit_stem, np.int64), chains, sides, side_units)


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


# ---------------------------------------------------------------------- loudness matching ---


@dataclass(frozen=True)
class Match:
    """Loudness of the two sides over a passage and the gain that brings B to A."""

    offset_db: float
    loudness_a_lufs: float
    loudness_b_lufs: float
    span_s: tuple[float, float]


def match_offset_db(loudness_a: float, loudness_b: float) -> float:
    """Gain for B so that it reads as loud as A (0 when either cannot be measured)."""
    if not (math.isfinite(loudness_a) and math.isfinite(loudness_b)):
        return 0.0
    return float(np.clip(loudness_a - loudness_b, -MATCH_LIMIT_DB, MATCH_LIMIT_DB))


def measure_versions(
    session: Session,
    a: Sequence[Change],
    b: Sequence[Change],
    span_s: tuple[float, float],
    audible: set[str] | None = None,
    pause_s: float = 0.0,
    reference: Stem | None = None,
) -> Match:
    """Integrated loudness (BS.1770, gated) of both versions over ``span_s``, with the real
    processors, in one offline pass (``pause_s``, ``reference``: see ``render_versions``)."""
    rate = session.sample_rate
    start = max(0, round(span_s[0] * rate))
    end = min(session.frames, round(span_s[1] * rate))
    meters = (LoudnessMeter(rate, 2), LoudnessMeter(rate, 2))
    for block_a, block_b in render_versions(
        session, [a, b], start, max(0, end - start), audible=audible, pause_s=pause_s,
        reference=reference,
    ):  # fmt: skip
        meters[0].update(block_a)
        meters[1].update(block_b)
    la = meters[0].result().integrated_lufs
    lb = meters[1].result().integrated_lufs
    return Match(match_offset_db(la, lb), la, lb, (start / rate, end / rate))


class LoudnessMatcher:
    """Loudness matches cached per (versions, passage, audible stems); safe to call from threads."""

    def __init__(self, session: Session, max_entries: int = 256, pause_s: float = 0.0) -> None:
        self.session = session
        self.max_entries = max_entries
        self.pause_s = pause_s
        self._cache: dict[tuple[Any, ...], Match] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(
        a: Sequence[Change],
        b: Sequence[Change],
        span_s: tuple[float, float],
        audible: set[str] | None,
        reference: Stem | None = None,
    ) -> tuple[Any, ...]:
        spans = (round(span_s[0], 3), round(span_s[1], 3))
        heard = tuple(sorted(audible)) if audible is not None else None
        if reference is not None:
            return (versions_key(a), f"reference:{reference.path}", spans, heard)
        return (versions_key(a), versions_key(b), spans, heard)

    def cached(self, key: tuple[Any, ...]) -> Match | None:
        with self._lock:
            return self._cache.get(key)

    def match(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        span_s: tuple[float, float],
        audible: set[str] | None = None,
        reference: Stem | None = None,
    ) -> Match:
        key = self.key(a, b, span_s, audible, reference)
        found = self.cached(key)
        if found is not None:
            return found
        result = measure_versions(self.session, a, b, span_s, audible, self.pause_s, reference)
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = result
        return result


def section_spans(session: Session) -> list[tuple[float, float]]:
    """The sections written in the manifest as (start_s, end_s) spans (none: an empty list)."""
    return [(s.start_s, s.end_s) for s in manifest_sections(session) if s.end_s > s.start_s]


def passage_for(
    position_s: float,
    duration_s: float,
    loop_s: tuple[float, float] | None = None,
    sections: Sequence[tuple[float, float]] = (),
) -> tuple[float, float]:
    """The audible passage loudness is matched on: the loop; else the section at the playhead
    (cut into PASSAGE_WINDOW_S windows when longer than MAX_PASSAGE_S); else the grid window of
    PASSAGE_WINDOW_S around the playhead."""
    if loop_s is not None:
        return (float(loop_s[0]), float(loop_s[1]))
    position_s = min(max(0.0, position_s), max(duration_s - 1e-6, 0.0))
    for start, end in sections:
        if start <= position_s < end:
            if end - start <= MAX_PASSAGE_S:
                return (float(start), float(end))
            k = math.floor((position_s - start) / PASSAGE_WINDOW_S)
            first = start + k * PASSAGE_WINDOW_S
            return (first, min(end, first + PASSAGE_WINDOW_S))
    k = math.floor(position_s / PASSAGE_WINDOW_S)
    first = k * PASSAGE_WINDOW_S
    return (first, min(duration_s, first + PASSAGE_WINDOW_S)) if duration_s else (0.0, 0.0)


# --------------------------------------------------------------------------------- meters ---


class MeterTaps:
    """Levels of what is playing, written by the audio callback into preallocated arrays.

    The callback never allocates here and never talks to the UI: a UI timer reads ``peak``
    (linear, falling at PEAK_FALL_DB_PER_S) and ``energy`` (K-weighted mean square over the last
    METER_WINDOW_S, i.e. short-term loudness) whenever it likes. Row i is ``names[i]``; the last
    row is the mix, ``"(mix)"``.
    """

    MIX = "(mix)"

    def __init__(self, names: Sequence[str], sample_rate: int, block_frames: int) -> None:
        self.names = [*names, self.MIX]
        count = len(self.names)
        self.sample_rate = sample_rate
        self.peak = np.zeros(count, np.float64)
        self.energy = np.zeros(count, np.float64)
        slots = max(1, math.ceil(METER_WINDOW_S * sample_rate / max(block_frames, 1)))
        self._ring = np.zeros((slots, count), np.float64)  # energy sums per block
        self._ring_frames = np.zeros(slots, np.float64)
        self._slot = 0
        self._sums = np.zeros(count, np.float64)
        self._frames = 0.0
        self.updates = 0

    def push(self, frames: int, peaks: np.ndarray, energy_sums: np.ndarray) -> None:
        """One block: linear peaks and K-weighted energy sums per row (callback side)."""
        fall = 10.0 ** (-PEAK_FALL_DB_PER_S * frames / self.sample_rate / 20.0)
        np.multiply(self.peak, fall, out=self.peak)
        np.maximum(self.peak, peaks, out=self.peak)
        slot = self._slot
        self._sums -= self._ring[slot]
        self._frames -= self._ring_frames[slot]
        self._ring[slot] = energy_sums
        self._ring_frames[slot] = frames
        self._sums += energy_sums
        self._frames += frames
        self._slot = (slot + 1) % len(self._ring_frames)
        np.divide(self._sums, max(self._frames, 1.0), out=self.energy)
        np.maximum(self.energy, 0.0, out=self.energy)
        self.updates += 1

    def reset(self) -> None:
        self.peak[:] = 0.0
        self.energy[:] = 0.0
        self._ring[:] = 0.0
        self._ring_frames[:] = 0.0
        self._sums[:] = 0.0
        self._frames = 0.0

    def read(self) -> tuple[dict[str, float], dict[str, float]]:
        """Peak dBFS and short-term LUFS per name (UI side; -inf for silence)."""
        peak = self.peak.copy()
        energy = self.energy.copy()
        with np.errstate(divide="ignore"):
            peak_db = 20.0 * np.log10(peak)
            lufs = -0.691 + 10.0 * np.log10(energy)
        return (
            {n: float(v) for n, v in zip(self.names, peak_db, strict=True)},
            {n: float(v) for n, v in zip(self.names, lufs, strict=True)},
        )


# ------------------------------------------------------------------------------ renderer ---


def _fades(kind: str, done: int, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Fade-out and fade-in gains for frames ``done .. done + n`` of a ``length`` crossfade."""
    t = np.clip((done + np.arange(n, dtype=np.float64) + 0.5) / length, 0.0, 1.0)
    if kind == "power":
        return np.cos(0.5 * np.pi * t).astype(np.float32), np.sin(0.5 * np.pi * t).astype(
            np.float32
        )
    return (1.0 - t).astype(np.float32), t.astype(np.float32)


def _spec(
    start: int, loop: tuple[int, int] | None, end: int, chunk_frames: int, xfade: int
) -> tuple[int, int, int] | None:
    """The chunk that starts at ``start``: (frames, tail, next start), or None past the end."""
    if loop is not None and start < loop[1]:
        frames = min(chunk_frames, loop[1] - start)
        wraps = start + frames == loop[1]
        return frames, xfade if wraps else 0, loop[0] if wraps else start + frames
    if start >= end:
        return None
    frames = min(chunk_frames, end - start)
    return frames, 0, start + frames


def _read_chunk(
    readers: Sequence[StemReader],
    frames: int,
    tail: int,
    nxt: int,
    out: np.ndarray | None = None,
    pause: threading.Event | None = None,
) -> np.ndarray:
    """Raw stems ``(S, frames + tail, 2)`` from where the readers are; a wrap seeks them on.
    ``pause``: wait READ_PAUSE_S after each stem unless this event is set (the read-ahead
    thread, when it is ahead)."""
    raw = out if out is not None else np.empty((len(readers), frames + tail, 2), np.float32)
    for index, reader in enumerate(readers):
        raw[index] = reader.read(frames + tail)
        if tail:
            reader.seek(nxt)
        if pause is not None and not pause.is_set():
            pause.wait(READ_PAUSE_S)
    return raw


class _ReadAhead:
    """Reads the raw stems of the chunks to come in a thread, ``depth`` chunks ahead.

    Disk reads and decoding (libsndfile releases the GIL) stay out of the audio callback. The
    plan of chunks is fixed for a renderer (its loop never changes), so the thread follows it
    on its own. A read error travels through the queue and is raised where the chunk is taken.
    """

    def __init__(
        self,
        readers: list[StemReader],
        start: int,
        spec: Any,
        depth: int = 3,
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._hurry = threading.Event()  # set: the queue ran dry, read without pauses
        self._thread = threading.Thread(
            target=self._run,
            args=(readers, start, spec, self._queue, self._stop, self._hurry),
            name="mixreview-read-ahead", daemon=True,
        )  # fmt: skip
        self._thread.start()
        weakref.finalize(self, self._stop.set)  # a renderer dropped without close()
        weakref.finalize(self, self._hurry.set)

    @staticmethod
    def _run(
        readers: list[StemReader],
        start: int,
        spec: Any,
        out: queue.Queue,
        stop: threading.Event,
        hurry: threading.Event,
    ) -> None:
        with contextlib.suppress(AttributeError, OSError):  # Linux: a nice of its own
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READ_NICE)
        try:
            position: int | None = start
            while position is not None and not stop.is_set():
                planned = spec(position)
                if planned is None:
                    break
                frames, tail, nxt = planned
                if not out.empty():  # ahead: let the callback through the chunk change first
                    hurry.wait(READ_DELAY_S)
                try:
                    item: Any = _read_chunk(readers, frames, tail, nxt, pause=hurry)
                except Exception as exc:  # a file gone or unreadable: tell the renderer
                    item = exc
                while not stop.is_set():
                    try:
                        out.put(item, timeout=0.1)
                        if out.full():
                            hurry.clear()  # ahead again: pauses back on
                        break
                    except queue.Full:
                        continue
                if isinstance(item, Exception):
                    break
                position = nxt
        finally:
            for reader in readers:
                reader.close()

    def take(self) -> np.ndarray:
        item = self._queue.get()
        if self._queue.empty():
            self._hurry.set()  # consumed faster than real time: no more pauses
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._hurry.set()


class _Chunk:
    """A stretch of the timeline rendered for every unit: ``frames`` from ``start``, then
    ``tail`` frames run on past a loop end (for the wrap crossfade); next chunk at ``next``."""

    __slots__ = ("data", "done", "frames", "next", "raw", "start", "tail")

    def __init__(self, start: int, frames: int, tail: int, nxt: int, data: np.ndarray) -> None:
        self.start = start
        self.frames = frames
        self.tail = tail
        self.next = nxt
        self.data = data  # (U, capacity, 2) float32
        self.done = 0  # units rendered
        self.raw: np.ndarray | None = None  # (S, frames + tail, 2) while being rendered


class _Renderer:
    """Readers, chains and the two-chunk pipeline of one stretch of playback."""

    def __init__(
        self,
        session: Session,
        stems: Sequence[Stem],
        units: _Units,
        start: int,
        loop: tuple[int, int] | None,
        chunk_frames: int,
        crossfade_frames: int,
        meter_side: int = 0,
        read_ahead: bool = True,
    ) -> None:
        self.stems = stems
        self.units = units
        self.loop = loop
        self.end = session.frames
        self.chunk_frames = chunk_frames
        self.xfade = crossfade_frames
        self.meter_side = meter_side
        count = len(units.chains)
        capacity = chunk_frames + crossfade_frames
        self._buffers = [np.zeros((count, capacity, 2), np.float32) for _ in range(2)]
        ksos = k_weighting_sos(session.sample_rate)
        self.kzi = np.zeros((ksos.shape[0], count, 2, 2))  # K-weighting state per unit (meters)
        self.readers: list[StemReader] = []
        self._ahead: _ReadAhead | None = None
        try:
            for stem in stems:
                reader = StemReader(stem, session.sample_rate)
                reader.seek(start)
                self.readers.append(reader)
        except BaseException:
            self.close()
            raise
        for chain in units.chains:
            if chain is not None:
                chain.reset()
                chain.seek(start)
        self.position = start  # timeline frame of the next output frame
        self.cur = self._plan(start, self._buffers[0])
        self.nxt: _Chunk | None = None
        self.offset = 0  # frames of ``cur`` already output
        self.wrap_done = -1  # >= 0 while crossfading cur's tail into nxt
        if self.cur is not None:
            self.cur.raw = _read_chunk(self.readers, self.cur.frames, self.cur.tail, self.cur.next)
            self._finish(self.cur)
            self.nxt = self._plan(self.cur.next, self._buffers[1])
            if self.nxt is not None and read_ahead:
                self._ahead = _ReadAhead(self.readers, self.cur.next, self._spec)
                self.readers = []  # the thread owns them now

    def _spec(self, start: int) -> tuple[int, int, int] | None:
        return _spec(start, self.loop, self.end, self.chunk_frames, self.xfade)

    def _plan(self, start: int, data: np.ndarray) -> _Chunk | None:
        planned = self._spec(start)
        return None if planned is None else _Chunk(start, *planned, data)

    def _render_unit(self, chunk: _Chunk, unit: int) -> None:
        if chunk.raw is None:
            if self._ahead is not None:
                chunk.raw = self._ahead.take()
            else:
                chunk.raw = _read_chunk(self.readers, chunk.frames, chunk.tail, chunk.next)
        length = chunk.frames + chunk.tail
        raw = chunk.raw[self.units.stem[unit]]
        chain = self.units.chains[unit]
        out = raw if chain is None else chain.process(raw)
        if chain is not None and chunk.tail:
            chain.seek(chunk.next)
        chunk.data[unit, :length] = out

    def _finish(self, chunk: _Chunk, units: int | None = None) -> None:
        target = len(self.units.chains) if units is None else units
        while chunk.done < target:
            self._render_unit(chunk, chunk.done)
            chunk.done += 1
        if chunk.done == len(self.units.chains):
            chunk.raw = None

    def work(self) -> None:
        """Render the share of the next chunk that matches how much of this one has played."""
        if self.nxt is None or self.cur is None:
            return
        played = self.offset / max(self.cur.frames, 1)
        self._finish(self.nxt, math.ceil(played * len(self.units.chains)))

    def _advance_chunk(self) -> None:
        assert self.nxt is not None
        self._finish(self.nxt)
        free = self.cur.data if self.cur is not None else self._buffers[0]
        self.cur = self.nxt
        self.nxt = self._plan(self.cur.next, free)

    # -- output ---------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.cur is None

    def contiguous(self) -> int:
        """Frames that can be output before the next internal boundary (0: finished)."""
        cur = self.cur
        if cur is None:
            return 0
        if self.wrap_done >= 0:
            return cur.tail - self.wrap_done
        return cur.frames - self.offset

    def view(self, n: int) -> tuple[np.ndarray, np.ndarray | None, int]:
        """Units over the next ``n`` frames as ``(U, n * 2)``; during a wrap also the loop start
        side and how far into the crossfade it is."""
        cur = self.cur
        assert cur is not None
        units = cur.data.shape[0]
        if self.wrap_done >= 0:
            a = self.wrap_done
            tail = cur.data[:, cur.frames + a : cur.frames + a + n].reshape(units, n * 2)
            assert self.nxt is not None
            head = self.nxt.data[:, a : a + n].reshape(units, n * 2)
            return tail, head, a
        return cur.data[:, self.offset : self.offset + n].reshape(units, n * 2), None, 0

    def consume(self, n: int) -> None:
        """Move on by ``n`` frames (at most ``contiguous()``)."""
        cur = self.cur
        assert cur is not None
        if self.wrap_done >= 0:
            self.wrap_done += n
            self.position = cur.next + self.wrap_done
            if self.wrap_done >= cur.tail:
                skip = cur.tail
                self.wrap_done = -1
                self._advance_chunk()
                self.offset = skip
            return
        self.offset += n
        self.position = cur.start + self.offset
        if self.offset >= cur.frames:
            if cur.tail and self.nxt is not None:
                self._finish(self.nxt)
                self.wrap_done = 0
                self.position = cur.next
            elif self.nxt is None:
                self.cur = None
                self.position = cur.start + cur.frames
            else:
                self._advance_chunk()
                self.offset = 0

    def skip(self, frames: int) -> bool:
        """Drop ``frames`` of the first chunk (a restart that started a little behind)."""
        if self.cur is None or self.wrap_done >= 0 or frames >= self.cur.frames - self.offset:
            return False
        self.offset += frames
        self.position = self.cur.start + self.offset
        return True

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
        for reader in self.readers:
            reader.close()
        self.readers = []


# --------------------------------------------------------------------------------- ramps ---


class _Ramp:
    """A vector of gains moving to a target over ``length`` frames (linear or raised cosine)."""

    def __init__(self, value: np.ndarray, length: int, shape: str = "linear") -> None:
        self.start = np.asarray(value, np.float32).copy()
        self.target = self.start.copy()
        self.length = max(1, length)
        self.shape = shape
        self.done = self.length

    @property
    def moving(self) -> bool:
        return self.done < self.length

    def now(self) -> np.ndarray:
        if not self.moving:
            return self.target
        frac = self._shape(np.array([self.done / self.length]))[0]
        return (self.start + (self.target - self.start) * frac).astype(np.float32)

    def set(self, target: np.ndarray) -> None:
        target = np.asarray(target, np.float32)
        if np.array_equal(target, self.target) and not self.moving:
            return
        self.start = self.now().copy()
        self.target = target.copy()
        self.done = 0

    def jump(self, value: np.ndarray) -> None:
        self.start = np.asarray(value, np.float32).copy()
        self.target = self.start.copy()
        self.done = self.length

    def _shape(self, t: np.ndarray) -> np.ndarray:
        if self.shape == "cosine":
            return 0.5 - 0.5 * np.cos(np.pi * t)
        return t

    def take(self, n: int) -> np.ndarray | None:
        """Fraction of the way (n,) for the next ``n`` frames, or None when constant."""
        if not self.moving:
            return None
        t = np.clip((self.done + np.arange(1, n + 1, dtype=np.float64)) / self.length, 0.0, 1.0)
        self.done = min(self.length, self.done + n)
        return self._shape(t).astype(np.float32)


# --------------------------------------------------------------------------------- mixer ---


@dataclass(frozen=True)
class SwitchEvent:
    """Where an A/B switch landed: asked for before output frame ``asked_at`` (frames output
    since start), heard from frame ``landed_at``."""

    side: str
    asked_at: int
    landed_at: int


class Mixer:
    """The mixer behind the player. Transport calls are safe from any thread; they take effect
    at the start of the next ``next_block``. ``next_block`` belongs to one thread (the callback).

    Heavy preparation (opening files, building chains, rendering the first chunk after a seek or
    a new pair of versions) happens in the calling thread, never in ``next_block``.
    """

    def __init__(
        self,
        session: Session,
        *,
        block_frames: int = DEFAULT_BLOCK_FRAMES,
        chunk_frames: int = DEFAULT_CHUNK_FRAMES,
        crossfade_ms: float = CROSSFADE_MS,
    ) -> None:
        self.session = session
        self.sample_rate = session.sample_rate
        self.frames = session.frames
        self.stems = session.mix_stems
        self.files = [s.file for s in self.stems]
        self.block_frames = block_frames
        self.chunk_frames = max(block_frames, chunk_frames)
        self.crossfade_frames = max(1, round(crossfade_ms / 1000.0 * self.sample_rate))
        self.versions: tuple[list[Change], list[Change]] = ([], [])
        self.labels = ("A", "B")
        self.reference: Stem | None = None  # side B is this reference track when set
        self.taps = MeterTaps(self.files, self.sample_rate, block_frames)
        self.switches: deque[SwitchEvent] = deque(maxlen=64)
        # Transport as callers see it.
        self.playing = False
        self.side = "A"
        self.loop: tuple[int, int] | None = None
        self.muted: set[str] = set()
        self.soloed: set[str] = set()
        self.side_gain_db = np.zeros(2)
        self._requested_position = 0
        self._pending_position: int | None = None
        self._prepared = False  # a renderer for the requested position has been posted
        self._lock = threading.RLock()  # serialises callers (never taken by the callback)
        self._commands: deque[tuple[Any, ...]] = deque()
        # Callback state.
        self._renderer: _Renderer | None = None
        self._old: _Renderer | None = None
        self._swap_kind = "power"
        self._swap_done = 0
        self._position = 0
        self._frames_out = 0
        self._running = False  # audio is coming out (or fading out)
        self._drop_when_silent = False
        xf = self.crossfade_frames
        self._transport = _Ramp(np.zeros(1), xf, "cosine")
        self._side_w = _Ramp(np.array([1.0, 0.0]), xf, "linear")
        self._side_gain = _Ramp(np.ones(2), xf, "linear")
        self._stem_gain = _Ramp(np.ones(len(self.stems) + 1), xf, "linear")  # last: reference
        self._kzi = np.zeros((2, 2, 2))
        self._ksos = k_weighting_sos(self.sample_rate)
        self._meter_peaks = np.zeros(len(self.stems) + 1)
        self._meter_energy = np.zeros(len(self.stems) + 1)
        # Where each recent block started: output frame and timeline frame (-1: silence), so
        # the position the listener hears can be found behind the output latency.
        self._history_out = np.zeros(HISTORY_BLOCKS, np.int64)
        self._history_at = np.full(HISTORY_BLOCKS, -1, np.int64)
        self._history_count = 0

    # ------------------------------------------------------------------- caller side ---
    @property
    def position_frames(self) -> int:
        """Timeline frame of the next output frame (or where playback will start)."""
        pending = self._pending_position
        if pending is not None:
            return pending
        if not self.playing:
            return self._requested_position
        return self._position

    def heard_frames(self, latency_frames: int) -> int:
        """Timeline frame the listener hears now, ``latency_frames`` behind the output (what
        ``position_frames`` says when not playing, or when the history does not reach back)."""
        if not self.playing or latency_frames <= 0 or self._pending_position is not None:
            return self.position_frames
        target = self._frames_out - int(latency_frames)
        count = min(self._history_count, HISTORY_BLOCKS)
        for back in range(1, count + 1):
            slot = (self._history_count - back) % HISTORY_BLOCKS
            out, at = int(self._history_out[slot]), int(self._history_at[slot])
            if out <= target:
                if at < 0:  # silence was playing: the start is still to be heard
                    return self.position_frames if back == 1 else self._history_first(slot)
                return min(at + target - out, self.frames)
        if count and self._history_count <= HISTORY_BLOCKS:  # nothing reached the ears yet
            return self._history_first(-1)
        return self.position_frames

    def _history_first(self, slot: int) -> int:
        """The timeline frame of the first sounding block after ``slot``."""
        for step in range(1, min(self._history_count, HISTORY_BLOCKS) + 1):
            index = (slot + step) % HISTORY_BLOCKS
            if index >= self._history_count:
                break
            at = int(self._history_at[index])
            if at >= 0:
                return at
        return self.position_frames

    @property
    def frames_out(self) -> int:
        """Frames output since the mixer was made (the callback's clock)."""
        return self._frames_out

    def _post(self, *command: Any) -> None:
        self._commands.append(command)

    def _clamp(self, frame: int) -> int:
        frame = max(0, min(int(frame), self.frames))
        if self.loop is not None and not self.loop[0] <= frame < self.loop[1]:
            frame = self.loop[0]
        return frame

    def _new_renderer(self, start: int) -> _Renderer:
        """Fresh chains and readers from ``start`` (renderers never share processor state)."""
        stems, versions, present = reference_source(self.session, self.versions, self.reference)
        units = build_units(self.session, stems, versions, present)
        return _Renderer(
            self.session, stems, units, start, self.loop, self.chunk_frames,
            self.crossfade_frames, SIDES.index(self.side),
        )  # fmt: skip

    def _restart(self, start: int, kind: str, same_place: bool) -> None:
        """Caller side: a new renderer from ``start``, faded in at the next block."""
        self._pending_position = None if same_place else start
        self._post("swap", self._new_renderer(start), kind, same_place)
        self._prepared = True

    def _invalidate(self) -> None:
        self._prepared = False
        self._post("drop")

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str = "A",
        label_b: str = "B",
        reference: Stem | None = None,
    ) -> None:
        """The two versions to compare; with a ``reference`` (a Stem of the reference file),
        side B plays that track instead of version ``b``. Raises ValueError for a change with
        bad parameters (and keeps the previous versions)."""
        with self._lock:
            build_units(self.session, self.stems, [list(a), list(b)])
            self.versions = (list(a), list(b))
            self.labels = (label_a, label_b)
            self.reference = reference
            if self.playing:
                self._restart(self._clamp(self._position), "linear", True)
            else:
                self._invalidate()

    def play(self) -> None:
        with self._lock:
            if self.playing:
                return
            renderer = self._renderer
            if not self._prepared or renderer is None or renderer.finished:
                start = self._requested_position
                if start >= self.frames and self.loop is None:
                    start = 0
                start = self._clamp(start)
                self._requested_position = start
                self._restart(start, "none", False)
            self.playing = True
            self._post("play")

    def pause(self) -> None:
        with self._lock:
            if not self.playing:
                return
            self.playing = False
            self._requested_position = self._position
            self._post("pause")

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def seek(self, frame: int) -> None:
        with self._lock:
            frame = self._clamp(frame)
            self._requested_position = frame
            if self.playing:
                self._restart(frame, "power", False)
            else:
                self._invalidate()

    def set_loop(self, span: tuple[int, int] | None) -> None:
        """Loop ``[start, end)`` in frames (at least MIN_LOOP_S long), or None.

        Playing inside the new loop carries on where it is; outside it, playback jumps to the
        loop start."""
        with self._lock:
            if span is not None:
                start = max(0, min(int(span[0]), self.frames))
                end = max(0, min(int(span[1]), self.frames))
                if end - start < MIN_LOOP_S * self.sample_rate:
                    raise ValueError(f"a loop must be at least {MIN_LOOP_S:g} s long")
                span = (start, end)
            self.loop = span
            position = self._position if self.playing else self._requested_position
            inside = span is None or span[0] <= position < span[1]
            target = position if inside else span[0]  # type: ignore[index]
            self._requested_position = target
            if self.playing:
                self._restart(target, "linear" if inside else "power", inside)
            else:
                self._invalidate()

    # The calls below only post a command: no lock, so they never wait for a renderer build.
    def switch(self, side: str | None = None) -> None:
        """Make ``side`` ("A"/"B"; default: the other one) audible from the next block."""
        side = side or ("B" if self.side == "A" else "A")
        if side not in SIDES:
            raise ValueError(f"side must be A or B, got {side!r}")
        self.side = side
        self._post("side", SIDES.index(side), self._frames_out)

    def set_side_gain_db(self, offset_b_db: float, offset_a_db: float = 0.0) -> None:
        """Gains of the sides (loudness matching), ramped over the crossfade."""
        self.side_gain_db = np.array([offset_a_db, offset_b_db], np.float64)
        self._post("side_gain", (10.0 ** (self.side_gain_db / 20.0)).astype(np.float32))

    def _stem_gains(self) -> np.ndarray:
        heard = audible_stems(self.files, self.muted, self.soloed)
        return np.array([*(1.0 if f in heard else 0.0 for f in self.files), 1.0], np.float32)

    def set_mute(self, stem: str, muted: bool) -> None:
        (self.muted.add if muted else self.muted.discard)(stem)
        self._post("stems", self._stem_gains())

    def set_solo(self, stem: str, soloed: bool) -> None:
        (self.soloed.add if soloed else self.soloed.discard)(stem)
        self._post("stems", self._stem_gains())

    def audible(self) -> set[str]:
        return audible_stems(self.files, self.muted, self.soloed)

    def close(self) -> None:
        """Close every file. Call only when no callback runs any more."""
        with self._lock:
            self._commands.clear()
            for renderer in (self._renderer, self._old):
                if renderer is not None:
                    renderer.close()
            self._renderer = self._old = None
            self._running = False
            self.playing = False
            self._prepared = False

    # ---------------------------------------------------------------- callback side ---
    def _apply(self) -> None:
        while self._commands:
            command = self._commands.popleft()
            name = command[0]
            if name == "swap":
                self._swap(command[1], command[2], command[3])
            elif name == "drop":
                if self._running:
                    self._drop_when_silent = True
                else:
                    self._retire(self._renderer)
                    self._renderer = None
            elif name == "play":
                self._running = True
                self._drop_when_silent = False
                self._transport.set(np.ones(1))
            elif name == "pause":
                self._transport.set(np.zeros(1))
            elif name == "side":
                target = np.zeros(2, np.float32)
                target[command[1]] = 1.0
                if self._running:
                    self._side_w.set(target)
                else:
                    self._side_w.jump(target)
                for renderer in (self._renderer, self._old):
                    if renderer is not None:
                        renderer.meter_side = command[1]
                self.switches.append(SwitchEvent(SIDES[command[1]], command[2], self._frames_out))
            elif name == "side_gain":
                if self._running:
                    self._side_gain.set(command[1])
                else:
                    self._side_gain.jump(command[1])
            elif name == "stems":
                if self._running:
                    self._stem_gain.set(command[1])
                else:
                    self._stem_gain.jump(command[1])

    def _retire(self, renderer: _Renderer | None) -> None:
        if renderer is not None:
            renderer.close()

    def _swap(self, renderer: _Renderer, kind: str, same_place: bool) -> None:
        old = self._renderer
        if same_place and old is not None and not old.finished:
            behind = old.position - renderer.position
            if behind > 0 and not renderer.skip(behind):
                kind = "power"
        if kind == "none" and self._running:
            kind = "power"
        if self._old is not None:
            self._retire(self._old)
            self._old = None
        if kind != "none" and self._running and old is not None and not old.finished:
            self._old = old
            self._swap_kind = kind
            self._swap_done = 0
        else:
            self._retire(old)
        self._renderer = renderer
        self._position = renderer.position
        self._pending_position = None
        self._drop_when_silent = False

    def next_block(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames of output, float32 ``(frames, 2)``."""
        self._apply()
        slot = self._history_count % HISTORY_BLOCKS
        self._history_out[slot] = self._frames_out
        sounding = self._renderer is not None and self._running
        self._history_at[slot] = self._position if sounding else -1
        self._history_count += 1
        out = np.zeros((frames, 2), np.float32)
        if self._renderer is None or not self._running:
            self._push_meters(frames, out)
            self._frames_out += frames
            return out
        done = 0
        while done < frames and self._running:
            renderer = self._renderer
            if renderer is None or renderer.finished:
                break
            n = min(frames - done, renderer.contiguous())
            if self._transport.moving and self._transport.target[0] == 0.0:
                n = min(n, self._transport.length - self._transport.done)  # stop where it fades
            old = self._old
            if old is not None:
                n = min(n, self.crossfade_frames - self._swap_done)
                if not old.finished:
                    n = min(n, old.contiguous())
            stem_r = self._stem_gain.take(n)
            g0, g1 = self._stem_gain.start, self._stem_gain.target
            coef = self._side_coefficients(n)
            block, seen = self._mix(renderer, n, g0, g1, stem_r, coef)
            if old is not None:
                if old.finished:
                    old_block = np.zeros_like(block)
                else:
                    old_block, _ = self._mix(old, n, g0, g1, stem_r, coef)
                    old.consume(n)
                fo, fi = _fades(self._swap_kind, self._swap_done, n, self.crossfade_frames)
                block = old_block * fo[:, None] + block * fi[:, None]
                self._swap_done += n
                if self._swap_done >= self.crossfade_frames:
                    self._retire(old)
                    self._old = None
            frac = self._transport.take(n)
            if frac is not None:
                level0, level1 = float(self._transport.start[0]), float(self._transport.target[0])
                block *= (level0 + (level1 - level0) * frac)[:, None]
            out[done : done + n] = block
            self._meter_span(renderer, seen, n)
            renderer.consume(n)
            done += n
            self._position = renderer.position
            if not self._transport.moving and self._transport.target[0] == 0.0:
                self._stop_output()
        for source in (self._renderer, self._old):
            if source is not None:
                source.work()
        if self._renderer is not None and self._renderer.finished and self._old is None:
            self._stop_output()
            self.playing = False
            self._position = self._requested_position = self.frames
        self._push_meters(frames, out)
        self._frames_out += frames
        return out

    def _stop_output(self) -> None:
        """Paused (faded out) or at the end: silence from here; drop what is stale."""
        self._running = False
        self._requested_position = self._position
        if self._old is not None:
            self._retire(self._old)
            self._old = None
        if self._drop_when_silent:
            self._retire(self._renderer)
            self._renderer = None
            self._drop_when_silent = False

    def _side_coefficients(self, n: int) -> np.ndarray:
        """Per-frame gains of the two sides (n, 2): switch weights times matching gains."""
        rw = self._side_w.take(n)
        rg = self._side_gain.take(n)
        w0, w1 = self._side_w.start, self._side_w.target
        g0, g1 = self._side_gain.start, self._side_gain.target
        weights = w1[None, :] if rw is None else w0 + (w1 - w0) * rw[:, None]
        gains = g1[None, :] if rg is None else g0 + (g1 - g0) * rg[:, None]
        return np.broadcast_to(weights * gains, (n, 2)).astype(np.float32)

    def _mix(
        self,
        renderer: _Renderer,
        n: int,
        g0: np.ndarray,
        g1: np.ndarray,
        stem_r: np.ndarray | None,
        coef: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum the units of both sides and weigh the sides: (n, 2) output and the unit view."""
        units = renderer.units
        w_const = units.sides * (g1 if stem_r is None else g0)[units.stem]
        x, head, wrap_at = renderer.view(n)
        sides = self._sum(x, w_const, units, g0, g1, stem_r)
        if head is not None:
            fo, fi = _fades("power", wrap_at, n, renderer.xfade)
            head_sides = self._sum(head, w_const, units, g0, g1, stem_r)
            sides = sides * np.repeat(fo, 2)[None, :] + head_sides * np.repeat(fi, 2)[None, :]
            x = head
        mix = sides.reshape(2, n, 2)
        block = mix[0] * coef[:, 0:1] + mix[1] * coef[:, 1:2]
        return block.astype(np.float32, copy=False), x

    @staticmethod
    def _sum(
        x: np.ndarray,
        w_const: np.ndarray,
        units: _Units,
        g0: np.ndarray,
        g1: np.ndarray,
        stem_r: np.ndarray | None,
    ) -> np.ndarray:
        sides = w_const @ x
        if stem_r is not None:
            delta = units.sides * (g1 - g0)[units.stem]
            if delta.any():
                sides += (delta @ x) * np.repeat(stem_r, 2)[None, :]
        return sides

    def _meter_span(self, renderer: _Renderer, x: np.ndarray, n: int) -> None:
        """Add the peaks and K-weighted energies of the audible side's stems over ``n`` frames."""
        side = SIDES.index(self.side)
        units = renderer.units.side_units[side][: len(self.stems)]  # not the reference
        rows_at: slice | np.ndarray = slice(0, len(units))
        if units.size and units.min() < 0:  # stems silent on this side read nothing
            rows_at = np.flatnonzero(units >= 0)
            units = units[rows_at]
        if not len(units):
            return
        scale = self._stem_gain.now()[rows_at] * float(self._side_gain.now()[side])
        scale = scale * float(self._transport.now()[0])
        picked = x[units].reshape(len(units), n, 2)
        peaks = np.abs(picked).max(axis=(1, 2)) * scale
        self._meter_peaks[rows_at] = np.maximum(self._meter_peaks[rows_at], peaks)
        rows = picked.transpose(0, 2, 1).astype(np.float64)
        weighted, renderer.kzi[:, units] = signal.sosfilt(
            self._ksos, rows, axis=-1, zi=renderer.kzi[:, units]
        )
        energy = np.einsum("scn,scn->s", weighted, weighted) * scale * scale
        self._meter_energy[rows_at] += energy

    def _push_meters(self, frames: int, out: np.ndarray) -> None:
        self._meter_peaks[-1] = float(np.abs(out).max()) if len(out) else 0.0
        rows = np.ascontiguousarray(out.T, dtype=np.float64)
        weighted, self._kzi = signal.sosfilt(self._ksos, rows, axis=-1, zi=self._kzi)
        self._meter_energy[-1] = float(np.einsum("cn,cn->", weighted, weighted))
        self.taps.push(frames, self._meter_peaks, self._meter_energy)
        self._meter_peaks[:] = 0.0
        self._meter_energy[:] = 0.0
