"""Keystroke-to-screen latency of the review app, with the meters running.

The app runs in a pseudo-terminal as a user would run it (Textual's real driver, TERM
xterm-256color, no COLORTERM: what an SSH session gets), with a scripted audition that "plays":
every stem's meters move at the app's meter rate (25 Hz, or --meter-hz), so the screen is
repainted all the time. The benchmark types keys into the terminal and, for each key, measures
the time from writing it to the moment the terminal receives the screen's answer: the title of
the newly selected suggestion in the detail panel (j/k, a, u) or its new status ([). It reports
the distribution per key and overall, and the output rate while no key is pressed (the meters).

Usage: python bench/bench_tui.py [--keys 300] [--size 120x40] [--session DIR] [--json FILE]
                                [--meter-hz 25,10,off]
       python bench/bench_tui.py --reopen N [--decided]   (time opening the measured session)
Without --session it makes the flawed demo session (tools/make_flawed_session.py) in a
temporary folder. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import pty
import random
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ANSI = re.compile(
    rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])"
)


# -- the child: the app with a playing audition -------------------------------------------------


class PlayingAudition:
    """Plays in a loop from the moment it is asked to; levels move on every read."""

    def __init__(self, session, playing: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.files = [s.file for s in session.mix_stems]
        self.duration_s = session.duration_s
        self.available = True
        self.reason = ""
        self.clips_possible = False
        self.playing = playing
        self.side = "A"
        self.loop_s = None
        self.match_loudness = True
        self.offset_db = 0.0
        self.label_a, self.label_b = "A", "B"
        self._started = time.monotonic()

    @property
    def position_s(self) -> float:
        if not self.playing:
            return 0.0
        return (time.monotonic() - self._started) % max(self.duration_s, 1.0)

    def levels(self):  # type: ignore[no-untyped-def]
        from mixreview.tui.audition import Levels

        t = time.monotonic()
        peak = {}
        lufs = {}
        for i, file in enumerate(self.files):
            wobble = math.sin(2 * math.pi * (0.9 * t + i / 7))
            peak[file] = -14.0 + 10.0 * wobble
            lufs[file] = -24.0 + 6.0 * wobble
        return Levels(peak_db=peak, loudness_lufs=lufs)

    def set_versions(self, a, b, label_a, label_b) -> None:  # type: ignore[no-untyped-def]
        self.label_a, self.label_b = label_a, label_b

    def play(self) -> None:
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        self.playing = not self.playing

    def seek(self, position_s: float) -> None:
        self._started = time.monotonic() - position_s

    def switch(self, side: str | None = None) -> None:
        self.side = side or ("B" if self.side == "A" else "A")

    def set_loop(self, span_s) -> None:  # type: ignore[no-untyped-def]
        self.loop_s = span_s

    def set_match_loudness(self, on: bool) -> None:
        self.match_loudness = on

    def set_mute(self, stem: str, muted: bool) -> None:
        pass

    def set_solo(self, stem: str, soloed: bool) -> None:
        pass

    def write_clips(self, out_dir, span_s):  # type: ignore[no-untyped-def]
        raise RuntimeError("no clips in the benchmark")

    def close(self) -> None:
        pass


def run_child(session: Path) -> int:
    from mixreview.tui.app import make_app

    playing = os.environ.get("BENCH_TUI_METERS", "1") == "1"
    app = make_app(
        session,
        audition_factory=lambda s: PlayingAudition(s, playing),
        keymap_path=session / "no-keys.toml",
    )
    app.run()
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the parent: what the screen must show after each key ------------------------------------------


def expected_titles(session: Path) -> list[str]:
    """The detail panel's title of each queue row, in screen order (a fresh review)."""
    from mixreview.analysis.analyze import analyze
    from mixreview.analysis.review import Review
    from mixreview.analysis.suggest import suggest
    from mixreview.tui.widgets import queue as queue_mod
    from mixreview.tui.widgets.labels import kind_label

    analysis = analyze(session)
    suggestions = suggest(analysis)
    review = Review(session / "unused.json", {"decisions": {}, "manual": [], "ui": {}})
    names = {s.file: s.name for s in analysis.session.stems}
    all_stems = len(analysis.session.mix_stems)
    items = queue_mod.items(suggestions, review)
    queue = queue_mod.build(items, "importance", "", names, analysis.sections, all_stems)
    titles = []
    for row in queue.rows:
        if row.item is not None:
            label = queue_mod.stems_label(row.item, names, all_stems)
            titles.append(f"{kind_label(row.item.kind)} · {label}"[:30])  # fits a narrow panel
    return titles


class Terminal:
    """The app in a pseudo-terminal; reads everything it writes."""

    def __init__(
        self,
        session: Path,
        columns: int,
        rows: int,
        meters: bool = True,
        meter_hz: str = "",
        real_app: bool = False,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR")}
        env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
        env["BENCH_TUI_METERS"] = "1" if meters else "0"
        if meter_hz:
            env["MIXREVIEW_METER_HZ"] = meter_hz
        env.pop("TEXTUAL", None)
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(REPO)
            if real_app:  # the command a user types, with the real player
                os.execvpe(sys.executable, [sys.executable, "-m", "mixreview", str(session)], env)
            os.execvpe(sys.executable, [sys.executable, __file__, "--child", str(session)], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.set_blocking(fd, False)
        self.total_bytes = 0

    def read(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        self.total_bytes += len(data)
        return data

    def wait_for(self, text: str, timeout_s: float, buffer: bytearray) -> float | None:
        """Read until ``text`` shows in the output; the time it arrived, or None."""
        wanted = text.encode()
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            chunk = self.read(0.002)
            if chunk:
                buffer.extend(chunk)
                if wanted in ANSI.sub(b"", bytes(buffer)):
                    return time.perf_counter()
        return None

    def send(self, key: str) -> float:
        os.write(self.fd, key.encode())
        return time.perf_counter()

    def drain(self, seconds: float) -> int:
        """Read for ``seconds``; the number of bytes the app wrote meanwhile."""
        end = time.perf_counter() + seconds
        count = 0
        while time.perf_counter() < end:
            count += len(self.read(0.01))
        return count

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"q")
        for _ in range(100):
            done, _status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            self.drain(0.05)
        else:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def plan(titles: Sequence[str], count: int, seed: int = 1) -> list[tuple[str, str]]:
    """(key, what the screen must then show): walks the queue up and down, accepts and undoes,
    changes amounts; skips steps whose answer would look like the screen before."""
    rng = random.Random(seed)
    steps: list[tuple[str, str]] = []
    index = 0
    direction = 1
    while len(steps) < count:
        if index + direction >= len(titles) or index + direction < 0:
            direction = -direction
        roll = rng.random()
        if roll < 0.12 and index + 1 < len(titles) and titles[index + 1] != titles[index]:
            steps += [("a", titles[index + 1]), ("u", titles[index])]
            continue
        if roll < 0.2:
            steps += [("[", "adjusted 75%"), ("u", "· pending")]
            continue
        following = index + direction
        if titles[following] != titles[index]:
            steps.append(("j" if direction > 0 else "k", titles[following]))
        else:
            steps.append(("j" if direction > 0 else "k", ""))  # moves, nothing new to wait for
        index = following
    return steps[:count]


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "min": min(values),
        "p50": statistics.median(values),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def bench(
    session: Path, columns: int, rows: int, keys: int, meters: bool = True, meter_hz: str = ""
) -> dict:
    titles = expected_titles(session)
    (session / ".mixreview" / "review.json").unlink(missing_ok=True)
    term = Terminal(session, columns, rows, meters, meter_hz)
    buffer = bytearray()
    started = time.perf_counter()
    if term.wait_for(titles[0], 120.0, buffer) is None:
        term.close()
        raise SystemExit("the app did not show its first suggestion within 120 s")
    startup_s = time.perf_counter() - started
    term.drain(1.0)  # the first screens drawn after loading are not the meters' steady rate
    cpu_before, wall_before = cpu_seconds(term.pid), time.perf_counter()
    idle_bytes = term.drain(2.0)
    idle_cpu = (cpu_seconds(term.pid) - cpu_before) / (time.perf_counter() - wall_before)
    latencies: dict[str, list[float]] = {}
    missed = 0
    rng = random.Random(2)
    for key, answer in plan(titles, keys):
        term.drain(rng.uniform(0.06, 0.2))  # a person's pace; the meters keep drawing
        buffer = bytearray()
        sent = term.send(key)
        if not answer:
            term.drain(0.05)
            continue
        arrived = term.wait_for(answer, 2.0, buffer)
        if arrived is None:
            missed += 1
            continue
        latencies.setdefault(key, []).append((arrived - sent) * 1000)
    term.close()
    everything = [v for values in latencies.values() for v in values]
    return {
        "size": f"{columns}x{rows}",
        "meters": meters,
        "meter_hz": meter_hz or os.environ.get("MIXREVIEW_METER_HZ", "") or "25",
        "startup_s": round(startup_s, 2),
        "idle_output_bytes_per_s": round(idle_bytes / 2.0),
        "idle_cpu_share": round(idle_cpu, 3),
        "load_average": os.getloadavg()[0],
        "missed": missed,
        "all_ms": summary(everything),
        "per_key_ms": {k: summary(v) for k, v in sorted(latencies.items())},
    }


def reopen(
    session: Path, runs: int, columns: int = 80, rows: int = 24, decided: str | None = None
) -> dict[str, float]:
    """Seconds from typing ``mixreview SESSION`` (measured, cached) to the first suggestion's
    title on screen (or, with ``decided``, to that text in the title bar), ``runs`` times: min,
    median, max."""
    title = decided or expected_titles(session)[0][:20]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        terminal = Terminal(session, columns, rows, real_app=True)
        try:
            arrived = terminal.wait_for(title, 30.0, bytearray())
        finally:
            terminal.close()
        if arrived is None:
            raise SystemExit(f"the first suggestion ({title!r}) never showed")
        times.append(arrived - started)
    return {
        "min_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
    }


def accept_all(session: Path) -> str:
    """Accept every suggestion of the measured ``session`` and open it once (the stems the
    decisions process are measured again then); the title bar's words to wait for."""
    from mixreview.analysis.analyze import analyze
    from mixreview.analysis.review import Review, review_path
    from mixreview.analysis.state import state_dir
    from mixreview.analysis.suggest import suggest
    from mixreview.tui.audition import NoAudio
    from mixreview.tui.loader import load_cached

    analysis = analyze(session)
    files = [s.file for s in analysis.session.stems]
    review = Review.open(review_path(state_dir(session)), session, files)
    found = suggest(analysis)
    for suggestion in found:
        review.accept(suggestion)
    loaded = load_cached(session, lambda s: NoAudio("benchmark", s.duration_s))
    assert loaded is not None
    return f"decided · {len(found)} accepted"


def make_session(folder: Path) -> Path:
    from mixreview.analysis.analyze import analyze
    from tools.make_flawed_session import make_flawed_session

    session = folder / "flawed"
    make_flawed_session(REPO / "sample_sessions" / "demo_song", session)
    analyze(session)
    return session


def print_report(result: dict) -> None:
    hz = result["meter_hz"]
    rate = "meters off" if hz in ("off", "0") else f"meters at {hz.removesuffix('Hz').strip()} Hz"
    meters = f"{rate}, playing" if result["meters"] else f"{rate}, still"
    print(f"\nsize {result['size']}, {meters}: first suggestion on screen after "
          f"{result['startup_s']} s; between keys the app writes "
          f"{result['idle_output_bytes_per_s']} bytes/s using {result['idle_cpu_share']:.0%} of a "
          f"core (machine load average {result['load_average']:.1f})")  # fmt: skip
    header = f"{'key':>5} {'n':>4} {'min':>6} {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6}  (ms)"
    print(header)
    rows = [*result["per_key_ms"].items(), ("all", result["all_ms"])]
    for key, s in rows:
        print(f"{key:>5} {s['n']:>4} {s['min']:6.1f} {s['p50']:6.1f} {s['p90']:6.1f} "
              f"{s['p99']:6.1f} {s['max']:6.1f}")  # fmt: skip
    if result["missed"]:
        print(f"{result['missed']} keys got no answer within 2 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--size", action="append", default=None, help="e.g. 120x40 (repeatable)")
    parser.add_argument("--session", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--compare-still", action="store_true", help="also run with the meters still"
    )
    parser.add_argument(
        "--meter-hz", default="", help="meter rates to run at (MIXREVIEW_METER_HZ), e.g. 25,10,off"
    )
    parser.add_argument(
        "--reopen", type=int, default=0, metavar="N",
        help="only time N reopens of the measured session (mixreview SESSION, the real app)",
    )  # fmt: skip
    parser.add_argument(
        "--decided", action="store_true",
        help="with --reopen: every suggestion accepted first (a review half done and more)",
    )  # fmt: skip
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return run_child(args.child)
    if args.reopen:
        with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
            session = args.session or make_session(Path(tmp))
            if args.decided and args.session:  # decide on a copy, not in the given session
                session = Path(tmp) / "decided"
                shutil.copytree(args.session, session)
            decided = accept_all(session) if args.decided else None
            times = reopen(session, args.reopen, decided=decided)
        spread = f"min {times['min_s']} s, median {times['median_s']} s, max {times['max_s']} s"
        what = "every suggestion accepted" if decided else "the first suggestion"
        print(f"reopen from cache to {what} on screen, {args.reopen} runs: {spread}")
        return 0
    sizes = args.size or ["120x40", "80x24"]
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        source = args.session or make_session(Path(tmp))
        session = Path(tmp) / "session"
        if source != session:
            shutil.copytree(source, session, dirs_exist_ok=True)
        results = []
        rates = [r.strip() for r in args.meter_hz.split(",") if r.strip()] or [""]
        for size in sizes:
            columns, rows = (int(v) for v in size.lower().split("x"))
            for meter_hz in rates:
                for meters in (True, False) if args.compare_still else (True,):
                    result = bench(session, columns, rows, args.keys, meters, meter_hz)
                    print_report(result)
                    results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
