"""What the parts of the review screen share: its state, and the calls one part makes to another.

``ReviewScreen`` is assembled from parts (the review view, decisions, listening, the live model,
references), each a mixin over ``ReviewParts``. What the screen shows is reactive: the selected
suggestion, the filter, the grouping, what A/B compares, the muted and soloed stems and whether
the queue is being derived again; each part's watchers redraw what depends on it. The handles the
loading screen hands over (the analysis, the review, the live model) are typed attributes. The
calls between parts are declared here for the type checker; the part that owns each one defines
it. The app around the screen keeps the player (``AppShell``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.dom import DOMNode
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget

from mixreview.analysis.analyze import Analysis
from mixreview.analysis.apply import Change
from mixreview.analysis.review import Review
from mixreview.analysis.session import Stem
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState, Solved
from mixreview.analysis.suggest.model import Suggestion
from mixreview.tui.audition import Audition
from mixreview.tui.widgets.frames import PromptScreen
from mixreview.tui.widgets.labels import GROUP_MODES
from mixreview.tui.widgets.meter_rate import MeterClock
from mixreview.tui.widgets.meters import StemSeries
from mixreview.tui.widgets.queue import Item


class AppShell(Protocol):
    """What the screens use of the app around them: the player, the user's keys, and whether
    the app is closing."""

    audition: Audition
    user_keymap: dict[str, str]
    quitting: bool


def shell_of(node: DOMNode) -> AppShell:
    """The app a screen runs in, as the screens see it."""
    return cast(AppShell, node.app)


class ReviewParts(PromptScreen):
    """The review screen's state and the hooks between its parts."""

    # What the screen shows; watchers redraw it and save it (``tui.review_view``,
    # ``tui.listening``, ``tui.live``). ``selected`` is the selected item's id (None: the queue
    # shows nothing); setting it again re-runs its watcher (the stems cursor follows again).
    selected: var[str | None] = var(None, init=False, always_update=True)
    group_mode: var[str] = var(GROUP_MODES[0], init=False)
    filter_text: var[str] = var("", init=False)
    compare: var[str] = var("suggestion", init=False)
    muted: var[frozenset[str]] = var(frozenset(), init=False)
    soloed: var[frozenset[str]] = var(frozenset(), init=False)
    recomputing: var[bool] = var(False, init=False)

    # What the loading screen handed over, and what follows from it.
    analysis: Analysis | None = None
    review: Review | None = None
    live_model: LiveModel | None = None
    band_features: Features | None = None
    ready: bool = False
    suggestions: list[Suggestion]
    all_suggestions: list[Suggestion]
    by_id: dict[str, Suggestion]
    solved: dict[str, Solved]
    items: list[Item]
    names: dict[str, str]
    series: dict[str, StemSeries]
    reference_aspects: set[str]
    meter_clock: MeterClock
    meters_enabled: bool
    last_versions: tuple[list[Change], list[Change], str, str] | None = None
    asked_unheard: bool = False  # the export asked once about changes never heard
    # Where the user is, as the panels last reported it (what ``save_ui`` writes): the last
    # item selected (kept while a filter shows none), the stem, the focused panel.
    selected_id: str | None = None
    selected_stem: str | None = None
    focus_name: str = "suggestions"
    _ui_timer: Timer | None = None
    _versions_timer: Timer | None = None
    _holds: dict[str, tuple[float, float]]

    def __init__(self, *, meters: bool = True) -> None:
        super().__init__()
        self.meters_enabled = meters
        self.meter_clock = MeterClock.from_environment()
        self.suggestions, self.all_suggestions, self.items = [], [], []
        self.by_id, self.solved, self.names, self.series = {}, {}, {}, {}
        self._holds = {}
        self._init_listening()
        self._init_references()

    @property
    def shell(self) -> AppShell:
        """The app around the screen."""
        return shell_of(self)

    @property
    def audition(self) -> Audition:
        """The app's player (a stand-in saying why while there is none)."""
        return self.shell.audition

    @property
    def live(self) -> bool:
        """Loaded and still attached (timers may fire while the app closes)."""
        return self.ready and self.is_attached

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

        def _init_listening(self) -> None: ...

        def _init_references(self) -> None: ...

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

        def update_queue_border(self) -> None: ...

        def compare_words(self) -> dict[str, str]: ...

        def set_compare(self, compare: str) -> None: ...

        def seek_to(self, position_s: float) -> None: ...

        def rederive(self) -> None: ...

        def reference_compares(self) -> list[tuple[str, str]]: ...

        def start_live(self, model: LiveModel, state: LiveState) -> None: ...

        def use_analysis(self, analysis: Analysis, suggestions: list[Suggestion]) -> None: ...

        def tick(self, force: bool = False) -> None: ...

        def reference_for(self, compare_id: str) -> tuple[str, Stem] | None: ...

        def account_listening(self) -> None: ...

        def flush_listening(self) -> None: ...

        def refresh_transport(self) -> None: ...

        def _need_item(self) -> Item | None: ...

        def _changed(self, advance: bool = False, select: str | None = None) -> None: ...
