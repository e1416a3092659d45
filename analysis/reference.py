"""Reference tracks: measure finished records and compare the mix with them at matched loudness.

A reference is measured with the same meters as the stems (any rate, mono or stereo, whole file
streamed). Comparison happens after matching loudness, aspect by aspect: tonal balance (the mid
spectrum summed in six ranges of third-octave bands), width per band (smoothed over three bands),
dynamics, loudness and low-end mono. Several references give a weighted average and a spread.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from mixreview.analysis.measure import Measurement, measure_stem
from mixreview.analysis.meters.bands import BAND_CENTERS_HZ, bands_from
from mixreview.analysis.meters.segments import series_step
from mixreview.analysis.roles import infer_role
from mixreview.analysis.session import Stem

CENTERS_HZ = np.array(BAND_CENTERS_HZ)
MIN_REFERENCE_S = 10.0
ACTIVE_BELOW_MAX_LU = 20.0
RANGES_HZ: dict[str, tuple[float, float]] = {
    "sub": (25.0, 60.0),
    "bass": (60.0, 250.0),
    "low-mid": (250.0, 800.0),
    "mid": (800.0, 2500.0),
    "presence": (2500.0, 6000.0),
    "air": (6000.0, 20000.0),
}
LOW_MONO_HZ = 120.0
REFERENCE_FILE_PREFIX = "(reference) "


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference track to compare with: its file and how much it counts."""

    path: Path
    weight: float = 1.0

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class ReferenceReport:
    """A measured reference, or why it cannot be used; ``notes`` are worth knowing but fine."""

    spec: ReferenceSpec
    measurement: Measurement | None
    problem: str | None = None
    notes: tuple[str, ...] = ()
    doubts: tuple[str, ...] = ()  # why it may not be a finished record (reference_doubts)
    confirmed: bool = False  # the user wants it followed despite them

    @property
    def usable(self) -> bool:
        """Measured: it can be played and listed."""
        return self.measurement is not None and self.problem is None

    @property
    def directs(self) -> bool:
        """It gives directions: usable, and either beyond doubt or confirmed."""
        return self.usable and (not self.doubts or self.confirmed)


def probe_reference(
    path: Path, where: str = " in mixreview.toml or on the command line"
) -> Stem | str:
    """A Stem for a reference file, or the message saying why it cannot be read."""
    if not path.exists():
        return f"{path} does not exist. Check the path{where}."
    if path.stat().st_size == 0:
        return f"{path.name} is empty (0 bytes)."
    try:
        info = sf.info(os.fsencode(path))
    except (RuntimeError, sf.LibsndfileError, OSError) as exc:
        reason = str(exc).split(":")[-1].strip().rstrip(".")
        return f"{path.name} is not a readable audio file ({reason}). Use WAV, FLAC or AIFF."
    if not 1 <= info.channels <= 2:
        return f"{path.name} has {info.channels} channels; a reference must be mono or stereo."
    return Stem(
        path=path, file=path.name, name=path.stem, role=infer_role(path.stem), role_source="name",
        sample_rate=int(info.samplerate), channels=int(info.channels), frames=int(info.frames),
        subtype=str(info.subtype), format=str(info.format),
    )  # fmt: skip


def reference_stem(path: Path) -> Stem:
    """The reference file as a source for playback (stereo at the session rate through
    ``StemReader``); its ``file`` never names a stem. Raises ValueError saying what is wrong."""
    probed = probe_reference(Path(path), where="")
    if isinstance(probed, str):
        raise ValueError(probed)
    if probed.frames == 0:
        raise ValueError(f"{probed.file} has no audio.")
    return replace(probed, file=f"{REFERENCE_FILE_PREFIX}{probed.file}")


def measure_reference(spec: ReferenceSpec, mix_duration_s: float | None = None) -> ReferenceReport:
    """Measure one reference; never raises for bad audio."""
    probed = probe_reference(spec.path)
    if isinstance(probed, str):
        return ReferenceReport(spec, None, probed)
    outcome = measure_stem(probed, reference_step(probed), sketch=False)
    if outcome.measurement is None:
        return ReferenceReport(spec, None, f"{spec.name}: {outcome.error}")
    return reference_report(spec, outcome.measurement, mix_duration_s)


def reference_step(probed: Stem) -> int:
    """The frames between two series points of a reference (its own length decides)."""
    return series_step(probed.frames, probed.sample_rate)


def reference_report(
    spec: ReferenceSpec, m: Measurement, mix_duration_s: float | None = None
) -> ReferenceReport:
    """What a measured reference gives: usable, or why not, and what is worth knowing (from the
    measurement alone, so a cached one gives the same report)."""
    if m.duration_s < MIN_REFERENCE_S:
        return ReferenceReport(
            spec, m,
            f"{spec.name} is {m.duration_s:.1f} s long; a reference needs at least "
            f"{MIN_REFERENCE_S:.0f} s of music to compare tone and dynamics.",
        )  # fmt: skip
    if not np.isfinite(m.loudness.integrated_lufs) or m.levels.sample_peak <= 0:
        return ReferenceReport(spec, m, f"{spec.name} is silent: there is nothing to compare.")
    notes: list[str] = []
    if mix_duration_s and abs(m.duration_s - mix_duration_s) > max(5.0, 0.1 * mix_duration_s):
        notes.append(
            f"{spec.name} is {m.duration_s:.0f} s long, the mix {mix_duration_s:.0f} s: the "
            "comparison uses the whole of each (their long-term balance), not section by section."
        )
    if m.sample_rate != 48000 and m.sample_rate:
        notes.append(f"{spec.name} is at {m.sample_rate:,} Hz; bands are compared in Hz.")
    return ReferenceReport(spec, m, None, tuple(notes))


def _active(m: Measurement) -> np.ndarray:
    energy = np.asarray(m.loudness.frame_energy, np.float64)
    frames = min(len(energy), len(m.bands.mid_power))
    energy = energy[:frames]
    with np.errstate(divide="ignore"):
        lufs = -0.691 + 10 * np.log10(np.maximum(energy, 1e-30))
    return (lufs > -60.0) & (lufs > lufs.max(initial=-200.0) - ACTIVE_BELOW_MAX_LU)


def band_spectra_db(m: Measurement) -> tuple[np.ndarray, np.ndarray]:
    """Long-term mid and side band levels (dB) over the frames where the music plays."""
    active = _active(m)
    mid = np.asarray(m.bands.mid_power, np.float64)[: len(active)]
    side = np.asarray(m.bands.side_power, np.float64)[: len(active)]
    if not active.any():
        return np.full(len(CENTERS_HZ), -150.0), np.full(len(CENTERS_HZ), -150.0)
    return (
        10 * np.log10(np.maximum(mid[active].mean(axis=0), 1e-15)),
        10 * np.log10(np.maximum(side[active].mean(axis=0), 1e-15)),
    )


def smooth_db(values: np.ndarray) -> np.ndarray:
    """Three-band moving average (about one octave), ends kept."""
    padded = np.concatenate([values[:1], values, values[-1:]])
    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0


def range_level_db(band_db: np.ndarray, low_hz: float, high_hz: float) -> float:
    """Total level of the bands whose nominal centres lie in [low_hz, high_hz)."""
    picked = bands_from(low_hz, high_hz)
    return float(10 * np.log10(np.maximum((10 ** (band_db[picked] / 10)).sum(), 1e-15)))


def short_term_spread_lu(m: Measurement) -> float:
    """P95 - P10 of the short-term loudness where it is within 20 LU of its maximum."""
    st = np.asarray(m.loudness.short_term_lufs, np.float64)
    st = st[st > max(st.max(initial=-200.0) - ACTIVE_BELOW_MAX_LU, -70.0)]
    if len(st) < 5:
        return 0.0
    return float(np.percentile(st, 95) - np.percentile(st, 10))


def dynamics_of(m: Measurement) -> dict[str, float]:
    """Crest, PLR (true peak to loudness ratio), LRA and short-term spread."""
    integrated = float(m.loudness.integrated_lufs)
    return {
        "crest_db": float(m.levels.crest_db or 0.0),
        "plr_db": float(m.true_peak.true_peak_dbtp) - integrated,
        "lra_lu": float(m.loudness.lra_lu) if np.isfinite(m.loudness.lra_lu) else 0.0,
        "short_term_spread_lu": short_term_spread_lu(m),
    }


def low_side_to_mid_db(mid_db: np.ndarray, side_db: np.ndarray) -> float:
    """Side over mid below 120 Hz, in dB (0 dB: as much side as mid; lower is more mono)."""
    return range_level_db(side_db, 20.0, LOW_MONO_HZ) - range_level_db(mid_db, 20.0, LOW_MONO_HZ)


@dataclass(frozen=True)
class Comparison:
    """The mix against its references at matched loudness: mix minus reference everywhere."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    match_gain_db: tuple[float, ...]  # gain on each reference to match the mix's loudness
    mix_mid_db: np.ndarray
    mix_side_db: np.ndarray
    ref_mid_db: np.ndarray  # weighted average of the matched references
    ref_side_db: np.ndarray
    tone_spread_db: np.ndarray  # weighted spread of the references per band
    mix_dynamics: dict[str, float]
    ref_dynamics: dict[str, float]
    mix_lufs: float
    ref_lufs: float
    mix_low_side_db: float
    ref_low_side_db: float

    @property
    def tone_diff_db(self) -> np.ndarray:
        """Smoothed mid tonal difference per band, mix minus references."""
        return smooth_db(self.mix_mid_db) - smooth_db(self.ref_mid_db)

    @property
    def width_diff_db(self) -> np.ndarray:
        """Per band: the mix's side-to-mid ratio minus the references' (positive: mix wider)."""
        mix = smooth_db(self.mix_side_db) - smooth_db(self.mix_mid_db)
        ref = smooth_db(self.ref_side_db) - smooth_db(self.ref_mid_db)
        return mix - ref

    def range_diff_db(self, name: str) -> float:
        low, high = RANGES_HZ[name]
        return range_level_db(self.mix_mid_db, low, high) - range_level_db(
            self.ref_mid_db, low, high
        )

    def range_spread_db(self, name: str) -> float:
        picked = bands_from(*RANGES_HZ[name])
        return float(self.tone_spread_db[picked].mean()) if picked.any() else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "references": [
                {"name": n, "weight": w, "match_gain_db": round(g, 2)}
                for n, w, g in zip(self.names, self.weights, self.match_gain_db, strict=True)
            ],
            "loudness": {
                "mix_lufs": round(self.mix_lufs, 2),
                "reference_lufs": round(self.ref_lufs, 2),
            },
            "tone_db": {
                name: {
                    "mix_minus_reference": round(self.range_diff_db(name), 2),
                    "reference_spread": round(self.range_spread_db(name), 2),
                }
                for name in RANGES_HZ
            },
            "width_db_per_band": [round(float(v), 2) for v in self.width_diff_db],
            "bands_hz": [round(float(c), 1) for c in CENTERS_HZ],
            "dynamics": {
                k: {
                    "mix": round(self.mix_dynamics[k], 2),
                    "reference": round(self.ref_dynamics[k], 2),
                }
                for k in self.mix_dynamics
            },
            "low_end_side_to_mid_db": {
                "mix": round(self.mix_low_side_db, 2),
                "reference": round(self.ref_low_side_db, 2),
            },
        }


def compare(mix: Measurement, references: Sequence[ReferenceReport]) -> Comparison | None:
    """Compare the mix with the references that give directions; None if there is none."""
    usable = [r for r in references if r.directs]
    if not usable:
        return None
    mix_lufs = float(mix.loudness.integrated_lufs)
    mix_mid, mix_side = band_spectra_db(mix)
    weights = np.array([max(r.spec.weight, 0.0) for r in usable], np.float64)
    if weights.sum() <= 0:
        weights = np.ones(len(usable))
    weights = weights / weights.sum()
    mids, sides, gains, dyns = [], [], [], []
    for report in usable:
        m = report.measurement
        assert m is not None
        gain = mix_lufs - float(m.loudness.integrated_lufs)
        mid, side = band_spectra_db(m)
        mids.append(mid + gain)
        sides.append(side + gain)
        gains.append(gain)
        dyns.append(dynamics_of(m))
    mids_arr, sides_arr = np.array(mids), np.array(sides)
    ref_mid = 10 * np.log10(np.maximum(weights @ (10 ** (mids_arr / 10)), 1e-15))
    ref_side = 10 * np.log10(np.maximum(weights @ (10 ** (sides_arr / 10)), 1e-15))
    spread = (
        np.sqrt(weights @ (smooth_db(ref_mid) - np.apply_along_axis(smooth_db, 1, mids_arr)) ** 2)
        if len(usable) > 1
        else np.zeros(len(CENTERS_HZ))
    )
    ref_dyn = {k: float(sum(w * d[k] for w, d in zip(weights, dyns, strict=True))) for k in dyns[0]}
    ref_lufs = float(sum(
        w * float(r.measurement.loudness.integrated_lufs)  # type: ignore[union-attr]
        for w, r in zip(weights, usable, strict=True)
    ))  # fmt: skip
    return Comparison(
        names=tuple(r.spec.name for r in usable),
        weights=tuple(float(r.spec.weight) for r in usable),
        match_gain_db=tuple(gains),
        mix_mid_db=mix_mid, mix_side_db=mix_side, ref_mid_db=ref_mid, ref_side_db=ref_side,
        tone_spread_db=spread, mix_dynamics=dynamics_of(mix), ref_dynamics=ref_dyn,
        mix_lufs=mix_lufs, ref_lufs=ref_lufs,
        mix_low_side_db=low_side_to_mid_db(mix_mid, mix_side),
        ref_low_side_db=low_side_to_mid_db(ref_mid, ref_side),
    )  # fmt: skip


def specs_from(
    paths: Sequence[str | os.PathLike[str]],
    manifest_refs: Sequence[Path],
    added: Sequence[ReferenceSpec] = (),
) -> list[ReferenceSpec]:
    """References from the manifest, those ``added`` in the app, and the command line's
    (``FILE`` or ``FILE:WEIGHT``); a file named twice counts once (the first time)."""
    specs = [ReferenceSpec(Path(p)) for p in manifest_refs]
    specs += added
    for raw in paths:
        text = str(raw)
        weight = 1.0
        head, sep, tail = text.rpartition(":")
        if sep and head:
            try:
                weight = float(tail)
                text = head
            except ValueError:
                pass
        specs.append(ReferenceSpec(Path(text).expanduser(), weight))
    seen: set[Path] = set()
    unique = []
    for spec in specs:
        key = spec.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(spec)
    return unique
