"""The mixer's renderer: one stretch of playback rendered for both versions in chunks, with the
raw stems read ahead in a thread, so each audio callback does about the same small share of work."""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from mixreview.analysis.meters.loudness import k_weighting_sos
from mixreview.analysis.playback_render import Units
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import StemReader

READ_PAUSE_S = 0.0005
"""The read-ahead thread sleeps this long after each stem: its work (decoding, numpy) comes in
short bursts the audio callback never waits long behind (the GIL), spread over the chunk."""
READ_DELAY_S = 0.03
"""When it is ahead, the read-ahead thread waits this long before reading the next chunk: the
callback's busiest blocks are right after a chunk changes (a slot in the queue frees then)."""
READ_NICE = 10
"""The read-ahead thread runs at a lower priority than the audio callback's thread."""


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


class Renderer:
    """Readers, chains and the two-chunk pipeline of one stretch of playback."""

    def __init__(
        self,
        session: Session,
        stems: Sequence[Stem],
        units: Units,
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
