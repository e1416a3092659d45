"""`mixreview batch`: finding sessions, rows equal to `analyze` runs, faults, output, a cluster."""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis import batch_dask
from mixreview.analysis.batch import REPORT_NAME, ROW_FIELDS, SessionResult, run_local
from mixreview.analysis.batch_sessions import find_sessions, gather_sessions, read_session_list
from mixreview.cli import main
from tests.conftest import stereo, tone, write

NAMES = ("Kick", "Bass", "Keys")


def make_session(folder: Path, seed: int, stems: int = 3, seconds: float = 2.0) -> Path:
    """A few short stems, different per seed."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(stems):
        left = tone(55.0 * (index + 1) + seed, seconds, 0.2)
        noise = rng.standard_normal(len(left)).astype(np.float32) * 0.02
        write(folder / f"{NAMES[index]}.wav", stereo(left + noise, 0.9 * left + noise))
    return folder


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """Six sessions at different depths, one with a clipped stem; state and export folders
    that hold audio, and a folder of notes without audio."""
    root = tmp_path / "deliveries"
    for n, where in enumerate(("a/s1", "a/s2", "b/c/s3", "s4", "b/s5", "b/s6")):
        make_session(root / where, seed=n, stems=2 + n % 2)
    clipped = np.clip(stereo(tone(200, 2.0, amp=3.0)), -1, 1)
    write(root / "b" / "s6" / "Gtr.wav", clipped)
    make_session(root / "a" / "s1" / ".mixreview" / "clips", seed=9, stems=1)
    make_session(root / "a" / "s2" / "mixreview-export" / "stems", seed=9, stems=1)
    make_session(root / "b" / "mixreview-export-2", seed=9, stems=1)
    make_session(root / ".trash" / "old", seed=9, stems=1)
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("no audio here")
    return root


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["sessions"]


# ------------------------------------------------------------------ finding sessions ---


def test_sessions_are_the_folders_holding_stems(catalogue: Path) -> None:
    found = [p.relative_to(catalogue).as_posix() for p in find_sessions(catalogue)]
    assert found == ["a/s1", "a/s2", "b/c/s3", "b/s5", "b/s6", "s4"]
    (catalogue / "b" / "c" / "s3" / "Vox").mkdir()
    write(catalogue / "b" / "c" / "s3" / "Vox" / "Lead.wav", stereo(tone(300, 1.0)))
    assert len(find_sessions(catalogue)) == 6  # a session's subfolder is its own
    assert find_sessions(catalogue / "s4") == [catalogue / "s4"]


def test_a_manifest_makes_a_session_of_stems_in_subfolders(tmp_path: Path) -> None:
    song = tmp_path / "song"
    make_session(song / "Drums", seed=1, stems=2)
    make_session(song / "Music", seed=2, stems=2)
    assert find_sessions(tmp_path) == [song / "Drums", song / "Music"]
    (song / "mixreview.toml").write_text('title = "Song"\n')
    assert find_sessions(tmp_path) == [song]


def test_a_list_file_names_sessions(catalogue: Path, tmp_path: Path) -> None:
    listing = catalogue / "list.txt"
    listing.write_text(f"# to check\n\na/s1\n  {catalogue / 's4'}  \nmissing\n")
    listed = [catalogue / "a/s1", catalogue / "s4", catalogue / "missing"]
    assert read_session_list(listing) == listed
    both = gather_sessions([catalogue / "a"], read_session_list(listing))
    assert both == [*listed, catalogue / "a/s2"]


def test_bad_roots_and_lists_are_one_line_usage_errors(
    catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, words in [
        ((str(catalogue / "nope"),), "does not exist"),
        ((str(catalogue / "notes" / "readme.txt"),), "is a file"),
        ((), "give folders to search"),
        (("--from", str(catalogue / "nope.txt")), "does not exist"),
        ((str(catalogue / "notes"),), "no sessions in"),
        ((str(catalogue), "--out", str(catalogue / "qc.xlsx")), "extension"),
        ((str(catalogue), "--out", str(catalogue / "no" / "qc.csv")), "does not exist"),
        ((str(catalogue), "--fail-on", "errors"), "valid"),
    ]:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2, argv
        assert "Traceback" not in err and out == ""
        lines = err.strip().splitlines()
        assert words in lines[-1]
        assert len(lines) == 1 or lines[0].startswith("usage:"), err  # argparse's own


# ------------------------------------------------------------------- running locally ---


def test_rows_and_reports_equal_analyze_runs(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "qc.json"
    code, _, err = run_cli(capsys, str(catalogue), "--out", str(out), "--workers", "2")
    assert code == 0 and "6 sessions, 6 ok, 0 failed" in err
    rows = rows_of(out)
    assert [Path(r["path"]) for r in rows] == find_sessions(catalogue)
    for row in rows:
        assert main(["analyze", row["path"], "--json", "--no-cache", "--quiet"]) == 0
        report = json.loads(capsys.readouterr().out)
        saved = json.loads((Path(row["path"]) / ".mixreview" / REPORT_NAME).read_text())
        assert saved == report
        assert SessionResult(row["path"], report).row() == row
    s6 = next(r for r in rows if r["path"].endswith("s6"))
    assert s6["worst_check"] == "error" and s6["checks_error"] >= 1 and s6["stems"] == 4
    assert all(r["status"] == "ok" and r["error"] is None for r in rows)
    assert all(isinstance(r["mix_integrated_lufs"], float) for r in rows)


def test_a_failing_session_is_a_row_and_the_rest_go_on(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalogue / "b" / "empty").mkdir()
    (catalogue / "b" / "empty" / "mixreview.toml").write_text("")
    (catalogue / "s4" / "Keys.wav").write_bytes(b"RIFF not really a wav")
    out = tmp_path / "qc.csv"
    code, _, err = run_cli(capsys, str(catalogue), "--out", str(out))
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 7 and list(rows[0]) == list(ROW_FIELDS)
    empty = next(r for r in rows if r["path"].endswith("empty"))
    assert empty["status"] == "failed" and "no audio files" in empty["error"]
    assert empty["stems"] == "" and empty["mix_integrated_lufs"] == ""
    assert f"failed: {catalogue / 'b' / 'empty'}: no audio files" in err
    s4 = next(r for r in rows if r["path"].endswith("s4"))  # a bad stem: a check, not a failure
    assert s4["status"] == "ok" and int(s4["checks_error"]) >= 1
    assert sum(r["status"] == "ok" for r in rows) == 6


def slow_group(session: Any, files: Any, measured: Any, pipe: str) -> Any:
    """``measure_group``, two seconds late for a group holding a stem named Slow, so a worker
    can be killed while the session's pass runs."""
    from mixreview.analysis.measure_pass import measure_group

    if any(Path(file).stem == "Slow" for file in files):
        time.sleep(2.0)
    return measure_group(session, files, measured, pipe)


def test_a_worker_killed_mid_session_fails_that_session_only(
    catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(catalogue / "a" / "s2" / "Slow.wav", stereo(tone(300, 1.0)))
    monkeypatch.setattr("mixreview.analysis.analyze.measure_group", slow_group)
    sessions = find_sessions(catalogue)
    killed: list[int] = []

    def progress(done: int, total: int, item: str) -> None:
        workers = [p for p in multiprocessing.active_children() if "Dask" not in p.name]
        if not killed and done == 1 and item.startswith("s2:") and workers:
            killed.append(workers[0].pid or 0)
            os.kill(killed[0], signal.SIGKILL)

    results = run_local(sessions, workers=2, use_cache=False, progress=progress)
    assert killed and len(results) == 6
    failed = [r for r in results if not r.ok]
    assert [r.path for r in failed] == [str(sessions[1])]
    assert failed[0].error is not None and "worker process died" in failed[0].error


def test_fail_on_gates_the_whole_batch(catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(catalogue)
    code, out, err = run_cli(capsys, root, "--fail-on", "error", "--quiet")
    assert code == 1 and "s6 (clipping (Gtr.wav))" in err
    assert out.splitlines()[0].split()[:3] == ["session", "stems", "rate"]
    assert run_cli(capsys, root, "--fail-on", "sample_rate_mismatch", "--quiet")[0] == 0
    assert run_cli(capsys, str(catalogue / "a"), "--fail-on", "error", "--quiet")[0] == 0
    (catalogue / "a" / "bad").mkdir()
    (catalogue / "a" / "bad" / "mixreview.toml").write_text("")
    code, _, err = run_cli(capsys, str(catalogue / "a"), "--fail-on", "error", "--quiet")
    assert code == 1 and "bad (failed)" in err


def test_output_formats(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(catalogue / "a")
    assert run_cli(capsys, root, "--out", str(tmp_path / "qc.json"), "--quiet")[0] == 0
    document = json.loads((tmp_path / "qc.json").read_text())
    assert document["schema"] == "mixreview.batch/1"
    assert document["counts"] == {"sessions": 2, "ok": 2, "failed": 0}
    assert all(list(row) == list(ROW_FIELDS) for row in document["sessions"])
    assert run_cli(capsys, root, "--out", str(tmp_path / "qc.md"), "--quiet")[0] == 0
    lines = (tmp_path / "qc.md").read_text().splitlines()
    assert lines[0].startswith("| session |") and len(lines) == 4
    code, out, _ = run_cli(capsys, root, "--format", "csv", "--quiet")
    assert code == 0 and out.splitlines()[0] == ",".join(ROW_FIELDS)


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    for n in range(4):
        make_session(tmp_path / f"s{n}", seed=n, stems=3, seconds=30.0)
    command = [sys.executable, "-m", "mixreview", "batch", str(tmp_path), "--workers", "2"]
    command += ["--no-cache", "--out", str(tmp_path / "qc.csv")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    assert process.stderr.readline().startswith("Sessions:")
    children = _children(process.pid)
    deadline = time.monotonic() + 20
    while not children and time.monotonic() < deadline:
        time.sleep(0.05)
        children = _children(process.pid)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 130
    assert "interrupted" in process.stderr.read()
    assert children and not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert not (tmp_path / "qc.csv").exists()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in task.read_text().split()]
    return found


# -------------------------------------------------------------------------- a cluster ---


def test_cluster_without_dask_says_how_to_install(
    catalogue: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code, out, err = run_cli(capsys, str(catalogue), "--cluster", "tcp://127.0.0.1:8786")
    assert code == 2 and out == ""
    assert err.strip() == f"mixreview: {batch_dask.INSTALL_HINT}"
    assert 'pip install "mixreview[cluster]"' in err


def test_an_unreachable_scheduler_is_one_line(catalogue: Path) -> None:
    pytest.importorskip("distributed", reason="the cluster extra is not installed")
    command = [sys.executable, "-m", "mixreview", "batch", str(catalogue)]
    command += ["--cluster", "tcp://127.0.0.1:9"]
    environment = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "0.5s"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("mixreview: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_the_allocator_is_set_back_after_the_last_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    allocator = batch_dask._Allocator()
    calls: list[tuple[int, int, bool]] = []
    monkeypatch.setattr(allocator, "_set", lambda *args, **kw: calls.append((*args, *kw.values())))
    with allocator.roomy(), allocator.roomy():
        assert allocator.users == 2
    assert allocator.users == 0
    assert calls == [(allocator.ROOMY, allocator.ROOMY, False), (65536, 128 * 1024, True)]
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    with allocator.roomy():
        pass
    assert len(calls) == 2  # without Dask's setting, glibc is left alone


CLUSTER = """
import sys
from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the tests are done (or gone)
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[SimpleNamespace]:
    """A LocalCluster of 2 worker processes, run from a process of its own: Dask's threads stay
    there, so this process goes on starting its local pools by fork."""
    pytest.importorskip("distributed", reason="the cluster extra is not installed")
    process = subprocess.Popen(
        [sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        address = process.stdout.readline().strip()
        assert address.startswith("tcp://"), "the LocalCluster did not start"
        yield SimpleNamespace(scheduler_address=address)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_cluster_gives_the_rows_of_a_local_run(
    catalogue: Path,
    tmp_path: Path,
    cluster: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (catalogue / "b" / "empty").mkdir()
    (catalogue / "b" / "empty" / "mixreview.toml").write_text("")
    local, remote = tmp_path / "local.json", tmp_path / "remote.json"
    assert run_cli(capsys, str(catalogue), "--out", str(local), "--no-cache", "--quiet")[0] == 0
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    assert run_cli(capsys, str(catalogue), "--out", str(remote), "--no-cache", "--quiet")[0] == 0
    assert rows_of(remote) == rows_of(local)
    assert [r["status"] for r in rows_of(remote)].count("failed") == 1
    scheduler_file = tmp_path / "scheduler.json"
    scheduler_file.write_text(json.dumps({"address": cluster.scheduler_address}))
    listing = tmp_path / "list.txt"
    listing.write_text(f"{catalogue / 'a' / 's1'}\n{catalogue / 'a' / 's2'}\n{tmp_path / 'gone'}\n")
    argv = ("--from", str(listing), "--out", str(remote), "--cluster", str(scheduler_file))
    assert run_cli(capsys, *argv)[0] == 0
    assert rows_of(remote)[:2] == rows_of(local)[:2]
    gone = rows_of(remote)[2]
    assert gone["status"] == "failed" and "does not exist" in gone["error"]
    code, _, err = run_cli(capsys, str(catalogue), "--cluster", "x", "--workers", "2")
    assert code == 2 and "--workers is for this machine" in err


def test_a_path_a_worker_cannot_read_is_named(
    catalogue: Path, cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from distributed import Client
    from distributed.diagnostics.plugin import WorkerPlugin

    class Hide(WorkerPlugin):
        """On a worker: the storage under ``prefix`` is not mounted."""

        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        def setup(self, worker: Any) -> None:
            from mixreview.analysis import batch_dask as module

            self.original = module.can_read
            module.can_read = lambda path: not str(path).startswith(self.prefix)

        def teardown(self, worker: Any) -> None:
            from mixreview.analysis import batch_dask as module

            module.can_read = self.original

    hidden = catalogue / "b"
    with Client(cluster.scheduler_address) as client:
        client.register_plugin(Hide(str(hidden)), name="hide")
        try:
            code, _, err = run_cli(capsys, str(catalogue), "--cluster", cluster.scheduler_address)
        finally:
            client.unregister_worker_plugin("hide")
    assert code == 2
    assert f"cannot read {hidden / 'c' / 's3'}: workers read the stems" in err
    assert len(err.strip().splitlines()) == 1


def test_a_task_that_cannot_read_its_stem_names_it(
    catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixreview.analysis.analyze import plan_analysis
    from mixreview.analysis.session import load_session

    plan = plan_analysis(load_session(catalogue / "s4"), use_cache=False)
    task = next(t for t in plan.tasks if t.key == "Kick.wav")
    monkeypatch.setattr(batch_dask, "can_read", lambda path: False)
    with pytest.raises(batch_dask.WorkerPathError, match=r"cannot read .*Kick\.wav: workers read"):
        batch_dask.measure_on_worker(task, batch_dask.task_paths(task))


def test_a_worker_killed_mid_batch_the_batch_still_completes(catalogue: Path, cluster: Any) -> None:
    from distributed import Client

    sessions = find_sessions(catalogue)
    expected = [r.row() for r in run_local(sessions, workers=1)]
    killed: list[str] = []
    with Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)

        def on_result(result: SessionResult) -> None:
            busy = [w for w, keys in client.processing().items() if keys]
            if not killed and busy:  # a worker with tasks assigned to it, running one
                killed.append(busy[0])
                os.kill(pids[busy[0]], signal.SIGKILL)

        results = batch_dask.run_on_cluster(
            sessions, cluster.scheduler_address, use_cache=False, on_result=on_result
        )
    assert killed and [r.row() for r in results] == expected


def test_ctrl_c_cancels_the_tasks_on_the_cluster(catalogue: Path, cluster: Any) -> None:
    from distributed import Client

    def progress(done: int, total: int, item: str) -> None:
        raise KeyboardInterrupt

    sessions = find_sessions(catalogue)
    with pytest.raises(KeyboardInterrupt):
        batch_dask.run_on_cluster(sessions, cluster.scheduler_address, False, progress=progress)
    with Client(cluster.scheduler_address) as client:
        deadline = time.monotonic() + 10
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    assert left == 0


def test_a_result_lost_with_its_worker_after_it_finished_is_waited_for() -> None:
    """A session's future can turn from finished to lost between two looks (the worker holding
    its result died): that is no failure, the scheduler computes it again."""
    lost = SimpleNamespace(status="lost")
    pending = SimpleNamespace(status="pending")
    for future in (lost, pending):
        session = batch_dask._Session(0, Path("/songs/a"), future, [])
        assert batch_dask._collect(session) is None
    cancelled = batch_dask._Session(0, Path("/songs/a"), SimpleNamespace(status="cancelled"), [])
    result = batch_dask._collect(cancelled)
    assert result is not None and result.error == "the cluster gave up its task (cancelled)"
