"""How close the instant loudness match is to the exact one, and how long each takes.

On every take of the judgement benchmark's songs (generated first if not cached:
tools/make_bench_songs.py), every suggestion is auditioned as the app does it: "the chosen mix
without / with this change", where the chosen mix is first the stems as they are and then every
other suggestion accepted. Each comparison is matched on the passage the app would use (the
change's section, else the section or 15 s window in the middle of the song), once by the instant
estimate (``MatchEstimator``, from the measured series) and once by the exact match
(``LoudnessMatcher``, the real processors on the audio, nothing kept between comparisons), and
the two offsets are compared. Prints per kind and in total: comparisons, the median, 90th
percentile and largest error of the estimate (dB), and the median time of each.

    python bench/bench_estimate.py [--songs a,b] [--short] [--cache DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.playback import LoudnessMatcher, passage_for, section_spans
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.suggest import suggest
from tools.bench_songs.build import ensure_songs


def comparisons(
    analysis: Analysis,
) -> list[tuple[str, list[Change], list[Change], tuple[float, float]]]:
    """(kind, A, B, passage) for every suggestion of the take, in both contexts."""
    session = analysis.session
    spans = section_spans(session)
    found = []
    changes = []
    for s in suggest(analysis):
        try:
            changes.append((s.kind, change_of(s)))
        except (KeyError, ValueError, TypeError):
            continue
    for index, (kind, change) in enumerate(changes):
        at_s = change.section_span_s[0] + 0.05 if change.section_span_s else session.duration_s / 2
        span = passage_for(at_s, session.duration_s, None, spans)
        others = [c for i, (_, c) in enumerate(changes) if i != index]
        found.append((kind, [], [change], span))
        found.append((kind, others, [*others, change], span))
    return found


def run_take(folder: Path) -> list[tuple[str, float, float, float]]:
    """(kind, error dB, estimate s, exact s) for each comparison of a take."""
    analysis = analyze(folder, workers=2)
    stems = {r.stem.file: r.measurement for r in analysis.stems if r.measurement is not None}
    assert analysis.mix is not None
    estimator = MatchEstimator(analysis.session, analysis.mix, stems)
    rows = []
    for kind, a, b, span in comparisons(analysis):
        started = time.perf_counter()
        estimate = estimator.estimate(a, b, span)
        estimated = time.perf_counter()
        exact = LoudnessMatcher(analysis.session, cache_mb=0.0).match(a, b, span)
        done = time.perf_counter()
        if estimate is None:
            continue
        error = estimate.offset_db - exact.offset_db
        rows.append((kind, error, estimated - started, done - estimated))
    return rows


def table(rows: list[tuple[str, float, float, float]]) -> list[str]:
    lines = [
        "| kind | comparisons | error median | p90 | max | estimate | exact |",
        "|---|---|---|---|---|---|---|",
    ]
    kinds = sorted({r[0] for r in rows})
    for kind in [*kinds, "all"]:
        mine = [r for r in rows if kind in ("all", r[0])]
        errors = np.abs([r[1] for r in mine])
        lines.append(
            f"| {kind} | {len(mine)} | {np.median(errors):.3f} dB | "
            f"{np.percentile(errors, 90):.3f} dB | {errors.max():.3f} dB | "
            f"{1000 * np.median([r[2] for r in mine]):.1f} ms | "
            f"{1000 * np.median([r[3] for r in mine]):.0f} ms |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--songs", default=None, help="comma-separated song slugs (default all)")
    ap.add_argument("--short", action="store_true", help="the shorter forms used by the tests")
    ap.add_argument("--cache", type=Path, default=None, help="the songs' cache folder")
    args = ap.parse_args(argv)
    slugs = args.songs.split(",") if args.songs else None
    built = ensure_songs(slugs, short=args.short, cache=args.cache)
    rows: list[tuple[str, float, float, float]] = []
    for song in built:
        for take in ("clean", "flawed"):
            found = run_take(song.take(take))
            worst = max((abs(r[1]) for r in found), default=0.0)
            print(f"{song.slug}/{take}: {len(found)} comparisons, largest error {worst:.3f} dB")
            rows += found
    print()
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
