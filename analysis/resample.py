"""Streaming polyphase resampling, for stems whose rate differs from the session's.

Gives the same samples as ``scipy.signal.resample_poly`` on the whole signal (same Kaiser FIR,
same delay compensation), block by block with carried history, so a stem at 44.1 kHz can be mixed
into a 48 kHz session without ever being held in memory whole.
"""

from __future__ import annotations

from math import gcd

import numpy as np

from mixreview.analysis.scipy_calls import kaiser_lowpass, upfirdn


def _design(up: int, down: int) -> np.ndarray:
    """The FIR resample_poly uses by default: Kaiser (beta 5), 10 zero crossings per side."""
    max_rate = max(up, down)
    half_len = 10 * max_rate
    taps = kaiser_lowpass(2 * half_len + 1, 1.0 / max_rate, 5.0)
    return taps * up


class StreamResampler:
    """Resample (frames, channels) float32 blocks from ``rate_in`` to ``rate_out``.

    Output sample n is y[n] = sum_k h[k] * xu[n*down + delay - k], where xu is x upsampled by
    zero insertion. Each call runs ``scipy.signal.upfirdn`` over the kept history plus the new
    block, starting at an input index chosen so upfirdn's output grid lands on ours.
    ``process`` returns every output sample whose inputs have all arrived; ``flush`` returns the
    rest, treating the signal as zero after its end.
    """

    def __init__(self, rate_in: int, rate_out: int, channels: int) -> None:
        g = gcd(rate_in, rate_out)
        self.up = rate_out // g
        self.down = rate_in // g
        self.channels = channels
        self.identity = self.up == self.down
        self._taps = _design(self.up, self.down).astype(np.float32)
        self.delay = (len(self._taps) - 1) // 2
        self.n_taps = -(-len(self._taps) // self.up)  # input samples one output depends on
        self._keep = self.n_taps + 2 * self.down + 2
        self._hist = np.zeros((self._keep, channels), dtype=np.float32)
        self._hist_start = -self._keep  # absolute input index of _hist[0]
        self._consumed = 0
        self._produced = 0

    def _base(self, n: int) -> int:
        return (n * self.down + self.delay) // self.up

    def _compute(self, data: np.ndarray, data_start: int, n_new: int) -> np.ndarray:
        first_needed = self._base(self._produced) - self.n_taps + 1
        s = first_needed
        while (s * self.up - self.delay) % self.down:
            s -= 1
        offset = (s * self.up - self.delay) // self.down  # output n sits at upfirdn index n-offset
        chunk = data[s - data_start :]
        z = upfirdn(self._taps, chunk, self.up, self.down, axis=0)
        j0 = self._produced - offset
        return np.ascontiguousarray(z[j0 : j0 + n_new], dtype=np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        if self.identity:
            return block
        total_in = self._consumed + len(block)
        data = np.concatenate([self._hist, block.astype(np.float32, copy=False)])
        last_pos = (total_in - 1) * self.up - self.delay
        n_ready = last_pos // self.down + 1 if last_pos >= 0 else 0
        n_new = max(n_ready - self._produced, 0)
        out = (
            self._compute(data, self._hist_start, n_new)
            if n_new
            else np.zeros((0, self.channels), np.float32)
        )
        self._produced += n_new
        self._hist = data[-self._keep :]
        self._hist_start = total_in - self._keep
        self._consumed = total_in
        return out

    def flush(self, total_out: int | None = None) -> np.ndarray:
        """The remaining outputs (up to ``total_out`` in all, default ceil(len*up/down))."""
        if self.identity:
            return np.zeros((0, self.channels), np.float32)
        target = total_out if total_out is not None else -(-self._consumed * self.up // self.down)
        n_new = max(target - self._produced, 0)
        if not n_new:
            return np.zeros((0, self.channels), np.float32)
        pad = np.zeros((self.n_taps + n_new * self.down // self.up + 2, self.channels), np.float32)
        data = np.concatenate([self._hist, pad])
        out = self._compute(data, self._hist_start, n_new)
        self._produced += n_new
        return out
