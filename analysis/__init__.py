"""mixreview's engine: sessions, measurements, checks, suggestions, review and render.

Pure Python + numpy/scipy/soundfile. Never imports textual or sounddevice.
"""

__version__ = "0.1.0"
