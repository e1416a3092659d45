"""Run independent jobs in worker processes: one pool policy for measuring and rendering.

A ``Task`` names a module-level function and its arguments, so any job (a stem, the mix, a
reference track) runs the same way without the runner knowing what it is. Workers die with the
process that started them, so a killed ``mixreview`` leaves none: a forked worker by the kernel's
parent-death signal (Linux ``PR_SET_PDEATHSIG``); one started by a fork server (the app measures
from a thread), whose parent is that server, by a thread watching the process it works for.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Progress = Callable[[int, int, str], None]

PROGRESS_BEAT_S = 0.25  # a progress call at least this often, so a caller may cancel
PR_SET_PDEATHSIG = 1
EXIT_GRACE_S = 5.0  # how long finished workers get to exit before they are ended
OWNER_POLL_S = 0.2  # how often a worker looks for its owner where the system cannot wait on it
# what workers need and a process may not have imported yet (the engine imports scipy on first
# use: see scipy_calls); imported once before workers are forked, so each does not import it again
WORKER_PRELOAD = ["mixreview.analysis.worker_preload"]
# what the fork server imports before it starts any worker (see pool_context)
FORKSERVER_PRELOAD = [
    "__main__",
    "mixreview.analysis.measure",
    "mixreview.analysis.reference",
    *WORKER_PRELOAD,
]


@dataclass(frozen=True)
class Task(Generic[T]):
    """``function(*args)`` under the name ``key``; ``function`` must be importable by name."""

    key: str
    function: Callable[..., T]
    args: tuple[Any, ...] = ()

    def run(self) -> tuple[str, T]:
        return self.key, self.function(*self.args)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(owner: int) -> None:
    """End this process when ``owner`` ends (run in a daemon thread)."""
    try:
        handle = os.pidfd_open(owner)
    except (OSError, AttributeError):  # before Linux 5.3, or another system: look now and then
        while alive(owner):
            time.sleep(OWNER_POLL_S)
        os._exit(1)
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)


def die_with_parent(owner: int | None = None) -> None:
    """End this process when the process it works for dies, however that dies.

    The kernel ends it when its parent dies (Linux ``PR_SET_PDEATHSIG``). ``owner`` is the
    process that asked for this one: the parent, or the process a fork server started it for.
    A fork server outlives its client while the client's workers hold its pipe, so a worker
    whose parent is not ``owner`` also watches ``owner`` from a thread. If the owner is already
    gone, this process ends now."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1 or (owner is not None and not alive(owner)):
        os._exit(1)
    if owner is not None and owner != os.getppid():
        threading.Thread(target=_watch, args=(owner,), name="owner-watch", daemon=True).start()


def one_blas_thread() -> None:
    """Limit this process's BLAS and OpenMP libraries to one thread each: its workers are the
    parallelism. A forked worker inherits libraries already started with a thread per core, so
    the environment alone cannot do it: their own calls are made (``threadpoolctl``). Measured
    on a 2-core virtual machine, a two-worker analysis of four 4-minute stems took 26.5 s with
    the threads each library starts, which spin waiting for work, and 3.3 s with one."""
    import threadpoolctl  # here: opening the app does not need it

    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # for a library loaded later
    os.environ["OMP_NUM_THREADS"] = "1"
    threadpoolctl.threadpool_limits(limits=1)


def worker_init(owner: int | None = None) -> None:
    """Each worker: one BLAS thread (the pool is the parallelism), death with its parent, and
    no Ctrl+C of its own: a terminal sends it to every process in the group, and the process
    that started the pool ends its workers (a worker interrupted mid-wait prints a traceback)."""
    one_blas_thread()
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(owner)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl+C until the block ends, then raise it (main thread only; elsewhere nothing
    changes, as no signal reaches another thread).

    Starting a pool forks its workers and only then records them: a KeyboardInterrupt between
    the two leaves a worker nobody knows of, and the interpreter waits for it at exit for ever.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # another thread, or a handler Python did not install and could not put back
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and previous is signal.default_int_handler:
        raise KeyboardInterrupt
    if caught:
        signal.raise_signal(signal.SIGINT)  # as it would have been: ignored, or the process ends


def pool_context() -> (
    multiprocessing.context.ForkContext | multiprocessing.context.ForkServerContext
):
    """fork when this process has one thread (fast, no re-import), else forkserver.

    Forking a process that runs other threads (the app's UI, a progress bar) can copy a held
    lock into the child; forkserver starts workers from a clean single-threaded server instead.
    The server imports the measuring modules once (``FORKSERVER_PRELOAD``), so a new pool's
    workers start without importing numpy and scipy again (a second or more per worker on a
    busy machine, paid by every pool: a batch makes one per session).
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)  # no effect once the server runs
    return context


def start_forkserver() -> None:
    """Start the fork server now, with its preloaded modules (``FORKSERVER_PRELOAD``).

    A caller whose stderr will be replaced later (a full-screen UI) starts it first: starting it
    needs the real stderr. Where there is no fork server, or it cannot start, nothing happens here
    and the pool says what is wrong when it is used.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    try:
        from multiprocessing import forkserver, resource_tracker

        multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
        resource_tracker.ensure_running()
        forkserver.ensure_running()
    except (OSError, ValueError, RuntimeError):
        pass


def default_workers() -> int:
    """Worker processes by default: the cores, at most 8."""
    return max(1, min(os.cpu_count() or 1, 8))


def _run(task: Task[T]) -> tuple[str, T]:
    return task.run()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's processes now, not after the jobs in progress. ``_processes`` is the
    executor's private table: concurrent.futures has no public way to end running workers."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _finish(pool: ProcessPoolExecutor) -> None:
    """Close a pool whose work is done: its workers are told to exit and given
    ``EXIT_GRACE_S``; any still there are ended. A worker that died idle (killed, out of
    memory) may have held the pool's queue lock, and then the others never get the word to
    exit: ``shutdown(wait=True)`` alone would wait for them for ever."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False)
    # a sentinel is readable once its process has ended; waiting on it reaps nothing, so the
    # executor's own thread still joins the processes it started
    running = {process.sentinel: process for process in processes}
    deadline = time.monotonic() + EXIT_GRACE_S
    while running and (left_s := deadline - time.monotonic()) > 0:
        for ended in multiprocessing.connection.wait(list(running), timeout=left_s):
            running.pop(ended, None)
    for process in running.values():
        process.kill()
    if isinstance(manager, threading.Thread):
        manager.join()


def run_tasks(
    tasks: Sequence[Task[T]], workers: int, progress: Progress | None = None
) -> dict[str, T]:
    """Run ``tasks``, in worker processes when more than one worker is asked for; results by
    key. ``progress(done, total, key)`` is called after each task and every beat meanwhile;
    an exception raised by it (or by a task) cancels the rest."""
    results: dict[str, T] = {}
    total = len(tasks)
    if workers <= 1 or total <= 1:
        for done, task in enumerate(tasks, start=1):
            key, value = task.run()
            results[key] = value
            if progress:
                progress(done, total, key)
        return results
    context = pool_context()
    if context.get_start_method() == "fork":
        for name in WORKER_PRELOAD:
            importlib.import_module(name)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, total),
        mp_context=context,
        initializer=worker_init,
        initargs=(os.getpid(),),
    )
    try:
        with interrupts_deferred():  # submitting starts the workers
            pending: set[Future[tuple[str, T]]] = {pool.submit(_run, task) for task in tasks}
        done, last = 0, ""
        while pending:
            finished, pending = wait(pending, timeout=PROGRESS_BEAT_S, return_when=FIRST_COMPLETED)
            for future in finished:
                key, value = future.result()
                results[key] = value
                done, last = done + 1, key
                if progress:
                    progress(done, total, key)
            if not finished and progress:
                progress(done, total, last)
    except BaseException:
        _stop(pool)
        raise
    _finish(pool)
    return results
