"""The review screen: title, stems and checks | queue and detail, transport, footer.

It owns the review: the loading screen hands it the analysis, the review and the live model
(``open_review``), and what it shows is its own reactive state (``tui.parts``), drawn by its parts'
watchers: the review view, decisions, listening, the live model and references. The app around it
keeps the player, the dialogs' message hold and the keys of every screen.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from mixreview.analysis.comparisons import COMPARES
from mixreview.analysis.suggest.reference import ASPECTS, follow_aspects
from mixreview.tui.decisions import DecisionsMixin
from mixreview.tui.keymap import KEYS, bindings, display, effective
from mixreview.tui.listening import ListeningMixin
from mixreview.tui.live import LiveMixin
from mixreview.tui.loader import SessionData
from mixreview.tui.references import ReferencesMixin
from mixreview.tui.review_view import ReviewViewMixin
from mixreview.tui.screens.confirm import ConfirmScreen
from mixreview.tui.widgets.checks import ChecksPanel
from mixreview.tui.widgets.detail import DetailContext, DetailPanel
from mixreview.tui.widgets.footer import key_footer
from mixreview.tui.widgets.frames import quiet_collector
from mixreview.tui.widgets.labels import GROUP_MODES, failure_text
from mixreview.tui.widgets.loading import APP_KEYS
from mixreview.tui.widgets.meter_rate import ENV_METER_HZ
from mixreview.tui.widgets.meter_rate import palette_commands as meter_commands
from mixreview.tui.widgets.meters import StemSeries
from mixreview.tui.widgets.stems import StemsHeader, StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList
from mixreview.tui.widgets.transport import Transport

TRANSPORT_REFRESH_S = 0.25
FAILURE_TITLES = {
    "clips": "A/B clips",
    "live": "the suggestions could not be derived again",
}


def review_bindings() -> list[BindingType]:
    """The screen's keys: every key of the main screen but the app's own (quit, help, the
    palette), which the app binds on every screen."""
    keys = bindings("screen") + bindings("app")
    return [b for b in keys if not (isinstance(b, Binding) and b.id in APP_KEYS)]


class Pane(Vertical):
    """A bordered panel; ``z`` enlarges the one holding the focus."""

    ALLOW_MAXIMIZE = True


class ReviewScreen(LiveMixin, ReferencesMixin, ReviewViewMixin, DecisionsMixin, ListeningMixin):
    """The main screen: title, stems | (queue / detail), transport, footer; it owns the review."""

    BINDINGS = review_bindings()

    class Uncovered(Message):
        """The review screen is on top again: messages held while a dialog was open can show."""

    def compose(self) -> ComposeResult:
        yield Static("mixreview", id="title")
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
        yield key_footer(self.app.size.width)

    def on_mount(self) -> None:
        self.query_one("#stems-pane").border_title = "1 Stems"
        self.query_one("#queue-pane").border_title = "2 Suggestions"
        for panel, title in (("#detail", "3 Detail"), ("#checks", "4 Checks")):
            widget = self.query_one(panel)
            widget.add_class("pane")
            widget.border_title = title
        if self.meter_clock.problem:
            problem = self.meter_clock.problem
            self.notify(problem, title=ENV_METER_HZ, severity="warning", timeout=10)

    def on_screen_suspend(self) -> None:
        self.app.clear_notifications()  # messages never cover a dialog

    def on_screen_resume(self) -> None:
        self.fit(self.app.size.width)  # the terminal may have been resized meanwhile
        self.post_message(self.Uncovered())

    # -- the hand-over from the loading screen ---------------------------------------------------
    def open_review(self, data: SessionData) -> None:
        """Show the loaded session, restored to where the user was (once the screen, just
        uncovered, has its size)."""
        self.call_after_refresh(self._fill, data)

    def _fill(self, data: SessionData) -> None:
        if self.shell.quitting:
            return
        self.analysis = data.analysis
        ui = data.review.ui
        aspects = ui.get("aspects")
        if isinstance(aspects, list):
            self.reference_aspects = {a for a in aspects if a in ASPECTS}
        self.all_suggestions = data.suggestions
        self.start_live(data.model, data.state)
        self.suggestions = follow_aspects(data.suggestions, self.reference_aspects)
        self.by_id = {s.id: s for s in self.suggestions}
        self.band_features = data.features
        self.review = data.review
        session = data.analysis.session
        self.names = {stem.file: stem.name for stem in session.stems}
        self.series = {r.stem.file: StemSeries(r.measurement) for r in data.analysis.stems}
        group = ui.get("group") or ""
        self.group_mode = group if group in GROUP_MODES else GROUP_MODES[0]
        self.filter_text = str(ui.get("filter", "") or "")
        compare = ui.get("compare") or ""
        self.compare = compare if compare in self.compare_words() else "suggestion"
        self.ready = True
        self._fill_panels(data)
        self.refresh_review(select=ui.get("selected"))
        if ui.get("stem"):
            self.query_one(StemsPanel).select_file(str(ui["stem"]))
        self.seek_to(float(ui.get("position_s", 0.0) or 0.0))
        focus = {"stems": "#stems", "detail": "#detail"}.get(ui.get("focus", ""), "#suggestions")
        self.query_one(focus).focus()
        self.show_detail()
        self._tell_about_review()
        self.apply_versions()
        self.set_interval(TRANSPORT_REFRESH_S, self.refresh_transport, name="transport")
        if self.meters_enabled:
            self.meter_clock.start(self, self.tick)
        self.set_border(self.query_one("#stems-pane"), subtitle=self.meter_clock.subtitle)
        self.call_after_refresh(settle_memory)  # once the review is on screen

    def _fill_panels(self, data: SessionData) -> None:
        """The panels that only change with the analysis: the detail's context, the checks and
        the sections on the transport."""
        self.query_one(DetailPanel).context = DetailContext(
            analysis=data.analysis,
            features=lambda: self.band_features,
            names=self.names,
            review=data.review,
            open_counts={},
        )
        checks = self.checks_of_session()
        checks_panel = self.query_one(ChecksPanel)
        checks_panel.set_checks(checks, self.names)
        checks_panel.border_title = f"4 Checks ({len(checks)})"
        self.query_one(Transport).sections = data.analysis.sections

    def _tell_about_review(self) -> None:
        """What opening the review file found: damage kept aside, decisions for old ids."""
        assert self.review is not None
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

    def finish(self) -> None:
        """The app closes: save where the user is and the listening counted so far."""
        self.save_ui()
        self.flush_listening()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The screen's workers' failures, as messages (the queue stays as it was)."""
        if event.state != WorkerState.ERROR or self.shell.quitting:
            return
        group = event.worker.group or ""
        if group == "live":
            self.recomputing = False
        title = FAILURE_TITLES.get(group, "mixreview")
        self.notify(failure_text(event.worker.error), title=title, severity="error", timeout=15)

    # -- panels --------------------------------------------------------------------------------
    async def action_focus(self, name: str) -> None:
        if self.live:
            self.query_one(f"#{name}").focus()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    # -- export --------------------------------------------------------------------------------
    def unheard_accepted(self) -> tuple[int, int]:
        """(accepted suggestions decided without hearing their A/B, accepted suggestions)."""
        if self.review is None:
            return 0, 0
        accepted = [
            self.review.decision(s.id) for s in self.suggestions
            if self.review.status(s.id) in ("accepted", "adjusted")
        ]  # fmt: skip
        unheard = sum(1 for d in accepted if d.heard is not None and not d.heard.heard)
        return unheard, len(accepted)

    def action_export(self) -> None:
        """The export screen; when more than half of the accepted changes were never heard, it
        asks once first (accepting unheard changes is how mixes get over-processed)."""
        if self.analysis is None or self.review is None:
            return
        unheard, accepted = self.unheard_accepted()
        if not self.asked_unheard and accepted and unheard * 2 > accepted:
            question = (
                f"{unheard} of the {accepted} accepted changes were decided without hearing "
                "their A/B. Export anyway?"
            )

            def answered(yes: bool | None) -> None:
                self.asked_unheard = bool(yes)
                if yes:
                    self.open_export()

            self.app.push_screen(ConfirmScreen(question, "Export", "Listen first"), answered)
            return
        self.open_export()

    def open_export(self) -> None:
        # imported on first use: the exporter's modules are not needed to open the review
        from mixreview.analysis.export import default_export_folder
        from mixreview.tui.screens.export import ExportScreen, find_export_session

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

        folder = default_export_folder(session.path)
        self.app.push_screen(ExportScreen(session.path, folder, exporter))

    # -- the command palette ---------------------------------------------------------------------
    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette; actions run on this screen (the
        app's own keys through the ``app.`` namespace)."""
        keys = effective(self.shell.user_keymap)
        commands = [
            (key.help, f"key: {display(keys[key.id])}",
             f"app.{key.action}" if key.id in APP_KEYS else key.action)
            for key in KEYS
            if key.scope == "app" and key.id != "palette"
        ]  # fmt: skip
        commands += [
            (f"Group by {mode}", "the suggestions panel", f"set_group('{mode}')")
            for mode in GROUP_MODES
        ]
        commands += [
            (f"A/B: {words}", "what b switches between", f"compare_with('{compare}')")
            for compare, words in [*COMPARES, *self.reference_compares()]
        ]
        commands.append(("Clear the filter", "show every suggestion", "clear_filter"))
        commands.append(("Loop off", "play on past the loop's end", "loop_off"))
        commands += meter_commands()
        return commands


def settle_memory() -> None:
    """What is loaded when the review opens lives as long as the app: keep the collector from
    walking it again and again (full collections would otherwise stall keystrokes by 100 ms),
    and let what each frame leaves behind die young."""
    gc.collect()
    gc.freeze()
    quiet_collector()
