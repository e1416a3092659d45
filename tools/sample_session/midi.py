"""The demo song's MIDI parts: a ``Layer`` per channel written as a MIDI file with mido and
rendered with fluidsynth and the FluidR3_GM soundfont, cut or padded to the song's length."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tools.sample_session.song import BEAT, BPM, LENGTH_S, N_SAMPLES, SOUNDFONT, SR, TPB


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
