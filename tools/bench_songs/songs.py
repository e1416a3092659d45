"""The four benchmark songs and the problems planted in their flawed takes.

They differ in tempo, key, length, instrumentation (kit pieces or one drum stem, mono and stereo
stems), sample rate, file format and what the manifest says (sections, only title and tempo, or
no manifest at all). Levels (``level_lu``) sit inside each role's balance window
(docs/rules/balance.md), so the clean takes are balanced mixes.
"""

from __future__ import annotations

from tools.bench_songs.model import EqBand, Flaw, PartSpec, Room, SectionSpec, SongSpec

SMALL = Room(21, 0.6, 8, 6000, 0.80)
MEDIUM = Room(22, 1.0, 14, 5000, 0.60)
WIDE = Room(23, 1.5, 20, 4000, 0.45)
VOCAL_ROOM = Room(24, 1.3, 25, 6000, 0.50, 0.1, 0.6)
KIT_ROOM = Room(25, 0.8, 6, 7000, 0.55)
DRUM_ONE = Room(26, 0.7, 6, 7000, 0.70, 0.1, 0.6)

VOCAL_HP = 90.0
CARVE = (EqBand(2500.0, -2.5, 1.0),)  # room for the vocal's presence range
ALL = ("intro", "verse", "chorus", "bridge", "outro")
BODY = ("verse", "chorus", "bridge", "outro")


def _form(*sections: tuple[str, int, str]) -> tuple[SectionSpec, ...]:
    return tuple(SectionSpec(name, bars, kind) for name, bars, kind in sections)


# fmt: off
def _kit_pieces(kick_lu: float, snare_lu: float, kit: int, hp_snare: float = 70.0):
    """Kick, snare, hats, toms and overheads as separate stems."""
    return (
        PartSpec("Kick", "kick", "kick", kit, kick_lu, mono=True, hp_hz=30.0,
                 eq=(EqBand(140.0, -2.0, 1.0),), kinds=BODY),
        PartSpec("Snare", "snare", "snare", kit, snare_lu, mono=True, hp_hz=hp_snare, kinds=BODY),
        PartSpec("Hats", "hats", "hats", kit, -16.0, collapse=True, pan=0.3, width=0.3,
                 hp_hz=250.0, kinds=ALL),
        PartSpec("Toms", "drums", "toms", kit, -6.0, room=KIT_ROOM, pan=-0.2, hp_hz=60.0,
                 kinds=ALL),
        PartSpec("Overheads", "hats", "overheads", kit, -14.0, room=KIT_ROOM, hp_hz=150.0,
                 hp_order=4, width=0.2, kinds=BODY),
    )


def _vocals(kinds: tuple[str, ...] = ("verse", "chorus")) -> tuple[PartSpec, ...]:
    return (
        PartSpec("Lead_Vocal", "lead_vocal", "vocal", 0, -3.5, mono=True, hp_hz=VOCAL_HP,
                 kinds=kinds),
        PartSpec("Backing_Vocals", "backing_vocal", "backing", 0, -11.0, hp_hz=120.0,
                 room=VOCAL_ROOM, kinds=("chorus",)),
    )


HARBOUR = SongSpec(
    slug="harbour_lights", title="Harbour Lights", bpm=96.0, key_root=62, minor=False,
    sample_rate=48000, audio_format="flac", manifest="full", drum_style="pop", seed=101,
    form=_form(("Intro", 2, "intro"), ("Verse", 4, "verse"), ("Chorus", 4, "chorus"),
               ("Verse 2", 4, "verse"), ("Chorus 2", 4, "chorus"), ("Bridge", 2, "bridge"),
               ("Outro", 4, "outro")),
    short_form=_form(("Intro", 2, "intro"), ("Verse", 2, "verse"), ("Chorus", 2, "chorus"),
                     ("Verse 2", 2, "verse"), ("Chorus 2", 2, "chorus"), ("Outro", 2, "outro")),
    progressions={"intro": (1, 4), "verse": (1, 5, 6, 4), "chorus": (4, 1, 5, 6),
                  "bridge": (2, 4), "outro": (1, 4, 1, 1)},
    parts=(
        *_kit_pieces(-6.5, -7.5, 0),
        PartSpec("Tambourine", "hats", "tambourine", 0, -19.0, collapse=True, pan=-0.5,
                 hp_hz=300.0, kinds=("chorus",)),
        PartSpec("Bass", "bass", "bass", 33, -7.0, mono=True, hp_hz=35.0,
                 eq=(EqBand(60.0, -3.0, 1.0),), kinds=BODY),
        PartSpec("Acoustic_Gtr", "guitar", "strum", 25, -11.0, room=MEDIUM, hp_hz=90.0,
                 eq=CARVE, detune_cents=4.0, kinds=ALL),
        PartSpec("Electric_Gtr", "guitar", "arp8", 27, -12.0, collapse=True, pan=0.45,
                 room=MEDIUM, hp_hz=90.0, eq=CARVE, kinds=("chorus", "outro")),
        PartSpec("Piano", "keys", "keys", 0, -11.0, room=MEDIUM, hp_hz=40.0, eq=CARVE,
                 kinds=("verse", "chorus", "bridge")),
        PartSpec("Organ", "keys", "organ", 16, -15.0, room=MEDIUM, detune_cents=5.0,
                 hp_hz=50.0, eq=CARVE, kinds=("chorus", "bridge", "outro")),
        PartSpec("Strings", "pad", "pad", 48, -14.0, room=WIDE, detune_cents=6.0, hp_hz=50.0,
                 kinds=ALL),
        PartSpec("Arp", "synth", "arp8", 11, -13.0, collapse=True, pan=-0.35, room=MEDIUM,
                 hp_hz=150.0, kinds=("chorus", "outro")),
        PartSpec("FX_Swell", "fx", "riser", 0, -16.0, hp_hz=150.0, kinds=("chorus",)),
        *_vocals(),
    ),
    flaws=(
        Flaw("bass_covers_kick", "Bass", "low_mud", "suggestion",
             "strong: +6 dB on the kick's thump and a sub-octave line", kinds=("unmask", "eq"),
             direction="cut", args={"kick": "Kick", "boost_db": 6.0, "sub": 2.5}),
        Flaw("snare_drops_in_choruses", "Snare", "section_gain", "suggestion",
             "-10 dB in every chorus", kinds=("section_gain",), section="chorus",
             direction="boost", args={"kind": "chorus", "gain_db": -10.0}),
        Flaw("guitar_rings", "Acoustic_Gtr", "bell", "suggestion", "+12 dB at 3.15 kHz, Q 4",
             kinds=("eq",), direction="cut", args={"freq_hz": 3150.0, "gain_db": 12.0, "q": 4.0}),
        Flaw("piano_limited", "Piano", "lookahead_limit", "check",
             "driven 9 dB into a -1 dBFS look-ahead limiter (1.5 ms, 20 ms release)",
             check_id="limited", args={"drive_db": 9.0, "ceiling_dbfs": -1.0, "release_ms": 20.0}),
        Flaw("strings_16bit", "Strings", "bit_depth", "check", "16-bit", check_id="bit_depth"),
        Flaw("toms_dc", "Toms", "dc", "check", "DC +0.01", check_id="dc_offset",
             args={"offset": 0.01}),
        Flaw("tambourine_cut_short", "Tambourine", "truncate", "check", "file cut at 60%",
             check_id="truncated", args={"share": 0.6}),
    ),
    lyrics={
        "verse": ("the", "boats", "come", "in", "slow", "and", "the", "lights", "go", "on",
                  "one", "by", "one", "we", "wait", "for", "you", "by", "the", "sea"),
        "chorus": ("hold", "the", "line", "hold", "on", "the", "night", "is", "long", "but",
                   "we", "are", "home", "now", "stay", "here"),
    },
)

NEON = SongSpec(
    slug="neon_drive", title="Neon Drive", bpm=124.0, key_root=66, minor=True,
    sample_rate=44100, audio_format="wav", manifest="full", drum_style="four", seed=202,
    form=_form(("Intro", 4, "intro"), ("Verse", 4, "verse"), ("Chorus", 4, "chorus"),
               ("Verse 2", 4, "verse"), ("Chorus 2", 4, "chorus"), ("Outro", 3, "outro")),
    short_form=_form(("Intro", 3, "intro"), ("Verse", 3, "verse"), ("Chorus", 4, "chorus"),
                     ("Verse 2", 3, "verse"), ("Chorus 2", 4, "chorus"), ("Outro", 2, "outro")),
    progressions={"intro": (1, 6), "verse": (1, 6, 3, 7), "chorus": (6, 3, 7, 1),
                  "outro": (1, 6, 1)},
    parts=(
        PartSpec("Drums", "drums", "kit", 24, -4.5, room=DRUM_ONE, hp_hz=25.0, kinds=ALL),
        PartSpec("Clap", "snare", "clap", 24, -9.0, collapse=True, pan=0.1, room=SMALL,
                 hp_hz=150.0, kinds=("verse", "chorus", "outro")),
        PartSpec("Shaker", "hats", "shaker", 24, -18.0, collapse=True, pan=-0.55, width=0.2,
                 hp_hz=400.0, kinds=("verse", "chorus")),
        PartSpec("Synth_Bass", "bass", "bass", 38, -7.0, mono=True, hp_hz=35.0,
                 kinds=("verse", "chorus", "outro")),
        PartSpec("Arp", "synth", "arp", 81, -13.0, collapse=True, pan=0.3, room=MEDIUM,
                 hp_hz=200.0, eq=CARVE, velocity=80, kinds=("verse", "chorus")),
        PartSpec("Pluck", "synth", "stabs", 45, -13.0, collapse=True, pan=-0.35, room=MEDIUM,
                 hp_hz=150.0, eq=CARVE, kinds=("verse", "chorus", "outro")),
        PartSpec("Pad", "pad", "pad", 89, -15.0, room=WIDE, detune_cents=7.0, hp_hz=60.0,
                 kinds=ALL),
        PartSpec("Keys", "keys", "keys", 4, -12.0, room=MEDIUM, hp_hz=80.0, eq=CARVE,
                 kinds=("intro", "verse", "chorus")),
        PartSpec("Lead_Synth", "synth", "line", 80, -11.0, collapse=True, pan=0.2, room=MEDIUM,
                 hp_hz=200.0, eq=CARVE, velocity=84, kinds=("chorus", "outro")),
        PartSpec("FX_Riser", "fx", "riser", 0, -14.0, hp_hz=150.0, kinds=("chorus",)),
        PartSpec("Strings", "pad", "pad_high", 49, -16.0, room=WIDE, detune_cents=6.0,
                 hp_hz=150.0, kinds=("chorus", "outro")),
        *_vocals(),
    ),
    flaws=(
        Flaw("arp_dominates", "Arp", "gain", "suggestion", "+12 dB", kinds=("gain",),
             direction="cut", args={"gain_db": 12.0}),
        Flaw("vocal_rumble", "Lead_Vocal", "rumble", "suggestion",
             "sub-35 Hz noise at -8 dB re the vocal", kinds=("highpass",), direction="cut",
             args={"level_db": -8.0, "top_hz": 35.0}),
        Flaw("bass_wide", "Synth_Bass", "haas", "suggestion",
             "a Haas widener: right channel 4 ms late", kinds=("mono_bass", "width"),
             direction="narrow", args={"delay_ms": 4.0}),
        Flaw("keys_cover_vocal", "Keys", "presence", "suggestion",
             "+9 dB at 2 kHz (Q 0.8) and +3 dB", kinds=("unmask", "eq"), direction="cut",
             args={"freq_hz": 2000.0, "gain_db": 9.0, "level_db": 3.0}),
        Flaw("clap_dual_mono", "Clap", "dual_mono", "check", "identical channels",
             check_id="fake_stereo"),
        Flaw("pluck_default_name", "Pluck", "rename", "check", "named Audio_07",
             check_id="bad_label", args={"file": "Audio_07.wav"}, file="Audio_07.wav"),
        Flaw("empty_double", "Lead_Vocal", "silent", "check", "an extra stem of digital silence",
             check_id="silent", file="Vocal_Double.wav"),
        Flaw("arp_float_over", "Arp", "hot_float", "check",
             "a hot 32-bit float take: the arp peaks 1 dB over full scale",
             check_id="over_full_scale", args={"over_db": 1.0}),
    ),
    lyrics={
        "verse": ("lights", "run", "by", "the", "road", "is", "wide", "we", "drive", "all",
                  "night"),
        "chorus": ("neon", "sky", "take", "me", "high", "we", "don't", "stop", "tonight"),
    },
)

SLOW_BURN = SongSpec(
    slug="slow_burn", title="Slow Burn", bpm=72.0, key_root=63, minor=False, sample_rate=48000,
    audio_format="wav", manifest="no_sections", drum_style="ballad", seed=303, tail_s=2.0,
    form=_form(("Intro", 2, "intro"), ("Verse", 4, "verse"), ("Chorus", 4, "chorus"),
               ("Verse 2", 4, "verse"), ("Chorus 2", 4, "chorus"), ("Outro", 3, "outro")),
    short_form=_form(("Intro", 2, "intro"), ("Verse", 2, "verse"), ("Chorus", 2, "chorus"),
                     ("Verse 2", 2, "verse"), ("Chorus 2", 2, "chorus"), ("Outro", 2, "outro")),
    progressions={"intro": (1, 4), "verse": (1, 6, 4, 5), "chorus": (4, 5, 3, 6),
                  "outro": (4, 1, 1)},
    parts=(
        *_kit_pieces(-7.0, -8.0, 8),
        PartSpec("Shaker", "hats", "shaker", 8, -19.0, collapse=True, pan=-0.5, hp_hz=400.0,
                 kinds=("chorus",)),
        PartSpec("Bass", "bass", "bass", 33, -7.0, mono=True, hp_hz=35.0,
                 eq=(EqBand(60.0, -3.0, 1.0),), kinds=BODY),
        PartSpec("Piano", "keys", "keys_lh", 0, -9.5, room=MEDIUM, hp_hz=40.0, eq=CARVE,
                 kinds=ALL),
        PartSpec("Rhodes", "keys", "organ", 4, -14.0, room=MEDIUM, detune_cents=4.0, hp_hz=60.0,
                 eq=CARVE, kinds=("verse", "chorus")),
        PartSpec("Strings", "pad", "pad_high", 48, -14.0, room=WIDE, detune_cents=6.0,
                 hp_hz=80.0, kinds=("chorus", "outro")),
        PartSpec("Low_Strings", "pad", "pad_low", 42, -16.0, collapse=True, pan=-0.3, room=WIDE,
                 hp_hz=50.0, kinds=BODY),
        PartSpec("Acoustic_Gtr", "guitar", "strum", 25, -12.0, room=MEDIUM, hp_hz=90.0,
                 eq=CARVE, detune_cents=4.0, kinds=("verse", "chorus")),
        PartSpec("Electric_Gtr", "guitar", "line_low", 27, -13.0, collapse=True, pan=0.5,
                 room=MEDIUM, hp_hz=100.0, eq=CARVE, kinds=("chorus", "outro")),
        PartSpec("Synth_Bells", "synth", "arp8", 9, -15.0, collapse=True, pan=0.4, room=WIDE,
                 hp_hz=300.0, kinds=("chorus",)),
        PartSpec("Organ", "keys", "organ", 19, -16.0, room=WIDE, detune_cents=5.0, hp_hz=60.0,
                 eq=CARVE, kinds=("chorus", "outro")),
        PartSpec("Pad", "pad", "pad", 89, -17.0, room=WIDE, detune_cents=7.0, hp_hz=60.0,
                 kinds=ALL),
        PartSpec("FX_Swell", "fx", "riser", 0, -16.0, hp_hz=150.0, kinds=("chorus",)),
        *_vocals(),
    ),
    flaws=(
        Flaw("vocal_buried", "Lead_Vocal", "gain", "suggestion", "-10 dB", kinds=("gain",),
             direction="boost", args={"gain_db": -10.0}),
        Flaw("bass_squashed", "Bass", "over_compress", "check",
             "20:1 from 24 dB under its peak, 0.5/40 ms, made up", check_id="over_compressed",
             args={"threshold_db": -24.0, "ratio": 20.0, "attack_ms": 0.5, "release_ms": 40.0}),
        Flaw("kick_jumps_in_choruses", "Kick", "section_gain", "suggestion",
             "+8 dB in every chorus", kinds=("section_gain",), section="chorus",
             direction="cut", args={"kind": "chorus", "gain_db": 8.0}),
        Flaw("piano_low_out_of_phase", "Piano", "low_polarity", "suggestion",
             "right channel inverted under 150 Hz", kinds=("mono_bass", "width", "polarity"),
             args={"below_hz": 150.0}),
        Flaw("strings_strident", "Strings", "bell", "suggestion", "+10 dB at 2.5 kHz, Q 2",
             kinds=("eq",), direction="cut", args={"freq_hz": 2500.0, "gain_db": 10.0, "q": 2.0}),
        Flaw("low_strings_short", "Low_Strings", "shorten", "check", "3 s short",
             check_id="length_mismatch", args={"seconds": 3.0}),
        Flaw("rhodes_clipper", "Rhodes", "flat_limit", "check",
             "peaks shaved flat 4 dB under where they were", check_id="limited",
             args={"drive_db": 4.0}),
        Flaw("shaker_misrouted", "Shaker", "near_silent", "check", "peaks at -66 dBFS",
             check_id="near_silent", args={"peak_dbfs": -66.0}),
    ),
    lyrics={
        "verse": ("slow", "burn", "in", "the", "dark", "a", "fire", "in", "my", "heart", "I",
                  "feel", "it", "start"),
        "chorus": ("let", "it", "burn", "let", "it", "glow", "all", "the", "way", "down",
                   "to", "the", "bone"),
    },
)

DUST_ROAD = SongSpec(
    slug="dust_road", title="Dust Road", bpm=140.0, key_root=67, minor=False, sample_rate=44100,
    audio_format="flac", manifest="none", drum_style="rock", seed=404,
    form=_form(("Intro", 2, "intro"), ("Verse", 4, "verse"), ("Chorus", 4, "chorus"),
               ("Verse 2", 4, "verse"), ("Chorus 2", 4, "chorus"), ("Outro", 2, "outro")),
    short_form=_form(("Intro", 2, "intro"), ("Verse", 3, "verse"), ("Chorus", 3, "chorus"),
                     ("Verse 2", 3, "verse"), ("Chorus 2", 3, "chorus"), ("Outro", 2, "outro")),
    progressions={"intro": (1, 1), "verse": (1, 4, 1, 5), "chorus": (4, 5, 1, 6),
                  "outro": (1, 4)},
    parts=(
        PartSpec("Drums", "drums", "kit", 16, -4.5, room=DRUM_ONE, hp_hz=25.0, kinds=ALL),
        PartSpec("Tambourine", "hats", "tambourine", 16, -18.0, collapse=True, pan=0.5,
                 hp_hz=300.0, kinds=("chorus",)),
        PartSpec("Bass", "bass", "bass", 34, -7.0, mono=True, hp_hz=35.0, kinds=BODY),
        PartSpec("Rhythm_Gtr", "guitar", "riff", 29, -10.0, room=SMALL, detune_cents=5.0,
                 hp_hz=90.0, eq=CARVE, velocity=84, kinds=ALL),
        PartSpec("Lead_Gtr", "guitar", "line", 30, -12.0, collapse=True, pan=-0.3, room=MEDIUM,
                 hp_hz=120.0, eq=CARVE, velocity=80, kinds=("chorus", "outro")),
        PartSpec("Acoustic_Gtr", "guitar", "strum", 25, -13.0, room=MEDIUM, detune_cents=4.0,
                 hp_hz=90.0, eq=CARVE, kinds=("verse", "chorus")),
        PartSpec("Organ", "keys", "organ", 16, -14.0, room=MEDIUM, detune_cents=5.0,
                 hp_hz=60.0, eq=CARVE, kinds=("verse", "chorus")),
        PartSpec("Piano", "keys", "keys", 1, -13.0, room=MEDIUM, hp_hz=50.0, eq=CARVE,
                 kinds=("chorus", "outro")),
        PartSpec("Shaker", "hats", "shaker", 16, -19.0, collapse=True, pan=-0.5, hp_hz=400.0,
                 kinds=("verse",)),
        PartSpec("Strings", "pad", "pad", 48, -16.0, room=WIDE, detune_cents=6.0, hp_hz=80.0,
                 kinds=("chorus", "outro")),
        *_vocals(),
    ),
    flaws=(
        Flaw("lead_gtr_dominates", "Lead_Gtr", "gain", "suggestion", "+9 dB", kinds=("gain",),
             direction="cut", args={"gain_db": 9.0}),
        Flaw("vocal_low", "Lead_Vocal", "gain", "suggestion", "-6 dB", kinds=("gain",),
             direction="boost", args={"gain_db": -6.0}),
        Flaw("acoustic_rumble", "Acoustic_Gtr", "rumble", "suggestion",
             "sub-38 Hz noise at -14 dB re the guitar", kinds=("highpass",), direction="cut",
             args={"level_db": -14.0, "top_hz": 38.0}),
        Flaw("rhythm_covers_vocal", "Rhythm_Gtr", "presence", "suggestion",
             "+6 dB at 2.5 kHz (Q 0.8) and +2 dB", kinds=("unmask", "eq"), direction="cut",
             args={"freq_hz": 2500.0, "gain_db": 6.0, "level_db": 2.0}),
        Flaw("drums_clipped", "Drums", "hot_clip", "check",
             "a hot take: the drums clip 2 dB over full scale", check_id="clipping",
             args={"over_db": 2.0}),
        Flaw("organ_inverted", "Organ", "invert_right", "check", "right channel inverted",
             check_id="channel_polarity"),
        Flaw("tambourine_48k", "Tambourine", "rate", "check", "48 kHz in a 44.1 kHz session",
             check_id="sample_rate_mismatch", args={"sample_rate": 48000}),
        Flaw("shaker_nan", "Shaker", "nan_burst", "check", "64 NaN samples (32-bit float)",
             check_id="nan_samples", args={"at_s": 12.0, "count": 64}, file="Shaker.wav"),
    ),
    lyrics={
        "verse": ("down", "the", "dust", "road", "where", "the", "old", "trees", "grow", "I",
                  "walk", "alone"),
        "chorus": ("ride", "on", "ride", "on", "far", "from", "home", "I", "will", "go"),
    },
)
# fmt: on

SONGS: tuple[SongSpec, ...] = (HARBOUR, NEON, SLOW_BURN, DUST_ROAD)


def song(slug: str) -> SongSpec:
    """The song called ``slug``."""
    for spec in SONGS:
        if spec.slug == slug:
            return spec
    raise KeyError(f"no song {slug!r}; songs: {', '.join(s.slug for s in SONGS)}")
