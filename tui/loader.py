"""Loading a session in the app: measure in a thread worker, then hand the review screen its data.

The analysis runs off the UI thread and reports progress as messages that coalesce; when it is
done, ``AnalysisReady`` carries everything the review needs (``Loaded``) and the loading screen
gives way to the review screen, restored to where the user was.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from textual import work
from textual.message import Message

from mixreview.analysis.analyze import Analysis, analyze, task_label
from mixreview.analysis.review import Review, review_path
from mixreview.analysis.session import Session
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.reference import ASPECTS, follow_aspects
from mixreview.analysis.tasks import start_forkserver
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.parts import AppParts
from mixreview.tui.widgets.checks import ChecksPanel
from mixreview.tui.widgets.detail import DetailContext, DetailPanel
from mixreview.tui.widgets.frames import quiet_collector
from mixreview.tui.widgets.labels import GROUP_MODES
from mixreview.tui.widgets.meters import StemSeries
from mixreview.tui.widgets.stems import StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput
from mixreview.tui.widgets.transport import Transport

NO_PLAYER = "audio player not available"
TRANSPORT_REFRESH_S = 0.25


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
class Loaded:
    """What the analysis worker hands to the review screen."""

    analysis: Analysis
    suggestions: list[Suggestion]
    features: Features | None
    review: Review
    audition: Audition
    model: LiveModel
    state: LiveState


class AnalysisCancelled(Exception):
    """Raised from the analysis' progress callback when the app closes while loading."""


class AnalysisProgress(Message):
    """Measuring: ``done`` of ``total`` (a flood of these collapses to the latest)."""

    def __init__(self, done: int, total: int, label: str) -> None:
        super().__init__()
        self.done, self.total, self.label = done, total, label

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AnalysisProgress)


class AnalysisReady(Message):
    """The session is measured and its review opened."""

    def __init__(self, loaded: Loaded) -> None:
        super().__init__()
        self.loaded = loaded


class LoaderMixin(AppParts):
    """Measures the session, then fills the review screen (mixed into ``MixReviewApp``)."""

    pending: Loaded | None = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="analysis")
    def load(self) -> None:
        def progress(done: int, total: int, label: str) -> None:
            if self.quitting:  # stop measuring: the app is closing
                raise AnalysisCancelled("the app was closed while the session was measured")
            self.post_message(AnalysisProgress(done, total, label))

        analysis = analyze(self.session_path, workers=self.workers_count, progress=progress)
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
        audition = self.audition_factory(session)
        model, state = self.new_model(analysis, review)
        loaded = Loaded(analysis, list(state.suggestions), features, review, audition, model, state)
        self.post_message(AnalysisReady(loaded))

    def on_analysis_progress(self, message: AnalysisProgress) -> None:
        if self.screen is self.loading:
            self.loading.progress(message.done, message.total, task_label(message.label))

    def on_analysis_ready(self, message: AnalysisReady) -> None:
        """Take the data; the review screen replaces the loading screen once it is on top (a
        help screen opened while measuring is closed first)."""
        self.pending = message.loaded
        if self.screen is self.loading:
            self.show_review()

    def show_review(self) -> None:
        """Close the loading screen over the review screen, then fill it from what the worker
        loaded."""
        if self.pending is None or self.quitting or self.screen is not self.loading:
            return
        self.pop_screen()
        self.call_after_refresh(self.fill_review)

    def fill_review(self) -> None:
        loaded, self.pending = self.pending, None
        if loaded is None or self.quitting:
            return
        self.analysis = loaded.analysis
        ui = loaded.review.ui
        aspects = ui.get("aspects")
        if isinstance(aspects, list):
            self.reference_aspects = {a for a in aspects if a in ASPECTS}
        self.all_suggestions = loaded.suggestions
        self.start_live(loaded.model, loaded.state)
        self.suggestions = follow_aspects(loaded.suggestions, self.reference_aspects)
        self.by_id = {s.id: s for s in self.suggestions}
        self.band_features = loaded.features
        self.review = loaded.review
        self.audition = loaded.audition
        session = loaded.analysis.session
        self.names = {stem.file: stem.name for stem in session.stems}
        self.series = {r.stem.file: StemSeries(r.measurement) for r in loaded.analysis.stems}
        group = ui.get("group") or ""
        self.group_mode = group if group in GROUP_MODES else GROUP_MODES[0]
        self.filter_text = str(ui.get("filter", "") or "")
        compare = ui.get("compare") or ""
        self.compare = compare if compare in self.compare_words() else "suggestion"
        self.ready = True
        main = self.main
        detail = main.query_one(DetailPanel)
        detail.context = DetailContext(
            analysis=loaded.analysis,
            features=lambda: self.band_features,
            names=self.names,
            review=self.review,
            open_counts={},
        )
        checks = self.checks_of_session()
        checks_panel = main.query_one(ChecksPanel)
        checks_panel.set_checks(checks, self.names)
        checks_panel.border_title = f"4 Checks ({len(checks)})"
        main.query_one(Transport).sections = loaded.analysis.sections
        filter_input = main.query_one(FilterInput)
        filter_input.value = self.filter_text
        filter_input.set_class(bool(self.filter_text), "-shown")
        self.refresh_review(select=ui.get("selected"))
        if ui.get("stem"):
            main.query_one(StemsPanel).select_file(str(ui["stem"]))
        self.seek_to(float(ui.get("position_s", 0.0) or 0.0))
        focus = {"stems": "#stems", "detail": "#detail"}.get(ui.get("focus", ""), "#suggestions")
        main.query_one(focus).focus()
        self.show_detail()
        for text in self.review.messages:
            self.notify(text, title="review file", severity="warning", timeout=30)
        orphans = self.review.orphans(self.suggestions)
        if orphans:
            self.notify(
                f"{len(orphans)} earlier decisions are for suggestions this analysis no longer "
                "makes (the stems changed); they are kept in the review file.",
                severity="warning",
                timeout=15,
            )
        self.apply_versions()
        self.set_interval(TRANSPORT_REFRESH_S, self.refresh_transport, name="transport")
        if self.meters_enabled:
            self.meter_clock.start(self, self.tick)
        self.set_border(main.query_one("#stems-pane"), subtitle=self.meter_clock.subtitle)
        # What is loaded now lives as long as the app: keep the collector from walking it
        # again and again (full collections would otherwise stall keystrokes by 100 ms), and
        # let what each frame leaves behind die young.
        gc.collect()
        gc.freeze()
        quiet_collector()
