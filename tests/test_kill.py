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
STEMS, SECONDS, RATE = 4, 40.0, 48000

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


@pytest.fixture(scope="module")
def big_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kill") / "song"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for index, name in enumerate(["Kick", "Bass", "Keys", "Pad"][:STEMS]):
        noise = rng.standard_normal((int(SECONDS * RATE), 2)).astype(np.float32) * 0.05
        sf.write(str(folder / f"{name}.wav"), noise * (index + 1), RATE, subtype="PCM_16")
    return folder


def kill_at_random(argv: list[str], rng: random.Random, workers_at: int) -> tuple[int, str]:
    """Start ``argv``, kill -9 it at a random moment: (how many processes it had then, what is
    still alive after, in words). ``workers_at``: wait until it runs that many processes (its
    workers are up), then a random while; 0: a random moment from the start."""
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
            time.sleep(rng.uniform(0.0, 1.0))
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
def test_kill_9_leaves_no_process(big_session: Path, tmp_path: Path, command: str) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    base = [sys.executable, "-m", "mixreview", command, str(big_session), "--quiet"]
    extra = (
        ["--no-cache", "--workers", "2"] if command == "analyze"
        else ["--out", str(tmp_path / "export"), "--force"]
    )  # fmt: skip
    busiest = 0
    for workers_at in (2, 0, 2):
        members, left = kill_at_random([*base, *extra], rng, workers_at)
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
def test_kill_9_of_a_threaded_parent(big_session: Path) -> None:
    """The app measures from a thread: its workers come from a fork server, and die too."""
    rng = random.Random()
    # the script, the fork server, its resource tracker and two workers
    members, left = kill_at_random([sys.executable, "-c", SCRIPT, str(big_session)], rng, 5)
    assert not left, left
    assert members >= 5, "killed before its workers ran"
