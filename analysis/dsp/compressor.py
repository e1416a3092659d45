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
second stage is a linear one-pole (``scipy.signal.lfilter``). The first stage is a maximum of
monotone affine maps, which unrolls to ``y1[n] = r[n] + max(0, max_k a_R^(n-k) (x_L[k] - r[k]))``
where ``r`` is the release one-pole run on ``x_L`` (started from ``y1[-1]``). In the log domain
the inner maximum is a running maximum, ``np.maximum.accumulate``. The result equals the
recursion to float64 rounding. As the paper notes, the measured release of this detector is
about release + attack time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import signal

from .base import Param, Processor, real

CHUNK_FRAMES = 8192
"""Frames per inner step: bounds memory on whole-file blocks and the log-domain offsets."""
LEVEL_FLOOR = 1e-12
"""-240 dBFS: the level of silence, so log10 never sees zero."""
MIN_TIME_MS = 0.01
TINY = float(np.finfo(np.float64).tiny)
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
        self._peak_state: np.ndarray | None = None  # y1[-1] per detector channel, dB
        self._smooth_state: np.ndarray | None = None  # y_L[-1] per detector channel, dB

    def reset(self) -> None:
        self._peak_state = None
        self._smooth_state = None
        self.gain_reduction_db = 0.0

    def _update(self) -> None:
        amount = self.effective_amount
        self._slope = (1.0 - 1.0 / self.ratio) * amount
        self._makeup_db = self.makeup_db * amount
        self._alpha_attack = one_pole_alpha(self.attack_ms, self.sample_rate)
        self._alpha_release = one_pole_alpha(self.release_ms, self.sample_rate)
        self._attack_ba = (
            np.array([1.0 - self._alpha_attack]),
            np.array([1.0, -self._alpha_attack]),
        )
        self._release_ba = (
            np.array([1.0 - self._alpha_release]),
            np.array([1.0, -self._alpha_release]),
        )
        # -log(alpha_release) per frame: the decay of a held peak, in the log domain.
        decay_per_frame = 1.0 / (self.release_ms / 1000.0 * self.sample_rate)
        self._offsets = np.arange(CHUNK_FRAMES) * decay_per_frame

    def _process(self, x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        peak_gr_db = 0.0
        for start in range(0, x.shape[0], CHUNK_FRAMES):
            stop = min(start + CHUNK_FRAMES, x.shape[0])
            out[start:stop], chunk_peak_db = self._process_chunk(x[start:stop])
            peak_gr_db = max(peak_gr_db, chunk_peak_db)
        self.gain_reduction_db = peak_gr_db
        return out

    def _levels_db(self, x: np.ndarray) -> np.ndarray:
        """Detector input level in dB, rows ``(detector channels, frames)``."""
        if x.shape[1] == 1:
            magnitude = np.abs(x[:, 0])[np.newaxis, :]
        elif self.stereo_link:
            magnitude = np.maximum(np.abs(x[:, 0]), np.abs(x[:, 1]))[np.newaxis, :]
        else:
            magnitude = np.abs(x.T)
        magnitude = np.maximum(magnitude, LEVEL_FLOOR, dtype=np.float64)
        return np.log(magnitude, out=magnitude) * DB_PER_NEPER

    def _process_chunk(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        target_db = _static(self._levels_db(x), self.threshold_db, self._slope, self.knee_db)
        rows = target_db.shape[0]
        if self._peak_state is None or self._peak_state.shape[0] != rows:
            self._peak_state = np.zeros(rows)
            self._smooth_state = np.zeros(rows)
        assert self._smooth_state is not None
        peak_db = self._peak_hold(target_db)
        b, a = self._attack_ba
        smooth_db, _ = signal.lfilter(
            b, a, peak_db, axis=-1, zi=self._alpha_attack * self._smooth_state[:, np.newaxis]
        )
        self._peak_state = peak_db[:, -1].copy()
        self._smooth_state = smooth_db[:, -1].copy()
        # 10 ** (g / 20) as exp(g / DB_PER_NEPER): several times faster than np.power.
        gain = np.exp((self._makeup_db - smooth_db) / DB_PER_NEPER).astype(np.float32)
        peak_gr_db = float(smooth_db.max())
        if rows == 1:
            return x * gain[0][:, np.newaxis], peak_gr_db
        return x * gain.T, peak_gr_db

    def _peak_hold(self, target_db: np.ndarray) -> np.ndarray:
        """First detector stage, ``y1[n] = max(x[n], a_R y1[n-1] + (1 - a_R) x[n])``, vectorised."""
        assert self._peak_state is not None
        b, a = self._release_ba
        released, _ = signal.lfilter(
            b, a, target_db, axis=-1, zi=self._alpha_release * self._peak_state[:, np.newaxis]
        )
        # max_k a^(n-k) excess[k] over positive excess, as a running max in the log domain.
        # Non-positive excess is floored at TINY: its term is then below 1e-300 dB, i.e. nothing.
        offsets = self._offsets[: target_db.shape[1]]
        log_excess = np.log(np.maximum(target_db - released, TINY)) + offsets
        held = np.exp(np.maximum.accumulate(log_excess, axis=-1) - offsets)
        return released + held
