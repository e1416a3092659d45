"""Parameter edits from the keyboard: the main parameter of each kind and its nudge step.

``+`` / ``-`` move the main parameter one step: 0.5 dB for gains and EQ gains, a semitone
(2^(1/12), about 6 %) for frequencies, 1 dB of threshold for a compressor, 5 % for width and pan.
The manual-change form uses the same table for its fields and defaults.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mixreview.analysis.numbers import hz, percent, signed_db

SEMITONE = 2.0 ** (1.0 / 12.0)


@dataclass(frozen=True)
class Nudge:
    """What a nudge did: the new params and a line saying so (or why nothing changed)."""

    params: dict[str, Any] | None
    message: str


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _step_db(params: dict[str, Any], key: str, direction: int, low: float, high: float) -> str:
    old = float(params[key])
    params[key] = round(_clamp(old + 0.5 * direction, low, high), 2)
    return f"{signed_db(old)} → {signed_db(params[key])}"


def _step_freq(params: dict[str, Any], key: str, direction: int) -> str:
    old = float(params[key])
    params[key] = round(_clamp(old * SEMITONE**direction, 10.0, 20000.0), 1)
    return f"{hz(old)} → {hz(params[key])}"


def _nudge_band(band: dict[str, Any], direction: int) -> str:
    if band.get("type", "peaking") in ("highpass", "lowpass"):
        return "frequency " + _step_freq(band, "freq_hz", direction)
    return "gain " + _step_db(band, "gain_db", direction, -24.0, 24.0)


def nudge(kind: str, params: Mapping[str, Any], direction: int) -> Nudge:
    """Move the main parameter of ``kind`` one step up (+1) or down (-1)."""
    p = copy.deepcopy(dict(params))
    try:
        if kind in ("gain", "headroom"):
            return Nudge(p, "gain " + _step_db(p, "gain_db", direction, -48.0, 24.0))
        if kind == "section_gain":
            segments = p.get("segments")
            if segments:
                texts = [_step_db(s, "gain_db", direction, -48.0, 24.0) for s in segments]
                return Nudge(p, "section gain " + ", ".join(texts))
            return Nudge(p, "section gain " + _step_db(p, "gain_db", direction, -48.0, 24.0))
        if kind == "unmask":
            return Nudge(p, "cut " + _step_db(p, "gain_db", direction, -24.0, 0.0))
        if kind == "eq":
            if p.get("bands"):
                return Nudge(p, "band 1 " + _nudge_band(p["bands"][0], direction))
            return Nudge(p, _nudge_band(p, direction))
        if kind in ("highpass", "lowpass", "mono_bass"):
            return Nudge(p, "frequency " + _step_freq(p, "freq_hz", direction))
        if kind == "compressor":
            old = float(p["threshold_db"])
            p["threshold_db"] = round(_clamp(old + direction, -80.0, 0.0), 1)
            return Nudge(p, f"threshold {old:.1f} → {p['threshold_db']:.1f} dB")
        if kind == "width":
            old = float(p["width"])
            p["width"] = round(_clamp(old + 0.05 * direction, 0.0, 4.0), 3)
            return Nudge(p, f"width {percent(old)} → {percent(p['width'])}")
        if kind == "pan":
            old = float(p["pan"])
            p["pan"] = round(_clamp(old + 0.05 * direction, -1.0, 1.0), 3)
            return Nudge(p, f"pan {old:+.2f} → {p['pan']:+.2f}")
        if kind == "polarity":
            return Nudge(None, "polarity has no amount to nudge: accept or reject it")
    except (KeyError, TypeError, ValueError, IndexError):
        return Nudge(None, f"cannot nudge this {kind}: its parameters are not the usual ones")
    for key, value in p.items():  # an unknown kind: its first number
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            old = float(value)
            p[key] = round(old + (0.5 if key.endswith("_db") else 0.05 * abs(old)) * direction, 3)
            return Nudge(p, f"{key} {old:g} → {p[key]:g}")
    return Nudge(None, f"{kind} has no number to nudge")


def gain_of(kind: str, params: Mapping[str, Any]) -> float | None:
    """The dB a gain-like change applies (for the 'yours' estimate in the detail panel)."""
    try:
        if kind in ("gain", "headroom"):
            return float(params["gain_db"])
        if kind == "section_gain":
            segments = params.get("segments") or [params]
            return float(segments[0]["gain_db"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return None


# -- the manual-change form -------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A number the user types in the manual-change form."""

    key: str
    label: str
    default: float
    low: float
    high: float
    unit: str = ""


MANUAL_FORMS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "gain": ("Gain", (Field("gain_db", "gain", 0.0, -48.0, 24.0, "dB"),)),
    "eq": (
        "EQ band (bell)",
        (
            Field("freq_hz", "frequency", 1000.0, 20.0, 20000.0, "Hz"),
            Field("gain_db", "gain", -2.0, -24.0, 24.0, "dB"),
            Field("q", "Q", 1.0, 0.1, 18.0),
        ),
    ),
    "highpass": ("High-pass", (Field("freq_hz", "frequency", 80.0, 10.0, 2000.0, "Hz"),)),
    "compressor": (
        "Compressor",
        (
            Field("threshold_db", "threshold", -18.0, -80.0, 0.0, "dB"),
            Field("ratio", "ratio", 3.0, 1.0, 50.0, ":1"),
            Field("attack_ms", "attack", 10.0, 0.1, 500.0, "ms"),
            Field("release_ms", "release", 150.0, 5.0, 5000.0, "ms"),
            Field("makeup_db", "makeup", 0.0, -24.0, 24.0, "dB"),
        ),
    ),
    "width": ("Width", (Field("width", "width", 1.0, 0.0, 4.0, "x (0 mono, 1 as is)"),)),
    "pan": ("Pan", (Field("pan", "pan", 0.0, -1.0, 1.0, "(-1 left, +1 right)"),)),
}


def manual_params(kind: str, values: Mapping[str, str]) -> tuple[dict[str, Any] | None, str]:
    """Validate the form's text fields: (params, '') or (None, what is wrong)."""
    if kind not in MANUAL_FORMS:
        return None, f"unknown change {kind!r}"
    params: dict[str, Any] = {}
    for field in MANUAL_FORMS[kind][1]:
        text = str(values.get(field.key, "")).strip()
        if not text:
            params[field.key] = field.default
            continue
        try:
            number = float(text)
        except ValueError:
            return None, f"{field.label}: {text!r} is not a number"
        if not math.isfinite(number) or not field.low <= number <= field.high:
            return None, f"{field.label} must be between {field.low:g} and {field.high:g}"
        params[field.key] = number
    if kind == "eq":
        params = {"bands": [{"type": "peaking", **params}]}
    return params, ""
