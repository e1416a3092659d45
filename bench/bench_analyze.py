"""Benchmark `mixreview analyze` against ffmpeg's ebur128 (peak=true) on a large generated session.

Generates (never commits) N stereo stems of M minutes at 48 kHz, 24-bit WAV, then runs in one go:
  1. mixreview analyze --no-cache (wall time),
  2. ffmpeg -af ebur128=peak=true over the same files, two at a time,
in turn, --runs times (3), and prints the medians, their ratio and the CPU time of each. Memory
is measured in one more run of mixreview on its own: the peak of the summed PSS (and RSS) of the
process tree (the probe reads /proc while the run goes on, so timed runs go without it).
Usage: python bench/bench_analyze.py [--stems 32] [--minutes 4] [--runs 3] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 48000
NAMES = ("Kick", "Snare", "Hats", "Bass", "Keys", "Pad", "Lead_Synth", "Lead_Vocal")


def generate(folder: Path, stems: int, minutes: float) -> None:
    """Write stems block by block: filtered noise and tones with a slow envelope, all different."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = int(minutes * 60 * SR)
    block = SR * 10
    for index in range(stems):
        path = folder / f"{NAMES[index % len(NAMES)]}_{index + 1:02d}.wav"
        if path.exists() and sf.info(str(path)).frames == frames:
            continue
        rng = np.random.default_rng(index)
        freq = 55.0 * 2 ** (index / 5)
        with sf.SoundFile(str(path), "w", SR, 2, subtype="PCM_24") as out:
            for start in range(0, frames, block):
                n = min(block, frames - start)
                t = (start + np.arange(n)) / SR
                env = 0.5 + 0.5 * np.sin(2 * np.pi * t / (7 + index))
                tone = np.sin(2 * np.pi * freq * t) * env
                noise = rng.standard_normal((n, 2)) * 0.05
                data = 0.1 * np.column_stack([tone, 0.8 * tone]) + noise * env[:, None]
                out.write(data.astype(np.float32))


class TreeMemory:
    """Polls the memory of a process and its descendants (Linux /proc): the sum of their
    proportional set sizes (PSS: a page shared by n processes counts 1/n in each), so the
    libraries forked workers share with their parent count once, as the system holds them;
    the summed RSS, which counts them in every process, is kept too (``peak_rss_kb``)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in task.read_text().split()]
        return pids

    def _run(self) -> None:
        while not self._stop.is_set():
            pss = rss = 0
            for pid in self._tree():
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
                        elif line.startswith("Rss:"):
                            rss += int(line.split()[1])
                except OSError:
                    pass
            self.peak_kb = max(self.peak_kb, pss)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def children_cpu_s() -> float:
    """User + system CPU of every waited-for descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(cmd: list[str]) -> tuple[float, TreeMemory, str]:
    """(wall s, the process tree's memory, standard output) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    memory.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {err[-2000:]}")
    return wall, memory, out


def run_timed(cmd: list[str]) -> tuple[float, str]:
    """(wall s, standard output) of one command, with nothing else watching it: the memory
    probe reads /proc/PID/smaps_rollup of every process of the tree 20 times a second (about
    1 ms each, holding the process's memory map lock), which would slow the run it measures."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    return wall, proc.stdout


def ffmpeg_one(path: Path) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stems", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the median reported")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-bench-"))
    try:
        t0 = time.perf_counter()
        generate(folder, args.stems, args.minutes)
        print(
            f"generated {args.stems} stems x {args.minutes:g} min in "
            f"{time.perf_counter() - t0:.1f} s at {folder}",
            file=sys.stderr,
        )
        audio_s = args.stems * args.minutes * 60
        cmd = [
            sys.executable,
            "-m",
            "mixreview",
            "analyze",
            str(folder),
            "--json",
            "--no-cache",
            "--quiet",
        ]
        files = sorted(folder.glob("*.wav"))
        runs: dict[str, list[float]] = {key: [] for key in ("wall", "cpu", "pss", "rss")}
        ffmpeg: dict[str, list[float]] = {"wall": [], "cpu": []}
        for _ in range(args.runs):  # side by side, in turn, so both see the same machine
            cpu0 = children_cpu_s()
            wall, out = run_timed(cmd)
            runs["cpu"].append(children_cpu_s() - cpu0)
            runs["wall"].append(wall)
            cpu0 = children_cpu_s()
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(ffmpeg_one, files))
            ffmpeg["wall"].append(time.perf_counter() - t0)
            ffmpeg["cpu"].append(children_cpu_s() - cpu0)
        _, memory, _ = run_measured(cmd)  # memory in a run of its own (see run_timed)
        runs["pss"].append(memory.peak_kb / 1024)
        runs["rss"].append(memory.peak_rss_kb / 1024)
        report = json.loads(out)
        wall, ffmpeg_wall = statistics.median(runs["wall"]), statistics.median(ffmpeg["wall"])
        result = {
            "stems": args.stems,
            "minutes": args.minutes,
            "audio_s": audio_s,
            "cores": os.cpu_count(),
            "runs": args.runs,
            "load_average_1min": round(os.getloadavg()[0], 2),
            "mixreview_wall_s": round(wall, 2),
            "mixreview_cpu_s": round(statistics.median(runs["cpu"]), 2),
            "mixreview_x_realtime": round(audio_s / wall, 1),
            "mixreview_peak_pss_mb": round(max(runs["pss"]), 1),
            "mixreview_peak_rss_sum_mb": round(max(runs["rss"]), 1),
            "ffmpeg_two_at_a_time_wall_s": round(ffmpeg_wall, 2),
            "ffmpeg_two_at_a_time_cpu_s": round(statistics.median(ffmpeg["cpu"]), 2),
            "ratio_vs_ffmpeg": round(wall / ffmpeg_wall, 3),
            "every_wall_s": {"mixreview": runs["wall"], "ffmpeg": ffmpeg["wall"]},
            "mix_integrated_lufs": report["mix"]["metrics"]["integrated_lufs"],
        }
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
