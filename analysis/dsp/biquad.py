"""Filter design: second-order sections from the RBJ Audio EQ Cookbook and Butterworth.

Every function returns second-order sections, an array shaped ``(sections, 6)`` with rows
``[b0, b1, b2, 1, a1, a2]`` (normalised by a0), ready for ``scipy.signal.sosfilt``.

Source: Robert Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients"
(W3C Audio EQ Cookbook). With ``w0 = 2 pi f0 / fs``, ``A = 10 ** (gain_db / 40)`` and
``alpha = sin(w0) / (2 Q)`` (shelves may use the slope ``S`` instead of ``Q``).
"""

from __future__ import annotations

import math

import numpy as np

BUTTERWORTH_Q = 1.0 / math.sqrt(2.0)


def _section(b0: float, b1: float, b2: float, a0: float, a1: float, a2: float) -> np.ndarray:
    return np.array([[b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]])


def _w0(freq_hz: float, sample_rate: int) -> float:
    if not 0 < freq_hz < sample_rate / 2:
        raise ValueError(f"freq_hz must be between 0 and {sample_rate / 2:g} Hz, got {freq_hz!r}")
    return 2.0 * math.pi * freq_hz / sample_rate


def peaking_sos(freq_hz: float, gain_db: float, q: float, sample_rate: int) -> np.ndarray:
    """Peaking EQ (bell): ``gain_db`` at ``freq_hz``, bandwidth set by ``q``."""
    w0 = _w0(freq_hz, sample_rate)
    a = 10.0 ** (gain_db / 40.0)
    alpha = math.sin(w0) / (2.0 * q)
    cos_w0 = math.cos(w0)
    return _section(
        1.0 + alpha * a, -2.0 * cos_w0, 1.0 - alpha * a,
        1.0 + alpha / a, -2.0 * cos_w0, 1.0 - alpha / a,
    )  # fmt: skip


def _shelf_alpha(w0: float, a: float, q: float | None, slope: float | None) -> float:
    if slope is not None:
        # Cookbook: alpha = sin(w0)/2 * sqrt((A + 1/A) * (1/S - 1) + 2); S = 1 is the steepest
        # slope that stays monotonic and equals Q = 1/sqrt(2).
        return math.sin(w0) / 2.0 * math.sqrt(max((a + 1.0 / a) * (1.0 / slope - 1.0) + 2.0, 0.0))
    return math.sin(w0) / (2.0 * (q if q is not None else BUTTERWORTH_Q))


def low_shelf_sos(
    freq_hz: float,
    gain_db: float,
    sample_rate: int,
    q: float | None = None,
    slope: float | None = None,
) -> np.ndarray:
    """Low shelf: ``gain_db`` below ``freq_hz`` (the midpoint of the transition, gain_db/2)."""
    w0 = _w0(freq_hz, sample_rate)
    a = 10.0 ** (gain_db / 40.0)
    alpha = _shelf_alpha(w0, a, q, slope)
    cos_w0 = math.cos(w0)
    k = 2.0 * math.sqrt(a) * alpha
    return _section(
        a * ((a + 1) - (a - 1) * cos_w0 + k),
        2 * a * ((a - 1) - (a + 1) * cos_w0),
        a * ((a + 1) - (a - 1) * cos_w0 - k),
        (a + 1) + (a - 1) * cos_w0 + k,
        -2 * ((a - 1) + (a + 1) * cos_w0),
        (a + 1) + (a - 1) * cos_w0 - k,
    )


def high_shelf_sos(
    freq_hz: float,
    gain_db: float,
    sample_rate: int,
    q: float | None = None,
    slope: float | None = None,
) -> np.ndarray:
    """High shelf: ``gain_db`` above ``freq_hz`` (the midpoint of the transition, gain_db/2)."""
    w0 = _w0(freq_hz, sample_rate)
    a = 10.0 ** (gain_db / 40.0)
    alpha = _shelf_alpha(w0, a, q, slope)
    cos_w0 = math.cos(w0)
    k = 2.0 * math.sqrt(a) * alpha
    return _section(
        a * ((a + 1) + (a - 1) * cos_w0 + k),
        -2 * a * ((a - 1) + (a + 1) * cos_w0),
        a * ((a + 1) + (a - 1) * cos_w0 - k),
        (a + 1) - (a - 1) * cos_w0 + k,
        2 * ((a - 1) - (a + 1) * cos_w0),
        (a + 1) - (a - 1) * cos_w0 - k,
    )


def butterworth_sos(order: int, freq_hz: float, kind: str, sample_rate: float) -> np.ndarray:
    """A Butterworth low- or high-pass of any order as second-order sections, designed as
    ``scipy.signal.butter(..., output="sos")`` designs it (prewarped analog prototype, bilinear
    transform, the poles nearest the unit circle last, the gain in the first section): the same
    poles, zeros and gain; for even orders the same sections. numpy only: planning a suggestion
    needs no scipy.signal, which takes half a second to import."""
    fs2 = 2.0 * sample_rate
    warped = fs2 * math.tan(math.pi * freq_hz / sample_rate)
    prototype = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))
    if kind == "lowpass":
        poles, zero = warped * prototype, -1.0
        gain = float(np.real(warped**order / np.prod(fs2 - poles)))
    else:
        poles, zero = warped / prototype, 1.0
        gain = float(np.real(fs2**order / np.prod(fs2 - poles)))
    digital = (fs2 + poles) / (fs2 - poles)
    sections = [(abs(p), -2.0 * p.real, abs(p) ** 2) for p in digital if p.imag > 1e-12]
    sections += [(abs(p), -p.real, 0.0) for p in digital if abs(p.imag) <= 1e-12]
    sections.sort(key=lambda section: section[0])
    sos = np.array([[1.0, -2.0 * zero, 1.0, 1.0, a1, a2] for _, a1, a2 in sections])
    if order % 2:  # one zero left over: in the last section
        sos[-1, :3] = [1.0, -zero, 0.0]
    sos[0, :3] *= gain
    return sos


def _pass_sos(kind: str, freq_hz: float, q: float, order: int, sample_rate: int) -> np.ndarray:
    w0 = _w0(freq_hz, sample_rate)
    if order != 2:
        return butterworth_sos(order, freq_hz, kind, sample_rate)
    alpha = math.sin(w0) / (2.0 * q)
    cos_w0 = math.cos(w0)
    if kind == "highpass":
        b0, b1 = (1.0 + cos_w0) / 2.0, -(1.0 + cos_w0)
    else:
        b0, b1 = (1.0 - cos_w0) / 2.0, 1.0 - cos_w0
    return _section(b0, b1, b0, 1.0 + alpha, -2.0 * cos_w0, 1.0 - alpha)


def highpass_sos(
    freq_hz: float, sample_rate: int, q: float = BUTTERWORTH_Q, order: int = 2
) -> np.ndarray:
    """High-pass, -3 dB at ``freq_hz`` for Butterworth, ``6 * order`` dB/octave.

    Order 2 is the cookbook HPF with resonance ``q`` (0.7071 is Butterworth); any other order is
    a Butterworth design from ``scipy.signal.butter`` (q is not used).
    """
    return _pass_sos("highpass", freq_hz, q, order, sample_rate)


def lowpass_sos(
    freq_hz: float, sample_rate: int, q: float = BUTTERWORTH_Q, order: int = 2
) -> np.ndarray:
    """Low-pass, the mirror of :func:`highpass_sos`."""
    return _pass_sos("lowpass", freq_hz, q, order, sample_rate)


def linkwitz_riley_highpass_sos(freq_hz: float, sample_rate: int) -> np.ndarray:
    """Linkwitz-Riley 4th-order (24 dB/octave) high-pass: two Butterworth 2nd-order sections.

    -6 dB at ``freq_hz``; its low-pass twin sums with it to an all-pass (flat magnitude).
    """
    section = highpass_sos(freq_hz, sample_rate, BUTTERWORTH_Q, 2)
    return np.vstack([section, section])
