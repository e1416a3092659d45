"""The masking rules at the edges the threshold tests leave open: band levels that land on a
threshold to the bit, the masking line read through the paths other than the per-band one, and
a target silent where its masker plays.

The levels on a threshold are found by stepping a band power float by float until the number
the rule compares (the target's long-term spectrum, or a frame's level difference) is the
threshold exactly, worked out with the features' own functions, so a ``<`` turned into ``<=``
(or ``>=`` into ``>``) changes the answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, band_edges_hz
from mixreview.analysis.suggest import masking, masking_frames
from mixreview.analysis.suggest.features import StemFeatures, to_db
from tests.test_thresholds_masking import (
    FRAMES,
    HALVES,
    KICK,
    VOCAL,
    _one,
    _part,
    _refined,
    _session,
)

M = masking
LINE_DB = -masking_frames.MASK_MARGIN_DB  # a frame is masked strictly over this difference


def _floats(start: float, count: int) -> np.ndarray:
    """The ``count`` floats on either side of a positive ``start``, in order."""
    return (np.array([start]).view(np.int64) + np.arange(-count, count + 1)).view(np.float64)


def _spectrum_of(powers: np.ndarray) -> np.ndarray:
    """For each power, the long-term spectrum (``StemFeatures.spectrum_db``) of a band holding
    it in every frame: the mean over the frames, in dB, as the features take it."""
    return to_db(np.broadcast_to(powers, (FRAMES, len(powers))).copy().mean(axis=0))


def _edge_powers(gap_db: float, below: bool) -> tuple[float, float]:
    """Powers (peak band, other band) that put the other band's spectrum exactly ``gap_db``
    under the peak band's to the bit (as ``spectrum[peak] - gap_db`` gives it), or with
    ``below`` the next one down: the peak near 0 dB, both a few thousand floats around."""
    peaks, others = _floats(1.0, 2000), _floats(10.0 ** (-gap_db / 10.0), 2000)
    edges, levels = _spectrum_of(peaks) - gap_db, _spectrum_of(others)
    common = np.intersect1d(edges, levels)
    assert len(common), f"no powers land {gap_db} dB apart"
    edge = common[np.argmin(np.abs(common + gap_db))]
    peak = float(peaks[np.argmax(edges == edge)])
    other = float(others[np.argmax(levels == edge)] if not below else others[levels < edge][-1])
    return peak, other


def _with_powers(
    file: str, role: str, levels_db: Mapping[int, float], powers: Mapping[int, float]
) -> StemFeatures:
    """A part (see ``_part``) at ``levels_db``, with the power of some bands set exactly."""
    part = _part(file, role, levels_db)
    for band, power in powers.items():
        part.measurement.bands.mid_power[:, band] = power
    return part


def _on_edge(
    file: str,
    role: str,
    levels_db: Mapping[int, float],
    peak: int,
    band: int,
    gap_db: float,
    below: bool,
) -> StemFeatures:
    """A part whose ``band`` is exactly ``gap_db`` under its ``peak`` band in its long-term
    spectrum (checked on the part itself), or the next float under that with ``below``."""
    peak_power, power = _edge_powers(gap_db, below)
    part = _with_powers(file, role, levels_db, {peak: peak_power, band: power})
    spectrum = part.spectrum_db
    edge = float(spectrum[peak]) - gap_db
    assert (float(spectrum[band]) < edge) if below else (float(spectrum[band]) == edge)
    assert float(spectrum[peak]) == float(spectrum.max())
    return part


# ------------------------------------------------------- the target's spectrum on an edge


@pytest.mark.parametrize("below", [False, True])
def test_a_range_exactly_range_within_db_under_the_loudest_band_counts(below: bool) -> None:
    """The vocal is loudest at 250 Hz (outside the presence range); its 2 kHz band is exactly
    RANGE_WITHIN_DB under it. The range is dropped only when it is *more* than that under: the
    keys' masking at 2 kHz is judged and the rule speaks; a float lower, nothing."""
    vocal = _on_edge("Vox.wav", "lead_vocal", {}, 10, VOCAL, M.RANGE_WITHIN_DB, below)
    keys = _part("Keys.wav", "keys", {VOCAL: -M.RANGE_WITHIN_DB - 2.9})
    found = M.suggest(_session([vocal, keys]))
    assert [s.rule for s in found] == ([] if below else ["vocal_masking"])


@pytest.mark.parametrize("below", [False, True])
def test_a_band_exactly_important_within_db_under_the_peak_matters(below: bool) -> None:
    """The vocal's 2 kHz band is its loudest; its 3.15 kHz band exactly IMPORTANT_WITHIN_DB
    under it is one that matters: the keys covering only that band are judged there. A float
    lower, the band does not matter and nothing is said."""
    band = VOCAL + 2
    vocal = _on_edge("Vox.wav", "lead_vocal", {}, VOCAL, band, M.IMPORTANT_WITHIN_DB, below)
    keys = _part("Keys.wav", "keys", {band: -M.IMPORTANT_WITHIN_DB - 2.9})
    found = M.suggest(_session([vocal, keys]))
    if below:
        assert found == []
    else:
        assert _one(found).params["freq_hz"] == round(float(BAND_CENTERS_HZ[band]), 1)


@pytest.mark.parametrize("below", [False, True])
def test_a_neighbour_exactly_straddle_db_under_the_kicks_peak_is_joined(below: bool) -> None:
    """The kick peaks at 63 Hz; its 50 Hz band exactly STRADDLE_DB under it straddles the
    peak: both bands are measured. A float lower, the peak band alone."""
    band = KICK - 1
    kick = _on_edge("Kick.wav", "kick", {KICK + 1: -20.0}, KICK, band, M.STRADDLE_DB, below)
    bass = _part("Bass.wav", "bass", {KICK: -2.9, band: -M.STRADDLE_DB - 2.9, KICK + 1: -22.9})
    found = _one(M.suggest(_session([kick, bass])))
    bands = (KICK,) if below else (band, KICK)
    assert found.evidence["bands_center_hz"] == [round(float(BAND_CENTERS_HZ[b]), 1) for b in bands]


# ------------------------------------------------- the masking line off the per-band path


def _line_powers() -> tuple[float, float]:
    """Masker powers against a target at 10 dB: exactly on the masking line (the difference
    is -MASK_MARGIN_DB to the bit), and the next one over it."""
    on = 10.0 ** ((10.0 + LINE_DB) / 10.0)
    assert float(to_db(on)) - float(to_db(10.0)) == LINE_DB
    over = on
    while float(to_db(over)) - 10.0 == LINE_DB:
        over = float(np.nextafter(over, np.inf))
    assert float(to_db(over)) - 10.0 > LINE_DB
    return on, over


@pytest.mark.parametrize("over", [False, True])
def test_a_bass_on_the_masking_line_does_not_mask_the_kicks_peak(over: bool) -> None:
    """The kick's peak band is measured over the frames of the pair (not band by band): a bass
    exactly on the line masks no frame, and nothing is said; a float over it masks them all."""
    power = _line_powers()[over]
    kick = _part("Kick.wav", "kick", {KICK: 10.0})
    bass = _with_powers("Bass.wav", "bass", {}, {KICK: power})
    found = M.suggest(_session([kick, bass]))
    assert [(s.rule, s.evidence["masked_share"]) for s in found] == (
        [("kick_bass_masking", 1.0)] if over else []
    )


def test_frames_on_the_masking_line_are_not_masked_in_a_section() -> None:
    """The keys mask the vocal in A (50 frames) and in the first 10 frames of B; the other 40
    of B sit exactly on the line, not masked: B is masked in 10 of its 50 frames (its share
    from the sections' running sums), the rest of the song in the same, so the cut is scoped
    to A."""
    on, _ = _line_powers()
    keys_power = np.full(FRAMES, on)
    keys_power[:60] = 10.0 ** ((10.0 - 2.9) / 10.0)
    vocal = _part("Vox.wav", "lead_vocal", {VOCAL: 10.0})
    keys = _with_powers("Keys.wav", "keys", {}, {VOCAL: 0.0})
    keys.measurement.bands.mid_power[:, VOCAL] = keys_power
    found = _one(M.suggest(_session([vocal, keys], HALVES)))
    assert found.evidence["section_shares"] == {"A": 1.0, "B": 0.2}
    assert (found.section, found.evidence["masked_share"]) == ("A", 1.0)
    assert found.evidence["masked_share_song"] == 0.6
    assert "(100% against 20% in the rest of the song)" in found.why


def test_a_kick_silent_in_some_frames_is_measured_where_it_plays() -> None:
    """The kick plays in the first half only, the bass throughout, just over the masking line
    where both play: the kick's peak is measured over the 50 frames where both play, not over
    every frame the bass plays."""
    kick = _part("Kick.wav", "kick", {KICK: 0.0}, playing=np.arange(FRAMES) < 50)
    bass = _part("Bass.wav", "bass", {KICK: -2.9})
    found = _one(M.suggest(_session([kick, bass])))
    assert found.rule == "kick_bass_masking"
    assert found.evidence["joint_active_s"] == 5.0
    assert found.evidence["masked_share"] == 1.0
    assert found.evidence["median_diff_db"] == -2.9


# ------------------------------------------------------------- a flat top has no parabola


def test_a_flat_kick_is_cut_at_its_band_not_at_a_parabolas_peak() -> None:
    """The kick level from 25 Hz to 50 Hz: its loudest band in range (40 Hz) straddles the
    31.5 Hz band, the first of the two equal ones, whose neighbours are as loud as it. A flat
    top has no parabola (the curve is 0, not under it): the cut sits at the band's centre,
    brought to the pair's common edge."""
    levels = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}  # 25, 31.5, 40 and 50 Hz
    kick = _part("Kick.wav", "kick", levels)
    bass = _part("Bass.wav", "bass", {b: level - 2.9 for b, level in levels.items()})
    found = _one(M.suggest(_session([kick, bass])))
    assert found.evidence["bands_center_hz"] == [round(float(M.CENTERS_HZ[b]), 1) for b in (1, 2)]
    edge = float(band_edges_hz()[1, 1])
    centre = round(float(M.CENTERS_HZ[1]), 1)
    expected = round(float(np.clip(centre, edge / 2 ** (1 / 6), edge * 2 ** (1 / 6))), 1)
    assert np.isfinite(expected) and found.params["freq_hz"] == expected


def test_a_kick_louder_over_its_range_is_cut_at_the_common_edge() -> None:
    """The kick's 125 Hz band, just over its thump range, is louder than its 100 Hz peak in
    range and straddles it; the parabola through 125 Hz and its neighbours peaks above 125 Hz,
    so the cut is brought down to the top of the clamp around the pair's common edge."""
    levels = {5: -10.0, 6: 0.0, 7: 3.0, 8: 2.9, 9: -20.0}  # 80 Hz to 160 Hz
    kick = _part("Kick.wav", "kick", levels)
    bass = _part("Bass.wav", "bass", {b: level - 2.9 for b, level in levels.items()})
    found = _one(M.suggest(_session([kick, bass])))
    assert found.evidence["bands_center_hz"] == [round(float(M.CENTERS_HZ[b]), 1) for b in (6, 7)]
    top = float(band_edges_hz()[6, 1]) * 2 ** (1 / 6)
    assert _refined(levels, 7) > top
    assert found.params["freq_hz"] == round(top, 1)


def test_a_kick_loudest_at_31_hz_is_cut_at_its_parabolas_peak() -> None:
    """The kick's 31.5 Hz band, just under its thump range, is louder than its 40 Hz peak in
    range and straddles it: the parabola is taken through 31.5 Hz and its neighbours (25 Hz is
    the spectrum's first band, 31.5 Hz is not an end), and its peak lies inside the clamp."""
    levels = {0: -10.0, 1: 3.0, 2: 0.0, 3: -20.0}  # 25 Hz to 50 Hz
    kick = _part("Kick.wav", "kick", levels)
    bass = _part("Bass.wav", "bass", {b: level - 2.9 for b, level in levels.items()})
    found = _one(M.suggest(_session([kick, bass])))
    assert found.evidence["bands_center_hz"] == [round(float(M.CENTERS_HZ[b]), 1) for b in (1, 2)]
    edge = float(band_edges_hz()[1, 1])
    freq = _refined(levels, 1)
    assert edge / 2 ** (1 / 6) < freq < edge * 2 ** (1 / 6)
    assert freq != round(max(float(M.CENTERS_HZ[1]), edge / 2 ** (1 / 6)), 1)  # not the centre
    assert found.params["freq_hz"] == freq
