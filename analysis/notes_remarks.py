"""A mix's measurements as the notes carry them, and what they mean for mastering, in words.

Shared by notes.json (the numbers) and notes.md (the table and the remarks above it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.numbers import fixed, signed
from mixreview.analysis.suggest.describe import hz

TONAL_BANDS: tuple[tuple[str, str, float, float], ...] = (
    ("sub", "sub <60 Hz", 0.0, 60.0),
    ("low", "low 60-250 Hz", 60.0, 250.0),
    ("mid", "mid 250 Hz-2 kHz", 250.0, 2000.0),
    ("high_mid", "high-mid 2-6 kHz", 2000.0, 6000.0),
    ("air", "air >6 kHz", 6000.0, math.inf),
)
"""Tonal-balance bands: third-octave bands grouped by centre frequency."""
LOW_END_HZ = 120.0
MONO_LOW_END_DB = -20.0  # side this far under mid below 120 Hz reads as a mono low end
NEGATIVE_CORRELATION = -0.1  # below this the channels partly cancel: worth a word
STREAMING_LUFS = -14.0
MASTERING_PEAK_DBTP = -6.0  # peaks commonly asked for by mastering engineers (FACTS.md)
FORMAT_NAMES = {"PCM_24": "24-bit", "PCM_16": "16-bit", "FLOAT": "32-bit float"}
TONAL_SHIFT_DB = 0.5  # a band's share moving this much between two mixes is worth a word


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or not np.isfinite(value) or value <= -199.0:
        return None
    return round(float(value), digits)


def tonal_balance_db(measurement: Measurement) -> dict[str, float | None]:
    """Share of the energy in each tonal band, in dB relative to the whole (0 dB = everything)."""
    bands = measurement.bands
    power = (bands.mid_mean_power + bands.side_mean_power).astype(np.float64)
    total = float(power.sum())
    centers = np.asarray(BAND_CENTERS_HZ)
    out: dict[str, float | None] = {}
    for key, _label, low, high in TONAL_BANDS:
        share = float(power[(centers >= low) & (centers < high)].sum())
        out[key] = _round(10 * math.log10(share / total)) if share > 0 and total > 0 else None
    return out


def low_end_side_db(measurement: Measurement) -> float | None:
    """Side energy under mid energy in the third-octave bands centred below 120 Hz (dB)."""
    centers = np.asarray(BAND_CENTERS_HZ)
    low = centers < LOW_END_HZ
    mid = float(measurement.bands.mid_mean_power[low].sum())
    side = float(measurement.bands.side_mean_power[low].sum())
    if mid <= 0:
        return None
    return round(max(10 * math.log10(side / mid), -120.0), 2) if side > 0 else -120.0


def version_metrics(measurement: Measurement, mono_fold_lufs: float | None) -> dict[str, Any]:
    """The numbers of one mix, as notes.json carries them (None where a value does not exist)."""
    metrics = measurement.metrics()
    integrated = metrics["integrated_lufs"]
    true_peak = metrics["true_peak_dbtp"]
    mono = _round(mono_fold_lufs)
    return {
        "integrated_lufs": _round(integrated),
        "short_term_max_lufs": _round(metrics["short_term_max_lufs"]),
        "momentary_max_lufs": _round(metrics["momentary_max_lufs"]),
        "lra_lu": _round(metrics["lra_lu"]),
        "true_peak_dbtp": _round(true_peak),
        "sample_peak_dbfs": _round(metrics["sample_peak_dbfs"]),
        "headroom_db": _round(-true_peak) if true_peak is not None else None,
        "rms_dbfs": _round(metrics["rms_dbfs"]),
        "crest_db": _round(metrics["crest_db"]),
        "plr_db": _round(true_peak - integrated)
        if true_peak is not None and integrated is not None
        else None,
        "correlation": _round(metrics["correlation"], 3),
        "side_to_mid_db": _round(metrics["side_to_mid_db"]),
        "mono_fold_lufs": mono,
        "mono_fold_loss_lu": _round(mono - integrated)
        if mono is not None and integrated is not None
        else None,
        "low_end_side_db": low_end_side_db(measurement),
        "tonal_balance_db": tonal_balance_db(measurement),
        "dc_offset": metrics["dc_offset"],
    }


def _fmt(value: float | None, spec: str = ".1f", unit: str = "") -> str:
    return fixed(value, spec) + ("" if value is None else unit)


def mastering_remarks(metrics: Mapping[str, Any], subtype: str, clipped: int = 0) -> list[str]:
    """What the numbers of the chosen mix mean for mastering, in a few sentences."""
    remarks: list[str] = []
    tp = metrics["true_peak_dbtp"]
    fmt = FORMAT_NAMES.get(subtype, subtype)
    if tp is None:
        remarks.append("the mix is silent: nothing to master.")
        return remarks
    headroom = 0.0 - tp  # 0 dBTP leaves 0.0 dB of headroom, not -0.0
    if tp > 0:
        text = f"true peak {tp:+.1f} dBTP: over full scale"
        if clipped:
            text += f", {clipped} samples clipped in the {fmt} file"
        remarks.append(
            text + "; no limiting applied. Render as float (--format float) or lower the mix "
            f"by about {tp - MASTERING_PEAK_DBTP:.0f} dB before mastering."
        )
    elif tp > -1:
        remarks.append(
            f"peaks at {tp:.1f} dBTP: only {headroom:.1f} dB of headroom; no limiting applied. "
            f"Mastering engineers commonly ask for peaks near {MASTERING_PEAK_DBTP:.0f} dBFS: "
            f"consider a version {tp - MASTERING_PEAK_DBTP:.0f} dB lower."
        )
    else:
        advice = (
            ""
            if tp <= MASTERING_PEAK_DBTP + 1
            else f" (some engineers ask for about {-MASTERING_PEAK_DBTP:.0f} dB)"
        )
        remarks.append(
            f"peaks at {tp:.1f} dBTP: {headroom:.1f} dB of headroom{advice}; no limiting or "
            "master-bus processing applied."
        )
    integrated = metrics["integrated_lufs"]
    if integrated is not None:
        gap = STREAMING_LUFS - integrated
        short_term = metrics["short_term_max_lufs"]
        remarks.append(
            f"integrated {integrated:.1f} LUFS"
            + (f", max short-term {short_term:.1f} LUFS" if short_term is not None else "")
            + f": {abs(gap):.1f} LU "
            f"{'below' if gap >= 0 else 'above'} the {STREAMING_LUFS:.0f} LUFS streaming "
            f"reference; PLR {_fmt(metrics['plr_db'])} dB."
        )
    lra = metrics["lra_lu"]
    if lra is not None:
        if lra < 3:
            remarks.append(f"loudness range {lra:.1f} LU: the level hardly moves between parts.")
        elif lra > 12:
            remarks.append(
                f"loudness range {lra:.1f} LU: wide movement between parts; agree with the "
                "mastering engineer whether to keep it."
            )
        else:
            remarks.append(f"loudness range {lra:.1f} LU.")
    side = metrics["low_end_side_db"]
    if side is not None:
        if side <= MONO_LOW_END_DB:
            remarks.append(f"low end mono below {hz(LOW_END_HZ)}.")
        else:
            level = f"side {-side:.0f} dB under mid" if side < -1 else "side as loud as mid"
            remarks.append(
                f"stereo content below {hz(LOW_END_HZ)} ({level}): check it in mono, and before "
                "a vinyl cut."
            )
    corr = metrics["correlation"]
    loss = metrics["mono_fold_loss_lu"]
    if corr is not None and corr < NEGATIVE_CORRELATION:
        remarks.append(
            f"negative L/R correlation ({corr:.2f}): parts cancel in mono; check polarity "
            "before mastering."
        )
    if loss is not None:
        if loss < -3:
            remarks.append(
                f"mono fold-down {loss:+.1f} LU: parts of the mix fall away in mono; check the "
                "wide parts."
            )
        else:
            remarks.append(f"mono fold-down {loss:+.1f} LU: the mix holds up in mono.")
    if abs(metrics.get("dc_offset") or 0.0) > 0.001:
        remarks.append(
            f"DC offset {metrics['dc_offset']:.4f}: the stems' dc_offset checks say where it "
            "comes from, and the high-pass suggested on each removes it there."
        )
    return remarks


def _signed(value: float) -> str:
    """'+1.2', '-3.4', and '+0.0' (never '-0.0')."""
    return signed(value)


def _tonal_shifts(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    shifts = []
    for key, label, _low, _high in TONAL_BANDS:
        x, y = a["tonal_balance_db"][key], b["tonal_balance_db"][key]
        if x is not None and y is not None and abs(x - y) >= TONAL_SHIFT_DB:
            shifts.append(f"{label.split(' ')[0]} {_signed(x - y)} dB")
    return "; tonal balance " + ", ".join(shifts) if shifts else ""


def _difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """What separates mix ``a`` from mix ``b``: 'add +1.2 LU and take 2.0 dB of crest (true peak
    +0.5 dB, LRA -0.3 LU; tonal balance low +0.6 dB)'; None when either is silent."""
    if a["integrated_lufs"] is None or b["integrated_lufs"] is None:
        return None
    loud = a["integrated_lufs"] - b["integrated_lufs"]
    verbs = [f"add {_signed(loud)} LU" if loud >= 0 else f"take {-loud:.1f} LU off"]
    if a["crest_db"] is not None and b["crest_db"] is not None:
        crest = a["crest_db"] - b["crest_db"]
        verbs.append(
            f"take {-crest:.1f} dB of crest" if crest < 0 else f"add {crest:.1f} dB of crest"
        )
    details = [f"true peak {_signed(a['true_peak_dbtp'] - b['true_peak_dbtp'])} dB"]
    if a["lra_lu"] is not None and b["lra_lu"] is not None:
        details.append(f"LRA {_signed(a['lra_lu'] - b['lra_lu'])} LU")
    return f"{' and '.join(verbs)} ({', '.join(details)}{_tonal_shifts(a, b)})"


def comparison_remarks(
    metrics: Mapping[str, Mapping[str, Any]],
    manual_changes: int | None = None,
    applied_suggestions: int | None = None,
) -> list[str]:
    """The chosen mix against the manual one (what the accepted suggestions did), the assistant's
    (what the reviewer's decisions did to it) and the original, in figures read from each
    rendered mix. ``manual_changes`` / ``applied_suggestions``: how many of the reviewer's own
    changes and of the suggestions were applied (None: not known)."""
    remarks: list[str] = []
    chosen = metrics.get("chosen")
    if not chosen:
        return remarks
    subjects = {
        "manual": "the assistant's suggestions as accepted (the chosen mix against the manual "
        "one, the reviewer's own changes alone)",
        "assistant": "the reviewer's decisions, against the assistant-only mix (every suggestion "
        "at full strength),",
        "original": "the reviewer's changes and accepted suggestions together (the chosen mix "
        "against the original)",
    }
    if manual_changes == 0:
        remarks.append("no manual change: mix_manual.wav is the original mix (the stems at unity).")
        del subjects["original"]  # the same figures as against the manual mix
    if applied_suggestions == 0:
        remarks.append("no suggestion applied: the chosen mix is the manual one.")
        del subjects["manual"]
    for other, subject in subjects.items():
        theirs = metrics.get(other)
        difference = _difference(chosen, theirs) if theirs else None
        if difference is not None:
            remarks.append(f"{subject} {difference}.")
    return remarks
