"""Loading a session for the app: measure it, open its review, start the player and the live model.

``load`` runs in the loading screen's thread worker (``tui.screens.loading``) and returns
``Loaded``: the review screen's data (``SessionData``) and the player, which the app keeps.
"""

from __future__ import annotations

import contextlib
import threading
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
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.live import new_model

NO_PLAYER = "audio player not available"
PLAYER_WAIT_S = 2.0  # how long a failed opening waits for the player it started, to close it

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
    loaded = _load(session_path, workers, audition_factory, progress, cached_only=False)
    assert loaded is not None
    return loaded


def load_cached(
    session: Session | Path, audition_factory: Callable[[Session], Audition]
) -> Loaded | None:
    """The session opened at once, before the app starts, when the cache holds every
    measurement: there is nothing to show progress of, and the app opens on the review.
    None when something must be measured first, or opening fails: the loading screen then
    measures, or says why the session cannot be opened."""
    try:
        return _load(session, 1, audition_factory, None, cached_only=True)
    except Exception:  # said by the loading screen, which opens the session again
        return None


def _load(
    source: Session | Path,
    workers: int | None,
    audition_factory: Callable[[Session], Audition],
    progress: Progress | None,
    *,
    cached_only: bool,
) -> Loaded | None:
    session = source if isinstance(source, Session) else load_session(source)
    plan = plan_analysis(session)
    if cached_only and plan.tasks:
        return None
    # The player starts meanwhile: most of its start is the audio library probing devices,
    # which leaves the interpreter free for the rest.
    starting = start_audition(audition_factory, session)
    try:
        results = run_plan(plan, workers or default_workers(), progress)
        analysis = finish_analysis(plan, results)
        data = session_data(analysis)
    except BaseException:
        with contextlib.suppress(Exception):  # a player that hangs while it starts is left
            starting.result(timeout=PLAYER_WAIT_S).close()
        raise
    audition = starting.result()
    audition.use_estimator(MatchEstimator.of(analysis))
    return Loaded(data, audition)


def start_audition(factory: Callable[[Session], Audition], session: Session) -> Future[Audition]:
    """``factory(session)`` in a thread of its own (a daemon: a player that hangs while it
    starts does not keep the process alive once the user gives up)."""
    future: Future[Audition] = Future()

    def run() -> None:
        try:
            future.set_result(factory(session))
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="audition-start", daemon=True).start()
    return future


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
