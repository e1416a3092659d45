"""Judge the assistant on the benchmark songs: planted problems found and missed, false alarms on
the clean takes, contradictions and queue items per stem.

Generates the songs first if they are not cached (tools/make_bench_songs.py), runs the engine
in-process on every take and prints, per song and in total, a Markdown report (the total table is
the one in docs/rules.md), or JSON with ``--json``.

    python bench/bench_judgement.py [--songs a,b] [--short] [--cache DIR] [--json] [--out FILE]
                                    [--frame-s 0.2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.bench_songs.build import ensure_songs
from tools.bench_songs.score import TakeResult, as_json, score_take, totals

BARS = {"found_share": 0.95, "false_alarms": 0, "contradictions": 0, "max_items_flawed": 3}


def _describe(folder: Path) -> str:
    truth = json.loads((folder / "clean" / "truth.json").read_text())
    stems = len([p for p in (folder / "clean").iterdir() if p.suffix in (".wav", ".flac")])
    manifest = {
        "full": "manifest with sections",
        "no_sections": "manifest without sections",
        "none": "no manifest",
    }[truth["manifest"]]
    return (
        f"{truth['title']}: {truth['bpm']:g} BPM, {truth['duration_s']:.1f} s, "
        f"{truth['sample_rate'] / 1000:g} kHz, {stems} stems, {manifest}"
    )


def _where(problem: dict) -> str:
    if problem.get("section"):
        return problem["section"]
    if problem.get("span_s"):
        a, b = problem["span_s"]
        return f"{a:.1f}-{b:.1f} s"
    return "-"


def _expected(problem: dict) -> str:
    if problem["expect"] == "check":
        return f"check `{problem['check_id']}`"
    how = f" ({problem['direction']})" if problem.get("direction") else ""
    return " or ".join(f"`{k}`" for k in problem["kinds"]) + how


def song_report(slug: str, folder: Path, clean: TakeResult, flawed: TakeResult) -> list[str]:
    """The per-song Markdown: every planted problem, then the clean take's false alarms."""
    lines = [f"### {slug}", "", _describe(folder), ""]
    lines += [
        "| planted | stem | where | strength | expected | result |",
        "|---|---|---|---|---|---|",
    ]
    missed = {m["id"]: m for m in flawed.missed}
    for p in flawed.planted:
        if p["id"] in missed:
            seen = "; ".join(missed[p["id"]]["engine"]) or "nothing on this stem"
            result = f"**missed**: engine says {seen}"
        else:
            result = "found"
        lines.append(
            f"| {p['id']} | {p['stem']} | {_where(p)} | {p['strength']} | {_expected(p)} "
            f"| {result} |"
        )
    lines.append("")
    for take in (clean, flawed):
        extra = "" if take.take == "flawed" else f"; false alarms: {len(take.false_alarms)}"
        severity = ", ".join(f"{n} {k}" for k, n in take.suggestions_by_severity.items())
        lines.append(
            f"- {take.take}: queue items per stem max {take.max_items}, mean "
            f"{take.mean_items:.2f} (suggestions: {severity}); contradictions: "
            f"{len(take.contradictions)}{extra} (engine {take.seconds:.1f} s)"
        )
        lines += [f"  - false alarm: {a}" for a in take.false_alarms]
        lines += [f"  - contradiction: {c}" for c in take.contradictions]
        lines += [
            f"  - {len(q)} items on {stem}: {'; '.join(q)}" for stem, q in take.crowded.items()
        ]
    return [*lines, ""]


def total_table(pairs: list[tuple[TakeResult, TakeResult]]) -> list[str]:
    """The summary table: one row per song and a total row."""
    lines = [
        "| song | planted | found | missed | false alarms (clean) | contradictions "
        "| queue items per stem, flawed: max / mean | clean: max / mean |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for clean, flawed in pairs:
        lines.append(
            f"| {flawed.song} | {len(flawed.planted)} | {len(flawed.found)} "
            f"| {len(flawed.missed)} | {len(clean.false_alarms)} "
            f"| {len(clean.contradictions) + len(flawed.contradictions)} "
            f"| {flawed.max_items} / {flawed.mean_items:.2f} "
            f"| {clean.max_items} / {clean.mean_items:.2f} |"
        )
    t = totals([r for pair in pairs for r in pair])
    flawed_means = [f.mean_items for _, f in pairs]
    clean_means = [c.mean_items for c, _ in pairs]
    lines.append(
        f"| **total** | {t['planted']} | {t['found']} | {t['missed']} | {t['false_alarms']} "
        f"| {t['contradictions']} | {t['max_items_flawed']} / "
        f"{sum(flawed_means) / len(pairs):.2f} | {t['max_items_clean']} / "
        f"{sum(clean_means) / len(pairs):.2f} |"
    )
    return lines


def bars_report(results: list[TakeResult]) -> list[str]:
    """Which of the issue's bars hold."""
    t = totals(results)
    share = t["found"] / t["planted"] if t["planted"] else 1.0
    checks = [
        (
            f"planted problems found: {t['found']}/{t['planted']} ({share:.0%}, bar 95%)",
            share >= BARS["found_share"],
        ),
        (
            f"false alarms on clean takes: {t['false_alarms']} (bar 0)",
            t["false_alarms"] <= BARS["false_alarms"],
        ),
        (
            f"contradictions: {t['contradictions']} (bar 0)",
            t["contradictions"] <= BARS["contradictions"],
        ),
        (
            f"most queue items on one stem of a flawed take: {t['max_items_flawed']} (bar 3)",
            t["max_items_flawed"] <= BARS["max_items_flawed"],
        ),
    ]
    return [f"- [{'x' if ok else ' '}] {text}" for text, ok in checks]


def run(args: argparse.Namespace) -> tuple[list[tuple[TakeResult, TakeResult]], dict]:
    slugs = args.songs.split(",") if args.songs else None
    log = (lambda *_: None) if args.json else (lambda m: print(m, file=sys.stderr))
    start = time.perf_counter()
    built = ensure_songs(slugs, short=args.short, cache=args.cache, jobs=args.jobs, log=log)
    generated = time.perf_counter() - start
    pairs = [(score_take(s.take("clean")), score_take(s.take("flawed"))) for s in built]
    timing = {
        "generate_s": round(generated, 1),
        "score_s": round(time.perf_counter() - start - generated, 1),
    }
    return pairs, {"folders": {s.slug: str(s.folder) for s in built}, **timing}


def _force_frames(frame_s: float) -> None:
    """Measure every session on frames of ``frame_s`` (a whole number of 100 ms segments)."""
    from mixreview.analysis import session as session_module

    step = max(1, round(frame_s / 0.1))
    session_module.series_step = lambda frames, sample_rate: step  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--songs", default=None, help="comma-separated song slugs (default: all)")
    ap.add_argument("--short", action="store_true", help="the shorter forms the tests use")
    ap.add_argument("--cache", type=Path, default=None, help="where the songs are cached")
    ap.add_argument("--jobs", type=int, default=None, help="parallel workers for generation")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--out", type=Path, default=None, help="also write the output to FILE")
    ap.add_argument(
        "--frame-s",
        type=float,
        default=None,
        help="judge on series frames of this length (0.2, 0.3...), as a session long enough to "
        "be measured on them would be",
    )
    args = ap.parse_args(argv)
    if args.frame_s:
        _force_frames(args.frame_s)
    pairs, meta = run(args)
    results = [r for pair in pairs for r in pair]
    if args.json:
        text = json.dumps(as_json(results) | meta, indent=2)
    else:
        lines = ["## Judgement benchmark", "", *total_table(pairs), "", *bars_report(results), ""]
        for (clean, flawed), slug in zip(pairs, meta["folders"], strict=True):
            lines += song_report(slug, Path(meta["folders"][slug]), clean, flawed)
        lines.append(f"Generation {meta['generate_s']} s, scoring {meta['score_s']} s.")
        text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
