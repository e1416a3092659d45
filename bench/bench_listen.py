"""The latency a listener hears: a key pressed in the app to its sound at ``mixreview listen``.

The app runs as a user runs it, ``python -m mixreview SESSION`` in a pseudo-terminal (TERM
xterm-256color, 100x30), with ``SSH_CONNECTION`` set and no forwarded audio, so it picks the
listen-only player (a clock stands in for the sound card). ``--ssh`` runs the app and the listener
through ``ssh -tt`` to a throwaway sshd on this machine instead (``tests/ssh_support.py``: its own
keys, nothing of the user's SSH setup is used). One ``mixreview listen SESSION --buffer-ms MS``
writes to a pipe that this script reads; every read is stamped with the time it arrived.

- play: ``space`` while paused (the stream silent), to the first non-zero sample arriving; then
  ``space`` again to pause, and silence before the next press. ``-n`` times.
- A/B: the headroom suggestion selected and loudness matching off, so B is the whole mix turned
  down by the suggestion's gain (-7.6 dB on the flawed demo session); playing from the start,
  ``b``, to the first 5 ms window whose level, against the offline render of the same frames, has
  moved by more than half that gain. ``-n`` times, A to B and back in turn.

Per ``--buffer-ms`` value it prints min / median / max in ms. Not included: the buffer of the
player on the listener's machine (ffplay holds a few hundred ms unless told not to) and a real
network's round trip.

Usage: python bench/bench_listen.py [-n 10] [--buffer-ms 40,20] [--ssh] [--session DIR]
                                    [--json FILE]
Without --session it makes the flawed demo session (tools/make_flawed_session.py) in a temporary
folder; a given session is copied first. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests import pty_support  # noqa: E402 (the checkout on the path first)

HEADER_BYTES = 44
FRAME_BYTES = 4  # 16-bit stereo
WINDOW_S = 0.005  # the A/B level is read in windows this long
QUIET = 1e-3  # render windows quieter than this say nothing about the level
AB_UNTIL_S = 6.5  # the demo mix stays under the monitor's safety limit up to here: A is A
HOME = "\x1b[H"  # the Home key (back to the start)
TIMEOUT_S = 20.0

T = TypeVar("T")


class Terminal(pty_support.Terminal):
    """The app in a pseudo-terminal, with the waits the benchmark needs."""

    def pump(self, timeout_s: float) -> None:
        """Read the terminal for all of ``timeout_s`` (a pause that keeps reading)."""
        end = time.perf_counter() + timeout_s
        while (left := end - time.perf_counter()) > 0:
            super().pump(min(left, 0.01))

    def press_timed(self, keys: str) -> tuple[int, float]:
        """Type ``keys``: where the output stood, and when they were written."""
        mark = self.press(keys)
        return mark, time.perf_counter()

    def until(self, condition: Callable[[], bool], what: str, timeout_s: float = TIMEOUT_S) -> None:
        self.value(lambda: True if condition() else None, what, timeout_s)

    def value(self, probe: Callable[[], T | None], what: str, timeout_s: float = TIMEOUT_S) -> T:
        """Read the terminal until ``probe()`` gives something; that."""
        deadline = time.perf_counter() + timeout_s
        while (found := probe()) is None:
            if time.perf_counter() > deadline:
                raise SystemExit(f"{what} within {timeout_s:.0f} s; the screen ended with "
                                 f"{self.text()[-800:]!r}")  # fmt: skip
            self.pump(0.002)
        return found

    def shows(self, text: str, since: int = 0, timeout_s: float = TIMEOUT_S) -> None:
        self.until(lambda: text in self.text(since), f"the screen did not show {text!r}", timeout_s)

    def close(self) -> None:
        """Quit the app (q) and wait for it; end it if it does not."""
        with contextlib.suppress(OSError):
            os.write(self.fd, b"q")
        deadline = time.perf_counter() + 15
        while self.exit_status() is None and time.perf_counter() < deadline:
            self.pump(0.05)
        super().close()


class Client:
    """``mixreview listen`` writing to a pipe; every sample kept with the time it arrived."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(env)
        )
        self.rate = 0
        self.data = bytearray()
        self.arrivals: list[tuple[int, float]] = []  # (frames so far, when they arrived)
        self._lock = threading.Lock()
        self._scanned = 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        header = b""
        while len(header) < HEADER_BYTES:
            part = os.read(fd, HEADER_BYTES - len(header))
            if not part:
                return
            header += part
        self.rate = int.from_bytes(header[24:28], "little")
        while True:
            part = os.read(fd, 1 << 16)
            arrived = time.perf_counter()
            if not part:
                return
            with self._lock:
                self.data += part
                self.arrivals.append((len(self.data) // FRAME_BYTES, arrived))

    def streaming(self) -> bool:
        return self.rate > 0 and self.frames() > 0

    def frames(self) -> int:
        with self._lock:
            return len(self.data) // FRAME_BYTES

    def samples(self, start: int, end: int) -> np.ndarray:
        with self._lock:
            raw = bytes(self.data[start * FRAME_BYTES : end * FRAME_BYTES])
        return np.frombuffer(raw, "<i2").reshape(-1, 2).astype(np.float32) / 32768

    def arrival(self, frame: int) -> float:
        """When the read that brought ``frame`` returned."""
        with self._lock:
            for frames, arrived in self.arrivals:
                if frames > frame:
                    return arrived
        raise ValueError(f"frame {frame} has not arrived")

    def first_sound(self, since: int) -> int | None:
        """The first frame from ``since`` on with a non-zero sample, if one has arrived."""
        start = max(since, self._scanned)
        end = self.frames()
        if end > start:
            loud = np.flatnonzero(np.abs(self.samples(start, end)).max(axis=1) > 0)
            if len(loud):
                return start + int(loud[0])
        self._scanned = end
        return None

    def silent_for(self, seconds: float) -> bool:
        end = self.frames()
        want = int(seconds * self.rate)
        return end >= want and not np.abs(self.samples(end - want, end)).max() > 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._thread.join(timeout=5)


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
    }


# -- play ----------------------------------------------------------------------------------------


def measure_play(term: Terminal, client: Client, count: int, rng: random.Random) -> list[float]:
    """ms from ``space`` (paused, silent) to the first non-zero sample at the client."""
    results: list[float] = []
    for done in range(count):
        term.until(lambda: client.silent_for(0.15), "the stream did not fall silent")
        if done and done % 20 == 0:  # far from the song's end
            mark, _ = term.press_timed(HOME)
            term.shows("0:00.0/", mark)
        since = client.frames()
        _, sent = term.press_timed(" ")
        heard = term.value(partial(client.first_sound, since), "play was not heard")
        results.append((client.arrival(heard) - sent) * 1000)
        term.pump(rng.uniform(0.2, 0.4))
        term.press_timed(" ")
    term.until(lambda: client.silent_for(0.15), "the pause was not heard")
    return results


# -- A/B -----------------------------------------------------------------------------------------


def align(client: Client, render: np.ndarray, heard_at: int, session_guess: int, reach: int) -> int:
    """The offset (heard frame minus session frame) that puts 0.3 s heard from ``heard_at`` on
    the render, searched within ``reach`` frames of ``session_guess``."""
    from scipy import signal as scipy_signal

    length = int(0.3 * client.rate)
    heard = client.samples(heard_at, heard_at + length).mean(axis=1)
    lo = max(0, session_guess - reach)
    candidates = render[lo : session_guess + reach + length].mean(axis=1)
    score = scipy_signal.correlate(candidates, heard, mode="valid", method="fft")
    return heard_at - (lo + int(np.argmax(score)))


def levels(client: Client, render: np.ndarray, offset: int, start: int, end: int) -> np.ndarray:
    """dB of the heard windows against the render's at the same frames (nan where it is quiet)."""
    window = int(WINDOW_S * client.rate)
    count = (end - start) // window
    heard = client.samples(start, start + count * window)
    if len(heard) < count * window or start - offset < 0:
        return np.full(0, np.nan)
    rendered = render[start - offset : start - offset + count * window]
    if len(rendered) < count * window:
        return np.full(0, np.nan)
    h = np.sqrt((heard.reshape(count, window, 2) ** 2).mean(axis=(1, 2)))
    r = np.sqrt((rendered.reshape(count, window, 2) ** 2).mean(axis=(1, 2)))
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 20 * np.log10(h / r)
    db[r < QUIET] = np.nan
    return db


def switched(
    client: Client, render: np.ndarray, offset: int, since: int, before: float, by_db: float
) -> int | None:
    """The first frame from ``since`` on where two windows in a row have moved from the level
    ``before`` (against the render) by more than ``by_db`` (signed: down for a turn-down), if it
    has arrived."""
    db = levels(client, render, offset, since, client.frames())
    far = (db - before) / by_db > 1  # nan compares False
    hits = np.flatnonzero(far[:-1] & far[1:])
    return since + int(hits[0]) * int(WINDOW_S * client.rate) if len(hits) else None


def from_the_top(term: Terminal, client: Client, render: np.ndarray) -> int:
    """Paused: back to the start, play; the offset from heard frames to session frames."""
    mark, _ = term.press_timed(HOME)
    term.shows("0:00.0/", mark)
    since = client.frames()
    term.press_timed(" ")
    start = term.value(partial(client.first_sound, since), "play was not heard")
    rate = client.rate
    term.until(lambda: client.frames() > start + rate, "the start was not heard")
    return align(client, render, start + int(0.4 * rate), int(0.4 * rate), int(0.2 * rate))


def measure_ab(
    term: Terminal,
    client: Client,
    render: np.ndarray,
    gain_db: float,
    count: int,
    rng: random.Random,
) -> list[float]:
    """ms from ``b`` to the first window whose level moved by more than half the gain."""
    rate = client.rate
    offset = from_the_top(term, client, render)
    results: list[float] = []
    for _ in range(count):
        term.pump(rng.uniform(0.25, 0.45))
        now = client.frames()
        if now - offset > AB_UNTIL_S * rate:
            term.press_timed(" ")
            term.until(lambda: client.silent_for(0.15), "the pause was not heard")
            offset = from_the_top(term, client, render)
            term.pump(rng.uniform(0.25, 0.45))
            now = client.frames()
        offset = align(client, render, now - int(0.3 * rate), now - int(0.3 * rate) - offset,
                       int(0.05 * rate))  # fmt: skip
        before = float(np.nanmedian(levels(client, render, offset, now - int(0.3 * rate), now)))
        since = client.frames()
        _, sent = term.press_timed("b")
        by_db = (gain_db if len(results) % 2 == 0 else -gain_db) / 2  # to B, back to A, ...
        probe = partial(switched, client, render, offset, since, before, by_db)
        heard = term.value(probe, "the switch was not heard", 5.0)
        results.append((client.arrival(heard) - sent) * 1000)
    if len(results) % 2:  # the next run starts from A
        mark, _ = term.press_timed("b")
        term.shows("hearing A", mark)
    term.press_timed(" ")
    term.until(lambda: client.silent_for(0.15), "the pause was not heard")
    return results


# -- the run -------------------------------------------------------------------------------------


def make_session(folder: Path) -> Path:
    from mixreview.analysis.analyze import analyze
    from tools.make_flawed_session import make_flawed_session

    session = folder / "flawed"
    make_flawed_session(REPO / "sample_sessions" / "demo_song", session)
    analyze(session)
    return session


def headroom_gain(session: Path) -> float:
    """The headroom suggestion's gain (the whole mix down: what B is in the A/B runs)."""
    from mixreview.analysis.analyze import analyze
    from mixreview.analysis.suggest import suggest

    found = [s for s in suggest(analyze(session)) if s.kind == "headroom"]
    if not found:
        raise SystemExit("the session has no headroom suggestion to A/B")
    return float(found[0].params["gain_db"])


def remote_line(command: Sequence[str], env: Mapping[str, str], pid_file: Path) -> str:
    settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return (
        f"echo $$ > {shlex.quote(str(pid_file))} && "
        f"exec env -u PULSE_SERVER -u MIXREVIEW_AUDIO {settings} {shlex.join(command)}"
    )


def end_remote(pid_file: Path) -> None:
    """End a process started on the far side of the hop, if it still runs."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text().strip())
        if b"mixreview" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def bench(session: Path, buffers: Sequence[int], count: int, ssh: list[str] | None,
          work: Path) -> dict[str, Any]:  # fmt: skip
    from mixreview.analysis.playback import render_mix
    from mixreview.analysis.session import load_session

    loaded = load_session(session)
    rate = loaded.sample_rate
    gain_db = headroom_gain(session)
    render = render_mix(loaded, [], 0, int((AB_UNTIL_S + 2) * rate))
    runtime = Path(tempfile.mkdtemp(prefix="mrb-"))  # short: a socket path has ~100 bytes
    env = {
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_CONFIG_HOME": str(work / "config"),
    }
    app = [sys.executable, "-m", "mixreview", str(session)]
    base = {k: v for k, v in os.environ.items()
            if k not in ("PULSE_SERVER", "MIXREVIEW_AUDIO", "COLORTERM", "NO_COLOR")}  # fmt: skip
    base["TERM"] = "xterm-256color"
    pids: list[Path] = []
    if ssh is None:
        term = Terminal(app, {**base, **env, "SSH_CONNECTION": "127.0.0.1 50000 127.0.0.1 22"})
    else:
        pids.append(work / "app.pid")
        term = Terminal([*ssh[:-1], "-tt", "-e", "none", ssh[-1],
                         remote_line(app, env, pids[-1])], base)  # fmt: skip
    rng = random.Random(3)
    results: dict[str, Any] = {
        "via": "ssh localhost" if ssh else "local pty",
        "gain_db": gain_db,
        "load_average": os.getloadavg()[0],
        "runs": [],
    }
    try:
        term.shows("no audio: over SSH", timeout_s=120)
        mark, _ = term.press_timed("/")
        term.shows("words to match", mark)
        mark, _ = term.press_timed("headroom")
        term.shows("headroom · all stems", mark)
        mark, _ = term.press_timed("\r")
        term.shows("filter “headroom”", mark)
        mark, _ = term.press_timed("L")
        term.shows("match off", mark)
        for buffer_ms in buffers:
            listen = [sys.executable, "-m", "mixreview", "listen", str(session),
                      "--buffer-ms", str(buffer_ms)]  # fmt: skip
            mark = len(term.output)
            if ssh is None:
                client = Client(listen, {**base, **env})
            else:
                pids.append(work / f"listen-{buffer_ms}.pid")
                client = Client([*ssh, remote_line(listen, env, pids[-1])], base)
            try:
                term.shows("1 listener", mark)
                term.until(client.streaming, "the listener got no stream")
                play = measure_play(term, client, count, rng)
                ab = measure_ab(term, client, render, gain_db, count, rng)
            finally:
                mark = len(term.output)
                client.stop()
            term.shows("no audio: over SSH", mark)  # the listener is gone: the app says so again
            results["runs"].append(
                {"buffer_ms": buffer_ms, "play_ms": summary(play), "ab_ms": summary(ab),
                 "play_all_ms": [round(v, 1) for v in play],
                 "ab_all_ms": [round(v, 1) for v in ab]}
            )  # fmt: skip
            print_run(results["runs"][-1])
    finally:
        term.close()
        for pid_file in pids:
            end_remote(pid_file)
        shutil.rmtree(runtime, ignore_errors=True)
    return results


def print_run(run: dict[str, Any]) -> None:
    for name, key in (("play", "play_ms"), ("A/B ", "ab_ms")):
        s = run[key]
        print(f"--buffer-ms {run['buffer_ms']:>4}  {name}  n={s['n']:<3} min {s['min']:6.1f}  "
              f"median {s['median']:6.1f}  max {s['max']:6.1f}  (ms)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10, help="presses of each kind (default 10)")
    parser.add_argument("--buffer-ms", default="40,20", help="listen's --buffer-ms values")
    parser.add_argument("--ssh", action="store_true", help="through ssh to a local sshd")
    parser.add_argument("--session", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    buffers = [int(v) for v in args.buffer_ms.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-listen-") as tmp:
        work = Path(tmp)
        if args.session is None:
            session = make_session(work)
        else:
            session = work / "session"
            shutil.copytree(args.session, session)
        sshd = None
        ssh = None
        if args.ssh:
            from tests.ssh_support import start_sshd

            started = start_sshd(work)
            if isinstance(started, str):
                raise SystemExit(f"--ssh: {started}")
            sshd, ssh = started, started.ssh
        try:
            result = bench(session, buffers, args.n, ssh, work)
        finally:
            if sshd is not None:
                sshd.stop()
    print(f"({result['via']}; B = the mix {result['gain_db']:+.1f} dB; machine load average "
          f"{result['load_average']:.1f})")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
