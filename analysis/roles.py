"""Stem roles and their inference from file names.

A role tells the assistant what a stem is for (a kick wants to be centred and forward, a pad sits
behind), so every rule that depends on the part reads it from here.
"""

from __future__ import annotations

import re

ROLES: tuple[str, ...] = (
    "kick",
    "snare",
    "drums",
    "hats",
    "bass",
    "lead_vocal",
    "backing_vocal",
    "guitar",
    "keys",
    "synth",
    "pad",
    "fx",
    "unknown",
)

ROLE_LABELS: dict[str, str] = {
    "kick": "Kick",
    "snare": "Snare",
    "drums": "Drums",
    "hats": "Hats/cymbals",
    "bass": "Bass",
    "lead_vocal": "Lead vocal",
    "backing_vocal": "Backing vocal",
    "guitar": "Guitar",
    "keys": "Keys",
    "synth": "Synth/lead",
    "pad": "Pad/strings",
    "fx": "FX",
    "unknown": "Unknown",
}

# Ordered: the first pattern that matches wins, so specific words come before general ones
# ("bass drum" is a kick, "backing vocal" before "vocal", "synth bass" is a bass).
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("kick", r"kick|kik|bd|bass ?drum|808 ?kick"),
    ("snare", r"snare|snr|sd|rim|clap"),
    ("hats", r"hats?|hh|hihat|hi hat|cymbals?|crash|ride|shaker|tamb\w*|overheads?|oh"),
    ("backing_vocal", r"bvs?|bgvs?|backing|backs|harmony|harmonies|choir|ad ?libs?|doubles?"),
    ("lead_vocal", r"lead ?vocals?|lead ?vox|vocals?|vox|voice|vocal|vo|singer|rap"),
    ("bass", r"bass|sub ?bass|808|low ?end|db|upright"),
    ("drums", r"drums?|kit|perc\w*|toms?|loop|break|beat|conga|bongo"),
    ("guitar", r"gtrs?|guitars?|acoustic|elec\w*|strat|tele|les ?paul|riff"),
    ("keys", r"keys|piano|pno|rhodes|wurli\w*|organ|epiano|ep|clav\w*|keyboard"),
    ("pad", r"pads?|strings?|str|choir ?pad|atmos\w*|ambien\w*|drone|texture|orch\w*"),
    ("synth", r"synths?|leads?|arp\w*|pluck|saw|lead ?synth|seq\w*|stab"),
    ("fx", r"fx|sfx|riser|sweep|impact|noise|whoosh|reverse|transition|uplifter|downlifter"),
)

_COMPILED = tuple((role, re.compile(rf"(?:^|\s)(?:{pat})(?:\s|$)")) for role, pat in _PATTERNS)

# Names DAWs give by default; they say nothing about the part.
_DEFAULT_NAME = re.compile(
    r"^(?:audio|track|trk|tr|untitled|new ?track|bounce|stem|mix|export|"
    r"inst(?:rument)?|channel|ch|bus|aux|output|render|file)\s*\d*$"
)


def _words(stem_name: str) -> str:
    """Lower-case the name and turn separators, digits and camel case into single spaces."""
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem_name)
    name = re.sub(r"[_\-.+()\[\]{}#,]+", " ", name.lower())
    name = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", name)
    return re.sub(r"\s+", " ", name).strip()


def infer_role(stem_name: str) -> str:
    """Guess a role from a file name without extension; ``unknown`` when nothing matches."""
    words = _words(stem_name)
    for role, pattern in _COMPILED:
        if pattern.search(words):
            return role
    return "unknown"


def is_default_name(stem_name: str) -> bool:
    """True for DAW default names ("Track_1", "Audio 03", "Untitled") and bare numbers."""
    if infer_role(stem_name) != "unknown":
        return False
    words = _words(stem_name)
    if re.fullmatch(r"[\d\s]*", words):
        return True
    return bool(_DEFAULT_NAME.match(words.replace(" ", "")) or _DEFAULT_NAME.match(words))
