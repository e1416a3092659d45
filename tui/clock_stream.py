"""An output stream with no sound card: the player's callback, called on time by a clock.

Where nothing can play (an SSH session, a server) the app still renders in real time for its
listeners (``mixreview listen``); this stands in for sounddevice's ``OutputStream`` and paces the
callback with the monotonic clock, writing the blocks nowhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np


class CallbackAbort(Exception):
    """Raised by a callback to stop the stream (sounddevice's name for it)."""


class ClockStream:
    """``OutputStream(samplerate, blocksize, channels, dtype, device, latency, callback, ...)``."""

    def __init__(
        self,
        *,
        samplerate: int,
        blocksize: int,
        channels: int,
        callback: Callable[[np.ndarray, int, Any, Any], None],
        finished_callback: Callable[[], None] | None = None,
        **_ignored: Any,
    ) -> None:
        self.samplerate, self.blocksize, self.channels = samplerate, blocksize, channels
        self.callback, self.finished_callback = callback, finished_callback
        self.latency = blocksize / samplerate
        self.active = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.active:
            return
        self.active = True
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mixreview-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = self.blocksize / self.samplerate
        out = np.zeros((self.blocksize, self.channels), np.float32)
        deadline = time.monotonic()
        try:
            while not self._stop.is_set():
                self.callback(out, self.blocksize, None, None)
                deadline += period
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._stop.wait(wait)
                elif wait < -0.5:  # far behind (a suspended machine): start the clock afresh
                    deadline = time.monotonic()
        except CallbackAbort:
            pass
        finally:
            self.active = False
            if self.finished_callback is not None and not self._stop.is_set():
                self.finished_callback()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.active = False

    abort = stop

    def close(self) -> None:
        self.stop()


# A stand-in for the sounddevice module, for the player.
CLOCK = SimpleNamespace(
    OutputStream=ClockStream, CallbackAbort=CallbackAbort, PortAudioError=OSError
)
