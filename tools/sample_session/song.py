"""The demo song on paper: sample rate, tempo and length, form, chords, voicings, melody, and
each stem's loudness target; with the generator's progress log."""

from __future__ import annotations

from pathlib import Path

SR = 48_000
BPM = 110
BEAT = 60.0 / BPM
BAR = 4 * BEAT
LENGTH_S = 30.0
N_SAMPLES = round(LENGTH_S * SR)
TPB = 480  # MIDI ticks per beat

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SOUNDFONT_COPYRIGHT = Path("/usr/share/doc/fluid-soundfont-gm/copyright")

# Song form, in bars. The last section runs to the end of the file.
SECTIONS = [("Intro", 0), ("Verse", 2), ("Chorus", 6), ("Outro", 10)]
PROGRESSION = ["Am", "F", "Am", "F", "C", "G", "F", "C", "G", "Am", "Am", "F", "Am"]
N_BARS = len(PROGRESSION)  # bar 12 is the final held chord; the rest is release tail

PAD_VOICING = {"Am": (57, 60, 64), "F": (57, 60, 65), "C": (55, 60, 64), "G": (55, 59, 62)}
KEYS_VOICING = {"Am": (64, 69, 72), "F": (65, 69, 72), "C": (64, 67, 72), "G": (62, 67, 71)}
GTR_ARP = {
    "Am": (64, 69, 72, 76),
    "F": (65, 69, 72, 77),
    "C": (64, 67, 72, 76),
    "G": (62, 67, 71, 74),
}
# GM drum kits (program numbers on MIDI channel 10) per drum stem
KIT_808, KIT_ELECTRONIC = 25, 24
# Bass roots sit at 87-131 Hz, well above the 808 kick's ~55 Hz thump.
BASS_ROOT = {"Am": 45, "F": 41, "C": 48, "G": 43}
BASS_FIFTH = {"Am": 52, "F": 48, "C": 55, "G": 50}

# Lead vocal: (bar, beat, length in beats, MIDI note, syllable).
VOCAL = [
    (2, 0.0, 0.5, 60, "when"),
    (2, 0.5, 0.5, 60, "the"),
    (2, 1.0, 1.5, 64, "night"),
    (2, 2.5, 0.5, 62, "comes"),
    (2, 3.0, 1.0, 60, "down"),
    (3, 0.0, 0.5, 57, "and"),
    (3, 0.5, 0.5, 57, "the"),
    (3, 1.0, 1.5, 60, "lights"),
    (3, 2.5, 0.5, 62, "go"),
    (3, 3.0, 1.0, 60, "out"),
    (4, 0.0, 0.5, 64, "I"),
    (4, 0.5, 0.5, 64, "can"),
    (4, 1.0, 1.5, 67, "hear"),
    (4, 2.5, 0.5, 65, "you"),
    (4, 3.0, 1.0, 64, "call"),
    (5, 0.0, 0.5, 62, "through"),
    (5, 0.5, 0.5, 62, "the"),
    (5, 1.0, 0.5, 62, "emp"),
    (5, 1.5, 0.5, 59, "tee"),
    (5, 2.0, 1.5, 62, "town"),
    (6, 0.0, 1.0, 65, "hold"),
    (6, 1.0, 1.5, 64, "on"),
    (6, 2.5, 0.5, 62, "to"),
    (6, 3.0, 1.0, 60, "me"),
    (7, 0.0, 1.0, 64, "hold"),
    (7, 1.0, 1.5, 67, "on"),
    (7, 2.5, 0.5, 65, "to"),
    (7, 3.0, 1.0, 64, "me"),
    (8, 0.0, 0.5, 62, "we"),
    (8, 0.5, 0.5, 62, "will"),
    (8, 1.0, 1.0, 67, "find"),
    (8, 2.0, 1.0, 65, "our"),
    (8, 3.0, 1.0, 62, "way"),
    (9, 0.0, 3.0, 64, "home"),
]
# Backing vocals in the chorus: (bar, beat, beats, low note, high note, syllable).
BACKING = [
    (6, 0.0, 4.0, 57, 60, "ooh"),
    (7, 0.0, 4.0, 55, 60, "ooh"),
    (8, 0.0, 4.0, 55, 59, "ooh"),
    (9, 0.0, 3.5, 57, 60, "ooh"),
]

# Loudness of each stem as measured on its own file (BS.1770 integrated, LUFS;
# mono stems read 3 dB lower than they sound centred in a stereo mix). A common
# trim afterwards keeps the sum's true peak at SUM_TP_MAX.
TARGET_LUFS = {
    "Kick": -24.0,  # mono: about -21 in the mix
    "Snare": -23.0,
    "Hats": -32.0,
    "Bass": -25.0,  # mono: about -22 in the mix
    "Keys": -28.0,
    "Guitar": -29.0,
    "Pad": -32.0,
    "Lead_Synth": -27.0,
    "Lead_Vocal": -21.0,
    "Backing_Vocal": -28.0,
}
STEM_TP_MAX = -6.5  # dBTP per stem
SUM_TP_MAX = -3.5  # dBTP for the unity-gain sum


def log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(msg, flush=True)
