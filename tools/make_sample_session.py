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
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

SR = 48_000
BPM = 110
BEAT = 60.0 / BPM
BAR = 4 * BEAT
LENGTH_S = 30.0
N_SAMPLES = round(LENGTH_S * SR)
TPB = 480  # MIDI ticks per beat

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SOUNDFONT_COPYRIGHT = Path("/usr/share/doc/fluid-soundfont-gm/copyright")
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "sample_sessions" / "demo_song"

# Song form, in bars. The last section runs to the end of the file.
SECTIONS = [("Intro", 0), ("Verse", 2), ("Chorus", 6), ("Outro", 10)]
PROGRESSION = ["Am", "F", "Am", "F", "C", "G", "F", "C", "G", "Am", "Am", "F", "Am"]
N_BARS = len(PROGRESSION)  # bar 12 is the final held chord; the rest is release tail

PAD_VOICING = {"Am": (57, 60, 64), "F": (57, 60, 65), "C": (55, 60, 64), "G": (55, 59, 62)}
KEYS_VOICING = {"Am": (64, 69, 72), "F": (65, 69, 72), "C": (64, 67, 72), "G": (62, 67, 71)}
GTR_ARP = {
    "Am": (64, 69, 72, 76),
    "F": (65, 69, 72, 77),
    "C": (64, 67, 72, 76),
    "G": (62, 67, 71, 74),
}
# GM drum kits (program numbers on MIDI channel 10) per drum stem
KIT_808, KIT_ELECTRONIC = 25, 24
# Bass roots sit at 87-131 Hz, well above the 808 kick's ~55 Hz thump.
BASS_ROOT = {"Am": 45, "F": 41, "C": 48, "G": 43}
BASS_FIFTH = {"Am": 52, "F": 48, "C": 55, "G": 50}

# Lead vocal: (bar, beat, length in beats, MIDI note, syllable).
VOCAL = [
    (2, 0.0, 0.5, 60, "when"),
    (2, 0.5, 0.5, 60, "the"),
    (2, 1.0, 1.5, 64, "night"),
    (2, 2.5, 0.5, 62, "comes"),
    (2, 3.0, 1.0, 60, "down"),
    (3, 0.0, 0.5, 57, "and"),
    (3, 0.5, 0.5, 57, "the"),
    (3, 1.0, 1.5, 60, "lights"),
    (3, 2.5, 0.5, 62, "go"),
    (3, 3.0, 1.0, 60, "out"),
    (4, 0.0, 0.5, 64, "I"),
    (4, 0.5, 0.5, 64, "can"),
    (4, 1.0, 1.5, 67, "hear"),
    (4, 2.5, 0.5, 65, "you"),
    (4, 3.0, 1.0, 64, "call"),
    (5, 0.0, 0.5, 62, "through"),
    (5, 0.5, 0.5, 62, "the"),
    (5, 1.0, 0.5, 62, "emp"),
    (5, 1.5, 0.5, 59, "tee"),
    (5, 2.0, 1.5, 62, "town"),
    (6, 0.0, 1.0, 65, "hold"),
    (6, 1.0, 1.5, 64, "on"),
    (6, 2.5, 0.5, 62, "to"),
    (6, 3.0, 1.0, 60, "me"),
    (7, 0.0, 1.0, 64, "hold"),
    (7, 1.0, 1.5, 67, "on"),
    (7, 2.5, 0.5, 65, "to"),
    (7, 3.0, 1.0, 64, "me"),
    (8, 0.0, 0.5, 62, "we"),
    (8, 0.5, 0.5, 62, "will"),
    (8, 1.0, 1.0, 67, "find"),
    (8, 2.0, 1.0, 65, "our"),
    (8, 3.0, 1.0, 62, "way"),
    (9, 0.0, 3.0, 64, "home"),
]
# Backing vocals in the chorus: (bar, beat, beats, low note, high note, syllable).
BACKING = [
    (6, 0.0, 4.0, 57, 60, "ooh"),
    (7, 0.0, 4.0, 55, 60, "ooh"),
    (8, 0.0, 4.0, 55, 59, "ooh"),
    (9, 0.0, 3.5, 57, 60, "ooh"),
]

# Loudness of each stem as measured on its own file (BS.1770 integrated, LUFS;
# mono stems read 3 dB lower than they sound centred in a stereo mix). A common
# trim afterwards keeps the sum's true peak at SUM_TP_MAX.
TARGET_LUFS = {
    "Kick": -24.0,  # mono: about -21 in the mix
    "Snare": -23.0,
    "Hats": -32.0,
    "Bass": -25.0,  # mono: about -22 in the mix
    "Keys": -28.0,
    "Guitar": -29.0,
    "Pad": -32.0,
    "Lead_Synth": -27.0,
    "Lead_Vocal": -21.0,
    "Backing_Vocal": -28.0,
}
STEM_TP_MAX = -6.5  # dBTP per stem
SUM_TP_MAX = -3.5  # dBTP for the unity-gain sum


def log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(msg, flush=True)


# ---------------------------------------------------------------- MIDI ----------


@dataclass
class Layer:
    """One MIDI channel's worth of notes: (start beat, length in beats, note, velocity)."""

    channel: int
    program: int
    notes: list[tuple[float, float, int, int]]
    pan: int = 64
    volume: int = 100
    bend_cents: float = 0.0


def write_midi(path: Path, layers: list[Layer]) -> None:
    import mido

    events: list[tuple[int, int, mido.Message]] = []  # (tick, order, msg)
    for ly in layers:
        ch = ly.channel
        setup = [
            mido.Message("control_change", channel=ch, control=7, value=ly.volume),
            mido.Message("control_change", channel=ch, control=10, value=ly.pan),
            mido.Message("control_change", channel=ch, control=91, value=0),  # reverb send
            mido.Message("control_change", channel=ch, control=93, value=0),  # chorus send
        ]
        # on channel 10 the program selects the drum kit
        setup.append(mido.Message("program_change", channel=ch, program=ly.program))
        if ly.bend_cents:
            setup.append(
                mido.Message("pitchwheel", channel=ch, pitch=round(ly.bend_cents / 200 * 8191))
            )
        events += [(0, 0, m) for m in setup]
        spans = sorted((round(s * TPB), round((s + d) * TPB), n, v) for s, d, n, v in ly.notes)
        next_on: dict[int, int] = {}
        for i in range(len(spans) - 1, -1, -1):  # a repeated key ends the previous note
            on, off, note, vel = spans[i]
            if note in next_on:
                off = min(off, next_on[note] - 1)
            next_on[note] = on
            spans[i] = (on, max(on + 1, off), note, vel)
        for on, off, note, vel in spans:
            events.append(
                (
                    on,
                    2,
                    mido.Message(
                        "note_on", channel=ch, note=note, velocity=int(np.clip(vel, 1, 127))
                    ),
                )
            )
            events.append((off, 1, mido.Message("note_off", channel=ch, note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(type=0, ticks_per_beat=TPB)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(BPM), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    end_tick = round(LENGTH_S / BEAT * TPB) + TPB
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    mid.save(path)


def render_midi(mid: Path, wav: Path) -> np.ndarray:
    """Render with fluidsynth (its reverb/chorus off; rooms are added later)."""
    cmd = [
        "fluidsynth",
        "-ni",
        "-R",
        "0",
        "-C",
        "0",
        "-F",
        str(wav),
        "-r",
        str(SR),
        "-O",
        "float",
        "-T",
        "wav",
        "-g",
        "0.4",
        str(SOUNDFONT),
        str(mid),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    x, sr = sf.read(wav, dtype="float64", always_2d=True)
    assert sr == SR, sr
    return fit_length(x)


def fit_length(x: np.ndarray) -> np.ndarray:
    if len(x) >= N_SAMPLES:
        return x[:N_SAMPLES]
    pad = np.zeros((N_SAMPLES - len(x), *x.shape[1:]))
    return np.concatenate([x, pad])


# ---------------------------------------------------------------- the arrangement


def section_of(bar: int) -> str:
    name = SECTIONS[0][0]
    for sec, start in SECTIONS:
        if bar >= start:
            name = sec
    return name


def bars(section: str) -> list[int]:
    return [b for b in range(N_BARS) if section_of(b) == section]


def humanize(notes, rng, t_ms=4.0, v_sd=5.0):
    jitter = t_ms / 1000.0 / BEAT
    out = []
    for start, dur, note, vel in notes:
        s = max(0.0, start + rng.uniform(-jitter, jitter)) if start > 0 else start
        out.append((s, dur, note, int(np.clip(vel + rng.normal(0, v_sd), 20, 127))))
    return out


def arrangement() -> dict[str, list[Layer]]:
    rng = np.random.default_rng(20240611)
    kick, snare, hats = [], [], []
    bass, keys, pad, lead = [], [], [], []
    gtr_l, gtr_r = [], []

    for b, chord in enumerate(PROGRESSION):
        sec = section_of(b)
        t0 = 4.0 * b
        final = b == N_BARS - 1
        loud = sec == "Chorus"

        # Drums
        if final:
            kick.append((t0, 0.5, 36, 112))
        else:
            kpat = {
                "Intro": [0, 2],
                "Verse": [0, 1.5, 2],
                "Chorus": [0, 1, 2, 3],
                "Outro": [0, 2, 2.5],
            }[sec]
            for k in kpat:
                kick.append((t0 + k, 0.25, 36, 112 if k in (0, 2) else 98))
            for k in (1, 3):
                snare.append((t0 + k, 0.25, 38, 112 if loud else 92))
            if b == 5:  # fill into the chorus
                for i, k in enumerate((3.25, 3.5, 3.75)):
                    snare.append((t0 + k, 0.2, 38, 70 + 12 * i))
            for i in range(8):
                vel = (88 if i % 2 == 0 else 66) + {"Intro": -14, "Chorus": 10}.get(sec, 0)
                note = 46 if (loud and i == 7) else 42
                hats.append((t0 + i / 2, 0.45, note, vel))

        # Pad: whole notes throughout, two detuned layers spread left/right
        pad_vel = {"Intro": 72, "Verse": 62, "Chorus": 80, "Outro": 68}[sec]
        dur = 4.0 if final else 4.05
        pad += [(t0, dur, n, pad_vel) for n in PAD_VOICING[chord]]

        if sec == "Intro":
            continue

        # Bass
        root, fifth = BASS_ROOT[chord], BASS_FIFTH[chord]
        if final:
            bass.append((t0, 3.8, root, 100))
        elif loud:
            bass += [(t0 + i / 2, 0.45, root, 104 if i % 2 == 0 else 90) for i in range(8)]
        else:
            bass += [
                (t0, 1.4, root, 94),
                (t0 + 1.5, 0.45, root, 82),
                (t0 + 2, 0.95, root, 90),
                (t0 + 3, 0.45, root, 82),
                (t0 + 3.5, 0.45, fifth, 84),
            ]

        # Keys (electric piano)
        kv = KEYS_VOICING[chord]
        if final:
            keys += [(t0, 4.0, n, 76) for n in kv]
        elif loud:
            for k in range(4):
                keys += [(t0 + k, 0.9, n, 84 if k % 2 == 0 else 74) for n in kv]
        else:
            for k, d in ((0, 1.4), (1.5, 0.9), (2.5, 1.4)):
                keys += [(t0 + k, d, n, 72 if k == 0 else 62) for n in kv]

        # Guitar (clean electric, double tracked) and lead synth: chorus + outro
        if sec in ("Chorus", "Outro") and not final:
            arp = GTR_ARP[chord]
            order = (0, 1, 2, 3, 2, 1, 2, 3)
            for i, j in enumerate(order):
                vel = 86 if i % 2 == 0 else 72
                gtr_l.append((t0 + i / 2, 0.5, arp[j], vel))
                gtr_r.append((t0 + i / 2, 0.5, arp[j] + (12 if j == 0 else 0), vel - 4))
        lead_bar = {
            "F": [(2, 0.5, 72), (2.5, 0.5, 77), (3, 1.0, 76)],
            "C": [(2, 0.5, 72), (2.5, 0.5, 79), (3, 1.0, 76)],
            "G": [(2, 0.5, 74), (2.5, 0.5, 79), (3, 1.0, 77)],
            "Am": [(1, 0.5, 76), (1.5, 0.5, 74), (2, 0.5, 72), (2.5, 0.5, 71), (3, 1.0, 69)],
        }[chord]
        if sec == "Chorus" or (sec == "Outro" and not final):
            lead += [(t0 + k, d * 0.95, n, 96) for k, d, n in lead_bar]

    return {
        "Kick": [Layer(9, KIT_808, humanize(kick, rng, 2, 3))],  # thump at ~54 Hz
        "Snare": [Layer(9, KIT_ELECTRONIC, humanize(snare, rng, 3, 4))],
        "Hats": [Layer(9, KIT_808, humanize(hats, rng, 4, 5))],
        "Bass": [Layer(0, 33, humanize(bass, rng, 4, 4))],
        "Keys": [Layer(0, 4, humanize(keys, rng, 5, 4), pan=52)],
        "Guitar": [
            Layer(0, 27, humanize(gtr_l, rng, 8, 5), pan=22, bend_cents=4),
            Layer(1, 27, humanize(gtr_r, rng, 8, 5), pan=106, bend_cents=-4),
        ],
        "Pad": [Layer(0, 89, pad, pan=30, bend_cents=7), Layer(1, 89, pad, pan=98, bend_cents=-7)],
        "Lead_Synth": [Layer(0, 81, humanize(lead, rng, 3, 3), pan=74, volume=90)],
    }


# ---------------------------------------------------------------- DSP helpers ---


def highpass(x: np.ndarray, hz: float, order: int = 2) -> np.ndarray:
    sos = signal.butter(order, hz, "highpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=0)


def lowpass(x: np.ndarray, hz: float, order: int = 2) -> np.ndarray:
    sos = signal.butter(order, hz, "lowpass", fs=SR, output="sos")
    return signal.sosfilt(sos, x, axis=0)


def peaking(x: np.ndarray, hz: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ cookbook peaking EQ."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * hz / SR
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return signal.lfilter(b / den[0], den / den[0], x, axis=0)


def room_ir(seed: int, rt60: float, predelay_ms: float, tone_hz: float) -> np.ndarray:
    """Two decorrelated exponentially decaying noise tails (a small synthetic room)."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    env = np.exp(-6.91 * t / rt60) * (1 - np.exp(-t / 0.004))
    ir = rng.standard_normal((n, 2)) * env[:, None]
    ir = lowpass(ir, tone_hz, 1)
    ir = np.concatenate([np.zeros((int(predelay_ms * SR / 1000), 2)), ir])
    return ir / np.sqrt(np.sum(ir**2, axis=0, keepdims=True))


def corr(x: np.ndarray) -> float:
    left, right = x[:, 0], x[:, 1]
    return float(np.dot(left, right) / np.sqrt(np.dot(left, left) * np.dot(right, right) + 1e-30))


def add_room(
    dry: np.ndarray, ir: np.ndarray, target_corr: float, wet_range: tuple[float, float]
) -> np.ndarray:
    """Mix a stereo room into a stereo dry signal, picking the send level (within
    wet_range, relative to the dry RMS) that lands the L/R correlation on target."""
    mid = dry.mean(axis=1)
    wet = np.stack([signal.fftconvolve(mid, ir[:, c])[:N_SAMPLES] for c in range(2)], axis=1)
    wet *= np.sqrt(np.mean(dry**2) / (np.mean(wet**2) + 1e-30))
    lo, hi = wet_range
    if corr(dry + lo * wet) <= target_corr:
        g = lo
    elif corr(dry + hi * wet) >= target_corr:
        g = hi
    else:
        for _ in range(30):
            g = 0.5 * (lo + hi)
            if corr(dry + g * wet) > target_corr:
                lo = g
            else:
                hi = g
    return dry + g * wet


def decorrelator(seed: int, ms: float = 4.0) -> np.ndarray:
    """A short flat-magnitude, random-phase FIR (an all-pass-like decorrelator)."""
    rng = np.random.default_rng(seed)
    n = int(ms * SR / 1000) * 2
    spec = np.exp(1j * rng.uniform(-np.pi, np.pi, n // 2 + 1))
    spec[0] = spec[-1] = 1.0
    h = np.fft.irfft(spec, n) * np.hanning(n)
    return h / np.sqrt(np.sum(h**2))


def widen(x: np.ndarray, width: float, seed: int) -> np.ndarray:
    """M/S widening of a stereo signal: add a decorrelated copy of the mid as side."""
    mid = x.mean(axis=1)
    side = signal.fftconvolve(mid, decorrelator(seed))[: len(mid)] * width
    return x + np.stack([side, -side], axis=1)


def delay(x: np.ndarray, seconds: float) -> np.ndarray:
    n = round(seconds * SR)
    return np.concatenate([np.zeros((n, *x.shape[1:])), x[:-n]])


def pan_mono(x: np.ndarray, pan: float) -> np.ndarray:
    """Constant-power pan, pan in [-1, 1]."""
    th = (pan + 1) * np.pi / 4
    return np.stack([x * np.cos(th), x * np.sin(th)], axis=1) * np.sqrt(2)


# BS.1770 K-weighting at 48 kHz
_K1 = (
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [1.0, -1.69065929318241, 0.73248077421585],
)
_K2 = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def integrated_lufs(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    y = signal.lfilter(*_K2, signal.lfilter(*_K1, x, axis=0), axis=0)
    hop, win = SR // 10, SR * 4 // 10
    e = np.cumsum(np.concatenate([np.zeros((1, y.shape[1])), y**2]), axis=0)
    starts = np.arange(0, len(y) - win + 1, hop)
    z = ((e[starts + win] - e[starts]) / win).sum(axis=1)
    lk = -0.691 + 10 * np.log10(z + 1e-30)
    z = z[lk > -70]
    if not len(z):
        return -np.inf
    rel = -0.691 + 10 * np.log10(z.mean()) - 10
    z = z[-0.691 + 10 * np.log10(z) > rel]
    return float(-0.691 + 10 * np.log10(z.mean()))


def true_peak_db(x: np.ndarray) -> float:
    x = x if x.ndim == 2 else x[:, None]
    peak = 0.0
    for c in range(x.shape[1]):
        up = signal.resample_poly(np.ascontiguousarray(x[:, c], dtype=np.float32), 4, 1)
        peak = max(peak, float(np.max(np.abs(up))), float(np.max(np.abs(x[:, c]))))
    return 20 * np.log10(peak + 1e-30)


# ---------------------------------------------------------------- the vocal -----


def f0_track(x: np.ndarray, sr: int, fmin=120.0, fmax=600.0, hop_s=0.005, win_s=0.03):
    """Autocorrelation pitch per frame (NaN where unvoiced)."""
    n, h = int(win_s * sr), int(hop_s * sr)
    lo, hi = int(sr / fmax), int(sr / fmin)
    thresh = 0.05 * np.max(np.abs(x))
    win = np.hanning(n)
    out = []
    for i in range(0, max(0, len(x) - n), h):
        f = x[i : i + n] * win
        if np.sqrt(np.mean(f**2)) < 0.3 * thresh:
            out.append(np.nan)
            continue
        ac = np.fft.irfft(np.abs(np.fft.rfft(f, 4 * n)) ** 2)[:n]
        ac /= ac[0] + 1e-12
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] < 0.6 or k <= lo or k >= hi - 1:
            out.append(np.nan)
            continue
        a, b, c = ac[k - 1], ac[k], ac[k + 1]
        den = a - 2 * b + c
        d = 0.5 * (a - c) / den if den else 0.0
        out.append(sr / (k + d))
    return np.array(out), hop_s


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


# espeak-ng "-p" (0-99) against the resulting monotone f0 of voice en-us+f3, measured
_ESPEAK_P = np.array([0, 20, 40, 60, 80, 99])
_ESPEAK_HZ = np.array([113.0, 134.0, 161.0, 198.0, 246.0, 306.0])


def sing_syllable(word: str, note: int, length_s: float, idx: str, voice: str, tmp: Path) -> dict:
    target = midi_hz(note)
    p = int(np.clip(np.round(np.interp(np.log(target), np.log(_ESPEAK_HZ), _ESPEAK_P)), 0, 99))
    speed = 90 if length_s > 0.5 else 140
    raw = tmp / f"syl{idx}_raw.wav"
    ssml = f'<speak><prosody range="0%">{word}</prosody></speak>'
    subprocess.run(
        [
            "espeak-ng",
            "-v",
            voice,
            "-p",
            str(p),
            "-s",
            str(speed),
            "-z",
            "-m",
            "-w",
            str(raw),
            ssml,
        ],
        check=True,
        capture_output=True,
    )
    x, sr = sf.read(raw, dtype="float64")
    # trim silence
    nz = np.flatnonzero(np.abs(x) > 0.01 * np.max(np.abs(x)))
    x = x[nz[0] : nz[-1] + 1]
    f0, _ = f0_track(x, sr)
    voiced = f0[~np.isnan(f0)]
    src_hz = float(np.median(voiced))
    cents = 1200 * np.log2(target / src_hz)
    stretch = (len(x) / sr) / length_s  # sox tempo factor
    trimmed = tmp / f"syl{idx}_trim.wav"
    sf.write(trimmed, x, sr, subtype="FLOAT")
    out = tmp / f"syl{idx}.wav"
    y = None
    for _ in range(2):  # second pass corrects the residual error of the first
        subprocess.run(
            [
                "sox",
                str(trimmed),
                str(out),
                "pitch",
                f"{cents:.1f}",
                "tempo",
                "-s",
                f"{stretch:.4f}",
                "rate",
                "-v",
                str(SR),
            ],
            check=True,
            capture_output=True,
        )
        y, _sr = sf.read(out, dtype="float64")
        g, _ = f0_track(y, SR)
        got = float(np.median(g[~np.isnan(g)]))
        err = 1200 * np.log2(got / target)
        if abs(err) < 8:
            break
        cents -= err
    # where the vowel starts (to put it on the beat)
    g, ghop = f0_track(y, SR)
    voiced_idx = np.flatnonzero(~np.isnan(g))
    onset = float(voiced_idx[0] * ghop) if len(voiced_idx) else 0.0
    return {"audio": y, "onset_s": onset, "cents_err": err, "word": word, "note": note}


def sing_line(line, voice: str, tag: str, tmp: Path, seed: int, legato: float = 0.9):
    """Sing (bar, beat, beats, note, syllable) events; returns a mono track and the
    tuning error of each note in cents."""
    jobs = [
        (word, note, dur * BEAT * legato, f"{tag}{i:02d}", voice)
        for i, (_bar, _beat, dur, note, word) in enumerate(line)
    ]
    with ThreadPoolExecutor(max_workers=4) as ex:
        sung = list(ex.map(lambda j: sing_syllable(*j, tmp), jobs))
    out = np.zeros(N_SAMPLES)
    rng = np.random.default_rng(seed)
    for (bar, beat, _dur, _note, _word), s in zip(line, sung, strict=True):
        y = s["audio"]
        # even out syllable levels (a singer working the mic / gentle compression)
        rms = np.sqrt(np.mean(y[np.abs(y) > 0.1 * np.max(np.abs(y))] ** 2))
        accent = 1.0 if beat in (0.0, 1.0, 3.0) else 0.85
        push = 1.2 if section_of(bar) == "Chorus" else 0.9  # sung harder in the chorus
        y = y / rms * 0.1 * accent * push * (1 + 0.05 * rng.standard_normal())
        fade_in, fade_out = int(0.005 * SR), int(0.04 * SR)
        env = np.ones(len(y))
        env[:fade_in] = np.linspace(0, 1, fade_in)
        env[-fade_out:] = np.linspace(1, 0, fade_out) ** 2
        y = y * env
        # consonants ahead of the beat, the vowel on it
        start = round(((4 * bar + beat) * BEAT - min(s["onset_s"], 0.12)) * SR)
        out[start : start + len(y)] += y[: N_SAMPLES - start]
    return out, [s["cents_err"] for s in sung]


def render_vocals(tmp: Path, quiet: bool) -> dict[str, np.ndarray]:
    lead, errs = sing_line(VOCAL, "en-us+f3", "lv", tmp, seed=7)
    bv_lo, e_lo = sing_line(
        [(b, t, d, lo, w) for b, t, d, lo, _hi, w in BACKING],
        "en-us+f2",
        "bl",
        tmp,
        seed=8,
        legato=0.95,
    )
    bv_hi, e_hi = sing_line(
        [(b, t, d, hi, w) for b, t, d, _lo, hi, w in BACKING],
        "en-us+f4",
        "bh",
        tmp,
        seed=9,
        legato=0.95,
    )
    errs_arr = np.abs(np.array(errs + e_lo + e_hi))
    log(
        f"  vocal tuning: median |error| {np.median(errs_arr):.1f} cents, "
        f"max {errs_arr.max():.1f} cents over {len(errs_arr)} notes",
        quiet,
    )
    # two backing voices, double-tracked and spread left/right
    backing = pan_mono(bv_lo, -0.45) + pan_mono(bv_hi, 0.45)
    return {"Lead_Vocal": lead, "Backing_Vocal": backing}


# ---------------------------------------------------------------- stems ---------


@dataclass
class StemSpec:
    name: str
    mono: bool = False
    hp_hz: float = 20.0
    collapse: bool = False  # sum the render to mono, then pan it
    pan: float = 0.0
    room: tuple | None = None  # (seed, rt60, predelay_ms, tone_hz, target_corr, wet_lo, wet_hi)
    width: float = 0.0  # M/S widening with a short decorrelator (side level re mid)


STEMS = [
    StemSpec("Kick", mono=True, hp_hz=30.0),
    StemSpec("Snare", collapse=True, pan=0.0, room=(11, 0.6, 8, 6000, 0.85, 0.1, 0.9)),
    StemSpec("Hats", collapse=True, pan=0.3, width=0.35),
    StemSpec("Bass", mono=True, hp_hz=50.0),
    StemSpec("Keys", room=(14, 0.9, 12, 5000, 0.70, 0.15, 0.9)),
    StemSpec("Guitar", room=(15, 0.9, 14, 5000, 0.45, 0.1, 0.8)),
    StemSpec("Pad", room=(16, 1.6, 20, 4000, 0.45, 0.1, 0.9)),
    StemSpec("Lead_Synth", room=(17, 1.2, 15, 6000, 0.60, 0.15, 0.9)),
    StemSpec("Backing_Vocal", hp_hz=120.0, room=(13, 1.3, 25, 6000, 0.45, 0.1, 0.6)),
    StemSpec("Lead_Vocal", collapse=True, hp_hz=90.0, room=(18, 1.3, 25, 6000, 0.85, 0.1, 0.6)),
]


def process(spec: StemSpec, x: np.ndarray) -> np.ndarray:
    x = highpass(x, 20.0)  # some FluidR3 samples carry DC
    if (spec.mono or spec.collapse) and x.ndim == 2:
        x = x.mean(axis=1)
    if spec.name == "Kick":
        x = peaking(x, 110.0, -3.0, 1.2)  # leave room for the bass fundamentals
    if spec.name == "Bass":
        x = highpass(x, spec.hp_hz, 2)
        x = peaking(x, 55.0, -3.0, 1.0)  # and keep out of the kick's thump
    elif spec.hp_hz > 20.0:
        x = highpass(x, spec.hp_hz, 2)
    if spec.mono:
        return x
    if x.ndim == 1:
        x = pan_mono(x, spec.pan)
    if spec.name == "Lead_Synth":
        # eighth-note echo left, dotted-eighth right (well past the Haas zone)
        x = x + 0.22 * np.stack([delay(x[:, 0], BEAT / 2), delay(x[:, 1], 0.75 * BEAT)], 1)
    if spec.name == "Lead_Vocal":
        x = x + 0.08 * np.stack(
            [delay(lowpass(x[:, 0], 4000), 0.75 * BEAT), delay(lowpass(x[:, 1], 4000), BEAT)], 1
        )
    if spec.width:
        x = widen(x, spec.width, seed=len(spec.name))
    if spec.room:
        seed, rt, pre, tone, target, lo, hi = spec.room
        x = add_room(x, room_ir(seed, rt, pre, tone), target, (lo, hi))
    return highpass(x, 20.0)


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
