"""``kill -9`` of ``mixreview analyze`` or ``render`` at a random moment leaves no process behind.

Each command runs in a process group of its own, on a session long enough to keep its workers
busy for a few seconds; after the kill, every process of that group must be gone within 2 s
(workers die with their parent: ``tasks.die_with_parent``)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

GONE_WITHIN_S = 2.0
START_TIMEOUT_S = 20.0
RATE = 48000

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def noise_session(folder: Path, stems: int, seconds: float) -> Path:
    """``stems`` stereo noise stems of ``seconds`` each in ``folder``."""
    folder.mkdir()
    rng = np.random.default_rng(3)
    for index in range(stems):
        noise = rng.standard_normal((int(seconds * RATE), 2)).astype(np.float32) * 0.05
        sf.write(str(folder / f"Stem {index + 1}.wav"), noise * (1 + index % 4), RATE, "PCM_16")
    return folder


@pytest.fixture(scope="module")
def long_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough work that the two workers run for seconds, not a fraction of one, on a fast
    machine: the kill must land while they run."""
    return noise_session(tmp_path_factory.mktemp("kill") / "song", 12, 60.0)


def kill_at_random(
    argv: list[str], rng: random.Random, workers_at: int, settle_s: float = 1.0
) -> tuple[int, str]:
    """Start ``argv``, kill -9 it at a random moment: (how many processes it had then, what is
    still alive after, in words). ``workers_at``: wait until it runs that many processes (its
    workers are up), then a random while of up to ``settle_s``; 0: a random moment from the
    start."""
    proc = subprocess.Popen(
        argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        started = time.monotonic()
        if workers_at:  # the moment the workers run, then a random while into their work
            deadline = started + START_TIMEOUT_S
            while len(group(proc.pid)) < workers_at and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, settle_s))
        else:
            time.sleep(rng.uniform(0.2, 3.0))
        members = len(group(proc.pid))
        with contextlib.suppress(ProcessLookupError):  # it may have finished on its own
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + GONE_WITHIN_S
        while group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = group(proc.pid)
        return members, f"{len(left)} of {members} processes left: {left}" if left else ""
    finally:
        for pid in group(proc.pid):
            with contextlib.suppress(ProcessLookupError):  # gone since it was listed
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "render"])
def test_kill_9_leaves_no_process(long_session: Path, tmp_path: Path, command: str) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    base = [sys.executable, "-m", "mixreview", command, str(long_session), "--quiet"]
    extra = (
        ["--no-cache", "--workers", "2"] if command == "analyze"
        else ["--out", str(tmp_path / "export"), "--force"]
    )  # fmt: skip
    busiest = 0
    for workers_at in (2, 0, 2):
        members, left = kill_at_random([*base, *extra], rng, workers_at, settle_s=0.3)
        assert not left, f"{command} (seed {seed}): {left}"
        busiest = max(busiest, members)
    assert busiest >= 2, "never killed while its workers ran"


SCRIPT = """
import sys, threading
from mixreview.analysis.analyze import analyze
threading.Thread(target=lambda: threading.Event().wait(60), daemon=True).start()
analyze(sys.argv[1], workers=2, use_cache=False)
"""


@pytest.mark.slow
def test_kill_9_of_a_threaded_parent(long_session: Path) -> None:
    """The app measures from a thread: its workers come from a fork server, and die too."""
    rng = random.Random()
    # the script, the fork server, its resource tracker and two workers
    argv = [sys.executable, "-c", SCRIPT, str(long_session)]
    members, left = kill_at_random(argv, rng, 5, settle_s=0.3)
    assert not left, left
    assert members >= 5, "killed before its workers ran"
