"""Run a batch on a Dask (distributed) cluster: every measurement a task, every session a task on
top of its measurements.

For each session this machine (the client) loads the session and looks up the cache as
``analyze`` does (``plan_analysis``); each measurement still to make (a stem, the unity mix, a
reference track) becomes a Dask task, and the session's checks, sections and suggestions
(``finish_analysis`` and ``session_report``) a task that depends on them. So the stems of one big
session spread over the cluster too, and the report is built by the same code as a local run.

Workers read the stems themselves, at the same paths as this machine: the sessions must be on
storage every worker mounts at the same place. Before any work, each worker says which
mixreview it runs and whether it can read every session folder; each measurement task checks
its files again (a worker may join later). A worker that dies mid-task has its tasks run again
elsewhere by the scheduler (``distributed.scheduler.allowed-failures``); a task that raises is
retried once; what still fails is the session's row with the error. A few sessions at a time are
in flight, so cached measurements are not all held at once. Dask is imported only here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mixreview import __version__
from mixreview.analysis.analyze import (
    REFERENCE_KEY,
    AnalysisPlan,
    finish_analysis,
    plan_analysis,
)
from mixreview.analysis.batch import (
    BatchProgress,
    OnResult,
    SessionResult,
    describe_error,
    save_report,
    session_report,
)
from mixreview.analysis.cache import ANALYSER_VERSION
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.measure import MIX_KEY
from mixreview.analysis.session import load_session
from mixreview.analysis.tasks import Task

INSTALL_HINT = (
    '--cluster needs Dask: pip install "mixreview[cluster]" (or pip install "dask[distributed]")'
)
SHARED_STORAGE = (
    "workers read the stems at the same paths as this machine, so the sessions must be on "
    "storage every worker mounts at the same place (docs/batch.md)"
)
RETRIES = 1  # a task that raises runs once more, perhaps on another worker
POLL_S = 0.1
MIN_IN_FLIGHT = 8


class ClusterError(MixreviewError):
    """The cluster cannot run the batch (not installed, not reachable, workers that differ)."""


class WorkerPathError(MixreviewError):
    """A worker cannot read a file this machine can: the storage is not shared."""


def can_read(path: str) -> bool:
    """Whether this process may read ``path`` (a file, or a folder it may list)."""
    return os.access(path, os.R_OK)


def worker_facts(folders: list[str]) -> dict[str, Any]:
    """Run on every worker before the batch: its mixreview and the first folder it cannot read."""
    return {
        "version": __version__,
        "analyser": ANALYSER_VERSION,
        "unreadable": next((f for f in folders if not can_read(f)), None),
    }


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "a worker"


class _Allocator:
    """glibc's allocator set to reuse freed audio blocks while mixreview's tasks run.

    Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_`` set (so that memory goes back to
    the system), which also pins glibc's mmap threshold at 128 KiB: every block of audio a meter
    allocates is then mapped, zeroed and unmapped anew, and a measurement costs three times the
    CPU it takes in a plain process. While any of our tasks runs in a worker that has the
    variable, the thresholds are raised; after the last one, they are set back to what the
    environment says and the freed memory is handed back (``malloc_trim``). Elsewhere (no such
    variable, or no glibc) this does nothing.
    """

    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    DEFAULT_MMAP_THRESHOLD = 128 * 1024
    ROOMY = 32 * 1024 * 1024

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0

    def _set(self, trim: int, mmap: int, release: bool) -> None:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(self.M_MMAP_THRESHOLD, mmap)
            libc.mallopt(self.M_TRIM_THRESHOLD, trim)
            if release:
                libc.malloc_trim(0)

    @contextlib.contextmanager
    def roomy(self) -> Iterator[None]:
        trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
        if trim is None:
            yield
            return
        with self.lock:
            self.users += 1
            if self.users == 1:
                self._set(self.ROOMY, self.ROOMY, release=False)
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    mmap = os.environ.get("MALLOC_MMAP_THRESHOLD_", self.DEFAULT_MMAP_THRESHOLD)
                    with contextlib.suppress(ValueError):
                        self._set(int(trim), int(mmap), release=True)


_ALLOCATOR = _Allocator()


def measure_on_worker(task: Task[Any], paths: list[str]) -> Any:
    """A measurement task: check that the worker sees the files, then measure."""
    for path in paths:
        if not can_read(path):
            raise WorkerPathError(f"{_worker_address()} cannot read {path}: {SHARED_STORAGE}")
    with _ALLOCATOR.roomy():
        return task.function(*task.args)


def finish_on_worker(plan: AnalysisPlan, keys: list[str], values: list[Any]) -> dict[str, Any]:
    """A session task: checks, sections and suggestions from the measurements; the report."""
    with _ALLOCATOR.roomy():
        return session_report(finish_analysis(plan, dict(zip(keys, values, strict=True))))


def task_paths(task: Task[Any]) -> list[str]:
    """The files a measurement reads: the mix's stems, or the stem or reference track."""
    if task.key == MIX_KEY:
        return [str(stem.path) for stem in task.args[0].mix_stems]
    path = getattr(task.args[0], "path", None) if task.args else None
    return [str(path)] if path is not None else []


def require_dask() -> Any:
    """The ``distributed`` module, or a ClusterError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    return distributed


def connect(address: str) -> Any:
    """A client of the scheduler at ``address`` (``tcp://host:8786``, or a scheduler file),
    waiting as long as Dask's ``distributed.comm.timeouts.connect`` says (30 s by default)."""
    distributed = require_dask()
    where: dict[str, Any] = (
        {"scheduler_file": address} if Path(address).is_file() else {"address": address}
    )
    try:
        return distributed.Client(**where, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def check_workers(client: Any, folders: Sequence[Path]) -> None:
    """Every worker runs this mixreview and reads every session folder this machine reads, or
    a ClusterError naming the first worker and path that fails (a folder this machine cannot
    read either is the session's own failure, as in a local run)."""
    names = [str(folder) for folder in folders if can_read(str(folder))]
    try:
        facts: dict[str, dict[str, Any]] = client.run(worker_facts, names)
    except Exception as exc:
        raise ClusterError(
            f"the workers cannot run mixreview ({describe_error(exc)}): install the same "
            f"mixreview ({__version__}) on every worker"
        ) from None
    for worker, fact in sorted(facts.items()):
        if (fact["version"], fact["analyser"]) != (__version__, ANALYSER_VERSION):
            raise ClusterError(
                f"{worker} runs mixreview {fact['version']} (analyser {fact['analyser']}), this "
                f"machine {__version__} (analyser {ANALYSER_VERSION}): install the same on both "
                "so the results match a local analyze"
            )
        if fact["unreadable"] is not None:
            raise WorkerPathError(f"{worker} cannot read {fact['unreadable']}: {SHARED_STORAGE}")


@dataclass
class _Session:
    """A session in flight: its task and the measurement tasks it depends on."""

    index: int
    path: Path
    future: Any
    parts: list[Any] = field(default_factory=list)


def _kind(key: str) -> str:
    """What a measurement task measures, for the dashboard's task groups."""
    if key == MIX_KEY:
        return "mix"
    return "reference" if key.startswith(REFERENCE_KEY) else "stem"


def _submit(client: Any, index: int, total: int, path: Path, use_cache: bool) -> _Session:
    """Plan the session here (raises if it cannot be loaded) and submit its tasks."""
    plan = plan_analysis(load_session(path.expanduser().absolute()), use_cache)
    token = uuid.uuid4().hex
    rank = 2 * (total - index)  # earlier sessions first, and within one the mix first
    parts = [
        client.submit(
            measure_on_worker,
            task,
            [p for p in task_paths(task) if can_read(p)],
            key=f"mixreview-{_kind(task.key)}-{token}-{n}",
            retries=RETRIES,
            priority=rank + (task.key == MIX_KEY),
            pure=False,
        )
        for n, task in enumerate(plan.tasks)
    ]
    future = client.submit(
        finish_on_worker,
        replace(plan, tasks=()),
        [task.key for task in plan.tasks],
        parts,
        key=f"mixreview-session-{token}",
        retries=RETRIES,
        priority=rank,
        pure=False,
    )
    return _Session(index, path, future, parts)


def _collect(session: _Session) -> SessionResult | None:
    """The finished session's result (its report saved in its state folder), or its error;
    None when its result was lost with a worker after it finished (the scheduler computes it
    again: the session is still running)."""
    future = session.future
    if future.status in ("lost", "pending"):
        return None
    if future.status == "finished":
        try:
            report: dict[str, Any] = future.result()
        except Exception as exc:
            return SessionResult(str(session.path), None, describe_error(exc))
        save_report(session.path, report)
        return SessionResult(str(session.path), report)
    if future.status == "error":
        return SessionResult(str(session.path), None, describe_error(future.exception()))
    return SessionResult(str(session.path), None, f"the cluster gave up its task ({future.status})")


def run_on_cluster(
    paths: Sequence[Path],
    address: str,
    use_cache: bool = True,
    on_result: OnResult | None = None,
    progress: BatchProgress | None = None,
) -> list[SessionResult]:
    """Every session on the cluster at ``address``; results in the order of ``paths``."""
    client = connect(address)
    total = len(paths)
    results: dict[int, SessionResult] = {}
    running: list[_Session] = []

    def finished(index: int, result: SessionResult) -> None:
        results[index] = result
        if on_result:
            on_result(result)
        if progress:
            progress(len(results), total, Path(result.path).name)

    try:
        check_workers(client, [p.expanduser().absolute() for p in paths])
        in_flight = max(MIN_IN_FLIGHT, 2 * sum(client.nthreads().values()))
        waiting = deque(enumerate(paths))
        while waiting or running:
            while waiting and len(running) < in_flight:
                index, path = waiting.popleft()
                try:
                    running.append(_submit(client, index, total, path, use_cache))
                except Exception as exc:
                    finished(index, SessionResult(str(path), None, describe_error(exc)))
            done = [s for s in running if s.future.done()]
            for session in done:
                result = _collect(session)
                if result is None:
                    continue
                running.remove(session)
                finished(session.index, result)
                for future in (session.future, *session.parts):
                    future.release()
            if not done and running:
                if progress:
                    parts = [f for s in running for f in s.parts]
                    measured = sum(1 for f in parts if f.done())
                    progress(
                        len(results),
                        total,
                        f"{len(running)} sessions on the cluster, {measured}/{len(parts)} measured",
                    )
                time.sleep(POLL_S)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel([f for s in running for f in (s.future, *s.parts)], force=True)
        raise
    finally:
        with contextlib.suppress(Exception):
            client.close()
    return [results[index] for index in range(total)]
