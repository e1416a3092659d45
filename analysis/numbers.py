"""How numbers are written for people: signed levels ('+1.2 dB'), percentages, frequencies, ratios
and values that may be missing, so the app, the command line and the reports write them alike.

Halves round away from zero, as a person rounds: -5.25 dB is '-5.3 dB' (Python's round() and
format() round an exact half to even and would write '-5.2 dB')."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

_FIXED_PLACES = re.compile(r"\.(\d+)f$")


def rounded(value: float, places: int = 0) -> float:
    """``value`` to ``places`` decimals, halves away from zero, taking the value as it is written
    (its shortest repr): -5.25 -> -5.3, 0.35 -> 0.4, 2.5 -> 3.0 (places 0). Values too large to
    have decimals, infinities and NaN come back unchanged."""
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e15:
        return value
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def signed(value: float, unit: str = "") -> str:
    """One decimal with its sign, then the unit: '+1.2 dB', '-12.8 LU', '+0.5' (no unit); a value
    that rounds to zero is '+0.0', never '-0.0'."""
    return f"{rounded(value, 1) + 0.0:+.1f} {unit}".rstrip()


def signed_db(value: float) -> str:
    """A gain or level difference: '+1.2 dB', '-3.0 dB'."""
    return signed(value, "dB")


def percent(fraction: float) -> str:
    """A fraction as a whole percentage: 0.75 -> '75%'."""
    return f"{rounded(fraction * 100):.0f}%"


def hz(freq_hz: float) -> str:
    """A frequency as a mixer writes it: '80 Hz', '1.6 kHz', '12.5 kHz'."""
    if freq_hz >= 1000:
        khz = freq_hz / 1000
        return f"{rounded(khz, 2 if khz < 10 else 1 if khz < 100 else 0):.3g} kHz"
    return f"{rounded(freq_hz):.0f} Hz"


def ratio(value: float) -> str:
    """A compressor's ratio with at most one decimal: '4:1', '2.3:1', 'inf:1' (a limiter)."""
    text = f"{rounded(value, 1):.1f}"
    return (text.removesuffix(".0") if "." in text else text) + ":1"


def fixed(value: float | None, spec: str = ".1f", missing: str = "n/a") -> str:
    """A value in a fixed format ('-14.3' for '.1f' and -14.25), or ``missing`` when there is
    none."""
    if value is None:
        return missing
    places = _FIXED_PLACES.search(spec)
    if places is not None:
        value = rounded(value, int(places.group(1)))
    return f"{value:{spec}}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 stem', '3 stems': the count and its noun, singular for one."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
