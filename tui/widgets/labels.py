"""Words the panels share: kinds, roles, statuses, stem names."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.numbers import percent

KIND_LABELS = {
    "gain": "gain",
    "headroom": "headroom",
    "section_gain": "section gain",
    "eq": "EQ",
    "unmask": "unmask",
    "highpass": "high-pass",
    "lowpass": "low-pass",
    "compressor": "compressor",
    "width": "width",
    "mono_bass": "mono bass",
    "polarity": "polarity",
    "pan": "pan",
}

ROLE_SHORT = {
    "kick": "kick",
    "snare": "snare",
    "drums": "drums",
    "hats": "hats",
    "bass": "bass",
    "lead_vocal": "vox",
    "backing_vocal": "bvox",
    "guitar": "gtr",
    "keys": "keys",
    "synth": "synth",
    "pad": "pad",
    "fx": "fx",
    "unknown": "?",
}

# status -> (glyph, short word, long word). Glyphs and words carry the meaning without colour.
STATUS_TEXT = {
    "pending": ("·", "new", "pending"),
    "accepted": ("✓", "yes", "accepted"),
    "rejected": ("✗", "no", "rejected"),
    "adjusted": ("~", "adj", "adjusted"),
    "manual": ("+", "mine", "manual"),
    "manual_off": ("✗", "off", "manual, off"),
}

# Text styles of the statuses (theme variables; the tcss uses the same colours for the list).
STATUS_STYLE = {
    "pending": "$foreground 70%",
    "accepted": "$success",
    "rejected": "$error",
    "adjusted": "$warning",
    "manual": "$accent",
    "manual_off": "$foreground 50%",
}

SEVERITY_SHORT = {"high": "H", "medium": "M", "low": "L", "manual": "+"}
SEVERITY_WORD = {"high": "high", "medium": "med", "low": "low", "manual": "mine"}
GROUP_MODES = ("importance", "stem", "kind", "section")


def failure_text(error: BaseException | None) -> str:
    """A worker's failure as one message: the engine's own words, else the exception's type."""
    if isinstance(error, MixreviewError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def status_text(status: str, amount: float, wide: bool, unheard: bool = False) -> str:
    """'✓ yes', '~ 50%', '✗ rejected', '~ adjusted 75%'; decided without hearing its A/B:
    '✓? accepted', '✓?yes'."""
    glyph, short, long = STATUS_TEXT.get(status, ("?", status[:3], status))
    partial = amount < 0.999 and status in ("adjusted", "manual")
    mark = "?" if unheard and status != "pending" else ""
    if wide:
        return f"{glyph}{mark} {long}" + (f" {percent(amount)}" if partial else "")
    return f"{glyph}{mark or ' '}{percent(amount) if partial else short}"


def truncate(text: str, width: int) -> str:
    """Cut to ``width`` cells with an ellipsis, padded to exactly ``width``."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)
