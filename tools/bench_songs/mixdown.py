"""Clean-up and gain staging: from raw renders to the stems of a well-made mix.

Each part is high-passed, panned, given its room and width as a mixer would, then every stem's
gain is solved so its loudness against the mix while it plays (the balance rule's measure, read
the same way: BS.1770 K-weighted 100 ms energies, gated) lands on the part's ``level_lu``. A common
trim keeps the unity sum's true peak well under -6 dBTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import signal

from tools.bench_songs.model import PartSpec, Room
from tools.sample_session.dsp import (
    _K1,
    _K2,
    decorrelator,
    highpass,
    lowpass,
    pan_mono,
    peaking,
    room_ir,
    true_peak_db,
)
from tools.sample_session.song import SR

FRAME = SR // 10
ACTIVE_FLOOR_LUFS = -60.0
ACTIVE_BELOW_MAX_LU = 35.0
MIX_TP_MAX_DBTP = -7.0  # the unity sum's true peak after the common trim
ROOM_MONO_BELOW_HZ = 150.0  # a real room's low end reaches both mics alike
WIDEN_ABOVE_HZ = 200.0  # a widener leaves the low end alone
STAGING_ROUNDS = 12  # on the energy model
MIX_ROUNDS = 2  # then measured on the real sum


def _correlation_at(dots: dict[str, float], g: float) -> float:
    """L/R correlation of dry + g * wet, from the dot products of their channels."""
    lr = dots["dl.dr"] + g * (dots["dl.wr"] + dots["wl.dr"]) + g * g * dots["wl.wr"]
    ll = dots["dl.dl"] + 2 * g * dots["dl.wl"] + g * g * dots["wl.wl"]
    rr = dots["dr.dr"] + 2 * g * dots["dr.wr"] + g * g * dots["wr.wr"]
    return lr / np.sqrt(ll * rr + 1e-30)


def _convolve_stereo(mono: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """A mono signal through a stereo impulse response, cut to the signal's length (one FFT of
    the signal shared by both channels, in float32: a room needs no more)."""
    n = sfft.next_fast_len(len(mono) + len(ir) - 1, real=True)
    spectrum = sfft.rfft(mono.astype(np.float32), n)
    ir_spectra = sfft.rfft(ir.astype(np.float32), n, axis=0)
    wet = sfft.irfft(spectrum[:, None] * ir_spectra, n, axis=0)[: len(mono)]
    return wet.astype(np.float64)


def add_room(dry: np.ndarray, room: Room) -> np.ndarray:
    """Mix a synthetic stereo room into a stereo part, the send chosen (bisection within the
    room's wet range) so the L/R correlation lands on the room's target."""
    ir = room_ir(room.seed, room.rt60_s, room.predelay_ms, room.tone_hz)
    mid = dry.mean(axis=1)
    wet = _convolve_stereo(mid, ir)
    low = lowpass(wet, ROOM_MONO_BELOW_HZ, 2)
    wet = wet - low + low.mean(axis=1, keepdims=True)
    wet *= np.sqrt(np.mean(dry**2) / (np.mean(wet**2) + 1e-30))
    chans = {"dl": dry[:, 0], "dr": dry[:, 1], "wl": wet[:, 0], "wr": wet[:, 1]}
    pairs = (
        "dl.dr",
        "dl.wr",
        "wl.dr",
        "wl.wr",
        "dl.dl",
        "dl.wl",
        "wl.wl",
        "dr.dr",
        "dr.wr",
        "wr.wr",
    )
    dots = {p: float(np.dot(chans[p[:2]], chans[p[3:]])) for p in pairs}
    lo, hi = room.wet_low, room.wet_high
    if _correlation_at(dots, lo) <= room.target_corr:
        return dry + lo * wet
    if _correlation_at(dots, hi) >= room.target_corr:
        return dry + hi * wet
    for _ in range(30):
        g = 0.5 * (lo + hi)
        lo, hi = (g, hi) if _correlation_at(dots, g) > room.target_corr else (lo, g)
    return dry + 0.5 * (lo + hi) * wet


def widen_above(x: np.ndarray, width: float, seed: int) -> np.ndarray:
    """M/S widening above WIDEN_ABOVE_HZ: a decorrelated copy of the upper mid added as side
    (sample_session.dsp.widen with the low end left alone)."""
    upper = highpass(x.mean(axis=1), WIDEN_ABOVE_HZ, 2)
    side = signal.oaconvolve(upper, decorrelator(seed))[: len(upper)] * width
    return x + np.stack([side, -side], axis=1)


def process(part: PartSpec, x: np.ndarray) -> np.ndarray:
    """A part as the mixer delivers it: mono (1-D) or stereo (n, 2), cleaned up and placed."""
    x = highpass(x, 20.0)  # some FluidR3 samples carry DC
    if (part.mono or part.collapse) and x.ndim == 2:
        x = x.mean(axis=1)
    if part.hp_hz > 20.0:
        x = highpass(x, part.hp_hz, part.hp_order)
    for band in part.eq:
        x = peaking(x, band.freq_hz, band.gain_db, band.q)
    if part.mono:
        return x - x.mean()
    if x.ndim == 1:
        x = pan_mono(x, part.pan)
    if part.width:
        x = widen_above(x, part.width, seed=len(part.name))
    if part.room:
        x = add_room(x, part.room)
    x = highpass(x, 20.0)
    if np.array_equal(x[:, 0], x[:, 1]):
        raise ValueError(f"{part.name}: a stereo part needs a pan, a room, width or detuning")
    return x - x.mean(axis=0)


def total(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """The sum of equally shaped arrays, added in place one at a time."""
    out: np.ndarray | None = None
    for a in arrays:
        out = a.copy() if out is None else np.add(out, a, out=out)
    if out is None:
        raise ValueError("nothing to add")
    return out


def as_stereo(x: np.ndarray) -> np.ndarray:
    """A mono stem as it enters the mix: the same signal on both channels."""
    return np.stack([x, x], axis=1) if x.ndim == 1 else x


def k_weighted(x: np.ndarray) -> np.ndarray:
    """BS.1770 K-weighting (48 kHz coefficients) of the stereo form of a stem."""
    return signal.lfilter(*_K2, signal.lfilter(*_K1, as_stereo(x), axis=0), axis=0)


def frame_energy(y: np.ndarray) -> np.ndarray:
    """K-weighted energy per 100 ms frame: channel mean squares summed (BS.1770 weights 1)."""
    n = len(y) // FRAME
    power = y[: n * FRAME, 0] ** 2 + y[: n * FRAME, 1] ** 2
    return power.reshape(n, FRAME).mean(axis=1)


def lufs(energy: np.ndarray | float) -> np.ndarray:
    return -0.691 + 10.0 * np.log10(np.maximum(energy, 1e-30))


def active_frames(energy: np.ndarray) -> np.ndarray:
    """Where a part plays: above -60 LUFS and within 35 LU of its loudest frame."""
    level = lufs(energy)
    return (level > ACTIVE_FLOOR_LUFS) & (level > level.max() - ACTIVE_BELOW_MAX_LU)


def gated_lufs(energy: np.ndarray) -> float:
    """BS.1770 gated loudness from 100 ms energies (400 ms blocks on a 100 ms hop)."""
    blocks = (energy[:-3] + energy[1:-2] + energy[2:-1] + energy[3:]) / 4.0
    blocks = blocks[lufs(blocks) > -70.0]
    if not len(blocks):
        return float("-inf")
    blocks = blocks[lufs(blocks) > lufs(blocks.mean()) - 10.0]
    return float(lufs(blocks.mean()))


def relative_levels(
    weighted: dict[str, np.ndarray], energies: dict[str, np.ndarray], gains_db: dict[str, float]
) -> dict[str, float]:
    """Each stem's loudness minus the mix's over the frames where the stem plays (LU).

    ``weighted`` are the K-weighted stems and ``energies`` their frame energies, both at unity."""
    mix = total(10 ** (gains_db[k] / 20) * y for k, y in weighted.items())
    mix_e = frame_energy(mix)
    out = {}
    for name, unity in energies.items():
        e = unity * 10 ** (gains_db[name] / 10)
        mask = active_frames(e)
        out[name] = gated_lufs(np.where(mask, e, 0.0)) - gated_lufs(np.where(mask, mix_e, 0.0))
    return out


def _model_levels(energies: dict[str, np.ndarray], gains_db: dict[str, float], ratio):
    """Relative levels with the mix's frame energy modelled as the stems' energies added, times
    the measured ratio of the real sum to that model (the parts' correlation)."""
    scaled = {k: e * 10 ** (gains_db[k] / 10) for k, e in energies.items()}
    mix_e = sum(scaled.values()) * ratio
    out = {}
    for name, e in scaled.items():
        mask = active_frames(e)
        out[name] = gated_lufs(np.where(mask, e, 0.0)) - gated_lufs(np.where(mask, mix_e, 0.0))
    return out


@dataclass(frozen=True)
class Staged:
    """The staged stems and the relative level (LU) each measures at in the real sum."""

    stems: dict[str, np.ndarray]
    levels_lu: dict[str, float]


def stage(stems: dict[str, np.ndarray], parts: dict[str, PartSpec]) -> Staged:
    """Solve every stem's gain for its target relative level, then trim the sum's headroom.

    Most rounds run on frame energies (cheap); each real round measures the sum again."""
    weighted = {name: k_weighted(x) for name, x in stems.items()}
    energies = {name: frame_energy(y) for name, y in weighted.items()}
    gains = {name: -20.0 - gated_lufs(e) for name, e in energies.items()}
    for _ in range(MIX_ROUNDS):
        mix = total(10 ** (gains[k] / 20) * y for k, y in weighted.items())
        model = sum(e * 10 ** (gains[k] / 10) for k, e in energies.items())
        ratio = frame_energy(mix) / np.maximum(model, 1e-30)
        for _ in range(STAGING_ROUNDS):
            rel = _model_levels(energies, gains, ratio)
            for name in gains:
                gains[name] += float(np.clip(parts[name].level_lu - rel[name], -12.0, 12.0))
    out = {name: x * 10 ** (gains[name] / 20) for name, x in stems.items()}
    trim_db = MIX_TP_MAX_DBTP - true_peak_db(total(as_stereo(x) for x in out.values()))
    levels = relative_levels(weighted, energies, gains)  # a common trim leaves them as they are
    return Staged({name: x * 10 ** (trim_db / 20) for name, x in out.items()}, levels)
