"""The figures of the mastering notes traced to the mix they claim to measure, and the remarks'
thresholds pinned from both sides.

No audio is analysed: each version's measurement is made by hand (its scalar metrics and its
third-octave mid and side powers), with every figure different between the chosen, original,
assistant and manual mixes, so a figure read from the wrong version, the wrong metric or with the
wrong rounding fails. The expected texts are written from the inputs and the numbers the remarks
state (-14 LUFS streaming, -6 dBTP peaks, the 3 and 12 LU ranges, 120 Hz and -20 dB low end), and
each threshold is tested on it and just past it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ
from mixreview.analysis.notes_remarks import (
    comparison_remarks,
    low_end_side_db,
    mastering_remarks,
    tonal_balance_db,
    version_metrics,
)

VERSIONS = ("chosen", "original", "assistant", "manual")
CENTERS = np.asarray(BAND_CENTERS_HZ)
TONAL_KEYS = ("sub", "low", "mid", "high_mid", "air")
SR = 48000

# Each version's figures: a base and a step per version, so no two versions (and no two metrics)
# share a value.
BASE = {
    "integrated_lufs": -18.1234, "short_term_max_lufs": -13.4321, "momentary_max_lufs": -11.2468,
    "lra_lu": 6.1357, "true_peak_dbtp": -3.2109, "sample_peak_dbfs": -3.5791,
    "rms_dbfs": -21.3579, "crest_db": 17.7777, "dc_offset": 0.000123, "correlation": 0.51234,
    "side_to_mid_db": -10.4444,
}  # fmt: skip
STEP = {
    "integrated_lufs": 1.3, "short_term_max_lufs": 0.7, "momentary_max_lufs": 0.9,
    "lra_lu": 1.1, "true_peak_dbtp": -0.6, "sample_peak_dbfs": -0.8, "rms_dbfs": 1.7,
    "crest_db": -1.9, "dc_offset": 0.0001, "correlation": -0.07, "side_to_mid_db": 1.5,
}  # fmt: skip
MONO_LOSS = {"chosen": -0.4, "original": -1.1, "assistant": -2.2, "manual": -0.7}
CLIPPED = {"chosen": 0, "original": 7, "assistant": 3, "manual": 11}


def figures(version: str) -> dict[str, float]:
    k = VERSIONS.index(version)
    return {key: BASE[key] + k * STEP[key] for key in BASE}


def band_powers(version: str) -> tuple[np.ndarray, np.ndarray]:
    """Mid and side powers per band: the tonal shares and the low-end side differ by version."""
    k = VERSIONS.index(version)
    mid = np.linspace(1.0, 2.0 + k, len(CENTERS)) * (1.0 + 0.5 * k * (CENTERS < 250))
    side = mid * 10 ** ((-12.0 - 3 * k) / 10)
    return mid.astype(np.float32), side.astype(np.float32)


class Measured:
    """A measurement as the notes read it: its scalar metrics and its band powers."""

    def __init__(
        self,
        metrics: Mapping[str, float | None],
        mid: np.ndarray | None = None,
        side: np.ndarray | None = None,
    ) -> None:
        self._metrics = dict(metrics)
        mid = np.ones(len(CENTERS), np.float32) if mid is None else mid
        side = np.zeros(len(CENTERS), np.float32) if side is None else side
        self.bands = SimpleNamespace(mid_mean_power=mid, side_mean_power=side)

    def metrics(self) -> dict[str, float | None]:
        return dict(self._metrics)


def measured(version: str) -> Any:
    return Measured(figures(version), *band_powers(version))


def expected_metrics(version: str) -> dict[str, Any]:
    """What notes.json must say of ``version``, computed here from its inputs."""
    f = figures(version)
    mono = f["integrated_lufs"] + MONO_LOSS[version]
    mid, side = (p.astype(np.float64) for p in band_powers(version))
    low = CENTERS < 120
    power = mid + side
    edges = {"sub": (0, 60), "low": (60, 250), "mid": (250, 2000), "high_mid": (2000, 6000),
             "air": (6000, math.inf)}  # fmt: skip
    tonal = {
        key: round(10 * math.log10(power[(CENTERS >= a) & (CENTERS < b)].sum() / power.sum()), 2)
        for key, (a, b) in edges.items()
    }
    return {
        "integrated_lufs": round(f["integrated_lufs"], 2),
        "short_term_max_lufs": round(f["short_term_max_lufs"], 2),
        "momentary_max_lufs": round(f["momentary_max_lufs"], 2),
        "lra_lu": round(f["lra_lu"], 2),
        "true_peak_dbtp": round(f["true_peak_dbtp"], 2),
        "sample_peak_dbfs": round(f["sample_peak_dbfs"], 2),
        "headroom_db": round(-f["true_peak_dbtp"], 2),
        "rms_dbfs": round(f["rms_dbfs"], 2),
        "crest_db": round(f["crest_db"], 2),
        "plr_db": round(f["true_peak_dbtp"] - f["integrated_lufs"], 2),
        "correlation": round(f["correlation"], 3),
        "side_to_mid_db": round(f["side_to_mid_db"], 2),
        "mono_fold_lufs": round(mono, 2),
        "mono_fold_loss_lu": round(round(mono, 2) - f["integrated_lufs"], 2),
        "low_end_side_db": round(10 * math.log10(side[low].sum() / mid[low].sum()), 2),
        "tonal_balance_db": tonal,
        "dc_offset": f["dc_offset"],
    }


def test_the_versions_differ_in_every_figure() -> None:
    table = {v: expected_metrics(v) for v in VERSIONS}
    for key in table["chosen"]:
        if key == "tonal_balance_db":
            values = [tuple(table[v][key].values()) for v in VERSIONS]
        else:
            values = [table[v][key] for v in VERSIONS]
        assert len(set(values)) == len(VERSIONS), key


@pytest.mark.parametrize("version", VERSIONS)
def test_version_metrics_carry_each_figure_under_its_name(version: str) -> None:
    f = figures(version)
    got = version_metrics(measured(version), f["integrated_lufs"] + MONO_LOSS[version])
    want = expected_metrics(version)
    assert set(got) == set(want)
    for key, value in want.items():
        if key == "tonal_balance_db" or key == "low_end_side_db":
            assert got[key] == pytest.approx(value, abs=0.011)
        else:
            assert got[key] == value, key


def test_missing_figures_stay_missing() -> None:
    none = dict.fromkeys(BASE)
    none["dc_offset"] = 0.0
    got = version_metrics(Measured(none), None)
    for key in ("integrated_lufs", "true_peak_dbtp", "headroom_db", "plr_db", "mono_fold_lufs",
                "mono_fold_loss_lu", "lra_lu", "crest_db", "correlation"):  # fmt: skip
        assert got[key] is None, key
    # a loudness without a peak, and a peak without a loudness: no PLR, no mono loss
    one = {**none, "integrated_lufs": -20.0}
    got = version_metrics(Measured(one), -21.5)
    assert got["plr_db"] is None and got["headroom_db"] is None
    assert got["mono_fold_loss_lu"] == -1.5 and got["mono_fold_lufs"] == -21.5
    other = {**none, "true_peak_dbtp": -2.5}
    got = version_metrics(Measured(other), -21.5)
    assert got["plr_db"] is None and got["mono_fold_loss_lu"] is None
    assert got["headroom_db"] == 2.5


@pytest.mark.parametrize(
    ("value", "kept"),
    [(-199.0, None), (-198.99, -198.99), (math.nan, None), (math.inf, None), (-math.inf, None),
     (-1.23456, -1.23), (2.345678, 2.35)],
)  # fmt: skip
def test_a_figure_is_rounded_to_hundredths_and_the_floor_is_missing(
    value: float, kept: float | None
) -> None:
    got = version_metrics(Measured({**dict.fromkeys(BASE), "rms_dbfs": value}), value)
    assert got["rms_dbfs"] == kept
    assert got["mono_fold_lufs"] == kept


def tonal_key(centre: float) -> str:
    edges = ((0, 60), (60, 250), (250, 2000), (2000, 6000), (6000, math.inf))
    return next(k for k, (lo, hi) in zip(TONAL_KEYS, edges, strict=True) if lo <= centre < hi)


@pytest.mark.parametrize("band", range(len(BAND_CENTERS_HZ)))
def test_each_band_counts_in_the_tonal_band_its_centre_falls_in(band: int) -> None:
    """The bands centred on 250 Hz and 2 kHz open the mid and high-mid bands; powers well under
    1 (as a mix's mean powers are) count as much as any."""
    far = (band + 15) % len(CENTERS)
    mid = np.zeros(len(CENTERS), np.float32)
    side = np.zeros(len(CENTERS), np.float32)
    mid[band], side[band] = 3e-4, 1e-4  # mid and side both count
    side[far] = 1e-4  # a fifth of the whole in another band
    got = tonal_balance_db(Measured({}, mid, side))  # type: ignore[arg-type]
    home, other = tonal_key(CENTERS[band]), tonal_key(CENTERS[far])
    want: dict[str, float | None] = dict.fromkeys(TONAL_KEYS)
    want[home] = round(10 * math.log10(0.8), 2)
    want[other] = 0.0 if other == home else round(10 * math.log10(0.2), 2)
    assert got == want


def test_silence_has_no_tonal_balance_and_no_low_end() -> None:
    zero = np.zeros(len(CENTERS), np.float32)
    silent = Measured({}, zero, zero)
    assert tonal_balance_db(silent) == dict.fromkeys(TONAL_KEYS)  # type: ignore[arg-type]
    assert low_end_side_db(silent) is None  # type: ignore[arg-type]


def test_the_low_end_is_the_bands_centred_below_120_hz() -> None:
    mid = np.ones(len(CENTERS), np.float32)
    side = np.zeros(len(CENTERS), np.float32)
    side[CENTERS >= 120] = 1.0  # stereo from 125 Hz up does not count
    assert low_end_side_db(Measured({}, mid, side)) == -120.0  # type: ignore[arg-type]
    side[CENTERS < 120] = 0.1
    mid[CENTERS >= 120] = 100.0  # nor does mid from 125 Hz up
    assert low_end_side_db(Measured({}, mid, side)) == pytest.approx(-10.0, abs=1e-4)  # type: ignore[arg-type]
    side[CENTERS < 120] = 1e-14  # 140 dB under: floored at -120
    assert low_end_side_db(Measured({}, mid, side)) == -120.0  # type: ignore[arg-type]
    side[CENTERS < 120] = 1.1e-12  # just over -120: kept, to hundredths
    got = low_end_side_db(Measured({}, mid, side))  # type: ignore[arg-type]
    assert got == round(10 * math.log10(float(np.float32(1.1e-12))), 2) == -119.59
    mid[CENTERS < 120] = 1e-3  # a quiet low end is measured as any other
    side[CENTERS < 120] = 1e-4
    assert low_end_side_db(Measured({}, mid, side)) == pytest.approx(-10.0, abs=1e-4)  # type: ignore[arg-type]
    side[:] = 0.0
    mid[CENTERS < 120] = 0.0  # no mid in the low end: no figure
    assert low_end_side_db(Measured({}, mid, side)) is None  # type: ignore[arg-type]


# --- the remarks for mastering, read from the chosen mix's figures ---------------------------


def remark_figures(**given: float | None) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(
        ("true_peak_dbtp", "integrated_lufs", "short_term_max_lufs", "plr_db", "lra_lu",
         "low_end_side_db", "correlation", "mono_fold_loss_lu", "dc_offset")
    )  # fmt: skip
    out["true_peak_dbtp"] = -8.0
    out.update(given)
    return out


def remarks(**given: float | None) -> str:
    return " | ".join(mastering_remarks(remark_figures(**given), "PCM_24"))


def test_a_silent_mix_has_nothing_to_master() -> None:
    assert mastering_remarks(remark_figures(true_peak_dbtp=None), "PCM_24") == [
        "the mix is silent: nothing to master."
    ]


def test_peaks_over_full_scale_ask_for_float_or_a_lower_mix() -> None:
    text = mastering_remarks(remark_figures(true_peak_dbtp=0.4), "PCM_16", clipped=17)[0]
    assert text == (
        "true peak +0.4 dBTP: over full scale, 17 samples clipped in the 16-bit file; no limiting "
        "applied. Render as float (--format float) or lower the mix by about 6 dB before "
        "mastering."
    )  # 0.4 dBTP down to -6 dBTP
    unclipped = mastering_remarks(remark_figures(true_peak_dbtp=2.7), "FLOAT")[0]
    assert unclipped.startswith("true peak +2.7 dBTP: over full scale; no limiting")
    assert "by about 9 dB" in unclipped and "clipped" not in unclipped
    odd = mastering_remarks(remark_figures(true_peak_dbtp=0.01), "PCM_32", clipped=2)[0]
    assert "2 samples clipped in the PCM_32 file" in odd  # an unnamed format as it is called


@pytest.mark.parametrize(
    ("tp", "start"),
    [(0.0, "peaks at 0.0 dBTP: only "),  # the headroom reads '-0.0' here
     (-0.3, "peaks at -0.3 dBTP: only 0.3 dB of headroom"),
     (-0.99, "peaks at -1.0 dBTP: only 1.0 dB of headroom"),
     (-1.0, "peaks at -1.0 dBTP: 1.0 dB of headroom (some engineers ask for about 6 dB); no "
            "limiting or master-bus processing applied."),
     (-4.9, "peaks at -4.9 dBTP: 4.9 dB of headroom (some engineers ask for about 6 dB);"),
     (-5.0, "peaks at -5.0 dBTP: 5.0 dB of headroom; no limiting or master-bus processing "
            "applied."),
     (-7.2, "peaks at -7.2 dBTP: 7.2 dB of headroom; no limiting")],
)  # fmt: skip
def test_headroom_under_full_scale(tp: float, start: str) -> None:
    assert remarks(true_peak_dbtp=tp).startswith(start)


def test_little_headroom_suggests_a_version_lower_by_the_gap_to_minus_6() -> None:
    text = remarks(true_peak_dbtp=-0.3)
    assert text == (
        "peaks at -0.3 dBTP: only 0.3 dB of headroom; no limiting applied. Mastering engineers "
        "commonly ask for peaks near -6 dBFS: consider a version 6 dB lower."
    )
    assert "version 5 dB lower" in remarks(true_peak_dbtp=-0.8)  # 5.2 dB to -6


@pytest.mark.parametrize(
    ("integrated", "words"),
    [(-14.0, "0.0 LU below the -14 LUFS"), (-13.9, "0.1 LU above the -14 LUFS"),
     (-14.1, "0.1 LU below the -14 LUFS"), (-9.25, "4.8 LU above the -14 LUFS"),
     (-23.0, "9.0 LU below the -14 LUFS")],
)  # fmt: skip
def test_the_integrated_loudness_against_the_streaming_reference(
    integrated: float, words: str
) -> None:
    text = remarks(integrated_lufs=integrated, plr_db=9.87)
    assert f"integrated {integrated:.1f} LUFS: {words} streaming reference; PLR 9.9 dB." in text


def test_the_loudness_remark_names_the_short_term_max_and_a_missing_plr() -> None:
    text = remarks(integrated_lufs=-16.44, short_term_max_lufs=-11.06)
    assert "integrated -16.4 LUFS, max short-term -11.1 LUFS: 2.4 LU below" in text
    assert "PLR n/a dB." in text
    assert "integrated" not in remarks()


@pytest.mark.parametrize(
    ("lra", "text"),
    [(2.9, "loudness range 2.9 LU: the level hardly moves between parts."),
     (3.0, "loudness range 3.0 LU."), (12.0, "loudness range 12.0 LU."),
     (12.1, "loudness range 12.1 LU: wide movement between parts; agree with the mastering "
            "engineer whether to keep it.")],
)  # fmt: skip
def test_the_loudness_range_words(lra: float, text: str) -> None:
    assert text in remarks(lra_lu=lra).split(" | ")


@pytest.mark.parametrize(
    ("side", "text"),
    [(-20.0, "low end mono below 120 Hz."),
     (-30.0, "low end mono below 120 Hz."),
     (-19.4, "stereo content below 120 Hz (side 19 dB under mid): check it in mono, and before "
             "a vinyl cut."),
     (-1.1, "stereo content below 120 Hz (side 1 dB under mid)"),
     (-1.0, "stereo content below 120 Hz (side as loud as mid)"),
     (2.0, "stereo content below 120 Hz (side as loud as mid)")],
)  # fmt: skip
def test_the_low_end_words(side: float, text: str) -> None:
    assert remarks(low_end_side_db=side).split(" | ")[1].startswith(text)


@pytest.mark.parametrize(("corr", "warned"), [(-0.1, False), (-0.11, True), (0.3, False)])
def test_negative_correlation_past_minus_0_1_is_named(corr: float, warned: bool) -> None:
    text = remarks(correlation=corr)
    expected = (
        f"negative L/R correlation ({corr:.2f}): parts cancel in mono; check polarity before "
        "mastering."
    )
    assert (expected in text.split(" | ")) is warned
    assert ("negative" in text) is warned


@pytest.mark.parametrize(
    ("loss", "text"),
    [(-3.0, "mono fold-down -3.0 LU: the mix holds up in mono."),
     (0.2, "mono fold-down +0.2 LU: the mix holds up in mono."),
     (-3.1, "mono fold-down -3.1 LU: parts of the mix fall away in mono; check the wide "
            "parts.")],
)  # fmt: skip
def test_the_mono_fold_down_words(loss: float, text: str) -> None:
    assert remarks(mono_fold_loss_lu=loss).split(" | ")[1] == text


@pytest.mark.parametrize(
    ("dc", "named"), [(0.001, False), (-0.001, False), (0.0011, True), (-0.0025, True),
                      (None, False)],
)  # fmt: skip
def test_a_dc_offset_past_0_001_is_named(dc: float | None, named: bool) -> None:
    text = remarks(dc_offset=dc)
    if named:
        assert text.split(" | ")[1] == (
            f"DC offset {dc:.4f}: the stems' dc_offset checks say where it comes from, and the "
            "high-pass suggested on each removes it there."
        )
    else:
        assert text.count(" | ") == 0 and "DC" not in text


# --- the chosen mix against the others --------------------------------------------------------


def diff_figures(**given: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "integrated_lufs": -18.0, "crest_db": 12.0, "true_peak_dbtp": -3.0, "lra_lu": 5.0,
        "tonal_balance_db": dict.fromkeys(TONAL_KEYS, -7.0),
    }  # fmt: skip
    out.update(given)
    return out


def against(chosen: dict[str, Any], other: dict[str, Any]) -> str:
    found = comparison_remarks({"chosen": chosen, "assistant": other})
    assert len(found) <= 1
    return found[0] if found else ""


def test_louder_denser_and_quieter_wider_are_said_with_their_signs() -> None:
    text = against(
        diff_figures(integrated_lufs=-16.8, crest_db=10.5, true_peak_dbtp=-2.6, lra_lu=4.3),
        diff_figures(),
    )
    assert text == (
        "the reviewer's decisions, against the assistant-only mix (every suggestion at full "
        "strength), add +1.2 LU and take 1.5 dB of crest (true peak +0.4 dB, LRA -0.7 LU)."
    )
    text = against(
        diff_figures(integrated_lufs=-19.3, crest_db=13.1, true_peak_dbtp=-3.9, lra_lu=5.6),
        diff_figures(),
    )
    assert "take 1.3 LU off and add 1.1 dB of crest (true peak -0.9 dB, LRA +0.6 LU)." in text


def test_no_difference_reads_as_adding_nothing() -> None:
    text = against(diff_figures(), diff_figures())
    assert "add +0.0 LU and add 0.0 dB of crest (true peak +0.0 dB, LRA +0.0 LU)." in text


def test_missing_crest_or_range_is_left_out_and_a_silent_mix_is_not_compared() -> None:
    text = against(diff_figures(crest_db=None, lra_lu=None), diff_figures(integrated_lufs=-19.0))
    assert text.endswith("add +1.0 LU (true peak +0.0 dB).")
    text = against(diff_figures(), diff_figures(crest_db=None, lra_lu=None))
    assert text.endswith("add +0.0 LU (true peak +0.0 dB).")
    assert against(diff_figures(integrated_lufs=None), diff_figures()) == ""
    assert against(diff_figures(), diff_figures(integrated_lufs=None)) == ""


def test_tonal_shifts_of_half_a_db_or_more_are_named() -> None:
    mine = {"sub": -7.0, "low": -7.5, "mid": -7.49, "high_mid": None, "air": -5.0}
    theirs = {"sub": -7.0, "low": -7.0, "mid": -7.0, "high_mid": -4.0, "air": -6.25}
    text = against(diff_figures(tonal_balance_db=mine), diff_figures(tonal_balance_db=theirs))
    assert text.endswith(
        "(true peak +0.0 dB, LRA +0.0 LU; tonal balance low -0.5 dB, air +1.3 dB)."
    )
    text = against(diff_figures(tonal_balance_db=theirs), diff_figures(tonal_balance_db=mine))
    assert text.endswith("; tonal balance low +0.5 dB, air -1.3 dB).")


def test_each_comparison_names_its_version_and_reads_its_figures() -> None:
    metrics = {
        "chosen": diff_figures(integrated_lufs=-15.0),
        "manual": diff_figures(integrated_lufs=-15.5),
        "assistant": diff_figures(integrated_lufs=-17.25),
        "original": diff_figures(integrated_lufs=-21.0),
    }
    found = comparison_remarks(metrics, 2, 3)
    assert found == [
        "the assistant's suggestions as accepted (the chosen mix against the manual one, the "
        "reviewer's own changes alone) add +0.5 LU and add 0.0 dB of crest (true peak +0.0 dB, "
        "LRA +0.0 LU).",
        "the reviewer's decisions, against the assistant-only mix (every suggestion at full "
        "strength), add +2.3 LU and add 0.0 dB of crest (true peak +0.0 dB, LRA +0.0 LU).",
        "the reviewer's changes and accepted suggestions together (the chosen mix against the "
        "original) add +6.0 LU and add 0.0 dB of crest (true peak +0.0 dB, LRA +0.0 LU).",
    ]
    assert comparison_remarks(metrics) == found  # counts not known: every comparison


def test_no_manual_change_or_no_suggestion_drops_the_comparison_it_repeats() -> None:
    metrics = {v: diff_figures(integrated_lufs=-20.0 + i) for i, v in enumerate(VERSIONS)}
    no_manual = comparison_remarks(metrics, 0, 2)
    assert no_manual[0] == (
        "no manual change: mix_manual.wav is the original mix (the stems at unity)."
    )
    assert [r.split(" ")[1] for r in no_manual[1:]] == ["assistant's", "reviewer's"]
    assert "against the original" not in " ".join(no_manual)
    no_suggestion = comparison_remarks(metrics, 1, 0)
    assert no_suggestion[0] == "no suggestion applied: the chosen mix is the manual one."
    assert "against the manual" not in " ".join(no_suggestion)
    assert len(no_suggestion) == 3  # against the assistant's and the original
    neither = comparison_remarks(metrics, 0, 0)
    assert len(neither) == 3 and "assistant-only" in neither[2]
    assert comparison_remarks({"manual": metrics["manual"]}) == []
    assert comparison_remarks({"chosen": metrics["chosen"]}, 1, 1) == []
