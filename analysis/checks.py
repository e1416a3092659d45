"""Stem-preparation checks: what a mix engineer verifies before touching a fader.

Each check says what was measured (``message``) and what to do about it (``fix``), in a mixer's
words. Only a re-export can fix these, so they stay checks rather than suggestions. Thresholds
and their sources are listed in docs/checks.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from mixreview.analysis.formats import describe_subtype, resolution_note
from mixreview.analysis.measure import MIN_LOUDNESS_S, StemOutcome
from mixreview.analysis.meters.levels import FULL_SCALE, LevelsResult
from mixreview.analysis.meters.stereo import StereoResult
from mixreview.analysis.printable import shown
from mixreview.analysis.roles import is_default_name
from mixreview.analysis.session import MAX_CHANNELS, Session, Stem, manifest_mismatches
from mixreview.analysis.timeline import describe_ranges, merge_ranges

CheckSeverity = Literal["error", "warning", "info"]
SEVERITIES: tuple[CheckSeverity, ...] = get_args(CheckSeverity)

CheckId = Literal[
    "unreadable", "empty_file", "channel_count", "sample_rate_mismatch", "bit_depth",
    "length_mismatch", "bad_label", "unknown_role", "truncated", "nan_samples", "silent",
    "near_silent", "too_short", "clipping", "over_full_scale", "limited", "dc_offset",
    "fake_stereo", "channel_polarity", "manifest", "over_compressed", "linked_outside",
]  # fmt: skip
CHECK_IDS: tuple[CheckId, ...] = get_args(CheckId)
RECHECKED: tuple[CheckId, ...] = ("dc_offset", "channel_polarity", "over_full_scale")
"""Checks a change in the mix can answer (a high-pass removes DC, a flip of one channel the
inverted polarity, a gain cut the float overs): run again on the stems as processed. The others
(format, length, names, clipping and limiting baked into the file) no change can undo."""

CLIP_SAMPLES_MAX = 8  # matchering: more than 8 samples at full scale
FLAT_TOP_SAMPLES_MAX = 128  # matchering: more than 128 samples at the same sub-full-scale peak
TOP_PEAK_SHAPES_MAX = 100  # separate peaks at exactly the peak level, each shaped differently
TOP_PEAK_EXACT_SHARE_MIN = 0.7  # of the peaks within 1e-5 of that level, the share within 1e-6
LIMITER_FIX = (
    "Bypass limiters and clippers on the track (and its bus) and export again; leave peak "
    "control to the mix and mastering."
)
DC_OFFSET_MAX = 0.001  # -60 dBFS of DC
SILENT_PEAK = 0.0
NEAR_SILENT_PEAK_DBFS = -60.0
LENGTH_TOLERANCE_S = 0.005
POLARITY_CORRELATION_MIN = -0.5
# Crest factor (sample peak over RMS of the sounding parts) that a part played with dynamics
# keeps even when compressed for a mix; measured unprocessed and mixed stems sit 11-25 dB.
CREST_FLOOR_DB = {
    "bass": 9.0, "kick": 9.0, "snare": 11.0, "drums": 11.0, "lead_vocal": 9.0,
    "backing_vocal": 9.0, "guitar": 9.0, "keys": 9.0,
}  # fmt: skip
LOW_BIT_SUBTYPES = {"PCM_16", "PCM_S8", "PCM_U8", "ULAW", "ALAW", "IMA_ADPCM", "MS_ADPCM",
                    "GSM610", "DWVW_12", "DWVW_16", "G721_32", "G723_24", "G723_40", "VORBIS",
                    "OPUS", "MPEG_LAYER_III", "MPEG_LAYER_II", "MPEG_LAYER_I"}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One finding about how a stem was prepared."""

    id: CheckId
    severity: CheckSeverity
    value: float | int | str | None
    threshold: float | int | str | None
    message: str
    fix: str
    file: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "severity": self.severity,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
            "fix": self.fix,
        }


def _where(series: np.ndarray, session: Session, hop_s: float) -> str:
    """When the frames flagged in ``series`` (frames of ``hop_s``) happen, for people."""
    times = (np.flatnonzero(series) * hop_s).tolist()
    manifest = session.manifest
    return describe_ranges(
        merge_ranges(times, hop_s=hop_s), manifest.tempo_bpm, manifest.beats_per_bar
    )


def _format_checks(stem: Stem, session: Session) -> list[Check]:
    checks: list[Check] = []
    f = stem.file
    if stem.error:
        checks.append(
            Check(
                "unreadable",
                "error",
                None,
                None,
                f"{f}: {stem.error}",
                "Export the stem again from the DAW as WAV, FLAC or AIFF.",
                f,
            )
        )
        return checks
    if stem.frames == 0:
        checks.append(
            Check(
                "empty_file",
                "error",
                0,
                None,
                f"{f}: the file holds no audio.",
                "Export the stem again; this one ended before any sample.",
                f,
            )
        )
        return checks
    if not 1 <= stem.channels <= MAX_CHANNELS:
        checks.append(
            Check(
                "channel_count",
                "error",
                stem.channels,
                MAX_CHANNELS,
                f"{f}: {stem.channels} channels. mixreview mixes mono and stereo stems, so this "
                "one is left out of the mix and the measurements.",
                "Export it as a stereo (or mono) stem; split a surround bed into stereo stems.",
                f,
            )
        )
    if stem.sample_rate != session.sample_rate:
        checks.append(
            Check(
                "sample_rate_mismatch",
                "error",
                stem.sample_rate,
                session.sample_rate,
                f"{f}: {stem.sample_rate:,} Hz in a {session.sample_rate:,} Hz session. mixreview "
                "resamples it for the mix, but a DAW importing it as is may play it at the wrong "
                "speed and pitch.",
                f"Export it again at {session.sample_rate:,} Hz like the other stems.",
                f,
            )
        )
    if stem.header_frames:
        checks.append(_cut_short_check(stem))
    if stem.subtype in LOW_BIT_SUBTYPES:
        checks.append(
            Check(
                "bit_depth",
                "warning",
                stem.subtype,
                "PCM_24",
                f"{f}: {describe_subtype(stem.subtype)}. {resolution_note(stem.subtype)}",
                "Export stems as 24-bit or 32-bit float WAV/FLAC.",
                f,
            )
        )
    gap_s = session.duration_s - stem.duration_s
    if abs(gap_s) > LENGTH_TOLERANCE_S and stem.channels <= MAX_CHANNELS:
        checks.append(
            Check(
                "length_mismatch",
                "warning",
                round(stem.duration_s, 3),
                round(session.duration_s, 3),
                f"{f}: {stem.duration_s:.2f} s long, {gap_s:.2f} s shorter than the longest stem "
                f"({session.duration_s:.2f} s). Stems of different lengths may not line up when "
                "imported.",
                "Export every stem from the same start (bar 1) to the same end, including silence.",
                f,
            )
        )
    if is_default_name(stem.path.stem):
        checks.append(
            Check(
                "bad_label",
                "warning",
                stem.path.stem,
                None,
                f"{f}: '{stem.path.stem}' is a default track name; it says nothing about the part.",
                "Rename the stem for what it is (e.g. 'Kick', 'Lead Vocal') or give it a role "
                "and a name in mixreview.toml.",
                f,
            )
        )
    elif stem.role == "unknown":
        checks.append(
            Check(
                "unknown_role",
                "info",
                stem.path.stem,
                None,
                f"{f}: no role could be read from the name, so role-based rules treat it as "
                "'unknown'.",
                f'Set its role in mixreview.toml: [stems."{f}"] role = "keys" (for example).',
                f,
            )
        )
    return checks


def _audio_checks(stem: Stem, outcome: StemOutcome, session: Session) -> list[Check]:
    f = stem.file
    m = outcome.measurement
    if m is None:
        if outcome.error and stem.readable and 1 <= stem.channels <= MAX_CHANNELS:
            return [
                Check(
                    "unreadable",
                    "error",
                    None,
                    None,
                    f"{f}: {outcome.error}",
                    "Export the stem again from the DAW.",
                    f,
                )
            ]
        return []
    checks: list[Check] = []
    lv = m.levels
    if m.frames < stem.frames and not stem.header_frames:
        checks.append(
            Check(
                "truncated",
                "error",
                m.frames,
                stem.frames,
                f"{f}: only {m.frames:,} of {stem.frames:,} frames could be read; the file is cut "
                "short (an interrupted export or copy).",
                "Export or copy the stem again.",
                f,
            )
        )
    if lv.nan_samples:
        checks.append(
            Check(
                "nan_samples",
                "error",
                lv.nan_samples,
                0,
                f"{f}: {lv.nan_samples:,} samples are not numbers (NaN or infinity); they are read "
                "as silence. A plugin fault usually causes this.",
                "Find the plugin that produces them, then export the stem again.",
                f,
            )
        )
    if lv.sample_peak <= SILENT_PEAK:
        checks.append(
            Check(
                "silent",
                "warning",
                None,
                None,
                f"{f}: digital silence from start to end.",
                "Leave it out of the session, or export it again if it should hold a part (check "
                "the track was not muted or its region unselected).",
                f,
            )
        )
        return checks
    if lv.sample_peak_dbfs < NEAR_SILENT_PEAK_DBFS:
        checks.append(
            Check(
                "near_silent",
                "warning",
                round(lv.sample_peak_dbfs, 1),
                NEAR_SILENT_PEAK_DBFS,
                f"{f}: peaks at {lv.sample_peak_dbfs:.1f} dBFS, almost silent.",
                "Check the export: a part this quiet is usually a muted or wrongly routed track.",
                f,
            )
        )
    if m.duration_s < MIN_LOUDNESS_S:
        checks.append(
            Check(
                "too_short",
                "warning",
                round(m.duration_s, 3),
                MIN_LOUDNESS_S,
                f"{f}: {m.duration_s * 1000:.0f} ms long, shorter than one 400 ms loudness block, "
                "so it has no loudness reading.",
                "Export it over the whole song length like the other stems.",
                f,
            )
        )
    # in a float file a sample over full scale is intact (an over, not a clip): only samples
    # held at full scale itself count as clipped there
    at_full_scale = lv.clipped_samples - (lv.over_full_scale_samples if _is_float(stem) else 0)
    if at_full_scale > CLIP_SAMPLES_MAX:
        where = _where(lv.clip_series, session, m.loudness.frame_s)
        checks.append(
            Check(
                "clipping",
                "error",
                at_full_scale,
                CLIP_SAMPLES_MAX,
                f"{f}: {at_full_scale:,} samples at full scale in {lv.clipped_runs:,} runs "
                f"(longest {lv.longest_clip_run} samples; {where}).",
                "Export it again about 6 dB lower or as 32-bit float; clipping baked into a stem "
                "cannot be undone by the mix.",
                f,
            )
        )
    elif lv.over_full_scale_samples:
        checks.append(_over_full_scale_check(f, lv))
    limited = limited_check(f, lv)
    if limited is not None:
        checks.append(limited)
    elif (squashed := over_compressed_check(f, stem.role, lv)) is not None:
        checks.append(squashed)
    checks.extend(_dc_offset_checks(f, lv))
    checks.extend(_stereo_checks(f, m.stereo))
    return checks


def _over_full_scale_check(f: str, lv: LevelsResult) -> Check:
    return Check(
        "over_full_scale",
        "warning",
        lv.over_full_scale_samples,
        0,
        f"{f}: {lv.over_full_scale_samples:,} float samples above full scale (peak "
        f"{lv.sample_peak_dbfs:+.1f} dBFS). Fine in 32-bit float, but they clip on any "
        "fixed-point export.",
        "Lower the track's output before export so it peaks below 0 dBFS.",
        f,
    )


def _dc_offset_checks(f: str, lv: LevelsResult) -> list[Check]:
    dc = lv.dc_offset
    if abs(dc) <= DC_OFFSET_MAX:
        return []
    return [
        Check(
            "dc_offset",
            "warning",
            round(dc, 5),
            DC_OFFSET_MAX,
            f"{f}: DC offset of {dc:+.4f} ({20 * np.log10(abs(dc)):.1f} dBFS); it eats "
            "headroom and thumps at edits.",
            "Apply the assistant's high-pass suggestion on this stem, or remove the DC (a "
            "20 Hz high-pass or a DC filter on the track) and export again.",
            f,
        )
    ]


def processed_checks(file: str, levels: LevelsResult, stereo: StereoResult | None) -> list[Check]:
    """The :data:`RECHECKED` checks that fire on a stem as processed in the mix (``levels`` and
    ``stereo`` measured after its changes): what the mix's changes left of them."""
    found = [*_dc_offset_checks(file, levels), *_stereo_checks(file, stereo)]
    if levels.over_full_scale_samples:
        found.append(_over_full_scale_check(file, levels))
    return [c for c in found if c.id in RECHECKED]


def over_compressed_check(f: str, role: str, lv: LevelsResult) -> Check | None:
    """A part played with dynamics whose crest factor (peak over RMS while it sounds) is far
    under what that part keeps even when compressed for a mix: a compressor or limiter set hard
    on the track. Only ``info``: a dense synth sound can read like this too."""
    floor_db = CREST_FLOOR_DB.get(role)
    crest_db = lv.crest_db
    if floor_db is None or crest_db is None or not np.isfinite(crest_db) or crest_db >= floor_db:
        return None
    return Check(
        "over_compressed",
        "info",
        round(float(crest_db), 2),
        floor_db,
        f"{f}: crest factor {crest_db:.1f} dB, under the {floor_db:.0f} dB a "
        f"{role.replace('_', ' ')} keeps even when compressed for a mix: it sounds squashed.",
        "If a compressor or limiter is on the track (or its bus), export it again with it "
        "bypassed or gentler, and leave the dynamics to the mix; a dense synth can read like "
        "this and needs nothing.",
        f,
    )


def limited_check(f: str, lv: LevelsResult) -> Check | None:
    """A limiter or clipper on the track, below full scale: flat tops at the peak, or many
    separate peaks stopping at exactly one level, each shaped differently (a look-ahead
    limiter's ceiling; identical repeated hits have one shape)."""
    if lv.sample_peak >= FULL_SCALE:
        return None
    if lv.flat_top_samples > FLAT_TOP_SAMPLES_MAX:
        return Check(
            "limited",
            "warning",
            lv.flat_top_samples,
            FLAT_TOP_SAMPLES_MAX,
            f"{f}: {lv.flat_top_samples:,} samples sit flat at the same peak of "
            f"{lv.sample_peak_dbfs:.2f} dBFS: a limiter or clipper is on the track.",
            LIMITER_FIX,
            f,
        )
    sharp = lv.top_peaks_exact >= TOP_PEAK_EXACT_SHARE_MIN * lv.top_peaks
    if lv.top_peak_shapes > TOP_PEAK_SHAPES_MAX and sharp:
        return Check(
            "limited",
            "warning",
            lv.top_peak_shapes,
            TOP_PEAK_SHAPES_MAX,
            f"{f}: {lv.top_peak_shapes:,} separate peaks, each shaped differently, stop at "
            f"exactly {lv.sample_peak_dbfs:.2f} dBFS: a limiter's ceiling is on the track.",
            LIMITER_FIX,
            f,
        )
    return None


def _stereo_checks(f: str, st: StereoResult | None) -> list[Check]:
    if st is None:
        return []
    if st.identical_channels:
        return [
            Check(
                "fake_stereo",
                "warning",
                0.0,
                0.0,
                f"{f}: both channels are identical (a mono part in a stereo file).",
                "Export it as mono; place it with the pan control in the mix.",
                f,
            )
        ]
    corr = st.correlation
    if corr is not None and corr < POLARITY_CORRELATION_MIN:
        return [
            Check(
                "channel_polarity",
                "error",
                round(corr, 3),
                POLARITY_CORRELATION_MIN,
                f"{f}: left/right correlation of {corr:+.2f}; one channel is polarity-inverted, "
                "so the part cancels when the mix is heard in mono.",
                "Flip the polarity of one channel on the track (or of the stereo source) and "
                "export again.",
                f,
            )
        ]
    return []


def stem_checks(stem: Stem, outcome: StemOutcome | None, session: Session) -> list[Check]:
    """Every check for one stem, most severe first."""
    checks = _format_checks(stem, session) + _origin_checks(stem)
    if outcome is not None and stem.readable and stem.frames:
        checks += _audio_checks(stem, outcome, session)
    return sorted(checks, key=lambda c: SEVERITIES.index(c.severity))


def _is_float(stem: Stem) -> bool:
    return stem.subtype.upper() in ("FLOAT", "DOUBLE")


def session_checks(session: Session) -> list[Check]:
    """Findings about the session as a whole (the manifest)."""
    return [
        Check(
            "manifest",
            "warning",
            None,
            None,
            problem,
            "Fix mixreview.toml as the message says and run again.",
        )
        for problem in [*session.manifest.problems, *manifest_mismatches(session)]
    ]


def _cut_short_check(stem: Stem) -> Check:
    promised = stem.header_frames or 0
    return Check(
        "truncated",
        "error",
        stem.frames,
        promised,
        f"{stem.file}: the header promises {promised:,} frames ({promised / stem.sample_rate:.2f} "
        f"s) but the file holds {stem.frames:,} ({stem.duration_s:.2f} s): it was cut short (an "
        "interrupted export or copy). The rest reads as silence.",
        "Export or copy the stem again.",
        stem.file,
    )


def _origin_checks(stem: Stem) -> list[Check]:
    """Where the stem's audio really is, when a link in the session leads outside it."""
    if stem.linked_from is None:
        return []
    return [
        Check(
            "linked_outside",
            "info",
            shown(stem.linked_from),
            None,
            f"{stem.file}: a symbolic link to {shown(stem.linked_from)}, outside the session "
            "folder. mixreview reads it there; a copy of the session folder will not hold it.",
            "Copy the file into the session folder if the session should travel whole.",
            stem.file,
        )
    ]
