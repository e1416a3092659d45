"""A command in a pseudo-terminal of a fixed size, whose output is kept and read without ever
blocking it: the app as a user runs it, for the end-to-end tests and the benchmarks.
PYTEST_DONT_REWRITE"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping, Sequence

ANSI = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])"
)
COLUMNS, ROWS = 100, 30


class Terminal:
    """``argv`` in a pseudo-terminal of ``COLUMNS`` x ``ROWS``; everything it writes is kept."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before ssh asks for a remote one like it
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                os.execvpe(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.status: int | None = None

    def pump(self, timeout_s: float) -> None:
        """Read what the terminal shows within ``timeout_s`` (the command never waits on us)."""
        if self.fd < 0:
            time.sleep(timeout_s)
            return
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if ready:
            try:
                self.output += os.read(self.fd, 1 << 16)
            except OSError:  # the command ended and the terminal closed
                time.sleep(timeout_s)

    def text(self, since: int = 0) -> str:
        """The output from byte ``since`` on, without escape sequences."""
        return ANSI.sub(b"", bytes(self.output[since:])).decode("utf-8", "replace")

    def press(self, keys: str) -> int:
        """Type ``keys``; returns where the output stood, to look for the answer after it."""
        mark = len(self.output)
        os.write(self.fd, keys.encode())
        return mark

    def exit_status(self) -> int | None:
        """The command's exit status once it has ended (None while it runs)."""
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def close(self) -> None:
        """End the command if it still runs, reap it, close the terminal."""
        if self.exit_status() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def until(
    term: Terminal, condition: Callable[[], bool], what: str, timeout_s: float = 30.0
) -> None:
    """Keep reading the terminal until ``condition()`` holds; fail saying ``what`` did not."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            screen = term.text()[-1500:]
            raise AssertionError(
                f"{what} within {timeout_s:.0f} s; the screen ended with {screen!r}"
            )
        term.pump(0.05)


def shows(term: Terminal, text: str, since: int = 0) -> Callable[[], bool]:
    return lambda: text in term.text(since)
