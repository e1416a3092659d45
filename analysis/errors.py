"""Errors the engine raises for the user to read: each message says what is wrong and what to do."""


class MixreviewError(Exception):
    """Base for errors shown to the user as a message, never as a traceback.

    The message says what to do in words any client can show; ``cli_hint`` names the
    command-line options that do it (``Give it with --out DIR.``), which only the command line
    adds: the app asks in its own way."""

    def __init__(self, message: str = "", cli_hint: str = "") -> None:
        super().__init__(message)
        self.cli_hint = cli_hint


class SessionError(MixreviewError):
    """The session folder cannot be used at all (missing, empty, unreadable)."""


class ManifestError(MixreviewError):
    """mixreview.toml cannot be read; the session still loads without it."""
