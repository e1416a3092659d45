"""Progress on standard error: one rich bar that fits the terminal, or plain lines in a log.

A terminal gets a transient bar that redraws in place on one line whatever its width; anything
else (a pipe, a CI log) gets a plain line now and then, never carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mixreview.analysis.analyze import task_label
from mixreview.analysis.printable import shown

PLAIN_INTERVAL_S = 5.0


class ProgressBar:
    """``bar(done, total, item)`` as the engine's progress callback; ``close()`` when done."""

    def __init__(self, label: str, enabled: bool, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.interactive = enabled and self.stream.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._last_plain_s = 0.0
        self._last_plain: tuple[str, int, int] | None = None

    def _start(self) -> Progress:
        console = Console(file=self.stream, highlight=False)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TextColumn("{task.fields[item]}", justify="left", markup=False),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            expand=True,
        )
        progress.start()
        self._task = progress.add_task(self.label, total=1, item="")
        self._progress = progress
        return progress

    def __call__(self, done: int, total: int, item: str) -> None:
        if not self.enabled:
            return
        name = shown(task_label(item))
        if self.interactive:
            progress = self._progress or self._start()
            assert self._task is not None
            progress.update(
                self._task, description=self.label, completed=done, total=max(total, 1), item=name
            )
            return
        now = time.monotonic()
        key = (self.label, done, total)
        finished = done >= total
        if key == self._last_plain or (
            now - self._last_plain_s < PLAIN_INTERVAL_S and not finished
        ):
            return
        self._last_plain, self._last_plain_s = key, now
        self.stream.write(f"{self.label}: {done}/{total} {name}\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line that stays (above the bar in a terminal), e.g. a session that failed."""
        if not self.enabled:
            return
        text = shown(text)
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
