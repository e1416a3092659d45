"""The headless contract: `mixreview analyze --json / --md / --fail-on`, and the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis.analyze import analyze
from mixreview.analysis.measure import MIX_KEY
from mixreview.cli import main
from tests.conftest import stereo, tone, write

METRIC_KEYS = {
    "integrated_lufs", "short_term_max_lufs", "momentary_max_lufs", "lra_lu", "true_peak_dbtp",
    "sample_peak_dbfs", "rms_dbfs", "crest_db", "dc_offset", "correlation", "side_to_mid_db",
}  # fmt: skip
STEM_KEYS = {"file", "name", "role", "sample_rate", "channels", "subtype", "duration_s",
             "metrics", "checks"}  # fmt: skip
CHECK_KEYS = {"id", "severity", "value", "threshold", "message", "fix"}


def test_json_contract(small_session: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(small_session / "Track_1.wav", stereo(tone(440, 3.0)), subtype="PCM_16")
    assert main(["analyze", str(small_session), "--json", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "mixreview.report/1"
    assert {"path", "sample_rate", "duration_s", "stem_count"} <= set(report["session"])
    assert report["session"]["stem_count"] == 4
    assert report["sections"] and {"name", "start_s", "end_s"} <= set(report["sections"][0])
    for stem in report["stems"]:
        assert set(stem) >= STEM_KEYS
        assert set(stem["metrics"]) == METRIC_KEYS
        for check in stem["checks"]:
            assert set(check) >= CHECK_KEYS
            assert check["severity"] in {"error", "warning", "info"}
    kick = next(s for s in report["stems"] if s["file"] == "Kick.wav")
    assert kick["channels"] == 1 and kick["metrics"]["correlation"] is None
    assert kick["role"] == "kick"
    assert set(report["mix"]["metrics"]) == METRIC_KEYS
    track = next(s for s in report["stems"] if s["file"] == "Track_1.wav")
    assert {"bad_label", "bit_depth"} <= {c["id"] for c in track["checks"]}
    assert isinstance(report["suggestions"], list)


def test_fail_on(small_session: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    clipped = np.clip(stereo(tone(200, 3.0, amp=3.0)), -1, 1)
    write(small_session / "Bass_DI.wav", clipped)
    folder = str(small_session)
    assert main(["analyze", folder, "--fail-on", "sample_rate_mismatch", "--quiet"]) == 0
    assert main(["analyze", folder, "--fail-on", "clipping,sample_rate_mismatch"]) == 1
    assert "clipping (Bass_DI.wav)" in capsys.readouterr().err
    assert main(["analyze", folder, "--fail-on", "error"]) == 1


def test_markdown_and_text(small_session: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["analyze", str(small_session), "--md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# song") and "| Kick.wav |" in md
    assert main(["analyze", str(small_session)]) == 0
    text = capsys.readouterr().out
    assert "Kick.wav" in text and "(mix at unity)" in text


def test_console_script_runs_in_a_subprocess(small_session: Path) -> None:
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "mixreview", "analyze", str(small_session), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["session"]["stem_count"] == 3


def test_cache_is_reused_and_invalidated(small_session: Path) -> None:
    first = analyze(small_session, workers=1)
    assert not any(first.cached.values())
    second = analyze(small_session, workers=1)
    assert all(second.cached.values()) and second.cached[MIX_KEY]
    for a, b in zip(first.stems, second.stems, strict=True):
        assert a.measurement.metrics() == b.measurement.metrics()
        assert np.array_equal(a.measurement.bands.mid_power, b.measurement.bands.mid_power)
    write(small_session / "Kick.wav", tone(60, 3.0, amp=0.1))
    third = analyze(small_session, workers=1)
    assert third.cached["Kick.wav"] is False and third.cached[MIX_KEY] is False
    assert third.cached["Pad.wav"] is True
    assert third.stem_report("Kick.wav").measurement.metrics()["sample_peak_dbfs"] < -19


def test_parallel_equals_serial(small_session: Path) -> None:
    serial = analyze(small_session, workers=1, use_cache=False)
    parallel = analyze(small_session, workers=2, use_cache=False)
    assert [r.measurement.metrics() for r in serial.stems] == [
        r.measurement.metrics() for r in parallel.stems
    ]
    assert serial.mix.metrics() == parallel.mix.metrics()


def _slow_task(index: int) -> int:
    import time

    time.sleep(30.0)
    return index


def test_a_progress_callback_that_raises_stops_the_measuring_at_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Closing the app while it measures: the worker processes stop, nothing waits for them."""
    import multiprocessing
    import time

    import pytest

    from mixreview.analysis import tasks as tasks_mod

    monkeypatch.setattr(tasks_mod, "pool_context", lambda: multiprocessing.get_context("fork"))
    seen: list[int] = []

    def progress(done: int, total: int, key: str) -> None:
        seen.append(done)
        raise KeyboardInterrupt  # any exception cancels

    tasks = [tasks_mod.Task(f"slow{i}", _slow_task, (i,)) for i in range(3)]
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        tasks_mod.run_tasks(tasks, workers=2, progress=progress)
    assert time.perf_counter() - started < 10.0  # not the 30 s each task would take
    assert seen == [0]  # cancelled on the first beat, before any task finished


def _leave_a_thread(index: int) -> int:
    """A task after which its worker cannot exit: it leaves a thread that does not end, as a
    worker waiting on a queue lock held by one that was killed never ends."""
    import threading
    import time

    threading.Thread(target=time.sleep, args=(3600.0,)).start()
    return index


def test_workers_that_do_not_exit_after_the_work_are_ended(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The results come back and no worker is left, though none of them exits on its own."""
    import multiprocessing

    from mixreview.analysis import tasks as tasks_mod

    monkeypatch.setattr(tasks_mod, "pool_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(tasks_mod, "EXIT_GRACE_S", 0.5)
    before = set(multiprocessing.active_children())
    tasks = [tasks_mod.Task(f"t{i}", _leave_a_thread, (i,)) for i in range(2)]
    assert tasks_mod.run_tasks(tasks, workers=2) == {"t0": 0, "t1": 1}
    assert [p for p in multiprocessing.active_children() if p not in before] == []


def test_ctrl_c_while_workers_start_leaves_no_worker(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+C just after a worker is forked, before the pool records it: the interrupt still
    comes, and every worker ends (an unrecorded one made the interpreter wait for ever)."""
    import multiprocessing
    import multiprocessing.connection
    import multiprocessing.context
    import signal
    import time

    from mixreview.analysis import tasks as tasks_mod

    monkeypatch.setattr(tasks_mod, "pool_context", lambda: multiprocessing.get_context("fork"))
    start = multiprocessing.context.ForkProcess.start
    sent: list[bool] = []
    started: list[multiprocessing.context.ForkProcess] = []

    def start_then_interrupt(process: multiprocessing.context.ForkProcess) -> None:
        start(process)
        started.append(process)
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start_then_interrupt)
    tasks = [tasks_mod.Task(f"t{i}", _leave_a_thread, (i,)) for i in range(2)]
    with pytest.raises(KeyboardInterrupt):
        tasks_mod.run_tasks(tasks, workers=2)
    # a sentinel is readable once its process has ended, whichever thread reaps it (the
    # executor's own thread joins them too, and then is_alive() of ours cannot tell)
    running: dict[int, multiprocessing.context.ForkProcess] = {p.sentinel: p for p in started}
    deadline = time.monotonic() + 5.0
    while running and (left_s := deadline - time.monotonic()) > 0:
        for ended in multiprocessing.connection.wait(list(running), timeout=left_s):
            running.pop(int(ended))  # type: ignore[call-overload]
    alive = list(running.values())
    for process in alive:
        process.kill()
    assert sent and len(started) == 2 and alive == []


def test_workers_leave_ctrl_c_to_the_process_that_started_them() -> None:
    """A terminal's Ctrl+C reaches every process in its group; a worker ignores it."""
    from mixreview.analysis import tasks as tasks_mod

    tasks = [tasks_mod.Task(f"t{i}", _sigint_ignored, ()) for i in range(2)]
    assert tasks_mod.run_tasks(tasks, workers=2) == {"t0": True, "t1": True}


def _sigint_ignored() -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_engine_does_not_import_ui_or_audio_io() -> None:
    code = (
        "import pkgutil, importlib, sys, mixreview.analysis as a\n"
        "for m in pkgutil.walk_packages(a.__path__, 'mixreview.analysis.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'sounddevice')\n"
        "       or m.startswith(('mixreview.tui', 'mixreview.cli'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _blas_threads() -> int:
    import threadpoolctl

    return max((i["num_threads"] for i in threadpoolctl.threadpool_info()), default=1)


def test_workers_run_one_blas_thread_and_leave_the_parents_alone() -> None:
    """The workers are the parallelism: each one's BLAS runs on one thread (threads spinning
    for work in every worker made a two-worker analysis eight times slower on a 2-core virtual
    machine), whether it was forked from a process whose BLAS had already started or not."""
    import numpy as np

    from mixreview.analysis import tasks as tasks_mod

    np.ones((64, 64)) @ np.ones((64, 64))  # this process's BLAS has started its threads
    before = _blas_threads()
    tasks = [tasks_mod.Task(f"t{i}", _blas_threads, ()) for i in range(2)]
    assert tasks_mod.run_tasks(tasks, workers=2) == {"t0": 1, "t1": 1}
    assert _blas_threads() == before
