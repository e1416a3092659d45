"""Numbers as people read them: one decimal with a sign for levels, whole percentages,
frequencies in Hz or kHz, and a placeholder for a missing value."""

from __future__ import annotations

from mixreview.analysis.numbers import fixed, hz, percent, ratio, rounded, signed, signed_db


def test_signed_levels_carry_their_sign_and_unit() -> None:
    assert signed_db(1.24) == "+1.2 dB"
    assert signed_db(-3.0) == "-3.0 dB"
    assert signed(-12.84, "LU") == "-12.8 LU"
    assert signed(0.5) == "+0.5"


def test_percentages_frequencies_and_missing_values() -> None:
    assert percent(0.75) == "75%"
    assert hz(80.0) == "80 Hz"
    assert hz(1250.0) == "1.25 kHz"
    assert hz(12500.0) == "12.5 kHz"
    assert fixed(-14.24) == "-14.2"
    assert fixed(0.912, "+.2f") == "+0.91"
    assert fixed(None) == "n/a"
    assert fixed(None, missing="-") == "-"


def test_halves_round_away_from_zero_as_people_round() -> None:
    assert signed_db(-7.0 * 0.75) == "-5.3 dB"  # Python's round() gives -5.2 (half to even)
    assert signed_db(1.25) == "+1.3 dB"
    assert signed(0.35, "LU") == "+0.4 LU"  # as written, though the float is 0.34999...
    assert signed_db(-0.04) == "+0.0 dB"
    assert fixed(-14.25) == "-14.3"
    assert fixed(0.125, "+.2f") == "+0.13"
    assert percent(0.125) == "13%"
    assert hz(80.5) == "81 Hz"
    assert rounded(2.5) == 3.0 and rounded(-2.5) == -3.0
    assert rounded(float("inf")) == float("inf")


def test_ratios_have_at_most_one_decimal() -> None:
    assert ratio(4.0) == "4:1"
    assert ratio(1.0 / (1.0 - 0.75 * 0.75)) == "2.3:1"  # 4:1 at 75% strength
    assert ratio(1.96) == "2:1"
    assert ratio(20.0) == "20:1"
    assert ratio(float("inf")) == "inf:1"
