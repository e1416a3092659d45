"""Notes for the mastering engineer: the session, what was changed and why, what it measures.

``build_notes`` gathers everything into one JSON-ready dict (schema ``mixreview.notes/1``);
``notes_markdown`` writes the same as a page a person reads; ``write_notes`` saves both
atomically. Measurements come from the render (the samples the exported files hold), so
the numbers here are those of the files.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.atomic import write_json_atomic, write_text_atomic
from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.reference import (
    CENTERS_HZ,
    RANGES_HZ,
    Comparison,
    ReferenceReport,
    compare,
)
from mixreview.analysis.render import VERSIONS, RenderResult
from mixreview.analysis.review import Review
from mixreview.analysis.session import Stem
from mixreview.analysis.suggest.describe import describe_params, hz
from mixreview.analysis.suggest.model import Suggestion

SCHEMA = "mixreview.notes/1"
NOTES_MD = "notes.md"
NOTES_JSON = "notes.json"

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
STATUS_WORDS = {
    "accepted": "accepted as suggested",
    "adjusted": "adjusted by the reviewer",
    "rejected": "rejected: kept as it was, a deliberate choice",
    "pending": "not reviewed: not applied",
    "manual": "the reviewer's own change",
}


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or not np.isfinite(value) or value <= -199.0:
        return None
    return round(float(value), digits)


# -- measurements ------------------------------------------------------------------------------
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
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def mastering_remarks(metrics: Mapping[str, Any], subtype: str, clipped: int = 0) -> list[str]:
    """What the numbers of the chosen mix mean for mastering, in a few sentences."""
    remarks: list[str] = []
    tp = metrics["true_peak_dbtp"]
    fmt = FORMAT_NAMES.get(subtype, subtype)
    if tp is None:
        remarks.append("the mix is silent: nothing to master.")
        return remarks
    headroom = -tp
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


def comparison_remarks(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """How the chosen mix differs from the original and the assistant's, in words."""
    remarks: list[str] = []
    chosen = metrics.get("chosen")
    if not chosen:
        return remarks
    for other in ("original", "assistant"):
        theirs = metrics.get(other)
        if not theirs or chosen["integrated_lufs"] is None or theirs["integrated_lufs"] is None:
            continue
        parts = [
            f"{chosen['integrated_lufs'] - theirs['integrated_lufs']:+.1f} LU",
            f"peaks {chosen['true_peak_dbtp'] - theirs['true_peak_dbtp']:+.1f} dB",
        ]
        tonal = []
        for key, label, _low, _high in TONAL_BANDS:
            a, b = chosen["tonal_balance_db"][key], theirs["tonal_balance_db"][key]
            if a is not None and b is not None and abs(a - b) >= 0.5:
                tonal.append(f"{label.split(' ')[0]} {a - b:+.1f} dB")
        if tonal:
            parts.append("tonal balance " + ", ".join(tonal))
        remarks.append(f"chosen against {other}: " + "; ".join(parts) + ".")
    return remarks


# -- references --------------------------------------------------------------------------------
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
        picked = (CENTERS_HZ >= low) & (CENTERS_HZ < high)
        gap = float(width[picked].mean())
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
    """'+1.2', '-3.4', and '+0.0' (never '-0.0')."""
    return "n/a" if value is None else f"{round(value, 1) + 0.0:+.1f}"


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


# -- changes -----------------------------------------------------------------------------------
def _adjustments(suggestion: Suggestion, amount: float, params: Mapping[str, Any]) -> list[str]:
    """What the reviewer changed relative to the suggestion, in words."""
    out: list[str] = []
    if amount != 1.0:
        out.append(f"amount 100% -> {amount * 100:.0f}%")
    for key in sorted(set(suggestion.params) | set(params)):
        before, after = suggestion.params.get(key), params.get(key)
        if before == after:
            continue
        if isinstance(before, Mapping | list) or isinstance(after, Mapping | list):
            old = _describe(suggestion.kind, {key: before}) if before is not None else "unset"
            new = _describe(suggestion.kind, {key: after}) if after is not None else "unset"
            out.append(f"{key}: {old} -> {new}")
        else:
            out.append(f"{key} {_value(before)} -> {_value(after)}")
    return out


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _describe(kind: str, params: Mapping[str, Any]) -> str:
    try:
        return describe_params(kind, params)
    except (KeyError, TypeError, ValueError):
        return ", ".join(f"{k}={v}" for k, v in params.items())


def suggestion_entry(suggestion: Suggestion, review: Review | None) -> dict[str, Any]:
    """One assistant suggestion and what the reviewer decided about it."""
    if review is None:
        status, amount, params, note = "pending", 1.0, dict(suggestion.params), ""
    else:
        decision = review.decision(suggestion.id)
        status, amount, note = review.status(suggestion.id), decision.amount, decision.note
        params = review.params_of(suggestion)
    applied = status in ("accepted", "adjusted") and amount > 0
    shown = params if status in ("accepted", "adjusted") else suggestion.params
    return {
        "id": suggestion.id,
        "origin": "assistant",
        "status": status,
        "applied": applied,
        "kind": suggestion.kind,
        "stems": list(suggestion.stems),
        "section": suggestion.section,
        "section_span_s": list(suggestion.section_span_s) if suggestion.section_span_s else None,
        "description": _describe(suggestion.kind, shown),
        "params": dict(shown),
        "amount": amount if status in ("accepted", "adjusted") else 1.0,
        "suggested": {
            "params": dict(suggestion.params),
            "description": _describe(suggestion.kind, suggestion.params),
        },
        "adjustments": _adjustments(suggestion, amount, params) if status == "adjusted" else [],
        "category": suggestion.category,
        "severity": suggestion.severity,
        "why": suggestion.why,
        "note": note,
    }


def manual_entry(manual: Mapping[str, Any]) -> dict[str, Any]:
    """A change the reviewer added."""
    amount = float(manual.get("amount", 1.0))
    enabled = bool(manual.get("enabled", True))
    span = manual.get("section_span_s")
    return {
        "id": manual["id"],
        "origin": "manual",
        "status": "manual",
        "applied": enabled and amount > 0,
        "enabled": enabled,
        "kind": manual["kind"],
        "stems": list(manual.get("stems", [])),
        "section": None,
        "section_span_s": list(span) if span else None,
        "description": _describe(manual["kind"], manual.get("params", {})),
        "params": dict(manual.get("params", {})),
        "amount": amount,
        "suggested": None,
        "adjustments": [],
        "category": "manual",
        "severity": None,
        "why": "",
        "note": manual.get("note", ""),
    }


def orphan_entries(review: Review | None, suggestions: Sequence[Suggestion]) -> list[dict]:
    """Decisions on suggestions that no longer exist (the stems changed): kept, not applied."""
    if review is None:
        return []
    out = []
    for sid in review.orphans(suggestions):
        entry = review.data["decisions"].get(sid, {})
        snapshot = entry.get("snapshot") or {}
        kind = snapshot.get("kind", sid.split("-")[0])
        params = entry.get("params") or snapshot.get("params") or {}
        out.append({
            "id": sid, "status": entry.get("status"), "kind": kind,
            "stems": list(snapshot.get("stems", [])), "section": snapshot.get("section"),
            "description": _describe(kind, params) if params else "",
            "amount": entry.get("amount", 1.0), "note": entry.get("note", ""),
        })  # fmt: skip
    return out


# -- the whole document ------------------------------------------------------------------------
def _left_out(stem: Stem) -> str:
    if stem.error:
        return stem.error
    if stem.frames == 0:
        return "no audio in the file: left out of the mixes"
    return f"{stem.channels} channels: only mono and stereo stems are mixed; left out"


def _stem_info(analysis: Analysis, render: RenderResult) -> list[dict[str, Any]]:
    session = analysis.session
    out = []
    for stem in session.stems:
        remarks = []
        if stem.mixable and stem.channels == 1:
            remarks.append("mono: in the mix and the export as the same signal on both sides")
        if stem.mixable and stem.sample_rate != session.sample_rate:
            remarks.append(f"resampled from {stem.sample_rate} Hz")
        if stem.mixable and stem.frames * session.sample_rate < session.frames * stem.sample_rate:
            remarks.append("shorter than the session: padded with silence")
        if stem.file in render.read_errors:
            remarks.append(
                f"damaged: could not be read past {render.read_errors[stem.file]:.1f} s, silence "
                "from there in the mixes and the exported stem; export it again from the DAW"
            )
        out.append({
            "file": stem.file, "name": stem.name, "role": stem.role,
            "sample_rate": stem.sample_rate, "channels": stem.channels, "subtype": stem.subtype,
            "duration_s": round(stem.duration_s, 3), "exported": render.stems.get(stem.file),
            "in_mix": stem.mixable,
            "left_out": None if stem.mixable else _left_out(stem),
            "remarks": remarks,
        })  # fmt: skip
    return out


def build_notes(
    analysis: Analysis,
    suggestions: Sequence[Suggestion],
    review: Review | None,
    render: RenderResult,
    review_file: Path | None = None,
    references: Sequence[ReferenceReport] | None = None,
) -> dict[str, Any]:
    """Everything the mastering engineer (and the reviewer, later) needs, as plain data.

    ``references`` default to the analysis's; each rendered version is compared with them."""
    session = analysis.session
    manifest = session.manifest
    changes = [suggestion_entry(s, review) for s in suggestions]
    manual = [manual_entry(m) for m in (review.manual if review else [])]
    all_changes = changes + manual
    mixed = {s.file for s in session.mix_stems}
    for change in all_changes:
        if not set(change["stems"]) & mixed:  # a manual change on a stem that is gone
            change["applied"] = False
            change["stem_missing"] = True
    stem_notes = dict(review.data.get("stem_notes", {})) if review else {}
    stems = []
    for info in _stem_info(analysis, render):
        file = info["file"]
        mine = [c for c in all_changes if c["stems"] == [file]]
        stems.append({
            **info,
            "changes": [c["id"] for c in mine if c["applied"]],
            "kept": [c["id"] for c in mine if c["status"] == "rejected"],
            "note": stem_notes.get(file, ""),
        })  # fmt: skip
    metrics = {
        v: {
            "file": render.mixes.get(v),
            "clipped_samples": render.mix_clipped.get(v, 0),
            **version_metrics(render.measurements[v], render.mono_fold_lufs.get(v)),
        }
        for v in VERSIONS
        if v in render.measurements
    }
    checks = [
        {"file": c.file, "id": c.id, "severity": c.severity, "message": c.message, "fix": c.fix}
        for c in analysis.all_checks
        if c.severity in ("error", "warning")
    ]
    blind = dict(review.data.get("blind", {})) if review else {}
    return {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "session": {
            "path": str(session.path.resolve()),
            "title": session.title,
            "sample_rate": session.sample_rate,
            "frames": session.frames,
            "duration_s": round(session.duration_s, 3),
            "tempo_bpm": manifest.tempo_bpm,
            "beats_per_bar": manifest.beats_per_bar if manifest.tempo_bpm else None,
            "sections": [s.as_dict() for s in analysis.sections],
            "stem_count": len(session.stems),
        },
        "export": {
            "format": "WAV",
            "subtype": render.subtype,
            "description": f"{FORMAT_NAMES.get(render.subtype, render.subtype)} WAV, "
            f"{session.sample_rate} Hz, stereo; no limiting, no master-bus processing, no dither",
            "mixes": dict(render.mixes),
            "stems": dict(render.stems),
            "clipped_samples": {k: v for k, v in render.clipped.items() if v},
        },
        "review": {
            "file": str(review_file) if review_file else None,
            "found": review is not None,
            "counts": _counts(all_changes),
        },
        "stems": stems,
        "changes": all_changes,
        "stem_notes": stem_notes,
        "blind": blind,
        "checks_open": checks,
        "orphans": orphan_entries(review, suggestions),
        "measurements": metrics,
        "mastering": mastering_remarks(
            metrics["chosen"], render.subtype, render.mix_clipped.get("chosen", 0)
        ),
        "comparison": comparison_remarks(metrics),
        "references": references_entry(
            analysis.references if references is None else references, render.measurements
        ),
    }


def _counts(changes: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("accepted", "adjusted", "rejected", "pending", "manual"), 0)
    for change in changes:
        counts[change["status"]] += 1
    return counts


# -- Markdown ----------------------------------------------------------------------------------
MEASUREMENT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("integrated_lufs", "Integrated loudness (LUFS)", ".1f"),
    ("short_term_max_lufs", "Max short-term loudness (LUFS)", ".1f"),
    ("lra_lu", "Loudness range (LU)", ".1f"),
    ("true_peak_dbtp", "True peak (dBTP)", ".1f"),
    ("sample_peak_dbfs", "Sample peak (dBFS)", ".1f"),
    ("headroom_db", "Headroom to 0 dBTP (dB)", ".1f"),
    ("crest_db", "Crest factor (dB)", ".1f"),
    ("plr_db", "PLR, peak to loudness (dB)", ".1f"),
    ("correlation", "L/R correlation", ".2f"),
    ("mono_fold_loss_lu", "Mono fold-down (LU)", "+.1f"),
    ("low_end_side_db", f"Side vs mid below {hz(LOW_END_HZ)} (dB)", ".0f"),
)


def _change_line(
    change: Mapping[str, Any], stems_named: Mapping[str, str], show_stem: bool = False
) -> str:
    where = ""
    if change["section"]:
        where = f" in {change['section']}"
    elif change["section_span_s"]:
        start, end = change["section_span_s"]
        where = f" at {start:.1f}-{end:.1f} s"
    names = ", ".join(stems_named.get(f, f) for f in change["stems"])
    if len(change["stems"]) > 1:
        where += f" on {len(change['stems'])} stems ({names})"
    elif show_stem:
        where += f" on {names}"
    status = change["status"]
    if change["origin"] == "manual":
        text = f"**manual** {change['kind']}{where}: {change['description']}"
        if change["amount"] != 1.0:
            text += f" at {change['amount'] * 100:.0f}%"
        if not change["applied"]:
            text += " (disabled: not applied)"
    elif status == "rejected":
        text = (
            f"**rejected, kept as it was** {change['kind']}{where}: the assistant suggested "
            f"{change['suggested']['description']}"
        )
    elif status == "adjusted":
        strength = f" at {change['amount'] * 100:.0f}% strength" if change["amount"] != 1.0 else ""
        text = (
            f"**adjusted** {change['kind']}{where}: {change['description']}{strength} (the "
            f"assistant suggested {change['suggested']['description']}; changed: "
            f"{', '.join(change['adjustments'])})"
        )
        if not change["applied"]:
            text += "; amount 0: not applied"
    elif status == "accepted":
        text = f"**accepted** {change['kind']}{where}: {change['description']}"
    else:
        text = f"not reviewed, not applied: {change['kind']}{where}: {change['description']}"
    if change["why"] and status != "pending":
        text += f". Why: {change['why']}"
    if change["note"]:
        text += f'. Reviewer\'s note: "{change["note"]}"'
    return f"- {text}"


def _measurements_table(notes: Mapping[str, Any]) -> list[str]:
    metrics = notes["measurements"]
    versions = [v for v in VERSIONS if v in metrics]
    heads = [v if metrics[v]["file"] else f"{v} (not written)" for v in versions]
    lines = ["| | " + " | ".join(heads) + " |", "|---" * (len(versions) + 1) + "|"]
    for key, label, spec in MEASUREMENT_ROWS:
        cells = [_fmt(metrics[v][key], spec) for v in versions]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for key, label, _low, _high in TONAL_BANDS:
        cells = [_fmt(metrics[v]["tonal_balance_db"][key], ".1f") for v in versions]
        lines.append(f"| Tonal balance, {label} (dB) | " + " | ".join(cells) + " |")
    return lines


def notes_markdown(notes: Mapping[str, Any]) -> str:
    """The notes as a Markdown page."""
    session, export = notes["session"], notes["export"]
    named = {s["file"]: s["name"] for s in notes["stems"]}
    out = [f"# Mix notes: {session['title']}", ""]
    out += [
        f"Exported by mixreview on {notes['created'].replace('T', ' ')}. "
        f"Files: {export['description']}.",
        "",
        "- `mix_chosen.wav`: the reviewer's decisions (the mix to master)",
        "- `mix_original.wav`: the stems summed at unity, nothing applied",
        "- `mix_assistant.wav`: every suggestion of the assistant at full strength",
        "- `stems/`: every stem processed as chosen, same length and rate as the session",
        "",
        "## For mastering",
        "",
    ]
    out += [f"- {r[0].upper()}{r[1:]}" for r in notes["mastering"]]
    out += [f"- {r[0].upper()}{r[1:]}" for r in notes["comparison"]]
    out += ["", "## Measurements", "", *_measurements_table(notes)]
    clipped = export["clipped_samples"]
    if clipped:
        out += ["", "Samples clipped when written: " + ", ".join(
            f"`{k}` {v}" for k, v in sorted(clipped.items())) + "."]  # fmt: skip
    out += ["", "Tonal balance is each band's share of the energy. Mono fold-down is the loudness "
            "of (L+R)/2 against the stereo mix."]  # fmt: skip
    out += _references_section(notes["references"])
    out += ["", "## Session", ""]
    tempo = (
        f", {session['tempo_bpm']:g} BPM in {session['beats_per_bar']}/4"
        if session["tempo_bpm"]
        else ""
    )
    out.append(
        f"{session['stem_count']} stems, {session['sample_rate']} Hz, "
        f"{session['duration_s']:.1f} s{tempo}. Folder: `{session['path']}`."
    )
    if session["sections"]:
        spans = [f"{s['name']} {s['start_s']:.1f}-{s['end_s']:.1f} s" for s in session["sections"]]
        out += ["", "Sections: " + ", ".join(spans) + "."]
    out += ["", "| Stem | File | Role | Format | Exported as |", "|---|---|---|---|---|"]
    for stem in notes["stems"]:
        fmt = f"{stem['sample_rate']} Hz, {stem['channels']} ch, {stem['subtype']}"
        exported = f"`{stem['exported']}`" if stem["exported"] else (stem["left_out"] or "-")
        remarks = f" ({'; '.join(stem['remarks'])})" if stem["remarks"] else ""
        out.append(
            f"| {stem['name']} | `{stem['file']}` | {stem['role']} | {fmt}{remarks} | {exported} |"
        )
    out += _changes_section(notes, named)
    out += _review_extras(notes, named)
    return "\n".join(out).rstrip() + "\n"


REFERENCE_ROWS: tuple[tuple[str, str], ...] = (
    ("short_term_spread_lu", "Short-term spread (LU)"),
    ("lra_lu", "Loudness range (LU)"),
    ("plr_db", "PLR (dB)"),
    ("crest_db", "Crest factor (dB)"),
)


def _reference_table(entry: Mapping[str, Any]) -> list[str]:
    """Mix minus references, before (original) and now (chosen), with the references' spread."""
    now = entry["differences"].get("chosen")
    before = entry["differences"].get("original")
    if now is None:
        return []
    several = sum(t["used"] for t in entry["tracks"]) > 1
    heads = ["before (original)"] if before else []
    heads += ["now (chosen)"] + (["references' spread"] if several else [])
    lines = [
        "Remaining differences at matched loudness, mix minus references:",
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]

    def row(label: str, pick: Any, spread: float | None = None) -> None:
        cells = ([_signed(pick(before))] if before else []) + [_signed(pick(now))]
        if several:
            cells.append(_fmt(spread, ".1f") if spread is not None else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for name in RANGES_HZ:
        row(
            f"Tone, {range_label(name)} (dB)",
            lambda d, n=name: d["tone_db"][n]["mix_minus_reference"],
            now["tone_db"][name]["reference_spread"],
        )
    for name in WIDTH_RANGES:
        row(
            f"Width, {range_label(name)} (dB)",
            lambda d, n=name: d["width_db"][n]["mix_minus_reference"],
        )
    for key, label in REFERENCE_ROWS:
        row(label, lambda d, k=key: d["dynamics"][k]["mix_minus_reference"])
    row(
        f"Side vs mid below {hz(LOW_END_HZ)} (dB)",
        lambda d: d["low_end_side_to_mid_db"]["mix_minus_reference"],
    )
    return lines


def _references_section(entry: Mapping[str, Any]) -> list[str]:
    out = ["", "## References", ""]
    tracks = entry["tracks"]
    if not tracks:
        return [*out, NO_REFERENCES[0].upper() + NO_REFERENCES[1:]]
    out += [
        "| Reference | Weight | Integrated (LUFS) | True peak (dBTP) | PLR (dB) | LRA (LU) | "
        "Length (s) | Used |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in tracks:
        used = "yes" if t["used"] else "no (below)"
        if t["notes"]:
            used += ": " + " ".join(t["notes"])
        out.append(
            f"| `{t['file']}` (`{t['path']}`) | {t['weight']:g} | {_fmt(t['integrated_lufs'])} | "
            f"{_fmt(t['true_peak_dbtp'])} | {_fmt(t['plr_db'])} | {_fmt(t['lra_lu'])} | "
            f"{_fmt(t['duration_s'])} | {used} |"
        )
    out += ["", *(f"- {r[0].upper()}{r[1:]}" for r in entry["remarks"])]
    table = _reference_table(entry)
    return [*out, "", *table] if table else out


def _changes_section(notes: Mapping[str, Any], named: Mapping[str, str]) -> list[str]:
    out = ["", "## What was changed, stem by stem", ""]
    counts = notes["review"]["counts"]
    if not notes["review"]["found"]:
        out += ["No review was found: nothing was applied, the chosen mix is the original.", ""]
    else:
        out += [
            f"{counts['accepted']} suggestions accepted as is, {counts['adjusted']} adjusted, "
            f"{counts['rejected']} rejected (kept as they were), {counts['pending']} not "
            f"reviewed (not applied), {counts['manual']} manual changes.",
            "",
        ]
    changes = notes["changes"]
    shown = [c for c in changes if c["status"] != "pending"]
    several = [c for c in shown if len(c["stems"]) != 1]
    if several:
        out += ["### Several stems at once", ""]
        out += [_change_line(c, named) for c in several] + [""]
    unchanged = []
    for stem in notes["stems"]:
        mine = [c for c in shown if c["stems"] == [stem["file"]]]
        if not mine and not stem["note"]:
            unchanged.append(stem["name"])
            continue
        out += [f"### {stem['name']} (`{stem['file']}`, {stem['role']})", ""]
        out += [_change_line(c, named) for c in mine]
        if stem["note"]:
            out.append(f'- Reviewer\'s note on this stem: "{stem["note"]}"')
        out.append("")
    if unchanged:
        out += [f"No change of their own: {', '.join(unchanged)}.", ""]
    missing = [c for c in shown if c.get("stem_missing")]
    if missing:
        out += ["### On stems that are not in the session (not applied)", ""]
        out += [_change_line(c, named, show_stem=True) for c in missing] + [""]
    pending = [c for c in changes if c["status"] == "pending"]
    if pending:
        out += ["### Not reviewed (not applied)", ""]
        out += [_change_line(c, named, show_stem=True) for c in pending] + [""]
    return out


def _review_extras(notes: Mapping[str, Any], named: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    blind = notes["blind"]
    if blind:
        described = {c["id"]: f"{c['kind']} on {', '.join(c['stems'])}" for c in notes["changes"]}
        out += ["## Blind comparisons", ""]
        for key, tally in sorted(blind.items()):
            wins = ", ".join(f"{label} {n}" for label, n in sorted(tally.get("wins", {}).items()))
            out.append(
                f"- {described.get(key, key)}: {tally.get('trials', 0)} trials, preferred: {wins}"
            )
        out.append("")
    orphans = notes["orphans"]
    if orphans:
        out += ["## Decisions on suggestions that no longer exist", ""]
        out.append(
            "The stems changed since these were decided; the suggestions are gone and nothing "
            "was applied for them:"
        )
        for o in orphans:
            stems = ", ".join(named.get(f, f) for f in o["stems"]) or "unknown stems"
            note = f' Note: "{o["note"]}"' if o["note"] else ""
            out.append(f"- {o['status']} {o['kind']} on {stems}: {o['description']}.{note}")
        out.append("")
    checks = notes["checks_open"]
    if checks:
        out += ["## Stem-preparation checks still open", ""]
        for check in checks:
            where = f"`{check['file']}`: " if check["file"] else ""
            message = check["message"]
            if check["file"] and message.startswith(f"{check['file']}: "):
                message = message[len(check["file"]) + 2 :]
            out.append(f"- [{check['severity']}] {where}{message} Fix: {check['fix']}")
        out.append("")
    return out


def write_notes(folder: Path, notes: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write notes.md and notes.json into ``folder``, each through a temp file and a rename."""
    json_path = folder / NOTES_JSON
    write_json_atomic(json_path, notes)
    md_path = folder / NOTES_MD
    write_text_atomic(md_path, notes_markdown(notes))
    return md_path, json_path
