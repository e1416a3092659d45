"""Measure the stems and the mix with one read of each file.

The mix is the sum of every mixable stem, so measuring the stems and then the mix would decode
every file twice (about an eighth of the work). Here each stem is read once: the blocks decoded
from its file feed its own meters (``StemReader``'s tap) and, as they enter the mix, a sum.

With more than one worker the stems are split into groups, one process each. A group sends the
sum of its stems, block by block along the session's timeline, down a named pipe to one more
process, which adds the groups' sums and meters the mix. The pipes hold a few blocks, so the
groups move through the song together and no process holds more than a few blocks of audio,
however long the stems are.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mixreview.analysis.measure import Measurement, MeterBank, StemOutcome, sum_readers
from mixreview.analysis.session import Session
from mixreview.analysis.stem_reader import READ_BLOCK_FRAMES, StemReader
from mixreview.analysis.tasks import alive

PIPE_BYTES = 1 << 20  # the pipe's own buffer (Linux F_SETPIPE_SZ; more needs privileges)
AHEAD_BYTES = 8 << 20  # how far the mix's process reads ahead of the slowest group, per group
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
DIR_PREFIX = "mixreview-pass-"
SUM_COST = 0.15  # reading a stem only for the sum, against reading and measuring it (measured)

Outcomes = dict[str, StemOutcome | None]
"""A stem's measurement by file; None: its file failed to decode on the way, and it is
measured again on its own (``measure_stem`` keeps what decodes after the failure)."""


def read_and_sum(
    session: Session,
    files: Sequence[str],
    measured: Sequence[str],
    emit: Callable[[np.ndarray], None],
) -> Outcomes:
    """Read the stems ``files`` once, along the session's timeline; ``emit`` gets each block's sum
    (float32, (frames, 2)) in order; the stems in ``measured`` are measured from the same reads."""
    banks = {}
    for file in measured:
        stem = session.stem(file)
        banks[file] = MeterBank(
            stem.sample_rate, stem.channels, session.series_step, stem.frames, sketch=True
        )
    readers: list[StemReader] = []
    try:
        for file in files:
            bank = banks.get(file)
            readers.append(
                StemReader(session.stem(file), session.sample_rate, bank.update if bank else None)
            )
        sum_readers(readers, session.frames, emit)
        for reader in readers:
            if reader.tap is not None:
                reader.drain()
        damaged = {r.stem.file for r in readers if r.damaged_at_s is not None}
    finally:
        for reader in readers:
            reader.close()
    return {
        file: None if file in damaged else StemOutcome(file, bank.result())
        for file, bank in banks.items()
    }


class _PipeOut:
    """The writing end of a group's pipe; a pipe whose reader has gone is written to no more
    (the group still finishes measuring its own stems)."""

    def __init__(self, path: str) -> None:
        self._out: BinaryIO | None = open(path, "wb", buffering=0)  # noqa: SIM115 (closed below)
        with contextlib.suppress(OSError):  # a smaller pipe only costs speed
            fcntl.fcntl(self._out.fileno(), F_SETPIPE_SZ, PIPE_BYTES)

    def write(self, block: np.ndarray) -> None:
        if self._out is None:
            return
        try:
            self._out.write(np.ascontiguousarray(block, np.float32).data.cast("B"))
        except BrokenPipeError:
            self.close()

    def close(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None


def measure_group(
    session: Session, files: Sequence[str], measured: Sequence[str], pipe: str
) -> Outcomes:
    """A group's task: measure ``measured`` and send the sum of ``files`` down ``pipe``.

    The pipe is opened first, whatever happens next, so the mix's process never waits for a
    group that has failed; closing it on the way out tells that process the group has ended."""
    out = _PipeOut(pipe)
    try:
        return read_and_sum(session, files, measured, out.write)
    finally:
        out.close()


def mix_of_groups(session: Session, pipes: Sequence[str], position_file: str) -> Measurement:
    """The mix's task: add the groups' sums block by block and meter them. Each group may run
    up to ``AHEAD_BYTES`` ahead of the slowest, so a group that the system holds back for a
    moment does not stop the others. The frame reached goes to ``position_file`` (8 bytes)."""
    inputs: list[_Incoming] = []
    try:
        for path in pipes:
            inputs.append(_Incoming(path, session.frames))
        for path in pipes:  # both ends are open: the names are no longer needed
            with contextlib.suppress(OSError):
                os.unlink(path)
        bank = MeterBank.of_session(session)
        with open(position_file, "r+b", buffering=0) as position:
            done = 0
            while done < session.frames:
                while not all(incoming.blocks for incoming in inputs):
                    if any(incoming.ended and not incoming.blocks for incoming in inputs):
                        raise RuntimeError(f"a group of stems ended early, at frame {done}")
                    wanted = [incoming for incoming in inputs if incoming.wants_more]
                    readable, _, _ = select.select(wanted, [], [])
                    for incoming in readable:
                        incoming.receive()
                total = inputs[0].blocks.popleft()
                for incoming in inputs[1:]:
                    total += incoming.blocks.popleft()
                bank.update(total)
                done += len(total)
                os.pwrite(position.fileno(), done.to_bytes(8, "little"), 0)
        return bank.result()
    finally:
        for incoming in inputs:
            incoming.close()


class _Incoming:
    """One group's pipe as a queue of whole blocks (the blocks a group sends, in order)."""

    def __init__(self, path: str, frames: int) -> None:
        self._handle = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close())
        self._frames = frames
        self._received = 0  # frames in whole blocks so far
        self._current: np.ndarray | None = None
        self._filled = 0  # bytes of the current block
        self.blocks: deque[np.ndarray] = deque()
        self.ended = False

    def fileno(self) -> int:
        return self._handle.fileno()

    @property
    def wants_more(self) -> bool:
        queued = sum(block.nbytes for block in self.blocks)
        return not self.ended and queued < AHEAD_BYTES and self._received < self._frames

    def receive(self) -> None:
        """Read what the pipe holds now into the block being filled (the pipe is readable)."""
        if self._current is None:
            n = min(READ_BLOCK_FRAMES, self._frames - self._received)
            self._current, self._filled = np.empty((n, 2), np.float32), 0
        view = self._current.data.cast("B")
        count = self._handle.readinto(view[self._filled :])
        if not count:
            self.ended = True
            return
        self._filled += count
        if self._filled == len(view):
            self.blocks.append(self._current)
            self._received += len(self._current)
            self._current = None

    def close(self) -> None:
        self._handle.close()


def split_groups(
    session: Session, files: Sequence[str], measured: Sequence[str], groups: int
) -> list[tuple[list[str], list[str]]]:
    """``files`` in ``groups`` groups of about equal work, each as (files, measured), in session
    order inside a group. A stem read only for the sum costs ``SUM_COST`` of one measured."""
    wanted = set(measured)

    def cost(file: str) -> float:
        stem = session.stem(file)
        return stem.frames * stem.channels * (1.0 if file in wanted else SUM_COST)

    loads = [0.0] * groups
    members: list[list[str]] = [[] for _ in range(groups)]
    for file in sorted(files, key=cost, reverse=True):  # largest first into the lightest group
        lightest = loads.index(min(loads))
        members[lightest].append(file)
        loads[lightest] += cost(file)
    order = {file: index for index, file in enumerate(files)}
    result = []
    for group in members:
        group.sort(key=order.__getitem__)
        result.append((group, [f for f in group if f in wanted]))
    return [g for g in result if g[0]]


@dataclass
class PassDir:
    """The folder holding the groups' pipes and the mix's position while a pass runs; named
    for the process that made it, so one left by a killed process is removed by the next."""

    path: Path
    groups: int

    @classmethod
    def create(cls, groups: int) -> PassDir:
        root = Path(tempfile.gettempdir())
        _remove_stale(root)
        path = Path(tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-", dir=root))
        for index in range(groups):
            os.mkfifo(path / f"group-{index}", 0o600)
        (path / "position").write_bytes(bytes(8))
        return cls(path, groups)

    def pipes(self) -> list[str]:
        """One named pipe per group, in group order."""
        return [str(self.path / f"group-{index}") for index in range(self.groups)]

    @property
    def position_file(self) -> str:
        return str(self.path / "position")

    def position(self) -> int:
        """The frame the mix has reached (0 before it starts)."""
        try:
            return int.from_bytes((self.path / "position").read_bytes()[:8], "little")
        except OSError:
            return 0

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _remove_stale(root: Path) -> None:
    """Remove pass folders whose process has ended (killed before it could remove them)."""
    with contextlib.suppress(OSError):
        for entry in root.glob(f"{DIR_PREFIX}*"):
            pid = entry.name[len(DIR_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def can_use_pipes() -> bool:
    """Named pipes exist here (not on Windows)."""
    return hasattr(os, "mkfifo")
