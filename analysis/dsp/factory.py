"""From a suggestion (kind + params) to a processor: the one mapping render and player share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .automation import SectionGain
from .base import Processor, as_real
from .compressor import Compressor
from .eq import EQ, Band, coerce_bands
from .gain import Gain, Polarity
from .pan import Pan
from .stereo import MonoBelow, Width

Builder = Callable[[Mapping[str, Any], int], Processor]


def _number(params: Mapping[str, Any], name: str, default: float | None = None) -> float:
    if name not in params or params[name] is None:
        if default is None:
            raise ValueError(f"missing parameter {name!r}")
        return default
    return as_real(f"parameter {name!r}", params[name])


def _gain(params: Mapping[str, Any], sample_rate: int) -> Processor:
    return Gain(sample_rate, gain_db=_number(params, "gain_db"))


def _section_gain(params: Mapping[str, Any], sample_rate: int) -> Processor:
    if "segments" in params:
        segments = params["segments"]
    elif "start_s" in params or "end_s" in params:
        segments = [{k: params[k] for k in ("start_s", "end_s", "gain_db") if k in params}]
    else:
        raise ValueError("missing parameter 'segments' (or start_s, end_s, gain_db)")
    return SectionGain(sample_rate, segments, ramp_ms=_number(params, "ramp_ms", 20.0))


def _eq(params: Mapping[str, Any], sample_rate: int) -> Processor:
    if "bands" in params:
        bands = params["bands"]
        if isinstance(bands, Mapping | str) or not hasattr(bands, "__iter__"):
            raise ValueError(f"parameter 'bands' must be a list of bands, got {bands!r}")
        return EQ(sample_rate, coerce_bands(bands))
    if "freq_hz" in params:
        return EQ(sample_rate, [Band.from_dict(params)])
    raise ValueError("missing parameter 'bands' (or a single band: type, freq_hz, gain_db, q)")


def _unmask(params: Mapping[str, Any], sample_rate: int) -> Processor:
    gain_db = _number(params, "gain_db")
    if gain_db > 0:
        raise ValueError(f"parameter 'gain_db' must be <= 0 (a cut), got {params['gain_db']!r}")
    band = Band("peaking", _number(params, "freq_hz"), gain_db, _number(params, "q", 1.0))
    return EQ(sample_rate, [band])


def _pass_builder(band_type: str) -> Builder:
    def build(params: Mapping[str, Any], sample_rate: int) -> Processor:
        order = params.get("order", 2)
        q = params.get("q")
        return EQ(sample_rate, [Band(band_type, _number(params, "freq_hz"), 0.0, q, None, order)])

    return build


def _compressor(params: Mapping[str, Any], sample_rate: int) -> Processor:
    link = params.get("stereo_link", True)
    return Compressor(
        sample_rate,
        threshold_db=_number(params, "threshold_db"),
        ratio=_number(params, "ratio"),
        attack_ms=_number(params, "attack_ms"),
        release_ms=_number(params, "release_ms"),
        knee_db=_number(params, "knee_db", 6.0),
        makeup_db=_number(params, "makeup_db", 0.0),
        stereo_link=link,
    )


def _width(params: Mapping[str, Any], sample_rate: int) -> Processor:
    return Width(sample_rate, width=_number(params, "width"))


def _mono_bass(params: Mapping[str, Any], sample_rate: int) -> Processor:
    return MonoBelow(sample_rate, freq_hz=_number(params, "freq_hz"))


def _polarity(params: Mapping[str, Any], sample_rate: int) -> Processor:
    return Polarity(sample_rate, channels=params.get("channels", "both"))


def _pan(params: Mapping[str, Any], sample_rate: int) -> Processor:
    return Pan(sample_rate, pan=_number(params, "pan"))


BUILDERS: dict[str, Builder] = {
    "gain": _gain,
    "section_gain": _section_gain,
    "eq": _eq,
    "unmask": _unmask,
    "highpass": _pass_builder("highpass"),
    "lowpass": _pass_builder("lowpass"),
    "compressor": _compressor,
    "width": _width,
    "mono_bass": _mono_bass,
    "polarity": _polarity,
    "pan": _pan,
}
"""Suggestion kind -> builder. The kinds and their params are listed in docs/processors.md."""


def build_processor(
    kind: str, params: Mapping[str, Any], sample_rate: int, amount: float = 1.0
) -> Processor:
    """The processor that applies a suggestion of ``kind`` with ``params``, at ``amount``.

    Keys of ``params`` that the kind does not use are ignored (suggestions may carry extras).
    Raises ValueError naming the kind and the parameter for an unknown kind or a missing,
    mistyped or out-of-range parameter.
    """
    builder = BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"unknown processor kind {kind!r}; known: {', '.join(sorted(BUILDERS))}")
    if not isinstance(params, Mapping):
        raise ValueError(f"{kind}: params must be a mapping, got {params!r}")
    try:
        processor = builder(params, sample_rate)
        processor.amount = amount
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{kind}: {exc}") from None
    return processor
