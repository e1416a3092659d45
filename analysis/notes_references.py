"""The reference tracks in the notes: what each measures and what remains between the mix and
them at matched loudness, as numbers and in words (the chosen mix now, the original before)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import bands_from
from mixreview.analysis.notes_remarks import LOW_END_HZ, _round
from mixreview.analysis.numbers import signed
from mixreview.analysis.reference import (
    RANGES_HZ,
    Comparison,
    ReferenceReport,
    compare,
)
from mixreview.analysis.render_plan import VERSIONS
from mixreview.analysis.suggest.describe import hz

WIDTH_RANGES = ("low-mid", "mid", "presence", "air")  # as the reference width rule compares
TONE_CLOSE_DB = 1.0  # a tonal range this close to the references reads as in line with them
WIDTH_CLOSE_DB = 1.5
PLR_GAP_DB = 3.0  # references this much denser (lower PLR) are worth a word
SPREAD_GAP_LU = 3.0  # as the reference dynamics rule
LOW_SIDE_GAP_DB = 6.0
NO_REFERENCES = (
    "no reference tracks were used (add them in the app with R, list them in mixreview.toml as "
    "references = [...], or pass --reference FILE[:WEIGHT])."
)


def range_label(name: str) -> str:
    """'presence 2.5-6 kHz', 'low-mid 250-800 Hz', 'mid 800 Hz-2.5 kHz'."""
    low, high = RANGES_HZ[name]
    if low >= 1000:
        span = f"{low / 1000:g}-{high / 1000:g} kHz"
    elif high < 1000:
        span = f"{low:g}-{high:g} Hz"
    else:
        span = f"{hz(low)}-{hz(high)}"
    return f"{name} {span}"


def reference_track(report: ReferenceReport) -> dict[str, Any]:
    """One reference as the notes list it: what it measures, and whether it was used."""
    m = report.measurement
    metrics = m.metrics() if m is not None else {}
    integrated, true_peak = metrics.get("integrated_lufs"), metrics.get("true_peak_dbtp")
    return {
        "file": report.spec.name,
        "path": os.path.abspath(report.spec.path),
        "weight": report.spec.weight,
        "used": report.directs,
        "doubts": list(report.doubts),
        "integrated_lufs": _round(integrated),
        "true_peak_dbtp": _round(true_peak),
        "plr_db": _round(true_peak - integrated)
        if true_peak is not None and integrated is not None
        else None,
        "lra_lu": _round(metrics.get("lra_lu")),
        "duration_s": round(m.duration_s, 2) if m is not None else None,
        "sample_rate": m.sample_rate if m is not None else None,
        "channels": m.channels if m is not None else None,
        "problem": report.problem,
        "notes": list(report.notes),
    }


def _diff(mix: float, reference: float) -> dict[str, float | None]:
    return {
        "mix": _round(mix),
        "reference": _round(reference),
        "mix_minus_reference": _round(mix - reference),
    }


def reference_differences(c: Comparison) -> dict[str, Any]:
    """What remains between one mix and the references at matched loudness (mix minus them)."""
    width = c.width_diff_db
    tone = {}
    for name, (low, high) in RANGES_HZ.items():
        tone[name] = {
            "range_hz": [low, high],
            "mix_minus_reference": _round(c.range_diff_db(name)),
            "reference_spread": _round(c.range_spread_db(name)),
        }
    widths = {}
    for name in WIDTH_RANGES:
        low, high = RANGES_HZ[name]
        gap = float(width[bands_from(low, high)].mean())
        widths[name] = {"range_hz": [low, high], "mix_minus_reference": _round(gap)}
    return {
        "match_gain_db": [
            {"file": name, "gain_db": _round(gain)}
            for name, gain in zip(c.names, c.match_gain_db, strict=True)
        ],
        "loudness_lufs": _diff(c.mix_lufs, c.ref_lufs),
        "tone_db": tone,
        "width_db": widths,
        "dynamics": {k: _diff(c.mix_dynamics[k], c.ref_dynamics[k]) for k in c.mix_dynamics},
        "low_end_side_to_mid_db": _diff(c.mix_low_side_db, c.ref_low_side_db),
    }


def references_entry(
    references: Sequence[ReferenceReport], measurements: Mapping[str, Measurement]
) -> dict[str, Any]:
    """The references used and, per rendered version, what remains between it and them."""
    tracks = [reference_track(r) for r in references]
    differences: dict[str, Any] = {}
    if any(r.directs for r in references):
        for version in VERSIONS:
            m = measurements.get(version)
            if m is None:
                continue
            sounding = np.isfinite(m.loudness.integrated_lufs) and m.levels.sample_peak > 0
            comparison = compare(m, references) if sounding else None
            differences[version] = reference_differences(comparison) if comparison else None
    entry = {"tracks": tracks, "differences": differences}
    return {**entry, "remarks": reference_remarks(entry)}


def _signed(value: float | None) -> str:
    """'+1.2', '-3.4', and '+0.0' (never '-0.0'); 'n/a' when missing."""
    return "n/a" if value is None else signed(value)


def _before_now(before: float | None, now: float, unit: str = "dB") -> str:
    if before is None:
        return f"{_signed(now)} {unit} now"
    return f"{_signed(before)} {unit} before, {_signed(now)} {unit} now"


def _side_level(value: float | None) -> str:
    if value is None or value <= -60:
        return "no side (mono)"
    return f"{value:.0f} dB"


def reference_remarks(entry: Mapping[str, Any]) -> list[str]:
    """The remaining differences in words: the chosen mix now, the original before the review."""
    tracks = entry["tracks"]
    if not tracks:
        return [NO_REFERENCES]
    remarks = [f"not used: {t['problem']}" for t in tracks if not t["used"]]
    used = [t for t in tracks if t["used"]]
    if not used:
        return [*remarks, "no reference could be used: there is nothing to compare with."]
    now = entry["differences"].get("chosen")
    before = entry["differences"].get("original")
    if now is None:
        return [*remarks, "the chosen mix is silent: there is nothing to compare."]
    several = len(used) > 1
    names = ", ".join(
        f"{t['file']} (weight {t['weight']:g})" if several else t["file"] for t in used
    )
    loud = now["loudness_lufs"]
    gap = loud["mix_minus_reference"]
    plays = "references play" if several else "reference plays"
    remarks.append(
        f"compared with {names} at matched loudness: the {plays} at "
        f"{loud['reference']:.1f} LUFS, the chosen mix at {loud['mix']:.1f} LUFS "
        f"({abs(gap):.1f} LU {'below' if gap < 0 else 'above'}); each difference below is the "
        "mix minus the references with that gap taken out, before the review (the original "
        "mix) and now (the chosen mix)."
    )
    remarks += _tone_remarks(now, before)
    remarks += _width_remarks(now, before)
    remarks += _dynamics_remarks(now, before)
    low_now = now["low_end_side_to_mid_db"]
    low_before = before["low_end_side_to_mid_db"]["mix"] if before else None
    text = (
        f"side against mid below {hz(LOW_END_HZ)}: {_side_level(low_now['mix'])} now"
        + (f" ({_side_level(low_before)} before)" if before else "")
        + f", the references {_side_level(low_now['reference'])}"
    )
    low_gap = low_now["mix_minus_reference"]
    if low_now["mix"] is not None and low_now["mix"] > -60 and low_gap is not None:
        if low_gap > LOW_SIDE_GAP_DB:
            text += ": more stereo in the low end than the references; check it in mono"
        elif low_gap < -LOW_SIDE_GAP_DB:
            text += ": the low end is more mono than the references'"
    remarks.append(text + ".")
    return remarks


def _tone_remarks(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[str]:
    remarks, close = [], []
    for name in RANGES_HZ:
        diff = now["tone_db"][name]["mix_minus_reference"]
        spread = now["tone_db"][name]["reference_spread"] or 0.0
        prev = before["tone_db"][name]["mix_minus_reference"] if before else None
        if diff is None:
            continue
        if abs(diff) < TONE_CLOSE_DB and (prev is None or abs(prev) < TONE_CLOSE_DB):
            close.append(name)
            continue
        text = f"{range_label(name)}: {_before_now(prev, diff)}"
        if spread >= 0.1:
            text += f" (the references spread {spread:.1f} dB here)"
        if abs(diff) < TONE_CLOSE_DB:
            text += ": in line with the references"
        elif abs(diff) <= spread:
            text += ": within the references' spread"
        else:
            text += f": {'more' if diff > 0 else 'less'} energy there than the references"
        remarks.append(text + ".")
    if close:
        which = ", ".join(close)
        remarks.append(
            f"{which}: within {TONE_CLOSE_DB:.0f} dB of the references"
            + (", before and now." if before else ".")
        )
    return remarks


def _width_remarks(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[str]:
    parts, close = [], []
    for name in WIDTH_RANGES:
        diff = now["width_db"][name]["mix_minus_reference"]
        prev = before["width_db"][name]["mix_minus_reference"] if before else None
        if diff is None:
            continue
        if abs(diff) < WIDTH_CLOSE_DB and (prev is None or abs(prev) < WIDTH_CLOSE_DB):
            close.append(name)
            continue
        word = "in line" if abs(diff) < WIDTH_CLOSE_DB else ("wider" if diff > 0 else "narrower")
        parts.append(f"{range_label(name)} {_before_now(prev, diff)} ({word})")
    if not parts and not close:
        return []  # no range measured on both sides: nothing to say, as for tone
    if not parts:
        return [
            f"width (side against mid) within {WIDTH_CLOSE_DB:g} dB of the references from "
            f"{hz(RANGES_HZ[WIDTH_RANGES[0]][0])} up" + (", before and now." if before else ".")
        ]
    text = "width, side against mid (positive: wider than the references): " + "; ".join(parts)
    if close:
        text += f"; {', '.join(close)} within {WIDTH_CLOSE_DB:g} dB"
    return [text + "."]


DYNAMICS_WORDS = (
    ("short_term_spread_lu", "short-term spread", "LU"),
    ("lra_lu", "LRA", "LU"),
    ("plr_db", "PLR", "dB"),
    ("crest_db", "crest", "dB"),
)


def _dynamics_remarks(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[str]:
    parts = []
    for key, label, unit in DYNAMICS_WORDS:
        value = now["dynamics"][key]
        if value["mix"] is None or value["reference"] is None:
            continue
        prev = before["dynamics"][key]["mix"] if before else None
        was = f" ({prev:.1f} before)" if prev is not None else ""
        parts.append(f"{label} {value['mix']:.1f} {unit}{was} against {value['reference']:.1f}")
    remarks = ["dynamics now, against the references: " + "; ".join(parts) + "."] if parts else []
    plr = now["dynamics"]["plr_db"]["mix_minus_reference"]
    if plr is not None and plr > PLR_GAP_DB:
        remarks.append(
            f"the references' peaks sit {plr:.1f} dB closer to their loudness (PLR): the peak "
            "control of a finished master, usually mastering's part."
        )
    spread = now["dynamics"]["short_term_spread_lu"]["mix_minus_reference"]
    if spread is not None and spread > SPREAD_GAP_LU:
        remarks.append(
            f"the mix's short-term loudness moves {spread:.1f} LU more than the references': "
            "agree with the mastering engineer how much of that movement to keep."
        )
    elif spread is not None and spread < -SPREAD_GAP_LU:
        remarks.append(
            f"the mix's short-term loudness moves {-spread:.1f} LU less than the references': "
            "it is already steadier than they are."
        )
    return remarks
