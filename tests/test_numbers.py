"""Numbers as people read them: one decimal with a sign for levels, whole percentages,
frequencies in Hz or kHz, and a placeholder for a missing value."""

from __future__ import annotations

from mixreview.analysis.numbers import fixed, hz, percent, signed, signed_db


def test_signed_levels_carry_their_sign_and_unit() -> None:
    assert signed_db(1.25) == "+1.2 dB"
    assert signed_db(-3.0) == "-3.0 dB"
    assert signed(-12.84, "LU") == "-12.8 LU"
    assert signed(0.5) == "+0.5"


def test_percentages_frequencies_and_missing_values() -> None:
    assert percent(0.75) == "75%"
    assert hz(80.0) == "80 Hz"
    assert hz(1250.0) == "1.25 kHz"
    assert hz(12500.0) == "12.5 kHz"
    assert fixed(-14.25) == "-14.2"
    assert fixed(0.912, "+.2f") == "+0.91"
    assert fixed(None) == "n/a"
    assert fixed(None, missing="-") == "-"
