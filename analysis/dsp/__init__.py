"""Block processors that make suggestions audible: the same code renders offline and plays live.

Every processor takes float32 blocks shaped ``(frames, channels)`` (1 or 2 channels), carries
its state between calls so block size never changes the result, and has an ``amount`` in 0..1
(0 exact bypass, 1 full effect). See docs/processors.md.
"""

from .automation import SectionGain, Segment, gain_curve_db
from .base import Param, Processor
from .chain import Chain
from .compressor import Compressor, static_gain_reduction_db
from .eq import (
    EQ,
    Band,
    eq_response_db,
    high_shelf,
    highpass,
    low_shelf,
    lowpass,
    peaking,
)
from .factory import BUILDERS, build_processor
from .gain import Gain, Polarity
from .pan import Pan, balance_gains, pan_gains
from .stereo import MonoBelow, Width

__all__ = [
    "BUILDERS",
    "EQ",
    "Band",
    "Chain",
    "Compressor",
    "Gain",
    "MonoBelow",
    "Pan",
    "Param",
    "Polarity",
    "Processor",
    "SectionGain",
    "Segment",
    "Width",
    "balance_gains",
    "build_processor",
    "eq_response_db",
    "gain_curve_db",
    "high_shelf",
    "highpass",
    "low_shelf",
    "lowpass",
    "pan_gains",
    "peaking",
    "static_gain_reduction_db",
]
