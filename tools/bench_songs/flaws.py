"""The problems planted in a flawed take, each a function of a clean stem.

Mix problems change the audio (levels, tone, width, dynamics); delivery problems change how the
file is written (rate, bit depth, name, length) or add a file. Every function takes a ``StemOut``
and returns the changed one; ``Context`` carries what some of them need (section times, the other
stems).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import signal
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from tools.bench_songs.mixdown import frame_energy, gated_lufs, k_weighted
from tools.bench_songs.model import Timeline
from tools.make_flawed_session import sub_octave
from tools.sample_session.dsp import highpass, lowpass, peaking
from tools.sample_session.song import SR


@dataclass(frozen=True)
class StemOut:
    """A stem about to be written: audio at 48 kHz and how it goes to disk."""

    file: str
    audio: np.ndarray
    rate: int
    subtype: str = "PCM_24"
    truncate_to: float | None = None  # cut the written file to this share of its bytes
    session_gain_db: float = 0.0  # every other stem of the take gets this gain too (a hot take)


@dataclass(frozen=True)
class Context:
    """What flaws may look at besides their own stem."""

    timeline: Timeline
    stems: dict[str, np.ndarray]  # clean stems at 48 kHz, by part name
    seed: int


def _db(x: float) -> float:
    return 10 ** (x / 20)


def _with(stem: StemOut, audio: np.ndarray) -> StemOut:
    return replace(stem, audio=audio)


# ---------------------------------------------------------------- mix problems


def gain(stem: StemOut, ctx: Context, gain_db: float) -> StemOut:
    """The whole stem louder or quieter (a dominant part, a buried lead)."""
    return _with(stem, stem.audio * _db(gain_db))


def section_gain(stem: StemOut, ctx: Context, kind: str, gain_db: float) -> StemOut:
    """The stem louder or quieter in every section of one kind, with 20 ms ramps."""
    env = np.ones(len(stem.audio))
    ramp = int(0.02 * SR)
    for sec, _bar, start_s, end_s in ctx.timeline.spans():
        if sec.kind != kind:
            continue
        a, b = round(start_s * SR), round(end_s * SR)
        env[a:b] = _db(gain_db)
        env[a : a + ramp] = np.linspace(1.0, _db(gain_db), ramp)
        if b < len(env):
            env[b - ramp : b] = np.linspace(_db(gain_db), 1.0, ramp)
    audio = stem.audio * (env if stem.audio.ndim == 1 else env[:, None])
    return _with(stem, audio)


def kick_fundamental_hz(kick: np.ndarray) -> float:
    """Where the kick's thump peaks, 40-120 Hz (Welch spectrum of the mono kick)."""
    mono = kick if kick.ndim == 1 else kick.mean(axis=1)
    freqs, power = signal.welch(mono, SR, nperseg=SR // 2)
    band = (freqs >= 40) & (freqs <= 120)
    return float(freqs[band][np.argmax(power[band])])


def low_mud(stem: StemOut, ctx: Context, kick: str, boost_db: float, sub: float) -> StemOut:
    """An octave-down sub line under the bass plus a boost right on the kick's thump."""
    mono = stem.audio if stem.audio.ndim == 1 else stem.audio.mean(axis=1)
    line = sub_octave(mono, SR)
    line *= sub * np.sqrt(np.mean(mono**2) / (np.mean(line**2) + 1e-30))
    thump_hz = kick_fundamental_hz(ctx.stems[kick])
    return _with(stem, peaking(mono + line, thump_hz, boost_db, 0.9))


def bell(stem: StemOut, ctx: Context, freq_hz: float, gain_db: float, q: float) -> StemOut:
    """A peaking boost: a ringing resonance (high Q) or a harsh presence lift (low Q)."""
    return _with(stem, peaking(stem.audio, freq_hz, gain_db, q))


def presence(
    stem: StemOut, ctx: Context, freq_hz: float, gain_db: float, level_db: float
) -> StemOut:
    """A broad lift in the vocal's presence range plus some level: a part that covers it."""
    return _with(stem, peaking(stem.audio, freq_hz, gain_db, 0.8) * _db(level_db))


def rumble(stem: StemOut, ctx: Context, level_db: float, top_hz: float) -> StemOut:
    """Sub-bass junk (traffic, handling, a stand thump) under a part that should have none,
    ``level_db`` against the stem's own power."""
    rng = np.random.default_rng(ctx.seed + 101)
    noise = rng.standard_normal(len(stem.audio))
    junk = lowpass(highpass(noise, 18.0, 2), top_hz, 4)
    power = np.mean(stem.audio**2) * (2 if stem.audio.ndim == 2 else 1)
    junk *= np.sqrt(power / np.mean(junk**2)) * _db(level_db)
    if stem.audio.ndim == 2:
        junk = np.stack([junk, junk], axis=1) / np.sqrt(2)
    return _with(stem, stem.audio + junk)


def haas(stem: StemOut, ctx: Context, delay_ms: float) -> StemOut:
    """A Haas widener: the right channel a few ms late, so the low end goes wide and
    cancels in mono while the two sides stay equally loud."""
    mono = stem.audio if stem.audio.ndim == 1 else stem.audio.mean(axis=1)
    late = np.concatenate([np.zeros(round(delay_ms * SR / 1000)), mono])[: len(mono)]
    return _with(stem, np.stack([mono, late], axis=1))


def low_polarity(stem: StemOut, ctx: Context, below_hz: float) -> StemOut:
    """The right channel's low end inverted (a mis-set M/S or stereo plugin)."""
    x = stem.audio if stem.audio.ndim == 2 else np.stack([stem.audio, stem.audio], axis=1)
    low = lowpass(x[:, 1], below_hz, 4)
    low = lowpass(low[::-1], below_hz, 4)[::-1]  # zero phase, so the split is exact
    return _with(stem, np.stack([x[:, 0], x[:, 1] - 2 * low], axis=1))


def _frame_gate(x: np.ndarray) -> float:
    return gated_lufs(frame_energy(k_weighted(x)))


def release(held: np.ndarray, coef: float) -> np.ndarray:
    """Instant attack, exponential release toward unity gain (sample by sample)."""
    out = np.empty_like(held)
    state = 1.0
    for i, h in enumerate(held.tolist()):
        state = min(h, coef * state + (1.0 - coef))
        out[i] = state
    return out


def lookahead_limit(
    stem: StemOut,
    ctx: Context,
    drive_db: float,
    ceiling_dbfs: float,
    lookahead_ms: float = 1.5,
    release_ms: float = 30.0,
) -> StemOut:
    """Drive the stem ``drive_db`` past a look-ahead brickwall limiter's ceiling (the file then
    peaks at the ceiling): peaks meet it one sample at a time, rarely two in a row."""
    ceiling = _db(ceiling_dbfs)
    x = stem.audio / np.max(np.abs(stem.audio)) * ceiling * _db(drive_db)
    level = np.abs(x) if x.ndim == 1 else np.abs(x).max(axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(level, 1e-12))
    span = max(1, round(lookahead_ms * SR / 1000))
    held = minimum_filter1d(need, 2 * span + 1, mode="nearest")
    env = release(held, np.exp(-1.0 / (release_ms * SR / 1000)))
    g = np.minimum(uniform_filter1d(env, span + 1, mode="nearest"), need)
    return _with(stem, x * (g if x.ndim == 1 else g[:, None]))


def over_compress(
    stem: StemOut,
    ctx: Context,
    threshold_db: float,
    ratio: float,
    attack_ms: float,
    release_ms: float,
) -> StemOut:
    """A fast, hard compressor far into the part, made up to its old loudness: squashed."""
    x = stem.audio
    mono = np.abs(x) if x.ndim == 1 else np.abs(x).max(axis=1)
    level_db = 20 * np.log10(np.maximum(mono, 1e-9))
    peak_db = float(level_db.max())
    over = np.maximum(level_db - (peak_db + threshold_db), 0.0)
    target = -over * (1 - 1 / ratio)
    step = SR // 1000  # the detector runs on a 1 ms grid
    coarse = target[: len(target) // step * step].reshape(-1, step).min(axis=1)
    att, rel = (np.exp(-1.0 / ms) for ms in (attack_ms, release_ms))
    gr_coarse = np.empty_like(coarse)
    state = 0.0
    for i, t in enumerate(coarse.tolist()):  # a peak detector: fast down, slow back
        coef = att if t < state else rel
        state = coef * state + (1 - coef) * t
        gr_coarse[i] = state
    gr = np.interp(np.arange(len(target)) / step, np.arange(len(coarse)), gr_coarse)
    y = x * (10 ** (gr / 20) if x.ndim == 1 else 10 ** (gr / 20)[:, None])
    return _with(stem, y * _db(_frame_gate(x) - _frame_gate(y)))


# ---------------------------------------------------------------- delivery problems


def rate(stem: StemOut, ctx: Context, sample_rate: int) -> StemOut:
    return replace(stem, rate=sample_rate)


def bit_depth(stem: StemOut, ctx: Context) -> StemOut:
    return replace(stem, subtype="PCM_16")


def shorten(stem: StemOut, ctx: Context, seconds: float) -> StemOut:
    return _with(stem, stem.audio[: len(stem.audio) - round(seconds * SR)])


def _peak_dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(x))))


def hot_clip(stem: StemOut, ctx: Context, over_db: float) -> StemOut:
    """A take exported too hot: everything up until this stem's peaks are ``over_db`` above
    full scale, where its fixed-point file clips them."""
    gain_db = over_db - _peak_dbfs(stem.audio)
    audio = np.clip(stem.audio * _db(gain_db), -1.0, 1.0)
    return replace(stem, audio=audio, session_gain_db=gain_db)


def hot_float(stem: StemOut, ctx: Context, over_db: float) -> StemOut:
    """A take exported too hot as 32-bit float: this stem's peaks sit ``over_db`` above full
    scale, unclipped (the float file keeps them)."""
    gain_db = over_db - _peak_dbfs(stem.audio)
    return replace(
        stem,
        audio=stem.audio * _db(gain_db),
        subtype="FLOAT",
        file=_wav(stem.file),
        session_gain_db=gain_db,
    )


def flat_limit(stem: StemOut, ctx: Context, drive_db: float) -> StemOut:
    """A clipper on the track: peaks shaved flat ``drive_db`` under where they were."""
    ceiling = np.max(np.abs(stem.audio)) / _db(drive_db)
    return _with(stem, np.clip(stem.audio, -ceiling, ceiling))


def dc(stem: StemOut, ctx: Context, offset: float) -> StemOut:
    return _with(stem, stem.audio + offset)


def dual_mono(stem: StemOut, ctx: Context) -> StemOut:
    mid = stem.audio if stem.audio.ndim == 1 else stem.audio.mean(axis=1)
    return _with(stem, np.stack([mid, mid], axis=1))


def invert_right(stem: StemOut, ctx: Context) -> StemOut:
    x = stem.audio if stem.audio.ndim == 2 else np.stack([stem.audio, stem.audio], axis=1)
    return _with(stem, x * np.array([1.0, -1.0]))


def rename(stem: StemOut, ctx: Context, file: str) -> StemOut:
    return replace(stem, file=file)


def truncate(stem: StemOut, ctx: Context, share: float) -> StemOut:
    """The file cut short after the header was written (an interrupted copy)."""
    return replace(stem, truncate_to=share)


def near_silent(stem: StemOut, ctx: Context, peak_dbfs: float) -> StemOut:
    return _with(stem, stem.audio / np.max(np.abs(stem.audio)) * _db(peak_dbfs))


def nan_burst(stem: StemOut, ctx: Context, at_s: float, count: int) -> StemOut:
    """A 32-bit float WAV with a burst of NaN samples (a plugin fault)."""
    audio = stem.audio.copy()
    at = round(at_s * SR)
    audio[at : at + count] = np.nan
    return replace(stem, audio=audio, subtype="FLOAT", file=_wav(stem.file))


def silent(stem: StemOut, ctx: Context) -> StemOut:
    return _with(stem, np.zeros_like(stem.audio))


def _wav(file: str) -> str:
    return file.rsplit(".", 1)[0] + ".wav"


MIX_ACTIONS = (gain, section_gain, low_mud, bell, presence, rumble, haas, low_polarity,
               lookahead_limit, over_compress)  # fmt: skip
DELIVERY_ACTIONS = (rate, bit_depth, shorten, hot_clip, hot_float, flat_limit, dc, dual_mono,
                    invert_right, rename, truncate, near_silent, nan_burst, silent)  # fmt: skip
ACTIONS = {f.__name__: f for f in (*MIX_ACTIONS, *DELIVERY_ACTIONS)}
