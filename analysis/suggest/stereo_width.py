"""The stereo ``width`` rule: a stem that loses too much when the mix is summed to mono is
narrowed until the loss falls to a goal (mid untouched). See docs/rules/stereo.md."""

from __future__ import annotations

import math

import numpy as np

from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    StemFeatures,
    grid_count,
    widened,
)
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.spectrum import role_label
from mixreview.analysis.suggest.stereo_common import (
    CENTRE_ROLES,
    MAX_LOSS_DB,
    MIN_ACTIVE_FRAMES,
    POLARITY_CORRELATION_MAX,
    band_label,
    correlation,
    is_stereo,
    loss_db,
    ratio_db,
    stereo_sums,
    where_in_song,
)

IMPORTANT_WITHIN_DB = 10.0  # bands within 10 dB of the stem's loudest band matter
WIDTH_LIMIT_DB = {"centre": 2.0, "other": 3.0}  # mono loss above which the rule speaks
WIDTH_GOAL_DB = {"centre": 1.0, "other": 1.5}  # the loss the narrowing aims for
WIDTH_HIGH_DB = 6.0  # more than 6 dB lost in mono: high
WIDTH_MEDIUM_DB = 3.0


def important_bands(stem: StemFeatures) -> np.ndarray:
    """Bands holding the stem's sound: within 10 dB of its loudest band while it plays."""
    power = stem.band_power[stem.active].sum(axis=0)
    if power.max(initial=0.0) <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(power >= power.max() * 10 ** (-IMPORTANT_WITHIN_DB / 10))


def mono_loss(stem: StemFeatures, bands: np.ndarray) -> float:
    """Mono fold-down loss (dB) over the given bands, while the stem plays."""
    mid = float(widened(stem.mid[stem.active][:, bands]).sum())
    side = float(widened(stem.side[stem.active][:, bands]).sum())
    return loss_db(mid, side)


def width_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    if not is_stereo(stem) or stem.active.sum() < grid_count(MIN_ACTIVE_FRAMES, stem.frame_s):
        return None
    ll, rr, lr = stereo_sums(stem, stem.active)
    corr = correlation(ll, rr, lr)
    if corr is None or corr < POLARITY_CORRELATION_MAX:
        return None  # the polarity rule speaks instead
    bands = important_bands(stem)
    if not len(bands):
        return None
    group = "centre" if stem.role in CENTRE_ROLES else "other"
    limit, goal = WIDTH_LIMIT_DB[group], WIDTH_GOAL_DB[group]
    mids, sides = widened(stem.mid[stem.active]), widened(stem.side[stem.active])
    mid = float(mids[:, bands].sum())
    side = float(sides[:, bands].sum())
    loss = loss_db(mid, side)
    if loss <= limit or side <= 0:
        return None
    width = math.floor(100.0 * math.sqrt(mid * (10 ** (goal / 10) - 1.0) / side)) / 100.0
    width = min(max(width, 0.0), 0.99)
    predicted = loss_db(mid, width**2 * side)
    per_band = [loss_db(float(mids[:, k].sum()), float(sides[:, k].sum())) for k in bands]
    worst = int(bands[int(np.argmax(per_band))])
    side_to_mid = ratio_db(side / mid) if mid > 0 else MAX_LOSS_DB
    severity: Severity = (
        "high" if loss > WIDTH_HIGH_DB else "medium" if loss > WIDTH_MEDIUM_DB else "low"
    )
    if group == "centre":
        reason = f"a {role_label(stem.role)} is a centre part and should lose under {goal:.0f} dB"
    else:
        reason = f"above {limit:.0f} dB the side is louder than the mid and the part thins out"
    why = (
        f"{stem.file} loses {loss:.1f} dB when the mix is summed to mono (side {side_to_mid:+.1f} "
        f"dB against mid in the bands that carry it, {band_label(bands[0])} to "
        f"{band_label(bands[-1])}; worst {max(per_band):.1f} dB at {band_label(worst)}), "
        f"{where_in_song(features, stem.active)}; {reason}. Width "
        f"{width:.0%} (side {20 * math.log10(max(width, 1e-3)):+.1f} dB) brings the loss to "
        f"{predicted:.1f} dB; the mid, and so the mono sound, is untouched."
    )
    return Suggestion(
        kind="width",
        stems=(stem.file,),
        params={"width": width},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "mono_loss_db": round(loss, 2),
            "limit_db": limit,
            "goal_db": goal,
            "side_to_mid_db": round(side_to_mid, 2),
            "correlation": round(corr, 3),
            "worst_band_hz": round(float(CENTERS_HZ[worst]), 1),
            "worst_band_loss_db": round(max(per_band), 2),
            "bands": [int(k) for k in bands],
            "impact": round(loss - limit, 2),
        },
        target=Target("mono_loss_db", loss, predicted, "lower", "dB"),
        rule="width",
    )


def _target_mono_loss(s: Suggestion, f: Features) -> float:
    return mono_loss(f.stems[s.stems[0]], np.asarray(s.evidence["bands"], dtype=np.int64))


TARGETS = {"width": _target_mono_loss}
