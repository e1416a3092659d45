"""References that do not look like a finished record, and the user's word that they are.

A reference is a finished master to steer toward. One far quieter than the mix, or one whose
spectrum is a single instrument's (a stem picked by mistake), would steer the mix somewhere
absurd ("width 200%", +6 dB of EQ). Such a reference is measured and listed, and can be played,
but gives no direction until the user confirms it (the references screen's ``t``, or
``--trust-references`` on the command line). Thresholds: docs/rules/reference.md.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from mixreview.analysis.measure import Measurement
from mixreview.analysis.meters.bands import bands_between
from mixreview.analysis.reference import ReferenceReport, band_spectra_db
from mixreview.analysis.state import state_dir, write_json_atomic

QUIETER_THAN_MIX_LU = 10.0  # a master 10 LU under the mix is not the record it should be
SPAN_LOW_HZ, SPAN_HIGH_HZ = 40.0, 12_500.0  # where a full mix carries energy
SPAN_WITHIN_DB = 30.0  # a band counts as carrying the music within 30 dB of the loudest
MIN_FULL_BANDS = 18  # of the 26 bands from 40 Hz to 12.5 kHz; one instrument fills far fewer
MONO_SIDE_DB = -40.0
CONFIRMED_FILE = "confirmed_references.json"


def full_bands(m: Measurement) -> int:
    """How many third-octave bands from 40 Hz to 12.5 kHz carry the music (within 30 dB)."""
    mid, side = band_spectra_db(m)
    total = 10 * np.log10(np.maximum(10 ** (mid / 10) + 10 ** (side / 10), 1e-30))
    span = total[bands_between(SPAN_LOW_HZ, SPAN_HIGH_HZ)]
    return int((span >= span.max(initial=-300.0) - SPAN_WITHIN_DB).sum())


def doubts_about(reference: Measurement, mix: Measurement | None) -> tuple[str, ...]:
    """Why this reference may not be a finished record (none: it looks like one)."""
    doubts: list[str] = []
    if mix is not None:
        gap = float(mix.loudness.integrated_lufs) - float(reference.loudness.integrated_lufs)
        if np.isfinite(gap) and gap > QUIETER_THAN_MIX_LU:
            doubts.append(f"it is {gap:.1f} LU quieter than the mix (a master rarely is)")
    bands = full_bands(reference)
    if bands < MIN_FULL_BANDS:
        mono = reference.channels == 1 or (
            reference.stereo is not None and (reference.stereo.side_to_mid_db or 0.0) < MONO_SIDE_DB
        )
        doubts.append(
            f"its spectrum fills {bands} of the 26 bands from 40 Hz to 12.5 kHz, like one "
            "instrument" + (", and it is mono" if mono else "")
        )
    return tuple(doubts)


def confirmed_path(session_path: Path) -> Path:
    return state_dir(session_path) / CONFIRMED_FILE


def confirmed_references(session_path: Path) -> set[Path]:
    """The references the user confirmed for this session."""
    try:
        data = json.loads(confirmed_path(session_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    paths = data.get("confirmed", []) if isinstance(data, dict) else []
    return {Path(p) for p in paths if isinstance(p, str)}


def confirm_reference(session_path: Path, path: Path) -> None:
    """Remember that the user wants this reference followed despite its doubts."""
    paths = confirmed_references(session_path) | {path.resolve()}
    write_json_atomic(confirmed_path(session_path), {"confirmed": sorted(map(str, paths))})


def with_doubts(
    reports: tuple[ReferenceReport, ...], mix: Measurement | None, trusted: set[Path]
) -> tuple[ReferenceReport, ...]:
    """The reports with their doubts, and confirmed where the user said so."""
    out = []
    for report in reports:
        if report.measurement is None or report.problem:
            out.append(report)
            continue
        out.append(
            dataclasses.replace(
                report,
                doubts=doubts_about(report.measurement, mix),
                confirmed=report.spec.path.resolve() in trusted,
            )
        )
    return tuple(out)


def judge_references(
    reports: tuple[ReferenceReport, ...],
    mix: Measurement | None,
    session_path: Path,
    trust: bool = False,
) -> tuple[ReferenceReport, ...]:
    """The reports with doubts, confirmed by the session's record (or all, with ``trust``)."""
    trusted = {r.spec.path.resolve() for r in reports} if trust else set()
    return with_doubts(reports, mix, trusted | confirmed_references(session_path))
