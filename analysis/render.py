"""Render a reviewed session: the chosen, original and assistant mixes and the processed stems.

One streaming pass over the stems, block by block (memory stays bounded whatever the length):
every stem block is read once, run through the chosen and the assistant chains
(:func:`analysis.apply.chains_for`), written as a processed stem (chosen), and summed into the
three versions. Each version's mix is encoded, written and fed to a :class:`MeterBank` from the
very samples the file holds, so the notes carry the measurements of the files without another
read.

Two cores: the stems are split into two fixed groups, balanced by their processing cost. A worker
process reads, processes and writes the stems of group 1 and sends its partial sums of the three
versions, while the parent does the same for group 0, adds the two partials (always group 0 plus
group 1), writes the mixes and meters them. With one process the parent computes both groups
itself and adds them the same way, so the files are byte-identical whatever the number of
processes.

Files are written under a temporary name (``<name>.partial``) inside the folder given (the
export's staging folder) and renamed when complete and synced. WAV files are written here rather
than by libsndfile: the header holds no time stamp (byte-identical renders), 24-bit samples are
``round(x * 2**23)`` clipped to the 24-bit range (a 24-bit stem at unity is written back
bit-exactly; libsndfile scales by 2**23 - 1 and does not clip), and clipped samples are counted.
No dither, no limiting, no master-bus processing.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import struct
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from mixreview.analysis.apply import KIND_ORDER, Change, chains_for, processor_for
from mixreview.analysis.dsp import Chain
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.stem_reader import READ_BLOCK_FRAMES, StemReader
from mixreview.analysis.tasks import die_with_parent, pool_context

VERSIONS = ("chosen", "original", "assistant")
MIX_NAMES = {version: f"mix_{version}.wav" for version in VERSIONS}
STEMS_DIR = "stems"
SUBTYPES = ("PCM_24", "PCM_16", "FLOAT")
PARTIAL_SUFFIX = ".partial"
BLOCK_FRAMES = READ_BLOCK_FRAMES
GROUPS = 2
PARALLEL_MIN_S = 2.0
PARALLEL_MIN_THREADED_S = 6.0
"""Estimated single-process render time below which a worker process costs more than it saves."""
WAV_MAX_BYTES = 0xFFFFFFFF - 64

Progress = Callable[[int, int, str], None]


class RenderError(MixreviewError):
    """The render could not be completed (the message says why and what to do)."""


class DiskFullError(RenderError):
    """The disk filled up while writing (ENOSPC or a quota)."""


DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


# -- encoding ----------------------------------------------------------------------------------
_PCM = {"PCM_16": (2, 16, 32768.0), "PCM_24": (3, 24, 8388608.0)}


def bytes_per_sample(subtype: str) -> int:
    return _PCM[subtype][0] if subtype in _PCM else 4


def check_subtype(subtype: str) -> str:
    if subtype not in SUBTYPES:
        raise ValueError(f"unknown sample format {subtype!r}; one of {', '.join(SUBTYPES)}")
    return subtype


def quantize(block: np.ndarray, subtype: str) -> tuple[np.ndarray, int]:
    """The block on the file's grid: integer-valued float32 for PCM (full scale = 2**(bits-1)),
    the float32 samples for FLOAT; and how many samples were clipped to the integer range.
    Non-finite samples become 0."""
    if subtype not in _PCM:
        out = np.asarray(block, dtype=np.float32)
        if not (np.isfinite(out.max()) and np.isfinite(out.min())):
            out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
        return out, 0
    scale = _PCM[subtype][2]
    scaled = np.asarray(block, dtype=np.float32) * np.float32(scale)
    np.rint(scaled, out=scaled)
    hi, lo = scaled.max(), scaled.min()
    if not (np.isfinite(hi) and np.isfinite(lo)):
        np.nan_to_num(scaled, copy=False, nan=0.0, posinf=scale, neginf=-scale)
        hi, lo = scaled.max(), scaled.min()
    clipped = 0
    if hi > scale - 1 or lo < -scale:
        clipped = int(np.count_nonzero(scaled > scale - 1) + np.count_nonzero(scaled < -scale))
        np.clip(scaled, -scale, scale - 1, out=scaled)
    return scaled, clipped


def values_of(quantized: np.ndarray, subtype: str) -> np.ndarray:
    """The samples a reader gets back from the file (float32, full scale 1.0)."""
    if subtype not in _PCM:
        return quantized
    return quantized * np.float32(1.0 / _PCM[subtype][2])


def to_bytes(quantized: np.ndarray, subtype: str) -> np.ndarray:
    """Little-endian sample bytes of a quantized block, interleaved."""
    if subtype not in _PCM:
        return np.ascontiguousarray(quantized, dtype="<f4")
    ints = quantized.astype("<i4").reshape(-1)
    if subtype == "PCM_16":
        return ints.astype("<i2")
    raw = ints.view(np.uint8).reshape(-1, 4)
    out = np.empty((len(raw), 3), np.uint8)
    out[:, 0] = raw[:, 0]  # column copies are 2.5x faster than a strided slice copy
    out[:, 1] = raw[:, 1]
    out[:, 2] = raw[:, 2]
    return out


def wav_header(sample_rate: int, channels: int, frames: int, subtype: str) -> bytes:
    """A canonical RIFF/WAVE header for a file whose length is known in advance."""
    width = bytes_per_sample(subtype)
    align = channels * width
    data_bytes = frames * align
    if subtype in _PCM:
        fmt = struct.pack(
            "<HHIIHH", 1, channels, sample_rate, sample_rate * align, align, _PCM[subtype][1]
        )
        fact = b""
    else:
        fmt = struct.pack("<HHIIHHH", 3, channels, sample_rate, sample_rate * align, align, 32, 0)
        fact = b"fact" + struct.pack("<II", 4, frames)
    riff_bytes = 4 + 8 + len(fmt) + len(fact) + 8 + data_bytes + data_bytes % 2
    if riff_bytes > WAV_MAX_BYTES:
        raise RenderError(
            f"{frames / sample_rate / 3600:.1f} hours of audio does not fit in a WAV file "
            "(4 GB): render fewer versions at a time or a shorter session."
        )
    return (
        b"RIFF" + struct.pack("<I", riff_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + fact + b"data" + struct.pack("<I", data_bytes)
    )  # fmt: skip


class WavWriter:
    """Writes ``path`` block by block as ``path.partial``; ``close`` syncs and renames it.

    The length is fixed up front (the header is final from the first byte); ``close`` refuses a
    file with fewer frames than announced, ``abort`` removes the partial file.
    """

    def __init__(self, path: Path, sample_rate: int, frames: int, subtype: str) -> None:
        self.path = path
        self.partial = path.with_name(path.name + PARTIAL_SUFFIX)
        self.subtype = check_subtype(subtype)
        self.frames = frames
        self.frames_written = 0
        self.clipped = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        header = wav_header(sample_rate, 2, frames, subtype)
        self._handle = open(self.partial, "xb")  # noqa: SIM115 (closed in close/abort)
        try:
            self._handle.write(header)
        except BaseException:
            self.abort()
            raise

    def write(self, quantized: np.ndarray, clipped: int = 0) -> None:
        """Append a quantized (frames, 2) block (see :func:`quantize`)."""
        self._handle.write(to_bytes(quantized, self.subtype).data.cast("B"))
        self.frames_written += len(quantized)
        self.clipped += clipped

    def close(self) -> None:
        if self.frames_written != self.frames:
            self.abort()
            raise RenderError(
                f"{self.path.name}: {self.frames_written} frames written of {self.frames}"
            )
        if (self.frames * 2 * bytes_per_sample(self.subtype)) % 2:
            self._handle.write(b"\0")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        self.partial.unlink(missing_ok=True)


# -- what gets written -------------------------------------------------------------------------
def stem_output_names(stems: Sequence[Stem]) -> dict[str, str]:
    """Source file -> its processed copy in the export, ``stems/<name>.wav``.

    Subfolders are kept. When two stems would get the same name (``Bass.wav`` and ``Bass.flac``,
    or names that differ only in case) the ``.wav`` one keeps it and the others carry their
    extension (``Bass-flac.wav``).
    """
    plain = {s.file: PurePosixPath(s.file).with_suffix(".wav").as_posix() for s in stems}
    taken: dict[str, list[str]] = {}
    for file, name in plain.items():
        taken.setdefault(name.lower(), []).append(file)
    names: dict[str, str] = {}
    used: set[str] = set()
    for file, name in plain.items():
        group = taken[name.lower()]
        keeper = next((f for f in group if f.lower().endswith(".wav")), group[0])
        if len(group) > 1 and file != keeper:
            path = PurePosixPath(file)
            name = path.with_name(f"{path.stem}-{path.suffix.lstrip('.').lower()}.wav").as_posix()
        candidate, number = name, 2
        while candidate.lower() in used:
            candidate = f"{name[:-4]}-{number}.wav"
            number += 1
        used.add(candidate.lower())
        names[file] = f"{STEMS_DIR}/{candidate}"
    return names


def _per_stem(changes: Sequence[Change], file: str) -> list[Change]:
    return [c for c in changes if file in c.stems]


# Processing cost in milliseconds per second of stereo audio at 48 kHz (measured on one core).
STEM_COST_MS = 0.7  # read, quantize and write the processed stem, add into three sums
KIND_COST_MS = {
    "compressor": 1.9, "eq": 0.8, "unmask": 1.2, "highpass": 1.2, "lowpass": 1.2,
    "mono_bass": 1.4, "section_gain": 0.3, "width": 0.25, "pan": 0.25, "polarity": 0.1,
}  # fmt: skip
EQ_BAND_COST_MS = 0.4
SCOPE_COST_MS = 0.3  # a change confined to a section: crossfade curves on top
MIXES_COST_MS = 17.5  # the three mixes: meters, quantize, write (done by the parent: group 0)


def _cost(changes: Sequence[Change]) -> float:
    """Estimated processing cost of a run of changes (ms per second of audio)."""
    total = 0.0
    for change in changes:
        total += KIND_COST_MS.get(change.kind, 0.05)
        if change.kind == "eq":
            total += EQ_BAND_COST_MS * len(change.params.get("bands") or [change.params])
        if change.section_span_s is not None:
            total += SCOPE_COST_MS
    return total


def stem_costs(stems: Sequence[Stem], changes: Mapping[str, Sequence[Change]]) -> list[float]:
    """Estimated cost of each stem (ms per second of audio): read, process both versions, write."""
    costs = []
    for stem in stems:
        chosen = _strip_order(changes["chosen"], stem.file)
        assistant = _strip_order(changes["assistant"], stem.file)
        common = 0
        while common < min(len(chosen), len(assistant)) and chosen[common] == assistant[common]:
            common += 1
        costs.append(STEM_COST_MS + _cost(chosen) + _cost(assistant[common:]))
    return costs


def stem_groups(
    stems: Sequence[Stem], changes: Mapping[str, Sequence[Change]], groups: int = GROUPS
) -> list[list[int]]:
    """Split stem indices into ``groups`` fixed groups of similar processing cost; group 0 is
    rendered by the process that also writes and meters the mixes, and gets less.

    Depends only on the stems and the changes (never on the number of workers or the options),
    so the sums, and with them the mixes, are the same bytes however the work is spread.
    """
    costs = stem_costs(stems, changes)
    order = sorted(range(len(stems)), key=lambda i: (-costs[i], i))
    loads = [MIXES_COST_MS] + [0.0] * (groups - 1)
    members: list[list[int]] = [[] for _ in range(groups)]
    for index in order:
        target = min(range(groups), key=lambda g: (loads[g], g))
        loads[target] += costs[index]
        members[target].append(index)
    return [sorted(m) for m in members]


def validate_changes(changes: Mapping[str, Sequence[Change]], session: Session) -> None:
    """Build every chain once: a change that cannot be rendered fails here, before any file."""
    for version, version_changes in changes.items():
        try:
            chains_for(version_changes, session)
        except ValueError as exc:
            raise RenderError(
                f"a change in the {version} version cannot be rendered: {exc}. "
                "Fix or remove it in the review (the app shows it) and render again."
            ) from None


# -- one group of stems ------------------------------------------------------------------------
class GroupRenderer:
    """Reads, processes and writes one group of stems; returns their partial sums per block.

    A stem's chosen and assistant chains often begin with the same changes (suggestions accepted
    as they are): that common prefix runs once and both versions continue from its output, which
    gives the same samples as running each whole chain.
    """

    def __init__(
        self,
        session: Session,
        indices: Sequence[int],
        changes: Mapping[str, Sequence[Change]],
        folder: Path,
        stem_names: Mapping[str, str] | None,
        subtype: str,
    ) -> None:
        stems = [session.mix_stems[i] for i in indices]
        self.subtype = subtype
        self.chains = {s.file: _split_chains(changes, s.file, session.sample_rate) for s in stems}
        self.readers: list[StemReader] = []
        self.writers: dict[str, WavWriter] = {}
        self.read_errors: dict[str, float] = {}
        try:
            for stem in stems:
                self.readers.append(StemReader(stem, session.sample_rate))
                if stem_names is not None:
                    self.writers[stem.file] = WavWriter(
                        folder / stem_names[stem.file],
                        session.sample_rate,
                        session.frames,
                        subtype,
                    )
        except BaseException:
            self.abort()
            raise

    def next_block(self, frames: int) -> np.ndarray:
        """The next ``frames`` of the group: (3, frames, 2) float32 sums in VERSIONS order."""
        sums = np.zeros((len(VERSIONS), frames, 2), np.float32)
        for reader in self.readers:
            file = reader.stem.file
            raw = reader.read(frames)  # a damaged file: what was decoded, then silence
            if reader.damaged_at_s is not None:
                self.read_errors.setdefault(file, reader.damaged_at_s)
            shared, chosen_tail, assistant_tail = self.chains[file]
            common = _run(shared, raw)
            chosen = _run(chosen_tail, common)
            assistant = _run(assistant_tail, common)
            writer = self.writers.get(file)
            if writer is not None:
                writer.write(*quantize(chosen, self.subtype))
            sums[0] += chosen
            sums[1] += raw
            sums[2] += assistant
        return sums

    def finish(self) -> dict[str, int]:
        """Close (sync, rename) the stem files; samples clipped per stem file."""
        for writer in self.writers.values():
            writer.close()
        self._close_readers()
        return {file: writer.clipped for file, writer in self.writers.items()}

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()
        self._close_readers()

    def _close_readers(self) -> None:
        for reader in self.readers:
            reader.close()


def _run(chain: Chain | None, block: np.ndarray) -> np.ndarray:
    return block if chain is None else chain.process(block)


def _strip_order(changes: Sequence[Change], file: str) -> list[Change]:
    """A stem's changes in channel-strip order, as :func:`analysis.apply.chains_for` runs them."""
    rank = {kind: index for index, kind in enumerate(KIND_ORDER)}
    return sorted(_per_stem(changes, file), key=lambda c: rank.get(c.kind, len(KIND_ORDER)))


def _chain(changes: Sequence[Change], sample_rate: int) -> Chain | None:
    if not changes:
        return None
    return Chain([processor_for(c, sample_rate) for c in changes], sample_rate)


def _split_chains(
    changes: Mapping[str, Sequence[Change]], file: str, sample_rate: int
) -> tuple[Chain | None, Chain | None, Chain | None]:
    """(common prefix, rest of chosen, rest of assistant) for one stem."""
    chosen = _strip_order(changes["chosen"], file)
    assistant = _strip_order(changes["assistant"], file)
    common = 0
    while common < min(len(chosen), len(assistant)) and chosen[common] == assistant[common]:
        common += 1
    return (
        _chain(chosen[:common], sample_rate),
        _chain(chosen[common:], sample_rate),
        _chain(assistant[common:], sample_rate),
    )


# -- the mixes ---------------------------------------------------------------------------------
class MixAssembler:
    """Adds the group partials, writes the mixes asked for and meters all three versions."""

    def __init__(
        self, session: Session, folder: Path, write_versions: Sequence[str], subtype: str
    ) -> None:
        self.subtype = subtype
        self.banks = {v: MeterBank(session.sample_rate, 2) for v in VERSIONS}
        self.mono = {v: LoudnessMeter(session.sample_rate, 1, dual_mono=True) for v in VERSIONS}
        self.clipped = dict.fromkeys(VERSIONS, 0)
        self.writers: dict[str, WavWriter] = {}
        try:
            for version in VERSIONS:
                if version in write_versions:
                    self.writers[version] = WavWriter(
                        folder / MIX_NAMES[version], session.sample_rate, session.frames, subtype
                    )
        except BaseException:
            self.abort()
            raise

    def add(self, partials: Sequence[np.ndarray]) -> None:
        total = partials[0].copy()
        for partial in partials[1:]:
            total += partial
        for index, version in enumerate(VERSIONS):
            quantized, clipped = quantize(total[index], self.subtype)
            self.clipped[version] += clipped
            writer = self.writers.get(version)
            if writer is not None:
                writer.write(quantized, clipped)
            values = values_of(quantized, self.subtype)
            self.banks[version].update(values)
            self.mono[version].update((values[:, :1] + values[:, 1:]) * np.float32(0.5))

    def finish(self) -> tuple[dict[str, Measurement], dict[str, float]]:
        for writer in self.writers.values():
            writer.close()
        measurements = {v: bank.result() for v, bank in self.banks.items()}
        mono = {v: float(meter.result().integrated_lufs) for v, meter in self.mono.items()}
        return measurements, mono

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()


# -- the render --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderResult:
    """What was written (paths relative to the folder) and what the three versions measure.

    ``measurements`` holds all three versions, written or not, measured on the samples the files
    hold (or would hold); ``mono_fold_lufs`` is the integrated loudness of (L+R)/2 on both
    speakers; ``clipped`` counts samples clipped to the integer range per written file;
    ``read_errors`` gives, per damaged stem, the time (s) from which it read as silence.
    """

    folder: Path
    sample_rate: int
    frames: int
    subtype: str
    mixes: dict[str, str]
    stems: dict[str, str]
    measurements: dict[str, Measurement]
    mono_fold_lufs: dict[str, float]
    clipped: dict[str, int]
    workers: int
    seconds: float
    mix_clipped: dict[str, int] = field(default_factory=dict)
    read_errors: dict[str, float] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return [*self.mixes.values(), *self.stems.values()]


def default_workers(session: Session, changes: Mapping[str, Sequence[Change]]) -> int:
    """Two processes when the estimated work is worth starting one (on a machine with two
    cores). Starting a worker costs ~0.1 s with fork and ~0.8 s with forkserver (used when this
    process runs threads, as the app does)."""
    if (os.cpu_count() or 1) < 2:
        return 1
    cost_ms = MIXES_COST_MS + sum(stem_costs(session.mix_stems, changes))
    estimated_s = cost_ms * session.duration_s / 1000.0
    threads = threading.active_count() > 1
    return GROUPS if estimated_s > (PARALLEL_MIN_THREADED_S if threads else PARALLEL_MIN_S) else 1


def render(
    session: Session,
    changes: Mapping[str, Sequence[Change]],
    folder: Path,
    write_versions: Sequence[str] = VERSIONS,
    stems: bool = True,
    subtype: str = "PCM_24",
    progress: Progress | None = None,
    workers: int | None = None,
) -> RenderResult:
    """Render into ``folder`` (the export's staging folder, which must exist).

    ``changes`` maps each of VERSIONS to its changes (``Review.changes``). On any error or
    interruption every file begun is removed and the exception propagates; OSError ENOSPC
    becomes :class:`DiskFullError`. ``progress(done_frames, total_frames, label)`` is called after
    every block; it may raise to stop the render.
    """
    started = time.perf_counter()
    check_subtype(subtype)
    for version in write_versions:
        if version not in VERSIONS:
            raise ValueError(f"unknown version {version!r}; one of {', '.join(VERSIONS)}")
    per_version = {v: list(changes.get(v, [])) for v in VERSIONS}
    validate_changes(per_version, session)
    if not session.mix_stems or session.frames <= 0:
        raise RenderError("the session has no stem that can be mixed: nothing to render.")
    names = stem_output_names(session.mix_stems) if stems else None
    groups = stem_groups(session.mix_stems, per_version)
    if workers is None:
        workers = default_workers(session, per_version)
    workers = max(1, min(workers, GROUPS))
    job = _Job(session, groups, per_version, folder, names, subtype)
    outputs = [folder / MIX_NAMES[v] for v in write_versions] + [
        folder / name for name in (names or {}).values()
    ]
    try:
        # workers start first: a forked child must not inherit the parent's open mix files
        source = _WorkerSource(job) if workers > 1 else _LocalSource(job)
        try:
            assembler = MixAssembler(session, folder, write_versions, subtype)
            try:
                done = 0
                for n in _blocks(session.frames):
                    assembler.add(source.next_block(n))
                    done += n
                    if progress:
                        progress(done, session.frames, "rendering")
                clipped, read_errors = source.finish()
                measurements, mono = assembler.finish()
            except BaseException:
                assembler.abort()
                raise
        finally:
            source.close()
    except BaseException as exc:
        for path in outputs:
            path.with_name(path.name + PARTIAL_SUFFIX).unlink(missing_ok=True)
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise disk_error(exc, folder) from exc
        raise
    mixes = {v: MIX_NAMES[v] for v in VERSIONS if v in write_versions}
    clipped_files = {names[f]: n for f, n in clipped.items()} if names else {}
    clipped_files.update({MIX_NAMES[v]: assembler.clipped[v] for v in mixes})
    return RenderResult(
        folder=folder,
        sample_rate=session.sample_rate,
        frames=session.frames,
        subtype=subtype,
        mixes=mixes,
        stems=dict(names or {}),
        measurements=measurements,
        mono_fold_lufs=mono,
        clipped=clipped_files,
        workers=workers,
        seconds=time.perf_counter() - started,
        mix_clipped=dict(assembler.clipped),
        read_errors=dict(sorted(read_errors.items())),
    )


def disk_error(exc: OSError, folder: Path) -> RenderError:
    """A message that says what happened to the disk and what to do."""
    where = exc.filename or folder
    if exc.errno in DISK_FULL_ERRNOS:
        return DiskFullError(
            f"the disk is full (writing {where}). Nothing was kept from this render; free some "
            "space or choose a folder on another disk with --out, and render again."
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RenderError(
            f"cannot write {where}: {exc.strerror}. Choose a folder you can write to with --out."
        )
    return RenderError(f"writing the export failed: {exc}. Nothing was kept from this render.")


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

    def renderer(self, group: int) -> GroupRenderer:
        return GroupRenderer(
            self.session, self.groups[group], self.changes, self.folder, self.names, self.subtype
        )


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

    def finish(self) -> tuple[dict[str, int], dict[str, float]]:
        clipped: dict[str, int] = {}
        errors: dict[str, float] = {}
        for renderer in self.renderers:
            clipped.update(renderer.finish())
            errors.update(renderer.read_errors)
        self._finished = True
        return clipped, errors

    def close(self) -> None:
        if not getattr(self, "_finished", False):
            for renderer in self.renderers:
                renderer.abort()


# -- worker processes --------------------------------------------------------------------------
def _worker(conn, job: _Job, group: int) -> None:
    """Render one group in a child process and stream its partial sums to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    die_with_parent()
    renderer = None
    try:
        renderer = job.renderer(group)
        for n in _blocks(job.session.frames):
            block = renderer.next_block(n)
            conn.send(("block", n))
            conn.send_bytes(block.data.cast("B"))
        clipped = renderer.finish()
        errors, renderer = renderer.read_errors, None
        conn.send(("done", clipped, errors))
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
        self.proc = context.Process(target=_worker, args=(child_end, job, 1), daemon=True)
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

    def finish(self) -> tuple[dict[str, int], dict[str, float]]:
        assert self.local is not None
        message = _receive(self.conn, self.proc)
        if message[0] != "done":
            _raise_worker_error(message)
        clipped = self.local.finish()
        self._finished = True
        clipped.update(message[1])
        errors = {**self.local.read_errors, **message[2]}
        self.proc.join()
        return clipped, errors

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
