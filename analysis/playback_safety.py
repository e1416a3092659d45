"""The monitor's safety stage: keeps what goes to the sound card under full scale.

A mix that peaks over 0 dBFS is fine in a float file but clips a real sound card. Before each
block leaves the player, its peak is checked; when it would pass the ceiling, the gain drops at
once to what keeps it under and then holds (no release, so A/B levels never pump) until new
versions are set. The drop is shown on the transport; it never reaches an export.
"""

from __future__ import annotations

import math

import numpy as np

CEILING_DBFS = -0.3
CEILING = 10.0 ** (CEILING_DBFS / 20.0)


class SafetyStage:
    """A hold-only gain drop that keeps every output sample at or under ``CEILING``."""

    def __init__(self) -> None:
        self.gain = 1.0

    @property
    def gain_db(self) -> float:
        """The drop in dB (0 or below)."""
        return 20.0 * math.log10(self.gain) if self.gain < 1.0 else 0.0

    def reset(self) -> None:
        self.gain = 1.0

    def process(self, out: np.ndarray) -> None:
        """Scale ``out`` in place (the audio callback's block; nothing is allocated)."""
        if not out.size:
            return
        peak = max(float(out.max()), -float(out.min()))
        if peak * self.gain > CEILING:
            self.gain = CEILING / peak
        if self.gain < 1.0:
            np.multiply(out, np.float32(self.gain), out=out)
