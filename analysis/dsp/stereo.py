"""Stereo image: mid/side width, and mono below a frequency (a Linkwitz-Riley split of the side).

Mid/side with ``M = (L + R) / 2``, ``S = (L - R) / 2``, back with ``L = M + S``, ``R = M - S``.
Both processors pass mono blocks through unchanged.
"""

from __future__ import annotations

import numpy as np

from .base import Param, Processor, frequency, real
from .biquad import linkwitz_riley_highpass_sos
from .eq import HIGHPASS_NEUTRAL_HZ
from .sosfilter import SosFilter

MAX_WIDTH = 4.0


class Width(Processor):
    """Scale the side signal: ``S' = width * S``.

    ``width`` 0 is mono (L == R == M), 1 unchanged, 2 doubles the side (+6 dB). The mid is never
    touched. ``amount`` moves the width toward 1: ``1 + (width - 1) * amount``.
    """

    width: Param[float] = Param(real(0.0, MAX_WIDTH), "Side gain: 0 mono, 1 unchanged, 2 double.")

    def __init__(self, sample_rate: int, width: float = 1.0, amount: float = 1.0) -> None:
        super().__init__(sample_rate, amount)
        self.width = width
        self._side_gain = 1.0

    def _update(self) -> None:
        self._side_gain = 1.0 + (self.width - 1.0) * self.effective_amount

    def _process(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 1 or self._side_gain == 1.0:
            return x
        left = x[:, 0]
        right = x[:, 1]
        mid = (left + right) * np.float32(0.5)
        side = (left - right) * np.float32(0.5 * self._side_gain)
        return np.stack([mid + side, mid - side], axis=1)


class MonoBelow(Processor):
    """Make everything below ``freq_hz`` mono, leaving the mid untouched.

    The side is high-passed with a 4th-order Linkwitz-Riley filter (two Butterworth 2nd-order
    sections, -6 dB at ``freq_hz``, 24 dB/octave): ``S' = HP_LR4(S)``, ``L = M + S'``,
    ``R = M - S'``. The mid passes without any filter, so the mono sum ``L + R = 2M`` equals
    the input's (to float32 rounding): mono compatibility and the low end's punch are unchanged.
    The cost is the high-pass's phase rotation of the side near ``freq_hz`` (about 10 degrees at
    16x ``freq_hz``, vanishing above). ``amount`` moves the frequency geometrically toward 10 Hz:
    ``10 * (freq_hz / 10) ** amount``.
    """

    freq_hz: Param[float] = Param(frequency, "Crossover frequency in Hz.")

    def __init__(self, sample_rate: int, freq_hz: float = 120.0, amount: float = 1.0) -> None:
        super().__init__(sample_rate, amount)
        self.freq_hz = freq_hz
        self._filter = SosFilter()

    def _update(self) -> None:
        amount = self.effective_amount
        freq_hz = HIGHPASS_NEUTRAL_HZ * (self.freq_hz / HIGHPASS_NEUTRAL_HZ) ** amount
        self._filter.sos = linkwitz_riley_highpass_sos(freq_hz, self.sample_rate)

    def reset(self) -> None:
        self._filter.reset()

    def _process(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 1:
            return x
        rows = np.ascontiguousarray(x.T, dtype=np.float64)
        mid = (rows[0] + rows[1]) * 0.5
        side = self._filter.filter_rows(((rows[0] - rows[1]) * 0.5)[np.newaxis, :])[0]
        return np.stack([mid + side, mid - side], axis=1).astype(np.float32)
