"""One group of stems rendered block by block: each stem read once, run through its chosen chain
(written as the processed stem) and the assistant's and manual chains, and summed into every
version; stems with checks a change can answer are metered after each chosen change."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mixreview.analysis.apply import Change, processor_for
from mixreview.analysis.checks import Check, processed_checks
from mixreview.analysis.dsp import Chain, Processor
from mixreview.analysis.meters.levels import LevelsMeter
from mixreview.analysis.meters.stereo import StereoMeter
from mixreview.analysis.render_plan import BRANCHES, VERSIONS, _strip_order, common_prefix
from mixreview.analysis.render_wav import WavWriter, quantize
from mixreview.analysis.session import Session
from mixreview.analysis.stem_reader import StemReader

WHOLE_SIGNAL_STEP = 1 << 40
"""A series step longer than any stem: the series hold one frame."""


@dataclass(frozen=True)
class StageChecks:
    """What the re-run checks found on a stem after one more of its chosen changes."""

    change_id: str
    fired: tuple[Check, ...]
    dc_offset: float
    correlation: float | None
    over_full_scale_samples: int


class StageTaps:
    """Levels and stereo meters after each chosen change of one stem (the checks' inputs)."""

    def __init__(
        self, file: str, changes: Sequence[Change], sample_rate: int, frames: int = 0
    ) -> None:
        self.file = file
        self.ids = [c.source_id for c in changes]
        # the checks read whole-stem figures only: the series fold into one frame (``frames``:
        # the stem's length at the session rate, so the crest factor's 100 ms squares are made
        # once at their full size)
        step = WHOLE_SIGNAL_STEP
        self.levels = [LevelsMeter(sample_rate, 2, step, frames) for _ in changes]
        self.stereo = [StereoMeter(sample_rate, 2, step, frames) for _ in changes]

    def update(self, stage: int, block: np.ndarray) -> None:
        self.levels[stage].update(block)
        self.stereo[stage].update(block)

    def result(self) -> list[StageChecks]:
        out = []
        for change_id, levels_meter, stereo_meter in zip(
            self.ids, self.levels, self.stereo, strict=True
        ):
            levels, stereo = levels_meter.result(), stereo_meter.result()
            out.append(
                StageChecks(
                    change_id,
                    tuple(processed_checks(self.file, levels, stereo)),
                    float(levels.dc_offset),
                    stereo.correlation,
                    int(levels.over_full_scale_samples),
                )
            )
        return out


@dataclass
class _StemPaths:
    """A stem's chosen chain, one processor per change, and where each other version leaves it
    (after how many chosen changes) with the chain of its own that follows."""

    chosen: list[Processor]
    branches: dict[str, tuple[int, Chain | None]]
    taps: StageTaps | None


class GroupRenderer:
    """Reads, processes and writes one group of stems; returns their partial sums per block.

    A stem's versions often begin with the same changes (suggestions accepted as they are, own
    changes before the assistant's): those run once in the chosen chain and each other version
    continues from the chosen chain's output at that point, which gives the same samples as
    running each whole chain.
    """

    def __init__(
        self,
        session: Session,
        indices: Sequence[int],
        changes: Mapping[str, Sequence[Change]],
        folder: Path,
        stem_names: Mapping[str, str] | None,
        subtype: str,
        recheck: Collection[str] = (),
    ) -> None:
        stems = [session.mix_stems[i] for i in indices]
        self.subtype = subtype
        rate = session.sample_rate
        self.paths = {
            s.file: _stem_paths(changes, s.file, rate, s.file in recheck, session.frames)
            for s in stems
        }
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
        """The next ``frames`` of the group: float32 sums shaped (versions, frames, 2), in
        VERSIONS order."""
        sums = np.zeros((len(VERSIONS), frames, 2), np.float32)
        for reader in self.readers:
            file = reader.stem.file
            raw = reader.read(frames)  # a damaged file: what was decoded, then silence
            if reader.damaged_at_s is not None:
                self.read_errors.setdefault(file, reader.damaged_at_s)
            paths = self.paths[file]
            stages = [raw]
            for index, processor in enumerate(paths.chosen):
                stages.append(processor.process(stages[-1]))
                if paths.taps is not None:
                    paths.taps.update(index, stages[-1])
            out = {"chosen": stages[-1], "original": raw}
            for version, (start, tail) in paths.branches.items():
                out[version] = stages[start] if tail is None else tail.process(stages[start])
            writer = self.writers.get(file)
            if writer is not None:
                writer.write(*quantize(out["chosen"], self.subtype))
            for index, version in enumerate(VERSIONS):
                sums[index] += out[version]
        return sums

    def rechecks(self) -> dict[str, list[StageChecks]]:
        """Per tapped stem, the re-run checks after each of its chosen changes."""
        return {f: p.taps.result() for f, p in self.paths.items() if p.taps is not None}

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


def _stem_paths(
    changes: Mapping[str, Sequence[Change]],
    file: str,
    sample_rate: int,
    tapped: bool,
    frames: int = 0,
) -> _StemPaths:
    chosen = _strip_order(changes.get("chosen", ()), file)
    branches: dict[str, tuple[int, Chain | None]] = {}
    for version in BRANCHES:
        own = _strip_order(changes.get(version, ()), file)
        start = common_prefix(chosen, own)
        tail = [processor_for(c, sample_rate) for c in own[start:]]
        branches[version] = (start, Chain(tail, sample_rate) if tail else None)
    taps = StageTaps(file, chosen, sample_rate, frames) if tapped and chosen else None
    return _StemPaths([processor_for(c, sample_rate) for c in chosen], branches, taps)
