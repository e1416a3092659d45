"""Parametric EQ: bands (peaking, shelves, high/low-pass), the EQ processor, its response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mixreview.analysis.scipy_calls import sos_response

from . import biquad
from .base import ConvertingParam, Processor, as_real
from .sosfilter import SosFilter

BAND_TYPES = ("peaking", "low_shelf", "high_shelf", "highpass", "lowpass")
SHELF_TYPES = ("low_shelf", "high_shelf")
PASS_TYPES = ("highpass", "lowpass")
DEFAULT_Q = {
    "peaking": 1.0,
    "low_shelf": biquad.BUTTERWORTH_Q,
    "high_shelf": biquad.BUTTERWORTH_Q,
    "highpass": biquad.BUTTERWORTH_Q,
    "lowpass": biquad.BUTTERWORTH_Q,
}
MAX_BAND_GAIN_DB = 36.0
MAX_ORDER = 8
HIGHPASS_NEUTRAL_HZ = 10.0
"""A partial high-pass moves its cut-off toward this, where it no longer touches music."""
LOWPASS_NEUTRAL_FRACTION = 0.45
"""A partial low-pass moves its cut-off toward this fraction of the sample rate."""


@dataclass(frozen=True)
class Band:
    """One EQ band.

    Attributes:
        type: peaking, low_shelf, high_shelf, highpass or lowpass.
        freq_hz: centre (peaking), shelf midpoint, or cut-off (-3 dB for Butterworth) in Hz.
        gain_db: gain at ``freq_hz`` (peaking) or of the shelf plateau; 0 for high/low-pass.
        q: bandwidth (peaking), shelf resonance, or resonance of a 2nd-order pass filter;
            None means the type's default (peaking 1.0, others 0.7071).
        slope: shelves only, the cookbook shelf slope S (1.0 = steepest monotonic); instead of q.
        order: high/low-pass only, 6 dB/octave per order; 2 uses ``q``, others are Butterworth.
    """

    type: str
    freq_hz: float
    gain_db: float = 0.0
    q: float | None = None
    slope: float | None = None
    order: int = 2

    def __post_init__(self) -> None:
        if self.type not in BAND_TYPES:
            raise ValueError(f"band type must be one of {', '.join(BAND_TYPES)}, got {self.type!r}")
        freq_hz = as_real("freq_hz", self.freq_hz)
        if freq_hz <= 0:
            raise ValueError(f"freq_hz must be > 0 Hz, got {self.freq_hz!r}")
        gain_db = as_real("gain_db", self.gain_db)
        if abs(gain_db) > MAX_BAND_GAIN_DB:
            raise ValueError(
                f"gain_db must be within +-{MAX_BAND_GAIN_DB:g} dB, got {self.gain_db!r}"
            )
        if self.type in PASS_TYPES and gain_db != 0.0:
            raise ValueError(f"gain_db does not apply to a {self.type} band, got {self.gain_db!r}")
        q = self.q
        if q is not None:
            q = as_real("q", q)
            if not 0.05 <= q <= 50:
                raise ValueError(f"q must be between 0.05 and 50, got {self.q!r}")
        slope = self.slope
        if slope is not None:
            if self.type not in SHELF_TYPES:
                raise ValueError(f"slope applies to shelves only, not to a {self.type} band")
            if q is not None:
                raise ValueError("give a shelf either q or slope, not both")
            slope = as_real("slope", slope)
            if not 0 < slope <= 1:
                raise ValueError(f"slope must be in (0, 1], got {self.slope!r}")
        order: object = self.order
        if isinstance(order, float) and order.is_integer():
            order = int(order)  # 4.0 from JSON is 4
        if isinstance(order, bool) or not isinstance(order, int | np.integer):
            raise ValueError(f"order must be an integer, got {self.order!r}")
        if self.type in PASS_TYPES:
            if not 1 <= order <= MAX_ORDER:
                raise ValueError(f"order must be between 1 and {MAX_ORDER}, got {self.order!r}")
            if order != 2 and q is not None and q != biquad.BUTTERWORTH_Q:
                raise ValueError(f"q applies to order 2 only (order {order} is Butterworth)")
        elif order != 2:
            raise ValueError(f"order applies to highpass and lowpass only, not {self.type}")
        object.__setattr__(self, "freq_hz", freq_hz)
        object.__setattr__(self, "gain_db", gain_db)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "slope", slope)
        object.__setattr__(self, "order", int(order))

    @classmethod
    def from_dict(cls, params: Mapping[str, Any], default_type: str = "peaking") -> Band:
        """A band from a suggestion's params: ``{type, freq_hz, gain_db?, q?, slope?, order?}``.

        Keys that are not band fields are ignored. Raises ValueError on a missing ``freq_hz``.
        """
        if "freq_hz" not in params:
            raise ValueError("missing parameter 'freq_hz'")
        fields = {k: params[k] for k in ("gain_db", "q", "slope", "order") if k in params}
        return cls(type=params.get("type", default_type), freq_hz=params["freq_hz"], **fields)

    def at_amount(self, amount: float, sample_rate: int) -> Band:
        """This band applied partially: gains scaled, pass cut-offs moved toward neutral.

        Peaking and shelves: ``gain_db * amount``. High-pass: cut-off moved geometrically toward
        10 Hz, ``f = 10 * (freq_hz / 10) ** amount``; low-pass likewise toward 0.45 * fs.
        """
        if amount == 1.0:
            return self
        if self.type not in PASS_TYPES:
            return replace(self, gain_db=self.gain_db * amount)
        neutral_hz = (
            HIGHPASS_NEUTRAL_HZ
            if self.type == "highpass"
            else LOWPASS_NEUTRAL_FRACTION * sample_rate
        )
        return replace(self, freq_hz=neutral_hz * (self.freq_hz / neutral_hz) ** amount)

    def sos(self, sample_rate: int) -> np.ndarray:
        """Second-order sections of this band at ``sample_rate``."""
        q = self.q if self.q is not None else DEFAULT_Q[self.type]
        if self.type == "peaking":
            return biquad.peaking_sos(self.freq_hz, self.gain_db, q, sample_rate)
        if self.type == "low_shelf":
            shelf_q = None if self.slope is not None else q
            return biquad.low_shelf_sos(
                self.freq_hz, self.gain_db, sample_rate, shelf_q, self.slope
            )
        if self.type == "high_shelf":
            shelf_q = None if self.slope is not None else q
            return biquad.high_shelf_sos(
                self.freq_hz, self.gain_db, sample_rate, shelf_q, self.slope
            )
        if self.type == "highpass":
            return biquad.highpass_sos(self.freq_hz, sample_rate, q, self.order)
        return biquad.lowpass_sos(self.freq_hz, sample_rate, q, self.order)


def peaking(freq_hz: float, gain_db: float, q: float = 1.0) -> Band:
    """A peaking (bell) band: ``gain_db`` at ``freq_hz``."""
    return Band("peaking", freq_hz, gain_db, q)


def low_shelf(
    freq_hz: float, gain_db: float, q: float | None = None, slope: float | None = None
) -> Band:
    """A low shelf; give ``q`` or the cookbook ``slope`` (default q 0.7071 == slope 1)."""
    return Band("low_shelf", freq_hz, gain_db, q, slope)


def high_shelf(
    freq_hz: float, gain_db: float, q: float | None = None, slope: float | None = None
) -> Band:
    """A high shelf; give ``q`` or the cookbook ``slope`` (default q 0.7071 == slope 1)."""
    return Band("high_shelf", freq_hz, gain_db, q, slope)


def highpass(freq_hz: float, q: float | None = None, order: int = 2) -> Band:
    """A high-pass band, ``order`` 2 (12 dB/oct, resonance q) or 4 (24 dB/oct Butterworth)..."""
    return Band("highpass", freq_hz, 0.0, q, None, order)


def lowpass(freq_hz: float, q: float | None = None, order: int = 2) -> Band:
    """A low-pass band, the mirror of :func:`highpass`."""
    return Band("lowpass", freq_hz, 0.0, q, None, order)


def coerce_bands(bands: Iterable[Band | Mapping[str, Any]]) -> tuple[Band, ...]:
    """Bands given as Band objects or suggestion dicts, as a tuple of Band."""
    if isinstance(bands, Band | Mapping | str):
        raise ValueError("bands must be a list of bands")
    result = []
    for index, band in enumerate(bands):
        try:
            result.append(band if isinstance(band, Band) else Band.from_dict(band))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"band {index}: {exc}") from None
    return tuple(result)


def bands_sos(bands: Sequence[Band], sample_rate: int, amount: float = 1.0) -> np.ndarray:
    """All bands' sections stacked, with ``amount`` applied; shape ``(sections, 6)``."""
    for band in bands:
        if band.freq_hz >= sample_rate / 2:
            raise ValueError(
                f"freq_hz must be below {sample_rate / 2:g} Hz (Nyquist), got {band.freq_hz:g}"
            )
    sections = [band.at_amount(amount, sample_rate).sos(sample_rate) for band in bands]
    return np.vstack(sections) if sections else np.zeros((0, 6))


def eq_response_db(
    bands: Iterable[Band | Mapping[str, Any]],
    freqs_hz: np.ndarray | Sequence[float],
    sample_rate: int,
    amount: float = 1.0,
) -> np.ndarray:
    """Magnitude response in dB of the bands (with ``amount``) at ``freqs_hz``.

    Returns float64 of the same shape as ``freqs_hz``; this is exactly the response that
    :class:`EQ` applies, for plots and tests. Floors at -240 dB.
    """
    freqs = np.asarray(freqs_hz, dtype=np.float64)
    sos = bands_sos(coerce_bands(bands), sample_rate, amount)
    if sos.shape[0] == 0:
        return np.zeros_like(freqs)
    response = sos_response(sos, freqs.ravel(), sample_rate)
    magnitude = np.maximum(np.abs(response), 1e-12)
    return (20.0 * np.log10(magnitude)).reshape(freqs.shape)


def _check_bands(proc: Processor, label: str, value: Any) -> tuple[Band, ...]:
    try:
        bands = coerce_bands(value)
    except TypeError:
        raise ValueError(f"{label} must be a list of bands, got {value!r}") from None
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None
    nyquist_hz = proc.sample_rate / 2
    for index, band in enumerate(bands):
        if band.freq_hz >= nyquist_hz:
            raise ValueError(
                f"{label}: band {index}: freq_hz must be below {nyquist_hz:g} Hz (Nyquist), "
                f"got {band.freq_hz:g}"
            )
    return bands


class EQ(Processor):
    """A chain of EQ bands run as one cascade of biquads with carried state.

    ``amount`` applies each band partially (:meth:`Band.at_amount`): peaking and shelf gains are
    scaled in dB, high-pass cut-offs move toward 10 Hz and low-pass cut-offs toward 0.45 fs.
    Changing parameters keeps the filter state (no reset click) as long as the number of
    sections is the same.
    """

    bands: ConvertingParam[tuple[Band, ...], Iterable[Band | Mapping[str, Any]]] = ConvertingParam(
        _check_bands, "The bands, applied in order."
    )

    def __init__(
        self,
        sample_rate: int,
        bands: Iterable[Band | Mapping[str, Any]] = (),
        amount: float = 1.0,
    ) -> None:
        super().__init__(sample_rate, amount)
        self._filter = SosFilter()
        self.bands = tuple(bands)

    def _update(self) -> None:
        self._filter.sos = bands_sos(self.bands, self.sample_rate, self.effective_amount)

    def reset(self) -> None:
        self._filter.reset()

    def response_db(self, freqs_hz: np.ndarray | Sequence[float]) -> np.ndarray:
        """The magnitude response in dB at the current amount (see :func:`eq_response_db`)."""
        return eq_response_db(self.bands, freqs_hz, self.sample_rate, self.effective_amount)

    def _process(self, x: np.ndarray) -> np.ndarray:
        if not self.bands:
            return x
        return self._filter.filter_block(x)
