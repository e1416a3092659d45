"""A very large review file: the time to open it, and what one decision costs in it.

Builds a review.json of about --size-mb (166 MB by default, the size in issue #14) in a temporary
folder: tens of thousands of decided suggestions, each entry as the engine writes it (the first
one decided through ``Review.accept``, the others copied from it under their own suggestions) and
the file written by the engine's writer (``review_file.review_text``). Then, --runs times, a new
process (as the app is started) opens it with ``Review.open``, accepts one suggestion that has no
decision yet and rejects one that has. Each call returns once the file is saved (atomically,
fsync included): what a keypress costs in the review; the app's screen update is not included,
nor the imports. Prints min, median and max of each, and the peak RSS of the process.

Usage: python bench/bench_review.py [--size-mb 166] [--runs 3] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mixreview.analysis.review import Review, review_path  # noqa: E402
from mixreview.analysis.review_file import review_text  # noqa: E402
from mixreview.analysis.suggest.model import Suggestion, Target  # noqa: E402

STEMS = [f"Track {n:02d}.wav" for n in range(48)]
WHY = (
    "{stem} sits {db:.1f} dB above the rest of the mix in {section}: it masks the vocal between "
    "200 Hz and 2 kHz and pushes the mix bus into the limiter on every downbeat."
)


def suggestion(index: int) -> Suggestion:
    """A gain suggestion of its own (stem and section make the id), with an alternative."""
    stem = STEMS[index % len(STEMS)]
    section = f"Take {index // len(STEMS):05d}"
    db = -1.0 - (index % 60) / 10
    evidence = {
        "impact": round(0.2 + (index % 7) / 10, 2),
        "relative_level_lu": round(-4.0 + db / 3, 2),
        "masking_share": round((index % 11) / 11, 3),
        "bands_hz": [200, 400, 800, 1600],
    }
    target = Target("relative_level_lu", -4.0, -4.0 + db, "within:-11..-3", "LU")
    common: dict[str, Any] = {
        "stems": (stem,), "severity": "medium", "category": "creative", "evidence": evidence,
        "target": target, "section": section,
        "section_span_s": (index % 300 * 1.0, index % 300 + 8.0),
        "why": WHY.format(stem=stem, db=-db, section=section),
    }  # fmt: skip
    other = Suggestion(kind="eq", params={"freq_hz": 400.0, "gain_db": db, "q": 1.0},
                       rule="masking", **common)  # fmt: skip
    return Suggestion(kind="gain", params={"gain_db": db}, rule="balance",
                      alternatives=(other,), problem=f"level:{stem}", **common)  # fmt: skip


def build(folder: Path, size_mb: float) -> tuple[Path, int]:
    """Write a review of about ``size_mb`` MB in ``folder``; (its path, its decisions)."""
    state = folder / ".mixreview"
    shutil.rmtree(state, ignore_errors=True)
    path = review_path(state)
    review = Review.open(path, folder, STEMS)
    review.accept(suggestion(0))  # one entry exactly as the engine writes it
    template = review.data["decisions"][suggestion(0).id]
    per_entry = len(json.dumps(template)) + len(suggestion(0).id) + 10
    count = int(size_mb * 1e6 / per_entry)
    decisions = review.data["decisions"]
    for index in range(1, count):
        s = suggestion(index)
        entry = dict(template)
        entry["suggestion"] = s.as_dict()
        entry["snapshot"] = {
            "kind": s.kind, "stems": list(s.stems), "section": s.section, "params": s.params,
            "why": s.why,
        }  # fmt: skip
        entry["status"] = "accepted" if index % 3 else "rejected"
        entry["amount"] = 1.0 if index % 5 else 0.5
        entry["note"] = "" if index % 4 else "try it again after the vocal edit"
        entry["seq"] = index + 1
        decisions[s.id] = entry
    path.write_text(review_text(review.data), encoding="utf-8")
    return path, len(decisions)


def child(path: Path, run: int) -> None:
    """One run in this process: open, accept a new suggestion, reject a decided one."""
    fresh = suggestion(10_000_000 + run)  # a section no built decision has
    started = time.perf_counter()
    review = Review.open(path, path.parent.parent, STEMS)
    opened = time.perf_counter()
    if review.messages:
        raise SystemExit(f"the built review did not open cleanly: {review.messages[0]}")
    decided = Suggestion.from_dict(review.data["decisions"][suggestion(run + 1).id]["suggestion"])
    review.accept(fresh)
    accepted = time.perf_counter()
    review.reject(decided)
    rejected = time.perf_counter()
    assert review.status(fresh.id) == "accepted" and review.status(decided.id) == "rejected"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = {"open": opened - started, "accept": accepted - opened, "reject": rejected - accepted}
    print(json.dumps({**times, "peak_rss_mb": peak_mb}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=166.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated review")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.run)
        return 0
    root = args.dir or Path(tempfile.mkdtemp(prefix="mixreview-review-"))
    try:
        started = time.perf_counter()
        path, count = build(root, args.size_mb)
        size = path.stat().st_size / 1e6
        print(f"built {path} ({size:.0f} MB, {count} decisions) in "
              f"{time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.1f}")  # fmt: skip
        results = []
        for run in range(args.runs):
            cmd = [sys.executable, __file__, "--child", str(path), "--run", str(run)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                raise SystemExit(f"run {run + 1} failed: {out.stderr[-2000:]}")
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"\n| review.json, {size:.0f} MB, {count} decisions | min | median | max |")
        print("|---|---|---|---|")
        for key, label in (("open", "open (Review.open)"), ("accept", "accept, saved"),
                           ("reject", "reject, saved")):  # fmt: skip
            values = [r[key] for r in results]
            print(f"| {label} | {min(values):.2f} s | {statistics.median(values):.2f} s "
                  f"| {max(values):.2f} s |")  # fmt: skip
        peaks = [r["peak_rss_mb"] for r in results]
        print(f"| peak RSS of the process | {min(peaks):.0f} MB | "
              f"{statistics.median(peaks):.0f} MB | {max(peaks):.0f} MB |")  # fmt: skip
        print(f"\n{args.runs} runs, each a new process; load {os.getloadavg()[0]:.1f} at the end")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
