"""The real audition: the mixer behind a sounddevice output stream, transport work on a control
thread and loudness matching on a matcher thread, so neither the UI nor the callback waits."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.blind import Blind, BlindPick
from mixreview.analysis.playback import (
    DEFAULT_BLOCK_FRAMES,
    LoudnessMatcher,
    Match,
    Mixer,
    passage_for,
    section_spans,
)
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.session import Session, Stem
from mixreview.tui.audition import Levels
from mixreview.tui.listen_server import ListenServer
from mixreview.tui.player_clips import AuditionVersions
from mixreview.tui.player_control import ControlThread
from mixreview.tui.player_device import OpenFailed, describe_failure, quiet_stderr

LOAD_HISTORY = 4096
"""Callback loads kept (share of the block duration), about 90 s at 1024 frames."""
MATCH_POLL_S = 0.2
MATCH_PAUSE_S = 0.001
"""The matcher sleeps this long after each stem it renders, so the callback gets the GIL."""


class Player(AuditionVersions):
    """The real audition: a Mixer behind a sounddevice OutputStream (see ``tui.player``)."""

    clips_possible = True
    blind_possible = True

    def __init__(
        self,
        session: Session,
        sd: ModuleType | SimpleNamespace,
        device: Any = None,
        *,
        block_frames: int = DEFAULT_BLOCK_FRAMES,
        latency: str | float = "high",
        mixer: Mixer | None = None,
        listen: ListenServer | None = None,
    ) -> None:
        self.session = session
        self.listen = listen  # listeners get every block played (``mixreview listen``)
        self.sd = sd
        self.device = device
        self.sample_rate = session.sample_rate
        self.duration_s = session.duration_s
        self.block_frames = block_frames
        self.available = True
        self.reason = ""
        self.match_loudness = True
        self.offset_db = 0.0
        self.match: Match | None = None
        self.match_pending = False
        self._offset_known = False  # the offset for the current versions has been measured
        self.offset_estimated = False  # offset_db is the instant estimate; the exact one comes
        self.estimator: MatchEstimator | None = None
        self.label_a, self.label_b = "A", "B"
        self._a: list[Change] = []
        self._b: list[Change] = []
        self.last_clips = None
        self.last_error: str | None = None
        self.loop_s: tuple[float, float] | None = None
        self.blind: Blind | None = None
        self._side = "A"  # the side shown to the user (in blind mode, not the real one)
        self._want_playing = False
        self._want_position_s: float | None = None
        self.underflows = 0
        self.loads = np.zeros(LOAD_HISTORY)  # callback work / block duration, ring
        self.load_count = 0
        self.mixer = mixer or Mixer(session, block_frames=block_frames, safety=True)
        self.matcher = LoudnessMatcher(session, pause_s=MATCH_PAUSE_S)
        self.sections = section_spans(session)
        self._closing = False
        self._started = False
        self._stream: Any = None
        self.stream_latency_s = 0.0
        self._control = ControlThread(self._control_failed)
        self._match_cv = threading.Condition()
        self._match_key: tuple[Any, ...] | None = None
        self._match_thread = threading.Thread(
            target=self._match_loop, name="mixreview-match", daemon=True
        )
        failure: Exception | None = None
        with quiet_stderr() as lines:
            try:
                self._stream = sd.OutputStream(
                    samplerate=self.sample_rate, blocksize=block_frames, channels=2,
                    dtype="float32", device=device, latency=latency,
                    callback=self._callback, finished_callback=self._finished,
                )  # fmt: skip
            except Exception as exc:
                failure = exc
        if failure is not None:  # (the libraries' lines are in ``lines`` only now)
            self._control.close()
            raise OpenFailed(describe_failure(failure, lines)) from failure
        self.stream_latency_s = float(getattr(self._stream, "latency", 0.0) or 0.0)
        self._match_thread.start()
        if listen is not None:  # a listener hears silence while paused: the stream runs
            listen.on_connect = lambda: self._control.submit("listen", self._start_stream)

    @property
    def listeners(self) -> int:
        return self.listen.count if self.listen is not None else 0

    # -- protocol state ---------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        self._check_stream()
        if not self.available:
            return False
        if not self._control.idle:
            return self._want_playing
        return self.mixer.playing

    @property
    def side(self) -> str:
        return self._side

    @property
    def position_s(self) -> float:
        self._check_stream()
        if self._want_position_s is not None and not self._control.idle:
            return self._want_position_s
        self._want_position_s = None
        latency = round(self.stream_latency_s * self.sample_rate)
        return self.mixer.heard_frames(latency) / self.sample_rate  # what reaches the ears

    # -- transport ----------------------------------------------------------------------------
    def _start_stream(self) -> None:
        if self._started or self._stream is None:
            return
        failure: Exception | None = None
        with quiet_stderr() as lines:
            try:
                self._stream.start()
            except Exception as exc:
                failure = exc
        if failure is not None:
            self._fail(f"the audio output could not start: {describe_failure(failure, lines)}")
            return
        self._started = True

    def play(self) -> None:
        if not self.available:
            return
        self._want_playing = True

        def work() -> None:
            self._start_stream()
            if self.available:
                self.mixer.play()

        self._control.submit("play", work)

    def pause(self) -> None:
        self._want_playing = False
        self._control.submit("pause", self.mixer.pause)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def seek(self, position_s: float) -> None:
        position_s = min(max(0.0, float(position_s)), self.duration_s)
        self._want_position_s = position_s
        frame = round(position_s * self.sample_rate)
        self._control.submit("seek", lambda: self.mixer.seek(frame), replace=True)
        self._wake_matcher()

    def switch(self, side: str | None = None) -> None:
        side = side or ("B" if self._side == "A" else "A")
        if side not in ("A", "B"):
            raise ValueError(f"side must be A or B, got {side!r}")
        self._side = side
        self.mixer.switch(self._real_side(side))

    def set_loop(self, span_s: tuple[float, float] | None) -> None:
        rate = self.sample_rate
        frames = None if span_s is None else (round(span_s[0] * rate), round(span_s[1] * rate))
        if frames is not None:
            start = max(0, min(frames[0], self.mixer.frames))
            end = max(0, min(frames[1], self.mixer.frames))
            if end - start < 0.25 * rate:
                raise ValueError("a loop must be at least 0.25 s long")
            span_s = (start / rate, end / rate)
        self.loop_s = span_s
        self._control.submit("loop", lambda: self.mixer.set_loop(frames), replace=True)
        self._wake_matcher()

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None = None,
    ) -> None:
        """The two versions (or version A and a ``reference`` track on B); raises ValueError at
        once for a change with bad parameters."""
        self._store_versions(a, b, label_a, label_b, reference)
        if self.blind is not None:
            self.stop_blind()
        wanted = LoudnessMatcher.key(a, b, (0.0, 0.0), None, reference)[:2]
        if self._match_key is None or self._match_key[:2] != wanted:
            self.offset_db = 0.0  # not known for these versions yet
            self._offset_known = False
            self.offset_estimated = False
            self.mixer.set_side_gain_db(0.0)
        self._control.submit(
            "versions",
            lambda: self.mixer.set_versions(a, b, label_a, label_b, reference=reference),
            replace=True,
        )
        self._wake_matcher()

    @property
    def matching(self) -> bool:
        """The offset for what plays now is still being measured."""
        if not self.match_loudness:
            return False
        if self.match_pending:
            return True
        nothing_to_match = not self._a and not self._b and self.reference is None
        return not self._offset_known and not nothing_to_match

    @property
    def safety_db(self) -> float:
        return self.mixer.safety.gain_db

    def use_estimator(self, estimator: MatchEstimator | None) -> None:
        """Match at once from the session's measurements while the exact match renders."""
        self.estimator = estimator
        self._wake_matcher()

    def set_match_loudness(self, on: bool) -> None:
        if self.blind is not None and not on:
            return  # blind trials are always matched: the louder side would give itself away
        self.match_loudness = bool(on)
        self.mixer.set_side_gain_db(self.offset_db if self.match_loudness else 0.0)
        self._wake_matcher()

    def set_mute(self, stem: str, muted: bool) -> None:
        self.mixer.set_mute(stem, muted)
        self._wake_matcher()

    def set_solo(self, stem: str, soloed: bool) -> None:
        self.mixer.set_solo(stem, soloed)
        self._wake_matcher()

    def levels(self) -> Levels:
        self._check_stream()
        taps = self.mixer.taps
        peak_db, lufs = taps.read()
        return Levels(peak_db=peak_db, loudness_lufs=lufs, correlation=taps.correlation())

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        return self._clip_set(out_dir, span_s, self.mixer.audible()).paths

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Wait until queued transport work is done (tests, scripts)."""
        return self._control.wait_idle(timeout_s)

    def callback_load(self) -> dict[str, float]:
        """Distribution of the callback's work as a share of the block duration."""
        count = min(self.load_count, LOAD_HISTORY)
        if not count:
            return {}
        loads = self.loads[:count]
        p50, p95, p99 = np.percentile(loads, [50, 95, 99])
        return {"median": p50, "p95": p95, "p99": p99, "max": float(loads.max()), "n": count}

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._control.close()
        with self._match_cv:
            self._match_cv.notify_all()
        if self._stream is not None:
            with quiet_stderr(), contextlib.suppress(Exception):
                self._stream.abort()
                self._stream.close()
        if self.listen is not None:
            self.listen.close()
        self.mixer.close()

    # -- blind trials ---------------------------------------------------------------------
    def _real_side(self, shown: str) -> str:
        return self.blind.real_side(shown) if self.blind is not None else shown

    def start_blind(
        self,
        key: str,
        review: Any = None,
        seed: int | None = None,
        record: Callable[[str, str, str, str], None] | None = None,
    ) -> Blind:
        """Hide which side is which for trials of ``key``; picks go to ``review.record_blind``
        (or ``record``). Loudness matching is switched on and stays on."""
        recorder = record or (review.record_blind if review is not None else None)
        kwargs: dict[str, Any] = {} if seed is None else {"seed": seed}
        self.blind = Blind(key, self.label_a, self.label_b, record=recorder, **kwargs)
        self.set_match_loudness(True)
        self.mixer.switch(self._real_side(self._side))
        return self.blind

    def choose(self, side: str | None = None) -> BlindPick:
        """The listener prefers ``side`` (default: the one playing); returns what it really was
        and starts the next trial (the sides may swap under the same letters)."""
        if self.blind is None:
            raise RuntimeError("no blind comparison is running")
        pick = self.blind.choose(side or self._side)
        self.mixer.switch(self._real_side(self._side))
        return pick

    def stop_blind(self) -> None:
        self.blind = None
        self.mixer.switch(self._side)

    @property
    def shown_labels(self) -> tuple[str, str]:
        """Labels to show: hidden during blind trials."""
        return ("?", "?") if self.blind is not None else (self.label_a, self.label_b)

    # -- the callback (audio thread) --------------------------------------------------------
    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        started = time.perf_counter()
        if status and getattr(status, "output_underflow", False):
            self.underflows += 1
        try:
            outdata[:] = self.mixer.next_block(frames)
            listen = self.listen
            if listen is not None and listen.listeners:
                listen.broadcast(outdata)
        except Exception as exc:
            outdata.fill(0)
            self._fail(f"playback stopped: {exc}")
            raise self.sd.CallbackAbort from None
        load = (time.perf_counter() - started) * self.sample_rate / frames
        self.loads[self.load_count % LOAD_HISTORY] = load
        self.load_count += 1

    def _finished(self) -> None:
        if not self._closing and self.available:
            self._fail("the audio stream stopped (the output device went away?)")

    # -- failures ----------------------------------------------------------------------------
    def _fail(self, reason: str) -> None:
        """No more sound: say why; everything else keeps working (clips included)."""
        if not self.available:
            return
        self.available = False
        self.reason = reason
        self._want_playing = False

    def _check_stream(self) -> None:
        stream = self._stream
        if not self.available or stream is None or self._closing or not self._started:
            return
        try:
            active = bool(stream.active)
        except Exception as exc:
            self._fail(f"the audio stream failed ({exc})")
            return
        if not active:
            self._fail("the audio stream stopped (the output device went away?)")

    def _control_failed(self, exc: BaseException) -> None:
        self.last_error = str(exc) or type(exc).__name__
        if isinstance(exc, getattr(self.sd, "PortAudioError", ())) or not isinstance(
            exc, ValueError
        ):
            self._fail(f"playback stopped: {self.last_error}")

    # -- loudness matching (matcher thread) -------------------------------------------------
    def _wake_matcher(self) -> None:
        with self._match_cv:
            self._match_cv.notify_all()

    def _wanted_match(self) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        if not self.match_loudness or (not self._b and not self._a and self.reference is None):
            return None
        a, b = list(self._a), list(self._b)
        span = passage_for(self.position_s, self.duration_s, self.loop_s, self.sections)
        if span[1] - span[0] < 0.4:
            return None
        audible = self.mixer.audible()
        reference = self.reference
        key = LoudnessMatcher.key(a, b, span, audible, reference)
        return key, (a, b, span, audible, reference)

    def _match_loop(self) -> None:
        while not self._closing:
            wanted = self._wanted_match()
            if wanted is not None and wanted[0] != self._match_key:
                key, (a, b, span, audible, reference) = wanted
                self.match_pending = True
                if self.matcher.cached(key) is None:
                    self._estimate(key, a, b, span, audible, reference)
                try:
                    result = self.matcher.match(a, b, span, audible, reference)
                except Exception as exc:  # a file gone: say so, keep going
                    self.last_error = f"loudness match failed: {exc}"
                    result = None
                self.match_pending = False
                current = self._wanted_match()
                if result is not None and current is not None and current[0] == key:
                    self._match_key = key
                    self.match = result
                    self._offset_known = True
                    self._apply_offset(result.offset_db, estimated=False)
                continue
            with self._match_cv:
                self._match_cv.wait(MATCH_POLL_S)

    def _estimate(
        self,
        key: tuple[Any, ...],
        a: list[Change],
        b: list[Change],
        span: tuple[float, float],
        audible: set[str],
        reference: Stem | None,
    ) -> None:
        """Apply the instant estimate of the match while the exact one renders (matcher thread)."""
        estimator = self.estimator
        if estimator is None:
            return
        try:
            guess = estimator.estimate(a, b, span, audible, reference)
        except Exception:  # a change the estimate cannot read: the exact match will say
            return
        current = self._wanted_match()
        if guess is None or current is None or current[0] != key:
            return
        self._apply_offset(guess.offset_db, estimated=True)

    def _apply_offset(self, offset_db: float, estimated: bool) -> None:
        """B's matching gain, heard at once when matching is on (matcher thread)."""
        self.offset_db = offset_db
        self.offset_estimated = estimated
        self.mixer.set_side_gain_db(offset_db if self.match_loudness else 0.0)
