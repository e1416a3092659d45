"""How numbers are written for people: signed levels ('+1.2 dB'), percentages, frequencies and
values that may be missing, so the app, the command line and the reports write them alike."""

from __future__ import annotations


def signed(value: float, unit: str = "") -> str:
    """One decimal with its sign, then the unit: '+1.2 dB', '-12.8 LU', '+0.5' (no unit); a value
    that rounds to zero is '+0.0', never '-0.0'."""
    return f"{round(value, 1) + 0.0:+.1f} {unit}".rstrip()


def signed_db(value: float) -> str:
    """A gain or level difference: '+1.2 dB', '-3.0 dB'."""
    return signed(value, "dB")


def percent(fraction: float) -> str:
    """A fraction as a whole percentage: 0.75 -> '75%'."""
    return f"{fraction * 100:.0f}%"


def hz(freq_hz: float) -> str:
    """A frequency as a mixer writes it: '80 Hz', '1.6 kHz', '12.5 kHz'."""
    if freq_hz >= 1000:
        return f"{freq_hz / 1000:.3g} kHz"
    return f"{freq_hz:.0f} Hz"


def fixed(value: float | None, spec: str = ".1f", missing: str = "n/a") -> str:
    """A value in a fixed format ('-14.2' for '.1f'), or ``missing`` when there is none."""
    return missing if value is None else f"{value:{spec}}"
