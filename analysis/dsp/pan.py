"""Pan (mono in, stereo out) and balance (stereo in), both with a constant-power law."""

from __future__ import annotations

import math

import numpy as np

from .base import Param, Processor, real


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power (sin/cos) gains for a mono source at ``pan`` in -1 (left)..+1 (right).

    ``left = cos(theta)``, ``right = sin(theta)``, ``theta = (pan + 1) * pi / 4``, so
    ``left**2 + right**2 == 1`` everywhere and the centre is -3.01 dB per side.
    """
    theta = (pan + 1.0) * math.pi / 4.0
    return math.cos(theta), math.sin(theta)


def balance_gains(pan: float) -> tuple[float, float]:
    """Constant-power balance gains for a stereo source: the pan law scaled to unity at centre.

    ``left = sqrt(2) cos(theta)``, ``right = sqrt(2) sin(theta)``: the far side is attenuated
    (to silence at +-1), the near side rises by up to +3.01 dB, and ``left**2 + right**2 == 2``, so
    a source with equal energy in both channels keeps its power. Exactly (1, 1) at pan 0.
    """
    if pan == 0.0:
        return 1.0, 1.0
    left, right = pan_gains(pan)
    return math.sqrt(2.0) * left, math.sqrt(2.0) * right


class Pan(Processor):
    """Place a source in the stereo field, ``pan`` in -1 (hard left) .. +1 (hard right).

    Mono input ``(frames, 1)`` becomes stereo ``(frames, 2)`` with the -3 dB constant-power law
    (:func:`pan_gains`). Stereo input gets a constant-power balance (:func:`balance_gains`).
    ``amount`` scales the pan position toward the centre. At amount 0 the processor is an exact
    bypass, so a mono block stays mono; at any amount above 0 mono becomes stereo at -3 dB per
    side at the centre, the level a mixer using the same law gives an unpanned mono stem.
    """

    pan: Param[float] = Param(real(-1.0, 1.0), "Position, -1 (left) .. +1 (right).")

    def __init__(self, sample_rate: int, pan: float = 0.0, amount: float = 1.0) -> None:
        super().__init__(sample_rate, amount)
        self.pan = pan
        self._mono_gains = np.ones(2, dtype=np.float32)
        self._stereo_gains = np.ones(2, dtype=np.float32)

    def _update(self) -> None:
        pan = self.pan * self.effective_amount
        self._mono_gains = np.array(pan_gains(pan), dtype=np.float32)
        self._stereo_gains = np.array(balance_gains(pan), dtype=np.float32)

    def _process(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 1:
            return x * self._mono_gains
        if np.all(self._stereo_gains == 1.0):
            return x
        return x * self._stereo_gains
