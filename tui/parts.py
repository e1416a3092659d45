"""What the parts of the review app share: its state, and the calls one part makes to another.

``MixReviewApp`` is assembled from parts (loading, the review view, decisions, listening, the
live model, references), each a mixin over ``AppParts``. The state lives here as typed attributes;
what the review screen shows (grouping, filter, A/B comparison) is reactive, and each part's
watchers redraw what depends on it. The calls between parts are declared here for the type
checker; the part that owns each one defines it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.apply import Change
from mixreview.analysis.review import Review
from mixreview.analysis.session import Session, Stem
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.model import Suggestion
from mixreview.tui.audition import Audition
from mixreview.tui.widgets.labels import GROUP_MODES
from mixreview.tui.widgets.meter_rate import MeterClock
from mixreview.tui.widgets.meters import StemSeries
from mixreview.tui.widgets.queue import Item

if TYPE_CHECKING:
    from mixreview.tui.screens.loading import LoadingScreen
    from mixreview.tui.screens.review import ReviewScreen


class AppParts(App[int]):
    """The review app's shared state and the hooks between its parts."""

    # What the review screen shows; watchers redraw and save it (``tui.review_view``,
    # ``tui.listening``).
    group_mode: var[str] = var(GROUP_MODES[0], init=False)
    filter_text: var[str] = var("", init=False)
    compare: var[str] = var("suggestion", init=False)

    session_path: Path
    audition_factory: Callable[[Session], Audition]
    workers_count: int | None
    loading: LoadingScreen
    main: ReviewScreen
    analysis: Analysis | None
    suggestions: list[Suggestion]
    all_suggestions: list[Suggestion]
    by_id: dict[str, Suggestion]
    band_features: Features | None
    review: Review | None
    audition: Audition
    items: list[Item]
    names: dict[str, str]
    series: dict[str, StemSeries]
    muted: set[str]
    soloed: set[str]
    ready: bool
    load_error: str | None
    quitting: bool
    recomputing: bool
    meter_clock: MeterClock
    meters_enabled: bool
    last_versions: tuple[list[Change], list[Change], str, str] | None
    selected_id: str | None
    selected_stem: str | None
    focus_name: str
    reference_aspects: set[str]
    _ui_timer: Timer | None
    _versions_timer: Timer | None
    _holds: dict[str, tuple[float, float]]

    @property
    def live(self) -> bool:
        """Loaded and the review screen still there (timers may fire while the app closes)."""
        return self.ready and self.main.is_attached

    @staticmethod
    def set_border(widget: Widget, title: str | None = None, subtitle: str | None = None) -> None:
        """Border texts, touched only when they change (each change repaints the widget)."""
        if title is not None and widget.border_title != title:
            widget.border_title = title
        if subtitle is not None and widget.border_subtitle != subtitle:
            widget.border_subtitle = subtitle

    # The hooks between the parts: each is defined by the part that owns it; declared here for
    # the type checker only, so a missing one is an AttributeError, not a silent stub.
    if TYPE_CHECKING:

        def refresh_review(self, select: str | None = None, detail: bool = True) -> None: ...

        def show_detail(self) -> None: ...

        def update_stems(self) -> None: ...

        def schedule_ui_save(self) -> None: ...

        def save_ui(self) -> None: ...

        def current_item(self) -> Item | None: ...

        def current_stem(self) -> str | None: ...

        def checks_of_session(self) -> list[tuple[str, Any]]: ...

        def apply_versions(self) -> None: ...

        def schedule_versions(self) -> None: ...

        def update_transport(self) -> None: ...

        def compare_words(self) -> dict[str, str]: ...

        def seek_to(self, position_s: float) -> None: ...

        def rederive(self) -> None: ...

        def reference_compares(self) -> list[tuple[str, str]]: ...

        def start_live(self, model: LiveModel, state: LiveState) -> None: ...

        def new_model(
            self, analysis: Analysis, review: Review | None
        ) -> tuple[LiveModel, LiveState]: ...

        def tick(self, force: bool = False) -> None: ...

        def reference_for(self, compare_id: str) -> tuple[str, Stem] | None: ...

        def account_listening(self) -> None: ...

        def flush_listening(self) -> None: ...

        def refresh_transport(self) -> None: ...
