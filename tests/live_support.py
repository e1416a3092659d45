"""The flawed demo session, measured once per module, and a review of it: for the live-model
tests (``pytest_plugins = ("tests.live_support",)``). It holds no assertion to rewrite:
PYTEST_DONT_REWRITE"""

from __future__ import annotations

from pathlib import Path

import pytest

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.review import Review
from tools.make_flawed_session import make_flawed_session

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    folder = tmp_path_factory.mktemp("flawed") / "song"
    make_flawed_session(DEMO, folder)
    return analyze(folder, workers=2, use_cache=False)


def open_review(tmp_path: Path, analysis: Analysis) -> Review:
    """A new review of ``analysis``'s session in ``tmp_path``."""
    session = analysis.session
    return Review.open(tmp_path / "review.json", session.path, [s.file for s in session.stems])
