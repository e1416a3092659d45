"""Peak memory against stem length: `mixreview analyze` and `render`, a 4-minute and a 2-hour stem.

Generates (never commits) one mono 24-bit 48 kHz stem of each length, runs each command as a user
would (a new process, no cache) and prints the wall time and the peak memory of the whole process
tree (bench_analyze.TreeMemory: summed PSS), and the 2-hour run's peak as a share of the
4-minute one's. Each command runs ``--runs`` times and the median peak is kept: a process's PSS
moves by several MB from run to run with what else maps the same libraries.
Usage: python bench/bench_memory.py [--long-minutes 120] [--runs 3] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import TreeMemory

SR = 48000


def generate(folder: Path, minutes: float) -> Path:
    """A mono pad: a tone with a slow swell and a little noise, written a minute at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pad.wav"
    frames = int(minutes * 60 * SR)
    if path.exists() and sf.info(str(path)).frames == frames:
        return folder
    rng = np.random.default_rng(0)
    with sf.SoundFile(str(path), "w", SR, 1, subtype="PCM_24") as out:
        for start in range(0, frames, SR * 60):
            n = min(SR * 60, frames - start)
            t = (start + np.arange(n)) / SR
            swell = 0.6 + 0.4 * np.sin(2 * np.pi * t / 17)
            tone = 0.2 * np.sin(2 * np.pi * 220 * t) * swell
            out.write((tone + rng.standard_normal(n) * 0.02).astype(np.float32))
    return folder


def measured(cmd: list[str]) -> tuple[float, float]:
    """(wall s, peak MB of the process tree) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    _, err = proc.communicate()
    peak_kb = memory.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err[-2000:]}")
    return time.perf_counter() - started, peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-minutes", type=float, default=120.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-memory-"))
    try:
        peaks: dict[str, list[float]] = {}
        for minutes in (4.0, args.long_minutes):
            folder = generate(root / f"pad-{minutes:g}min", minutes)
            for command in ("analyze", "render"):
                cmd = [sys.executable, "-m", "mixreview", command, str(folder), "--quiet"]
                if command == "analyze":
                    cmd.append("--no-cache")
                else:
                    cmd += ["--out", str(root / f"out-{minutes:g}"), "--force"]
                runs = [measured(cmd) for _ in range(max(1, args.runs))]
                wall_s = statistics.median(r[0] for r in runs)
                peak_mb = statistics.median(r[1] for r in runs)
                peaks.setdefault(command, []).append(peak_mb)
                each = ", ".join(f"{r[1]:.0f}" for r in runs)
                print(f"{command}, one mono stem of {minutes:g} min: {wall_s:.1f} s, "
                      f"peak {peak_mb:.0f} MB (runs: {each})")  # fmt: skip
        for command, (short, long) in peaks.items():
            print(f"{command}: the long stem's peak is {long / short:.0%} of the short one's")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
