"""The vocabulary of the benchmark: songs, their parts, and the problems planted in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Manifest = Literal["full", "no_sections", "none"]
Expect = Literal["check", "suggestion"]


@dataclass(frozen=True)
class SectionSpec:
    """One section of the song form: its manifest name, length in bars and kind of section."""

    name: str
    bars: int
    kind: str  # intro, verse, chorus, bridge, outro


@dataclass(frozen=True)
class Room:
    """A small synthetic stereo room mixed into a part (see sample_session.dsp.add_room)."""

    seed: int
    rt60_s: float
    predelay_ms: float
    tone_hz: float
    target_corr: float
    wet_low: float = 0.1
    wet_high: float = 0.9


@dataclass(frozen=True)
class EqBand:
    """A peaking band applied while cleaning a part up (a mixer's carving move)."""

    freq_hz: float
    gain_db: float
    q: float = 1.0


@dataclass(frozen=True)
class PartSpec:
    """One stem: what plays it, where it plays, how it is cleaned up and how loud it sits.

    ``level_lu`` is the stem's loudness relative to the mix while it plays (the quantity the
    balance rule judges), chosen inside its role's window.
    """

    name: str
    role: str
    gen: str  # the arranger's generator for the notes (see arrange.GENERATORS)
    program: int = 0
    level_lu: float = -10.0
    mono: bool = False
    collapse: bool = False  # sum the render to mono, then pan it into a stereo file
    pan: float = 0.0
    width: float = 0.0
    room: Room | None = None
    hp_hz: float = 20.0
    hp_order: int = 2
    eq: tuple[EqBand, ...] = ()
    kinds: tuple[str, ...] = ("verse", "chorus", "bridge", "outro")  # section kinds it plays in
    detune_cents: float = 0.0  # two detuned layers spread left/right (pads, doubled guitars)
    velocity: int = 90


@dataclass(frozen=True)
class Flaw:
    """A problem to plant in the flawed take, and what the truth file says about it.

    ``action`` names a function in ``flaws`` (``args`` are its keyword arguments); ``expect``,
    ``check_id`` / ``kinds``, ``section`` and ``direction`` are what a correct review reports.
    ``file`` is the flawed stem's file name when the flaw renames it (else the part's file).
    """

    id: str
    part: str
    action: str
    expect: Expect
    strength: str
    check_id: str | None = None
    kinds: tuple[str, ...] = ()
    section: str | None = None  # a section kind: every section of that kind gets a truth entry
    direction: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    file: str | None = None


@dataclass(frozen=True)
class SongSpec:
    """A whole song: form, harmony, parts, delivery format and the flaws of its flawed take."""

    slug: str
    title: str
    bpm: float
    key_root: int  # MIDI note of the tonic (any octave)
    minor: bool
    sample_rate: int
    audio_format: Literal["flac", "wav"]
    manifest: Manifest
    form: tuple[SectionSpec, ...]
    progressions: dict[str, tuple[int, ...]]  # section kind -> scale degrees, one per bar
    parts: tuple[PartSpec, ...]
    flaws: tuple[Flaw, ...]
    drum_style: str
    lyrics: dict[str, tuple[str, ...]]  # section kind -> words, one per sung note
    seed: int
    short_form: tuple[SectionSpec, ...] = ()
    tail_s: float = 1.5

    def part(self, name: str) -> PartSpec:
        for part in self.parts:
            if part.name == name:
                return part
        raise KeyError(name)


@dataclass(frozen=True)
class Timeline:
    """Where the sections of one rendering of a song fall, in beats and seconds."""

    bpm: float
    form: tuple[SectionSpec, ...]
    tail_s: float

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    @property
    def bar_s(self) -> float:
        return 4.0 * self.beat_s

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.form)

    @property
    def length_s(self) -> float:
        return self.bars * self.bar_s + self.tail_s

    def spans(self) -> list[tuple[SectionSpec, int, float, float]]:
        """(section, first bar, start_s, end_s) for every section; the last runs to the end."""
        out, bar = [], 0
        for i, sec in enumerate(self.form):
            start_s = bar * self.bar_s
            end_s = self.length_s if i == len(self.form) - 1 else (bar + sec.bars) * self.bar_s
            out.append((sec, bar, start_s, end_s))
            bar += sec.bars
        return out

    def bar_kinds(self) -> list[tuple[SectionSpec, int]]:
        """(section, bar index within it) for every bar of the song."""
        return [(sec, i) for sec in self.form for i in range(sec.bars)]
