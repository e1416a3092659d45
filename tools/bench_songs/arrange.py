"""Notes for every part of a song: drums, bass, harmony, lines and the sung melody.

Positions are in beats of the song's own tempo; ``render`` turns them into MIDI. Everything is
drawn from one seeded generator per song, so an arrangement is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.bench_songs.model import PartSpec, SongSpec, Timeline
from tools.sample_session.midi import Layer

Note = tuple[float, float, int, int]  # start beat, length in beats, MIDI note, velocity
SungNote = tuple[float, float, int, str]  # start beat, length in beats, MIDI note, word

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
KICK, SNARE, STICK, CLAP, HAT, OPEN = 36, 38, 37, 39, 42, 46  # GM drum notes
TOMS = (50, 47, 45, 43)  # high to floor
CRASH, RIDE, TAMBOURINE, MARACAS = 49, 51, 54, 70
LOUD_KINDS = ("chorus",)


# ---------------------------------------------------------------- harmony


def scale_of(song: SongSpec) -> tuple[int, ...]:
    return MINOR if song.minor else MAJOR


def chord_classes(song: SongSpec, degree: int) -> tuple[int, int, int]:
    """Pitch classes (root, third, fifth) of the triad on a scale degree (1-7)."""
    scale, root = scale_of(song), song.key_root % 12
    idx = degree - 1
    return tuple((root + scale[(idx + k) % 7]) % 12 for k in (0, 2, 4))  # type: ignore[return-value]


def voicing(classes: tuple[int, ...], centre: int) -> list[int]:
    """The chord's notes, each placed in the octave nearest ``centre``."""
    return sorted(centre + ((pc - centre + 6) % 12) - 6 for pc in classes)


def in_register(pitch_class: int, low: int) -> int:
    """The lowest note of ``pitch_class`` at or above ``low``."""
    return low + (pitch_class - low) % 12


def bar_chords(song: SongSpec, timeline: Timeline) -> list[int]:
    """The scale degree of every bar, cycling each section kind's progression."""
    out = []
    for sec, i in timeline.bar_kinds():
        prog = song.progressions.get(sec.kind) or song.progressions["verse"]
        out.append(prog[i % len(prog)])
    return out


def humanize(notes: list[Note], rng: np.random.Generator, t_ms: float, v_sd: float, bpm: float):
    """Small timing and velocity variations (a player, not a grid)."""
    jitter = t_ms / 1000.0 * bpm / 60.0
    out = []
    for start, dur, note, vel in notes:
        s = max(0.0, start + rng.uniform(-jitter, jitter)) if start > 0 else start
        out.append((s, dur, note, int(np.clip(vel + rng.normal(0, v_sd), 20, 127))))
    return out


# ---------------------------------------------------------------- drums


def _kick_pattern(style: str, kind: str) -> tuple[float, ...]:
    """Kick positions in a bar (beats) by drum style and section kind."""
    table: dict[str, dict[str, tuple[float, ...]]] = {
        "pop": {"intro": (0, 2), "chorus": (0, 1.5, 2, 3.5)},
        "four": {"intro": (0, 2), "chorus": (0, 1, 2, 3)},
        "ballad": {"intro": (0,), "chorus": (0, 2.5)},
        "rock": {"intro": (0, 2), "chorus": (0, 1.5, 2, 2.5)},
    }
    default: dict[str, tuple[float, ...]] = {
        "pop": (0, 1.5, 2), "four": (0, 1, 2, 3), "ballad": (0, 2.5), "rock": (0, 2, 2.5)
    }  # fmt: skip
    return table[style].get(kind, default[style])


def _bar_drums(style: str, kind: str, t0: float, first: bool, last: bool, rng) -> dict:
    """The pieces of one bar: kick, snare, hats, toms, cymbals."""
    loud = kind in LOUD_KINDS
    out: dict[str, list[Note]] = {"kick": [], "snare": [], "hats": [], "toms": [], "cymbals": []}
    out["kick"] = [
        (t0 + k, 0.25, KICK, 112 if k in (0, 2) else 98) for k in _kick_pattern(style, kind)
    ]
    backbeats = (2,) if style == "ballad" else (1, 3)
    if kind != "intro":
        note = STICK if (style == "ballad" and not loud) else SNARE
        out["snare"] = [(t0 + b, 0.25, note, 110 if loud else 94) for b in backbeats]
    step = 0.25 if (style == "four" and loud) else 0.5
    for i in range(int(4 / step)):
        pos = i * step
        open_hat = style in ("four", "pop") and pos % 1 == 0.5 and loud and i % 4 == 3
        vel = (86 if pos % 1 == 0 else 66) + (8 if loud else -6 if kind == "intro" else 0)
        out["hats"].append((t0 + pos, 0.2, OPEN if open_hat else HAT, vel))
    if loud and style == "rock":
        out["cymbals"] += [(t0 + b, 0.9, RIDE, 84) for b in (0, 1, 2, 3)]
    if first and kind in ("chorus", "bridge", "outro"):
        out["cymbals"].append((t0, 2.0, CRASH, 104))
    if last and kind in ("verse", "bridge", "intro"):
        out["snare"] = [n for n in out["snare"] if n[0] < t0 + 2]
        out["hats"] = [n for n in out["hats"] if n[0] < t0 + 2]
        for i in range(8):  # a tom fill over beats 3 and 4
            tom = TOMS[min(3, i // 2)]
            out["toms"].append((t0 + 2 + i * 0.25, 0.25, tom, int(96 + 8 * rng.random())))
    return out


def drum_notes(song: SongSpec, timeline: Timeline, rng: np.random.Generator) -> dict:
    """Every drum piece's notes over the whole song (pieces: kick, snare, hats, toms, cymbals)."""
    pieces: dict[str, list[Note]] = {"kick": [], "snare": [], "hats": [], "toms": [], "cymbals": []}
    bar = 0
    for sec in timeline.form:
        for i in range(sec.bars):
            bar_notes = _bar_drums(
                song.drum_style, sec.kind, 4.0 * bar, i == 0, i == sec.bars - 1, rng
            )
            for piece, notes in bar_notes.items():
                pieces[piece] += notes
            bar += 1
    pieces["kick"].append((4.0 * bar, 0.5, KICK, 110))  # the last downbeat
    pieces["cymbals"].append((4.0 * bar, 3.0, CRASH, 100))
    return {k: humanize(v, rng, 3, 4, song.bpm) for k, v in pieces.items()}


def _drum_layer(notes: list[Note], song: SongSpec, part: PartSpec) -> list[Layer]:
    return [Layer(9, part.program, notes, pan=64 + round(part.pan * 40))]


def _plays(part: PartSpec, kind: str) -> bool:
    return kind in part.kinds


def _filter_kinds(notes: list[Note], part: PartSpec, timeline: Timeline) -> list[Note]:
    """Keep the notes that fall in sections where the part plays (the end hit counts as outro)."""
    kinds = [sec.kind for sec, _ in timeline.bar_kinds()]
    keep = []
    for n in notes:
        bar = int(n[0] // 4)
        kind = kinds[bar] if bar < len(kinds) else "outro"
        if _plays(part, kind):
            keep.append(n)
    return keep


def drum_part(pieces: tuple[str, ...], scale: float = 1.0):
    """A generator for a stem holding some drum pieces (a kit piece, overheads, the whole kit)."""

    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes = [n for p in pieces for n in ctx["drums"][p]]
        notes = [(s, d, k, int(np.clip(v * scale, 1, 127))) for s, d, k, v in notes]
        return _drum_layer(_filter_kinds(notes, part, timeline), song, part)

    return gen


def _percussion(note: int, step: float, vel: int):
    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes = []
        for bar, (sec, _) in enumerate(timeline.bar_kinds()):
            if not _plays(part, sec.kind):
                continue
            for i in range(int(4 / step)):
                accent = 14 if (i * step) % 1 == 0 else 0
                notes.append((4.0 * bar + i * step, step * 0.8, note, vel + accent))
        return _drum_layer(humanize(notes, rng, 5, 6, song.bpm), song, part)

    return gen


def _clap(song, timeline, part, rng, ctx) -> list[Layer]:
    notes = [
        (4.0 * bar + b, 0.25, CLAP, 100)
        for bar, (sec, _) in enumerate(timeline.bar_kinds())
        if _plays(part, sec.kind)
        for b in (1, 3)
    ]
    return _drum_layer(humanize(notes, rng, 4, 5, song.bpm), song, part)


# ---------------------------------------------------------------- pitched parts


def _each_bar(song: SongSpec, timeline: Timeline, part: PartSpec):
    """(bar, t0 in beats, section kind, chord pitch classes) for the bars where the part plays."""
    chords = bar_chords(song, timeline)
    for bar, (sec, _) in enumerate(timeline.bar_kinds()):
        if _plays(part, sec.kind):
            yield bar, 4.0 * bar, sec.kind, chord_classes(song, chords[bar])


def _bass(song, timeline, part, rng, ctx) -> list[Layer]:
    notes: list[Note] = []
    for _bar, t0, kind, chord in _each_bar(song, timeline, part):
        root = in_register(chord[0], 38)
        fifth = in_register(chord[2], root + 1)
        if song.drum_style == "four" or kind in LOUD_KINDS:
            notes += [(t0 + i / 2, 0.42, root, 100 if i % 2 == 0 else 88) for i in range(8)]
        elif song.drum_style == "ballad":
            notes += [(t0, 2.4, root, 92), (t0 + 2.5, 1.4, fifth, 84)]
        else:
            notes += [(t0, 1.4, root, 94), (t0 + 1.5, 0.45, root, 82), (t0 + 2, 0.95, root, 90)]
            notes += [(t0 + 3, 0.45, root, 82), (t0 + 3.5, 0.45, fifth, 84)]
    if notes:  # the song ends on the first bar's root
        notes.append((notes[-1][0] + 1.0, 3.0, notes[0][2], 90))
    return [Layer(0, part.program, humanize(notes, rng, 4, 4, song.bpm))]


def _chords(centre: int, rhythm: dict[str, tuple[tuple[float, float], ...]]):
    """Block chords on a rhythm per section kind ((beat, length), ...)."""

    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes: list[Note] = []
        for _bar, t0, kind, chord in _each_bar(song, timeline, part):
            hits = rhythm.get(kind, rhythm["verse"])
            for k, d in hits:
                vel = part.velocity + (8 if kind in LOUD_KINDS else 0) - (6 if k % 1 else 0)
                notes += [(t0 + k, d, n, vel) for n in voicing(chord, centre)]
        return _layers(humanize(notes, rng, 5, 4, song.bpm), part)

    return gen


def _left_hand(song, timeline, part, rng, ctx) -> list[Layer]:
    """Piano: the keys' chords in the right hand, roots in octaves in the left."""
    layers = GENERATORS["keys"](song, timeline, part, rng, ctx)
    notes: list[Note] = []
    for _bar, t0, _kind, chord in _each_bar(song, timeline, part):
        root = in_register(chord[0], 36)
        for k in (0.0, 2.0):
            notes += [
                (t0 + k, 1.9, root, part.velocity - 6),
                (t0 + k, 1.9, root + 12, part.velocity - 10),
            ]
    layers[0].notes.extend(humanize(notes, rng, 5, 4, song.bpm))
    return layers


def _layers(notes: list[Note], part: PartSpec) -> list[Layer]:
    """One layer, or two detuned ones spread left and right when the part asks for it."""
    if not part.detune_cents:
        return [Layer(0, part.program, notes, pan=64 + round(part.pan * 50))]
    c = part.detune_cents
    return [
        Layer(0, part.program, notes, pan=28, bend_cents=c),
        Layer(1, part.program, [(s, d, n, v - 3) for s, d, n, v in notes], pan=100, bend_cents=-c),
    ]


def _strum(song, timeline, part, rng, ctx) -> list[Layer]:
    """A strummed guitar: six-ish strings swept down (and up on off-beats)."""
    notes: list[Note] = []
    for _bar, t0, kind, chord in _each_bar(song, timeline, part):
        shape = voicing(chord, 52) + voicing(chord, 62)[:2]
        hits = (0, 1, 1.5, 2.5, 3) if kind in LOUD_KINDS else (0, 1.5, 2.5)
        for k in hits:
            order = shape if k % 1 == 0 else shape[::-1]
            for j, n in enumerate(order):
                notes.append((t0 + k + j * 0.015, 0.9, n, part.velocity - 4 * (k % 1 != 0)))
    return _layers(humanize(notes, rng, 6, 5, song.bpm), part)


def _arp(centre: int, step: float):
    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes: list[Note] = []
        for _bar, t0, _kind, chord in _each_bar(song, timeline, part):
            tones = voicing(chord, centre)
            cycle = [*tones, tones[0] + 12, tones[2], tones[1]]
            for i in range(int(4 / step)):
                vel = part.velocity + (10 if i % 4 == 0 else 0)
                notes.append((t0 + i * step, step * 0.8, cycle[i % len(cycle)], vel))
        return _layers(humanize(notes, rng, 2, 3, song.bpm), part)

    return gen


def _line(centre: int):
    """A melodic line: a two-bar motif on chord tones, answered with a step down."""

    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes: list[Note] = []
        motif = ((0, 1.0, 0), (1.0, 0.5, 1), (1.5, 0.5, 2), (2.0, 1.5, 1), (3.5, 0.5, 0))
        for bar, t0, _kind, chord in _each_bar(song, timeline, part):
            tones = [*voicing(chord, centre), voicing(chord, centre)[0] + 12]
            shift = 0 if bar % 2 == 0 else -1
            for k, d, j in motif:
                n = tones[max(0, min(len(tones) - 1, j + 1 + shift))]
                notes.append((t0 + k, d * 0.95, n, part.velocity))
        return _layers(humanize(notes, rng, 3, 3, song.bpm), part)

    return gen


def _riff(song, timeline, part, rng, ctx) -> list[Layer]:
    """Power chords (root, fifth, octave) on a driving rock rhythm."""
    notes: list[Note] = []
    for _bar, t0, kind, chord in _each_bar(song, timeline, part):
        root = in_register(chord[0], 40)
        hits = (0, 0.5, 1.5, 2, 2.5, 3.5) if kind in LOUD_KINDS else (0, 1.5, 2, 3.5)
        for k in hits:
            notes += [(t0 + k, 0.45, n, part.velocity) for n in (root, root + 7, root + 12)]
    return _layers(humanize(notes, rng, 4, 4, song.bpm), part)


def _pad(centre: int):
    def gen(song, timeline, part, rng, ctx) -> list[Layer]:
        notes: list[Note] = []
        for _bar, t0, kind, chord in _each_bar(song, timeline, part):
            vel = part.velocity + (10 if kind in LOUD_KINDS else 0)
            notes += [(t0, 4.05, n, vel) for n in voicing(chord, centre)]
        return _layers(notes, part)

    return gen


KEYS_RHYTHM = {
    "verse": ((0, 1.4), (1.5, 0.9), (2.5, 1.4)),
    "chorus": ((0, 0.9), (1, 0.9), (2, 0.9), (3, 0.9)),
}
STABS_RHYTHM = {
    "verse": ((0.5, 0.3), (2.5, 0.3)),
    "chorus": ((0.5, 0.3), (1.5, 0.3), (2.5, 0.3), (3.5, 0.3)),
}

GENERATORS: dict[str, Callable] = {
    "kick": drum_part(("kick",)),
    "snare": drum_part(("snare",)),
    "hats": drum_part(("hats",)),
    "toms": drum_part(("toms",)),
    "overheads": drum_part(("kick", "snare", "hats", "toms", "cymbals"), 0.8),
    "kit": drum_part(("kick", "snare", "hats", "toms", "cymbals")),
    "shaker": _percussion(MARACAS, 0.25, 70),
    "tambourine": _percussion(TAMBOURINE, 0.5, 72),
    "clap": _clap,
    "bass": _bass,
    "keys": _chords(62, KEYS_RHYTHM),
    "keys_lh": _left_hand,
    "organ": _chords(60, {"verse": ((0, 3.9),)}),
    "stabs": _chords(67, STABS_RHYTHM),
    "strum": _strum,
    "arp": _arp(67, 0.25),
    "arp8": _arp(64, 0.5),
    "line": _line(72),
    "line_low": _line(64),
    "riff": _riff,
    "pad": _pad(60),
    "pad_low": _pad(50),
    "pad_high": _pad(72),
}


# ---------------------------------------------------------------- the sung melody

RHYTHMS = {
    "verse": ((0, 0.5), (0.5, 0.5), (1, 1.5), (2.5, 0.5), (3, 1)),
    "chorus": ((0, 1), (1, 1.5), (2.5, 0.5), (3, 1)),
    "bridge": ((0, 1.5), (1.5, 0.5), (2, 2)),
    "slow": ((0, 1), (1, 1), (2, 2)),
}


def melody(song: SongSpec, timeline: Timeline, part: PartSpec) -> list[SungNote]:
    """The lead vocal: chord tones in the singer's range, one word per note, same words and tune
    for every section of a kind (choruses repeat)."""
    chords = bar_chords(song, timeline)
    out: list[SungNote] = []
    for bar, (sec, i) in enumerate(timeline.bar_kinds()):
        if not _plays(part, sec.kind) or (sec.kind != "chorus" and i == sec.bars - 1):
            continue
        words = song.lyrics.get(sec.kind) or song.lyrics["verse"]
        rhythm = RHYTHMS["slow"] if song.bpm < 80 else RHYTHMS.get(sec.kind, RHYTHMS["verse"])
        tones = voicing(chord_classes(song, chords[bar]), 62 if sec.kind == "chorus" else 60)
        for j, (k, d) in enumerate(rhythm):
            idx = (i * len(rhythm) + j) % len(words)
            note = tones[(i + j * 2) % 3]
            out.append((4.0 * bar + k, d, note, words[idx]))
    return out


def backing(song: SongSpec, timeline: Timeline, part: PartSpec) -> list[tuple[SungNote, SungNote]]:
    """Two-voice 'ooh's on chord tones, a bar at a time."""
    chords = bar_chords(song, timeline)
    out = []
    for bar, (sec, _) in enumerate(timeline.bar_kinds()):
        if not _plays(part, sec.kind):
            continue
        low, _, high = voicing(chord_classes(song, chords[bar]), 60)
        out.append(((4.0 * bar, 3.8, low, "ooh"), (4.0 * bar, 3.8, high, "ooh")))
    return out
