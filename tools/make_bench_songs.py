"""Generate the judgement benchmark's songs: each as a clean take and a take with planted problems.

Four songs (tools/bench_songs/songs.py) differing in tempo, key, length, instrumentation, sample
rate and manifest, rendered from MIDI with fluidsynth + FluidR3_GM and sung with espeak-ng + sox
(the instruments and helpers of tools/sample_session). Every take folder holds its stems, a
``mixreview.toml`` (unless the song has none) and ``truth.json`` listing the planted problems.
Output is cached outside the repository, keyed by a hash of the generator's source:

    python tools/make_bench_songs.py [--cache DIR] [--songs a,b] [--short] [--jobs N]

The cache defaults to ``$MIXREVIEW_BENCH_SONGS`` or ``~/.cache/mixreview/bench-songs``.
Needs: numpy, scipy, soundfile, mido; fluidsynth, espeak-ng, sox, fluid-soundfont-gm.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.bench_songs.build import ensure_songs
from tools.bench_songs.songs import SONGS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=None, help="cache folder")
    ap.add_argument(
        "--songs",
        default=None,
        help="comma-separated song slugs (default all: " + ", ".join(s.slug for s in SONGS) + ")",
    )
    ap.add_argument("--short", action="store_true", help="the shorter forms used by the tests")
    ap.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    slugs = args.songs.split(",") if args.songs else None
    start = time.perf_counter()
    built = ensure_songs(slugs, short=args.short, cache=args.cache, jobs=args.jobs)
    for song in built:
        print(f"{song.slug}: {song.take('clean')}  {song.take('flawed')}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
