"""Benchmark `mixreview batch`: sessions per minute locally and on a Dask LocalCluster.

Generates (never commits) one session of S stereo stems of M minutes at 48 kHz, 24-bit WAV, and
hard-links it into N session folders (the audio is the same, the work is not: the cache is off),
then runs the batch without the cache:
  1. locally, on the process pool with W workers;
  2. on a distributed.LocalCluster of W worker processes (one thread each) on this machine;
and measures Dask's overhead per task (no-op tasks) and the size of a stem's measurement as it
travels between workers. The files are read from the page cache after the first session, so the
numbers are the CPU's; shared storage adds its own read time on a real cluster.
Usage: python bench/bench_batch.py [--sessions 64] [--stems 8] [--minutes 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_analyze import generate


def noop(x: int) -> int:
    return x


def make_catalogue(root: Path, sessions: int, stems: int, minutes: float) -> list[Path]:
    source = root / "source"
    generate(source, stems, minutes)
    paths = []
    for n in range(sessions):
        folder = root / "deliveries" / f"song_{n + 1:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        for stem in sorted(source.glob("*.wav")):
            target = folder / stem.name
            if not target.exists():
                os.link(stem, target)
        paths.append(folder)
    return paths


def per_minute(count: int, seconds: float) -> float:
    return round(count * 60.0 / seconds, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--stems", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate (kept)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from mixreview.analysis.analyze import plan_analysis
    from mixreview.analysis.batch import run_local
    from mixreview.analysis.batch_dask import run_on_cluster
    from mixreview.analysis.measure import measure_stem
    from mixreview.analysis.session import load_session

    root = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-bench-batch-"))
    try:
        paths = make_catalogue(root, args.sessions, args.stems, args.minutes)
        result: dict[str, object] = {
            "sessions": args.sessions,
            "stems_per_session": args.stems,
            "minutes_per_stem": args.minutes,
            "workers": args.workers,
            "cores": os.cpu_count(),
        }
        started = time.perf_counter()
        local = run_local(paths, workers=args.workers, use_cache=False)
        local_s = time.perf_counter() - started
        result["local_s"] = round(local_s, 1)
        result["local_sessions_per_min"] = per_minute(len(paths), local_s)

        started = time.perf_counter()
        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            result["cluster_start_s"] = round(time.perf_counter() - started, 2)
            with Client(cluster.scheduler_address) as client:
                client.run(lambda: __import__("mixreview.analysis.batch_dask"))  # warm imports
                started = time.perf_counter()
                client.gather(client.map(noop, range(2000)))
                result["dask_overhead_ms_per_task"] = round(
                    (time.perf_counter() - started) / 2000 * 1000, 2
                )
            started = time.perf_counter()
            remote = run_on_cluster(paths, cluster.scheduler_address, use_cache=False)
            cluster_s = time.perf_counter() - started
        result["cluster_s"] = round(cluster_s, 1)
        result["cluster_sessions_per_min"] = per_minute(len(paths), cluster_s)
        result["tasks"] = args.sessions * (args.stems + 2)
        result["rows_equal"] = [r.row() for r in local] == [r.row() for r in remote]
        result["failed"] = sum(1 for r in remote if not r.ok)
        plan = plan_analysis(load_session(paths[0]), use_cache=False)
        stem = plan.session.stems[0]
        result["measurement_kb"] = round(len(pickle.dumps(measure_stem(stem))) / 1024, 1)
        print(json.dumps(result, indent=2))
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
