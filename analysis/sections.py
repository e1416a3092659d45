"""Song sections: from the manifest when the user gave them, else detected from the stems.

Detection works on the grid the meters already keep (no audio is read): 100 ms frames, or the
longer frames of a session over ten minutes (``Session.frame_s``); every span below is in seconds.

1. Activity: a stem plays in a frame when its K-weighted energy is above -60 LUFS and within 35 LU
   of its loudest frame (the same test the suggestion rules use). Pauses shorter than 2 s are
   filled (drum hits, breaths, phrase gaps) and runs shorter than 1 s dropped (a fill, one hit).
2. Novelty at every frame t: the difference between the 2 s before t and the 2 s after it, as
   - 6 points per part entering or leaving, weighted by how loud the part sits in the mix
     (1.0 from -12 LU against the mix, down to 0.25 at -27 LU and below); a part that plays on
     both sides but steps in level counts the same way, nothing up to 3 dB, fully from 10 dB;
     plus
   - the mix's change in dB: its loudness step and the step of its share of energy above
     2.5 kHz (brightness), combined as sqrt(a^2 + b^2), so a loudness step or a change of sound
     with the same parts counts too. Both stay put when a line moves from note to note.
3. Boundaries: local maxima of novelty of at least 6, taken strongest first, at least 4 s from
   each other and from the song's start and end. A peak with a part entering or leaving within
   0.5 s moves onto that frame. Snapped to the bar grid when the manifest has a tempo
   (bar = 60 / tempo * beats_per_bar s, bar 1 at 0 s).
4. Names: a quiet or sparse first/last section is "Intro"/"Outro"; the others get letters by
   arrangement (same parts playing and loudness within 3 LU: same letter), repeats numbered:
   "A", "B", "A2". A song with no boundary is one section, "Song".

Rules and numbers: docs/rules/sections.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mixreview.analysis.meters.loudness import integrated_from_energy, lufs_from_energy
from mixreview.analysis.session import Session

if TYPE_CHECKING:
    from mixreview.analysis.measure import Measurement

FRAME_S = 0.1
ACTIVE_FLOOR_LUFS = -60.0
ACTIVE_BELOW_MAX_LU = 35.0
GAP_FILL_S = 2.0
MIN_RUN_S = 1.0
WINDOW_S = 2.0
PART_POINTS = 6.0
PART_FULL_WEIGHT_LU = -12.0
PART_MIN_WEIGHT = 0.25
PART_WEIGHT_SPAN_LU = 20.0
BRIGHT_FROM_BAND = 20  # third-octave band index of 2.5 kHz
FLOOR_DB = 50.0  # windows more than 50 dB under the loudest read as that floor
SHARE_FLOOR_DB = 40.0  # a share of energy under -40 dB reads as -40 dB
STEP_CLIP_DB = 20.0  # a step counts at most 20 dB
NOVELTY_MIN = 6.0
SNAP_TO_PART_S = 0.5
MIN_SECTION_S = 4.0
QUIET_SECTION_LU = 6.0
SAME_LOUDNESS_LU = 3.0
LEVEL_STEP_FROM_DB = 3.0  # a part's level step counts from here (phrasing stays under it)...
LEVEL_STEP_FULL_DB = 10.0  # ...and counts as much as an entrance from here
LEVEL_STEP_PLAYING = 0.8  # the part plays in at least 80% of both windows


@dataclass(frozen=True)
class Section:
    """A named stretch of the song; ``source`` is 'manifest' or 'detected'."""

    name: str
    start_s: float
    end_s: float
    source: str = "manifest"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


def manifest_sections(session: Session) -> list[Section]:
    """Sections written in mixreview.toml, each ending where the next starts (or at its end_s)."""
    raw = [s for s in session.manifest.sections if s.start_s < session.duration_s]
    sections: list[Section] = []
    for index, entry in enumerate(raw):
        next_start = raw[index + 1].start_s if index + 1 < len(raw) else session.duration_s
        end_s = min(entry.end_s if entry.end_s is not None else next_start, session.duration_s)
        sections.append(Section(entry.name, entry.start_s, max(end_s, entry.start_s)))
    return sections


def session_sections(
    session: Session,
    stems: Mapping[str, Measurement] | None = None,
    mix: Measurement | None = None,
) -> list[Section]:
    """The sections every rule works with: the manifest's, else detected from the measurements."""
    sections = manifest_sections(session)
    if sections:
        return sections
    return detect_sections(session, stems or {}, mix)


# ---------------------------------------------------------------- detection ---


def _fit(series: np.ndarray, frames: int) -> np.ndarray:
    if len(series) >= frames:
        return series[:frames]
    return np.pad(series, [(0, frames - len(series))] + [(0, 0)] * (series.ndim - 1))


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) frames of the True runs of a boolean array."""
    edges = np.diff(mask.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def grid_frames(duration_s: float, frame_s: float = FRAME_S) -> int:
    """Frames of ``frame_s`` covering ``duration_s``, the last one possibly partial."""
    return int(np.ceil(duration_s / frame_s - 1e-9))


def activity(energy: np.ndarray, frame_s: float = FRAME_S) -> np.ndarray:
    """Frames where a part plays, with short pauses filled and short runs dropped."""
    with np.errstate(divide="ignore"):
        lufs = np.asarray(lufs_from_energy(np.maximum(energy, 1e-30)), np.float64)
    top = lufs.max(initial=-200.0)
    active = (lufs > ACTIVE_FLOOR_LUFS) & (lufs > top - ACTIVE_BELOW_MAX_LU)
    starts, ends = _runs(active)
    filled = active.copy()
    gap = round(GAP_FILL_S / frame_s)
    for end, start in zip(ends[:-1], starts[1:], strict=True):
        if start - end < gap:
            filled[end:start] = True
    starts, ends = _runs(filled)
    shortest = round(MIN_RUN_S / frame_s)
    for start, end in zip(starts, ends, strict=True):
        if end - start < shortest:
            filled[start:end] = False
    return filled


def _window_means(series: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of ``series[t-w:t]`` and ``series[t:t+w]`` for every frame t (rows are frames), with
    the song's first and last frames repeated beyond its ends, so the edges read as no change."""
    padded = np.concatenate(
        [np.repeat(series[:1], width, axis=0), series, np.repeat(series[-1:], width, axis=0)]
    )
    cumsum = np.concatenate([np.zeros((1, *series.shape[1:])), np.cumsum(padded, axis=0)])
    t = np.arange(len(series)) + width  # index of frame t in ``padded``
    return (cumsum[t] - cumsum[t - width]) / width, (cumsum[t + width] - cumsum[t]) / width


def part_weight(relative_lu: float) -> float:
    """How much a part's entrance counts, from its loudness against the mix while it plays."""
    if not np.isfinite(relative_lu):
        return PART_MIN_WEIGHT
    weight = 1.0 - (PART_FULL_WEIGHT_LU - relative_lu) / PART_WEIGHT_SPAN_LU
    return float(np.clip(weight, PART_MIN_WEIGHT, 1.0))


def _step_db(before: np.ndarray, after: np.ndarray, floor: float) -> np.ndarray:
    step = 10 * np.log10(np.maximum(after, floor) / np.maximum(before, floor))
    return np.clip(step, -STEP_CLIP_DB, STEP_CLIP_DB)


def level_step(energy: np.ndarray, act: np.ndarray, width: int) -> np.ndarray:
    """A part's loudness step between the windows, as a share of an entrance (0..1): nothing up
    to 3 dB (phrasing), all of it from 10 dB. Counted only where the part plays on both sides,
    so a part that stays but drops or jumps marks the boundary as one entering would."""
    playing = np.where(act, energy, 0.0)
    e_before, e_after = _window_means(playing, width)
    on_before, on_after = _window_means(act.astype(np.float64), width)
    both = (on_before >= LEVEL_STEP_PLAYING) & (on_after >= LEVEL_STEP_PLAYING)
    mean_b = e_before / np.maximum(on_before, 1e-9)
    mean_a = e_after / np.maximum(on_after, 1e-9)
    floor = float(max(mean_b.max(initial=0.0), 1e-30)) * 10 ** (-FLOOR_DB / 10)
    step = np.abs(_step_db(mean_b, mean_a, floor))
    share = np.clip((step - LEVEL_STEP_FROM_DB) / (LEVEL_STEP_FULL_DB - LEVEL_STEP_FROM_DB), 0, 1)
    return np.where(both, share, 0.0)


def mix_change(mix: Measurement | None, frames: int, width: int) -> np.ndarray:
    """How much the mix changes between the windows, in dB: its loudness step and the step of
    its share of energy above 2.5 kHz (brightness), combined as sqrt(a^2 + b^2).

    Both stay put when a line moves from note to note; band-by-band differences do not (a note
    leaving a third-octave band empties it), so they would cut a steady song at every chord.
    """
    if mix is None:
        return np.zeros(frames)
    energy = _fit(np.asarray(mix.loudness.frame_energy, np.float64), frames)
    before, after = _window_means(energy, width)
    top = float(max(before.max(initial=0.0), after.max(initial=0.0)))
    if top <= 0:
        return np.zeros(frames)
    loudness = _step_db(before, after, top * 10 ** (-FLOOR_DB / 10))
    power = _fit(np.asarray(mix.bands.mid_power + mix.bands.side_power, np.float64), frames)
    if not len(power) or power.shape[1] <= BRIGHT_FROM_BAND:
        return np.abs(loudness)
    total_b, total_a = _window_means(power.sum(axis=1), width)
    bright_b, bright_a = _window_means(power[:, BRIGHT_FROM_BAND:].sum(axis=1), width)
    floor = float(max(total_b.max(initial=0.0), 1e-30)) * 10 ** (-FLOOR_DB / 10)
    share_b = bright_b / np.maximum(total_b, floor)
    share_a = bright_a / np.maximum(total_a, floor)
    brightness = _step_db(share_b, share_a, 10 ** (-SHARE_FLOOR_DB / 10))
    return np.sqrt(loudness**2 + brightness**2)


@dataclass(frozen=True)
class Novelty:
    """The detection's working data, kept for tests and the docs."""

    curve: np.ndarray  # novelty per frame
    parts: np.ndarray  # the part-entrance share of it
    activity: dict[str, np.ndarray]  # filled activity per stem


def novelty(
    session: Session,
    stems: Mapping[str, Measurement],
    mix: Measurement | None,
    frames: int,
    frame_s: float = FRAME_S,
) -> Novelty:
    """Novelty per frame (of ``frame_s``) from part entrances/exits and the mix's broad-band
    changes."""
    width = max(1, round(WINDOW_S / frame_s))
    mixable = {s.file for s in session.mix_stems}
    mix_energy = (
        _fit(np.asarray(mix.loudness.frame_energy, np.float64), frames) if mix is not None else None
    )
    acts: dict[str, np.ndarray] = {}
    parts = np.zeros(frames)
    for file in sorted(stems):
        if file not in mixable:
            continue
        energy = _fit(np.asarray(stems[file].loudness.frame_energy, np.float64), frames)
        act = activity(energy, frame_s)
        if not act.any():
            continue
        acts[file] = act
        rel = float("-inf")
        if mix_energy is not None:
            rel = integrated_from_energy(
                np.where(act, energy, 0.0), frame_s=frame_s
            ) - integrated_from_energy(np.where(act, mix_energy, 0.0), frame_s=frame_s)
        before, after = _window_means(act.astype(np.float64), width)
        change = np.abs(after - before)
        parts += PART_POINTS * part_weight(rel) * (change + level_step(energy, act, width))
    curve = parts + mix_change(mix, frames, width)
    return Novelty(curve, parts, acts)


def _peaks(curve: np.ndarray) -> np.ndarray:
    """Frames of local maxima (plateaus count once, at their first frame)."""
    if len(curve) < 3:
        return np.zeros(0, dtype=np.int64)
    left = np.concatenate([[-np.inf], curve[:-1]])
    right = np.concatenate([curve[1:], [-np.inf]])
    return np.flatnonzero((curve > left) & (curve >= right))


def boundaries(
    curve: np.ndarray,
    duration_s: float,
    bar_s: float | None = None,
    parts: np.ndarray | None = None,
    frame_s: float = FRAME_S,
) -> list[float]:
    """Boundary times (s): strongest novelty peaks first, spaced, snapped to bars if known.

    A peak with a part entering or leaving within 0.5 s moves onto that entrance: part edges are
    exact on the grid, while the mix's windowed change can peak a frame or two off.
    """
    peaks = [int(p) for p in _peaks(curve) if curve[p] >= NOVELTY_MIN]
    peaks.sort(key=lambda p: (-round(float(curve[p]), 9), p))
    reach = round(SNAP_TO_PART_S / frame_s)
    chosen: list[float] = []
    eps = 1e-6
    for frame in peaks:
        if parts is not None:
            lo, hi = max(frame - reach, 0), min(frame + reach + 1, len(parts))
            near = parts[lo:hi]
            if near.max(initial=0.0) >= PART_POINTS * PART_MIN_WEIGHT:
                frame = lo + int(np.argmax(near))
        t = frame * frame_s
        if bar_s:
            t = round(t / bar_s) * bar_s
        t = round(t, 6)
        if t < MIN_SECTION_S - eps or duration_s - t < MIN_SECTION_S - eps:
            continue
        if any(abs(t - other) < MIN_SECTION_S - eps for other in chosen):
            continue
        chosen.append(t)
    return sorted(chosen)


def _name_sections(
    spans: list[tuple[float, float]],
    acts: dict[str, np.ndarray],
    mix: Measurement | None,
    frames: int,
    frame_s: float = FRAME_S,
) -> list[str]:
    if len(spans) == 1:
        return ["Song"]
    mix_energy = (
        _fit(np.asarray(mix.loudness.frame_energy, np.float64), frames)
        if mix is not None
        else np.zeros(frames)
    )
    playing: list[frozenset[str]] = []
    loudness: list[float] = []
    for start_s, end_s in spans:
        first = round(start_s / frame_s)
        last = max(first + 1, round(end_s / frame_s))
        playing.append(frozenset(f for f, a in acts.items() if a[first:last].mean() > 0.5))
        loudness.append(integrated_from_energy(mix_energy[first:last], frame_s=frame_s))
    loudest = max((v for v in loudness if np.isfinite(v)), default=float("-inf"))
    busiest = max(len(p) for p in playing)

    def quiet(i: int) -> bool:
        return (
            not np.isfinite(loudness[i])
            or loudness[i] < loudest - QUIET_SECTION_LU
            or 2 * len(playing[i]) <= busiest
        )

    names: list[str] = [""] * len(spans)
    if len(spans) >= 3 and quiet(0):
        names[0] = "Intro"
    if len(spans) >= 3 and quiet(len(spans) - 1):
        names[-1] = "Outro"
    letters: list[tuple[frozenset[str], float, str]] = []
    counts: dict[str, int] = {}
    for i, name in enumerate(names):
        if name:
            continue
        letter = next(
            (
                lt
                for parts, level, lt in letters
                if parts == playing[i]
                and (
                    (not np.isfinite(level) and not np.isfinite(loudness[i]))
                    or abs(level - loudness[i]) <= SAME_LOUDNESS_LU
                )
            ),
            None,
        )
        if letter is None:
            letter = chr(ord("A") + len(letters)) if len(letters) < 26 else f"S{len(letters) + 1}"
            letters.append((playing[i], loudness[i], letter))
        counts[letter] = counts.get(letter, 0) + 1
        names[i] = letter if counts[letter] == 1 else f"{letter}{counts[letter]}"
    return names


def detect_sections(
    session: Session, stems: Mapping[str, Measurement], mix: Measurement | None
) -> list[Section]:
    """Sections found from part entrances/exits and mix novelty, covering the whole song."""
    duration = session.duration_s
    measured = [mix, *stems.values()] if mix is not None else list(stems.values())
    frame_s = measured[0].loudness.frame_s if measured else session.frame_s  # as measured
    frames = grid_frames(duration, frame_s)
    whole = [Section("Song", 0.0, duration, source="detected")]
    if frames < 2 or not stems:
        return whole
    found = novelty(session, stems, mix, frames, frame_s)
    tempo = session.manifest.tempo_bpm
    bar_s = 60.0 / tempo * session.manifest.beats_per_bar if tempo else None
    cuts = boundaries(found.curve, duration, bar_s, found.parts, frame_s)
    edges = [0.0, *cuts, duration]
    spans = list(itertools.pairwise(edges))
    names = _name_sections(spans, found.activity, mix, frames, frame_s)
    return [
        Section(name, start, end, source="detected")
        for name, (start, end) in zip(names, spans, strict=True)
    ]
