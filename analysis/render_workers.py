"""Where each block's partial sums come from: both groups of stems rendered in this process, or
group 1 in a worker process streaming its sums through a pipe while this one renders group 0."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.render_plan import VERSIONS
from mixreview.analysis.render_stems import GroupRenderer, StageChecks
from mixreview.analysis.render_wav import RenderError
from mixreview.analysis.session import Session
from mixreview.analysis.stem_reader import READ_BLOCK_FRAMES
from mixreview.analysis.tasks import die_with_parent, one_blas_thread, pool_context

BLOCK_FRAMES = READ_BLOCK_FRAMES


def _blocks(frames: int) -> list[int]:
    return [min(BLOCK_FRAMES, frames - start) for start in range(0, frames, BLOCK_FRAMES)]


@dataclass(frozen=True)
class _Job:
    """Everything a group renderer needs (picklable: it travels to worker processes)."""

    session: Session
    groups: list[list[int]]
    changes: dict[str, list[Change]]
    folder: Path
    names: dict[str, str] | None
    subtype: str
    recheck: frozenset[str] = frozenset()

    def renderer(self, group: int) -> GroupRenderer:
        return GroupRenderer(
            self.session, self.groups[group], self.changes, self.folder, self.names, self.subtype,
            self.recheck,
        )  # fmt: skip


Finished = tuple[dict[str, int], dict[str, float], dict[str, list[StageChecks]]]
"""What the stems of a render leave: clipped samples per stem file, where damaged stems stopped
reading (s), and the re-run checks per tapped stem."""


class _LocalSource:
    """Both groups rendered in this process, one after the other."""

    def __init__(self, job: _Job) -> None:
        self.renderers: list[GroupRenderer] = []
        try:
            for group in range(len(job.groups)):
                self.renderers.append(job.renderer(group))
        except BaseException:
            self.close()
            raise
        self._finished = False

    def next_block(self, frames: int) -> list[np.ndarray]:
        return [renderer.next_block(frames) for renderer in self.renderers]

    def finish(self) -> Finished:
        clipped: dict[str, int] = {}
        errors: dict[str, float] = {}
        rechecks: dict[str, list[StageChecks]] = {}
        for renderer in self.renderers:
            clipped.update(renderer.finish())
            errors.update(renderer.read_errors)
            rechecks.update(renderer.rechecks())
        self._finished = True
        return clipped, errors, rechecks

    def close(self) -> None:
        if not getattr(self, "_finished", False):
            for renderer in self.renderers:
                renderer.abort()


# -- worker processes --------------------------------------------------------------------------
def _worker(conn, job: _Job, group: int, owner: int | None = None) -> None:
    """Render one group in a child process and stream its partial sums to the parent (the
    process ``owner``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    one_blas_thread()
    die_with_parent(owner)
    renderer = None
    try:
        renderer = job.renderer(group)
        for n in _blocks(job.session.frames):
            block = renderer.next_block(n)
            conn.send(("block", n))
            conn.send_bytes(block.data.cast("B"))
        clipped = renderer.finish()
        errors, rechecks, renderer = renderer.read_errors, renderer.rechecks(), None
        conn.send(("done", clipped, errors, rechecks))
    except BaseException as exc:  # reported to the parent, which raises it
        if renderer is not None:
            renderer.abort()
        with contextlib.suppress(OSError, EOFError):
            conn.send(
                ("error", type(exc).__name__, getattr(exc, "errno", None),
                 getattr(exc, "strerror", None) or str(exc), getattr(exc, "filename", None),
                 traceback.format_exc(limit=6))
            )  # fmt: skip
    finally:
        conn.close()


def _raise_worker_error(message: tuple) -> None:
    if message[0] != "error":
        raise RenderError(f"a render worker got out of step ({message[0]}); render again.")
    _, kind, err, text, filename, trace = message
    if err is not None:
        raise OSError(err, text, filename)
    if kind == "RenderError":
        raise RenderError(text)
    raise RenderError(f"rendering failed ({kind}: {text}). Details:\n{trace}")


def _release_free_memory() -> None:
    """Give freed heap back to the system before forking (glibc keeps it otherwise), so the
    worker does not start with the parent's high-water mark resident."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _WorkerSource:
    """Group 0 rendered here, group 1 by a worker process streaming its partial sums through a
    pipe: both cores busy, two processes in all. Each block, this process renders its own part
    while the worker renders the other."""

    def __init__(self, job: _Job) -> None:
        _release_free_memory()
        context = pool_context()
        self.local: GroupRenderer | None = None
        self._finished = False
        parent_end, child_end = context.Pipe(duplex=False)
        self.conn = parent_end
        self.proc = context.Process(
            target=_worker, args=(child_end, job, 1, os.getpid()), daemon=True
        )
        try:
            self.proc.start()
            child_end.close()
            self.local = job.renderer(0)  # opened after the fork: the worker shares no files
        except BaseException:
            child_end.close()
            self.close()
            raise
        self.buffer = np.empty((len(VERSIONS), BLOCK_FRAMES, 2), np.float32)

    def next_block(self, frames: int) -> list[np.ndarray]:
        assert self.local is not None
        mine = self.local.next_block(frames)
        message = _receive(self.conn, self.proc)
        if message[0] != "block" or message[1] != frames:
            _raise_worker_error(message)
        if frames == BLOCK_FRAMES:
            theirs = self.buffer
        else:
            theirs = np.empty((len(VERSIONS), frames, 2), np.float32)
        try:
            self.conn.recv_bytes_into(theirs.data.cast("B"))
        except (EOFError, OSError):
            _raise_worker_error(_receive(self.conn, self.proc))
        return [mine, theirs]

    def finish(self) -> Finished:
        assert self.local is not None
        message = _receive(self.conn, self.proc)
        if message[0] != "done":
            _raise_worker_error(message)
        clipped = self.local.finish()
        self._finished = True
        clipped.update(message[1])
        errors = {**self.local.read_errors, **message[2]}
        rechecks = {**self.local.rechecks(), **message[3]}
        self.proc.join()
        return clipped, errors, rechecks

    def close(self) -> None:
        if self.local is not None and not self._finished:
            self.local.abort()
        if self.proc.is_alive():
            self.proc.terminate()
        if self.proc.pid is not None:
            self.proc.join()
        self.conn.close()


def _receive(conn, proc) -> tuple:
    try:
        return conn.recv()
    except (EOFError, OSError):
        proc.join(timeout=5)
        raise RenderError(
            f"a render worker stopped unexpectedly (exit code {proc.exitcode}); "
            "nothing was kept from this render. Render again."
        ) from None
