"""Build the demo session: render and sing the parts, process and gain-stage them, and write the
FLAC stems, ``mixreview.toml``, README.md and the soundfont's licence notice."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from tools.sample_session.arrangement import arrangement
from tools.sample_session.dsp import corr, integrated_lufs, true_peak_db
from tools.sample_session.midi import render_midi, write_midi
from tools.sample_session.song import (
    BAR,
    BPM,
    LENGTH_S,
    N_SAMPLES,
    SECTIONS,
    SOUNDFONT,
    SOUNDFONT_COPYRIGHT,
    SR,
    STEM_TP_MAX,
    SUM_TP_MAX,
    TARGET_LUFS,
    log,
)
from tools.sample_session.stems import STEMS, process
from tools.sample_session.vocal import render_vocals


def build(out_dir: Path, keep_temp: bool = False, quiet: bool = False) -> dict:
    t_start = time.perf_counter()
    for tool in ("fluidsynth", "espeak-ng", "sox"):
        if not shutil.which(tool):
            sys.exit(f"missing program: {tool}")
    if not SOUNDFONT.exists():
        sys.exit(f"missing soundfont {SOUNDFONT} (Debian package fluid-soundfont-gm)")
    tmp = Path(tempfile.mkdtemp(prefix="mixreview_demo_"))
    try:
        parts = arrangement()
        raw: dict[str, np.ndarray] = {}

        def do_render(name: str) -> tuple[str, np.ndarray]:
            mid = tmp / f"{name}.mid"
            write_midi(mid, parts[name])
            return name, render_midi(mid, tmp / f"{name}.wav")

        log("rendering MIDI parts with fluidsynth ...", quiet)
        with ThreadPoolExecutor(max_workers=2) as ex:
            raw.update(dict(ex.map(do_render, list(parts))))
        log("singing the vocal with espeak-ng + sox ...", quiet)
        raw.update(render_vocals(tmp, quiet))

        log("processing and gain staging ...", quiet)
        stems = {s.name: process(s, raw[s.name]) for s in STEMS}
        gains = {}
        for name, x in stems.items():
            g = TARGET_LUFS[name] - integrated_lufs(x)
            tp = true_peak_db(x) + g
            if tp > STEM_TP_MAX:
                g -= tp - STEM_TP_MAX
            gains[name] = g
            stems[name] = x * 10 ** (g / 20)
        mix = sum(s if s.ndim == 2 else s[:, None] for s in stems.values())
        sum_tp = true_peak_db(mix)
        if sum_tp > SUM_TP_MAX:
            trim = 10 ** ((SUM_TP_MAX - sum_tp) / 20)
            stems = {k: v * trim for k, v in stems.items()}
            log(f"  trimmed all stems by {SUM_TP_MAX - sum_tp:.2f} dB for sum headroom", quiet)

        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*.flac"):
            old.unlink()
        report = {}
        for name, x in stems.items():
            x = x - x.mean(axis=0)  # belt and braces: the high-pass leaves ~1e-7
            sf.write(
                out_dir / f"{name}.flac",
                x.astype(np.float32),
                SR,
                subtype="PCM_24",
                format="FLAC",
                compression_level=1.0,
            )
            report[name] = {
                "lufs": integrated_lufs(x),
                "tp": true_peak_db(x),
                "corr": corr(x) if x.ndim == 2 else None,
            }
        write_manifest(out_dir)
        write_notes(out_dir)
        if keep_temp:
            log(f"  temp files kept in {tmp}", quiet)
    finally:
        if not keep_temp:
            shutil.rmtree(tmp, ignore_errors=True)

    mix = sum(
        sf.read(out_dir / f"{s.name}.flac", always_2d=True)[0] for s in STEMS if not s.mono
    ) + sum(sf.read(out_dir / f"{s.name}.flac")[0][:, None] for s in STEMS if s.mono)
    elapsed = time.perf_counter() - t_start
    log("", quiet)
    log(f"{'stem':<12} {'LUFS':>7} {'dBTP':>7} {'corr':>6}", quiet)
    for name, r in report.items():
        c = f"{r['corr']:.2f}" if r["corr"] is not None else "mono"
        log(f"{name:<12} {r['lufs']:7.1f} {r['tp']:7.1f} {c:>6}", quiet)
    log(f"{'SUM':<12} {integrated_lufs(mix):7.1f} {true_peak_db(mix):7.1f} {corr(mix):6.2f}", quiet)
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    log(f"wrote {out_dir} ({size / 1e6:.1f} MB) in {elapsed:.1f} s", quiet)
    return report


def section_times() -> list[tuple[str, float]]:
    return [(name, round(bar * BAR, 6)) for name, bar in SECTIONS]


def write_manifest(out_dir: Path) -> None:
    lines = ['title = "Demo Song"', f"tempo_bpm = {BPM}", ""]
    secs = section_times()
    for i, (name, start) in enumerate(secs):
        lines += ["[[sections]]", f'name = "{name}"', f"start_s = {start}"]
        if i == len(secs) - 1:
            lines.append(f"end_s = {LENGTH_S}")
        lines.append("")
    lines += [
        '[stems."Lead_Vocal.flac"]',
        'role = "lead_vocal"',
        'name = "Lead Vocal"',
        "",
        '[stems."Lead_Synth.flac"]',
        'role = "synth"',
        'name = "Lead Synth"',
        "",
        '[stems."Backing_Vocal.flac"]',
        'role = "backing_vocal"',
        'name = "Backing Vocals"',
        "",
    ]
    (out_dir / "mixreview.toml").write_text("\n".join(lines))


def write_notes(out_dir: Path) -> None:
    if SOUNDFONT_COPYRIGHT.exists():
        notice = SOUNDFONT_COPYRIGHT.read_text()
        (out_dir / "SOUNDFONT-LICENSE.txt").write_text(
            "The instrument sounds in these stems were rendered with the FluidR3_GM\n"
            "soundfont (Debian package fluid-soundfont-gm). Its copyright and licence\n"
            "notice follows, copied from /usr/share/doc/fluid-soundfont-gm/copyright.\n\n" + notice
        )
    secs = section_times()
    rows = "\n".join(
        f"| {name} | {start:.2f} | {(secs[i + 1][1] if i + 1 < len(secs) else LENGTH_S):.2f} |"
        for i, (name, start) in enumerate(secs)
    )
    (out_dir / "README.md").write_text(f"""# Demo Song: a clean sample mix session

A 30 s pop song in A minor at {BPM} BPM (4/4), delivered the way a mix engineer
would like to receive it: {len(STEMS)} stems, 48 kHz / 24-bit FLAC, all exactly
{N_SAMPLES} samples long and starting at 0, peaks around -6 dBTP or lower, no
clipping, no limiting, no DC, a sensible static balance and headroom on the sum.

Stems: {", ".join(s.name + (" (mono)" if s.mono else "") for s in STEMS)}.

| section | start (s) | end (s) |
|---|---|---|
{rows}

## How it was made

Generated by `python tools/make_sample_session.py` (deterministic):

- Each part is written as a MIDI file with `mido` and rendered on its own with
  `fluidsynth` using the FluidR3_GM soundfont (MIT licence, see
  `SOUNDFONT-LICENSE.txt`). Drums are rendered one piece at a time (kick, snare,
  hats) from MIDI channel 10.
- The lead and backing vocals are sung by `espeak-ng` (voices en-us+f3, +f2,
  +f4, monotone prosody), one syllable at a time, then tuned and stretched to
  the melody with `sox pitch` and `sox tempo` (checked to within a few cents of
  each note).
- In numpy/scipy: a 20 Hz high-pass on everything (some soundfont samples carry
  DC), kick and bass summed to mono and kept apart (808 kick thump ~55 Hz, bass
  notes 87-131 Hz, a small dip in each), constant-power panning, detuned
  left/right layers for pad and guitar, a short-decorrelator M/S widening on the
  hats, a small synthetic stereo room on the other stereo parts, echoes on the
  lead synth and vocal, then gain staging to a target loudness per stem and a
  common trim so the unity-gain sum peaks at -3.5 dBTP. No compression or
  limiting anywhere.

`python tools/make_flawed_session.py OUT_DIR` derives a copy with planted
problems from it and prints which file carries which problem.
""")
