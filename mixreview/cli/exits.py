"""Exit statuses of the ``mixreview`` command."""

EXIT_OK = 0
EXIT_FINDINGS = 1  # analyze --fail-on found something
EXIT_USAGE = 2  # bad options, or a session that cannot be read: the message says why
EXIT_INTERRUPTED = 130
