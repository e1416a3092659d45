"""One read of each stem file for the stems and the mix gives what separate passes give.

``run_plan`` reads each stem once (``measure_pass``): in this process with one worker, in groups
sending their sums down pipes to the mix's process with more. Both must measure every stem and
the mix as ``measure_stem`` and ``measure_mix`` do, one file at a time, for every kind of stem a
session holds: mono and stereo, another rate, shorter, NaN samples, a file cut short."""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis import measure_pass, tasks
from mixreview.analysis.analyze import PASS_KEY, plan_analysis, run_plan, task_label
from mixreview.analysis.measure import MIX_KEY, Measurement, StemOutcome
from mixreview.analysis.session import load_session
from mixreview.analysis.tasks import run_tasks
from tests.conftest import SR, stereo, tone, write

pytestmark = pytest.mark.skipif(not measure_pass.can_use_pipes(), reason="needs named pipes")


@pytest.fixture(scope="module")
def mixed_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pass") / "song"
    folder.mkdir()
    rng = np.random.default_rng(7)
    seconds = 6.0
    write(folder / "Kick.wav", stereo(tone(55, seconds, 0.5)))
    write(folder / "Bass.wav", tone(82, seconds, 0.4))  # mono
    write(folder / "Keys.wav", stereo(tone(440, seconds), tone(660, seconds)))
    pad = (rng.standard_normal((int(44100 * seconds), 2)) * 0.05).astype(np.float32)
    write(folder / "Pad.wav", pad, sr=44100)  # another rate: resampled into the mix
    write(folder / "Shaker.wav", stereo(tone(5000, 2.5, 0.1)))  # shorter than the song
    glitch = stereo(tone(330, seconds, 0.2))
    glitch[5000:5010] = np.nan
    write(folder / "Glitch.wav", glitch, subtype="FLOAT")
    write(folder / "Cut.wav", stereo(tone(220, seconds, 0.3)))
    raw = (folder / "Cut.wav").read_bytes()
    (folder / "Cut.wav").write_bytes(raw[: len(raw) * 2 // 3])
    return folder


def separate(folder: Path) -> dict[str, object]:
    """Every measurement as separate passes make it (one task per stem, one for the mix)."""
    return run_tasks(plan_analysis(load_session(folder), use_cache=False).tasks, 1)


def assert_same(one: Measurement, other: Measurement) -> None:
    assert one.frames == other.frames and one.sample_rate == other.sample_rate
    for key, value in one.metrics().items():
        theirs = other.metrics()[key]
        if value is None or theirs is None:
            assert value == theirs, key
        else:
            assert value == pytest.approx(theirs, abs=2e-4), key
    np.testing.assert_allclose(
        one.loudness.frame_energy, other.loudness.frame_energy, rtol=1e-5, atol=1e-12
    )
    np.testing.assert_allclose(
        one.true_peak.peak_series_dbtp, other.true_peak.peak_series_dbtp, atol=1e-3
    )


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_one_read_measures_as_separate_passes(mixed_session: Path, workers: int) -> None:
    expected = separate(mixed_session)
    plan = plan_analysis(load_session(mixed_session), use_cache=False)
    got = run_plan(plan, workers)
    assert set(got) == set(expected)
    assert_same(got[MIX_KEY], expected[MIX_KEY])
    for file in plan.session.stems:
        mine, theirs = got[file.file], expected[file.file]
        assert isinstance(mine, StemOutcome) and isinstance(theirs, StemOutcome)
        assert mine.error == theirs.error
        if theirs.measurement is None:
            assert mine.measurement is None
        else:
            assert mine.measurement is not None
            assert_same(mine.measurement, theirs.measurement)
    glitch = got["Glitch.wav"].measurement.levels  # NaN counted before it is silenced
    assert glitch.nan_samples == 20


def test_the_mix_alone_when_stems_are_known(mixed_session: Path) -> None:
    """Stems already measured (cached) are read for the sum only, and not measured again."""
    session = load_session(mixed_session)
    plan = plan_analysis(session, use_cache=False)
    known = {"Kick.wav", "Keys.wav", "Pad.wav"}
    tasks = tuple(t for t in plan.tasks if t.key not in known)
    plan = type(plan)(**{**plan.__dict__, "tasks": tasks})
    got = run_plan(plan, 2)
    assert not known & set(got)
    assert_same(got[MIX_KEY], separate(mixed_session)[MIX_KEY])


def test_progress_moves_through_the_pass(mixed_session: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    plan = plan_analysis(load_session(mixed_session), use_cache=False)
    run_plan(plan, 2, lambda done, total, key: calls.append((done, total, key)))
    totals = {total for _, total, _ in calls}
    assert totals == {len(plan.tasks)}
    dones = [done for done, _, _ in calls]
    assert dones == sorted(dones) and dones[-1] == len(plan.tasks)
    assert any(key == PASS_KEY for _, _, key in calls)
    assert task_label(PASS_KEY) == "the stems and the mix"


def test_no_pipe_folder_is_left(mixed_session: Path) -> None:
    root = Path(tempfile.gettempdir())
    before = set(root.glob(f"{measure_pass.DIR_PREFIX}*"))
    run_plan(plan_analysis(load_session(mixed_session), use_cache=False), 2)
    # none of ours is left (another run's may have come or gone meanwhile)
    assert set(root.glob(f"{measure_pass.DIR_PREFIX}{os.getpid()}-*")) <= before


def test_a_folder_left_by_a_killed_process_is_removed(tmp_path: Path) -> None:
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    root = Path(tempfile.gettempdir())
    left = root / f"{measure_pass.DIR_PREFIX}{dead}-x"
    left.mkdir()
    os.mkfifo(left / "group-0")
    mine = measure_pass.PassDir.create(2)
    try:
        assert not left.exists()
        assert mine.path.exists() and len(mine.pipes()) == 2
    finally:
        mine.remove()


def test_a_failing_group_stops_the_pass(
    mixed_session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group that fails closes its pipe: the mix's process ends too and the error reaches
    the caller, instead of a pass that waits for ever."""

    def broken(*args: object) -> None:
        raise OSError("disk gone")

    def waited(*args: object) -> None:
        raise TimeoutError("the pass waited for a group that had failed")

    monkeypatch.setattr(measure_pass, "read_and_sum", broken)
    # the workers are forked from here, so they see the broken function (a fork server, used
    # when another thread runs, would start them from modules of its own)
    monkeypatch.setattr(tasks, "pool_context", lambda: multiprocessing.get_context("fork"))
    previous = signal.signal(signal.SIGALRM, waited)
    signal.alarm(60)
    try:
        with pytest.raises((OSError, RuntimeError)) as raised:
            run_plan(plan_analysis(load_session(mixed_session), use_cache=False), 2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert not isinstance(raised.value, TimeoutError)


def test_groups_share_the_work(mixed_session: Path) -> None:
    session = load_session(mixed_session)
    files = [s.file for s in session.mix_stems]
    groups = measure_pass.split_groups(session, files, files, 2)
    assert sorted(f for group, _ in groups for f in group) == sorted(files)
    for group, measured in groups:
        assert measured == group  # every stem measured: all of them, in session order
        assert group == [f for f in files if f in group]
    sizes = [sum(session.stem(f).frames * session.stem(f).channels for f in g) for g, _ in groups]
    assert max(sizes) <= 2 * min(sizes)
    assert SR == 48000


def test_from_a_thread_through_the_fork_server(mixed_session: Path) -> None:
    """The app measures from a thread: the groups and the mix's process then come from the fork
    server, and still meet through their pipes."""
    results: list[dict[str, object]] = []
    plan = plan_analysis(load_session(mixed_session), use_cache=False)
    worker = threading.Thread(target=lambda: results.append(run_plan(plan, 2)))
    worker.start()
    worker.join(120)
    assert not worker.is_alive() and results
    assert_same(results[0][MIX_KEY], separate(mixed_session)[MIX_KEY])
