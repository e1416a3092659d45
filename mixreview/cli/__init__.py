"""The ``mixreview`` command: the review app, or the engine headless (analyze, render)."""

from mixreview.cli.main import main

__all__ = ["main"]
