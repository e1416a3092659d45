"""Option values checked before any work starts: a typo is a usage error naming what is valid."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from mixreview.analysis.checks import CHECK_IDS, SEVERITIES
from mixreview.analysis.render_plan import VERSIONS
from mixreview.analysis.suggest.model import KINDS, SEVERITY_ORDER
from mixreview.analysis.suggest.reference import ASPECTS

FAIL_ON_SEVERITIES = SEVERITIES
SUGGESTION_SEVERITIES = tuple(f"suggestion:{s}" for s in SEVERITY_ORDER)


def _items(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def fail_on(text: str) -> frozenset[str]:
    """``--fail-on``: check ids, suggestion kinds, ``error``/``warning``, ``suggestion:high``..."""
    valid = {*CHECK_IDS, *KINDS, *FAIL_ON_SEVERITIES, *SUGGESTION_SEVERITIES}
    items = _items(text)
    unknown = [item for item in items if item not in valid]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {', '.join(unknown)}; valid: the severities {', '.join(FAIL_ON_SEVERITIES)}"
            f", {', '.join(SUGGESTION_SEVERITIES)}; the check ids {', '.join(CHECK_IDS)}; "
            f"the suggestion kinds {', '.join(KINDS)}"
        )
    if not items:
        raise argparse.ArgumentTypeError("give at least one check id, kind or severity")
    return frozenset(items)


def _one_or_more_of(text: str, valid: tuple[str, ...], what: str) -> list[str]:
    """Comma-separated items, each one of ``valid``; a usage error naming them otherwise."""
    items = _items(text)
    unknown = [item for item in items if item not in valid]
    if unknown or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(valid)} (comma-separated)"
        )
    return items


def aspects(text: str) -> frozenset[str]:
    """``--aspects``: which reference aspects to follow."""
    return frozenset(_one_or_more_of(text, ASPECTS, "aspect"))


def versions(text: str) -> tuple[str, ...]:
    """``--versions``: the mixes to write, in canonical order."""
    items = _one_or_more_of(text, VERSIONS, "version")
    return tuple(v for v in VERSIONS if v in items)


def workers(text: str) -> int:
    """``--workers``: a whole number of processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} processes: give 1 or more")
    return value


def reference(text: str) -> str:
    """``--reference FILE[:WEIGHT]``: an existing audio file, and a weight > 0 if one is given.

    A path that exists as written is taken whole (even with a colon in it); otherwise what
    follows the last colon must be the weight. Returns ``FILE:WEIGHT`` for the engine."""
    path = Path(text).expanduser()
    weight = 1.0
    if not path.exists():
        head, sep, tail = text.rpartition(":")
        if sep and head:
            try:
                weight = float(tail)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{text}: no such file, and {tail!r} is not a weight (FILE or FILE:WEIGHT, "
                    "WEIGHT a number > 0)"
                ) from None
            path = Path(head).expanduser()
    if not math.isfinite(weight) or weight <= 0:
        raise argparse.ArgumentTypeError(f"{text}: the weight must be a number > 0")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise argparse.ArgumentTypeError(f"{path} {what}: give an audio file (WAV, FLAC, AIFF)")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{path} cannot be read: check its permissions")
    return f"{path}:{weight:g}"
