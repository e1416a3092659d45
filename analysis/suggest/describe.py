"""One-line descriptions of a change's parameters, in the words a mixer uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mixreview.analysis.dsp.eq import HIGHPASS_NEUTRAL_HZ, LOWPASS_NEUTRAL_FRACTION
from mixreview.analysis.numbers import hz, percent, ratio, rounded, signed_db


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
    return f"{shape} {freq} {signed_db(gain)}" + (f" Q {float(q):.1f}" if q else "")


def _pan(pan: float) -> str:
    if abs(pan) < 0.005:
        return "pan centre"
    return f"pan {'L' if pan < 0 else 'R'}{rounded(abs(pan) * 100):.0f}"


def describe_params(kind: str, params: Mapping[str, Any]) -> str:
    """E.g. 'bell 80 Hz -3.0 dB Q 1.4', '+2.5 dB in Chorus', 'mono below 120 Hz'."""
    p = params
    if kind in ("gain", "headroom"):
        return signed_db(float(p["gain_db"]))
    if kind == "section_gain":
        segments = p.get("segments", [p])  # one may be given inline, as the processor takes it
        if not segments:  # none: the processor changes nothing
            return "no segments"
        return ", ".join(
            f"{signed_db(float(s['gain_db']))} at "
            f"{float(s['start_s']):.1f}-{float(s['end_s']):.1f} s"
            for s in segments
        )
    if kind == "unmask":
        gain = signed_db(float(p["gain_db"]))
        return f"cut {hz(float(p['freq_hz']))} {gain} Q {float(p['q']):.1f}"
    if kind == "eq":
        bands = p.get("bands", [p])
        return "; ".join(_band(b) for b in bands) if bands else "no bands"  # a flat EQ
    if kind == "highpass":
        return _band({"type": "highpass", **p})
    if kind == "mono_bass":
        return f"mono below {hz(float(p['freq_hz']))}"
    if kind == "width":
        return f"width {percent(float(p['width']))}"
    if kind == "pan":
        return _pan(float(p["pan"]))
    if kind == "polarity":
        channels = p.get("channels", "both")
        return "flip polarity" + ("" if channels == "both" else f" of the {channels} channel")
    if kind == "compressor":
        text = (
            f"threshold {float(p['threshold_db']):.1f} dB, {ratio(float(p['ratio']))}, attack "
            f"{float(p['attack_ms']):g} ms, release {float(p['release_ms']):g} ms"
        )
        makeup = float(p.get("makeup_db", 0.0))
        return text + (f", makeup {signed_db(makeup)}" if makeup else "")
    return ", ".join(f"{k}={v}" for k, v in p.items())


def _scaled_band(band: Mapping[str, Any], amount: float) -> dict[str, Any]:
    """A band as applied at ``amount`` (the EQ's own rule: gains scale, pass cut-offs move
    geometrically toward 10 Hz; a low-pass at 48 kHz)."""
    kind = band.get("type", "peaking")
    if kind == "highpass":
        return {
            **band,
            "freq_hz": HIGHPASS_NEUTRAL_HZ
            * (float(band["freq_hz"]) / HIGHPASS_NEUTRAL_HZ) ** amount,
        }
    if kind == "lowpass":
        neutral_hz = LOWPASS_NEUTRAL_FRACTION * 48000
        return {**band, "freq_hz": neutral_hz * (float(band["freq_hz"]) / neutral_hz) ** amount}
    return {**band, "gain_db": float(band.get("gain_db", 0.0)) * amount}


def applied_params(kind: str, params: Mapping[str, Any], amount: float) -> dict[str, Any] | None:
    """The parameters a change has when applied at ``amount`` (0..1), by the rule each processor
    uses for partial strength; None where no single figure says it (polarity is on or off)."""
    p, a = dict(params), float(amount)
    if kind in ("gain", "headroom"):
        return {**p, "gain_db": float(p["gain_db"]) * a}
    if kind == "section_gain":
        if "segments" in p:
            return {
                **p,
                "segments": [{**s, "gain_db": float(s["gain_db"]) * a} for s in p["segments"]],
            }
        return {**p, "gain_db": float(p["gain_db"]) * a}
    if kind == "unmask":
        return {**p, "gain_db": float(p["gain_db"]) * a}
    if kind == "eq":
        if "bands" in p:
            return {**p, "bands": [_scaled_band(b, a) for b in p["bands"]]}
        return _scaled_band(p, a)
    if kind in ("highpass", "mono_bass"):
        return {
            **p,
            "freq_hz": HIGHPASS_NEUTRAL_HZ * (float(p["freq_hz"]) / HIGHPASS_NEUTRAL_HZ) ** a,
        }
    if kind == "width":
        return {**p, "width": 1.0 + (float(p["width"]) - 1.0) * a}
    if kind == "pan":
        return {**p, "pan": float(p["pan"]) * a}
    if kind == "compressor":
        slope = (1.0 - 1.0 / float(p["ratio"])) * a
        return {**p, "ratio": 1.0 / (1.0 - slope), "makeup_db": float(p.get("makeup_db", 0.0)) * a}
    return None


def describe_amount(kind: str, params: Mapping[str, Any], amount: float) -> str:
    """The change as set and as applied: '-7.0 dB at 75% strength: -5.3 dB applied'; at full
    strength just the change."""
    text = describe_params(kind, params)
    if amount >= 0.999:
        return text
    strength = f"{text} at {percent(amount)} strength"
    if kind == "polarity":
        return f"{strength}: {'on' if amount >= 0.5 else 'off'}"
    applied = applied_params(kind, params, amount)
    if applied is None:
        return strength
    return f"{strength}: {describe_params(kind, applied)} applied"
