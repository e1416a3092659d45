"""Static gain and polarity: the simplest processors, with no state."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Param, Processor, db_to_amplitude, real

MIN_GAIN_DB = -144.0
MAX_GAIN_DB = 48.0


class Gain(Processor):
    """Multiply every sample by ``10 ** (gain_db * amount / 20)``.

    ``amount`` scales the gain in dB, so amount 0.5 of a -6 dB change is -3 dB.
    """

    gain_db: Param[float] = Param(real(MIN_GAIN_DB, MAX_GAIN_DB, unit="dB"), "Gain in dB.")

    def __init__(self, sample_rate: int, gain_db: float = 0.0, amount: float = 1.0) -> None:
        super().__init__(sample_rate, amount)
        self.gain_db = gain_db
        self._factor = np.float32(1.0)

    def _update(self) -> None:
        self._factor = np.float32(db_to_amplitude(self.gain_db * self.effective_amount))

    def _process(self, x: np.ndarray) -> np.ndarray:
        if self._factor == 1.0:
            return x
        return x * self._factor


POLARITY_CHANNELS = ("both", "left", "right")


def _channels(_proc: Processor, label: str, value: Any) -> str:
    if value not in POLARITY_CHANNELS:
        raise ValueError(f"{label} must be one of {', '.join(POLARITY_CHANNELS)}, got {value!r}")
    return str(value)


class Polarity(Processor):
    """Invert the polarity of both channels, or of the left or right one only.

    Polarity has no in-between, so ``amount`` is a switch: below 0.5 the processor is off,
    from 0.5 on it inverts. (A wet/dry mix would cancel the signal at 0.5.) A mono block has a
    single channel that is both left and right, so it is inverted whatever ``channels`` says.
    """

    channels: Param[str] = Param(_channels, "Which channels to invert: both, left or right.")

    def __init__(self, sample_rate: int, channels: str = "both", amount: float = 1.0) -> None:
        super().__init__(sample_rate, amount)
        self.channels = channels
        self._signs = np.ones(2, dtype=np.float32)

    def _update(self) -> None:
        on = self.effective_amount >= 0.5
        left = -1.0 if on and self.channels in ("both", "left") else 1.0
        right = -1.0 if on and self.channels in ("both", "right") else 1.0
        self._signs = np.array([left, right], dtype=np.float32)

    def _process(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 1:
            return -x if self.effective_amount >= 0.5 else x
        if np.all(self._signs == 1.0):
            return x
        return x * self._signs
