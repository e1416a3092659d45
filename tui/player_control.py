"""Transport work run in order on one thread, so a keystroke never waits for files to open."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class ControlThread:
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
