"""Sample formats in words: what a stem's subtype (libsndfile's name for it) means for a mix.

``describe_subtype("PCM_U8")`` is "8-bit", ``"ULAW"`` is "8-bit µ-law": never "u8-bit" or
"ulaw-bit". ``resolution_note`` says what a low-resolution or lossy stem costs the mix.
"""

from __future__ import annotations

# subtype -> (words, dynamic range in dB of plain PCM at that depth, or None for an encoding)
SUBTYPES: dict[str, tuple[str, int | None]] = {
    "PCM_S8": ("8-bit", 48),
    "PCM_U8": ("8-bit", 48),
    "PCM_16": ("16-bit", 96),
    "PCM_24": ("24-bit", 144),
    "PCM_32": ("32-bit", 192),
    "FLOAT": ("32-bit float", None),
    "DOUBLE": ("64-bit float", None),
    "ULAW": ("8-bit µ-law", None),
    "ALAW": ("8-bit A-law", None),
    "IMA_ADPCM": ("4-bit IMA ADPCM", None),
    "MS_ADPCM": ("4-bit Microsoft ADPCM", None),
    "GSM610": ("GSM 6.10", None),
    "DWVW_12": ("12-bit DWVW", 72),
    "DWVW_16": ("16-bit DWVW", 96),
    "DWVW_24": ("24-bit DWVW", 144),
    "G721_32": ("4-bit G.721 ADPCM", None),
    "G723_24": ("3-bit G.723 ADPCM", None),
    "G723_40": ("5-bit G.723 ADPCM", None),
    "VORBIS": ("Ogg Vorbis", None),
    "OPUS": ("Opus", None),
    "MPEG_LAYER_I": ("MPEG layer I", None),
    "MPEG_LAYER_II": ("MPEG layer II", None),
    "MPEG_LAYER_III": ("MP3", None),
}


def subtype_words(subtype: str) -> str:
    """The sample format in words ("16-bit", "8-bit µ-law"); unknown ones as they are named."""
    return SUBTYPES.get(subtype, (subtype.replace("_", " "), None))[0]


def describe_subtype(subtype: str) -> str:
    """Words and the libsndfile name: "8-bit µ-law (ULAW)"."""
    return f"{subtype_words(subtype)} ({subtype})"


def resolution_note(subtype: str) -> str:
    """What a stem stored this way brings into the mix, in one sentence."""
    words, range_db = SUBTYPES.get(subtype, (subtype, None))
    if range_db is not None:
        return (
            f"{words} stems keep about {range_db} dB of range and carry their own dither noise "
            "into every later gain change."
        )
    return (
        f"{words} is a lossy or low-resolution encoding: its noise and artefacts come up with "
        "every later gain change and EQ."
    )
