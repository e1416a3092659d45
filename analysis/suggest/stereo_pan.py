"""Stereo placement rules: centre parts leaning to one side (``centre_pan``), the mix leaning
(``mix_balance``), and supporting parts delivered in mono (``mono_placement``).
See docs/rules/stereo.md."""

from __future__ import annotations

import math

from mixreview.analysis.suggest.features import Features, StemFeatures, grid_count
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.suggest.spectrum import role_label
from mixreview.analysis.suggest.stereo_common import (
    CENTRE_ROLES,
    MAX_LOSS_DB,
    MIN_ACTIVE_FRAMES,
    balance,
    balanced,
    pan_to_centre,
    ratio_db,
    stereo_sums,
    where_in_song,
)

CENTRE_BALANCE_MAX = 0.2  # |balance| 0.2 = 1.8 dB between the channels
CENTRE_BALANCE_MEDIUM = 0.33  # 3 dB
CENTRE_BALANCE_HIGH = 0.6  # 6 dB
MIX_IMBALANCE_DB = 1.0  # FACTS.md: under 1 LU is hard to hear
MIX_IMBALANCE_MEDIUM_DB = 1.5
MIX_IMBALANCE_HIGH_DB = 3.0

# FACTS.md panning conventions: supporting parts +-15-30 deg, percussion and effects +-25-45 deg.
# The pan law puts +-1 at +-45 deg, so pan = angle / 45 deg; the middle of each range is taken.
PLACEMENT_PAN: dict[str, float] = {
    "guitar": 0.5,
    "keys": 0.5,
    "backing_vocal": 0.5,
    "hats": 0.78,
    "fx": 0.78,
}


def centre_pan_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    if stem.role not in CENTRE_ROLES or stem.measurement.stereo is None:
        return None
    if stem.active.sum() < grid_count(MIN_ACTIVE_FRAMES, stem.frame_s):
        return None
    ll, rr, _lr = stereo_sums(stem, stem.active)
    before = balance(ll, rr)
    if abs(before) <= CENTRE_BALANCE_MAX:
        return None
    pan = round(pan_to_centre(ll, rr), 2)
    after = balance(*balanced(ll, rr, pan))
    side = "right" if before > 0 else "left"
    level_db = ratio_db(max(ll, rr) / min(ll, rr)) if min(ll, rr) > 0 else MAX_LOSS_DB
    severity: Severity = (
        "high"
        if abs(before) > CENTRE_BALANCE_HIGH
        else "medium"
        if abs(before) > CENTRE_BALANCE_MEDIUM
        else "low"
    )
    why = (
        f"{stem.file} leans {side}: balance {before:+.2f} ({level_db:.1f} dB louder on the "
        f"{side}) while it plays, {where_in_song(features, stem.active)}. "
        f"A {role_label(stem.role)} is "
        f"conventionally centred, and past {CENTRE_BALANCE_MAX:.1f} ({ratio_db(1.2 / 0.8):.1f} dB) "
        f"the lean is audible. A balance of {pan:+.2f} brings it to {after:+.2f}."
    )
    return Suggestion(
        kind="pan",
        stems=(stem.file,),
        params={"pan": pan},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "balance": round(before, 3),
            "threshold": CENTRE_BALANCE_MAX,
            "channel_difference_db": round(level_db, 2),
            "impact": round(abs(before) * 10, 2),
        },
        target=Target("abs_balance", abs(before), abs(after), "lower"),
        rule="centre_pan",
    )


def _target_abs_balance(s: Suggestion, f: Features) -> float:
    stem = f.stems[s.stems[0]]
    ll, rr, _lr = stereo_sums(stem, stem.active)
    return abs(balance(ll, rr))


def mix_imbalance_db(ll: float, rr: float) -> float:
    """10 log10(R² / L²): positive leans right."""
    if ll <= 0 or rr <= 0:
        return 0.0 if ll == rr else math.copysign(MAX_LOSS_DB, rr - ll)
    return 10.0 * math.log10(rr / ll)


def mix_balance_rule(features: Features, already: set[str]) -> Suggestion | None:
    mix = features.mix
    if mix is None or mix.measurement.stereo is None:
        return None
    mix_ll, mix_rr, _ = stereo_sums(mix)
    before = mix_imbalance_db(mix_ll, mix_rr)
    if abs(before) <= MIX_IMBALANCE_DB:
        return None
    lean = 1.0 if before > 0 else -1.0
    contributions = []
    for file in sorted(features.stems):
        ll, rr, _lr = stereo_sums(features.stems[file])
        contributions.append((lean * (rr - ll), file, ll, rr))
    top, file, ll, rr = max(contributions, key=lambda c: (c[0], c[1]))
    if top <= 0 or file in already:
        return None
    stem = features.stems[file]

    def after(pan: float) -> float:
        new_ll, new_rr = balanced(ll, rr, pan)
        return mix_imbalance_db(mix_ll - ll + new_ll, mix_rr - rr + new_rr)

    limit = pan_to_centre(ll, rr)  # no further than the stem's own centre
    low, high = (min(0.0, limit), max(0.0, limit))
    if lean * after(limit) >= 0:
        pan = limit
    else:
        for _ in range(40):
            middle = (low + high) / 2
            if (after(middle) > 0) == (after(low) > 0):
                low = middle
            else:
                high = middle
        pan = (low + high) / 2
    pan = round(pan, 2)
    predicted = after(pan)
    if abs(predicted) > 0.5 * abs(before):
        return None
    side = "right" if lean > 0 else "left"
    share = top / (lean * (mix_rr - mix_ll)) if mix_rr != mix_ll else 0.0
    severity: Severity = (
        "high"
        if abs(before) > MIX_IMBALANCE_HIGH_DB
        else "medium"
        if abs(before) > MIX_IMBALANCE_MEDIUM_DB
        else "low"
    )
    why = (
        f"The mix leans {side}: {abs(before):.1f} dB more energy on the {side} over the song, "
        f"above the {MIX_IMBALANCE_DB:.0f} dB where a lean starts to be heard. {file} "
        f"({role_label(stem.role)}, balance {balance(ll, rr):+.2f}) gives {share:.0%} of that "
        f"lean. A balance of {pan:+.2f} on it brings the mix to {abs(predicted):.1f} dB."
    )
    return Suggestion(
        kind="pan",
        stems=(file,),
        params={"pan": pan},
        severity=severity,
        category="technical",
        why=why,
        evidence={
            "mix_imbalance_db": round(before, 2),
            "threshold_db": MIX_IMBALANCE_DB,
            "stem_balance": round(balance(ll, rr), 3),
            "share_of_lean": round(share, 3),
            "impact": round(abs(before), 2),
        },
        target=Target("mix_imbalance_db", abs(before), abs(predicted), "lower", "dB"),
        rule="mix_balance",
    )


def _target_mix_imbalance(_s: Suggestion, f: Features) -> float:
    assert f.mix is not None
    ll, rr, _lr = stereo_sums(f.mix)
    return abs(mix_imbalance_db(ll, rr))


def mono_placement_rules(features: Features) -> list[Suggestion]:
    mix = features.mix
    side = -1.0  # the first part goes opposite the mix's lean (left when it is level)...
    if mix is not None and mix.measurement.stereo is not None:
        mix_ll, mix_rr, _ = stereo_sums(mix)
        side = 1.0 if mix_rr < mix_ll else -1.0
    found: list[Suggestion] = []
    for file in sorted(features.stems):
        stem = features.stems[file]
        position = PLACEMENT_PAN.get(stem.role)
        st = stem.measurement.stereo
        if position is None or (st is not None and not st.identical_channels):
            continue
        if stem.active.sum() < grid_count(MIN_ACTIVE_FRAMES, stem.frame_s):
            continue
        ll, rr, _lr = stereo_sums(stem)
        pan = side * position
        side = -side  # ...and the next one opposite it: parts placed in mirrored pairs
        new_ll, new_rr = balanced(ll, rr, pan)
        predicted = balance(new_ll, new_rr)
        delivered = "mono file" if st is None else "stereo file with identical channels"
        angle = position * 45.0
        why = (
            f"{file} is a {delivered}, so it sits dead centre with the kick, bass and lead. "
            f"A {role_label(stem.role)} is usually placed off-centre (about {angle:.0f} degrees; "
            f"conventions: supporting parts 15-30, percussion and effects 25-45). A pan of "
            f"{pan:+.2f} ({'left' if pan < 0 else 'right'}; parts placed this way alternate "
            f"sides, starting opposite the mix's lean) is a starting point."
        )
        found.append(
            Suggestion(
                kind="pan",
                stems=(file,),
                params={"pan": pan},
                severity="low",
                category="creative",
                why=why,
                evidence={
                    "mono": st is None,
                    "identical_channels": st is not None,
                    "convention_deg": round(angle, 1),
                    "impact": 0.5,
                },
                target=Target("stem_balance", 0.0, predicted, f"closer:{predicted:.3f}"),
                rule="mono_placement",
            )
        )
    return found


def _target_stem_balance(s: Suggestion, f: Features) -> float:
    ll, rr, _lr = stereo_sums(f.stems[s.stems[0]])
    return balance(ll, rr)


TARGETS = {
    "centre_pan": _target_abs_balance,
    "mix_balance": _target_mix_imbalance,
    "mono_placement": _target_stem_balance,
}
