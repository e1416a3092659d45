"""build_processor: every suggestion kind, the accepted param shapes, and clear errors; Chain."""

from __future__ import annotations

import numpy as np
import pytest

from mixreview.analysis.dsp import (
    EQ,
    Chain,
    Compressor,
    Gain,
    MonoBelow,
    Pan,
    Polarity,
    SectionGain,
    Width,
    build_processor,
)
from tests.test_dsp_support import SAMPLE_RATE, make_signal

KINDS = {
    "gain": ({"gain_db": -3.0}, Gain),
    "section_gain": (
        {"segments": [{"start_s": 0.0, "end_s": 1.0, "gain_db": -2.0}], "ramp_ms": 10},
        SectionGain,
    ),
    "eq": (
        {
            "bands": [
                {"type": "peaking", "freq_hz": 300, "gain_db": -2, "q": 1.2},
                {"type": "highpass", "freq_hz": 30, "order": 4},
            ]
        },
        EQ,
    ),
    "unmask": ({"freq_hz": 90.0, "gain_db": -2.5, "q": 1.5}, EQ),
    "highpass": ({"freq_hz": 80.0}, EQ),
    "lowpass": ({"freq_hz": 12000.0, "order": 4}, EQ),
    "compressor": (
        {"threshold_db": -18, "ratio": 3, "attack_ms": 10, "release_ms": 150},
        Compressor,
    ),
    "width": ({"width": 0.8}, Width),
    "mono_bass": ({"freq_hz": 120}, MonoBelow),
    "polarity": ({"channels": "right"}, Polarity),
    "pan": ({"pan": -0.3}, Pan),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_builds_its_processor(kind: str) -> None:
    params, klass = KINDS[kind]
    proc = build_processor(kind, params, SAMPLE_RATE, amount=0.7)
    assert isinstance(proc, klass)
    assert proc.amount == 0.7
    out = proc.process(make_signal(2000))
    assert out.dtype == np.float32 and np.all(np.isfinite(out))


def test_flat_forms_and_defaults() -> None:
    sg = build_processor("section_gain", {"start_s": 1, "end_s": 2, "gain_db": -3}, SAMPLE_RATE)
    assert isinstance(sg, SectionGain) and sg.segments[0].gain_db == -3.0 and sg.ramp_ms == 20.0
    eq = build_processor("eq", {"type": "high_shelf", "freq_hz": 8000, "gain_db": 2}, SAMPLE_RATE)
    assert isinstance(eq, EQ) and eq.bands[0].type == "high_shelf"
    comp = build_processor("compressor", KINDS["compressor"][0], SAMPLE_RATE)
    assert isinstance(comp, Compressor) and comp.knee_db == 6.0 and comp.makeup_db == 0.0
    unmask = build_processor("unmask", {"freq_hz": 2000, "gain_db": -2}, SAMPLE_RATE)
    assert isinstance(unmask, EQ) and unmask.response_db([2000.0])[0] == pytest.approx(-2.0)
    # extra, descriptive keys are ignored
    gain = build_processor("gain", {"gain_db": -1, "target_lufs": -18}, SAMPLE_RATE)
    assert isinstance(gain, Gain)


@pytest.mark.parametrize(
    ("kind", "params", "words"),
    [
        ("reverb", {}, ["unknown processor kind", "reverb"]),
        ("gain", {}, ["gain:", "gain_db", "missing"]),
        ("gain", {"gain_db": "loud"}, ["gain:", "gain_db", "number"]),
        ("gain", {"gain_db": 200}, ["gain:", "gain_db"]),
        (
            "compressor",
            {"threshold_db": -18, "ratio": 3, "attack_ms": 10},
            ["compressor:", "release_ms"],
        ),
        ("compressor", {**KINDS["compressor"][0], "ratio": 0.5}, ["compressor:", "ratio"]),
        ("eq", {"bands": [{"type": "bell", "freq_hz": 100}]}, ["eq:", "band 0", "type"]),
        ("eq", {"bands": [{"type": "peaking", "gain_db": -3}]}, ["eq:", "freq_hz"]),
        ("eq", {}, ["eq:", "bands"]),
        ("unmask", {"freq_hz": 100, "gain_db": 3}, ["unmask:", "gain_db", "cut"]),
        ("highpass", {"freq_hz": 30000}, ["highpass:", "freq_hz", "Nyquist"]),
        ("highpass", {"freq_hz": 80, "order": 2.5}, ["highpass:", "order"]),
        ("width", {"width": -1}, ["width:", "width"]),
        ("mono_bass", {}, ["mono_bass:", "freq_hz"]),
        ("polarity", {"channels": "up"}, ["polarity:", "channels"]),
        ("pan", {"pan": 2}, ["pan:", "pan"]),
        (
            "section_gain",
            {"segments": [{"start_s": 2, "end_s": 1, "gain_db": 0}]},
            ["section_gain:", "end_s"],
        ),
        ("section_gain", {}, ["section_gain:", "segments"]),
        ("gain", {"gain_db": -3, "amount": 2}, []),  # "amount" in params is just an extra key
    ],
)
def test_bad_params_name_the_kind_and_the_parameter(
    kind: str, params: dict[str, object], words: list[str]
) -> None:
    if not words:
        build_processor(kind, params, SAMPLE_RATE)
        return
    with pytest.raises(ValueError) as info:
        build_processor(kind, params, SAMPLE_RATE)
    for word in words:
        assert word in str(info.value)


def test_bad_amount_is_refused() -> None:
    with pytest.raises(ValueError, match=r"gain: .*amount"):
        build_processor("gain", {"gain_db": -3}, SAMPLE_RATE, amount=1.5)


def test_chain_amount_multiplies_and_reset_reaches_everyone() -> None:
    x = make_signal(4800)
    chain = Chain([Gain(SAMPLE_RATE, -12.0), Width(SAMPLE_RATE, 0.0, amount=0.5)])
    chain.amount = 0.5
    expected = Chain([Gain(SAMPLE_RATE, -6.0), Width(SAMPLE_RATE, 0.75)]).process(x)
    np.testing.assert_allclose(chain.process(x), expected, atol=1e-7)
    chain.amount = 0.0
    np.testing.assert_array_equal(chain.process(x), x)
    with pytest.raises(ValueError, match=r"sample_rate|Hz"):
        Chain([Gain(SAMPLE_RATE), Gain(44100)])
