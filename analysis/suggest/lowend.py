"""Low end: high-pass filters (rumble, DC offset) and mono bass; with the tone rules (tone.py).

Every rule reads a stem's third-octave band energies over the frames where it plays, and every
prediction runs the suggested filter's exact response over those bands, so the numbers quoted are
the ones measured again after processing. Rules, thresholds and their sources:
docs/rules/lowend.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from mixreview.analysis.checks import DC_OFFSET_MAX
from mixreview.analysis.meters.bands import band_edges_hz, bands_between
from mixreview.analysis.suggest import tone
from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    StemFeatures,
    band_index,
    band_range,
)
from mixreview.analysis.suggest.memo import IdentityMemo
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.spectrum import (
    a_or_an,
    active_power,
    band_power_gain,
    cap_first,
    fmt_hz,
    power_db,
    role_label,
)
from mixreview.analysis.suggest.tone import harshness_rule, resonance_rule, tilt_rule

# ----------------------------------------------------------------------------------- high-pass

# role: (default cut-off Hz, lowest plausible fundamental Hz, severity cap). Clean-up below a
# part's notes never breaks a mix on playback: medium at most (docs/rules.md, importance).
HIGHPASS_ROLES: dict[str, tuple[float, float, str]] = {
    "lead_vocal": (80.0, 60.0, "medium"),
    "backing_vocal": (100.0, 60.0, "medium"),
    "guitar": (80.0, 60.0, "medium"),
    "snare": (70.0, 80.0, "medium"),
    "hats": (200.0, 150.0, "medium"),
    "keys": (40.0, 25.0, "medium"),
    "synth": (40.0, 25.0, "medium"),
    "pad": (50.0, 25.0, "low"),
    "fx": (40.0, 25.0, "low"),
}
SUB_ROLES = ("kick", "bass")  # rumble under the lowest note (B0, 30.9 Hz)
SUB_CUTOFF_HZ = 30.0
USEFUL_WITHIN_DB = 24.0  # the lowest band within 24 dB of the peak band carries the part's notes
HP_BANDS_BELOW_USEFUL = {2: 2, 4: 1}  # cut-off this many bands under the lowest useful one
HIGHPASS_FIRE_DB = -25.0  # energy under the cut-off, re the part's total power
HIGHPASS_MEDIUM_DB = -18.0
HIGHPASS_HIGH_DB = -10.0
SUB_FIRE_DB = -20.0
SUB_MEDIUM_DB = -12.0
SUB_HIGH_DB = -6.0
HIGHPASS_DROP_DB = 6.0  # promised: energy under the cut-off falls by at least this much
OCTAVE_ABOVE_MAX_DB = 1.0  # ...while the band an octave above moves by less than this
MIN_CUTOFF_HZ = 20.0
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high")
MEMO = IdentityMemo()


def _cap(severity: Severity, cap: str) -> Severity:
    return SEVERITIES[min(SEVERITIES.index(severity), SEVERITIES.index(cap))]


def _lowest_useful_band(spectrum_db: np.ndarray, lowest_hz: float) -> int | None:
    """Lowest band at or above ``lowest_hz`` within USEFUL_WITHIN_DB of the peak band."""
    top = float(spectrum_db.max())
    for band in bands_between(lowest_hz, math.inf):
        if spectrum_db[band] >= top - USEFUL_WITHIN_DB:
            return int(band)
    return None


def region_below(cutoff_hz: float) -> np.ndarray:
    """Bands lying wholly under the cut-off."""
    return np.flatnonzero(band_edges_hz()[:, 1] <= cutoff_hz * 1.001)


def _highpass_band(cutoff_hz: float, order: int) -> dict[str, Any]:
    return {"type": "highpass", "freq_hz": cutoff_hz, "order": order}


@dataclass(frozen=True)
class HighpassPlan:
    cutoff_hz: float
    order: int
    region: np.ndarray
    share_db: float  # energy in the region re the part's total power
    before_db: float
    predicted_db: float
    octave_band: int
    octave_change_db: float
    useful_band: int | None


def _plan_highpass(
    stem: StemFeatures,
    default_hz: float,
    lowest_hz: float | None,
    orders: tuple[int, ...],
    sample_rate: int,
) -> HighpassPlan | None:
    """The cut-off (the role's default, lowered under the part's lowest useful band) and the
    gentlest order that takes at least ``HIGHPASS_DROP_DB`` (+1 dB of room) off the region."""
    power = active_power(stem)
    total = float(power.sum())
    if total <= 0.0:
        return None
    useful = _lowest_useful_band(stem.spectrum_db, lowest_hz) if lowest_hz else None
    plan = None
    for order in orders:
        cutoff = default_hz
        if useful is not None:
            cutoff = min(cutoff, CENTERS_HZ[useful] / 2.0 ** (HP_BANDS_BELOW_USEFUL[order] / 3.0))
        cutoff = float(np.floor(cutoff))
        region = region_below(cutoff)
        if cutoff < MIN_CUTOFF_HZ or not len(region):
            continue  # a steeper order sits closer to the useful band: it may still fit
        gain = band_power_gain([_highpass_band(cutoff, order)], sample_rate)
        before = power_db(float(power[region].sum()))
        predicted = power_db(float((power[region] * gain[region]).sum()))
        octave = band_index(2.0 * cutoff)
        plan = HighpassPlan(
            cutoff_hz=cutoff,
            order=order,
            region=region,
            share_db=before - power_db(total),
            before_db=before,
            predicted_db=predicted,
            octave_band=octave,
            octave_change_db=power_db(float(gain[octave])),
            useful_band=useful,
        )
        if before - predicted >= HIGHPASS_DROP_DB + 1.0:
            break
    return plan


def _highpass(features: Features, stem: StemFeatures) -> Suggestion | None:
    sub = stem.role in SUB_ROLES
    if not (sub or stem.role in HIGHPASS_ROLES) or not stem.active.any():
        return None
    sample_rate = features.analysis.session.sample_rate
    power = active_power(stem)
    if sub:
        # energy rising toward the bottom band, under the lowest bass note: rumble
        if power[0] <= power[1]:
            return None
        plan = _plan_highpass(stem, SUB_CUTOFF_HZ, None, (4, 6), sample_rate)
        fire, medium, high, cap = SUB_FIRE_DB, SUB_MEDIUM_DB, SUB_HIGH_DB, "medium"
    else:
        default_hz, lowest_hz, cap = HIGHPASS_ROLES[stem.role]
        plan = _plan_highpass(stem, default_hz, lowest_hz, (2, 4), sample_rate)
        fire, medium, high = HIGHPASS_FIRE_DB, HIGHPASS_MEDIUM_DB, HIGHPASS_HIGH_DB
    if plan is None:
        return None
    if plan.share_db < fire or plan.before_db - plan.predicted_db < HIGHPASS_DROP_DB:
        return None
    if abs(plan.octave_change_db) >= OCTAVE_ABOVE_MAX_DB:
        return None  # the filter would reach into the part itself
    severity: Severity = (
        "high" if plan.share_db >= high else "medium" if plan.share_db >= medium else "low"
    )
    severity = _cap(severity, cap)
    top_band = int(plan.region[np.argmax(power[plan.region])])
    if sub:
        reason = (
            f"under the lowest note a {role_label(stem.role)} plays, rising toward the bottom band "
            f"({fmt_hz(CENTERS_HZ[0])} is {power_db(power[0]) - power_db(power[1]):.1f} dB over "
            f"{fmt_hz(CENTERS_HZ[1])}): rumble, not music"
        )
    elif plan.useful_band is not None:
        reason = (
            f"where a {role_label(stem.role)} has nothing to say (its lowest band within "
            f"{USEFUL_WITHIN_DB:.0f} dB of its loudest is {fmt_hz(CENTERS_HZ[plan.useful_band])})"
        )
    else:
        reason = f"where a {role_label(stem.role)} has nothing to say"
    why = (
        f"{stem.file} carries {plan.share_db:+.1f} dB of its power under "
        f"{fmt_hz(plan.cutoff_hz)} (most of it around {fmt_hz(CENTERS_HZ[top_band])}), {reason}; "
        f"the rule speaks from {fire:.0f} dB. "
        f"{cap_first(a_or_an(fmt_hz(plan.cutoff_hz)))} high-pass "
        f"({6 * plan.order} dB/octave) takes {plan.before_db - plan.predicted_db:.1f} dB off "
        f"that energy and moves the {fmt_hz(CENTERS_HZ[plan.octave_band])} band, an octave up, "
        f"by {plan.octave_change_db:+.2f} dB."
    )
    return Suggestion(
        kind="highpass",
        stems=(stem.file,),
        params={"freq_hz": plan.cutoff_hz, "order": plan.order},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "below_cutoff_re_total_db": round(plan.share_db, 2),
            "threshold_db": fire,
            "region_bands_hz": [round(float(CENTERS_HZ[b]), 1) for b in plan.region],
            "below_cutoff_db": round(plan.before_db, 2),
            "lowest_useful_hz": round(float(CENTERS_HZ[plan.useful_band]), 1)
            if plan.useful_band is not None
            else None,
            "octave_above_hz": round(float(CENTERS_HZ[plan.octave_band]), 1),
            "octave_above_change_db": round(plan.octave_change_db, 3),
            "promised_drop_db": HIGHPASS_DROP_DB,
            "impact": round(plan.share_db - fire, 2),
        },
        target=Target("below_cutoff_db", plan.before_db, plan.predicted_db, "lower", "dB"),
        rule="sub_rumble" if sub else "rumble",
    )


def _target_below_cutoff(s: Suggestion, f: Features) -> float:
    stem = f.stems[s.stems[0]]
    region = [band_index(hz) for hz in s.evidence["region_bands_hz"]]
    return power_db(float(active_power(stem)[region].sum()))


# ----------------------------------------------------------------------------------- DC offset

DC_CUTOFFS_HZ = (20.0, 15.0, 10.0)  # the highest that leaves the part's own bands alone
DC_ORDER = 2  # 12 dB/octave: removes DC completely (a first order leaves a residue)
DC_CONTENT_MAX_DB = 0.5  # no band within USEFUL_WITHIN_DB of the loudest loses more than this
DC_MEDIUM = 0.01  # -40 dBFS of DC
DC_HIGH = 0.1  # -20 dBFS: a tenth of full scale, 0.8 dB of headroom on peaks near full scale


def dc_offset_of(stem: StemFeatures) -> float:
    """The stem's DC offset (the largest channel mean, signed)."""
    return float(stem.measurement.levels.dc_offset)


def _dc_cutoff(stem: StemFeatures, sample_rate: int) -> tuple[float, float]:
    """The highest cut-off of DC_CUTOFFS_HZ whose largest loss on the part's useful bands stays
    under DC_CONTENT_MAX_DB, and that loss (dB, >= 0)."""
    spectrum = stem.spectrum_db
    useful = spectrum >= spectrum.max() - USEFUL_WITHIN_DB
    loss = 0.0
    for cutoff in DC_CUTOFFS_HZ:
        gain = band_power_gain([_highpass_band(cutoff, DC_ORDER)], sample_rate)
        loss = -power_db(float(gain[useful].min()))
        if loss < DC_CONTENT_MAX_DB:
            break
    return cutoff, loss


def _dc_severity(dc: float) -> Severity:
    return "high" if abs(dc) >= DC_HIGH else "medium" if abs(dc) >= DC_MEDIUM else "low"


def _dc_words(dc: float) -> str:
    return f"DC offset of {dc:+.4f} ({power_db(dc * dc):.1f} dBFS)"


def _worse(a: Severity, b: Severity) -> Severity:
    return SEVERITIES[max(SEVERITIES.index(a), SEVERITIES.index(b))]


def _dc_highpass(features: Features, stem: StemFeatures) -> Suggestion | None:
    """A high-pass on a stem whose DC offset trips the dc_offset check."""
    dc = dc_offset_of(stem)
    if abs(dc) <= DC_OFFSET_MAX:
        return None
    cutoff, loss = _dc_cutoff(stem, features.analysis.session.sample_rate)
    why = (
        f"{stem.file} carries a {_dc_words(dc)}, over the {DC_OFFSET_MAX:g} (-60 dBFS) the "
        "dc_offset check allows: it eats headroom and thumps wherever the part starts, stops or "
        f"is cut. {cap_first(a_or_an(fmt_hz(cutoff)))} high-pass ({6 * DC_ORDER} dB/octave) on "
        "this stem removes it here rather than leaving it to mastering, and changes the "
        f"part's own bands by at most {loss:.2f} dB."
    )
    return Suggestion(
        kind="highpass",
        stems=(stem.file,),
        params={"freq_hz": cutoff, "order": DC_ORDER},
        severity=_dc_severity(dc),
        category="technical",
        why=why,
        evidence={
            "dc_offset": round(dc, 6),
            "threshold": DC_OFFSET_MAX,
            "content_loss_db": round(loss, 3),
            "impact": round(power_db(dc * dc) - power_db(DC_OFFSET_MAX**2), 2),
        },
        target=Target("dc_offset", abs(dc), 0.0, "lower"),
        rule="dc_offset",
    )


def _with_dc_removed(features: Features, stem: StemFeatures, found: list[Suggestion]) -> None:
    """Remove the stem's DC offset: by its own high-pass when a rule already suggests one (one
    high-pass per stem, saying both reasons), else by a high-pass of its own."""
    dc_cut = _dc_highpass(features, stem)
    if dc_cut is None:
        return
    for i, s in enumerate(found):
        if s.kind == "highpass" and s.stems == (stem.file,):
            dc = dc_offset_of(stem)
            found[i] = replace(
                s,
                severity=_worse(s.severity, dc_cut.severity),
                why=f"{s.why} It also removes the stem's {_dc_words(dc)}.",
                evidence={**s.evidence, "dc_offset": round(dc, 6), "dc_threshold": DC_OFFSET_MAX},
            )
            return
    found.append(dc_cut)


def _target_dc(s: Suggestion, f: Features) -> float:
    return abs(dc_offset_of(f.stems[s.stems[0]]))


# ----------------------------------------------------------------------------------- mono bass

MONO_LOW_HZ = 120.0  # bands centred at or below this: where the low end should be mono
MONO_FIRE_DB = -10.0  # side/mid in the low bands; -10 dB is an L/R correlation of about 0.82
MONO_MEDIUM_DB = -6.0  # correlation about 0.6
MONO_HIGH_DB = -3.0  # correlation about 0.33
MONO_MIN_SHARE_DB = -20.0  # the low bands hold at least 1% of the stem's power
MONO_CROSSOVERS_HZ = (100.0, 120.0, 150.0)
MONO_DROP_DB = 10.0  # promised: low-band side energy falls by at least this much
BASS_ROLES = ("kick", "bass")


def low_bands() -> np.ndarray:
    return band_range(20.0, MONO_LOW_HZ)


def low_side_to_mid_db(stem: StemFeatures) -> float:
    low = low_bands()
    return power_db(float(active_power(stem, "side")[low].sum())) - power_db(
        float(active_power(stem, "mid")[low].sum())
    )


def mono_loss_db(stem: StemFeatures) -> float:
    """How much the low bands lose when the stereo stem is summed to mono (dB, <= 0)."""
    low = low_bands()
    mid = float(active_power(stem, "mid")[low].sum())
    return power_db(mid) - power_db(mid + float(active_power(stem, "side")[low].sum()))


def _correlation(side_to_mid_db: float) -> float:
    """L/R correlation of equal-level channels with this side/mid ratio."""
    ratio = 10.0 ** (side_to_mid_db / 10.0)
    return (1.0 - ratio) / (1.0 + ratio)


def _mono_bass(features: Features, stem: StemFeatures) -> Suggestion | None:
    if stem.measurement.channels != 2 or not stem.active.any():
        return None
    low = low_bands()
    power = active_power(stem)
    share_db = power_db(float(power[low].sum())) - power_db(float(power.sum()))
    if share_db < MONO_MIN_SHARE_DB:
        return None
    ratio_db = low_side_to_mid_db(stem)
    if ratio_db <= MONO_FIRE_DB:
        return None
    side = active_power(stem, "side")
    sr = features.analysis.session.sample_rate
    before_side = float(side[low].sum())
    for freq_hz in MONO_CROSSOVERS_HZ:
        lr4 = [_highpass_band(freq_hz, 2), _highpass_band(freq_hz, 2)]
        after_side = float((side[low] * band_power_gain(lr4, sr)[low]).sum())
        drop = power_db(before_side) - power_db(after_side)
        if drop >= MONO_DROP_DB + 2.0:
            break
    predicted = ratio_db - drop
    severity: Severity
    if ratio_db > MONO_HIGH_DB and (stem.role in BASS_ROLES or share_db >= -10.0):
        severity = "high"
    elif ratio_db > MONO_MEDIUM_DB:
        severity = "medium"
    else:
        severity = "low"
    loss = mono_loss_db(stem)
    why = (
        f"{stem.file} is wide below {MONO_LOW_HZ:.0f} Hz: side/mid {ratio_db:+.1f} dB there "
        f"(an L/R correlation of about {_correlation(ratio_db):.2f}; the rule speaks above "
        f"{MONO_FIRE_DB:.0f} dB, about 0.82). Those bands hold {share_db:+.1f} dB of its power "
        f"and lose {abs(loss):.1f} dB when the mix is summed to mono (club systems, phones, "
        f"vinyl). Making it mono below {freq_hz:.0f} Hz takes {drop:.1f} dB off the low side "
        "and leaves the mid, and the width above, untouched."
    )
    mix = features.mix
    mix_ratio = low_side_to_mid_db(mix) if mix is not None and mix.active.any() else None
    if mix_ratio is not None and mix_ratio > MONO_FIRE_DB:
        why += f" The whole mix is wide down there too (side/mid {mix_ratio:+.1f} dB)."
    return Suggestion(
        kind="mono_bass",
        stems=(stem.file,),
        params={"freq_hz": freq_hz},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "low_side_to_mid_db": round(ratio_db, 2),
            "threshold_db": MONO_FIRE_DB,
            "low_correlation": round(_correlation(ratio_db), 3),
            "low_share_db": round(share_db, 2),
            "mono_loss_db": round(loss, 2),
            "mix_low_side_to_mid_db": round(mix_ratio, 2) if mix_ratio is not None else None,
            "promised_drop_db": MONO_DROP_DB,
            "impact": round(ratio_db - MONO_FIRE_DB, 2),
        },
        target=Target("low_side_to_mid_db", ratio_db, predicted, "lower", "dB"),
        rule="mono_bass",
    )


def _target_mono(s: Suggestion, f: Features) -> float:
    return low_side_to_mid_db(f.stems[s.stems[0]])


# ------------------------------------------------------------------------------------- family


def _stem_rules(features: Features, stem: StemFeatures) -> tuple[Suggestion, ...]:
    """The rules that read the stem's spectrum against itself (kept while its measurement
    ahead of the fader and where it plays are the same)."""
    return tuple(
        suggestion
        for rule in (_highpass, resonance_rule, harshness_rule, tilt_rule)
        if (suggestion := rule(features, stem)) is not None
    )


def _shift_rumble(
    found: tuple[Suggestion, ...], deltas: tuple[float, ...]
) -> tuple[Suggestion, ...]:
    """The stem's rules after a gain of ``deltas[0]`` dB: only the high-pass quotes a level of
    its own (the energy under the cut-off), which moves with the gain."""
    (delta_db,) = deltas
    moved = []
    for s in found:
        if s.rule in ("rumble", "sub_rumble"):
            target = replace(
                s.target, before=s.target.before + delta_db, predicted=s.target.predicted + delta_db
            )
            s = replace(
                s,
                target=target,
                evidence={**s.evidence, "below_cutoff_db": round(target.before, 2)},
            )
        moved.append(s)
    return tuple(moved)


def suggest(features: Features) -> list[Suggestion]:
    found: list[Suggestion] = []
    for file in sorted(features.stems):
        stem = features.stems[file]
        kept: tuple[Suggestion, ...] = MEMO.get(
            ("lowend", file),
            (stem.ahead, features.sections),
            partial(_stem_rules, features, stem),
            levels=(stem.fader_db,),
            shift=_shift_rumble,
        )
        own = list(kept)
        _with_dc_removed(features, stem, own)  # the DC moves with the stem's gain: never kept
        mono = _mono_bass(features, stem)  # judged against the mix: never kept
        if mono is not None:
            own.insert(1 if own and own[0].kind == "highpass" else 0, mono)
        found += own
    return found


TARGETS = {
    "rumble": _target_below_cutoff,
    "sub_rumble": _target_below_cutoff,
    "mono_bass": _target_mono,
    **tone.TARGETS,
    "dc_offset": _target_dc,
}
