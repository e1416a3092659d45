"""Direction suggestions toward the reference tracks: tone, width and dynamics.

Each one names the stems that carry the difference (the largest contributors to the band range in
question), so it can be reviewed like any other change. All are ``creative``: matching a record is
a taste call, and the user chooses which aspects to follow (``evidence["aspect"]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from mixreview.analysis.dsp import eq_response_db
from mixreview.analysis.meters.bands import bands_from
from mixreview.analysis.reference import (
    RANGES_HZ,
    Comparison,
    band_spectra_db,
    range_level_db,
    short_term_spread_lu,
)
from mixreview.analysis.suggest.features import CENTERS_HZ, Features, grid_count, widened
from mixreview.analysis.suggest.model import Suggestion, Target

TONE_MIN_DB = 2.0
TONE_SPREAD_FACTOR = 1.5
WIDTH_MIN_DB = 3.0
DYNAMICS_MIN_LU = 3.0
MAX_EQ_DB = 6.0
MIN_SHARE = 0.15
ASPECTS = ("tone", "width", "dynamics")
# EQ shape per range: (type, freq_hz, q)
SHAPES: dict[str, tuple[str, float, float]] = {
    "sub": ("low_shelf", 60.0, 0.7),
    "bass": ("peaking", 122.0, 0.67),
    "low-mid": ("peaking", 447.0, 0.85),
    "mid": ("peaking", 1414.0, 0.87),
    "presence": ("peaking", 3873.0, 1.1),
    "air": ("high_shelf", 6000.0, 0.7),
}
COMPRESSOR_BY_ROLE = {  # attack ms, release ms, ratio (FACTS.md)
    "lead_vocal": (7.5, 400.0, 4.0), "backing_vocal": (7.5, 400.0, 4.0),
    "kick": (10.0, 180.0, 6.0), "snare": (10.0, 180.0, 6.0), "drums": (10.0, 180.0, 6.0),
    "bass": (10.0, 500.0, 5.0),
}  # fmt: skip


def _in_range(name: str) -> np.ndarray:
    return bands_from(*RANGES_HZ[name])


def _contributors(
    features: Features, weights: np.ndarray, side: bool = False
) -> list[tuple[str, float]]:
    """Stems ordered by their share of the (mid or side) energy in the weighted bands."""
    energies = {}
    for file, stem in features.stems.items():
        power = widened(stem.side if side else stem.mid)
        energies[file] = float((power.mean(axis=0) * weights).sum())
    total = sum(energies.values())
    if total <= 0:
        return []
    return sorted(((f, e / total) for f, e in energies.items()), key=lambda x: (-x[1], x[0]))


def _relative_range_db(mid_db: np.ndarray, lufs: float, name: str) -> float:
    low, high = RANGES_HZ[name]
    return range_level_db(mid_db, low, high) - lufs


def _tone(features: Features, comparison: Comparison) -> list[Suggestion]:
    found = []
    for name, (shape, freq_hz, q) in SHAPES.items():
        diff = comparison.range_diff_db(name)
        spread = comparison.range_spread_db(name)
        threshold = max(TONE_MIN_DB, TONE_SPREAD_FACTOR * spread)
        if abs(diff) <= threshold or abs(diff) > 40:
            continue
        picked = _in_range(name).astype(np.float64)
        ranked = [c for c in _contributors(features, picked) if c[1] >= MIN_SHARE][:2]
        if not ranked:
            continue
        stems = tuple(sorted(f for f, _ in ranked))
        share = sum(s for _, s in ranked)
        gain_db = _solve_eq_gain(features, stems, shape, freq_hz, q, name, -diff)
        if gain_db == 0.0:
            continue
        predicted_change = _range_change_db(features, stems, shape, freq_hz, q, gain_db, name)
        low, high = RANGES_HZ[name]
        # the reference spectra are already matched to the mix's loudness
        ref_rel = _relative_range_db(comparison.ref_mid_db, comparison.mix_lufs, name)
        more_less = "more" if diff > 0 else "less"
        why = (
            f"At matched loudness the mix has {abs(diff):.1f} dB {more_less} energy at "
            f"{low:g}-{high:g} Hz ({name}) than the reference"
            f"{'s' if len(comparison.names) > 1 else ''} ({', '.join(comparison.names)}; "
            f"spread {spread:.1f} dB). {', '.join(stems)} carr{'y' if len(stems) > 1 else 'ies'} "
            f"{share * 100:.0f}% of that range: a {gain_db:+.1f} dB {shape.replace('_', ' ')} "
            f"moves the mix {predicted_change:+.1f} dB toward it."
        )
        found.append(Suggestion(
            kind="eq", stems=stems,
            params={"bands": [{"type": shape, "freq_hz": freq_hz, "gain_db": gain_db, "q": q}]},
            severity="medium" if abs(diff) > 6 else "low", category="creative", why=why,
            evidence={"aspect": "tone", "range": name, "mix_minus_reference_db": round(diff, 2),
                      "reference_spread_db": round(spread, 2), "share": round(share, 3),
                      "reference_relative_db": round(ref_rel, 2),
                      "references": list(comparison.names), "impact": round(abs(diff) / 2, 2)},
            target=Target("reference_tone_gap_db", abs(diff),
                          abs(diff + predicted_change), "lower", "dB"),
            rule=f"reference_tone:{name}",
        ))  # fmt: skip
    return found


def _range_change_db(
    features: Features,
    stems: tuple[str, ...],
    shape: str,
    freq_hz: float,
    q: float,
    gain_db: float,
    name: str,
) -> float:
    """How much the mix's energy in the range moves when ``stems`` get the EQ (uncorrelated)."""
    picked = _in_range(name)
    response = eq_response_db(
        [{"type": shape, "freq_hz": freq_hz, "gain_db": gain_db, "q": q}],
        CENTERS_HZ[picked],
        features.analysis.session.sample_rate,
    )
    before = after = 0.0
    for file, stem in features.stems.items():
        energy = widened(stem.mid).mean(axis=0)[picked]
        before += float(energy.sum())
        after += (
            float((energy * 10 ** (response / 10)).sum()) if file in stems else float(energy.sum())
        )
    return float(10 * np.log10(max(after, 1e-30) / max(before, 1e-30)))


def _solve_eq_gain(
    features: Features,
    stems: tuple[str, ...],
    shape: str,
    freq_hz: float,
    q: float,
    name: str,
    wanted_db: float,
) -> float:
    low, high = (-MAX_EQ_DB, 0.0) if wanted_db < 0 else (0.0, MAX_EQ_DB)
    for _ in range(30):
        middle = (low + high) / 2
        if _range_change_db(features, stems, shape, freq_hz, q, middle, name) < wanted_db:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 1)


def _width(features: Features, comparison: Comparison) -> list[Suggestion]:
    found = []
    diff_per_band = comparison.width_diff_db
    for name in ("low-mid", "mid", "presence", "air"):
        picked = _in_range(name)
        diff = float(diff_per_band[picked].mean())
        if abs(diff) <= WIDTH_MIN_DB:
            continue
        ranked = [
            c
            for c in _contributors(features, picked.astype(np.float64), side=True)
            if c[1] >= MIN_SHARE and features.stems[c[0]].measurement.channels == 2
        ][:2]
        if not ranked:
            continue
        stems = tuple(sorted(f for f, _ in ranked))
        share = sum(s for _, s in ranked)
        wanted = 10 ** (-diff / 10)
        squared = (wanted - (1 - share)) / share
        width = float(np.clip(np.sqrt(max(squared, 0.0)), 0.3, 2.0))
        width = round(width, 2)
        predicted = diff + 10 * np.log10(max(1 - share + share * width**2, 1e-6))
        low, high = RANGES_HZ[name]
        ref_width = range_level_db(comparison.ref_side_db, low, high) - range_level_db(
            comparison.ref_mid_db, low, high
        )
        why = (
            f"At {low:g}-{high:g} Hz the mix is {abs(diff):.1f} dB "
            f"{'wider' if diff > 0 else 'narrower'} "
            f"(side against mid) than the reference. {', '.join(stems)} carr"
            f"{'y' if len(stems) > 1 else 'ies'} {share * 100:.0f}% of the side energy there: "
            f"width {width * 100:.0f}% brings the mix to about {predicted:+.1f} dB of it."
        )
        found.append(Suggestion(
            kind="width", stems=stems, params={"width": width},
            severity="low", category="creative", why=why,
            evidence={"aspect": "width", "range": name, "width_diff_db": round(diff, 2),
                      "reference_side_to_mid_db": round(ref_width, 2), "share": round(share, 3),
                      "references": list(comparison.names), "impact": round(abs(diff) / 3, 2)},
            target=Target("reference_width_gap_db", abs(diff), abs(predicted), "lower", "dB"),
            rule=f"reference_width:{name}",
        ))  # fmt: skip
    return found


def _dynamics(features: Features, comparison: Comparison) -> list[Suggestion]:
    mix_spread = comparison.mix_dynamics["short_term_spread_lu"]
    ref_spread = comparison.ref_dynamics["short_term_spread_lu"]
    gap = mix_spread - ref_spread
    if gap <= DYNAMICS_MIN_LU:
        return []
    candidates = sorted(
        (
            (short_term_spread_lu(stem.measurement), file)
            for file, stem in features.stems.items()
            if stem.role in COMPRESSOR_BY_ROLE and stem.active.sum() >= grid_count(30, stem.frame_s)
        ),
        reverse=True,
    )
    if not candidates:
        return []
    stem_spread, file = candidates[0]
    stem = features.stems[file]
    attack_ms, release_ms, ratio = COMPRESSOR_BY_ROLE[stem.role]
    squares = np.asarray(stem.measurement.levels.mean_square_series, np.float64)
    active = squares[squares > squares.max(initial=0) * 1e-4]
    if not len(active):
        return []
    threshold_db = round(float(10 * np.log10(np.percentile(active, 70))) + 3.0, 1)
    why = (
        f"The mix's short-term loudness spreads {mix_spread:.1f} LU, {gap:.1f} LU more than the "
        f"reference's {ref_spread:.1f} LU. {file} moves most ({stem_spread:.1f} LU): a "
        f"{ratio:g}:1 compressor from {threshold_db:.1f} dB is a starting point to judge by ear."
    )
    return [Suggestion(
        kind="compressor", stems=(file,),
        params={"threshold_db": threshold_db, "ratio": ratio, "attack_ms": attack_ms,
                "release_ms": release_ms, "knee_db": 6.0, "makeup_db": 0.0},
        severity="low", category="creative", why=why,
        evidence={"aspect": "dynamics", "mix_spread_lu": round(mix_spread, 2),
                  "reference_spread_lu": round(ref_spread, 2), "stem_spread_lu": round(
                      stem_spread, 2), "references": list(comparison.names),
                  "impact": round(gap / 3, 2)},
        target=Target("mix_short_term_spread_lu", mix_spread, mix_spread - 0.5, "lower", "LU"),
        rule="reference_dynamics",
    )]  # fmt: skip


def suggest(features: Features) -> list[Suggestion]:
    comparison = features.analysis.comparison
    if comparison is None or features.mix is None:
        return []
    return (
        _tone(features, comparison) + _width(features, comparison) + _dynamics(features, comparison)
    )


def _target_tone(s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    mix = f.mix.measurement
    mid_db, _ = band_spectra_db(mix)
    mix_rel = _relative_range_db(mid_db, float(mix.loudness.integrated_lufs), s.evidence["range"])
    return abs(mix_rel - float(s.evidence["reference_relative_db"]))


def _target_width(s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    mid_db, side_db = band_spectra_db(f.mix.measurement)
    low, high = RANGES_HZ[s.evidence["range"]]
    mix_width = range_level_db(side_db, low, high) - range_level_db(mid_db, low, high)
    return abs(mix_width - float(s.evidence["reference_side_to_mid_db"]))


def _target_dynamics(_s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    return short_term_spread_lu(f.mix.measurement)


TARGETS = {
    **{f"reference_tone:{name}": _target_tone for name in RANGES_HZ},
    **{f"reference_width:{name}": _target_width for name in RANGES_HZ},
    "reference_dynamics": _target_dynamics,
}


def follow_aspects(
    suggestions: Sequence[Suggestion], aspects: Iterable[str] = ASPECTS
) -> list[Suggestion]:
    """The suggestions without the reference directions of the aspects not followed."""
    keep = set(aspects)
    return [
        s
        for s in suggestions
        if not s.rule.startswith("reference_") or s.evidence.get("aspect") in keep
    ]
