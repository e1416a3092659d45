"""Audio for the parts: MIDI rendered with fluidsynth, vocals sung with espeak-ng and sox.

Everything is rendered at 48 kHz (the rate the demo session's helpers in tools/sample_session work
at) and converted to the song's rate only when the stems are written.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from tools.bench_songs import arrange
from tools.bench_songs.model import PartSpec, SongSpec, Timeline
from tools.sample_session.dsp import pan_mono
from tools.sample_session.midi import Layer, write_midi
from tools.sample_session.song import BPM as DEMO_BPM
from tools.sample_session.song import SOUNDFONT, SR
from tools.sample_session.vocal import sing_syllable

SILENT_CHANNEL = 15  # a note at the song's end on a muted channel keeps fluidsynth rendering


def fit(x: np.ndarray, frames: int) -> np.ndarray:
    """Cut or zero-pad ``x`` to ``frames`` rows."""
    if len(x) >= frames:
        return x[:frames]
    return np.concatenate([x, np.zeros((frames - len(x), *x.shape[1:]))])


def _to_demo_beats(layers: list[Layer], bpm: float) -> list[Layer]:
    """Rescale beat positions so the demo's MIDI writer (fixed at its own tempo) plays them at
    ``bpm``: one beat here lasts DEMO_BPM / bpm beats there."""
    k = DEMO_BPM / bpm
    return [replace(ly, notes=[(s * k, d * k, n, v) for s, d, n, v in ly.notes]) for ly in layers]


def render_layers(layers: list[Layer], timeline: Timeline, work: Path, name: str) -> np.ndarray:
    """Render MIDI layers to a stereo float array exactly as long as the song."""
    end_beat = timeline.length_s / timeline.beat_s
    keep_alive = Layer(SILENT_CHANNEL, 0, [(end_beat, 0.1, 60, 1)], volume=0)
    mid, wav = work / f"{name}.mid", work / f"{name}.wav"
    write_midi(mid, _to_demo_beats([*layers, keep_alive], timeline.bpm))
    options = ["-ni", "-R", "0", "-C", "0", "-O", "float", "-T", "wav", "-g", "0.4"]  # dry
    cmd = ["fluidsynth", *options, "-r", str(SR), "-F", str(wav), str(SOUNDFONT), str(mid)]
    subprocess.run(cmd, check=True, capture_output=True)
    x, sr = sf.read(wav, dtype="float64", always_2d=True)
    assert sr == SR, sr
    return fit(x, round(timeline.length_s * SR))


class Singer:
    """Sings syllables with espeak-ng + sox, remembering each (word, note, length, voice) so a
    repeated chorus costs nothing."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._memo: dict[tuple, Future] = {}
        self._lock = threading.Lock()

    def syllable(self, word: str, note: int, length_s: float, voice: str) -> dict:
        key = (word, note, round(length_s, 3), voice)
        with self._lock:
            pending = self._memo.get(key)
            owner = pending is None
            if pending is None:
                pending = self._memo[key] = Future()
        if owner:  # the first thread to ask sings it; the others wait for the same result
            tag = hashlib.blake2b(repr(key).encode(), digest_size=6).hexdigest()
            try:
                pending.set_result(self._sing(word, note, length_s, tag, voice))
            except Exception as exc:
                pending.set_exception(exc)
        return pending.result()

    def _sing(self, word: str, note: int, length_s: float, tag: str, voice: str) -> dict:
        """sox stretches at most tenfold: a very short word on a long note is sung shorter."""
        for attempt in range(4):
            try:
                return sing_syllable(word, note, length_s / 2**attempt, tag, voice, self.work)
            except subprocess.CalledProcessError:
                continue
        raise RuntimeError(f"cannot sing {word!r} on note {note} for {length_s:.2f} s")


def _even_level(y: np.ndarray, accent: float, rng: np.random.Generator) -> np.ndarray:
    """Even out syllable levels (a singer working the mic), with soft edges."""
    rms = np.sqrt(np.mean(y[np.abs(y) > 0.1 * np.max(np.abs(y))] ** 2))
    y = y / rms * 0.1 * accent * (1 + 0.04 * rng.standard_normal())
    fade_in, fade_out = int(0.005 * SR), int(0.04 * SR)
    env = np.ones(len(y))
    env[:fade_in] = np.linspace(0, 1, fade_in)
    env[-fade_out:] = np.linspace(1, 0, fade_out) ** 2
    return y * env


def sing(
    notes: list[arrange.SungNote],
    voice: str,
    singer: Singer,
    timeline: Timeline,
    seed: int,
    pool: ThreadPoolExecutor,
    legato: float = 0.9,
) -> np.ndarray:
    """A mono vocal track: each note sung, levelled and placed with its vowel on the beat."""
    frames = round(timeline.length_s * SR)
    jobs = [(w, n, d * timeline.beat_s * legato, voice) for _s, d, n, w in notes]
    sung = list(pool.map(lambda j: singer.syllable(*j), jobs))
    out = np.zeros(frames)
    rng = np.random.default_rng(seed)
    for (start, _d, _n, _w), s in zip(notes, sung, strict=True):
        accent = 1.0 if start % 1 == 0 else 0.88
        y = _even_level(s["audio"], accent, rng)
        at = round((start * timeline.beat_s - min(s["onset_s"], 0.12)) * SR)
        at = max(at, 0)
        out[at : at + len(y)] += y[: frames - at]
    return out


def render_vocals(
    song: SongSpec, part: PartSpec, timeline: Timeline, singer: Singer, pool: ThreadPoolExecutor
) -> np.ndarray:
    """The lead vocal (mono) or the two-voice backing vocals (stereo, voices left and right)."""
    if part.gen == "vocal":
        return sing(
            arrange.melody(song, timeline, part), "en-us+f3", singer, timeline, song.seed + 1, pool
        )
    pairs = arrange.backing(song, timeline, part)
    low = sing([p[0] for p in pairs], "en-us+f2", singer, timeline, song.seed + 2, pool, 0.95)
    high = sing([p[1] for p in pairs], "en-us+f4", singer, timeline, song.seed + 3, pool, 0.95)
    return pan_mono(low, -0.45) + pan_mono(high, 0.45)


def render_song(song: SongSpec, timeline: Timeline, work: Path, jobs: int) -> dict[str, np.ndarray]:
    """Raw audio of every part at 48 kHz (stereo renders; the lead vocal mono)."""
    rng = np.random.default_rng(song.seed)
    ctx = {"drums": arrange.drum_notes(song, timeline, rng)}
    midi_parts = [p for p in song.parts if p.gen not in ("vocal", "backing", "riser")]
    layers = {p.name: arrange.GENERATORS[p.gen](song, timeline, p, rng, ctx) for p in midi_parts}
    singer = Singer(work)
    raw: dict[str, np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            name: pool.submit(render_layers, ly, timeline, work, name)
            for name, ly in layers.items()
        }
        with ThreadPoolExecutor(max_workers=jobs) as voices:
            for part in song.parts:
                if part.gen in ("vocal", "backing"):
                    raw[part.name] = render_vocals(song, part, timeline, singer, voices)
        raw.update({name: f.result() for name, f in futures.items()})
    for part in song.parts:
        if part.gen == "riser":
            raw[part.name] = riser(song, timeline, part)
    return raw


def riser(song: SongSpec, timeline: Timeline, part: PartSpec) -> np.ndarray:
    """Noise swells into the sections the part plays before (an FX riser), stereo with its side
    6 dB under its mid, so it stays whole in mono."""
    frames = round(timeline.length_s * SR)
    rng = np.random.default_rng(song.seed + 17)
    out = np.zeros((frames, 2))
    for sec, _bar, start_s, _end in timeline.spans():
        if sec.kind not in part.kinds or start_s < timeline.bar_s:
            continue
        n = round(min(2 * timeline.bar_s, start_s) * SR)
        t = np.linspace(0.0, 1.0, n)
        noise = rng.standard_normal((n, 2)) @ np.array([[1.0, 1.0], [0.5, -0.5]])  # mid, side
        spec = np.fft.rfft(noise, axis=0)
        freqs = np.fft.rfftfreq(n, 1 / SR)
        spec *= (1 / np.sqrt(np.maximum(freqs, 200.0) / 200.0))[:, None]
        swell = np.fft.irfft(spec, n, axis=0) * (t**3)[:, None]
        at = round(start_s * SR) - n
        out[at : at + n] += swell / (np.max(np.abs(swell)) + 1e-12) * 0.3
    return out
