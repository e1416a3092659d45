"""The gains on the mixer's way out: ramps (transport, A/B, mute and solo), crossfade shapes, and
the sum of a renderer's units into an output block, so every change of level is click-free."""

from __future__ import annotations

import numpy as np

from mixreview.analysis.playback_chunks import Renderer
from mixreview.analysis.playback_render import Units


def fades(kind: str, done: int, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Fade-out and fade-in gains for frames ``done .. done + n`` of a ``length`` crossfade."""
    t = np.clip((done + np.arange(n, dtype=np.float64) + 0.5) / length, 0.0, 1.0)
    if kind == "power":
        return np.cos(0.5 * np.pi * t).astype(np.float32), np.sin(0.5 * np.pi * t).astype(
            np.float32
        )
    return (1.0 - t).astype(np.float32), t.astype(np.float32)


class Ramp:
    """A vector of gains moving to a target over ``length`` frames (linear or raised cosine)."""

    def __init__(self, value: np.ndarray, length: int, shape: str = "linear") -> None:
        self.start = np.asarray(value, np.float32).copy()
        self.target = self.start.copy()
        self.length = max(1, length)
        self.shape = shape
        self.done = self.length

    @property
    def moving(self) -> bool:
        return self.done < self.length

    def now(self) -> np.ndarray:
        if not self.moving:
            return self.target
        frac = self._shape(np.array([self.done / self.length]))[0]
        return (self.start + (self.target - self.start) * frac).astype(np.float32)

    def set(self, target: np.ndarray) -> None:
        target = np.asarray(target, np.float32)
        if np.array_equal(target, self.target) and not self.moving:
            return
        self.start = self.now().copy()
        self.target = target.copy()
        self.done = 0

    def jump(self, value: np.ndarray) -> None:
        self.start = np.asarray(value, np.float32).copy()
        self.target = self.start.copy()
        self.done = self.length

    def _shape(self, t: np.ndarray) -> np.ndarray:
        if self.shape == "cosine":
            return 0.5 - 0.5 * np.cos(np.pi * t)
        return t

    def take(self, n: int) -> np.ndarray | None:
        """Fraction of the way (n,) for the next ``n`` frames, or None when constant."""
        if not self.moving:
            return None
        t = np.clip((self.done + np.arange(1, n + 1, dtype=np.float64)) / self.length, 0.0, 1.0)
        self.done = min(self.length, self.done + n)
        return self._shape(t).astype(np.float32)


def side_coefficients(side_w: Ramp, side_gain: Ramp, n: int) -> np.ndarray:
    """Per-frame gains of the two sides (n, 2): switch weights times matching gains."""
    rw = side_w.take(n)
    rg = side_gain.take(n)
    w0, w1 = side_w.start, side_w.target
    g0, g1 = side_gain.start, side_gain.target
    weights = w1[None, :] if rw is None else w0 + (w1 - w0) * rw[:, None]
    gains = g1[None, :] if rg is None else g0 + (g1 - g0) * rg[:, None]
    return np.broadcast_to(weights * gains, (n, 2)).astype(np.float32)


def mix_units(
    renderer: Renderer,
    n: int,
    g0: np.ndarray,
    g1: np.ndarray,
    stem_r: np.ndarray | None,
    coef: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum the units of both sides and weigh the sides: (n, 2) output and the unit view.

    ``g0``, ``g1``: stem gains at the start and end of their ramp, ``stem_r`` the ramp's
    fractions over the ``n`` frames (None: constant at ``g1``); ``coef``: the sides' gains."""
    units = renderer.units
    w_const = units.sides * (g1 if stem_r is None else g0)[units.stem]
    x, head, wrap_at = renderer.view(n)
    sides = _sum(x, w_const, units, g0, g1, stem_r)
    if head is not None:
        fo, fi = fades("power", wrap_at, n, renderer.xfade)
        head_sides = _sum(head, w_const, units, g0, g1, stem_r)
        sides = sides * np.repeat(fo, 2)[None, :] + head_sides * np.repeat(fi, 2)[None, :]
        x = head
    mix = sides.reshape(2, n, 2)
    block = mix[0] * coef[:, 0:1] + mix[1] * coef[:, 1:2]
    return block.astype(np.float32, copy=False), x


def _sum(
    x: np.ndarray,
    w_const: np.ndarray,
    units: Units,
    g0: np.ndarray,
    g1: np.ndarray,
    stem_r: np.ndarray | None,
) -> np.ndarray:
    sides = w_const @ x
    if stem_r is not None:
        delta = units.sides * (g1 - g0)[units.stem]
        if delta.any():
            sides += (delta @ x) * np.repeat(stem_r, 2)[None, :]
    return sides
