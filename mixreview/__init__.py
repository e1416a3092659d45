"""mixreview: review a music mix session from the terminal.

The engine is ``mixreview.analysis`` (no Textual, no sounddevice), the review app is
``mixreview.tui``, and the ``mixreview`` command (``mixreview.cli``) is a thin client on both.
"""

__version__ = "0.2.0"
