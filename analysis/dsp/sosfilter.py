"""Second-order-section filtering of blocks with carried state (under EQ and MonoBelow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mixreview.analysis.dsp.biquad import butterworth_sos
from mixreview.analysis.scipy_calls import lfilter, sosfilt, sosfilt_kernel

PACKED_SECTIONS_MAX = 2
"""Stereo blocks through at most this many sections run as one complex signal: faster for one
or two sections, slower from four (measured on 30 s of stereo: 14 against 16 ms for one section,
34 against 25 ms for four)."""
_UNKNOWN: Any = object()
# scipy's in-place kernel under sosfilt, without the wrapper's checks, copies and moves; looked up
# with the first filter (importing scipy.signal takes half a second: see scipy_calls)
_sosfilt_kernel: Callable[..., None] | None = _UNKNOWN
_KERNEL: bool = _UNKNOWN
"""Filter through scipy's kernel directly when this is true, else through the public functions."""


def _kernel_in_use() -> bool:
    """Whether filters run through scipy's kernel (found and sound), decided once."""
    global _sosfilt_kernel, _KERNEL
    if _sosfilt_kernel is _UNKNOWN:
        _sosfilt_kernel = sosfilt_kernel()
    if _KERNEL is _UNKNOWN:
        _KERNEL = _kernel_is_sound()
    return _KERNEL


def preload() -> None:
    """Find and check the kernel now (before worker processes are forked, so each has it)."""
    _kernel_in_use()


def _reference_sosfilt(
    sos: np.ndarray, x: np.ndarray, zi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.sosfilt(sos, x, axis=-1, zi=zi)`` for rows ``x`` (channels, frames), written
    out sample by sample (direct form II transposed, as scipy's): the reference the kernel is
    checked against, on a few samples only."""
    y = np.array(x, dtype=np.float64)
    state = np.array(zi, dtype=np.float64)  # (sections, channels, 2)
    for channel in range(y.shape[0]):
        for n in range(y.shape[1]):
            value = y[channel, n]
            for k, (b0, b1, b2, _a0, a1, a2) in enumerate(sos):
                z0, z1 = state[k, channel]
                out = b0 * value + z0
                state[k, channel] = (b1 * value - a1 * out + z1, b2 * value - a2 * out)
                value = out
            y[channel, n] = value
    return y, state


def _kernel_is_sound() -> bool:
    """Whether the private kernel filters as ``sosfilt`` does, both as it is used on rows and
    on a packed stereo pair.

    It is a private function: if it is missing, moved, or behaves otherwise in this scipy, the
    public path is used instead.
    """
    if _sosfilt_kernel is None:
        return False
    try:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((64, 2))
        for sections in (1, 2):
            sos = butterworth_sos(2 * sections, 0.05, "lowpass", 2.0)
            zi = rng.standard_normal((sections, 2, 2))
            expected, expected_zi = _reference_sosfilt(sos, x.T, zi)
            rows = np.array(x.T, order="C")
            state = np.array(zi.transpose(1, 0, 2), order="C")
            _sosfilt_kernel(sos, rows, state)
            packed, packed_zi = _filter_packed(sos.astype(np.complex128), x, zi)
            for got, got_zi in ((rows, state.transpose(1, 0, 2)), (packed.T, packed_zi)):
                if not (
                    np.allclose(got, expected, rtol=0, atol=1e-12)
                    and np.allclose(got_zi, expected_zi, rtol=0, atol=1e-12)
                ):
                    return False
        return True
    except Exception:
        return False


def _filter_packed(
    sos_complex: np.ndarray, x: np.ndarray, zi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Filter stereo ``(frames, 2)`` as one complex signal ``left + i right``: float64 output
    ``(frames, 2)`` and the new state ``(sections, 2, 2)``.

    With real coefficients the real and imaginary parts never mix, and the products with the
    zero imaginary parts of the coefficients add exact zeros, so each channel comes out as if
    filtered alone, while both channels share one pass through the recursion.
    """
    packed = np.array(x, dtype=np.float64, order="C")  # a copy: filtered in place
    return packed, _filter_packed_in_place(sos_complex, packed, zi)


def _filter_packed_in_place(
    sos_complex: np.ndarray, pairs: np.ndarray, zi: np.ndarray
) -> np.ndarray:
    """``_filter_packed`` on a C-contiguous float64 ``(frames, 2)`` array, overwritten with the
    output; returns the new state."""
    state = np.ascontiguousarray((zi[:, 0, :] + 1j * zi[:, 1, :])[np.newaxis])
    assert _sosfilt_kernel is not None
    _sosfilt_kernel(sos_complex, pairs.view(np.complex128).reshape(1, -1), state)
    return np.stack([state[0].real, state[0].imag], axis=1)


class SosFilter:
    """Run a cascade of biquads over successive blocks, carrying the state per channel.

    Filtering runs in float64 on contiguous per-channel rows ``(channels, frames)``, which is
    both more accurate for low cut-offs and much faster than filtering interleaved frames. It
    calls the compiled kernel under ``scipy.signal.sosfilt`` directly, without the per-call cost
    of its wrapper; a stereo block through a single section runs both channels as one complex
    signal (see :func:`_filter_packed`), identical to filtering each channel and nearly twice
    as fast. Should that private kernel be unusable, ``sosfilt`` runs (``lfilter`` for a single
    section: the same transposed direct form II recursion, to float rounding, at a fraction of
    the per-call cost). Every path keeps the state as ``sosfilt``'s ``zi``. Because the filters
    are sample-by-sample recursions and their state is carried exactly, any split of the stream
    into blocks gives the same output as the whole stream.
    """

    def __init__(self, sos: np.ndarray | None = None) -> None:
        self._zi: np.ndarray | None = None
        self._sos = np.zeros((0, 6))
        self.sos = self._sos if sos is None else sos

    @property
    def sos(self) -> np.ndarray:
        return self._sos

    @sos.setter
    def sos(self, sos: np.ndarray) -> None:
        """New coefficients; the state is kept when the number of sections is unchanged."""
        sos = np.asarray(sos, dtype=np.float64)
        if sos.shape != self._sos.shape:
            self._zi = None
        self._sos = sos
        self._sos_complex = np.ascontiguousarray(sos, dtype=np.complex128)

    def reset(self) -> None:
        self._zi = None

    def _state(self, channels: int) -> np.ndarray:
        if self._zi is None or self._zi.shape[1] != channels:
            # Start from silence; a change in channel count starts over too.
            self._zi = np.zeros((self._sos.shape[0], channels, 2))
        return self._zi

    def filter_rows(self, rows: np.ndarray, in_place: bool = False) -> np.ndarray:
        """Filter float64 rows ``(channels, frames)``; returns the same shape. ``in_place``:
        ``rows`` is a C-contiguous float64 array the filter may overwrite (saves a copy)."""
        return self._filter(rows, own=in_place)

    def filter_block(self, x: np.ndarray) -> np.ndarray:
        """Filter a float32 block ``(frames, channels)``; returns float32 of the same shape."""
        sections = self._sos.shape[0]
        stereo = x.shape[1] == 2 and x.shape[0] > 0
        if stereo and 0 < sections <= PACKED_SECTIONS_MAX and _kernel_in_use():
            return self.filter_pairs(np.array(x, dtype=np.float64, order="C")).astype(np.float32)
        rows = np.array(x.T, dtype=np.float64, order="C")
        return self._filter(rows, own=True).T.astype(np.float32)

    def filter_pairs(self, pairs: np.ndarray) -> np.ndarray:
        """Filter a C-contiguous float64 stereo block ``(frames, 2)`` in place and return it:
        both channels in one pass (see :func:`_filter_packed`), a quarter faster than two rows
        through two sections."""
        if self._sos.shape[0] == 0 or pairs.shape[0] == 0:
            return pairs
        if _kernel_in_use():
            self._zi = _filter_packed_in_place(self._sos_complex, pairs, self._state(2))
            return pairs
        pairs[:] = self._filter(np.array(pairs.T, order="C"), own=True).T
        return pairs

    def _filter(self, rows: np.ndarray, own: bool) -> np.ndarray:
        """Filter rows; ``own``: they are a private C-contiguous float64 copy (filtered in place
        by the kernel)."""
        if self._sos.shape[0] == 0 or rows.shape[1] == 0:
            return rows
        zi = self._state(rows.shape[0])
        if _kernel_in_use():
            out = rows if own else np.array(rows, dtype=np.float64, order="C")
            state = np.array(zi.transpose(1, 0, 2), order="C")  # the kernel's layout
            assert _sosfilt_kernel is not None
            _sosfilt_kernel(self._sos, out, state)
            self._zi = state.transpose(1, 0, 2)
            return out
        if self._sos.shape[0] == 1:
            section = self._sos[0]
            out, zi = lfilter(section[:3], section[3:], rows, axis=-1, zi=zi[0])
            self._zi = zi[np.newaxis]
            return out
        out, self._zi = sosfilt(self._sos, rows, axis=-1, zi=zi)
        return out
