"""The real-time mixer: stems streamed from disk, processed as two versions, mixed block by block.

``Mixer.next_block(frames)`` is all an audio callback calls. It returns the next block for the
transport state (position, loop, mute and solo, the audible side A or B, the loudness-match gain),
with short crossfades wherever the signal would otherwise jump. Nothing here touches a sound card,
so tests drive it like a callback would. How the work is laid out: see ``playback``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.playback_chunks import Renderer
from mixreview.analysis.playback_gains import Ramp, fades, mix_units, side_coefficients
from mixreview.analysis.playback_meters import MeterFeed, MeterTaps
from mixreview.analysis.playback_render import audible_stems, build_units, reference_source
from mixreview.analysis.playback_safety import SafetyStage
from mixreview.analysis.session import Session, Stem

DEFAULT_BLOCK_FRAMES = 1024
DEFAULT_CHUNK_FRAMES = 8192
CROSSFADE_MS = 15.0
MIN_LOOP_S = 0.25
HISTORY_BLOCKS = 256  # blocks of output remembered for the heard position (5 s at 1024)
SIDES = ("A", "B")


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
        safety: bool = False,
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
        self._renderer: Renderer | None = None
        self._old: Renderer | None = None
        self._swap_kind = "power"
        self._swap_done = 0
        self._position = 0
        self._frames_out = 0
        self._running = False  # audio is coming out (or fading out)
        self._drop_when_silent = False
        xf = self.crossfade_frames
        self._transport = Ramp(np.zeros(1), xf, "cosine")
        self._side_w = Ramp(np.array([1.0, 0.0]), xf, "linear")
        self._side_gain = Ramp(np.ones(2), xf, "linear")
        self._stem_gain = Ramp(np.ones(len(self.stems) + 1), xf, "linear")  # last: reference
        self._meters = MeterFeed(self.taps, len(self.stems), self.sample_rate)
        self.safety = SafetyStage()  # on for a sound card (``safety``), off for files
        self.safety_on = safety
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

    def _new_renderer(self, start: int) -> Renderer:
        """Fresh chains and readers from ``start`` (renderers never share processor state)."""
        stems, versions, present = reference_source(self.session, self.versions, self.reference)
        units = build_units(self.session, stems, versions, present)
        return Renderer(
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
            self.safety.reset()  # new versions may need less: measure them afresh
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

    def _retire(self, renderer: Renderer | None) -> None:
        if renderer is not None:
            renderer.close()

    def _swap(self, renderer: Renderer, kind: str, same_place: bool) -> None:
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
            self._meters.push(frames, out)
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
            coef = side_coefficients(self._side_w, self._side_gain, n)
            block, seen = mix_units(renderer, n, g0, g1, stem_r, coef)
            if old is not None:
                if old.finished:
                    old_block = np.zeros_like(block)
                else:
                    old_block, _ = mix_units(old, n, g0, g1, stem_r, coef)
                    old.consume(n)
                fo, fi = fades(self._swap_kind, self._swap_done, n, self.crossfade_frames)
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
        if self.safety_on:
            self.safety.process(out)
        self._meters.push(frames, out)
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

    def _meter_span(self, renderer: Renderer, x: np.ndarray, n: int) -> None:
        """Add the peaks and K-weighted energies of the audible side's stems over ``n`` frames."""
        side = SIDES.index(self.side)
        self._meters.add_units(
            renderer.units.side_units[side], renderer.kzi, x, n, self._stem_gain.now(),
            float(self._side_gain.now()[side]), float(self._transport.now()[0]),
        )  # fmt: skip
