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

With ``--shared``, one take gets two stems that share a part with another (a second kick
microphone out of polarity with the first, a guitar doubled exactly) and the changes that move
them apart are matched both ways, and estimated once more from band powers alone (the stems'
spectrum sketches dropped, as a cache made before them holds): what the sketches add.

With ``--long MINUTES``, every stem of each take is repeated to that length first: a session over
10 minutes is measured on coarser frames without the 5 ms parts the compressor model reads.

    python bench/bench_estimate.py [--songs a,b] [--short] [--cache DIR] [--shared] [--long MIN]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

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


def shared_take(source: Path, folder: Path) -> Path:
    """``source`` (a take with Kick.flac and Electric_Gtr.flac) with two stems more: the kick's
    second microphone (darker, out of polarity) and the guitar doubled exactly, a little quieter."""
    take = folder / "shared"
    shutil.copytree(source, take, ignore=shutil.ignore_patterns(".mixreview", "truth.json"))
    kick, rate = sf.read(str(take / "Kick.flac"), dtype="float64", always_2d=True)
    darker = signal.lfilter([0.3], [1.0, -0.7], kick, axis=0)
    sf.write(str(take / "Kick_Out.flac"), -0.8 * darker, rate, subtype="PCM_24")
    guitar, rate = sf.read(str(take / "Electric_Gtr.flac"), dtype="float64", always_2d=True)
    sf.write(str(take / "Gtr_Double.flac"), 0.9 * guitar, rate, subtype="PCM_24")
    manifest = take / "mixreview.toml"
    if manifest.exists():
        manifest.unlink()  # the stems as found: every file in the folder
    return take


def long_take(source: Path, folder: Path, minutes: float) -> Path:
    """``source`` with every stem repeated to ``minutes`` long (its manifest kept: the sections
    and roles of the first time through)."""
    take = folder / f"{source.parent.name}-{source.name}-long"
    shutil.copytree(source, take, ignore=shutil.ignore_patterns(".mixreview", "truth.json"))
    for path in sorted(take.iterdir()):
        if path.suffix.lower() not in (".wav", ".flac"):
            continue
        try:
            audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError):
            continue  # a damaged file (a flawed take plants one) stays as it is
        frames = int(minutes * 60 * rate)
        repeated = np.tile(audio, (frames // len(audio) + 1, 1))[:frames]
        sf.write(str(path), repeated, rate, subtype="PCM_24")
    return take


def run_shared(source: Path) -> None:
    """Changes that move a shared part's stems apart, estimated and matched exactly."""
    with tempfile.TemporaryDirectory(prefix="mixreview-shared-") as folder:
        analysis = analyze(shared_take(source, Path(folder)), workers=2, use_cache=False)
        estimator = MatchEstimator.of(analysis)
        assert estimator is not None
        session = analysis.session
        span = passage_for(session.duration_s / 2, session.duration_s, None, section_spans(session))

        def gain(file: str, gain_db: float) -> Change:
            return Change("gain", (file,), {"gain_db": gain_db})

        def flip(file: str) -> Change:
            return Change("polarity", (file,), {"channels": "both"})

        def pan(file: str, amount: float) -> Change:
            return Change("pan", (file,), {"pan": amount})

        eq = {"bands": [{"type": "peaking", "freq_hz": 2000.0, "gain_db": 6.0, "q": 1.0}]}
        cases = [
            ("gain +6 dB, the doubled guitar", [gain("Gtr_Double.flac", 6.0)]),
            ("gain -6 dB, the second kick", [gain("Kick_Out.flac", -6.0)]),
            ("gain +3 dB, the guitar", [gain("Electric_Gtr.flac", 3.0)]),
            ("polarity, the second kick", [flip("Kick_Out.flac")]),
            ("polarity, the doubled guitar", [flip("Gtr_Double.flac")]),
            ("eq +6 dB at 2 kHz, the doubled guitar", [Change("eq", ("Gtr_Double.flac",), eq)]),
            ("the guitars panned apart", [pan("Electric_Gtr.flac", -0.7),
                                          pan("Gtr_Double.flac", 0.7)]),
            ("one channel flipped, the doubled guitar",
             [Change("polarity", ("Gtr_Double.flac",), {"channels": "right"})]),
        ]  # fmt: skip
        stems = {
            file: dataclasses.replace(m, bands=dataclasses.replace(m.bands, sketch=None))
            for file, m in estimator.stems.items()
        }
        blind = MatchEstimator(session, estimator.mix, stems)
        print(f"shared parts ({source.parent.name}/{source.name} and two stems more), "
              f"passage {span[0]:.1f}-{span[1]:.1f} s:")  # fmt: skip
        for label, changes in cases:
            started = time.perf_counter()
            estimate = estimator.estimate([], changes, span)
            took_ms = (time.perf_counter() - started) * 1000.0
            powers = blind.estimate([], changes, span)
            exact = LoudnessMatcher(session, cache_mb=0.0).match([], changes, span)
            assert estimate is not None and powers is not None
            print(f"  {label}: exact {exact.offset_db:+.3f} dB, "
                  f"estimate error {estimate.offset_db - exact.offset_db:+.3f} dB "
                  f"({took_ms:.0f} ms), from powers alone "
                  f"{powers.offset_db - exact.offset_db:+.3f} dB")  # fmt: skip


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
    ap.add_argument("--shared", action="store_true", help="stems that share a part, only")
    ap.add_argument("--long", type=float, default=0.0, metavar="MIN",
                    help="repeat every stem to MIN minutes first (a long session)")  # fmt: skip
    args = ap.parse_args(argv)
    slugs = args.songs.split(",") if args.songs else None
    if args.shared and slugs is None:
        slugs = ["harbour_lights"]  # a kick and an electric guitar to share
    built = ensure_songs(slugs, short=args.short, cache=args.cache)
    if args.shared:
        run_shared(built[0].take("clean"))
        return 0
    rows: list[tuple[str, float, float, float]] = []
    scratch = tempfile.TemporaryDirectory(prefix="mixreview-long-")
    for song in built:
        for take in ("clean", "flawed"):
            folder = song.take(take)
            if args.long:
                folder = long_take(folder, Path(scratch.name), args.long)
            found = run_take(folder)
            worst = max((abs(r[1]) for r in found), default=0.0)
            print(f"{song.slug}/{take}: {len(found)} comparisons, largest error {worst:.3f} dB")
            rows += found
    scratch.cleanup()
    print()
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
