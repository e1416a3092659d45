"""Derive a copy of a clean mix session with planted technical problems.

    python tools/make_flawed_session.py OUT_DIR [--clean DIR]

``make_flawed_session(clean_dir, out_dir)`` returns {check_id: file name} saying
where each problem was planted. Each problem sits on a different stem; stems not
listed are copied unchanged. Expects the stems of ``sample_sessions/demo_song``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CLEAN = REPO / "sample_sessions" / "demo_song"
MANIFEST = "mixreview.toml"

# check id -> stem (file stem in the clean session) it is planted on
PLAN = {
    "fake_stereo": "Kick",
    "clipping": "Snare",
    "bit_depth": "Hats",
    "kick_bass_masking": "Bass",
    "sample_rate_mismatch": "Keys",
    "bad_label": "Guitar",
    "dc_offset": "Pad",
    "limited": "Lead_Synth",
    "channel_polarity": "Lead_Vocal",
    "length_mismatch": "Backing_Vocal",
}
# a mix problem on the lead vocal as well: its level 8 dB down in the chorus (bars 6-10)
CHORUS_S = (13.0909, 21.8182)
CHORUS_DROP_DB = 8.0
SILENT_NAME = "Perc_FX.flac"
BAD_LABEL_NAME = "Track_1.wav"

_FS24 = 8388607  # 2**23 - 1


def write_pcm24(path: Path, x: np.ndarray, sr: int) -> None:
    """Write 24-bit PCM (FLAC or WAV by suffix) with explicit rounding and clipping,
    so that +-1.0 lands on full scale instead of wrapping."""
    q = np.clip(np.round(np.asarray(x, dtype=np.float64) * _FS24), -_FS24 - 1, _FS24)
    data = q.astype(np.int32) << 8  # libsndfile takes the top 24 bits of int32
    fmt = "FLAC" if path.suffix.lower() == ".flac" else "WAV"
    sf.write(path, data, sr, subtype="PCM_24", format=fmt)


def _lowpass(x: np.ndarray, hz: float, sr: int, order: int = 4) -> np.ndarray:
    return signal.sosfilt(signal.butter(order, hz, "lowpass", fs=sr, output="sos"), x, axis=0)


def sub_octave(bass: np.ndarray, sr: int) -> np.ndarray:
    """An octave-divider (analogue 'octaver' pedal): a square wave at half the bass
    fundamental, following the bass envelope, low-passed into a sub-bass line."""
    fund = _lowpass(bass, 160.0, sr)
    up = np.flatnonzero((fund[:-1] < 0) & (fund[1:] >= 0)) + 1
    state = np.zeros(len(bass))
    state[up] = 1
    square = np.where(np.cumsum(state) % 2 == 0, 1.0, -1.0)
    win = int(0.02 * sr)
    env = np.sqrt(np.convolve(fund**2, np.ones(win) / win, mode="same"))
    return _lowpass(square * env, 90.0, sr)


def _peaking(x: np.ndarray, hz: float, gain_db: float, q: float, sr: int) -> np.ndarray:
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * hz / sr
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return signal.lfilter(b / den[0], den / den[0], x, axis=0)


def _stems(clean_dir: Path) -> dict[str, Path]:
    files = sorted(p for p in clean_dir.iterdir() if p.suffix.lower() in (".flac", ".wav"))
    return {p.stem: p for p in files}


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(str(v))


def write_manifest(meta: dict, path: Path) -> None:
    """Write the small subset of TOML that mixreview.toml uses."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in meta.items() if not isinstance(v, dict | list)]
    for sec in meta.get("sections", []):
        lines += ["", "[[sections]]"] + [f"{k} = {_toml_value(v)}" for k, v in sec.items()]
    for fname, entry in meta.get("stems", {}).items():
        lines += ["", f"[stems.{json.dumps(fname)}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    path.write_text("\n".join(lines) + "\n")


def make_flawed_session(clean_dir: Path, out_dir: Path) -> dict[str, str]:
    clean_dir, out_dir = Path(clean_dir), Path(out_dir)
    stems = _stems(clean_dir)
    missing = [s for s in PLAN.values() if s not in stems]
    if missing:
        raise FileNotFoundError(f"{clean_dir} lacks stems {missing}")
    out_dir.mkdir(parents=True, exist_ok=True)

    def read(name: str) -> tuple[np.ndarray, int]:
        x, sr = sf.read(stems[name], dtype="float64")
        return x, sr

    planted: dict[str, str] = {}
    renamed: dict[str, str | None] = {}  # clean file name -> new name (None: dropped)

    def put(check: str, name: str, fname: str, x: np.ndarray, sr: int) -> None:
        write_pcm24(out_dir / fname, x, sr)
        planted[check] = fname
        if fname != stems[name].name:
            renamed[stems[name].name] = fname

    # dual-mono: a mono source bounced as stereo
    x, sr = read(PLAN["fake_stereo"])
    mono = x if x.ndim == 1 else x.mean(axis=1)
    put(
        "fake_stereo",
        PLAN["fake_stereo"],
        f"{PLAN['fake_stereo']}.flac",
        np.stack([mono, mono], axis=1),
        sr,
    )

    # +12 dB (at least enough to reach +3.5 dBFS) and hard clipped at full scale
    x, sr = read(PLAN["clipping"])
    gain = max(10 ** (12 / 20), 1.5 / np.max(np.abs(x)))
    put("clipping", PLAN["clipping"], f"{PLAN['clipping']}.flac", np.clip(x * gain, -1.0, 1.0), sr)

    # 16-bit delivery
    name = PLAN["bit_depth"]
    x, sr = read(name)
    sf.write(out_dir / f"{name}.wav", x, sr, subtype="PCM_16", format="WAV")
    planted["bit_depth"] = f"{name}.wav"
    renamed[stems[name].name] = f"{name}.wav"

    # bass with an octave-down sub line right on the kick's thump, boosted there
    x, sr = read(PLAN["kick_bass_masking"])
    mono = x if x.ndim == 1 else x.mean(axis=1)
    sub = sub_octave(mono, sr)
    sub *= 3.0 * np.sqrt(np.mean(mono**2) / (np.mean(sub**2) + 1e-30))
    muddy = _peaking(mono + sub, 60.0, 6.0, 0.8, sr)
    muddy *= min(1.0, 10 ** (-6.5 / 20) / np.max(np.abs(muddy)))
    put(
        "kick_bass_masking",
        PLAN["kick_bass_masking"],
        f"{PLAN['kick_bass_masking']}.flac",
        muddy,
        sr,
    )

    # 44.1 kHz stem in a 48 kHz session
    x, sr = read(PLAN["sample_rate_mismatch"])
    y = (
        signal.resample_poly(x, 147, 160, axis=0)
        if sr == 48000
        else signal.resample_poly(x, 44100, sr, axis=0)
    )
    put(
        "sample_rate_mismatch",
        PLAN["sample_rate_mismatch"],
        f"{PLAN['sample_rate_mismatch']}.flac",
        y,
        44100,
    )

    # a default DAW name
    x, sr = read(PLAN["bad_label"])
    put("bad_label", PLAN["bad_label"], BAD_LABEL_NAME, x, sr)

    # DC offset
    x, sr = read(PLAN["dc_offset"])
    put("dc_offset", PLAN["dc_offset"], f"{PLAN['dc_offset']}.flac", x + 0.02, sr)

    # brick-wall limited: normalised, then flat tops at 0.7 (-3.1 dBFS)
    x, sr = read(PLAN["limited"])
    put(
        "limited",
        PLAN["limited"],
        f"{PLAN['limited']}.flac",
        np.clip(x / np.max(np.abs(x)), -0.7, 0.7),
        sr,
    )

    # one channel polarity-inverted, and (a mix problem on the same stem) the vocal's fader
    # left 8 dB down through the chorus
    x, sr = read(PLAN["channel_polarity"])
    mid = x.mean(axis=1) if x.ndim == 2 else x
    start, end = (round(t * sr) for t in CHORUS_S)
    ramp = round(0.02 * sr)
    level = np.ones(len(mid))
    level[start:end] = 10 ** (-CHORUS_DROP_DB / 20)
    mid = mid * np.convolve(level, np.ones(ramp) / ramp, mode="same")
    put(
        "channel_polarity",
        PLAN["channel_polarity"],
        f"{PLAN['channel_polarity']}.flac",
        np.stack([mid, -0.98 * mid], axis=1),
        sr,
    )

    # 2 s short
    x, sr = read(PLAN["length_mismatch"])
    put(
        "length_mismatch",
        PLAN["length_mismatch"],
        f"{PLAN['length_mismatch']}.flac",
        x[: len(x) - 2 * sr],
        sr,
    )

    # an extra stem of digital silence, full length
    ref, sr = read(PLAN["dc_offset"])
    write_pcm24(out_dir / SILENT_NAME, np.zeros((len(ref), 2)), sr)
    planted["silent"] = SILENT_NAME

    # everything else unchanged
    used = set(PLAN.values())
    for name, path in stems.items():
        if name not in used:
            shutil.copy2(path, out_dir / path.name)

    # manifest: keep sections, follow renames, drop entries for renamed-away files
    src = clean_dir / MANIFEST
    if src.exists():
        meta = tomllib.loads(src.read_text())
        bad_old = stems[PLAN["bad_label"]].name
        entries = {}
        for fname, entry in meta.get("stems", {}).items():
            if fname == bad_old:
                continue
            entries[renamed.get(fname, fname)] = entry
        meta["stems"] = entries
        meta["title"] = f"{meta.get('title', 'Session')} (flawed)"
        write_manifest(meta, out_dir / MANIFEST)
    return planted


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write a copy of a clean session with planted "
        "problems and print where each one is."
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--clean", type=Path, default=DEFAULT_CLEAN, help="clean session folder")
    args = ap.parse_args(argv)
    planted = make_flawed_session(args.clean, args.out_dir)
    print(json.dumps(planted, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
