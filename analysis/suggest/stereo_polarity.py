"""Stereo polarity rules: one channel of a stem inverted (``channel_polarity``), and two stems
cancelling each other in the low end of the mix (``pair_polarity``). See docs/rules/stereo.md."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from mixreview.analysis.suggest.features import (
    CENTERS_HZ,
    Features,
    StemFeatures,
    band_range,
    grid_count,
)
from mixreview.analysis.suggest.memo import IdentityMemo
from mixreview.analysis.suggest.model import Suggestion, Target
from mixreview.analysis.suggest.stereo_common import (
    POLARITY_CORRELATION_MAX,
    band_label,
    correlation,
    is_stereo,
    loss_db,
    ratio_db,
    stereo_sums,
    where_in_song,
)

PAIR_LOW_HZ, PAIR_HIGH_HZ = 31.5, 500.0  # where related sources stay in phase (long periods)
PAIR_DEFICIT_DB = -3.0  # the pair adds to this much less than its energies: correlation <= -0.5
PAIR_SHARE_MIN = 0.7  # the pair holds at least 70% of the stem energy in the cells judged
PAIR_WEAKER_MIN = 0.1  # the quieter stem holds at least 10% of the pair's energy
PAIR_MIN_FRAMES = 30  # 3 s of both playing


# ------------------------------------------------------------ polarity: L/R ---


def channel_polarity_rule(features: Features, stem: StemFeatures) -> Suggestion | None:
    if not is_stereo(stem) or stem.active.sum() < grid_count(10, stem.frame_s):
        return None
    ll, rr, lr = stereo_sums(stem, stem.active)
    corr = correlation(ll, rr, lr)
    if corr is None or corr >= POLARITY_CORRELATION_MAX:
        return None
    loss = loss_db((ll + 2 * lr + rr) / 4, (ll - 2 * lr + rr) / 4)
    loss_after = loss_db((ll - 2 * lr + rr) / 4, (ll + 2 * lr + rr) / 4)
    where = where_in_song(features, stem.active)
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


@dataclass(frozen=True)
class PairCells:
    """Where both stems of a pair play in the low range, and the pair's own energies there.

    The cells (frames by the range's bands) are kept packed, eight to a byte: a pair is kept
    from one derivation to the next, and a session of 32 stems has 496 of them."""

    frames: np.ndarray  # (frames,) bool: a cell in the frame
    used: np.ndarray  # the bands holding a cell, ascending
    packed: np.ndarray  # np.packbits of the (frames, range bands) cells
    e_a: float
    e_b: float

    @property
    def cells(self) -> np.ndarray:
        """(frames, range bands) bool: boolean indexing reads the cells in the order a flat
        index over all bands would."""
        bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
        count = len(self.frames) * len(bands)
        return np.unpackbits(self.packed, count=count).view(bool).reshape(-1, len(bands))

    @property
    def flat(self) -> np.ndarray:
        """The cells' flat indices over all bands, in the order boolean indexing reads them."""
        bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
        where = np.flatnonzero(self.cells)
        return (where // len(bands)) * len(CENTERS_HZ) + bands[where % len(bands)]

    def scaled(self, deltas: tuple[float, ...]) -> PairCells:
        """The pair after gains of ``deltas`` dB on its stems: where they play is the same (the
        memo's tags say so), their energies move."""
        return replace(
            self,
            e_a=self.e_a * 10.0 ** (deltas[0] / 10.0),
            e_b=self.e_b * 10.0 ** (deltas[1] / 10.0),
        )


def _pair_cells(features: Features, a: StemFeatures, b: StemFeatures) -> np.ndarray | None:
    """(frames, bands) cells in the low range where both stems play in the band."""
    bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
    both = a.active & b.active
    least = grid_count(PAIR_MIN_FRAMES, a.frame_s)
    if both.sum() < least:
        return None
    cells = np.zeros(a.band_active.shape, dtype=bool)
    cells[:, bands] = a.band_active[:, bands] & b.band_active[:, bands]
    cells &= both[:, None]
    return cells if cells.any(axis=1).sum() >= least else None


def _sum_at(power: np.ndarray, flat: np.ndarray) -> float:
    return float(np.take(power, flat).sum())


def _pair(features: Features, a: StemFeatures, b: StemFeatures) -> PairCells | None:
    """``_pair_cells`` worked out on the bands of the range alone (the others hold no cell)."""
    bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
    both = a.active & b.active
    least = grid_count(PAIR_MIN_FRAMES, a.frame_s)
    if both.sum() < least:
        return None
    cells = a.band_active[:, bands] & b.band_active[:, bands]
    cells &= both[:, None]
    frames = cells.any(axis=1)
    if frames.sum() < least:
        return None
    where = np.flatnonzero(cells)
    flat = (where // len(bands)) * a.band_active.shape[1] + bands[where % len(bands)]
    used = bands[cells.any(axis=0)]
    e_a, e_b = _sum_at(a.band_power, flat), _sum_at(b.band_power, flat)
    return PairCells(frames, used, np.packbits(cells), e_a, e_b)


def _shared_energies(features: Features, flat: np.ndarray) -> tuple[float, float]:
    """Energies over the cells of all stems summed, and of the mix."""
    e_all = _sum_at(features.all_band_power, flat)
    e_mix = _sum_at(features.mix.band_power, flat) if features.mix is not None else 0.0
    return e_all, e_mix


def pair_energies(
    features: Features, a: StemFeatures, b: StemFeatures, cells: np.ndarray
) -> tuple[float, float, float, float]:
    """Energies over the cells: stem a, stem b, all stems summed, and the mix."""
    flat = np.flatnonzero(cells)
    return (_sum_at(a.band_power, flat), _sum_at(b.band_power, flat),
            *_shared_energies(features, flat))  # fmt: skip


def _moved_pair(pair: PairCells | None, deltas: tuple[float, ...]) -> PairCells | None:
    return pair.scaled(deltas) if pair is not None else None


def pair_polarity_rules(features: Features) -> list[Suggestion]:
    if features.mix is None:
        return []
    files = sorted(
        f
        for f, s in features.stems.items()
        if s.active.sum() >= grid_count(PAIR_MIN_FRAMES, s.frame_s)
    )
    bands = band_range(PAIR_LOW_HZ, PAIR_HIGH_HZ)
    low_all = features.all_band_power[:, bands]
    low_mix = features.mix.band_power[:, bands]
    found: list[tuple[float, Suggestion]] = []
    for i, file_a in enumerate(files):
        for file_b in files[i + 1 :]:
            a, b = features.stems[file_a], features.stems[file_b]
            pair: PairCells | None = CELLS.get(
                ("pair_cells", a.file, b.file),
                (a.ahead, b.ahead),
                partial(_pair, features, a, b),
                levels=(a.fader_db, b.fader_db),
                shift=_moved_pair,
            )
            if pair is None:
                continue
            e_a, e_b = pair.e_a, pair.e_b
            if min(e_a, e_b) < PAIR_WEAKER_MIN * (e_a + e_b):
                continue  # asked first: it needs no sum over every stem
            cells = pair.cells
            e_all, e_mix = float(low_all[cells].sum()), float(low_mix[cells].sum())
            if e_all <= 0 or e_a + e_b < PAIR_SHARE_MIN * e_all:
                continue
            deficit = ratio_db(e_mix / e_all)
            if deficit > PAIR_DEFICIT_DB:
                continue
            rho = (e_mix - e_all) / (2.0 * math.sqrt(e_a * e_b))
            predicted = ratio_db((2.0 * e_all - e_mix) / e_all)
            weaker, other = (a, b) if (e_a, file_b) < (e_b, file_a) else (b, a)
            frames, used = pair.frames, pair.used
            low_hz, high_hz = CENTERS_HZ[used[0]], CENTERS_HZ[used[-1]]
            why = (
                f"{weaker.file} and {other.file} cancel each other in the low end: where both "
                f"play ({where_in_song(features, frames)}, {band_label(used[0])} to "
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
    return ratio_db(e_mix / e_all) if e_all > 0 else float("nan")


TARGETS = {
    "channel_polarity": _target_correlation,
    "pair_polarity": _target_pair,
}
