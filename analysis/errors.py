"""Errors the engine raises for the user to read: each message says what is wrong and what to do."""


class MixreviewError(Exception):
    """Base for errors shown to the user as a message, never as a traceback."""


class SessionError(MixreviewError):
    """The session folder cannot be used at all (missing, empty, unreadable)."""


class ManifestError(MixreviewError):
    """mixreview.toml cannot be read; the session still loads without it."""
