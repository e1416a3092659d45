"""Exit statuses of the ``mixreview`` command, and the message that goes with an error."""

from __future__ import annotations

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.printable import printable

EXIT_OK = 0
EXIT_FINDINGS = 1  # analyze --fail-on found something
EXIT_USAGE = 2  # bad options, or a session that cannot be read: the message says why
EXIT_INTERRUPTED = 130


def error_text(exc: MixreviewError) -> str:
    """``mixreview: <what is wrong and what to do>``, with the options that do it, safe to
    print on a terminal whatever file names it quotes."""
    hint = f" {exc.cli_hint}" if getattr(exc, "cli_hint", "") else ""
    return printable(f"mixreview: {exc}{hint}")
