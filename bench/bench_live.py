"""Decision to updated queue: how long the live model takes to derive the suggestions again.

    python bench/bench_live.py [--stems 32] [--minutes 4] [--decisions 12]

On the bundled demo session and on a generated session (bench_analyze's generator), decisions are
taken in queue order (accept; every third one rejected) and each ``derive`` is timed; prints the
median and worst in ms, and how many derives measured a stem again. Then the headroom suggestion,
when it is still pending, is accepted and that derive timed on its own: a decision on every stem
gives every stem a new measurement, so nothing computed for the stems before can be kept.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.review import Review
from mixreview.analysis.samples import bundled_session
from mixreview.analysis.suggest.live import LiveModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import generate


def run(
    analysis: Analysis, decisions: int, folder: Path
) -> tuple[list[float], int, float, float | None]:
    started = time.perf_counter()
    model = LiveModel(analysis)
    setup_s = time.perf_counter() - started
    session = analysis.session
    review = Review.open(folder / "review.json", session.path, [s.file for s in session.stems])
    times_ms: list[float] = []
    remeasured = 0
    state = model.derive(review)
    for step in range(decisions):
        pending = [s for s in state.suggestions if review.status(s.id) == "pending"]
        if not pending:
            break
        (review.reject if step % 3 == 2 else review.accept)(pending[0])
        started = time.perf_counter()
        state = model.derive(review)
        times_ms.append((time.perf_counter() - started) * 1000)
        remeasured += bool(state.remeasured)
    headroom = [s for s in state.suggestions if s.kind == "headroom"]
    if not headroom or review.status(headroom[0].id) != "pending":
        return times_ms, remeasured, setup_s, None
    review.accept(headroom[0])
    started = time.perf_counter()
    model.derive(review)
    return times_ms, remeasured, setup_s, (time.perf_counter() - started) * 1000


def report(
    name: str, times_ms: list[float], remeasured: int, setup_s: float, all_stems_ms: float | None
) -> None:
    if not times_ms:
        print(f"{name}: no suggestion to decide")
        return
    print(
        f"{name}: {len(times_ms)} decisions, median {statistics.median(times_ms):.0f} ms, "
        f"worst {max(times_ms):.0f} ms, {remeasured} re-measured a stem; "
        f"model set up in {setup_s * 1000:.0f} ms"
    )
    if all_stems_ms is not None:
        print(f"{name}: then the headroom gain on every stem: {all_stems_ms:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stems", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--decisions", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = analyze(bundled_session(), workers=2)
        report("demo session", *run(demo, args.decisions, work))
        folder = work / "big"
        folder.mkdir()
        generate(folder, args.stems, args.minutes)
        big = analyze(folder, workers=2, use_cache=False)
        label = f"{args.stems} stems x {args.minutes:g} min"
        report(label, *run(big, args.decisions, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
