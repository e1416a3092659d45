"""Decision to updated queue: how long the live model takes to derive the suggestions again.

    python bench/bench_live.py [--stems 32] [--minutes 4] [--decisions 12]

On the bundled demo session and on a generated session (bench_analyze's generator), decisions are
taken in queue order (accept; every third one rejected) and each ``derive`` is timed; prints the
median and worst in ms (wall clock, and the process's CPU time beside it: other programs on the
machine slow the wall clock down), and how many derives measured a stem again. Then the headroom
suggestion, when it is still pending, is accepted and that derive timed on its own: a gain on
every stem, which scales every stem and the mix and moves what the rules kept with them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.review import Review
from mixreview.analysis.samples import bundled_session
from mixreview.analysis.suggest.live import LiveModel, LiveState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import generate


@dataclass
class Timings:
    """Per derive: wall clock and CPU time (ms); the headroom's derive on its own."""

    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    remeasured: int = 0
    setup_s: float = 0.0
    headroom: tuple[float, float, int] | None = None  # wall ms, cpu ms, stems measured again


def _timed(model: LiveModel, review: Review) -> tuple[LiveState, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    state = model.derive(review)
    return state, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def run(analysis: Analysis, decisions: int, folder: Path) -> Timings:
    timings = Timings()
    started = time.perf_counter()
    model = LiveModel(analysis)
    timings.setup_s = time.perf_counter() - started
    session = analysis.session
    review = Review.open(folder / "review.json", session.path, [s.file for s in session.stems])
    state = model.derive(review)
    for step in range(decisions):
        pending = [s for s in state.suggestions if review.status(s.id) == "pending"]
        if not pending:
            break
        (review.reject if step % 3 == 2 else review.accept)(pending[0])
        state, wall_ms, cpu_ms = _timed(model, review)
        timings.wall_ms.append(wall_ms)
        timings.cpu_ms.append(cpu_ms)
        timings.remeasured += bool(state.remeasured)
    headroom = [s for s in state.suggestions if s.kind == "headroom"]
    if headroom and review.status(headroom[0].id) == "pending":
        review.accept(headroom[0])
        state, wall_ms, cpu_ms = _timed(model, review)
        timings.headroom = (wall_ms, cpu_ms, len(state.remeasured))
    return timings


def report(name: str, t: Timings) -> None:
    if not t.wall_ms:
        print(f"{name}: no suggestion to decide")
        return
    print(
        f"{name}: {len(t.wall_ms)} decisions, median {statistics.median(t.wall_ms):.0f} ms "
        f"(cpu {statistics.median(t.cpu_ms):.0f} ms), worst {max(t.wall_ms):.0f} ms "
        f"(cpu {max(t.cpu_ms):.0f} ms), {t.remeasured} re-measured a stem; "
        f"model set up in {t.setup_s * 1000:.0f} ms"
    )
    if t.headroom is not None:
        wall_ms, cpu_ms, again = t.headroom
        print(
            f"{name}: then the headroom gain on every stem: {wall_ms:.0f} ms (cpu {cpu_ms:.0f} "
            f"ms), {again} stems measured again"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stems", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--decisions", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = analyze(bundled_session(), workers=2)
        report("demo session", run(demo, args.decisions, work))
        folder = work / "big"
        folder.mkdir()
        generate(folder, args.stems, args.minutes)
        big = analyze(folder, workers=2, use_cache=False)
        label = f"{args.stems} stems x {args.minutes:g} min"
        report(label, run(big, args.decisions, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
