"""Generate the clean demo mix session in ``sample_sessions/demo_song``.

A 30 s song (110 BPM, 4/4, A minor) written as MIDI with mido, rendered part by
part with fluidsynth and the FluidR3_GM soundfont (MIT), plus lead and backing
vocals sung by espeak-ng and tuned/stretched with sox. Each part is then cleaned
up in numpy (20 Hz high-pass, panning, M/S widening or a small synthetic stereo
room), gain-staged to a sensible balance, and written as a 48 kHz / 24-bit FLAC
stem. Deterministic: the same inputs give bit-identical files.

    python tools/make_sample_session.py [--out DIR] [--keep-temp] [--quiet]

Needs: numpy, scipy, soundfile, mido; programs fluidsynth, espeak-ng, sox;
the Debian package fluid-soundfont-gm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.sample_session.build import build

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "sample_sessions" / "demo_song"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output session folder")
    ap.add_argument("--keep-temp", action="store_true", help="keep MIDI and raw renders")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.out, keep_temp=args.keep_temp, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
