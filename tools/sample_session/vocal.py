"""The demo song's vocals: each syllable sung by espeak-ng, tuned and stretched to the melody with
sox (checked with an autocorrelation pitch tracker), and placed on the beat."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from tools.sample_session.arrangement import section_of
from tools.sample_session.dsp import pan_mono
from tools.sample_session.song import BACKING, BEAT, N_SAMPLES, SR, VOCAL, log


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
