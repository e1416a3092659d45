"""Text from outside (file names, manifest titles, review ids) made safe to show in a terminal.

A file name may hold an escape sequence or a newline: printed raw, it can recolour, move the
cursor, rewrite the user's screen or fake a line of the report. Every client prints such text
through ``shown`` (one line) or ``printable`` (a block whose own newlines are kept), which spell
control characters out the way Python writes them (``\\x1b``, ``\\n``, ``\\u202e``).
"""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates reorder what follows them on screen.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unsafe(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def shown(text: object) -> str:
    """``text`` on one line with every control character spelled out."""
    value = str(text)
    if value.isprintable() and not any(c in BIDI_CONTROLS for c in value):
        return value
    return "".join(_escape(c) if _unsafe(c) else c for c in value)


def printable(text: object) -> str:
    """``text`` with its line breaks kept and every other control character spelled out."""
    return "\n".join(shown(line) for line in str(text).split("\n"))
