"""The audition player: the mixer (``analysis.playback``) played through a sounddevice stream.

``make_audition(session)`` is what the app calls. It is quick, never raises, and returns either a
``Player`` or, when nothing can play here, a ``ClipsOnly`` audition (``available`` False, like
``NoAudio``) whose ``reason`` says why and how to fix it, and which can still write the A/B
passage as clips:

- an SSH session without forwarded audio (``SSH_CONNECTION`` set, no ``PULSE_SERVER``): the sound
  would come out of the remote machine; the reason says how to forward it
  (``MIXREVIEW_AUDIO=remote`` plays on the remote machine anyway);
- no PortAudio library (``import sounddevice`` raises OSError);
- no output device, or the stream cannot be opened (``PortAudioError``, ``ValueError``).

A ``Player`` that loses its stream while playing (the device goes away, the callback fails)
turns itself into the same state: ``available`` becomes False, ``reason`` says what happened,
every call keeps working.

Rules kept here:
- PortAudio, ALSA and JACK print diagnostics on the C-level stderr, which is where Textual draws
  the screen. Importing sounddevice and opening, starting and closing streams happen with fd 2
  pointed at a temporary file (``quiet_stderr``); whatever the app itself wrote there meanwhile
  (escape sequences) is written back, the libraries' lines are kept for error messages. ALSA's
  run-time messages (underruns) are silenced with an ALSA error handler.
- The audio callback only calls ``Mixer.next_block`` and writes numbers into preallocated arrays
  (meters, callback load). It never posts messages or calls into the UI.
- Work that builds renderers (play, seek, loop, new versions) runs in order on one control
  thread, so a keystroke never waits for files to open; the UI sees the requested state at once.
- Loudness matching is computed offline (``LoudnessMatcher``) on a matcher thread whenever the
  versions, the passage or the audible stems change, and reaches the mixer as a ramped gain.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from mixreview.analysis.apply import Change, chains_for
from mixreview.analysis.blind import Blind, BlindPick
from mixreview.analysis.clips import ClipSet, write_clips
from mixreview.analysis.playback import (
    DEFAULT_BLOCK_FRAMES,
    LoudnessMatcher,
    Match,
    Mixer,
    audible_stems,
    passage_for,
    section_spans,
)
from mixreview.analysis.session import Session, Stem
from mixreview.tui.audition import Audition, Levels, NoAudio

LOAD_HISTORY = 4096
"""Callback loads kept (share of the block duration), about 90 s at 1024 frames."""
MATCH_POLL_S = 0.2
MATCH_PAUSE_S = 0.001
"""The matcher sleeps this long after each stem it renders, so the callback gets the GIL."""
FORWARD_HELP = (
    "forward your own machine's PulseAudio: on your machine run "
    "`pactl load-module module-native-protocol-tcp auth-ip-acl=127.0.0.1`, connect with "
    "`ssh -R 24713:127.0.0.1:4713 HOST`, then start mixreview with "
    "`PULSE_SERVER=tcp:127.0.0.1:24713` (see 'Audio over SSH' in the README)"
)

# ------------------------------------------------------------------------------ stderr ---

_STDERR_LOCK = threading.Lock()


def _keep_screen_bytes(captured: bytes) -> bytes:
    """What of ``captured`` the app drew (pieces with escape sequences), without library lines."""
    kept = [piece for piece in captured.splitlines(keepends=True) if b"\x1b" in piece]
    return b"".join(kept)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[list[str]]:
    """Point fd 2 at a temporary file for the duration; yields a list that receives the text
    lines the libraries printed. Bytes with escape sequences (the app's own screen output, when
    a full-screen UI writes on stderr) are written back to the real stderr afterwards."""
    lines: list[str] = []
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield lines
            return
        with tempfile.TemporaryFile() as sink:
            try:
                with contextlib.suppress(AttributeError, ValueError, OSError):
                    import sys

                    sys.stderr.flush()
                os.dup2(sink.fileno(), 2)
                yield lines
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                captured = sink.read()
                screen = _keep_screen_bytes(captured)
                if screen:
                    with contextlib.suppress(OSError):
                        os.write(2, screen)
                text = captured.decode("utf-8", "replace")
                lines.extend(
                    line.strip()
                    for line in text.splitlines()
                    if line.strip() and "\x1b" not in line
                )


_ALSA_HANDLER: Any = None


def silence_alsa() -> None:
    """Install a no-op ALSA error handler (underrun messages would print over the screen)."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return
    name = ctypes.util.find_library("asound")
    if not name:
        return
    try:
        lib = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = handler_type(lambda *args: None)
        lib.snd_lib_error_set_handler(handler)
        _ALSA_HANDLER = handler  # keep it alive
    except (OSError, AttributeError):
        return


# ----------------------------------------------------------------------- no-audio checks ---


def ssh_without_audio(environ: Mapping[str, str] | None = None) -> str | None:
    """Why playing here would not reach the user, or None."""
    env = os.environ if environ is None else environ
    if env.get("MIXREVIEW_AUDIO", "").lower() == "remote":
        return None
    if env.get("SSH_CONNECTION") and not env.get("PULSE_SERVER"):
        return (
            "this is an SSH session without forwarded audio: sound would play on the remote "
            f"machine, not on yours. To hear it, {FORWARD_HELP}; or write the A/B passage as "
            "clips to play on your machine"
        )
    return None


def load_sounddevice() -> ModuleType:
    """Import sounddevice with the C-level stderr redirected (PortAudio probes devices at import
    and ALSA/JACK print while it does). Raises OSError without the PortAudio library."""
    with quiet_stderr():
        import sounddevice

    return sounddevice


def _no_portaudio_reason(exc: BaseException) -> str:
    return (
        f"the PortAudio library is not installed ({exc}). Install it "
        "(`sudo apt-get install libportaudio2` on Debian/Ubuntu) and start mixreview again"
    )


def output_device(sd: ModuleType, device: Any) -> tuple[Any, str | None]:
    """The device to open and, when there is none, why."""
    try:
        devices = list(sd.query_devices())
    except Exception as exc:  # PortAudio in a bad state
        return None, f"the audio devices cannot be listed ({exc})"
    outputs = [i for i, d in enumerate(devices) if d.get("max_output_channels", 0) > 0]
    if not outputs:
        return None, (
            "no audio output device was found (PortAudio sees none: no sound card and no "
            "sound server such as PulseAudio or PipeWire)"
        )
    if device is not None:
        return device, None
    default = sd.default.device
    index = default[1] if isinstance(default, list | tuple) else default
    if isinstance(index, int) and index >= 0:
        return None, None
    return outputs[0], None


# ------------------------------------------------------------------------- control thread ---


class _Control:
    """Runs transport work in order on one thread. Work of a kind in ``replaceable`` that is
    still waiting is replaced by newer work of the same kind."""

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._pending: deque[tuple[str, Callable[[], None]]] = deque()
        self._cv = threading.Condition()
        self._busy = False
        self._closed = False
        self._on_error = on_error
        self._thread = threading.Thread(target=self._run, name="mixreview-control", daemon=True)
        self._thread.start()

    def submit(self, kind: str, work: Callable[[], None], replace: bool = False) -> None:
        with self._cv:
            if replace:
                self._pending = deque(p for p in self._pending if p[0] != kind)
            self._pending.append((kind, work))
            self._cv.notify_all()

    @property
    def idle(self) -> bool:
        with self._cv:
            return not self._pending and not self._busy

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._pending.clear()
            self._cv.notify_all()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                _, work = self._pending.popleft()
                self._busy = True
            try:
                work()
            except BaseException as exc:
                self._on_error(exc)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()


# ------------------------------------------------------------------------------ auditions ---


class _Versions:
    """What every audition keeps, playing or not: versions, labels, blind trials, clips."""

    session: Session
    label_a: str
    label_b: str
    last_clips: ClipSet | None
    _a: list[Change]
    _b: list[Change]
    reference: Stem | None = None  # side B is this reference track when set

    def _store_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None,
    ) -> None:
        """Check the changes (ValueError at once for bad parameters), then keep them."""
        chains_for(a, self.session)
        chains_for(b, self.session)
        self._a, self._b = list(a), list(b)
        self.label_a, self.label_b = label_a, label_b
        self.reference = reference

    def _clip_set(self, out_dir: Path, span_s: tuple[float, float], audible: set[str]) -> ClipSet:
        clips = write_clips(
            self.session, self._a, self._b, span_s, Path(out_dir),
            label_a=self.label_a, label_b=self.label_b, audible=audible,
            match=getattr(self, "match_loudness", True), reference=self.reference,
        )  # fmt: skip
        self.last_clips = clips
        return clips


class ClipsOnly(_Versions):
    """An audition that cannot play here but keeps the transport state like ``NoAudio`` and can
    write the A/B passage as two matched clips (``clips_possible``).

    Not a ``NoAudio`` subclass on purpose: the app treats a NoAudio as unable to write clips.
    """

    clips_possible = True

    def __init__(self, session: Session, reason: str) -> None:
        self.session = session
        self.available = False
        self.reason = reason
        self.playing = False
        self.side = "A"
        self.loop_s: tuple[float, float] | None = None
        self.match_loudness = True
        self.offset_db = 0.0
        self.label_a, self.label_b = "A", "B"
        self.duration_s = session.duration_s
        self.last_clips = None
        self.muted: set[str] = set()
        self.soloed: set[str] = set()
        self._a: list[Change] = []
        self._b: list[Change] = []
        self._position_s = 0.0

    @property
    def position_s(self) -> float:
        return self._position_s

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None = None,
    ) -> None:
        self._store_versions(a, b, label_a, label_b, reference)

    def play(self) -> None:
        self.playing = False

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        self.playing = False

    def seek(self, position_s: float) -> None:
        self._position_s = min(max(0.0, float(position_s)), self.duration_s)

    def switch(self, side: str | None = None) -> None:
        side = side or ("B" if self.side == "A" else "A")
        if side not in ("A", "B"):
            raise ValueError(f"side must be A or B, got {side!r}")
        self.side = side

    def set_loop(self, span_s: tuple[float, float] | None) -> None:
        self.loop_s = span_s

    def set_match_loudness(self, on: bool) -> None:
        self.match_loudness = bool(on)

    def set_mute(self, stem: str, muted: bool) -> None:
        (self.muted.add if muted else self.muted.discard)(stem)

    def set_solo(self, stem: str, soloed: bool) -> None:
        (self.soloed.add if soloed else self.soloed.discard)(stem)

    def levels(self) -> Levels:
        return Levels()

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        files = [s.file for s in self.session.mix_stems]
        audible = audible_stems(files, self.muted, self.soloed)
        return self._clip_set(out_dir, span_s, audible).paths

    def close(self) -> None:
        pass


class Player(_Versions):
    """The real audition: a Mixer behind a sounddevice OutputStream (see the module doc)."""

    clips_possible = True

    def __init__(
        self,
        session: Session,
        sd: ModuleType,
        device: Any = None,
        *,
        block_frames: int = DEFAULT_BLOCK_FRAMES,
        latency: str | float = "high",
        mixer: Mixer | None = None,
    ) -> None:
        self.session = session
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
        self.mixer = mixer or Mixer(session, block_frames=block_frames)
        self.matcher = LoudnessMatcher(session, pause_s=MATCH_PAUSE_S)
        self.sections = section_spans(session)
        self._closing = False
        self._started = False
        self._stream: Any = None
        self.stream_latency_s = 0.0
        self._control = _Control(self._control_failed)
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
            raise _OpenFailed(_describe(failure, lines)) from failure
        self.stream_latency_s = float(getattr(self._stream, "latency", 0.0) or 0.0)
        self._match_thread.start()

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
            self._fail(f"the audio output could not start: {_describe(failure, lines)}")
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
            self.mixer.set_side_gain_db(0.0)
        self._control.submit(
            "versions",
            lambda: self.mixer.set_versions(a, b, label_a, label_b, reference=reference),
            replace=True,
        )
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
        peak_db, lufs = self.mixer.taps.read()
        return Levels(peak_db=peak_db, loudness_lufs=lufs)

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
                    self.offset_db = result.offset_db
                    self.mixer.set_side_gain_db(self.offset_db if self.match_loudness else 0.0)
                continue
            with self._match_cv:
                self._match_cv.wait(MATCH_POLL_S)


class _OpenFailed(Exception):
    """The output stream could not be opened (the message says why)."""


def _describe(exc: BaseException, lines: Sequence[str]) -> str:
    text = str(exc) or type(exc).__name__
    detail = next((line for line in reversed(lines) if line), "")
    return f"{text} ({detail})" if detail and detail not in text else text


# ------------------------------------------------------------------------------- factory ---


def make_audition(
    session: Session,
    device: Any = None,
    *,
    block_frames: int = DEFAULT_BLOCK_FRAMES,
    environ: Mapping[str, str] | None = None,
    loader: Callable[[], ModuleType] = load_sounddevice,
) -> Audition:
    """The real player, or a ClipsOnly audition saying why nothing can play. Never raises.

    ``device``: a sounddevice device (name or index); default: ``MIXREVIEW_AUDIO_DEVICE`` or the
    system default output. ``environ`` and ``loader`` are for tests.
    """
    env = os.environ if environ is None else environ
    try:
        if env.get("MIXREVIEW_AUDIO", "").lower() in ("off", "0", "no"):
            return ClipsOnly(session, "audio is switched off (MIXREVIEW_AUDIO=off)")
        why = ssh_without_audio(env)
        if why is not None:
            return ClipsOnly(session, why)
        try:
            sd = loader()
        except OSError as exc:
            return ClipsOnly(session, _no_portaudio_reason(exc))
        silence_alsa()
        if device is None:
            device = env.get("MIXREVIEW_AUDIO_DEVICE") or None
        device, why = output_device(sd, device)
        if why is not None:
            return ClipsOnly(session, why)
        try:
            return Player(session, sd, device, block_frames=block_frames)
        except _OpenFailed as exc:
            where = f" ({device})" if device is not None else ""
            return ClipsOnly(session, f"the audio output{where} could not be opened: {exc}")
    except Exception as exc:  # never let audio take the app down
        try:
            return ClipsOnly(session, f"the audio player failed to start ({exc})")
        except Exception:
            return NoAudio(f"the audio player failed to start ({exc})", 0.0)
