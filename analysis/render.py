"""Render a reviewed session: the chosen, original, assistant and manual mixes and the processed
stems.

One streaming pass over the stems, block by block (memory stays bounded whatever the length):
every stem block is read once, run through the chosen, the assistant and the manual chains
(:func:`analysis.apply.chains_for`), written as a processed stem (chosen), and summed into the
four versions. Each version's mix is encoded, written and fed to a :class:`MeterBank` from the
very samples the file holds, so the notes carry the measurements of the files without another
read.

Two cores: the stems are split into two fixed groups, balanced by their processing cost. A worker
process reads, processes and writes the stems of group 1 and sends its partial sums of the four
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

The parts: ``render_plan`` (the versions, the file names, the groups and their cost),
``render_stems`` (one group of stems), ``render_workers`` (one process or two) and ``render_wav``
(the files); their public names are importable from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mixreview.analysis.apply import Change
from mixreview.analysis.measure import Measurement, MeterBank
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.meters.segments import series_step
from mixreview.analysis.render_plan import (
    EQ_BAND_COST_MS,
    GROUPS,
    KIND_COST_MS,
    MIX_NAMES,
    MIXES_COST_MS,
    PARALLEL_MIN_S,
    PARALLEL_MIN_THREADED_S,
    SCOPE_COST_MS,
    STEM_COST_MS,
    STEMS_DIR,
    VERSIONS,
    default_workers,
    stem_costs,
    stem_groups,
    stem_output_names,
    validate_changes,
)
from mixreview.analysis.render_stems import GroupRenderer, StageChecks
from mixreview.analysis.render_wav import (
    DISK_FULL_ERRNOS,
    PARTIAL_SUFFIX,
    SUBTYPES,
    WAV_MAX_BYTES,
    DiskFullError,
    RenderError,
    WavWriter,
    bytes_per_sample,
    check_subtype,
    disk_error,
    quantize,
    to_bytes,
    values_of,
    wav_header,
)
from mixreview.analysis.render_workers import (
    BLOCK_FRAMES,
    _blocks,
    _Job,
    _LocalSource,
    _WorkerSource,
)
from mixreview.analysis.session import Session

Progress = Callable[[int, int, str], None]

VERSION_SERIES_FRAMES_MAX = 2400
"""The rendered versions' series hold at most this many frames (a 4-minute song's 100 ms frames):
the notes read from them only long-term figures (the references' band averages and short-term
spread), and every figure they report is measured on 100 ms whatever the frames."""

__all__ = [
    "BLOCK_FRAMES",
    "DISK_FULL_ERRNOS",
    "EQ_BAND_COST_MS",
    "GROUPS",
    "KIND_COST_MS",
    "MIXES_COST_MS",
    "MIX_NAMES",
    "PARALLEL_MIN_S",
    "PARALLEL_MIN_THREADED_S",
    "PARTIAL_SUFFIX",
    "SCOPE_COST_MS",
    "STEMS_DIR",
    "STEM_COST_MS",
    "SUBTYPES",
    "VERSIONS",
    "VERSION_SERIES_FRAMES_MAX",
    "WAV_MAX_BYTES",
    "DiskFullError",
    "GroupRenderer",
    "MixAssembler",
    "Progress",
    "RenderError",
    "RenderResult",
    "StageChecks",
    "WavWriter",
    "bytes_per_sample",
    "check_subtype",
    "default_workers",
    "disk_error",
    "quantize",
    "render",
    "stem_costs",
    "stem_groups",
    "stem_output_names",
    "to_bytes",
    "validate_changes",
    "values_of",
    "wav_header",
]


# -- the mixes ---------------------------------------------------------------------------------
class MixAssembler:
    """Adds the group partials, writes the mixes asked for and meters every version."""

    def __init__(
        self, session: Session, folder: Path, write_versions: Sequence[str], subtype: str
    ) -> None:
        self.subtype = subtype
        step = series_step(session.frames, session.sample_rate, VERSION_SERIES_FRAMES_MAX)
        self.banks = {v: MeterBank(session.sample_rate, 2, step, session.frames) for v in VERSIONS}
        self.mono = {
            v: LoudnessMeter(session.sample_rate, 1, dual_mono=True, step=step) for v in VERSIONS
        }
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
        measurements = {}
        for version in VERSIONS:  # each bank let go once measured: its blocks are not held
            measurements[version] = self.banks.pop(version).result()  # beside the next result
        mono = {v: float(meter.result().integrated_lufs) for v, meter in self.mono.items()}
        return measurements, mono

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()


# -- the render --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderResult:
    """What was written (paths relative to the folder) and what the versions measure.

    ``measurements`` holds every version, written or not, measured on the samples the files
    hold (or would hold); ``mono_fold_lufs`` is the integrated loudness of (L+R)/2 on both
    speakers; ``clipped`` counts samples clipped to the integer range per written file;
    ``read_errors`` gives, per damaged stem, the time (s) from which it read as silence;
    ``rechecks`` the checks run again on each stem asked for, after each of its chosen changes.
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
    rechecks: dict[str, list[StageChecks]] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return [*self.mixes.values(), *self.stems.values()]


def render(
    session: Session,
    changes: Mapping[str, Sequence[Change]],
    folder: Path,
    write_versions: Sequence[str] = VERSIONS,
    stems: bool = True,
    subtype: str = "PCM_24",
    progress: Progress | None = None,
    workers: int | None = None,
    recheck: Collection[str] = (),
) -> RenderResult:
    """Render into ``folder`` (the export's staging folder, which must exist).

    ``changes`` maps each of VERSIONS to its changes (``Review.changes``). On any error or
    interruption every file begun is removed and the exception propagates; OSError ENOSPC
    becomes :class:`DiskFullError`. ``progress(done_frames, total_frames, label)`` is called after
    every block; it may raise to stop the render. The stems in ``recheck`` are metered after
    each of their chosen changes and their :data:`analysis.checks.RECHECKED` checks run again.
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
    job = _Job(session, groups, per_version, folder, names, subtype, frozenset(recheck))
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
                clipped, read_errors, rechecks = source.finish()
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
        rechecks=dict(sorted(rechecks.items())),
    )
