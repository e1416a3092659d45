"""EQ: cookbook designs, measured response equals eq_response_db, high-pass attenuation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.dsp import (
    EQ,
    Band,
    eq_response_db,
    high_shelf,
    highpass,
    low_shelf,
    lowpass,
)
from mixreview.analysis.dsp import peaking as peaking_band
from tests.test_dsp_support import SAMPLE_RATE, sine, sine_amplitude

BANDS = {
    "peaking": peaking_band(1000.0, -6.0, 1.4),
    "peaking_boost": peaking_band(120.0, 4.5, 0.7),
    "low_shelf": low_shelf(200.0, 4.0),
    "low_shelf_slope": low_shelf(300.0, -5.0, slope=0.5),
    "high_shelf": high_shelf(5000.0, -3.0, q=0.9),
    "highpass": highpass(80.0),
    "highpass_resonant": highpass(100.0, q=2.0),
    "highpass_24": highpass(80.0, order=4),
    "lowpass": lowpass(8000.0),
    "lowpass_24": lowpass(8000.0, order=4),
}
TEST_FREQS_HZ = [40.0, 100.0, 250.0, 1000.0, 3000.0, 9000.0, 15000.0]


def measured_db(bands: list[Band], freq_hz: float, amount: float = 1.0) -> float:
    x = sine(freq_hz, 0.6).astype(np.float32)
    y = EQ(SAMPLE_RATE, bands, amount=amount).process(np.stack([x, x], axis=1))
    steady = slice(int(0.3 * SAMPLE_RATE), None)
    return 20 * np.log10(sine_amplitude(y[steady, 0], freq_hz) / sine_amplitude(x[steady], freq_hz))


@pytest.mark.parametrize("name", sorted(BANDS))
def test_measured_response_matches_eq_response_db(name: str) -> None:
    predicted = eq_response_db([BANDS[name]], TEST_FREQS_HZ, SAMPLE_RATE)
    for freq_hz, expected_db in zip(TEST_FREQS_HZ, predicted, strict=True):
        if expected_db < -60:
            continue  # too far down for a float32 measurement to mean much
        assert measured_db([BANDS[name]], freq_hz) == pytest.approx(expected_db, abs=0.1), freq_hz


def test_several_bands_and_partial_amount_match_the_response() -> None:
    bands = [BANDS["peaking"], BANDS["low_shelf"], BANDS["highpass_24"], BANDS["high_shelf"]]
    predicted = eq_response_db(bands, TEST_FREQS_HZ, SAMPLE_RATE, amount=0.4)
    for freq_hz, expected_db in zip(TEST_FREQS_HZ, predicted, strict=True):
        assert measured_db(bands, freq_hz, amount=0.4) == pytest.approx(expected_db, abs=0.1)


@pytest.mark.parametrize("gain_db", [-12.0, -3.0, -1.0, 2.0, 9.0])
def test_peaking_gain_at_its_frequency(gain_db: float) -> None:
    band = peaking_band(2500.0, gain_db, 2.0)
    assert eq_response_db([band], [2500.0], SAMPLE_RATE)[0] == pytest.approx(gain_db, abs=1e-9)
    assert measured_db([band], 2500.0) == pytest.approx(gain_db, abs=0.05)
    # amount scales the band's gain in dB
    half = eq_response_db([band], [2500.0], SAMPLE_RATE, amount=0.5)[0]
    assert half == pytest.approx(gain_db / 2, abs=1e-9)


def test_shelves_reach_their_gain() -> None:
    low = eq_response_db([low_shelf(200.0, 6.0)], [10.0, 200.0, 10000.0], SAMPLE_RATE)
    np.testing.assert_allclose(low, [6.0, 3.0, 0.0], atol=0.05)
    high = eq_response_db([high_shelf(4000.0, -6.0)], [20.0, 4000.0, 23000.0], SAMPLE_RATE)
    np.testing.assert_allclose(high, [0.0, -3.0, -6.0], atol=0.05)


def test_cookbook_highpass_is_butterworth_at_q_0707() -> None:
    freqs = np.geomspace(10, 20000, 50)
    ours = eq_response_db([highpass(120.0)], freqs, SAMPLE_RATE)
    sos = signal.butter(2, 120.0, btype="highpass", fs=SAMPLE_RATE, output="sos")
    _, h = signal.freqz_sos(sos, worN=freqs, fs=SAMPLE_RATE)
    np.testing.assert_allclose(ours, 20 * np.log10(np.abs(h)), atol=1e-6)
    assert eq_response_db([highpass(120.0)], [120.0], SAMPLE_RATE)[0] == pytest.approx(
        -3.01, abs=0.01
    )


def band_energy_db(x: np.ndarray, below_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    return 10 * np.log10(spectrum[(freqs > 5) & (freqs < below_hz)].sum())


@pytest.mark.parametrize(("order", "min_drop_db"), [(2, 10.0), (4, 24.0)])
def test_highpass_removes_energy_below_half_the_cutoff(order: int, min_drop_db: float) -> None:
    noise = np.random.default_rng(5).standard_normal((SAMPLE_RATE * 2, 2)).astype(np.float32)
    out = EQ(SAMPLE_RATE, [highpass(100.0, order=order)]).process(noise)
    drop = band_energy_db(noise[:, 0], 50.0) - band_energy_db(out[:, 0], 50.0)
    assert drop >= min_drop_db
    # and leaves the band well above the cut-off alone
    above = band_energy_db(noise[:, 0], 20000.0) - band_energy_db(out[:, 0], 20000.0)
    assert abs(above) < 0.5


def test_partial_highpass_moves_the_cutoff_toward_10_hz() -> None:
    band = highpass(160.0)
    shifted = band.at_amount(0.5, SAMPLE_RATE)
    assert shifted.freq_hz == pytest.approx(40.0)  # sqrt(10 * 160)
    low = lowpass(4800.0).at_amount(0.0, SAMPLE_RATE)
    assert low.freq_hz == pytest.approx(0.45 * SAMPLE_RATE)


def test_bands_from_dicts_and_validation() -> None:
    response = eq_response_db(
        [{"type": "peaking", "freq_hz": 500, "gain_db": -3, "q": 1}], [500.0], SAMPLE_RATE
    )
    assert response[0] == pytest.approx(-3.0)
    eq = EQ(SAMPLE_RATE, [{"freq_hz": 500, "gain_db": -3}])  # type defaults to peaking
    assert eq.bands[0].type == "peaking"
    with pytest.raises(ValueError, match="band type"):
        Band("notch", 1000.0)
    with pytest.raises(ValueError, match="Nyquist"):
        EQ(SAMPLE_RATE, [peaking_band(30000.0, -3.0)])
    with pytest.raises(ValueError, match="gain_db does not apply"):
        Band("highpass", 80.0, gain_db=-3.0)
    with pytest.raises(ValueError, match="q"):
        Band("peaking", 1000.0, -3.0, q=0.0)
    with pytest.raises(ValueError, match="order"):
        highpass(80.0, order=12)
    assert Band.from_dict({"type": "highpass", "freq_hz": 80, "order": 4.0}).order == 4


def test_changing_bands_keeps_running() -> None:
    eq = EQ(SAMPLE_RATE, [peaking_band(1000.0, -3.0)])
    x = np.stack([sine(1000.0, 0.2)] * 2, axis=1).astype(np.float32)
    eq.process(x)
    eq.bands = [peaking_band(1000.0, -9.0)]
    y = eq.process(x)
    assert sine_amplitude(y[4000:, 0], 1000.0) == pytest.approx(10 ** (-9 / 20), rel=2e-3)
    np.testing.assert_allclose(eq.response_db([1000.0]), [-9.0], atol=1e-9)
