"""Loading a session for the app: measure it, open its review, start the player and the live model.

``load`` runs in the loading screen's thread worker (``tui.screens.loading``) and returns
``Loaded``: the review screen's data (``SessionData``) and the player, which the app keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.review import Review, review_path
from mixreview.analysis.session import Session
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.tasks import start_forkserver
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.live import new_model

NO_PLAYER = "audio player not available"

Progress = Callable[[int, int, str], None]


def default_audition(session: Session) -> Audition:
    """The real player when ``tui.player`` is there and starts; else NoAudio saying why."""
    try:
        from mixreview.tui.player import make_audition
    except ImportError:
        return NoAudio(NO_PLAYER, session.duration_s)
    try:
        return make_audition(session)
    except Exception as exc:  # the player's failure must not stop the review
        return NoAudio(f"audio player failed to start ({exc})", session.duration_s)


def prepare_processes() -> None:
    """Start the measuring processes' fork server while the real stderr is in place.

    The analysis measures stems in worker processes. From the app's worker thread they start
    from a fork server (forking a threaded process is unsafe), and starting that server needs
    the real stderr, which Textual replaces while it runs.
    """
    start_forkserver()


@dataclass
class SessionData:
    """What the review screen is handed: the analysis, its review and the live model's queue."""

    analysis: Analysis
    suggestions: list[Suggestion]
    features: Features | None
    review: Review
    model: LiveModel
    state: LiveState


@dataclass
class Loaded:
    """What the loading screen returns: the review screen's data and the app's player."""

    data: SessionData
    audition: Audition


class AnalysisCancelled(Exception):
    """Raised from the analysis' progress callback when the app closes while loading."""


def load(
    session_path: Path,
    *,
    workers: int | None,
    audition_factory: Callable[[Session], Audition],
    progress: Progress,
) -> Loaded:
    """Measure the session (``progress`` after each step), open its review, start the player."""
    analysis = analyze(session_path, workers=workers, progress=progress)
    try:
        features: Features | None = Features.build(analysis)
        assert features is not None
        for stem in features.stems.values():
            _ = stem.spectrum_db  # computed here, not on the UI thread when first shown
    except (ValueError, KeyError):
        features = None
    session = analysis.session
    review = Review.open(
        review_path(state_dir(session.path)), session.path, [s.file for s in session.stems]
    )
    audition = audition_factory(session)
    audition.use_estimator(MatchEstimator.of(analysis))
    model, state = new_model(analysis, review)
    data = SessionData(analysis, list(state.suggestions), features, review, model, state)
    return Loaded(data, audition)
