"""Properties every processor must have: block size never matters, reset, exact bypass, dtype."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_dsp_support import ALL_MAKERS, make_signal, process_in_blocks

NAMES = sorted(ALL_MAKERS)
BLOCK_SIZES = [7, 64, 1000, 4096]
FRAMES = 12_000


def random_sizes(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(s) for s in rng.integers(0, 3000, size=40)]


@pytest.fixture(scope="module", params=[2, 1], ids=["stereo", "mono"])
def source(request: pytest.FixtureRequest) -> np.ndarray:
    return make_signal(FRAMES, channels=request.param)


@pytest.mark.parametrize("name", NAMES)
def test_block_size_never_changes_the_output(name: str, source: np.ndarray) -> None:
    whole = ALL_MAKERS[name]().process(source)
    for sizes in [*BLOCK_SIZES, random_sizes(1)]:
        blocks = process_in_blocks(ALL_MAKERS[name](), source, sizes)
        assert blocks.shape == whole.shape
        np.testing.assert_allclose(blocks, whole, rtol=0, atol=1e-6, err_msg=f"sizes {sizes}")


@pytest.mark.parametrize("name", NAMES)
def test_blocks_of_one_frame(name: str) -> None:
    x = make_signal(600, seed=3)
    whole = ALL_MAKERS[name]().process(x)
    np.testing.assert_allclose(process_in_blocks(ALL_MAKERS[name](), x, 1), whole, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_reset_then_reprocess_gives_the_same(name: str, source: np.ndarray) -> None:
    proc = ALL_MAKERS[name]()
    first = process_in_blocks(proc, source, 1000)
    proc.reset()
    second = process_in_blocks(proc, source, 1000)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", NAMES)
def test_amount_zero_is_an_exact_bypass(name: str, source: np.ndarray) -> None:
    proc = ALL_MAKERS[name]()
    proc.amount = 0.0
    out = process_in_blocks(proc, source, [100, 3000, 7])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, source)


@pytest.mark.parametrize("name", NAMES)
def test_amount_one_is_the_full_effect_and_changes_the_signal(name: str) -> None:
    x = make_signal(FRAMES)
    proc = ALL_MAKERS[name]()
    assert proc.amount == 1.0
    full = proc.process(x)
    assert not np.array_equal(full, x)
    half = ALL_MAKERS[name]()
    half.amount = 0.5
    assert not np.array_equal(half.process(x), full) or name == "polarity"


@pytest.mark.parametrize("name", NAMES)
def test_output_is_float32_with_the_right_shape(name: str, source: np.ndarray) -> None:
    out = ALL_MAKERS[name]().process(source.astype(np.float64))
    assert out.dtype == np.float32
    # Pan turns mono into stereo; everything else keeps the channel count.
    makes_stereo = name in ("pan", "chain")
    channels = 2 if makes_stereo else source.shape[1]
    assert out.shape == (source.shape[0], channels)


@pytest.mark.parametrize("name", NAMES)
def test_silence_gives_finite_silence(name: str) -> None:
    out = ALL_MAKERS[name]().process(np.zeros((5000, 2), dtype=np.float32))
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out)) < 1e-9


@pytest.mark.parametrize("name", NAMES)
def test_empty_blocks_and_no_mutation(name: str) -> None:
    proc = ALL_MAKERS[name]()
    assert proc.process(np.zeros((0, 2), dtype=np.float32)).shape[0] == 0
    x = make_signal(2000)
    copy = x.copy()
    proc.process(x)
    np.testing.assert_array_equal(x, copy)


@pytest.mark.parametrize(
    "bad",
    [np.zeros(10, np.float32), np.zeros((10, 3), np.float32), np.zeros((10, 2), np.int16)],
    ids=["1-d", "3-channels", "integers"],
)
def test_bad_blocks_are_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="block"):
        ALL_MAKERS["gain"]().process(bad)
