"""One-line descriptions of a change's parameters, in the words a mixer uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def hz(freq_hz: float) -> str:
    """'80 Hz', '1.6 kHz'."""
    if freq_hz >= 1000:
        return f"{freq_hz / 1000:.3g} kHz"
    return f"{freq_hz:.0f} Hz"


def _band(band: Mapping[str, Any]) -> str:
    kind = band.get("type", "peaking")
    freq = hz(float(band.get("freq_hz", 0)))
    if kind in ("highpass", "lowpass"):
        order = int(band.get("order", 2))
        return f"{'high' if kind == 'highpass' else 'low'}-pass {freq}, {6 * order} dB/oct"
    gain = float(band.get("gain_db", 0.0))
    shape = {"peaking": "bell", "low_shelf": "low shelf", "high_shelf": "high shelf"}.get(
        kind, kind
    )
    q = band.get("q")
    return f"{shape} {freq} {gain:+.1f} dB" + (f" Q {float(q):.1f}" if q else "")


def _pan(pan: float) -> str:
    if abs(pan) < 0.005:
        return "pan centre"
    return f"pan {'L' if pan < 0 else 'R'}{abs(pan) * 100:.0f}"


def describe_params(kind: str, params: Mapping[str, Any]) -> str:
    """E.g. 'bell 80 Hz -3.0 dB Q 1.4', '+2.5 dB in Chorus', 'mono below 120 Hz'."""
    p = params
    if kind in ("gain", "headroom"):
        return f"{float(p['gain_db']):+.1f} dB"
    if kind == "section_gain":
        segments = p.get("segments") or [p]
        return ", ".join(
            f"{float(s['gain_db']):+.1f} dB at {float(s['start_s']):.1f}-{float(s['end_s']):.1f} s"
            for s in segments
        )
    if kind == "unmask":
        return f"cut {hz(float(p['freq_hz']))} {float(p['gain_db']):+.1f} dB Q {float(p['q']):.1f}"
    if kind == "eq":
        bands = p.get("bands") or [p]
        return "; ".join(_band(b) for b in bands)
    if kind == "highpass":
        return _band({"type": "highpass", **p})
    if kind == "mono_bass":
        return f"mono below {hz(float(p['freq_hz']))}"
    if kind == "width":
        return f"width {float(p['width']) * 100:.0f}%"
    if kind == "pan":
        return _pan(float(p["pan"]))
    if kind == "polarity":
        channels = p.get("channels", "both")
        return "flip polarity" + ("" if channels == "both" else f" of the {channels} channel")
    if kind == "compressor":
        ratio = float(p["ratio"])
        text = (
            f"threshold {float(p['threshold_db']):.1f} dB, {ratio:g}:1, attack "
            f"{float(p['attack_ms']):g} ms, release {float(p['release_ms']):g} ms"
        )
        makeup = float(p.get("makeup_db", 0.0))
        return text + (f", makeup {makeup:+.1f} dB" if makeup else "")
    return ", ".join(f"{k}={v}" for k, v in p.items())
