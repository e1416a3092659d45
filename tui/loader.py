"""Loading a session for the app: measure it, open its review, start the player and the live model.

``load`` runs in the loading screen's thread worker (``tui.screens.loading``) and returns
``Loaded``: the review screen's data (``SessionData``) and the player, which the app keeps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from mixreview.analysis.analyze import Analysis, finish_analysis, plan_analysis, run_plan
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.review import Review, review_path
from mixreview.analysis.session import Session, load_session
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.tasks import default_workers, start_forkserver
from mixreview.tui.audition import Audition
from mixreview.tui.audition_start import start_audition
from mixreview.tui.live import new_model

PLAYER_WAIT_S = 2.0  # how long a failed opening waits for the player it started, to close it

Progress = Callable[[int, int, str], None]


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
    starting: Future[Audition] | None = None,
) -> Loaded:
    """Measure the session (``progress`` after each step), open its review, start the player
    (or take the one ``starting``)."""
    loaded = _load(session_path, workers, audition_factory, progress, starting, cached_only=False)
    assert loaded is not None
    return loaded


def load_cached(
    session: Session | Path,
    audition_factory: Callable[[Session], Audition],
    starting: Future[Audition] | None = None,
) -> Loaded | None:
    """The session opened at once, before the app starts, when the cache holds every
    measurement: there is nothing to show progress of, and the app opens on the review.
    None when something must be measured first, or opening fails: the loading screen then
    measures, or says why the session cannot be opened. ``starting``: the player already
    starting, which the loading screen then takes over."""
    try:
        return _load(session, 1, audition_factory, None, starting, cached_only=True)
    except Exception:  # said by the loading screen, which opens the session again
        return None


def _load(
    source: Session | Path,
    workers: int | None,
    audition_factory: Callable[[Session], Audition],
    progress: Progress | None,
    starting: Future[Audition] | None,
    *,
    cached_only: bool,
) -> Loaded | None:
    session = source if isinstance(source, Session) else load_session(source)
    plan = plan_analysis(session)
    if cached_only and plan.tasks:
        return None
    # A player started before (the launcher's) is left to the loading screen when opening
    # from the cache fails; any other is closed with the failure.
    hand_back = cached_only and starting is not None
    if starting is None:  # the player starts meanwhile (tui.audition_start)
        starting = start_audition(audition_factory, session)
    try:
        results = run_plan(plan, workers or default_workers(), progress)
        analysis = finish_analysis(plan, results)
        data = session_data(analysis)
    except BaseException:
        if not hand_back:
            with contextlib.suppress(Exception):  # a player that hangs while it starts is left
                starting.result(timeout=PLAYER_WAIT_S).close()
        raise
    audition = starting.result()
    audition.use_estimator(MatchEstimator.of(analysis))
    return Loaded(data, audition)


def session_data(analysis: Analysis) -> SessionData:
    """The review screen's data for a measured session: its features, its review, the model."""
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
    model, state = new_model(analysis, review)
    return SessionData(analysis, list(state.suggestions), features, review, model, state)
