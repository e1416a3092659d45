"""Feed-forward compressor: log-domain soft-knee gain computer and smooth decoupled detector.

Design after D. Giannoulis, M. Massberg and J. D. Reiss, "Digital Dynamic Range Compressor
Design - A Tutorial and Analysis", J. Audio Eng. Soc. 60(6), 2012:

1. level ``x_G = 20 log10 |x|`` per sample (peak detection; with ``stereo_link`` the louder of
   the two channels, so both channels get the same gain and the image does not move);
2. static curve with a soft knee of width W (their eq. 4), as gain reduction
   ``x_L = x_G - y_G >= 0``:
   0 below ``T - W/2``; ``(1 - 1/R) (x_G - T + W/2)^2 / (2W)`` in the knee;
   ``(1 - 1/R) (x_G - T)`` above ``T + W/2``;
3. the smooth decoupled peak detector in the log domain (their eq. 17) on ``x_L``:
   ``y1[n] = max(x_L[n], a_R y1[n-1] + (1 - a_R) x_L[n])``,
   ``y_L[n] = a_A y_L[n-1] + (1 - a_A) y1[n]``, with ``a = exp(-1 / (tau fs))``;
4. gain ``10 ** ((makeup_db - y_L) / 20)``.

Why the decoupled detector: its two stages can be computed without a per-sample Python loop. The
second stage is a linear one-pole. The first stage is a maximum of monotone affine maps, which
unrolls to ``y1[n] = r[n] + max(0, max_k a_R^(n-k) (x_L[k] - r[k]))`` where ``r`` is the release
one-pole run on ``x_L`` (started from ``y1[-1]``). Both one-poles and that maximum are computed on
signals scaled by ``a^-n``: a one-pole ``y[n] = a y[n-1] + (1 - a) x[n]`` becomes
``a^n y[n] = a y[-1] + (1 - a) cumsum(a^-k x[k])``, and the decaying maximum becomes a running
maximum (``np.fmax.accumulate``). Every term is >= 0, so the sums lose nothing to cancellation;
inner chunks are short enough that the scale ``a^-n`` stays far below overflow. The result equals
the recursion to float64 rounding. As the paper notes, the measured release of this detector is
about release + attack time. Levels and gains are computed in nepers (natural log): one ``log``
per sample in, one ``exp`` per sample out.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .base import Param, Processor, real

CHUNK_FRAMES = 16384
"""Frames per inner step at most: bounds memory on whole-file blocks (30 s of stereo through a
compressor in blocks of 16384: 31 ms at 16384, 35 ms at 8192, 31 ms at 32768, measured)."""
MAX_DECAY_NEPERS = 600.0
"""Largest decay ``-ln(a^n)`` across one inner step: the scaled sums stay below about 1e270."""
MIN_TIME_MS = 0.01
DB_PER_NEPER = 20.0 / math.log(10.0)
"""20 log10(x) == log(x) * DB_PER_NEPER."""
MAX_TIME_MS = 10_000.0


def _check_bool(_proc: Processor, label: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{label} must be true or false, got {value!r}")
    return bool(value)


def static_gain_reduction_db(
    level_db: np.ndarray, threshold_db: float, ratio: float, knee_db: float
) -> np.ndarray:
    """Gain reduction in dB (>= 0) of the soft-knee static curve at input levels ``level_db``.

    Giannoulis et al. 2012, eq. 4, written as ``x_G - y_G``. ``ratio`` may be ``inf`` (limiter).
    """
    slope = 1.0 - 1.0 / ratio
    return _static(np.asarray(level_db, dtype=np.float64), threshold_db, slope, knee_db)


def _static(level_db: np.ndarray, threshold_db: float, slope: float, knee_db: float) -> np.ndarray:
    over_db = level_db - threshold_db
    if knee_db <= 0.0:
        return slope * np.maximum(over_db, 0.0)
    # In the knee: (over + W/2)^2 / (2W); above it: over. One expression for all three regions.
    in_knee = np.clip(over_db + knee_db / 2.0, 0.0, knee_db)
    above = np.maximum(over_db - knee_db / 2.0, 0.0)
    return slope * (in_knee * in_knee / (2.0 * knee_db) + above)


def one_pole_alpha(time_ms: float, sample_rate: int) -> float:
    """Smoothing coefficient ``exp(-1 / (tau fs))``: a step reaches 1 - 1/e after ``time_ms``."""
    return math.exp(-1.0 / (time_ms / 1000.0 * sample_rate))


@functools.lru_cache(maxsize=64)
def _exp_ramp(rate: float, frames: int) -> np.ndarray:
    """``exp(rate * k)`` for ``k = 0 .. frames - 1``, read-only: shared by every compressor with
    the same time constants, so 64 of them cost the cache no more than one."""
    ramp = np.exp(np.arange(frames) * rate)
    ramp.flags.writeable = False
    return ramp


class Compressor(Processor):
    """Feed-forward peak compressor with soft knee (see the module docstring for the design).

    Parameters: ``threshold_db`` (dBFS), ``ratio`` (>= 1, ``inf`` limits), ``attack_ms`` and
    ``release_ms`` (time constants: 1 - 1/e of a step), ``knee_db`` (total knee width),
    ``makeup_db``, ``stereo_link``. ``amount`` scales the whole gain change in dB: the slope
    ``1 - 1/ratio`` and ``makeup_db`` are multiplied by it (the ratio moves toward 1), so amount 0.5
    gives exactly half the gain reduction, in dB, at every sample. After each block,
    ``gain_reduction_db`` holds the largest gain reduction in that block (dB, >= 0, no makeup).
    """

    threshold_db: Param[float] = Param(real(-120.0, 24.0, unit="dB"), "Threshold in dBFS.")
    ratio: Param[float] = Param(real(1.0, allow_inf=True), "Ratio, >= 1 (inf: limiter).")
    attack_ms: Param[float] = Param(real(MIN_TIME_MS, MAX_TIME_MS, unit="ms"), "Attack in ms.")
    release_ms: Param[float] = Param(real(MIN_TIME_MS, MAX_TIME_MS, unit="ms"), "Release in ms.")
    knee_db: Param[float] = Param(real(0.0, 48.0, unit="dB"), "Knee width in dB.")
    makeup_db: Param[float] = Param(real(-48.0, 48.0, unit="dB"), "Makeup gain in dB.")
    stereo_link: Param[bool] = Param(_check_bool, "One gain for both channels.")

    def __init__(
        self,
        sample_rate: int,
        threshold_db: float = -20.0,
        ratio: float = 4.0,
        attack_ms: float = 10.0,
        release_ms: float = 100.0,
        knee_db: float = 6.0,
        makeup_db: float = 0.0,
        stereo_link: bool = True,
        amount: float = 1.0,
    ) -> None:
        super().__init__(sample_rate, amount)
        self.threshold_db = threshold_db
        self.ratio = ratio
        self.attack_ms = attack_ms
        self.release_ms = release_ms
        self.knee_db = knee_db
        self.makeup_db = makeup_db
        self.stereo_link = stereo_link
        self.gain_reduction_db = 0.0
        # Detector state per detector channel, in nepers of gain reduction: y1[-1] and y_L[-1].
        self._peak_state: list[float] = []
        self._smooth_state: list[float] = []

    def reset(self) -> None:
        self._peak_state = []
        self._smooth_state = []
        self.gain_reduction_db = 0.0

    def _update(self) -> None:
        amount = self.effective_amount
        self._slope = (1.0 - 1.0 / self.ratio) * amount
        self._makeup_nepers = self.makeup_db * amount / DB_PER_NEPER
        # The static curve in nepers above the knee's start: o = ln(max(|x| / m0, 1)).
        self._knee_nepers = self.knee_db / DB_PER_NEPER
        knee_start_db = self.threshold_db - self.knee_db / 2.0
        self._inv_knee_start = 10.0 ** (-knee_start_db / 20.0)
        # -ln(alpha) per frame of each one-pole, and the scale ramps of the inner steps.
        release = 1.0 / (self.release_ms / 1000.0 * self.sample_rate)
        attack = 1.0 / (self.attack_ms / 1000.0 * self.sample_rate)
        self._alpha_release = one_pole_alpha(self.release_ms, self.sample_rate)
        self._alpha_attack = one_pole_alpha(self.attack_ms, self.sample_rate)
        frames = int(MAX_DECAY_NEPERS / max(release, attack))
        self._step_frames = max(1, min(CHUNK_FRAMES, frames))
        self._release_up = _exp_ramp(release, self._step_frames)  # a_R^-k
        self._release_to_attack = _exp_ramp(attack - release, self._step_frames)  # a_A^-k a_R^k
        self._attack_down = _exp_ramp(-attack, self._step_frames)  # a_A^k

    def _process(self, x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        peak_nepers = 0.0
        for start in range(0, x.shape[0], self._step_frames):
            stop = min(start + self._step_frames, x.shape[0])
            peak_nepers = max(peak_nepers, self._process_step(x[start:stop], out[start:stop]))
        self.gain_reduction_db = peak_nepers * DB_PER_NEPER
        return out

    def _targets(self, x: np.ndarray) -> list[np.ndarray]:
        """The static curve's gain reduction in nepers, one float64 row per detector channel."""
        magnitude = np.abs(x)
        if x.shape[1] == 1:
            rows = [magnitude[:, 0]]
        elif self.stereo_link:
            rows = [np.maximum(magnitude[:, 0], magnitude[:, 1])]
        else:
            rows = [magnitude[:, 0], magnitude[:, 1]]
        targets = []
        for row in rows:
            # Levels above the knee's start, >= 0 exactly (the floor also keeps log off zero).
            over = np.multiply(row, self._inv_knee_start, dtype=np.float64)
            np.maximum(over, 1.0, out=over)
            np.log(over, out=over)
            if self._knee_nepers > 0.0:
                # (over)^2 / (2W) in the knee, then over - W/2 above it: eq. 4 from its start.
                knee = np.minimum(over, self._knee_nepers)
                over -= knee
                knee *= knee
                knee /= 2.0 * self._knee_nepers
                over += knee
            over *= self._slope
            targets.append(over)
        return targets

    def _process_step(self, x: np.ndarray, out: np.ndarray) -> float:
        """Compress ``x`` (at most ``_step_frames`` frames) into ``out``; the peak reduction."""
        frames = x.shape[0]
        targets = self._targets(x)
        if len(self._peak_state) != len(targets):
            self._peak_state = [0.0] * len(targets)
            self._smooth_state = [0.0] * len(targets)
        alpha_r, alpha_a = self._alpha_release, self._alpha_attack
        release_up = self._release_up[:frames]
        gains = []
        peak_nepers = 0.0
        for row, target in enumerate(targets):
            # Stage 1, scaled by a_R^-n: the release one-pole r, then the held excess over it.
            target *= release_up
            released = np.cumsum(target)
            released *= 1.0 - alpha_r
            released += alpha_r * self._peak_state[row]
            target -= released
            np.maximum(target, 0.0, out=target)
            held = np.fmax.accumulate(target)
            held += released  # y1 * a_R^-n
            self._peak_state[row] = float(held[-1]) / float(release_up[-1])
            # Stage 2, scaled by a_A^-n: the attack one-pole on y1.
            held *= self._release_to_attack[:frames]
            smooth = np.cumsum(held, out=released)
            smooth *= 1.0 - alpha_a
            smooth += alpha_a * self._smooth_state[row]
            smooth *= self._attack_down[:frames]  # y_L
            self._smooth_state[row] = float(smooth[-1])
            peak_nepers = max(peak_nepers, float(smooth.max()))
            np.subtract(self._makeup_nepers, smooth, out=smooth)
            gains.append(np.exp(smooth, out=smooth).astype(np.float32))
        # Channel by channel: much faster than broadcasting a column over (frames, 2).
        for channel in range(x.shape[1]):
            np.multiply(x[:, channel], gains[channel % len(gains)], out=out[:, channel])
        return peak_nepers
