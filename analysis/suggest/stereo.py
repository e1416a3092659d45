"""Stereo: polarity, width (mono compatibility) and placement (pan).

Everything is read from the per-100 ms sums the meters keep: L², R² and L·R per stem
(``StereoResult``), mid and side power per third-octave band (``BandsResult``), and the same for the
mix. Width and correlation follow FACTS.md: width E[(L-R)²] / E[(L+R)²], balance
(E_R - E_L) / (E_R + E_L). The mono fold-down loss of a part is how much quieter it gets when the
mix is summed to mono: 10 log10((mid + side) / mid) dB, with mid = (L+R)/2, side = (L-R)/2.

Rules (names are the ``rule`` of each suggestion):
- ``channel_polarity``: a stereo stem with L/R correlation below -0.5 (one channel inverted):
  flip the right channel.
- ``pair_polarity``: two stems playing together whose low end (31.5-500 Hz) adds up in the mix
  to at least 3 dB less than the sum of their energies: they cancel, so one is out of polarity
  with the other; flip the quieter one.
- ``width``: a stereo stem whose important bands lose more than 2 dB (parts conventionally
  centred: kick, snare, bass, lead vocal) or 3 dB (others: side louder than mid) in mono: narrow
  it so the loss falls to 1 dB or 1.5 dB.
- ``centre_pan``: a kick, snare, bass or lead vocal leaning more than 0.2 (1.8 dB) to one side:
  rebalance it to the centre.
- ``mix_balance``: the mix leaning more than 1 dB to one side: rebalance the stem contributing
  most to the lean, at most to its own centre.
- ``mono_placement``: a supporting part delivered in mono (or as identical channels) sits dead
  centre; place it where the panning conventions put it, alternating sides (mirrored pairs).

Rules, thresholds and sources: docs/rules/stereo.md.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from mixreview.analysis.dsp.pan import balance_gains
from mixreview.analysis.meters.bands import NOMINAL_CENTERS_HZ
from mixreview.analysis.roles import ROLE_LABELS
from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    IdentityMemo,
    StemFeatures,
    _fit,
    band_range,
)
from mixreview.analysis.suggest.model import Severity, Suggestion, Target
from mixreview.analysis.timeline import describe_ranges, merge_ranges

FRAME_S = 0.1
MIN_ACTIVE_FRAMES = 30  # 3 s of playing before the image is judged
MAX_LOSS_DB = 60.0

POLARITY_CORRELATION_MAX = -0.5  # the channel_polarity check's threshold (docs/checks.md)

PAIR_LOW_HZ, PAIR_HIGH_HZ = 31.5, 500.0  # where related sources stay in phase (long periods)
PAIR_DEFICIT_DB = -3.0  # the pair adds to this much less than its energies: correlation <= -0.5
PAIR_SHARE_MIN = 0.7  # the pair holds at least 70% of the stem energy in the cells judged
PAIR_WEAKER_MIN = 0.1  # the quieter stem holds at least 10% of the pair's energy
PAIR_MIN_FRAMES = 30  # 3 s of both playing

CENTRE_ROLES = ("kick", "snare", "bass", "lead_vocal")
IMPORTANT_WITHIN_DB = 10.0  # bands within 10 dB of the stem's loudest band matter
WIDTH_LIMIT_DB = {"centre": 2.0, "other": 3.0}  # mono loss above which the rule speaks
WIDTH_GOAL_DB = {"centre": 1.0, "other": 1.5}  # the loss the narrowing aims for
WIDTH_HIGH_DB = 6.0  # more than 6 dB lost in mono: high
WIDTH_MEDIUM_DB = 3.0

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


# ------------------------------------------------------------------ helpers ---


def band_label(band: int) -> str:
    """The nominal name of a third-octave band: '63 Hz', '1.25 kHz'."""
    name = NOMINAL_CENTERS_HZ[band]
    return f"{name[:-1]} kHz" if name.endswith("k") else f"{name} Hz"


def _label(role: str) -> str:
    return ROLE_LABELS.get(role, role).lower()


def loss_db(mid: float, side: float) -> float:
    """Mono fold-down loss in dB (>= 0): how much the part drops when L and R are summed."""
    if mid + side <= 0:
        return 0.0
    if mid <= 0:
        return MAX_LOSS_DB
    return float(min(10.0 * math.log10((mid + side) / mid), MAX_LOSS_DB))


def stereo_sums(stem: StemFeatures, mask: np.ndarray | None = None) -> tuple[float, float, float]:
    """Summed L², R² and L·R over the frames in ``mask`` (all frames if None).

    A mono stem enters the mix as the same signal on both channels, so all three are equal.
    """
    st = stem.measurement.stereo
    if st is None:
        series = _fit(np.asarray(stem.measurement.levels.mean_square_series), stem.frames)
        energy = float(series[mask].sum() if mask is not None else series.sum())
        return energy, energy, energy
    sums = []
    for series in (st.ll_series, st.rr_series, st.lr_series):
        fitted = _fit(np.asarray(series, np.float64), stem.frames)
        sums.append(float(fitted[mask].sum() if mask is not None else fitted.sum()))
    return sums[0], sums[1], sums[2]


def correlation(ll: float, rr: float, lr: float) -> float | None:
    denom = math.sqrt(ll * rr)
    return lr / denom if denom > 0 else None


def balance(ll: float, rr: float) -> float:
    total = ll + rr
    return (rr - ll) / total if total > 0 else 0.0


def pan_to_centre(ll: float, rr: float) -> float:
    """The balance position that makes L² and R² equal (constant-power law, see dsp/pan.py)."""
    if ll <= 0 or rr <= 0:
        return 0.0
    theta = math.atan(math.sqrt(ll / rr))
    return 4.0 * theta / math.pi - 1.0


def balanced(ll: float, rr: float, pan: float) -> tuple[float, float]:
    """L² and R² after the balance control at ``pan``."""
    gain_l, gain_r = balance_gains(pan)
    return gain_l**2 * ll, gain_r**2 * rr


def _is_stereo(stem: StemFeatures) -> bool:
    st = stem.measurement.stereo
    return st is not None and not st.identical_channels


def _where(features: Features, mask: np.ndarray) -> str:
    if mask.mean() > 0.9:
        return "throughout the song"
    manifest = features.analysis.session.manifest
    times = (np.flatnonzero(mask) * FRAME_S).tolist()
    return "at " + describe_ranges(
        merge_ranges(times, gap_s=2.0), manifest.tempo_bpm, manifest.beats_per_bar
    )


# ------------------------------------------------------------ polarity: L/R ---


def _channel_polarity(features: Features, stem: StemFeatures) -> Suggestion | None:
    if not _is_stereo(stem) or stem.active.sum() < 10:
        return None
    ll, rr, lr = stereo_sums(stem, stem.active)
    corr = correlation(ll, rr, lr)
    if corr is None or corr >= POLARITY_CORRELATION_MAX:
        return None
    loss = loss_db((ll + 2 * lr + rr) / 4, (ll - 2 * lr + rr) / 4)
    loss_after = loss_db((ll - 2 * lr + rr) / 4, (ll + 2 * lr + rr) / 4)
    where = _where(features, stem.active)
    why = (
        f"{stem.file}: left/right correlation {corr:+.2f} while it plays ({where}), "
        f"below {POLARITY_CORRELATION_MAX:+.1f}: one channel is the other upside down. Summed to "
        f"mono the part drops by {loss:.1f} dB (it all but vanishes on a phone or a club system). "
        f"Flipping the polarity of the right channel brings the correlation to {-corr:+.2f} and "
        f"the mono loss to {loss_after:.1f} dB. Better still, fix the source and export again."
    )
    return Suggestion(
        kind="polarity",
        stems=(stem.file,),
        params={"channels": "right"},
        severity="high",
        category="technical",
        why=why,
        evidence={
            "correlation": round(corr, 3),
            "threshold": POLARITY_CORRELATION_MAX,
            "mono_loss_db": round(loss, 2),
            "predicted_mono_loss_db": round(loss_after, 2),
            "impact": round(min(loss, 30.0), 2),
        },
        target=Target("correlation", corr, -corr, "higher"),
        rule="channel_polarity",
    )


def _target_correlation(s: Suggestion, f: Features) -> float:
    stem = f.stems[s.stems[0]]
    ll, rr, lr = stereo_sums(stem, stem.active)
    corr = correlation(ll, rr, lr)
    return 1.0 if corr is None else corr


# ---------------------------------------------------------- polarity: pairs ---


CELLS = IdentityMemo()


def _pair_cells(features: Features, a: StemFeatures, b: StemFeatures) -> np.ndarray | None:
    """(frames, bands) cells in the low range where both stems play in the band."""
    bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
    both = a.active & b.active
    if both.sum() < PAIR_MIN_FRAMES:
        return None
    cells = np.zeros(a.band_active.shape, dtype=bool)
    cells[:, bands] = a.band_active[:, bands] & b.band_active[:, bands]
    cells &= both[:, None]
    return cells if cells.any(axis=1).sum() >= PAIR_MIN_FRAMES else None


def pair_energies(
    features: Features, a: StemFeatures, b: StemFeatures, cells: np.ndarray
) -> tuple[float, float, float, float]:
    """Energies over the cells: stem a, stem b, all stems summed, and the mix."""
    e_a = float(a.band_power[cells].sum())
    e_b = float(b.band_power[cells].sum())
    e_all = float(features.all_band_power[cells].sum())
    e_mix = float(features.mix.band_power[cells].sum()) if features.mix is not None else 0.0
    return e_a, e_b, e_all, e_mix


def _db(ratio: float) -> float:
    return 10.0 * math.log10(max(ratio, 1e-6))


def _pair_polarity(features: Features) -> list[Suggestion]:
    if features.mix is None:
        return []
    files = sorted(f for f, s in features.stems.items() if s.active.sum() >= PAIR_MIN_FRAMES)
    found: list[tuple[float, Suggestion]] = []
    for i, file_a in enumerate(files):
        for file_b in files[i + 1 :]:
            a, b = features.stems[file_a], features.stems[file_b]
            cells = CELLS.get(
                ("pair_cells", a.file, b.file),
                (a.measurement, b.measurement),
                lambda a=a, b=b: _pair_cells(features, a, b),  # type: ignore[misc]
            )
            if cells is None:
                continue
            e_a, e_b, e_all, e_mix = pair_energies(features, a, b, cells)
            if e_all <= 0 or e_a + e_b < PAIR_SHARE_MIN * e_all:
                continue
            if min(e_a, e_b) < PAIR_WEAKER_MIN * (e_a + e_b):
                continue
            deficit = _db(e_mix / e_all)
            if deficit > PAIR_DEFICIT_DB:
                continue
            rho = (e_mix - e_all) / (2.0 * math.sqrt(e_a * e_b))
            predicted = _db((2.0 * e_all - e_mix) / e_all)
            weaker, other = (a, b) if (e_a, file_b) < (e_b, file_a) else (b, a)
            frames = cast(np.ndarray, cells.any(axis=1))
            used = np.flatnonzero(cells.any(axis=0))
            low_hz, high_hz = CENTERS_HZ[used[0]], CENTERS_HZ[used[-1]]
            why = (
                f"{weaker.file} and {other.file} cancel each other in the low end: where both "
                f"play ({_where(features, frames)}, {band_label(used[0])} to "
                f"{band_label(used[-1])}) they add up "
                f"in the mix to {deficit:.1f} dB against the sum of their energies; parts that "
                f"simply play together add to about 0 dB, and below {PAIR_DEFICIT_DB:.0f} dB "
                f"they work against each other (correlation about {max(rho, -1.0):+.2f}). "
                f"Flipping the polarity of {weaker.file}, the quieter of the two, should bring "
                f"it to about {predicted:+.1f} dB."
            )
            suggestion = Suggestion(
                kind="polarity",
                stems=(weaker.file,),
                params={"channels": "both"},
                severity="high" if deficit <= 2 * PAIR_DEFICIT_DB else "medium",
                category="technical",
                why=why,
                evidence={
                    "against": other.file,
                    "sum_deficit_db": round(deficit, 2),
                    "threshold_db": PAIR_DEFICIT_DB,
                    "pair_correlation": round(max(rho, -1.0), 3),
                    "low_hz": round(float(low_hz), 1),
                    "high_hz": round(float(high_hz), 1),
                    "frames": int(frames.sum()),
                    "impact": round(min(-deficit, 30.0), 2),
                },
                target=Target("pair_sum_db", deficit, predicted, "higher", "dB"),
                rule="pair_polarity",
            )
            found.append((deficit, suggestion))
    # a stem flipped once is enough: keep its worst pair
    best: dict[str, Suggestion] = {}
    for _deficit, suggestion in sorted(found, key=lambda x: (x[0], x[1].id)):
        best.setdefault(suggestion.stems[0], suggestion)
    return list(best.values())


def _target_pair(s: Suggestion, f: Features) -> float:
    a, b = f.stems[s.stems[0]], f.stems[s.evidence["against"]]
    cells = _pair_cells(f, a, b)
    if cells is None:
        return float("nan")
    _e_a, _e_b, e_all, e_mix = pair_energies(f, a, b, cells)
    return _db(e_mix / e_all) if e_all > 0 else float("nan")


# -------------------------------------------------------------------- width ---


def important_bands(stem: StemFeatures) -> np.ndarray:
    """Bands holding the stem's sound: within 10 dB of its loudest band while it plays."""
    power = stem.band_power[stem.active].sum(axis=0)
    if power.max(initial=0.0) <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(power >= power.max() * 10 ** (-IMPORTANT_WITHIN_DB / 10))


def mono_loss(stem: StemFeatures, bands: np.ndarray) -> float:
    """Mono fold-down loss (dB) over the given bands, while the stem plays."""
    mid = float(stem.mid[stem.active][:, bands].sum())
    side = float(stem.side[stem.active][:, bands].sum())
    return loss_db(mid, side)


def _width(features: Features, stem: StemFeatures) -> Suggestion | None:
    if not _is_stereo(stem) or stem.active.sum() < MIN_ACTIVE_FRAMES:
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
    mid = float(stem.mid[stem.active][:, bands].sum())
    side = float(stem.side[stem.active][:, bands].sum())
    loss = loss_db(mid, side)
    if loss <= limit or side <= 0:
        return None
    width = math.floor(100.0 * math.sqrt(mid * (10 ** (goal / 10) - 1.0) / side)) / 100.0
    width = min(max(width, 0.0), 0.99)
    predicted = loss_db(mid, width**2 * side)
    per_band = [
        loss_db(float(stem.mid[stem.active][:, k].sum()), float(stem.side[stem.active][:, k].sum()))
        for k in bands
    ]
    worst = int(bands[int(np.argmax(per_band))])
    side_to_mid = _db(side / mid) if mid > 0 else MAX_LOSS_DB
    severity: Severity = (
        "high" if loss > WIDTH_HIGH_DB else "medium" if loss > WIDTH_MEDIUM_DB else "low"
    )
    if group == "centre":
        reason = f"a {_label(stem.role)} is a centre part and should lose under {goal:.0f} dB"
    else:
        reason = f"above {limit:.0f} dB the side is louder than the mid and the part thins out"
    why = (
        f"{stem.file} loses {loss:.1f} dB when the mix is summed to mono (side {side_to_mid:+.1f} "
        f"dB against mid in the bands that carry it, {band_label(bands[0])} to "
        f"{band_label(bands[-1])}; worst {max(per_band):.1f} dB at {band_label(worst)}), "
        f"{_where(features, stem.active)}; {reason}. Width "
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


# ---------------------------------------------------------------------- pan ---


def _centre_pan(features: Features, stem: StemFeatures) -> Suggestion | None:
    if stem.role not in CENTRE_ROLES or stem.measurement.stereo is None:
        return None
    if stem.active.sum() < MIN_ACTIVE_FRAMES:
        return None
    ll, rr, _lr = stereo_sums(stem, stem.active)
    before = balance(ll, rr)
    if abs(before) <= CENTRE_BALANCE_MAX:
        return None
    pan = round(pan_to_centre(ll, rr), 2)
    after = balance(*balanced(ll, rr, pan))
    side = "right" if before > 0 else "left"
    level_db = _db(max(ll, rr) / min(ll, rr)) if min(ll, rr) > 0 else MAX_LOSS_DB
    severity: Severity = (
        "high"
        if abs(before) > CENTRE_BALANCE_HIGH
        else "medium"
        if abs(before) > CENTRE_BALANCE_MEDIUM
        else "low"
    )
    why = (
        f"{stem.file} leans {side}: balance {before:+.2f} ({level_db:.1f} dB louder on the "
        f"{side}) while it plays, {_where(features, stem.active)}. A {_label(stem.role)} is "
        f"conventionally centred, and past {CENTRE_BALANCE_MAX:.1f} ({_db(1.2 / 0.8):.1f} dB) "
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


def _mix_balance(features: Features, already: set[str]) -> Suggestion | None:
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
        f"({_label(stem.role)}, balance {balance(ll, rr):+.2f}) gives {share:.0%} of that lean. "
        f"A balance of {pan:+.2f} on it brings the mix to {abs(predicted):.1f} dB."
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


def _mono_placements(features: Features) -> list[Suggestion]:
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
        if stem.active.sum() < MIN_ACTIVE_FRAMES:
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
            f"A {_label(stem.role)} is usually placed off-centre (about {angle:.0f} degrees; "
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


# ------------------------------------------------------------------ family ---


def suggest(features: Features) -> list[Suggestion]:
    found: list[Suggestion] = []
    for file in sorted(features.stems):
        stem = features.stems[file]
        for rule in (_channel_polarity, _width, _centre_pan):
            suggestion = rule(features, stem)
            if suggestion is not None:
                found.append(suggestion)
    flipped = {s.stems[0] for s in found if s.kind == "polarity"}
    found += [s for s in _pair_polarity(features) if s.stems[0] not in flipped]
    panned = {s.stems[0] for s in found if s.kind == "pan"}
    mix_rule = _mix_balance(features, panned)
    if mix_rule is not None:
        found.append(mix_rule)
        panned.add(mix_rule.stems[0])
    found += [s for s in _mono_placements(features) if s.stems[0] not in panned]
    return found


TARGETS = {
    "channel_polarity": _target_correlation,
    "pair_polarity": _target_pair,
    "width": _target_mono_loss,
    "centre_pan": _target_abs_balance,
    "mix_balance": _target_mix_imbalance,
    "mono_placement": _target_stem_balance,
}
