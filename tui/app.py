"""The review app: stems with meters, the suggestions queue, the detail page and the transport.

``run_app(path)`` is what ``mixreview [SESSION]`` calls; ``make_app(...)`` builds the app for the
CLI, the tests and the benchmark. The analysis runs in a thread worker that reports progress and
posts the result as a message; worker errors are handled in one place
(``on_worker_state_changed``) and shown as messages, never as tracebacks. Every decision goes
through ``analysis.review.Review``, which saves it atomically before returning.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import getpass
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from mixreview.analysis.analyze import Analysis, analyze, task_label
from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.export import default_export_folder
from mixreview.analysis.review import Review, review_path
from mixreview.analysis.session import Session, load_session
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.features import Features
from mixreview.analysis.suggest.live import LiveModel, LiveState
from mixreview.analysis.suggest.model import Suggestion
from mixreview.analysis.suggest.reference import ASPECTS, follow_aspects
from mixreview.analysis.timeline import format_time
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.keymap import (
    KEYS,
    bindings,
    clashes,
    config_path,
    display,
    effective,
    load_keymap,
)
from mixreview.tui.live import LiveMixin
from mixreview.tui.references import REFERENCE_COMPARE, ReferencesMixin
from mixreview.tui.screens.checks import ChecksScreen
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.screens.export import ExportScreen, find_export_session
from mixreview.tui.screens.help import HelpScreen
from mixreview.tui.screens.manual import ManualChange, ManualScreen
from mixreview.tui.screens.note import NoteScreen
from mixreview.tui.screens.palette import ReviewCommands
from mixreview.tui.widgets import queue as queue_mod
from mixreview.tui.widgets.checks import ChecksPanel
from mixreview.tui.widgets.cursor_list import CursorList
from mixreview.tui.widgets.detail import DetailContext, DetailPanel, worst_span
from mixreview.tui.widgets.frames import PromptScreen, quiet_collector
from mixreview.tui.widgets.labels import GROUP_MODES, kind_label
from mixreview.tui.widgets.loading import LoadingHint
from mixreview.tui.widgets.meter_rate import ENV_METER_HZ, MeterClock
from mixreview.tui.widgets.meter_rate import palette_commands as meter_commands
from mixreview.tui.widgets.meters import Reading, StemSeries
from mixreview.tui.widgets.params import nudge
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemRow, StemsHeader, StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList
from mixreview.tui.widgets.transport import Transport

NO_PLAYER = "audio player not available"
HOLD_S = 1.5
UI_SAVE_DELAY_S = 0.3
VERSIONS_DELAY_S = 0.08
AMOUNT_STEP = 0.25

# What A/B compares: (id, words for the transport).
COMPARES = (
    ("suggestion", "chosen mix without / with this change"),
    ("original_chosen", "original vs chosen mix"),
    ("chosen_assistant", "chosen vs assistant's mix"),
    ("original_assistant", "original vs assistant's mix"),
)
COMPARE_WORDS = dict(COMPARES)

# Colours from the xterm 256-colour cube: identical in truecolor and 256-colour terminals.
THEME = Theme(
    name="mixreview",
    primary="#5f87af",
    secondary="#8787af",
    accent="#5fafd7",
    warning="#d7af00",
    error="#d75f5f",
    success="#5faf5f",
    foreground="#d0d0d0",
    background="#1c1c1c",
    surface="#262626",
    panel="#303030",
    dark=True,
)

AuditionFactory = Callable[[Session], Audition]
T = TypeVar("T")


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
    the real stderr, which Textual replaces while it runs. Starting it first avoids that, and
    preloading the meters saves each worker the imports.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    try:
        from multiprocessing import forkserver, resource_tracker

        multiprocessing.set_forkserver_preload(["mixreview.analysis.measure"])
        resource_tracker.ensure_running()
        forkserver.ensure_running()
    except (OSError, ValueError, RuntimeError):
        pass  # the pool will say what is wrong, as a message, if it cannot start


@dataclass
class Loaded:
    """What the analysis worker hands to the UI."""

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
    def __init__(self, loaded: Loaded) -> None:
        super().__init__()
        self.loaded = loaded


class ClipsWritten(Message):
    """The A/B passage was written as two clips."""

    def __init__(
        self, a: Path, b: Path, folder: Path, span: tuple[float, float], command: str
    ) -> None:
        super().__init__()
        self.a, self.b, self.folder, self.span, self.command = a, b, folder, span, command


def guarded(method: Callable[..., T]) -> Callable[..., T | None]:
    """Run an action; a failure (a review that cannot be saved, a bad parameter) becomes a
    message in the UI instead of a traceback."""

    @functools.wraps(method)
    def wrapper(self: MixReviewApp, *args: Any, **kwargs: Any) -> T | None:
        try:
            return method(self, *args, **kwargs)
        except OSError as exc:
            self.notify(f"Could not save: {exc}", severity="error", timeout=10)
        except (MixreviewError, ValueError, KeyError, RuntimeError, TypeError) as exc:
            self.notify(str(exc) or type(exc).__name__, severity="error", timeout=8)
        return None

    return wrapper


class Pane(Vertical):
    """A bordered panel; ``z`` enlarges the one holding the focus."""

    ALLOW_MAXIMIZE = True


class ReviewScreen(PromptScreen):
    """The main screen: title, stems | (queue / detail), transport, footer."""

    BINDINGS = bindings("screen")

    def compose(self) -> ComposeResult:
        yield Static("mixreview", id="title")
        with Vertical(id="loading"), Vertical(id="loading-box"):
            yield Static("Opening the session ...", id="loading-label")
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")
            yield Static("", id="loading-error")
            yield LoadingHint(id="loading-hint")
        with Horizontal(id="main"):
            with Vertical(id="left-pane"):
                with Pane(id="stems-pane", classes="pane"):
                    header = StemsHeader("", id="stems-header")
                    yield header
                    yield StemsPanel(header, id="stems")
                yield ChecksPanel(id="checks")
            with Vertical(id="right-pane"):
                with Pane(id="queue-pane", classes="pane"):
                    yield FilterInput(placeholder="filter: words to match, Esc clears", id="filter")
                    yield SuggestionList(id="suggestions")
                yield DetailPanel(id="detail")
        yield Transport(id="transport")
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        self.query_one(LoadingHint).answer(event)  # while loading, with nothing focused

    def on_mount(self) -> None:
        self.query_one("#main").display = False
        self.query_one("#stems-pane").border_title = "1 Stems"
        self.query_one("#queue-pane").border_title = "2 Suggestions"
        for panel, title in (("#detail", "3 Detail"), ("#checks", "4 Checks")):
            widget = self.query_one(panel)
            widget.add_class("pane")
            widget.border_title = title


class MixReviewApp(LiveMixin, ReferencesMixin, App[int]):
    """Review every suggestion of a session from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "mixreview"
    BINDINGS: ClassVar = bindings("app")
    COMMANDS: ClassVar = {ReviewCommands}
    # textual declares it `ClassVar[...] | None`, which mypy reads as an instance variable
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (130, "-wide")]  # type: ignore[misc]

    def __init__(
        self,
        session_path: Path,
        *,
        audition_factory: AuditionFactory = default_audition,
        keymap_path: Path | None = None,
        workers: int | None = None,
        meters: bool = True,
    ) -> None:
        super().__init__()
        prepare_processes()
        self.main = ReviewScreen()
        self.session_path = Path(session_path)
        self.audition_factory = audition_factory
        self.keymap_file = keymap_path or config_path()
        self.user_keymap, self.keymap_problems = load_keymap(self.keymap_file)
        self.keymap_problems += clashes(self.user_keymap)
        self.workers_count = workers
        self.meters_enabled = meters
        self.register_theme(THEME)
        self.theme = THEME.name
        # state once loaded
        self.analysis: Analysis | None = None
        self.suggestions: list[Suggestion] = []
        self.by_id: dict[str, Suggestion] = {}
        self.band_features: Features | None = None
        self.review: Review | None = None
        self.audition: Audition = NoAudio("the session is still loading", 0.0)
        self.items: list[Item] = []
        self.names: dict[str, str] = {}
        self.series: dict[str, StemSeries] = {}
        self.group_mode = GROUP_MODES[0]
        self.filter_text = ""
        self.compare = COMPARES[0][0]
        self.muted: set[str] = set()
        self.soloed: set[str] = set()
        self.ready = False
        self.load_error: str | None = None
        self._position_drawn: float | None = None
        self._holds: dict[str, tuple[float, float]] = {}
        self._ui_timer: Timer | None = None
        self._versions_timer: Timer | None = None
        self.meter_clock = MeterClock.from_environment()
        self.last_versions: tuple[list[Change], list[Change], str, str] | None = None
        self.selected_id: str | None = None
        self.selected_stem: str | None = None
        self.focus_name = "suggestions"
        self._said_no_audio = False
        self.quitting = False
        self._init_references()
        self._init_live()

    # -- start ---------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return self.main

    @property
    def live(self) -> bool:
        """Loaded and the main screen still there (timers may fire while the app closes)."""
        return self.ready and self.main.is_attached

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        for problem in self.keymap_problems:
            self.notify(problem, title="keys.toml", severity="warning", timeout=10)
        if self.meter_clock.problem:
            problem = self.meter_clock.problem
            self.notify(problem, title=ENV_METER_HZ, severity="warning", timeout=10)
        self.load()

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
        name = task_label(message.label)
        self.main.query_one("#loading-label", Static).update(
            f"Measuring {name} ({message.done}/{message.total})"
        )
        self.main.query_one("#loading-bar", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures are turned into messages."""
        if event.state != WorkerState.ERROR or self.quitting:
            return
        error = event.worker.error
        if isinstance(error, MixreviewError):
            text = str(error)
        else:
            text = f"{type(error).__name__}: {error}"
        if event.worker.group == "live":
            self.recomputing = False  # the queue stays as it was; the message says why
        if event.worker.group == "analysis":
            self.load_error = text
            self.main.query_one("#loading-label", Static).update("Cannot open this session.")
            self.main.query_one("#loading-bar").display = False
            self.main.query_one("#loading-error", Static).update(f"{text}\n\nq quits.")
        title = {
            "analysis": "cannot open the session",
            "clips": "A/B clips",
            "live": "the suggestions could not be derived again",
        }.get(event.worker.group or "", "mixreview")
        self.notify(text, title=title, severity="error", timeout=15)

    def on_analysis_ready(self, message: AnalysisReady) -> None:
        loaded = message.loaded
        self.analysis = loaded.analysis
        ui = loaded.review.data.get("ui", {})
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
        ui = self.review.data.get("ui", {})
        self.group_mode = ui.get("group") if ui.get("group") in GROUP_MODES else GROUP_MODES[0]
        self.filter_text = str(ui.get("filter", "") or "")
        compare = ui.get("compare")
        self.compare = compare if compare in self.compare_words() else "suggestion"
        self.ready = True
        self.main.query_one("#loading").display = False
        self.main.query_one("#main").display = True
        detail = self.main.query_one(DetailPanel)
        detail.context = DetailContext(
            analysis=loaded.analysis,
            features=lambda: self.band_features,
            names=self.names,
            review=self.review,
            open_counts={},
        )
        checks = self.checks_of_session()
        checks_panel = self.main.query_one(ChecksPanel)
        checks_panel.set_checks(checks, self.names)
        checks_panel.border_title = f"4 Checks ({len(checks)})"
        transport = self.main.query_one(Transport)
        transport.sections = loaded.analysis.sections
        filter_input = self.main.query_one(FilterInput)
        filter_input.value = self.filter_text
        filter_input.set_class(bool(self.filter_text), "-shown")
        self.refresh_review(select=ui.get("selected"))
        stems = self.main.query_one(StemsPanel)
        if ui.get("stem"):
            stems.select_file(str(ui["stem"]))
        self.seek_to(float(ui.get("position_s", 0.0) or 0.0))
        focus = {"stems": "#stems", "detail": "#detail"}.get(ui.get("focus", ""), "#suggestions")
        self.main.query_one(focus).focus()
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
        if self.meters_enabled:
            self.meter_clock.start(self, self.tick)
        self.set_border(self.main.query_one("#stems-pane"), subtitle=self.meter_clock.subtitle)
        # What is loaded now lives as long as the app: keep the collector from walking it
        # again and again (full collections would otherwise stall keystrokes by 100 ms), and
        # let what each frame leaves behind die young.
        gc.collect()
        gc.freeze()
        quiet_collector()

    # -- drawing the review ----------------------------------------------------------------------
    def refresh_review(self, select: str | None = None, detail: bool = True) -> None:
        """Rebuild the queue, the stems' counts, the title and the detail from the review."""
        if not self.live or self.review is None or self.analysis is None:
            return
        self.items = queue_mod.items(self.suggestions, self.review)
        all_stems = len(self.analysis.session.mix_stems)
        queue = queue_mod.build(
            self.items, self.group_mode, self.filter_text, self.names,
            self.analysis.sections, all_stems,
        )  # fmt: skip
        suggestions = self.main.query_one(SuggestionList)
        keep = select or (suggestions.selected.id if suggestions.selected else None)
        suggestions.set_queue(queue, self.names, all_stems)
        suggestions.select(keep, announce=False)
        subtitle = f"by {self.group_mode} (o)"
        if self.recomputing:
            subtitle = "recomputing… · " + subtitle
        if self.filter_text:
            subtitle = f"filter “{self.filter_text}” · " + subtitle
        self.set_border(
            self.main.query_one("#queue-pane"),
            f"2 Suggestions {queue.shown}/{queue.total}",
            subtitle,
        )
        self.update_stems()
        self.update_title()
        if detail:
            self.show_detail()

    def open_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            if item.is_open and item.suggestion is not None:
                for file in item.stems:
                    counts[file] = counts.get(file, 0) + 1
        return counts

    def update_stems(self) -> None:
        if self.analysis is None:
            return
        counts = self.open_counts()
        rows = []
        for report in self.analysis.stems:
            stem = report.stem
            rows.append(
                StemRow(
                    file=stem.file,
                    name=stem.name,
                    role=stem.role,
                    mono=stem.channels != 2,
                    measured=report.measurement is not None,
                    check_severities=tuple(c.severity for c in report.checks),
                    open_count=counts.get(stem.file, 0),
                    muted=stem.file in self.muted,
                    soloed=stem.file in self.soloed,
                )
            )
        self.main.query_one(StemsPanel).set_rows(rows)
        detail = self.main.query_one(DetailPanel)
        if detail.context is not None:
            detail.context.open_counts = counts

    def update_title(self) -> None:
        if self.analysis is None:
            return
        session = self.analysis.session
        statuses = [i.status for i in self.items if i.suggestion is not None]
        decided = sum(1 for s in statuses if s != "pending")
        accepted = sum(1 for s in statuses if s in ("accepted", "adjusted"))
        checks = len(self.analysis.all_checks)
        tempo = session.manifest.tempo_bpm
        parts = [
            f"mixreview · {session.title}",
            f"{decided}/{len(statuses)} decided · {accepted} accepted",
            f"{checks} checks (!)",
            f"{len(session.stems)} stems · {format_time(session.duration_s)}"
            + (f" · {tempo:g} bpm" if tempo else ""),
        ]
        width = self.size.width - 2
        while len(parts) > 1 and len(" │ ".join(parts)) > width:
            parts.pop()
        self.set_text("#title", " │ ".join(parts))

    def set_text(self, selector: str, text: str) -> None:
        """Update a one-line Static only when its text changes, without a layout pass."""
        widget = self.main.query_one(selector, Static)
        if getattr(widget, "_shown_text", None) != text:
            widget._shown_text = text  # type: ignore[attr-defined]
            widget.update(text, layout=False)

    @staticmethod
    def set_border(widget: Widget, title: str | None = None, subtitle: str | None = None) -> None:
        """Border texts, touched only when they change (each change repaints the widget)."""
        if title is not None and widget.border_title != title:
            widget.border_title = title
        if subtitle is not None and widget.border_subtitle != subtitle:
            widget.border_subtitle = subtitle

    def on_resize(self) -> None:
        if self.live:
            self.update_title()
            self.update_transport()
        for footer in self.screen.query(Footer):
            footer.show_command_palette = self.size.width >= 100

    def show_detail(self) -> None:
        """The detail follows the focus: the stem from the stems panel, else the suggestion."""
        if not self.live:
            return
        detail = self.main.query_one(DetailPanel)
        stems = self.main.query_one(StemsPanel)
        if self.focused is stems and stems.selected is not None:
            detail.show("stem", stems.selected.file)
            self.set_border(detail, "3 Stem")
            return
        item = self.current_item()
        self.set_border(detail, "3 Detail")
        if item is not None:
            detail.show("item", item)
        elif self.items:
            detail.show("message", "No suggestion matches the filter. Esc in the filter clears it.")
        else:
            detail.show("message", "No suggestions: the assistant found nothing to change.")

    # -- selection -------------------------------------------------------------------------------
    def current_item(self) -> Item | None:
        return self.main.query_one(SuggestionList).selected if self.live else None

    def current_stem(self) -> str | None:
        if not self.live:
            return None
        row = self.main.query_one(StemsPanel).selected
        return row.file if row else None

    def on_suggestion_list_selected(self, message: SuggestionList.Selected) -> None:
        item = message.item
        if item is not None and len(item.stems) == 1:
            self.main.query_one(StemsPanel).select_file(item.stems[0])
        self.show_detail()
        self.schedule_versions()
        self.schedule_ui_save()

    def on_cursor_list_cursor_moved(self, message: CursorList.CursorMoved) -> None:
        if isinstance(message.cursor_list, StemsPanel):
            self.show_detail()
            self.schedule_ui_save()

    def on_descendant_focus(self, event: Any) -> None:
        self.show_detail()
        self.schedule_ui_save()

    def schedule_ui_save(self) -> None:
        """Selection, filter and grouping are saved shortly after they settle."""
        if not self.live:
            return
        self.track_selection()
        if self._ui_timer is not None:
            self._ui_timer.stop()
        self._ui_timer = self.set_timer(UI_SAVE_DELAY_S, self.save_ui)

    def ui_state(self) -> dict[str, Any]:
        """Where the user is, from what the panels last reported (safe after unmount)."""
        return {
            "selected": self.selected_id,
            "stem": self.selected_stem,
            "filter": self.filter_text,
            "group": self.group_mode,
            "compare": self.compare,
            "focus": self.focus_name,
            "position_s": round(self.audition.position_s, 2),
            "aspects": sorted(self.reference_aspects),
        }

    def track_selection(self) -> None:
        """Remember the selection and focus (what ``ui_state`` saves)."""
        if not self.live:
            return
        item = self.main.query_one(SuggestionList).selected
        self.selected_id = item.id if item else self.selected_id
        row = self.main.query_one(StemsPanel).selected
        self.selected_stem = row.file if row else None
        focused = self.focused
        if isinstance(focused, StemsPanel):
            self.focus_name = "stems"
        elif isinstance(focused, DetailPanel):
            self.focus_name = "detail"
        elif isinstance(focused, SuggestionList | FilterInput):
            self.focus_name = "suggestions"

    def save_ui(self) -> None:
        if self._ui_timer is not None:
            self._ui_timer.stop()
            self._ui_timer = None
        if self.review is None or not self.ready:
            return
        state = self.ui_state()
        if {k: self.review.data["ui"].get(k) for k in state} == state:
            return
        try:
            self.review.set_ui(**state)
        except OSError as exc:
            self.notify(f"Could not save where you are: {exc}", severity="warning")

    # -- review actions --------------------------------------------------------------------------
    def _need_item(self) -> Item | None:
        item = self.current_item()
        if item is None:
            self.notify("No suggestion selected.", timeout=3)
        return item

    def _changed(self, advance: bool = False, select: str | None = None) -> None:
        suggestions = self.main.query_one(SuggestionList)
        self.rederive()
        self.refresh_review(select=select, detail=False)
        if advance and suggestions._step(1) not in (None, suggestions.cursor):
            suggestions.action_cursor(1)  # the Selected message shows the next one
        else:
            self.show_detail()
        self.schedule_versions()

    @guarded
    def action_accept(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is not None:
            self.review.update_manual(item.id, enabled=True)
        else:
            assert item.suggestion is not None
            self.review.accept(item.suggestion)
        self._changed(advance=True)

    @guarded
    def action_reject(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is not None:
            self.review.update_manual(item.id, enabled=False)
        else:
            assert item.suggestion is not None
            self.review.reject(item.suggestion)
        self._changed(advance=True)

    def _undo_redo(self, undo: bool) -> None:
        if self.review is None:
            return
        before = {k: dict(v) for k, v in self.review.data["decisions"].items()}
        manual_before = [dict(m) for m in self.review.manual]
        done = self.review.undo() if undo else self.review.redo()
        if not done:
            self.notify("Nothing to undo." if undo else "Nothing to redo.", timeout=3)
            return
        after = self.review.data["decisions"]
        touched = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
        if not touched and manual_before != self.review.manual:
            ids = {m["id"] for m in manual_before} ^ {m["id"] for m in self.review.manual}
            touched = sorted(ids) or [m["id"] for m in self.review.manual]
        self._changed(select=touched[0] if touched else None)

    @guarded
    def action_undo(self) -> None:
        self._undo_redo(undo=True)

    @guarded
    def action_redo(self) -> None:
        self._undo_redo(undo=False)

    @guarded
    def action_amount(self, delta: float) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.status == "rejected":
            self.notify("This suggestion is rejected: accept it (a) to set an amount.", timeout=4)
            return
        amount = round(min(1.0, max(0.0, item.amount + delta)) / AMOUNT_STEP) * AMOUNT_STEP
        if item.manual is not None:
            self.review.update_manual(item.id, amount=amount)
        else:
            assert item.suggestion is not None
            self.review.set_amount(item.suggestion, amount)
        self._changed()

    @guarded
    def action_nudge(self, direction: int) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        result = nudge(item.kind, item.params, direction)
        if result.params is None:
            self.notify(result.message, timeout=4)
            return
        if item.manual is not None:
            self.review.update_manual(item.id, params=result.params)
        else:
            assert item.suggestion is not None
            self.review.set_params(item.suggestion, result.params)
        self._changed()

    def action_note(self) -> None:
        if not self.live or self.review is None:
            return
        review = self.review
        if isinstance(self.focused, StemsPanel):
            file = self.current_stem()
            if file is None:
                return
            text = review.data.get("stem_notes", {}).get(file, "")

            def save_stem(new: str | None) -> None:
                if new is not None and new != text:
                    self._save_note(lambda: review.set_stem_note(file, new))

            self.push_screen(NoteScreen(f"the stem {self.names.get(file, file)}", text), save_stem)
            return
        item = self._need_item()
        if item is None:
            return

        def save_item(new: str | None) -> None:
            if new is None or new == item.note:
                return
            if item.manual is not None:
                self._save_note(lambda: review.update_manual(item.id, note=new))
            else:
                assert item.suggestion is not None
                suggestion = item.suggestion
                self._save_note(lambda: review.set_note(suggestion, new))

        about = (
            f"{kind_label(item.kind)} on {', '.join(self.names.get(f, f) for f in item.stems[:2])}"
        )
        self.push_screen(NoteScreen(about, item.note), save_item)

    @guarded
    def _save_note(self, write: Callable[[], None]) -> None:
        write()
        self._changed()

    def action_manual(self) -> None:
        file = self.current_stem()
        if file is None or self.analysis is None:
            return

        def add(change: ManualChange | None) -> None:
            if change is not None:
                self._add_manual(file, change)

        self.push_screen(ManualScreen(self.names.get(file, file), self.analysis.sections), add)

    @guarded
    def _add_manual(self, file: str, change: ManualChange) -> None:
        assert self.review is not None
        manual_id = self.review.add_manual(
            change.kind, file, change.params, change.section_span_s, change.note
        )
        self._changed(select=manual_id)

    def action_remove(self) -> None:
        item = self._need_item()
        if item is None or self.review is None:
            return
        if item.manual is None:
            self.notify("Only your own changes can be removed; reject (r) a suggestion.", timeout=4)
            return
        question = (
            f"Remove your {kind_label(item.kind)} ({item.params_text})? Undo (u) brings it back."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove_manual(item.id)

        self.push_screen(ConfirmScreen(question, "Remove", "Keep"), answered)

    @guarded
    def _remove_manual(self, manual_id: str) -> None:
        assert self.review is not None
        self.review.remove_manual(manual_id)
        self._changed()

    # -- the queue -------------------------------------------------------------------------------
    def action_filter(self) -> None:
        if not self.live:
            return
        filter_input = self.main.query_one(FilterInput)
        filter_input.add_class("-shown")
        filter_input.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput) and event.value != self.filter_text:
            self.filter_text = event.value
            self.refresh_review()
            self.schedule_ui_save()

    def on_filter_input_done(self, event: FilterInput.Done) -> None:
        filter_input = self.main.query_one(FilterInput)
        if event.cleared or not filter_input.value:
            filter_input.remove_class("-shown")
        self.main.query_one(SuggestionList).focus()

    def action_group(self) -> None:
        index = GROUP_MODES.index(self.group_mode)
        self.group_mode = GROUP_MODES[(index + 1) % len(GROUP_MODES)]
        self.refresh_review()
        self.schedule_ui_save()

    def action_set_group(self, mode: str) -> None:
        if mode in GROUP_MODES:
            self.group_mode = mode
            self.refresh_review()
            self.schedule_ui_save()

    def checks_of_session(self) -> list[tuple[str, Any]]:
        """(stem file or '' for the session, check) for every check."""
        if self.analysis is None:
            return []
        checks = [("", c) for c in self.analysis.session_checks]
        checks += [(r.stem.file, c) for r in self.analysis.stems for c in r.checks]
        return checks

    def action_checks(self) -> None:
        if self.analysis is not None:
            self.push_screen(ChecksScreen(self.checks_of_session(), self.names))

    # -- listening -------------------------------------------------------------------------------
    def _no_audio(self, once: bool = False) -> bool:
        """True (and says why) when nothing can play here. ``once``: only the first time (the
        transport line keeps showing the reason)."""
        if self.audition.available:
            return False
        if once and self._said_no_audio:
            return True
        self._said_no_audio = True
        text = f"No sound: {self.audition.reason}."
        if self.clips_possible():
            text += " Press w to write the A/B passage as two clips to play elsewhere."
        self.clear_notifications()
        self.notify(text, title="audio", severity="warning", timeout=6)
        return True

    def clips_possible(self) -> bool:
        """The player says whether it can write clips; a NoAudio cannot."""
        default = not isinstance(self.audition, NoAudio)
        return self.ready and bool(getattr(self.audition, "clips_possible", default))

    @guarded
    def action_play(self) -> None:
        if not self.live or self._no_audio():
            return
        self.audition.toggle()
        self.update_transport()

    @guarded
    def action_ab(self) -> None:
        if not self.live:
            return
        self.audition.switch()
        self.update_transport()
        self._no_audio(once=True)

    @guarded
    def action_loop(self) -> None:
        if not self.live or self.analysis is None:
            return
        span = self.loop_span()
        if span is None:
            return
        if self.audition.loop_s is not None and tuple(self.audition.loop_s) == tuple(span):
            self.audition.set_loop(None)
        else:
            self.audition.set_loop(span)
            self.seek_to(span[0])
        self.update_transport()
        self._no_audio(once=True)

    def loop_span(self) -> tuple[float, float] | None:
        """The selected suggestion's section, or the worst passage its evidence names, or the
        section under the playhead (always, when A/B is the mix against a reference)."""
        if self.analysis is None:
            return None
        duration = self.analysis.session.duration_s
        item = self.current_item()
        if item is not None and not self.compare.startswith(REFERENCE_COMPARE):
            if item.section_span_s:
                return (float(item.section_span_s[0]), float(item.section_span_s[1]))
            if item.suggestion is not None:
                span, _label = worst_span(
                    item.suggestion.evidence, duration, self.analysis.sections
                )
                if span:
                    return span
        position = self.audition.position_s
        for section in self.analysis.sections:
            if section.start_s <= position < section.end_s:
                return (section.start_s, section.end_s)
        return (0.0, duration) if duration > 0 else None

    def action_compare(self) -> None:
        ids = list(self.compare_words())
        at = ids.index(self.compare) if self.compare in ids else -1
        self.set_compare(ids[(at + 1) % len(ids)])

    def compare_words(self) -> dict[str, str]:
        """What A/B can compare: the fixed pairs, then the chosen mix against each reference."""
        return {**COMPARE_WORDS, **dict(self.reference_compares())}

    @guarded
    def set_compare(self, compare: str) -> None:
        if compare not in self.compare_words():
            return
        self.compare = compare
        self.apply_versions()
        self.schedule_ui_save()

    def action_compare_with(self, compare: str) -> None:
        self.set_compare(compare)

    @guarded
    def action_match(self) -> None:
        self.audition.set_match_loudness(not self.audition.match_loudness)
        self.update_transport()

    def blind_running(self) -> bool:
        return getattr(self.audition, "blind", None) is not None

    @guarded
    def action_blind(self) -> None:
        """Start blind trials of what A/B compares now, or stop them and show the tally."""
        if not self.live or self.review is None:
            return
        audition: Any = self.audition
        if not hasattr(audition, "start_blind"):
            reason = self.audition.reason or "this player cannot hide the sides"
            self.notify(f"Blind A/B needs sound: {reason}.", severity="warning", timeout=6)
            return
        if self.blind_running():
            blind = audition.blind
            audition.stop_blind()
            wins = ", ".join(f"{label} {count}" for label, count in _tally(blind.picks).items())
            self.notify(f"Blind A/B stopped after {len(blind.picks)} trials: {wins or 'no picks'}.",
                        timeout=8)  # fmt: skip
        else:
            self.apply_versions()
            item = self.current_item()
            key = item.id if self.compare == "suggestion" and item is not None else self.compare
            audition.start_blind(key, review=self.review)
            self.notify(
                "Blind A/B: the sides are hidden and matched. b switches, p picks the one you "
                "prefer (the next trial may swap them), B stops.",
                timeout=8,
            )
        self.update_transport()

    @guarded
    def action_pick(self) -> None:
        if not self.blind_running():
            self.notify("No blind A/B running: B starts one.", timeout=3)
            return
        pick = self.audition.choose()  # type: ignore[attr-defined]
        self.notify(f"Trial {pick.trial + 1}: you preferred {pick.shown}, which was "
                    f"{pick.label!r}. Next trial.", timeout=5)  # fmt: skip
        self.update_transport()

    def _toggle(self, which: set[str], setter: Callable[[str, bool], None]) -> None:
        """Mute or solo the stem under the stems cursor (it follows the selected suggestion)."""
        file = self.current_stem()
        if file is None:
            return
        on = file not in which
        (which.add if on else which.discard)(file)
        setter(file, on)
        self.update_stems()
        self.update_transport()

    @guarded
    def action_mute(self) -> None:
        self._toggle(self.muted, self.audition.set_mute)

    @guarded
    def action_solo(self) -> None:
        self._toggle(self.soloed, self.audition.set_solo)

    @guarded
    def action_seek(self, delta_s: float) -> None:
        self.seek_to(self.audition.position_s + delta_s)

    def action_to_start(self) -> None:
        self.seek_to(0.0)

    @guarded
    def seek_to(self, position_s: float) -> None:
        if self.analysis is None:
            return
        duration = self.analysis.session.duration_s
        self.audition.seek(min(max(0.0, position_s), max(0.0, duration - 0.05)))
        self.tick(force=True)
        self.schedule_ui_save()

    @guarded
    def action_clips(self) -> None:
        if not self.live or self.analysis is None:
            return
        if not self.clips_possible():
            self.notify(
                f"Cannot write clips: {self.audition.reason}. Render the mixes with "
                f"`mixreview render {self.analysis.session.path}` instead.",
                severity="warning",
                timeout=8,
            )
            return
        self.apply_versions()
        span = self.audition.loop_s or self.loop_span()
        assert span is not None
        out = state_dir(self.analysis.session.path) / "clips"
        self.notify(f"Writing the A/B clips of {format_time(span[0])}-{format_time(span[1])} ...",
                    timeout=3)  # fmt: skip
        self.write_clips(out, (float(span[0]), float(span[1])))

    @work(thread=True, exclusive=True, exit_on_error=False, group="clips")
    def write_clips(self, out: Path, span: tuple[float, float]) -> None:
        """Rendering the passage takes a moment: off the UI thread."""
        a, b = self.audition.write_clips(out, span)
        clips = getattr(self.audition, "last_clips", None)
        command = getattr(clips, "command", None)
        if not command:
            where = f"{getpass.getuser()}@{socket.gethostname()}"
            command = f"scp {where}:{a} {where}:{b} . && play {a.name} {b.name}"
        self.post_message(ClipsWritten(a, b, out, span, command))

    def on_clips_written(self, message: ClipsWritten) -> None:
        span = message.span
        self.notify(
            f"Wrote {message.a.name} and {message.b.name} in {message.folder} "
            f"({format_time(span[0])}-{format_time(span[1])}). On your own machine: "
            f"{message.command}",
            title="A/B clips",
            timeout=30,
        )

    # -- versions for A/B --------------------------------------------------------------------------
    def schedule_versions(self) -> None:
        """A/B follows the selection, a moment after it settles (holding j stays fast)."""
        if self._versions_timer is not None:
            self._versions_timer.stop()
        self._versions_timer = self.set_timer(VERSIONS_DELAY_S, self.apply_versions)

    def change_for(self, item: Item) -> Change:
        if item.suggestion is not None:
            return change_of(item.suggestion, amount=item.amount, params=item.params)
        return Change(
            kind=item.kind, stems=item.stems, params=item.params, amount=item.amount,
            section_span_s=item.section_span_s, source_id=item.id,
        )  # fmt: skip

    def versions(self) -> tuple[list[Change], list[Change], str, str]:
        assert self.review is not None
        chosen = self.review.changes(self.suggestions, "chosen")
        item = self.current_item()
        played = self.reference_for(self.compare)
        if played is not None:
            return chosen, chosen, "chosen", played[0]
        if self.compare == "suggestion" and item is not None:
            without = [c for c in chosen if c.source_id != item.id]
            return without, [*without, self.change_for(item)], "without", "with"
        assistant = self.review.changes(self.suggestions, "assistant")
        if self.compare == "chosen_assistant":
            return chosen, assistant, "chosen", "assistant"
        if self.compare == "original_assistant":
            return [], assistant, "original", "assistant"
        return [], chosen, "original", "chosen"

    def apply_versions(self) -> None:
        if self._versions_timer is not None:
            self._versions_timer.stop()
            self._versions_timer = None
        if not self.live or self.review is None:
            return
        try:
            a, b, label_a, label_b = self.versions()
            played = self.reference_for(self.compare)
            if played is not None:
                self.audition.set_versions(a, b, label_a, label_b, reference=played[1])
            else:
                self.audition.set_versions(a, b, label_a, label_b)
            self.last_versions = (a, b, label_a, label_b)
        except (ValueError, KeyError, TypeError, RuntimeError) as exc:
            self.notify(f"Cannot prepare A/B: {exc}", severity="error", timeout=8)
        self.update_transport()

    # -- meters and transport ------------------------------------------------------------------
    def readings(self, position_s: float) -> dict[str, Reading]:
        """The meters now: live levels while playing, else the measured series at the playhead."""
        audition = self.audition
        measured = {file: series.reading(position_s) for file, series in self.series.items()}
        if not audition.playing:
            self._holds.clear()
            return measured
        levels = audition.levels()
        now = self._clock()
        live: dict[str, Reading] = {}
        for file, reading in measured.items():
            peak = levels.peak_db.get(file)
            lufs = levels.loudness_lufs.get(file)
            if peak is None and lufs is None:
                live[file] = reading
                continue
            peak = reading.peak_db if peak is None else peak
            hold, since = self._holds.get(file, (peak, now))
            if peak >= hold or now - since > HOLD_S:
                hold, since = peak, now
            self._holds[file] = (hold, since)
            live[file] = Reading(
                peak, hold, reading.lufs if lufs is None else lufs, reading.corr,
                reading.side_to_mid_db,
            )  # fmt: skip
        return live

    def _clock(self) -> float:
        import time

        return time.monotonic()

    def tick(self, force: bool = False) -> None:
        """20-30 times a second: meters and the transport; nothing is drawn if nothing moved."""
        if not self.live:
            return
        audition = self.audition
        position = audition.position_s
        if not force and not audition.playing and position == self._position_drawn:
            return
        self._position_drawn = position
        if force or self.meter_clock.meters_on:
            self.main.query_one(StemsPanel).set_readings(self.readings(position))
        self.main.query_one(Transport).update_state(position_s=position, playing=audition.playing)

    def action_meter_rate(self, hz: int | None = None) -> None:
        """Meters at 25 Hz, 10 Hz or off (``hz``; without it, the next of those)."""
        clock = self.meter_clock
        clock.set_hz(clock.next_hz() if hz is None else hz)
        if self.live:
            self.set_border(self.main.query_one("#stems-pane"), subtitle=clock.subtitle)

    def update_transport(self) -> None:
        if not self.live or self.analysis is None:
            return
        a = self.audition
        label_a, label_b = getattr(a, "shown_labels", (a.label_a, a.label_b))
        compare = self.compare_words().get(self.compare, "")
        if self.blind_running():
            trial = getattr(getattr(a, "blind", None), "trial", 0) + 1
            compare = f"BLIND trial {trial} (p picks, B stops) · {compare}"
        self.main.query_one(Transport).update_state(
            position_s=a.position_s,
            duration_s=self.analysis.session.duration_s,
            playing=a.playing,
            side=a.side,
            label_a=label_a,
            label_b=label_b,
            compare=compare,
            loop_s=tuple(a.loop_s) if a.loop_s else None,
            match_loudness=a.match_loudness,
            offset_db=float("nan") if self.blind_running() else a.offset_db,
            available=a.available,
            reason=a.reason,
            solo=tuple(self.names.get(f, f) for f in sorted(self.soloed)),
            muted=tuple(self.names.get(f, f) for f in sorted(self.muted)),
        )

    # -- panels and app ----------------------------------------------------------------------------
    async def action_focus(self, name: str) -> None:
        if self.live:
            self.main.query_one(f"#{name}").focus()

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif self.focused is not None:
            screen.maximize(self.focused)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.user_keymap, str(self.keymap_file), self.keymap_problems))

    def action_export(self) -> None:
        if self.analysis is None or self.review is None:
            return
        session = self.analysis.session
        function = find_export_session()
        exporter = None
        if function is not None:
            review_file = self.review.path
            analysis, suggestions = self.analysis, self.suggestions

            def exporter(out: Path, progress: Callable[[int, int, str], None]) -> Any:
                return function(
                    session.path, review_path=review_file, out=out, progress=progress,
                    analysis=analysis, suggestions=suggestions,
                )  # fmt: skip

        self.push_screen(ExportScreen(session.path, default_export_folder(session.path), exporter))

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Every way out (q, ctrl+c, errors) also stops a measuring still under way."""
        self.quitting = True
        super().exit(*args, **kwargs)

    def action_quit_app(self) -> None:
        self.save_ui()
        self.exit(0)

    def on_unmount(self) -> None:
        self.save_ui()
        with contextlib.suppress(Exception):  # a broken stream must not stop the exit
            self.audition.close()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette."""
        keys = effective(self.user_keymap)
        commands = [
            (key.help, f"key: {display(keys[key.id])}", key.action)
            for key in KEYS
            if key.scope == "app" and key.id != "palette"
        ]
        commands += [
            (f"Group by {mode}", "the suggestions panel", f"set_group('{mode}')")
            for mode in GROUP_MODES
        ]
        commands += [
            (f"A/B: {words}", "what b switches between", f"compare_with('{compare}')")
            for compare, words in [*COMPARES, *self.reference_compares()]
        ]
        commands.append(("Clear the filter", "show every suggestion", "clear_filter"))
        commands += meter_commands()
        return commands

    def action_clear_filter(self) -> None:
        filter_input = self.main.query_one(FilterInput)
        filter_input.value = ""
        filter_input.remove_class("-shown")
        self.filter_text = ""
        self.refresh_review()
        self.schedule_ui_save()


def _tally(picks: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pick in picks:
        counts[pick.label] = counts.get(pick.label, 0) + 1
    return counts


def make_app(
    session_path: Path,
    *,
    audition_factory: AuditionFactory = default_audition,
    keymap_path: Path | None = None,
    workers: int | None = None,
    meters: bool = True,
) -> MixReviewApp:
    """The app for a session folder (the CLI, the tests and the benchmark all start here)."""
    return MixReviewApp(
        session_path,
        audition_factory=audition_factory,
        keymap_path=keymap_path,
        workers=workers,
        meters=meters,
    )


def run_app(session_path: Path) -> int:
    """``mixreview [SESSION]``: check the folder, run the app, return the exit code."""
    try:
        load_session(session_path)
    except MixreviewError as exc:
        print(f"mixreview: {exc}", file=sys.stderr)
        return 2
    app = make_app(session_path)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
