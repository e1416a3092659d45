"""How each rendered part becomes a stem: high-pass, mono or panned, echoes, widening or a small
synthetic room, as set out per stem in ``STEMS``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.sample_session.dsp import (
    add_room,
    delay,
    highpass,
    lowpass,
    pan_mono,
    peaking,
    room_ir,
    widen,
)
from tools.sample_session.song import BEAT


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
