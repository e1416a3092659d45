"""SosFilter: scipy's kernel called directly (a stereo pair packed as one complex signal), or the
public sosfilt and lfilter; every path matches sosfilt and one state."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from mixreview.analysis.dsp import sosfilter
from mixreview.analysis.dsp.biquad import BUTTERWORTH_Q, highpass_sos, peaking_sos
from mixreview.analysis.dsp.sosfilter import SosFilter
from mixreview.analysis.meters.loudness import k_weighting_sos
from tests.test_dsp_support import SAMPLE_RATE

SOS = {
    "one section, 20 Hz high-pass": highpass_sos(20.0, SAMPLE_RATE, BUTTERWORTH_Q, 2),
    "one section, peaking": peaking_sos(250.0, -3.0, 1.0, SAMPLE_RATE),
    "two sections, K-weighting": k_weighting_sos(SAMPLE_RATE),
    "four sections": np.vstack(
        [
            highpass_sos(40.0, SAMPLE_RATE, BUTTERWORTH_Q, 4),
            peaking_sos(900.0, 5.0, 2.0, SAMPLE_RATE),
            peaking_sos(3000.0, -4.0, 0.7, SAMPLE_RATE),
        ]
    ),
}


@pytest.fixture(autouse=True, params=[True, False], ids=["kernel", "public"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every test runs on scipy's kernel called directly, then on the public functions."""
    if request.param and not sosfilter._kernel_in_use():
        pytest.skip("scipy's sosfilt kernel is not usable here: the public functions run")
    monkeypatch.setattr(sosfilter, "_KERNEL", request.param)
    return request.param


def rows(channels: int, frames: int = 30_000, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((channels, frames)) * 0.3


def in_blocks(filt: SosFilter, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    out, start, i = [], 0, 0
    while start < x.shape[1]:
        out.append(filt.filter_rows(x[:, start : start + sizes[i % len(sizes)]]))
        start += sizes[i % len(sizes)]
        i += 1
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("name", sorted(SOS))
@pytest.mark.parametrize("channels", [1, 2])
def test_rows_in_blocks_match_sosfilt_on_the_whole_stream(name: str, channels: int) -> None:
    x = rows(channels)
    copy = x.copy()
    got = in_blocks(SosFilter(SOS[name]), x, [1, 7, 1000, 4096, 0, 333])
    np.testing.assert_array_equal(x, copy)  # never filtered in place
    np.testing.assert_allclose(got, signal.sosfilt(SOS[name], x, axis=-1), rtol=0, atol=1e-11)


@pytest.mark.parametrize("name", sorted(SOS))
@pytest.mark.parametrize("channels", [1, 2])
def test_float32_blocks_match_sosfilt_on_the_whole_stream(name: str, channels: int) -> None:
    x = rows(channels).T.astype(np.float32)
    copy = x.copy()
    filt = SosFilter(SOS[name])
    spans = [(0, 1), (1, 4097), (4097, 4097), (4097, 30_000)]
    got = np.concatenate([filt.filter_block(x[a:b]) for a, b in spans])
    assert got.dtype == np.float32 and got.shape == x.shape
    np.testing.assert_array_equal(x, copy)  # never filtered in place
    expected = signal.sosfilt(SOS[name], x.astype(np.float64), axis=0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("name", sorted(SOS))
def test_stereo_pairs_in_blocks_match_sosfilt_and_the_rows_to_the_bit(name: str) -> None:
    x = rows(2)
    pairs = np.array(x.T, order="C")
    filt, by_rows = SosFilter(SOS[name]), SosFilter(SOS[name])
    got, expected_rows = [], []
    for a, b in [(0, 1), (1, 4097), (4097, 4097), (4097, 30_000)]:
        block = pairs[a:b].copy()
        out = filt.filter_pairs(block)
        assert out is block  # filtered in place
        got.append(out)
        expected_rows.append(by_rows.filter_rows(x[:, a:b]))
    both = np.concatenate(got)
    np.testing.assert_array_equal(both, np.concatenate(expected_rows, axis=1).T)
    np.testing.assert_allclose(both, signal.sosfilt(SOS[name], x, axis=-1).T, rtol=0, atol=1e-11)
    # the state is the one every path reads
    np.testing.assert_allclose(
        filt.filter_rows(x[:, :500]), by_rows.filter_rows(x[:, :500]), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("sections", [1, 3])
def test_new_coefficients_keep_the_state(sections: int) -> None:
    first = np.vstack(
        [peaking_sos(300.0 * (k + 1), -6.0, 1.0, SAMPLE_RATE) for k in range(sections)]
    )
    second = np.vstack(
        [peaking_sos(500.0 * (k + 1), 4.0, 2.0, SAMPLE_RATE) for k in range(sections)]
    )
    x = rows(2)
    filt = SosFilter(first)
    head = filt.filter_rows(x[:, :10_000])
    filt.sos = second
    tail = filt.filter_rows(x[:, 10_000:])
    zi = np.zeros((sections, 2, 2))
    expected_head, zi = signal.sosfilt(first, x[:, :10_000], axis=-1, zi=zi)
    expected_tail, _ = signal.sosfilt(second, x[:, 10_000:], axis=-1, zi=zi)
    np.testing.assert_allclose(head, expected_head, rtol=0, atol=1e-11)
    np.testing.assert_allclose(tail, expected_tail, rtol=0, atol=1e-11)


def test_another_number_of_sections_starts_from_silence() -> None:
    one = SOS["one section, peaking"]
    four = SOS["four sections"]
    x = rows(2)
    filt = SosFilter(one)
    filt.filter_rows(x[:, :5000])
    filt.sos = four
    np.testing.assert_allclose(
        filt.filter_rows(x[:, 5000:]), signal.sosfilt(four, x[:, 5000:], axis=-1), atol=1e-11
    )
    filt.sos = one
    np.testing.assert_allclose(
        filt.filter_rows(x[:, :5000]), signal.sosfilt(one, x[:, :5000], axis=-1), atol=1e-11
    )


@pytest.mark.parametrize("name", sorted(SOS))
def test_one_state_whatever_path_runs_next(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    x = rows(2).astype(np.float32).astype(np.float64)
    filt = SosFilter(SOS[name])
    parts = [
        filt.filter_block(x[:, :3000].T.astype(np.float32)).T,
        filt.filter_rows(x[:, 3000:9000]),
    ]
    monkeypatch.setattr(sosfilter, "_KERNEL", not sosfilter._KERNEL)  # the other path
    parts += [
        filt.filter_block(x[:, 9000:20_000].T.astype(np.float32)).T,
        filt.filter_rows(x[:, 20_000:]),
    ]
    expected = signal.sosfilt(SOS[name], x, axis=-1)
    np.testing.assert_allclose(np.concatenate(parts, axis=1), expected, rtol=0, atol=1e-6)


def test_a_kernel_that_misbehaves_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sosfilter, "_sosfilt_kernel", lambda sos, x, zi: None)  # filters nothing
    assert not sosfilter._kernel_is_sound()

    def fails(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> None:
        raise TypeError("changed signature")

    monkeypatch.setattr(sosfilter, "_sosfilt_kernel", fails)
    assert not sosfilter._kernel_is_sound()
    monkeypatch.setattr(sosfilter, "_sosfilt_kernel", None)
    assert not sosfilter._kernel_is_sound()


def test_the_kernel_runs_where_scipy_has_it() -> None:
    # A kernel that exists but fails the check means the packing or scipy changed: look into it.
    sosfilter._kernel_in_use()  # looks the kernel up
    if sosfilter._sosfilt_kernel is None:
        pytest.skip("this scipy has no private sosfilt kernel")
    assert sosfilter._kernel_is_sound()
