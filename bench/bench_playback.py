"""Benchmark the audition mixer: the work of one audio callback, as a share of the block duration.

Generates (never commits) 32 stereo 48 kHz 24-bit stems, puts an EQ band, a compressor and a gain
on every stem, and measures ``Mixer.next_block(1024)`` call by call in three comparisons:

  one-suggestion   A = every change but one stem's EQ, B = every change  (33 chains)
  original-vs-all  A = the stems as they are, B = every change          (32 chains)
  every-stem-differs  A = every change at amount 0.5, B = at 1.0        (64 chains, worst case)
  one-suggestion + 1 listener: the first, and every block also sent to a ``mixreview listen``
                      client (a socket read by another thread), as the player's callback does

Each run plays ``--seconds`` of audio paced like a sound card (one block every 21.3 ms, so caches
and the other core behave as in use) and reports the distribution of the callback's work
(median, p95, p99, max) as a share of the block duration; the target is under 30%. Also reported:
the preparation of a seek (done in the caller's thread, not the callback), and loudness matching
over a 30 s passage where every stem differs (A every change at 0.5, B at 1.0): the first match
(nothing kept), a second one in the same passage with one suggestion different (the common case:
the user moves to the next suggestion), medians of ``--match-runs`` runs in wall and CPU time
(target: under 300 ms), against the full render it replaces (once), what any exact first match
must do (decode the stems over the passage and run both sides' processors, CPU time), the largest
difference in offset, the same matches paced as the player's matcher thread runs them, and what
the kept mixes hold. Then the instant estimate the player applies first: its time and its error
against the exact match, and whether it meets the goal for the first match heard (under 300 ms,
within 0.1 dB of the exact match).

Usage: python bench/bench_playback.py [--stems 32] [--seconds 20] [--chunk FRAMES] [--dir DIR]
[--keep] [--fast] [--match-only] [--match-runs 3] (--chunk: the mixer's processing chunk, default
the player's; --fast: back to back instead of paced; --match-only: loudness matching only).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_analyze import generate as generate_minutes
from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change, chains_for
from mixreview.analysis.playback import (
    DEFAULT_CHUNK_FRAMES,
    LoudnessMatcher,
    Match,
    Mixer,
    build_units,
    measure_versions,
)
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.playback_match import passage_frames
from mixreview.analysis.session import Session, load_session
from mixreview.analysis.stem_reader import StemReader
from mixreview.tui.listen_server import ListenServer
from mixreview.tui.player_stream import MATCH_PAUSE_S

T = TypeVar("T")

SR = 48000
BLOCK = 1024
NAMES = ("Kick", "Snare", "Hats", "Bass", "Keys", "Pad", "Lead_Synth", "Lead_Vocal")
MATCH_SPAN_S = (2.0, 32.0)
MATCH_GOAL_S = 0.3
MATCH_TOLERANCE_DB = 0.1
"""How far the first match heard may be from the exact one: a loudness meter's tolerance
(EBU Tech 3341, +-0.1 LU), well under the smallest level difference a listener hears."""


def generate(folder: Path, stems: int, seconds: float) -> None:
    """The analysis benchmark's stems (tones and noise, different per stem), ``seconds`` long."""
    generate_minutes(folder, stems, seconds / 60.0)


def changes_for(files: list[str], amount: float = 1.0) -> list[Change]:
    out = []
    for index, file in enumerate(files):
        eq = {"bands": [{"type": "peaking", "freq_hz": 200.0 + 50 * index, "gain_db": -3.0}]}
        comp = {"threshold_db": -24.0, "ratio": 3.0, "attack_ms": 10.0, "release_ms": 150.0}
        out += [
            Change("eq", (file,), eq, amount, source_id=f"eq-{index}"),
            Change("compressor", (file,), comp, amount, source_id=f"comp-{index}"),
            Change("gain", (file,), {"gain_db": -1.5}, amount, source_id=f"gain-{index}"),
        ]
    return out


def run(
    mixer: Mixer, seconds: float, paced: bool, listen: ListenServer | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the block duration spent in next_block (and sending it to the listeners, with
    ``listen``), one per callback: wall clock, and CPU time of the calling thread (the work
    itself, whatever else the machine is doing)."""
    block_s = BLOCK / SR
    count = int(seconds / block_s)
    shares = np.empty(count)
    cpu = np.empty(count)
    mixer.play()
    gc.collect()
    next_at = time.perf_counter()
    for i in range(count):
        if paced:
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            next_at += block_s
        t0, c0 = time.perf_counter(), time.thread_time()
        block = mixer.next_block(BLOCK)
        if listen is not None and listen.listeners:
            listen.broadcast(block)
        shares[i] = (time.perf_counter() - t0) / block_s
        cpu[i] = (time.thread_time() - c0) / block_s
    mixer.pause()
    mixer.next_block(BLOCK)
    return shares, cpu


def listening(session: Session) -> tuple[ListenServer, socket.socket]:
    """A listen server with one client whose bytes another thread reads and throws away."""
    server = ListenServer(session.path, session.sample_rate)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(server.path))

    def drain() -> None:
        with contextlib.suppress(OSError):
            while client.recv(1 << 16):
                pass

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 5
    while not server.listeners and time.monotonic() < deadline:
        time.sleep(0.01)
    return server, client


def report(label: str, shares: np.ndarray) -> str:
    p = np.percentile(shares, [50, 95, 99]) * 100
    over = int(np.sum(shares > 0.3))
    return (
        f"  {label:<5} median {p[0]:5.1f}%  p95 {p[1]:5.1f}%  p99 {p[2]:5.1f}%  "
        f"max {shares.max() * 100:5.1f}%  over 30%: {over}/{len(shares)}"
    )


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work()``, its wall time and the CPU time of the calling thread, in seconds."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.thread_time()
    result = work()
    return result, time.perf_counter() - t0, time.thread_time() - c0


def first_match_floor(
    session: Session, versions: list[list[Change]], span: tuple[float, float]
) -> tuple[float, float]:
    """What any exact first match of ``versions`` over ``span`` must do, timed alone (CPU s):
    decode every stem over the passage, and run each version's chain of each stem on it."""
    start, end = passage_frames(session, span)
    chains = [chains_for(version, session) for version in versions]
    decode_s = process_s = 0.0
    for stem in session.mix_stems:
        c0 = time.thread_time()
        with StemReader(stem, session.sample_rate) as reader:
            reader.seek(start)
            audio = reader.read(end - start)
        c1 = time.thread_time()
        for version in chains:
            chain = version.get(stem.file)
            if chain is not None:
                chain.reset()
                chain.seek(start)
                for first in range(0, len(audio), 32768):
                    chain.process(audio[first : first + 32768])
        decode_s += c1 - c0
        process_s += time.thread_time() - c1
    return decode_s, process_s


def bench_matching(session: Session, full: list[Change], half: list[Change], runs: int) -> None:
    """Loudness matching over MATCH_SPAN_S (or what the session has of it), every stem
    different between the sides: first match, then one suggestion different, ``runs`` times
    from nothing kept; and the full render once (the reference, and the way it was done)."""
    span = (MATCH_SPAN_S[0], min(MATCH_SPAN_S[1], session.duration_s))
    length_s = span[1] - span[0]
    stems = len(session.mix_stems)
    exact, exact_wall, exact_cpu = timed(lambda: measure_versions(session, half, full, span))
    variants = [[c for c in full if c.source_id != f"eq-{r % stems}"] for r in range(runs)]
    exact_repeat = measure_versions(session, half, variants[0], span)
    rows: dict[str, list[tuple[float, float]]] = {"first": [], "repeat": []}
    worst_db = 0.0
    kept_mb = 0.0
    limit_mb = LoudnessMatcher(session).sums.limit_bytes / 1e6
    for run in range(runs):
        matcher = LoudnessMatcher(session)
        first, wall, cpu = timed(partial(matcher.match, half, full, span))
        rows["first"].append((wall, cpu))
        repeat, wall, cpu = timed(partial(matcher.match, half, variants[run], span))
        rows["repeat"].append((wall, cpu))
        worst_db = max(worst_db, abs(first.offset_db - exact.offset_db))
        if run == 0:
            worst_db = max(worst_db, abs(repeat.offset_db - exact_repeat.offset_db))
        kept_mb = max(kept_mb, matcher.sums.nbytes / 1e6)
    print(f"loudness match, {length_s:.0f} s passage, {stems} stems, every stem differs "
          f"(median of {runs}; target under 0.30 s):")  # fmt: skip
    print(f"  full render (before): {exact_wall:.2f} s wall, {exact_cpu:.2f} s CPU "
          f"(offset {exact.offset_db:+.3f} dB)")  # fmt: skip
    for label, name in (("first match", "first"), ("one suggestion different", "repeat")):
        wall, cpu = np.median(np.array(rows[name]), axis=0)
        print(f"  {label}: {wall:.3f} s wall, {cpu:.3f} s CPU")
    matcher = LoudnessMatcher(session, pause_s=MATCH_PAUSE_S)
    _, first_s, _ = timed(partial(matcher.match, half, full, span))
    _, repeat_s, _ = timed(partial(matcher.match, half, variants[0], span))
    pause_ms = MATCH_PAUSE_S * 1000
    print(f"  paced as in the player ({pause_ms:g} ms pause per block of each stem, one run): "
          f"first {first_s:.2f} s, one suggestion different {repeat_s:.3f} s wall")  # fmt: skip
    decode_s, process_s = first_match_floor(session, [half, full], span)
    print(f"  what a first match cannot skip: decoding the stems over the passage {decode_s:.2f} s,"
          f" the real processors of both sides {process_s:.2f} s (CPU)")  # fmt: skip
    print(f"  largest offset difference from the full render: {worst_db:.2e} dB")
    print(f"  kept mixes after both: {kept_mb:.1f} MB (limit {limit_mb:.0f} MB)")
    bench_estimate(session, full, half, variants, exact, exact_repeat, runs)


def bench_estimate(
    session: Session,
    full: list[Change],
    half: list[Change],
    variants: list[list[Change]],
    exact: Match,
    exact_repeat: Match,
    runs: int,
) -> None:
    """The instant estimate the player shows while the exact match renders: its time (the
    session measured first, as the app has it) and its error against the full render."""
    span = (MATCH_SPAN_S[0], min(MATCH_SPAN_S[1], session.duration_s))
    analysis, measure_s, _ = timed(lambda: analyze(session, workers=2, use_cache=False))
    stems = {r.stem.file: r.measurement for r in analysis.stems if r.measurement is not None}
    assert analysis.mix is not None
    estimator = MatchEstimator(analysis.session, analysis.mix, stems)
    walls, cpus = [], []
    for _run in range(runs):
        estimate, wall, cpu = timed(partial(estimator.estimate, half, full, span))
        walls.append(wall)
        cpus.append(cpu)
    repeat = estimator.estimate(half, variants[0], span)
    assert estimate is not None and repeat is not None
    first_error = estimate.offset_db - exact.offset_db
    repeat_error = repeat.offset_db - exact_repeat.offset_db
    wall_ms = float(np.median(walls) * 1000)
    print(f"instant estimate (the session measured: {measure_s:.1f} s), same passage:")
    print(f"  {wall_ms:.1f} ms wall, {np.median(cpus) * 1000:.1f} ms CPU (median of {runs}, "
          f"slowest {max(walls) * 1000:.1f} ms); offset {estimate.offset_db:+.3f} dB, "
          f"error {first_error:+.3f} dB; "
          f"one suggestion different: error {repeat_error:+.3f} dB")  # fmt: skip
    close = max(abs(first_error), abs(repeat_error)) <= MATCH_TOLERANCE_DB
    heard = "met" if close and max(walls) < MATCH_GOAL_S else "not met"
    print(f"  the first match heard is the estimate: {heard} (goal: under "
          f"{MATCH_GOAL_S * 1000:.0f} ms and within {MATCH_TOLERANCE_DB} dB of the exact match, "
          f"which replaces it when it is done)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stems", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK_FRAMES)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--fast", action="store_true", help="back to back, not paced")
    parser.add_argument("--match-only", action="store_true", help="loudness matching only")
    parser.add_argument("--match-runs", type=int, default=3)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-bench-play-"))
    try:
        t0 = time.perf_counter()
        generate(folder, args.stems, args.seconds + 15.0)
        print(f"{args.stems} stems of {args.seconds + 15:.0f} s in {folder} "
              f"({time.perf_counter() - t0:.1f} s to generate)")  # fmt: skip
        session = load_session(folder)
        files = [s.file for s in session.mix_stems]
        full = changes_for(files)
        half = changes_for(files, 0.5)
        cases = [
            ("one-suggestion", [c for c in full if c.source_id != "eq-0"], full),
            ("original-vs-all", [], full),
            ("every-stem-differs", half, full),
        ]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.2f} on {os.cpu_count()} cores")
        runs = [] if args.match_only else [*cases, ("one-suggestion + 1 listener", *cases[0][1:])]
        if runs:
            print(f"callback work at {BLOCK} frames ({BLOCK / SR * 1000:.1f} ms), processing in "
                  f"chunks of {args.chunk} frames, "
                  f"{'back to back' if args.fast else 'paced in real time'}:")  # fmt: skip
        for name, a, b in runs:
            mixer = Mixer(session, block_frames=BLOCK, chunk_frames=args.chunk)
            mixer.set_versions(a, b)
            mixer.switch("B")
            mixer.seek(2 * SR)
            t_prep = time.perf_counter()
            mixer.play()  # builds the renderer: the caller's thread
            prep_ms = (time.perf_counter() - t_prep) * 1000
            units = build_units(session, session.mix_stems, [a, b])
            chains = sum(1 for c in units.chains if c is not None)
            mixer.pause()
            mixer.next_block(BLOCK)
            listen, client = listening(session) if "listener" in name else (None, None)
            shares, cpu = run(mixer, args.seconds, not args.fast, listen)
            print(f"{name}: {chains} chains, {len(units.chains)} units; "
                  f"seek/start preparation {prep_ms:.0f} ms (caller's thread)")  # fmt: skip
            print(report("wall", shares))
            print(report("cpu", cpu))
            if listen is not None and client is not None:
                print(f"  the listener lost {listen.dropped} blocks")
                client.close()
                listen.close()
            mixer.close()
        bench_matching(session, full, half, args.match_runs)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
