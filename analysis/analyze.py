"""Run the whole analysis of a session: measurements (cached), checks and sections.

This is the one entry point both clients call; it returns plain frozen data.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mixreview.analysis import cache
from mixreview.analysis.checks import Check, session_checks, stem_checks
from mixreview.analysis.measure import (
    MIX_KEY,
    Measurement,
    MeterBank,
    StemOutcome,
    measure_mix,
    measure_stem,
)
from mixreview.analysis.measure_pass import (
    Outcomes,
    PassDir,
    can_use_pipes,
    measure_group,
    mix_of_groups,
    read_and_sum,
    split_groups,
)
from mixreview.analysis.reference import (
    Comparison,
    ReferenceReport,
    ReferenceSpec,
    compare,
    measure_reference,
    probe_reference,
    reference_report,
    reference_step,
    specs_from,
)
from mixreview.analysis.reference_doubts import judge_references
from mixreview.analysis.sections import Section, session_sections
from mixreview.analysis.session import Session, Stem, load_session
from mixreview.analysis.state import state_dir
from mixreview.analysis.tasks import Task, default_workers, run_tasks
from mixreview.analysis.user_references import load_user_references

Progress = Callable[[int, int, str], None]
REFERENCE_KEY = "__reference__"
PASS_KEY = "__stems_and_mix__"
GROUP_KEY = "__group__"


def task_label(key: str) -> str:
    """What a progress key names, for people: a stem's file, the mix or a reference track."""
    if key == MIX_KEY:
        return "the mix"
    if key == PASS_KEY:
        return "the stems and the mix"
    if key.startswith(REFERENCE_KEY):
        return "a reference track"
    return key


@dataclass(frozen=True)
class StemReport:
    """A stem, its measurement (None if it could not be measured) and its checks."""

    stem: Stem
    measurement: Measurement | None
    checks: tuple[Check, ...]
    error: str | None = None


@dataclass(frozen=True)
class Analysis:
    """What mixreview knows about a session before any suggestion."""

    session: Session
    stems: tuple[StemReport, ...]
    mix: Measurement | None
    sections: tuple[Section, ...]
    session_checks: tuple[Check, ...] = ()
    cached: dict[str, bool] = field(default_factory=dict)
    references: tuple[ReferenceReport, ...] = ()
    comparison: Comparison | None = None

    def stem_report(self, file: str) -> StemReport:
        for report in self.stems:
            if report.stem.file == file:
                return report
        raise KeyError(file)

    @property
    def frame_s(self) -> float:
        """The grid of the measured series: the mix's, as it was measured (the session's when
        there is no mix)."""
        return self.mix.loudness.frame_s if self.mix is not None else self.session.frame_s

    @property
    def all_checks(self) -> list[Check]:
        return [*self.session_checks, *(c for r in self.stems for c in r.checks)]


def _stem_cache_path(folder: Path, stem: Stem, step: int) -> Path | None:
    try:
        signature = cache.file_signature(stem.path)
    except OSError:
        return None
    return folder / f"stem-{cache.cache_key(signature, str(step))}.npz"


def _mix_cache_path(folder: Path, session: Session, stem_paths: list[Path | None]) -> Path | None:
    known = [p for p in stem_paths if p is not None]
    if len(known) != len(stem_paths):
        return None
    parts = [str(session.sample_rate), str(session.frames), str(session.series_step)]
    parts += [f"{s.file}={p.name}" for s, p in zip(session.mix_stems, known, strict=True)]
    return folder / f"mix-{cache.cache_key(*parts)}.npz"


@dataclass(frozen=True)
class AnalysisPlan:
    """What analysing a session takes: the measurements still to make (``tasks``, independent of
    each other) and what the cache already holds. ``analyze`` runs the tasks in the local pool;
    ``batch`` may run them as Dask tasks. ``finish_analysis`` turns their results into the
    Analysis, so both give the same answer."""

    session: Session
    tasks: tuple[Task[Any], ...]
    outcomes: dict[str, StemOutcome]
    cached: dict[str, bool]
    stem_paths: dict[str, Path | None]
    mix: Measurement | None
    mix_path: Path | None
    reference_count: int
    # the reference tracks the cache holds (by task key), and where each is cached
    reference_hits: dict[str, ReferenceReport] = field(default_factory=dict)
    reference_paths: dict[str, Path | None] = field(default_factory=dict)


def plan_analysis(
    session: Session,
    use_cache: bool = True,
    references: Sequence[str | os.PathLike[str]] = (),
) -> AnalysisPlan:
    """Look up the cache and list the measurements ``analyze`` still has to make."""
    cache_dir = state_dir(session.path) / "cache" if use_cache else None
    outcomes: dict[str, StemOutcome] = {}
    cached: dict[str, bool] = {}
    tasks: list[Task[Any]] = []
    stem_paths: dict[str, Path | None] = {}
    for stem in session.stems:
        path = (
            _stem_cache_path(cache_dir, stem, session.series_step)
            if cache_dir and stem.mixable
            else None
        )
        stem_paths[stem.file] = path
        hit = cache.load(Measurement, path) if path and path.exists() else None
        if hit is not None:
            outcomes[stem.file] = StemOutcome(stem.file, hit)
            cached[stem.file] = True
        else:
            cached[stem.file] = False
            tasks.append(Task(stem.file, measure_stem, (stem, session.series_step)))
    mix: Measurement | None = None
    mix_path = None
    if session.mix_stems:
        mix_paths = [stem_paths[s.file] for s in session.mix_stems]
        mix_path = _mix_cache_path(cache_dir, session, mix_paths) if cache_dir else None
        mix = cache.load(Measurement, mix_path) if mix_path and mix_path.exists() else None
        cached[MIX_KEY] = mix is not None
        if mix is None:
            tasks.insert(0, Task(MIX_KEY, measure_mix, (session,)))  # the longest starts first
    specs = specs_from(references, session.manifest.references, load_user_references(session.path))
    hits: dict[str, ReferenceReport] = {}
    reference_paths: dict[str, Path | None] = {}
    for index, spec in enumerate(specs):
        key = f"{REFERENCE_KEY}{index}"
        path = _reference_cache_path(cache_dir, spec) if cache_dir else None
        reference_paths[key] = path
        hit = cache.load(Measurement, path) if path and path.exists() else None
        if hit is not None:
            hits[key] = reference_report(spec, hit, session.duration_s)
        else:
            tasks.append(Task(key, measure_reference, (spec, session.duration_s)))
    return AnalysisPlan(
        session, tuple(tasks), outcomes, cached, stem_paths, mix, mix_path, len(specs),
        hits, reference_paths,
    )  # fmt: skip


def _reference_cache_path(folder: Path, spec: ReferenceSpec) -> Path | None:
    """Where a reference track's measurement is cached (None: it cannot be read)."""
    probed = probe_reference(spec.path)
    if isinstance(probed, str):
        return None
    try:
        signature = cache.file_signature(spec.path)
    except OSError:
        return None
    key = cache.cache_key("reference", signature, str(reference_step(probed)))
    return folder / f"reference-{key}.npz"


def analyze(
    session: Session | str | os.PathLike[str],
    workers: int | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
    references: Sequence[str | os.PathLike[str]] = (),
    trust_references: bool = False,
) -> Analysis:
    """Measure and check every stem, the mix and the reference tracks (the manifest's and
    ``references``, each ``FILE`` or ``FILE:WEIGHT``). ``progress(done, total, label)``."""
    if not isinstance(session, Session):
        session = load_session(session)
    plan = plan_analysis(session, use_cache, references)
    results = run_plan(plan, workers or default_workers(), progress)
    return finish_analysis(plan, results, trust_references)


def run_plan(plan: AnalysisPlan, workers: int, progress: Progress | None = None) -> dict[str, Any]:
    """Run a plan's measurements here, reading each stem file once when the mix is measured too
    (``measure_pass``); results by task key, as ``finish_analysis`` takes them."""
    session = plan.session
    if not any(task.key == MIX_KEY for task in plan.tasks):
        return run_tasks(plan.tasks, workers, progress)
    files = [stem.file for stem in session.mix_stems]
    mixable = set(files)
    measured = [task.key for task in plan.tasks if task.key in mixable]
    others = [task for task in plan.tasks if task.key != MIX_KEY and task.key not in mixable]
    units, total = len(measured) + 1, len(plan.tasks)
    if workers >= 2 and len(files) >= 2 and can_use_pipes():
        results, outcomes = _pass_in_groups(plan, files, measured, others, workers, progress)
    else:
        mix = MeterBank.of_session(session)
        done = 0

        def emit(block: np.ndarray) -> None:
            nonlocal done
            mix.update(block)
            done += len(block)
            if progress:
                progress(units * done // max(session.frames, 1), total, PASS_KEY)

        outcomes = read_and_sum(session, files, measured, emit)
        results = {MIX_KEY: mix.result()}
        results.update(run_tasks(others, workers, _offset(progress, units, total)))
    again = [
        Task(file, measure_stem, (session.stem(file), session.series_step))
        for file, o in outcomes.items()
        if not o
    ]
    results.update({file: outcome for file, outcome in outcomes.items() if outcome is not None})
    if again:  # a file that failed to decode on the way: measured on its own, which salvages
        results.update(run_tasks(again, workers))
    return results


def _offset(progress: Progress | None, done: int, total: int) -> Progress | None:
    """``progress`` for tasks that come after ``done`` of ``total`` units."""
    if progress is None:
        return None
    return lambda count, _total, key: progress(done + count, total, key)


def _pass_in_groups(
    plan: AnalysisPlan,
    files: list[str],
    measured: list[str],
    others: list[Task[Any]],
    workers: int,
    progress: Progress | None,
) -> tuple[dict[str, Any], Outcomes]:
    """The pass in ``workers`` groups and one process for the mix; then the ``others`` tasks."""
    session = plan.session
    split = split_groups(session, files, measured, workers)
    units, total = len(measured) + 1, len(plan.tasks)
    folder = PassDir.create(len(split))
    pipes = folder.pipes()
    tasks: list[Task[Any]] = [Task(MIX_KEY, mix_of_groups, (session, pipes, folder.position_file))]
    tasks += [
        Task(f"{GROUP_KEY}{index}", measure_group, (session, group, wanted, pipe))
        for index, ((group, wanted), pipe) in enumerate(zip(split, pipes, strict=True))
    ]
    passing = len(tasks)

    def shown(done: int, _total: int, key: str) -> None:
        assert progress is not None
        if done < passing:
            share = folder.position() / max(session.frames, 1)
            progress(min(units - 1, int(units * share)), total, PASS_KEY)
        else:
            label = PASS_KEY if key == MIX_KEY or key.startswith(GROUP_KEY) else key
            progress(units + done - passing, total, label)

    try:
        # every task of the pass needs a process of its own at once: one per group and the mix
        results = run_tasks([*tasks, *others], passing, shown if progress else None)
    finally:
        folder.remove()
    outcomes: Outcomes = {}
    for index in range(len(split)):
        outcomes.update(results.pop(f"{GROUP_KEY}{index}"))
    return results, outcomes


def finish_analysis(
    plan: AnalysisPlan, results: Mapping[str, Any], trust_references: bool = False
) -> Analysis:
    """The Analysis from a plan and its tasks' results (by task key); new measurements are
    cached."""
    session, mix, mix_path, stem_paths = plan.session, plan.mix, plan.mix_path, plan.stem_paths
    outcomes = dict(plan.outcomes)
    measured = dict(results)
    keys = [f"{REFERENCE_KEY}{index}" for index in range(plan.reference_count)]
    reference_reports = tuple(
        plan.reference_hits[key] if key in plan.reference_hits else measured.pop(key)
        for key in keys
    )
    for key, report in zip(keys, reference_reports, strict=True):
        path = plan.reference_paths.get(key)
        if key not in plan.reference_hits and path is not None and _complete(report):
            assert report.measurement is not None
            _try_save(report.measurement, path)
    reference_reports = judge_references(
        reference_reports, mix, session.path, trust=trust_references
    )
    for key, value in measured.items():
        if key == MIX_KEY:
            mix = value
            if mix_path is not None and mix is not None:
                _try_save(mix, mix_path)
            continue
        outcome: StemOutcome = value
        outcomes[key] = outcome
        path = stem_paths.get(key)
        if (
            path is not None
            and outcome.measurement is not None
            and not _was_short(session.stem(key), outcome)
        ):
            _try_save(outcome.measurement, path)
    reports = tuple(
        StemReport(
            stem=stem,
            measurement=outcomes[stem.file].measurement if stem.file in outcomes else None,
            checks=tuple(stem_checks(stem, outcomes.get(stem.file), session)),
            error=outcomes[stem.file].error if stem.file in outcomes else stem.error,
        )
        for stem in session.stems
    )
    return Analysis(
        session=session,
        stems=reports,
        mix=mix,
        sections=tuple(
            session_sections(
                session, {r.stem.file: r.measurement for r in reports if r.measurement}, mix
            )
        ),
        session_checks=tuple(session_checks(session)),
        cached=dict(plan.cached),
        references=reference_reports,
        comparison=compare(mix, reference_reports) if mix is not None else None,
    )


def _was_short(stem: Stem, outcome: StemOutcome) -> bool:
    """A truncated read is not cached, so a repaired file is measured again."""
    return outcome.measurement is not None and outcome.measurement.frames < stem.frames


def _complete(report: ReferenceReport) -> bool:
    """A reference measured to its end (a truncated read is not cached, as for stems)."""
    probed = probe_reference(report.spec.path)
    m = report.measurement
    return m is not None and not isinstance(probed, str) and m.frames >= probed.frames


def _try_save(obj: object, path: Path) -> None:
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        cache.save(obj, path)
