"""Benchmark the export: four mixes plus processed stems for a large generated session.

Generates (never commits) N stereo stems of M minutes at 48 kHz, 24-bit WAV, measures them once
(``mixreview analyze``, so the render finds the analysis cached), writes a review that accepts
every suggestion and adds manual changes (EQ on half the stems, a compressor and a high-pass on a
quarter each), then renders everything with ``mixreview render`` and with 1 and 2 worker
processes: wall time, x real time (stem audio / wall time) and peak memory of the process tree
(bench_analyze.TreeMemory: the summed PSS, which counts what forked workers share with their
parent once, and the summed RSS, which counts it in every process), memory in a run of its own.
Targets (issue 6): at least 100x real time for the set and under 512 MB (both measures).
Usage: python bench/bench_render.py [--stems 32] [--minutes 4] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_analyze import generate, run_measured, run_timed

TARGET_X = 100.0
TARGET_MB = 512.0


def write_review(folder: Path) -> dict[str, int]:
    """Accept every suggestion; add EQ, compressor and high-pass changes of the user's own."""
    from mixreview.analysis.analyze import analyze
    from mixreview.analysis.review import REVIEW_NAME, Review
    from mixreview.analysis.session import load_session
    from mixreview.analysis.state import state_dir
    from mixreview.analysis.suggest import suggest

    session = load_session(folder)
    suggestions = suggest(analyze(session))
    stems = [s.file for s in session.stems]
    path = state_dir(folder) / REVIEW_NAME
    path.unlink(missing_ok=True)
    review = Review.open(path, folder, stems)
    for suggestion in suggestions:
        review.accept(suggestion)
    counts = {"suggestions": len(suggestions), "eq": 0, "compressor": 0, "highpass": 0}
    for index, stem in enumerate(stems):
        if index % 2 == 0:
            bands = [{"type": "peaking", "freq_hz": 300.0 + 40 * index, "gain_db": -2.5, "q": 1.4},
                     {"type": "high_shelf", "freq_hz": 8000.0, "gain_db": 1.5}]  # fmt: skip
            review.add_manual("eq", stem, {"bands": bands})
            counts["eq"] += 1
        if index % 4 == 1:
            params = {"threshold_db": -24.0, "ratio": 3.0, "attack_ms": 10.0, "release_ms": 180.0}
            review.add_manual("compressor", stem, params)
            counts["compressor"] += 1
        if index % 4 == 3:
            review.add_manual("highpass", stem, {"freq_hz": 60.0})
            counts["highpass"] += 1
    return counts


def measured(cmd: list[str], repeat: int) -> dict[str, float | str]:
    """The fastest of ``repeat`` timed runs: wall time, CPU time of the process tree; then the
    peak memory in one more run of its own (the memory probe would slow a timed run down: see
    ``bench_analyze.run_timed``).

    Other programs on the machine slow a run down; the CPU time (user + system of the command
    and its workers) is what the work itself costs, and the load average says how busy the
    machine was.
    """
    best: dict[str, float | str] | None = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, stdout = run_timed(cmd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        run = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
               "load_1min": os.getloadavg()[0], "stdout": stdout}  # fmt: skip
        if best is None or wall < best["wall_s"]:
            best = run
    assert best is not None
    _, memory, _ = run_measured(cmd)
    best["peak_pss_mb"] = round(memory.peak_kb / 1024, 1)
    best["peak_rss_mb"] = round(memory.peak_rss_kb / 1024, 1)
    return best


def child(folder: Path, out: Path, workers: int) -> None:
    """Render in this process tree (run as a child so its memory is measured alone)."""
    from mixreview.analysis.export import export_session

    result = export_session(folder, out=out, force=True, workers=workers)
    print(json.dumps({"workers": result.workers, "render_s": result.render.seconds,
                      "chosen": result.metrics("chosen")["integrated_lufs"]}))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stems", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting (the fastest)")
    parser.add_argument(
        "--child", nargs=3, metavar=("SESSION", "OUT", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-bench-render-"))
    out = Path(tempfile.mkdtemp(prefix="mixreview-bench-out-")) / "export"
    try:
        t0 = time.perf_counter()
        generate(folder, args.stems, args.minutes)
        print(f"generated {args.stems} stems x {args.minutes:g} min in "
              f"{time.perf_counter() - t0:.1f} s at {folder}", file=sys.stderr)  # fmt: skip
        analyze_wall, _ = run_timed(
            [sys.executable, "-m", "mixreview", "analyze", str(folder), "--json", "--quiet"]
        )
        counts = write_review(folder)
        audio_s = args.stems * args.minutes * 60
        result: dict[str, object] = {
            "stems": args.stems, "minutes": args.minutes, "audio_s": audio_s,
            "cores": os.cpu_count(), "analyze_s": round(analyze_wall, 2), "review": counts,
        }  # fmt: skip
        cli = [sys.executable, "-m", "mixreview", "render", str(folder), "--out", str(out),
               "--force", "--quiet"]  # fmt: skip
        run = measured(cli, args.repeat)
        written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        summary = str(run.pop("stdout")).strip().splitlines()[-2]
        result["render_command"] = {
            **run,
            "x_realtime": round(audio_s / float(run["wall_s"]), 1),
            "written_mb": round(written / 1e6, 1),
            "summary": summary,
        }
        for workers in (1, 2):
            cmd = [sys.executable, __file__, "--child", str(folder), str(out), str(workers)]
            run = measured(cmd, args.repeat)
            inner = json.loads(str(run.pop("stdout")).strip().splitlines()[-1])
            result[f"workers_{workers}"] = {
                **run,
                "render_s": round(inner["render_s"], 2),
                "x_realtime": round(audio_s / float(run["wall_s"]), 1),
            }
        best = result["render_command"]
        result["targets_met"] = {
            f"x_realtime>={TARGET_X:g}": best["x_realtime"] >= TARGET_X,
            f"peak_pss_mb<{TARGET_MB:g}": best["peak_pss_mb"] < TARGET_MB,
            f"peak_rss_mb<{TARGET_MB:g}": best["peak_rss_mb"] < TARGET_MB,
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
        if not args.keep and args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
