"""The processor interface shared by every block processor.

A processor is an object whose parameters are plain attributes (as in pedalboard): set
``proc.gain_db = -3`` and the next ``process`` call uses it. ``process(block)`` takes the next block
of a stream, shaped ``(frames, channels)`` with 1 or 2 channels, and carries whatever state the
processor needs (filter memories, envelope followers, timeline position) to the next call, so that
processing a file in blocks of any size gives the same samples as processing it whole.

Every processor has an ``amount`` in 0..1: 0 is an exact bypass (the input comes back unchanged),
1 is the full effect, values between move the processor's parameters toward neutral (see each
processor's docstring and docs/processors.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")
V = TypeVar("V")

Check = Callable[["Processor", str, Any], Any]
"""A parameter check: (processor, label, value) -> validated value, or raise ValueError."""


class Param(Generic[T]):
    """A validated processor parameter.

    Setting it runs the check (which raises ValueError naming the parameter) and marks the
    processor so it recomputes coefficients before the next block. Reading it returns the value.
    """

    def __init__(self, check: Check, doc: str = "") -> None:
        self.check = check
        self.__doc__ = doc
        self.name = ""
        self.attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.attr = "_param_" + name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Param[T]: ...

    @overload
    def __get__(self, obj: Processor, objtype: type | None = None) -> T: ...

    def __get__(self, obj: Processor | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj, self.attr)

    def __set__(self, obj: Processor, value: T) -> None:
        self._store(obj, value)

    def _store(self, obj: Processor, value: object) -> None:
        label = f"{type(obj).__name__}.{self.name}"
        setattr(obj, self.attr, self.check(obj, label, value))
        obj._mark_dirty()


class ConvertingParam(Param[T], Generic[T, V]):
    """A parameter whose check also takes other forms of its value and converts them.

    Reading it gives the checked value of type ``T``; setting it also takes a ``V`` (for example
    band mappings read from JSON, which the check turns into ``Band`` objects).
    """

    def __set__(self, obj: Processor, value: T | V) -> None:
        self._store(obj, value)


def real(
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    unit: str = "",
    allow_inf: bool = False,
) -> Check:
    """A check for a real number in [lo, hi] (or (lo, hi] with ``lo_open``)."""

    def check(_proc: Processor, label: str, value: Any) -> float:
        number = as_real(label, value, allow_inf=allow_inf)
        suffix = f" {unit}" if unit else ""
        if lo is not None and (number <= lo if lo_open else number < lo):
            relation = ">" if lo_open else ">="
            raise ValueError(f"{label} must be {relation} {lo:g}{suffix}, got {value!r}")
        if hi is not None and number > hi:
            raise ValueError(f"{label} must be <= {hi:g}{suffix}, got {value!r}")
        return number

    return check


def frequency(_proc: Processor, label: str, value: Any) -> float:
    """A check for a frequency in Hz strictly between 0 and the Nyquist frequency."""
    freq_hz = as_real(label, value)
    nyquist_hz = _proc.sample_rate / 2
    if not 0 < freq_hz < nyquist_hz:
        raise ValueError(
            f"{label} must be between 0 and {nyquist_hz:g} Hz (Nyquist), got {value!r}"
        )
    return freq_hz


def as_real(label: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a (finite) real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{label} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise ValueError(f"{label} must be a finite number, got {value!r}")
    return number


def as_block(block: np.ndarray) -> np.ndarray:
    """Validate a block and return it as float32 ``(frames, channels)``, channels 1 or 2.

    The array is returned as is (no copy) when it already is float32.
    """
    array = np.asarray(block)
    if array.ndim != 2 or array.shape[1] not in (1, 2):
        raise ValueError(
            f"a block must be shaped (frames, channels) with 1 or 2 channels, got {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"a block must hold floating-point samples, got {array.dtype}")
    return array.astype(np.float32, copy=False)


def db_to_amplitude(gain_db: float) -> float:
    """Amplitude factor for a gain in dB (20 log10 convention)."""
    return float(10.0 ** (gain_db / 20.0))


class Processor:
    """Base class of the block processors.

    Subclasses declare their parameters as :class:`Param` class attributes, compute derived
    coefficients in :meth:`_update` (called before a block whenever a parameter or the amount
    changed) and process in :meth:`_process`. ``process`` never modifies its input in place; when
    the processor is bypassed it may return the input array itself.
    """

    amount: Param[float] = Param(
        real(0.0, 1.0), "Partial application, 0..1: 0 is an exact bypass, 1 the full effect."
    )

    def __init__(self, sample_rate: int, amount: float = 1.0) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | np.integer):
            raise ValueError(f"sample_rate must be an integer in Hz, got {sample_rate!r}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate!r}")
        self.sample_rate = int(sample_rate)
        self._outer_amount = 1.0
        self._dirty = True
        self.amount = amount

    # -- amount -------------------------------------------------------------------------------
    @property
    def effective_amount(self) -> float:
        """The amount actually applied: ``amount`` times that of any enclosing Chain."""
        return self.amount * self._outer_amount

    def _set_outer_amount(self, outer_amount: float) -> None:
        """Called by an enclosing Chain when its own amount changes."""
        self._outer_amount = outer_amount
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True

    # -- the public interface -----------------------------------------------------------------
    def process(self, block: np.ndarray) -> np.ndarray:
        """Process the next block of the stream and return float32 ``(frames, channels)``."""
        x = as_block(block)
        if self._dirty:
            self._update()
            self._dirty = False
        if self.effective_amount == 0.0:
            self._skip(x.shape[0])
            return x
        return self._process(x)

    def reset(self) -> None:
        """Forget all carried state, as if the stream started again from frame 0."""

    def __call__(self, block: np.ndarray) -> np.ndarray:
        return self.process(block)

    def __repr__(self) -> str:
        params = []
        for klass in reversed(type(self).__mro__):
            for name, attr in vars(klass).items():
                if isinstance(attr, Param) and name != "amount":
                    params.append(f"{name}={getattr(self, name)!r}")
        params.append(f"amount={self.amount!r}")
        return f"{type(self).__name__}({', '.join(params)})"

    # -- for subclasses -----------------------------------------------------------------------
    def _update(self) -> None:
        """Recompute derived values from the parameters and ``effective_amount``."""

    def _skip(self, frames: int) -> None:
        """Account for ``frames`` frames passed through while bypassed (timeline position)."""

    def _process(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError
