"""The References section of the notes from hand-made inputs: each reference's figures, what
remains between a mix and the references (numbers), and those differences in words, with every
threshold (1 dB of tone, 1.5 dB of width, 3 dB of PLR, 3 LU of short-term spread, 6 dB of low-end
side, -60 dB of side for mono) tested on it and just past it.

No audio is analysed: a reference's measurement is a plain object with the fields the notes and
the comparison read, and the remarks are written from entries made here in the shape that
``reference_differences`` gives them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, bands_from
from mixreview.analysis.notes_references import (
    DYNAMICS_WORDS,
    LOW_SIDE_GAP_DB,
    NO_REFERENCES,
    PLR_GAP_DB,
    SPREAD_GAP_LU,
    TONE_CLOSE_DB,
    WIDTH_CLOSE_DB,
    WIDTH_RANGES,
    _dynamics_remarks,
    _tone_remarks,
    _width_remarks,
    range_label,
    reference_differences,
    reference_remarks,
    reference_track,
    references_entry,
)
from mixreview.analysis.reference import (
    RANGES_HZ,
    Comparison,
    ReferenceReport,
    ReferenceSpec,
)

BANDS = len(BAND_CENTERS_HZ)


def test_the_stated_numbers() -> None:
    assert (TONE_CLOSE_DB, WIDTH_CLOSE_DB, PLR_GAP_DB, SPREAD_GAP_LU, LOW_SIDE_GAP_DB) == (
        1.0, 1.5, 3.0, 3.0, 6.0,
    )  # fmt: skip
    assert WIDTH_RANGES == ("low-mid", "mid", "presence", "air")
    assert DYNAMICS_WORDS == (
        ("short_term_spread_lu", "short-term spread", "LU"),
        ("lra_lu", "LRA", "LU"),
        ("plr_db", "PLR", "dB"),
        ("crest_db", "crest", "dB"),
    )


# --- range labels -------------------------------------------------------------------------------


def test_each_range_is_labelled_with_its_span() -> None:
    assert [range_label(name) for name in RANGES_HZ] == [
        "sub 25-60 Hz", "bass 60-250 Hz", "low-mid 250-800 Hz", "mid 800 Hz-2.5 kHz",
        "presence 2.5-6 kHz", "air 6-20 kHz",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("span", "want"),
    [
        ((1000.0, 2000.0), "edge 1-2 kHz"),
        ((999.0, 2000.0), "edge 999 Hz-2 kHz"),
        ((500.0, 1000.0), "edge 500 Hz-1 kHz"),
        ((500.0, 999.0), "edge 500-999 Hz"),
        ((1250.0, 12500.0), "edge 1.25-12.5 kHz"),
        ((31.5, 63.0), "edge 31.5-63 Hz"),
    ],
)
def test_a_range_is_in_khz_from_1000_hz(
    monkeypatch: pytest.MonkeyPatch, span: tuple[float, float], want: str
) -> None:
    monkeypatch.setitem(RANGES_HZ, "edge", span)
    assert range_label("edge") == want


# --- one reference's figures --------------------------------------------------------------------


def reference_measurement(metrics: dict[str, float]) -> Any:
    return SimpleNamespace(
        metrics=lambda: dict(metrics), duration_s=187.6543, sample_rate=44100, channels=1
    )


FIGURES = {"integrated_lufs": -9.8765, "true_peak_dbtp": -0.4321, "lra_lu": 4.5678}


def test_a_reference_is_listed_with_its_figures() -> None:
    spec = ReferenceSpec(Path("refs") / "Ref One.wav", 0.5)
    report = ReferenceReport(
        spec, reference_measurement(FIGURES), None, ("n1", "n2"), ("d1",), confirmed=True
    )
    assert reference_track(report) == {
        "file": "Ref One.wav", "path": os.path.abspath(Path("refs") / "Ref One.wav"),
        "weight": 0.5, "used": True, "doubts": ["d1"], "integrated_lufs": -9.88,
        "true_peak_dbtp": -0.43, "plr_db": 9.44, "lra_lu": 4.57, "duration_s": 187.65,
        "sample_rate": 44100, "channels": 1, "problem": None, "notes": ["n1", "n2"],
    }  # fmt: skip


def test_a_doubted_reference_not_confirmed_is_not_used() -> None:
    spec = ReferenceSpec(Path("/refs/Demo.wav"))
    report = ReferenceReport(spec, reference_measurement(FIGURES), None, (), ("a demo",))
    got = reference_track(report)
    assert got["used"] is False and got["doubts"] == ["a demo"] and got["weight"] == 1.0
    assert got["path"] == "/refs/Demo.wav" and got["notes"] == []


def test_an_unmeasured_reference_has_no_figures() -> None:
    report = ReferenceReport(ReferenceSpec(Path("/refs/Gone.wav")), None, "it does not exist.")
    assert reference_track(report) == {
        "file": "Gone.wav", "path": "/refs/Gone.wav", "weight": 1.0, "used": False,
        "doubts": [], "integrated_lufs": None, "true_peak_dbtp": None, "plr_db": None,
        "lra_lu": None, "duration_s": None, "sample_rate": None, "channels": None,
        "problem": "it does not exist.", "notes": [],
    }  # fmt: skip


@pytest.mark.parametrize("missing", ["integrated_lufs", "true_peak_dbtp"])
def test_the_plr_needs_both_figures(missing: str) -> None:
    metrics = {k: v for k, v in FIGURES.items() if k != missing}
    spec = ReferenceSpec(Path("/refs/R.wav"))
    got = reference_track(ReferenceReport(spec, reference_measurement(metrics)))
    assert got["plr_db"] is None and got[missing] is None
    assert got["lra_lu"] == 4.57


# --- the differences as numbers -----------------------------------------------------------------


def comparison() -> Comparison:
    """Every band and every figure different, so a range, a figure or a version read from the
    wrong place fails."""
    k = np.arange(BANDS, dtype=np.float64)
    mix_mid = -30.0 + 0.7 * k + 0.05 * k**2
    ref_mid = -28.0 + 0.4 * k + 0.08 * k**2
    return Comparison(
        names=("A.wav", "B.wav"), weights=(1.0, 0.5), match_gain_db=(-2.3456, 1.2344),
        mix_mid_db=mix_mid, mix_side_db=mix_mid - 10.0 + 0.3 * k,
        ref_mid_db=ref_mid, ref_side_db=ref_mid - 12.0 + 0.1 * k**1.5,
        tone_spread_db=0.1 * k + 0.01 * k**2,
        mix_dynamics={"crest_db": 12.3456, "plr_db": 10.1111, "lra_lu": 5.5555,
                      "short_term_spread_lu": 7.7777},
        ref_dynamics={"crest_db": 9.8765, "plr_db": 8.2222, "lra_lu": 4.4444,
                      "short_term_spread_lu": 3.3333},
        mix_lufs=-14.1234, ref_lufs=-12.4567, mix_low_side_db=-25.6789, ref_low_side_db=-31.2345,
    )  # fmt: skip


def test_the_differences_carry_each_figure_under_its_name() -> None:
    c = comparison()
    got = reference_differences(c)
    assert got["match_gain_db"] == [
        {"file": "A.wav", "gain_db": -2.35}, {"file": "B.wav", "gain_db": 1.23},
    ]  # fmt: skip
    assert got["loudness_lufs"] == {
        "mix": -14.12, "reference": -12.46, "mix_minus_reference": round(-14.1234 + 12.4567, 2),
    }  # fmt: skip
    assert got["low_end_side_to_mid_db"] == {
        "mix": -25.68, "reference": -31.23, "mix_minus_reference": round(-25.6789 + 31.2345, 2),
    }  # fmt: skip
    assert got["dynamics"] == {
        key: {"mix": round(c.mix_dynamics[key], 2), "reference": round(c.ref_dynamics[key], 2),
              "mix_minus_reference": round(c.mix_dynamics[key] - c.ref_dynamics[key], 2)}
        for key in ("crest_db", "plr_db", "lra_lu", "short_term_spread_lu")
    }  # fmt: skip
    assert list(got) == [
        "match_gain_db", "loudness_lufs", "tone_db", "width_db", "dynamics",
        "low_end_side_to_mid_db",
    ]  # fmt: skip


def test_the_tone_differences_are_per_range() -> None:
    c = comparison()
    got = reference_differences(c)["tone_db"]
    assert list(got) == list(RANGES_HZ)
    values = []
    for name, (low, high) in RANGES_HZ.items():
        picked = bands_from(low, high)
        mix = 10 * math.log10(float((10 ** (c.mix_mid_db[picked] / 10)).sum()))
        ref = 10 * math.log10(float((10 ** (c.ref_mid_db[picked] / 10)).sum()))
        spread = float(c.tone_spread_db[picked].mean())
        assert got[name] == {
            "range_hz": [low, high], "mix_minus_reference": round(mix - ref, 2),
            "reference_spread": round(spread, 2),
        }, name  # fmt: skip
        values.append((got[name]["mix_minus_reference"], got[name]["reference_spread"]))
    assert len(set(values)) == len(values)  # the test's own premise: no two ranges alike


def test_the_width_differences_are_per_width_range() -> None:
    c = comparison()
    got = reference_differences(c)["width_db"]
    assert list(got) == list(WIDTH_RANGES)
    smooth = lambda v: (np.r_[v[:1], v[:-1]] + v + np.r_[v[1:], v[-1:]]) / 3  # noqa: E731
    width = (smooth(c.mix_side_db) - smooth(c.mix_mid_db)) - (
        smooth(c.ref_side_db) - smooth(c.ref_mid_db)
    )
    values = []
    for name in WIDTH_RANGES:
        low, high = RANGES_HZ[name]
        gap = float(width[bands_from(low, high)].mean())
        assert got[name] == {"range_hz": [low, high], "mix_minus_reference": round(gap, 2)}
        values.append(got[name]["mix_minus_reference"])
    assert len(set(values)) == len(values)


def test_match_gains_that_do_not_pair_with_the_names_are_an_error() -> None:
    c = comparison()
    with pytest.raises(ValueError, match="zip"):
        reference_differences(Comparison(**{**c.__dict__, "match_gain_db": (-2.0,)}))


def test_a_figure_at_the_silence_floor_reads_as_missing() -> None:
    c = comparison()
    floored = Comparison(**{**c.__dict__, "mix_low_side_db": -199.0, "ref_lufs": math.nan})
    got = reference_differences(floored)
    assert got["low_end_side_to_mid_db"]["mix"] is None
    assert got["low_end_side_to_mid_db"]["mix_minus_reference"] == round(-199.0 + 31.2345, 2)
    assert got["loudness_lufs"] == {"mix": -14.12, "reference": None, "mix_minus_reference": None}


# --- references_entry: the references and each rendered version -------------------------------


def measured(
    integrated: float, peak: float = 0.5, tilt_db: float = 0.0, side_db: float = -10.0
) -> Any:
    """A measurement as the comparison reads it: 20 frames playing at ``integrated`` LUFS, mid
    power tilted by ``tilt_db`` from the lowest band to the highest, side ``side_db`` under it."""
    frames = 20
    energy = 10 ** ((integrated + 0.691) / 10) if math.isfinite(integrated) else 0.0
    mid_db = -20.0 + tilt_db * np.arange(BANDS) / (BANDS - 1)
    mid = np.tile(10 ** (mid_db / 10), (frames, 1))
    return SimpleNamespace(
        loudness=SimpleNamespace(frame_s=0.1,
            frame_energy=np.full(frames, energy), integrated_lufs=integrated, lra_lu=5.0,
            short_term_lufs=np.linspace(-20.0, -14.0, frames),
        ),
        levels=SimpleNamespace(sample_peak=peak, crest_db=12.0),
        true_peak=SimpleNamespace(true_peak_dbtp=-1.0),
        bands=SimpleNamespace(mid_power=mid, side_power=mid * 10 ** (side_db / 10)),
        metrics=lambda: {"integrated_lufs": integrated, "true_peak_dbtp": -1.0, "lra_lu": 5.0},
        duration_s=30.0, sample_rate=48000, channels=2,
    )  # fmt: skip


def report(name: str, integrated: float = -10.0, problem: str | None = None) -> ReferenceReport:
    return ReferenceReport(ReferenceSpec(Path("/refs") / name), measured(integrated), problem)


def test_no_references() -> None:
    assert NO_REFERENCES == (
        "no reference tracks were used (add them in the app with R, list them in mixreview.toml "
        "as references = [...], or pass --reference FILE[:WEIGHT])."
    )
    got = references_entry([], {"chosen": measured(-14.0)})
    assert got == {"tracks": [], "differences": {}, "remarks": [NO_REFERENCES]}


def test_references_that_cannot_be_used_compare_nothing() -> None:
    refs = [report("Short.wav", problem="Short.wav is 3 s long."), report("Bad.wav", problem="x")]
    got = references_entry(refs, {"chosen": measured(-14.0), "original": measured(-15.0)})
    assert got["tracks"] == [reference_track(r) for r in refs]
    assert got["differences"] == {}
    assert got["remarks"] == [
        "not used: Short.wav is 3 s long.", "not used: x",
        "no reference could be used: there is nothing to compare with.",
    ]  # fmt: skip


def test_each_sounding_version_is_compared_and_a_silent_one_is_not() -> None:
    refs = [report("Ref.wav", -10.0), report("Gone.wav", problem="gone")]
    measurements = {
        "chosen": measured(-14.0, tilt_db=2.0),
        "original": measured(-16.0, tilt_db=-3.0),
        # no assistant mix
        "manual": measured(-15.0, peak=0.0),
    }
    got = references_entry(refs, measurements)
    assert list(got) == ["tracks", "differences", "remarks"]
    assert [t["file"] for t in got["tracks"]] == ["Ref.wav", "Gone.wav"]
    differences = got["differences"]
    assert list(differences) == ["chosen", "original", "manual"]
    assert differences["manual"] is None
    for version, lufs in (("chosen", -14.0), ("original", -16.0)):
        assert differences[version]["loudness_lufs"] == {
            "mix": lufs, "reference": -10.0, "mix_minus_reference": lufs + 10.0,
        }  # fmt: skip
        assert differences[version]["match_gain_db"] == [{"file": "Ref.wav", "gain_db": lufs + 10}]
    # each version's own tilt: the chosen mix rises to the top, the original falls
    tilt = {
        version: differences[version]["tone_db"]["air"]["mix_minus_reference"]
        - differences[version]["tone_db"]["sub"]["mix_minus_reference"]
        for version in ("chosen", "original")
    }
    assert tilt["chosen"] > 1.0 and tilt["original"] < -2.0
    assert got["remarks"] == reference_remarks(
        {"tracks": got["tracks"], "differences": differences}
    )
    assert got["remarks"][0] == "not used: gone"
    assert got["remarks"][1].startswith(
        "compared with Ref.wav at matched loudness: the reference plays at -10.0 LUFS, the "
        "chosen mix at -14.0 LUFS (4.0 LU below)"
    )


@pytest.mark.parametrize(
    ("integrated", "peak", "compared"),
    [(-14.0, 1e-6, True), (-14.0, 0.0, False), (-math.inf, 0.5, False), (math.nan, 0.5, False)],
)
def test_a_version_is_compared_when_it_sounds(
    integrated: float, peak: float, compared: bool
) -> None:
    got = references_entry([report("Ref.wav")], {"chosen": measured(integrated, peak)})
    assert (got["differences"]["chosen"] is not None) is compared
    if not compared:
        assert got["remarks"] == ["the chosen mix is silent: there is nothing to compare."]


# --- the differences in words -------------------------------------------------------------------


def d(mix: float | None, ref: float | None, gap: float | None = None) -> dict[str, float | None]:
    if gap is None and mix is not None and ref is not None:
        gap = round(mix - ref, 2)
    return {"mix": mix, "reference": ref, "mix_minus_reference": gap}


def differences(
    tone: Mapping[str, tuple[float | None, float | None]] | None = None,
    width: Mapping[str, float | None] | None = None,
    dynamics: Mapping[str, tuple[float | None, float | None, float | None]] | None = None,
    loud: tuple[float, float] = (-14.2, -9.5),
    low: tuple[float | None, float | None, float | None] = (-30.0, -28.0, None),
) -> dict[str, Any]:
    """One version's differences, in the shape reference_differences gives; each range in line
    with the references unless given."""
    tones: dict[str, tuple[float | None, float | None]] = dict.fromkeys(RANGES_HZ, (0.0, 0.0))
    tones.update(tone or {})
    widths: dict[str, float | None] = dict.fromkeys(WIDTH_RANGES, 0.0)
    widths.update(width or {})
    figures: dict[str, tuple[float | None, float | None, float | None]] = {
        key: (10.0, 10.0, None) for key, _, _ in DYNAMICS_WORDS
    }
    figures.update(dynamics or {})
    return {
        "match_gain_db": [],
        "loudness_lufs": d(*loud),
        "tone_db": {
            name: {"range_hz": list(RANGES_HZ[name]), "mix_minus_reference": diff,
                   "reference_spread": spread}
            for name, (diff, spread) in tones.items()
        },
        "width_db": {
            name: {"range_hz": list(RANGES_HZ[name]), "mix_minus_reference": gap}
            for name, gap in widths.items()
        },
        "dynamics": {key: d(*values) for key, values in figures.items()},
        "low_end_side_to_mid_db": d(*low),
    }  # fmt: skip


def track(file: str, used: bool = True, weight: float = 1.0, problem: str | None = None) -> dict:
    return {"file": file, "used": used, "weight": weight, "problem": problem}


COMPARED_TAIL = (
    "each difference below is the mix minus the references with that gap taken out, before the "
    "review (the original mix) and now (the chosen mix)."
)


def test_the_remarks_in_order_for_one_reference() -> None:
    now = differences(
        tone={"air": (-2.5, 0.0)}, width={"mid": 2.0},
        dynamics={"plr_db": (12.0, 8.0, 4.0), "crest_db": (14.0, 11.0, None)},
        low=(-12.0, -20.0, None),
    )  # fmt: skip
    before = differences(
        tone={"air": (-4.0, 0.0)}, width={"mid": 3.0},
        dynamics={"plr_db": (13.0, 8.0, None), "crest_db": (15.55, 11.0, None)},
        low=(-10.0, -20.0, None),
    )  # fmt: skip
    entry = {
        "tracks": [track("Bad.wav", False, problem="it is silent."), track("Ref.wav", weight=0.5)],
        "differences": {"chosen": now, "original": before},
    }
    assert reference_remarks(entry) == [
        "not used: it is silent.",
        "compared with Ref.wav at matched loudness: the reference plays at -9.5 LUFS, the chosen "
        f"mix at -14.2 LUFS (4.7 LU below); {COMPARED_TAIL}",
        "air 6-20 kHz: -4.0 dB before, -2.5 dB now: less energy there than the references.",
        "sub, bass, low-mid, mid, presence: within 1 dB of the references, before and now.",
        "width, side against mid (positive: wider than the references): mid 800 Hz-2.5 kHz "
        "+3.0 dB before, +2.0 dB now (wider); low-mid, presence, air within 1.5 dB.",
        "dynamics now, against the references: short-term spread 10.0 LU (10.0 before) against "
        "10.0; LRA 10.0 LU (10.0 before) against 10.0; PLR 12.0 dB (13.0 before) against 8.0; "
        "crest 14.0 dB (15.6 before) against 11.0.",
        "the references' peaks sit 4.0 dB closer to their loudness (PLR): the peak control of a "
        "finished master, usually mastering's part.",
        "side against mid below 120 Hz: -12 dB now (-10 dB before), the references -20 dB: more "
        "stereo in the low end than the references; check it in mono.",
    ]


def test_the_remarks_without_an_original_and_with_two_references() -> None:
    now = differences(loud=(-9.5, -9.5), tone={"sub": (1.0, 0.0)})
    entry = {
        "tracks": [track("A.wav", weight=1.0), track("B.wav", weight=0.25)],
        "differences": {"chosen": now},
    }
    assert reference_remarks(entry) == [
        "compared with A.wav (weight 1), B.wav (weight 0.25) at matched loudness: the references "
        f"play at -9.5 LUFS, the chosen mix at -9.5 LUFS (0.0 LU above); {COMPARED_TAIL}",
        "sub 25-60 Hz: +1.0 dB now: more energy there than the references.",
        "bass, low-mid, mid, presence, air: within 1 dB of the references.",
        "width (side against mid) within 1.5 dB of the references from 250 Hz up.",
        "dynamics now, against the references: short-term spread 10.0 LU against 10.0; LRA "
        "10.0 LU against 10.0; PLR 10.0 dB against 10.0; crest 10.0 dB against 10.0.",
        "side against mid below 120 Hz: -30 dB now, the references -28 dB.",
    ]


def test_a_mix_louder_than_the_references_is_above() -> None:
    entry = {"tracks": [track("R.wav")], "differences": {"chosen": differences(loud=(-8.0, -9.3))}}
    assert "the chosen mix at -8.0 LUFS (1.3 LU above);" in reference_remarks(entry)[0]


def test_a_silent_chosen_mix_compares_nothing() -> None:
    tracks = [track("N.wav", False, problem="no."), track("R.wav")]
    for found in ({"chosen": None, "original": differences()}, {"original": differences()}, {}):
        assert reference_remarks({"tracks": tracks, "differences": found}) == [
            "not used: no.", "the chosen mix is silent: there is nothing to compare.",
        ]  # fmt: skip


def test_no_used_reference() -> None:
    tracks = [track("N.wav", False, problem="no."), track("M.wav", False, problem="none.")]
    assert reference_remarks({"tracks": tracks, "differences": {"chosen": differences()}}) == [
        "not used: no.", "not used: none.",
        "no reference could be used: there is nothing to compare with.",
    ]  # fmt: skip
    assert reference_remarks({"tracks": [], "differences": {}}) == [NO_REFERENCES]


# --- tone ---------------------------------------------------------------------------------------


def test_tone_with_the_original_mix() -> None:
    now = differences(tone={
        "sub": (0.3, 0.0), "bass": (-0.99, 0.0), "low-mid": (1.0, 0.1), "mid": (0.5, 0.09),
        "presence": (-2.0, 2.0), "air": (-2.01, 2.0),
    })  # fmt: skip
    before = differences(tone={
        "sub": (None, None), "bass": (0.99, 0.0), "low-mid": (0.5, 0.0), "mid": (-1.0, 0.0),
        "presence": (-3.0, 0.0), "air": (None, 0.0),
    })  # fmt: skip
    assert _tone_remarks(now, before) == [
        "low-mid 250-800 Hz: +0.5 dB before, +1.0 dB now (the references spread 0.1 dB here): "
        "more energy there than the references.",
        "mid 800 Hz-2.5 kHz: -1.0 dB before, +0.5 dB now: in line with the references.",
        "presence 2.5-6 kHz: -3.0 dB before, -2.0 dB now (the references spread 2.0 dB here): "
        "within the references' spread.",
        "air 6-20 kHz: -2.0 dB now (the references spread 2.0 dB here): less energy there than "
        "the references.",
        "sub, bass: within 1 dB of the references, before and now.",
    ]


def test_tone_without_the_original_mix() -> None:
    now = differences(tone={
        "sub": (0.0, None), "bass": (-1.0, None), "low-mid": (0.99, 5.0), "mid": (3.0, 3.5),
        "presence": (None, 1.0), "air": (1.2, 0.05),
    })  # fmt: skip
    assert _tone_remarks(now, None) == [
        "bass 60-250 Hz: -1.0 dB now: less energy there than the references.",
        "mid 800 Hz-2.5 kHz: +3.0 dB now (the references spread 3.5 dB here): within the "
        "references' spread.",
        "air 6-20 kHz: +1.2 dB now: more energy there than the references.",
        "sub, low-mid: within 1 dB of the references.",
    ]


@pytest.mark.parametrize(
    ("diff", "prev", "close"),
    [
        (TONE_CLOSE_DB - 0.01, None, True),
        (TONE_CLOSE_DB, None, False),
        (-TONE_CLOSE_DB + 0.01, None, True),
        (-TONE_CLOSE_DB, None, False),
        (0.0, TONE_CLOSE_DB - 0.01, True),
        (0.0, TONE_CLOSE_DB, False),
        (0.0, -TONE_CLOSE_DB + 0.01, True),
        (0.0, -TONE_CLOSE_DB, False),
    ],
)
def test_tone_is_close_under_the_threshold(diff: float, prev: float | None, close: bool) -> None:
    now = differences(tone={"mid": (diff, 0.0)})
    before = differences(tone={"mid": (prev, 0.0)})
    got = _tone_remarks(now, before)
    together = (
        "sub, bass, low-mid, mid, presence, air" if close else "sub, bass, low-mid, presence, air"
    )
    assert got[-1] == f"{together}: within 1 dB of the references, before and now."
    assert len(got) == (1 if close else 2)


def test_a_tone_difference_within_the_spread_is_inclusive() -> None:
    now = differences(tone={"air": (2.5, 2.5), "presence": (-2.51, 2.5)})
    got = _tone_remarks(now, None)
    assert got[0].endswith(
        "(the references spread 2.5 dB here): less energy there than the references."
    )
    assert got[1].endswith("(the references spread 2.5 dB here): within the references' spread.")


# --- width --------------------------------------------------------------------------------------


def test_width_with_the_original_mix() -> None:
    now = differences(width={"low-mid": 1.49, "mid": 1.5, "presence": -1.0, "air": -3.0})
    before = differences(width={"low-mid": -1.49, "mid": 0.0, "presence": -1.5, "air": None})
    assert _width_remarks(now, before) == [
        "width, side against mid (positive: wider than the references): mid 800 Hz-2.5 kHz "
        "+0.0 dB before, +1.5 dB now (wider); presence 2.5-6 kHz -1.5 dB before, -1.0 dB now "
        "(in line); air 6-20 kHz -3.0 dB now (narrower); low-mid within 1.5 dB."
    ]


def test_width_without_a_close_range() -> None:
    now = differences(width={"low-mid": -1.5, "mid": 2.0, "presence": None, "air": 1.5})
    assert _width_remarks(now, None) == [
        "width, side against mid (positive: wider than the references): low-mid 250-800 Hz "
        "-1.5 dB now (narrower); mid 800 Hz-2.5 kHz +2.0 dB now (wider); air 6-20 kHz +1.5 dB "
        "now (wider)."
    ]


def test_width_all_within_the_threshold() -> None:
    now = differences(width={"low-mid": None, "mid": 0.0, "presence": -1.49, "air": 1.0})
    assert _width_remarks(now, None) == [
        "width (side against mid) within 1.5 dB of the references from 250 Hz up."
    ]
    before = differences(width={"low-mid": 9.0, "mid": 1.49, "presence": -1.49, "air": None})
    assert _width_remarks(now, before) == [
        "width (side against mid) within 1.5 dB of the references from 250 Hz up, before and now."
    ]


@pytest.mark.parametrize(
    ("diff", "prev", "close"),
    [
        (WIDTH_CLOSE_DB - 0.01, None, True),
        (WIDTH_CLOSE_DB, None, False),
        (-WIDTH_CLOSE_DB + 0.01, 0.0, True),
        (-WIDTH_CLOSE_DB, 0.0, False),
        (0.0, WIDTH_CLOSE_DB - 0.01, True),
        (0.0, WIDTH_CLOSE_DB, False),
        (0.0, -WIDTH_CLOSE_DB + 0.01, True),
        (0.0, -WIDTH_CLOSE_DB, False),
    ],
)
def test_width_is_close_under_the_threshold(diff: float, prev: float | None, close: bool) -> None:
    now = differences(width={"presence": diff})
    before = differences(width={"presence": prev})
    got = _width_remarks(now, before)
    assert got[0].startswith("width (side") is close


# --- dynamics -----------------------------------------------------------------------------------


def test_dynamics_name_the_figures_both_sides_have() -> None:
    now = differences(dynamics={
        "short_term_spread_lu": (9.0, 5.99, 3.01), "lra_lu": (None, 4.0, None),
        "plr_db": (12.04, 9.03, 3.01), "crest_db": (14.0, None, None),
    })  # fmt: skip
    before = differences(dynamics={
        "short_term_spread_lu": (None, 5.99, None), "plr_db": (13.25, 9.03, None),
    })  # fmt: skip
    assert _dynamics_remarks(now, before) == [
        "dynamics now, against the references: short-term spread 9.0 LU against 6.0; PLR 12.0 dB "
        "(13.2 before) against 9.0.",
        "the references' peaks sit 3.0 dB closer to their loudness (PLR): the peak control of a "
        "finished master, usually mastering's part.",
        "the mix's short-term loudness moves 3.0 LU more than the references': agree with the "
        "mastering engineer how much of that movement to keep.",
    ]


def test_dynamics_with_no_figure_on_both_sides_say_only_the_gaps() -> None:
    now = differences(dynamics={
        "short_term_spread_lu": (None, 9.0, -3.01), "lra_lu": (4.0, None, None),
        "plr_db": (None, 9.0, 5.0), "crest_db": (None, None, None),
    })  # fmt: skip
    assert _dynamics_remarks(now, None) == [
        "the references' peaks sit 5.0 dB closer to their loudness (PLR): the peak control of a "
        "finished master, usually mastering's part.",
        "the mix's short-term loudness moves 3.0 LU less than the references': it is already "
        "steadier than they are.",
    ]


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        (PLR_GAP_DB, None),
        (PLR_GAP_DB + 0.01, "the references' peaks sit 3.0 dB closer"),
        (-PLR_GAP_DB - 5, None),
        (None, None),
    ],
)
def test_the_plr_gap_is_exclusive(gap: float | None, words: str | None) -> None:
    got = _dynamics_remarks(differences(dynamics={"plr_db": (10.0, 10.0, gap)}), None)
    assert len(got) == (1 if words is None else 2)
    if words:
        assert got[1].startswith(words)


@pytest.mark.parametrize(
    ("gap", "words"),
    [
        (SPREAD_GAP_LU, None),
        (SPREAD_GAP_LU + 0.01, "moves 3.0 LU more than"),
        (-SPREAD_GAP_LU, None),
        (-SPREAD_GAP_LU - 0.01, "moves 3.0 LU less than"),
        (0.0, None),
        (None, None),
    ],
)
def test_the_spread_gap_is_exclusive(gap: float | None, words: str | None) -> None:
    dynamics = {"short_term_spread_lu": (10.0, 10.0, gap)}
    got = _dynamics_remarks(differences(dynamics=dynamics), None)
    assert len(got) == (1 if words is None else 2)
    if words:
        assert got[1] == (
            f"the mix's short-term loudness {words} the references': "
            + ("agree with the mastering engineer how much of that movement to keep."
               if "more" in words else "it is already steadier than they are.")
        )  # fmt: skip


# --- the low end --------------------------------------------------------------------------------


def low_remark(low: tuple[float | None, float | None, float | None], before: Any = None) -> str:
    entry: dict[str, Any] = {
        "tracks": [track("R.wav")], "differences": {"chosen": differences(low=low)},
    }  # fmt: skip
    if before is not None:
        entry["differences"]["original"] = differences(low=before)
    return reference_remarks(entry)[-1]


HEAD = "side against mid below 120 Hz: "


@pytest.mark.parametrize(
    ("low", "tail"),
    [
        ((-12.0, -18.0, LOW_SIDE_GAP_DB), "-12 dB now, the references -18 dB."),
        ((-12.0, -18.01, LOW_SIDE_GAP_DB + 0.01), "-12 dB now, the references -18 dB: more "
         "stereo in the low end than the references; check it in mono."),
        ((-24.0, -18.0, -LOW_SIDE_GAP_DB), "-24 dB now, the references -18 dB."),
        ((-24.01, -18.0, -LOW_SIDE_GAP_DB - 0.01), "-24 dB now, the references -18 dB: the low "
         "end is more mono than the references'."),
        ((-60.0, -80.0, 20.0), "no side (mono) now, the references no side (mono)."),
        ((-59.99, -80.0, 20.01), "-60 dB now, the references no side (mono): more stereo in the "
         "low end than the references; check it in mono."),
        ((-59.99, -50.0, -9.99), "-60 dB now, the references -50 dB: the low end is more mono "
         "than the references'."),
        ((None, -20.0, None), "no side (mono) now, the references -20 dB."),
        ((-20.0, None, None), "-20 dB now, the references no side (mono)."),
    ],
)  # fmt: skip
def test_the_low_end_side(low: tuple[float | None, float | None, float | None], tail: str) -> None:
    assert low_remark(low) == HEAD + tail


def test_the_low_end_side_without_a_gap_is_not_judged() -> None:
    now = differences(low=(-20.0, -40.0, None))
    assert now["low_end_side_to_mid_db"]["mix_minus_reference"] == 20.0
    now["low_end_side_to_mid_db"]["mix_minus_reference"] = None
    entry = {"tracks": [track("R.wav")], "differences": {"chosen": now}}
    assert reference_remarks(entry)[-1] == HEAD + "-20 dB now, the references -40 dB."


def test_the_low_end_side_before() -> None:
    assert low_remark((-12.0, -14.0, None), (-30.4, -14.0, None)) == (
        HEAD + "-12 dB now (-30 dB before), the references -14 dB."
    )
    assert low_remark((-12.0, -14.0, None), (None, -14.0, None)) == (
        HEAD + "-12 dB now (no side (mono) before), the references -14 dB."
    )
    assert low_remark((-12.0, -14.0, None), (-60.0, -14.0, None)) == (
        HEAD + "-12 dB now (no side (mono) before), the references -14 dB."
    )


def test_width_says_nothing_when_no_range_was_measured_on_both_sides() -> None:
    """As for tone: no range with a difference, no remark (not "within 1.5 dB")."""
    now = differences(width=dict.fromkeys(("low-mid", "mid", "presence", "air")))
    assert _width_remarks(now, None) == []
    assert _width_remarks(now, differences(width={"mid": 3.0})) == []
