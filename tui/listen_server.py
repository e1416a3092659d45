"""The app as a source: every block the player renders also goes to the connected listeners.

Each listener has a bounded queue and its own sending thread, so the audio callback only copies
a block into the queues that have room: a slow or dead listener loses blocks (counted, and said
on the transport), it never stalls the sound device. Over the socket: one JSON line (rate,
channels, format), then interleaved float32 frames.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mixreview.tui.listen_socket import SAMPLE_FORMAT, socket_dir

QUEUE_BLOCKS = 64  # about 1.4 s of 1024-frame blocks at 48 kHz before a listener loses blocks


class Listener:
    """One connected ``mixreview listen``: a queue of blocks and the thread that sends them."""

    def __init__(
        self, conn: socket.socket, header: bytes, gone: Callable[[Listener], None]
    ) -> None:
        self.conn = conn
        self.blocks: queue.Queue[bytes | None] = queue.Queue(QUEUE_BLOCKS)
        self.dropped = 0
        self._gone = gone
        self._thread = threading.Thread(
            target=self._send, args=(header,), name="mixreview-listener", daemon=True
        )
        self._thread.start()

    def offer(self, block: np.ndarray) -> None:
        """From the audio callback: queue a copy, or drop it when the listener is behind."""
        try:
            self.blocks.put_nowait(block.astype("<f4", copy=True).tobytes())
        except queue.Full:
            self.dropped += 1

    def _send(self, header: bytes) -> None:
        try:
            self.conn.sendall(header)
            while True:
                data = self.blocks.get()
                if data is None:
                    break
                self.conn.sendall(data)
        except OSError:
            pass  # the listener went away
        finally:
            with contextlib.suppress(OSError):
                self.conn.close()
            self._gone(self)

    def close(self) -> None:
        with contextlib.suppress(queue.Full):
            self.blocks.put_nowait(None)
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)


class ListenServer:
    """Accepts listeners on this app's socket and hands them what plays."""

    def __init__(
        self,
        session_path: Path,
        sample_rate: int,
        on_connect: Callable[[], None] = lambda: None,
    ) -> None:
        folder = socket_dir()
        self.path = folder / f"{os.getpid()}.sock"
        self.info = folder / f"{os.getpid()}.json"
        self.sample_rate = sample_rate
        self.on_connect = on_connect
        self.listeners: list[Listener] = []
        self._lock = threading.Lock()
        self.path.unlink(missing_ok=True)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(self.path))
        os.chmod(self.path, 0o600)
        self._sock.listen(4)
        self.info.write_text(
            json.dumps({"pid": os.getpid(), "session": str(Path(session_path).resolve())}),
            encoding="utf-8",
        )
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="mixreview-listen", daemon=True)
        self._thread.start()

    @property
    def count(self) -> int:
        return len(self.listeners)

    @property
    def dropped(self) -> int:
        return sum(listener.dropped for listener in self.listeners)

    def _accept(self) -> None:
        header = (
            json.dumps({"rate": self.sample_rate, "channels": 2, "format": SAMPLE_FORMAT}) + "\n"
        ).encode()
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                break
            listener = Listener(conn, header, self._forget)
            with self._lock:
                self.listeners = [*self.listeners, listener]
            with contextlib.suppress(Exception):  # the player's trouble is its own to report
                self.on_connect()

    def _forget(self, listener: Listener) -> None:
        with self._lock:
            self.listeners = [x for x in self.listeners if x is not listener]

    def broadcast(self, block: np.ndarray) -> None:
        """Called by the audio callback with what it just played."""
        for listener in self.listeners:  # the list is replaced, never changed in place
            listener.offer(block)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.close()
        for listener in self.listeners:
            listener.close()
        for path in (self.path, self.info):
            path.unlink(missing_ok=True)
