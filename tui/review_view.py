"""Drawing the review: the queue, the stems' rows, the title and the detail, and where the user is.

The selection, the grouping and the filter are the review screen's reactive state: changing one
redraws what depends on it (watchers) and is saved to the review shortly after it settles, so the
app reopens where the user left it.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.events import DescendantFocus, Resize
from textual.widgets import Input, Static

from mixreview.analysis.timeline import format_time
from mixreview.tui.parts import ReviewParts
from mixreview.tui.screens.checks import ChecksScreen
from mixreview.tui.widgets import queue as queue_mod
from mixreview.tui.widgets.cursor_list import CursorList
from mixreview.tui.widgets.detail import DetailPanel
from mixreview.tui.widgets.labels import GROUP_MODES
from mixreview.tui.widgets.queue import Item
from mixreview.tui.widgets.stems import StemRow, StemsPanel
from mixreview.tui.widgets.suggestions import FilterInput, SuggestionList

UI_SAVE_DELAY_S = 0.3


class ReviewViewMixin(ReviewParts):
    """The queue, stems, title and detail panels, and the saved place (mixed into the screen)."""

    # -- state watchers ----------------------------------------------------------------------------
    def watch_selected(self, selected: str | None) -> None:
        """The queue's cursor, the stems cursor (for a one-stem item), the detail and A/B follow
        the selected item."""
        if not self.live:
            return
        suggestions = self.query_one(SuggestionList)
        item = suggestions.selected
        if (item.id if item else None) != selected:
            suggestions.select(selected, announce=False)
            item = suggestions.selected
            self.set_reactive(ReviewParts.selected, item.id if item else None)  # as shown
        if item is not None and len(item.stems) == 1:
            self.query_one(StemsPanel).select_file(item.stems[0])
        self.show_detail()
        self.schedule_versions()
        self.schedule_ui_save()

    def watch_group_mode(self) -> None:
        self.refresh_review()
        self.schedule_ui_save()

    def watch_filter_text(self, text: str) -> None:
        filter_input = self.query_one(FilterInput)
        if filter_input.value != text:
            filter_input.value = text
        if text:
            filter_input.add_class("-shown")
        self.refresh_review()
        self.schedule_ui_save()

    def watch_recomputing(self) -> None:
        if self.live:
            self.update_queue_border()

    # -- drawing -----------------------------------------------------------------------------------
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
        suggestions = self.query_one(SuggestionList)
        keep = select or (suggestions.selected.id if suggestions.selected else None)
        suggestions.set_queue(queue, self.names, all_stems)
        suggestions.select(keep, announce=False)
        shown = suggestions.selected
        moved = (shown.id if shown else None) != self.selected
        self.set_reactive(ReviewParts.selected, shown.id if shown else None)
        self.update_queue_border()
        self.update_stems()
        self.update_title()
        if detail:
            self.show_detail()
        if moved:  # the selected item was filtered out: A/B follows the one shown now
            self.schedule_versions()

    def update_queue_border(self) -> None:
        """The queue's counts, grouping, filter and whether it is being derived again."""
        queue = self.query_one(SuggestionList).queue
        subtitle = f"by {self.group_mode} (o)"
        if self.recomputing:
            subtitle = "recomputing… · " + subtitle
        if self.filter_text:
            subtitle = f"filter “{self.filter_text}” · " + subtitle
        title = f"2 Suggestions {queue.shown}/{queue.total}"
        self.set_border(self.query_one("#queue-pane"), title, subtitle)

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
        self.query_one(StemsPanel).set_rows(rows)
        detail = self.query_one(DetailPanel)
        if detail.context is not None:
            detail.context.open_counts = counts

    def update_title(self, width: int | None = None) -> None:
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
        width = (width or self.app.size.width) - 2
        while len(parts) > 1 and len(" │ ".join(parts)) > width:
            parts.pop()
        self.set_text("#title", " │ ".join(parts))

    def set_text(self, selector: str, text: str) -> None:
        """Update a one-line Static only when its text changes, without a layout pass."""
        widget = self.query_one(selector, Static)
        if getattr(widget, "_shown_text", None) != text:
            widget._shown_text = text  # type: ignore[attr-defined]
            widget.update(text, layout=False)

    def on_resize(self, event: Resize) -> None:
        """Fit the title and the transport to the new width (the event's: the screen's size can
        still be the old one while the event is handled)."""
        self.fit(event.size.width)

    def fit(self, width: int) -> None:
        if self.live:
            self.update_title(width)
            self.update_transport()

    def show_detail(self) -> None:
        """The detail follows the focus: the stem from the stems panel, else the suggestion."""
        if not self.live:
            return
        detail = self.query_one(DetailPanel)
        stems = self.query_one(StemsPanel)
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

    # -- selection ---------------------------------------------------------------------------------
    def current_item(self) -> Item | None:
        return self.query_one(SuggestionList).selected if self.live else None

    def current_stem(self) -> str | None:
        if not self.live:
            return None
        row = self.query_one(StemsPanel).selected
        return row.file if row else None

    @on(SuggestionList.Selected)
    def suggestion_selected(self) -> None:
        """The cursor moved: the selection is where it is now (the message can be older than a
        selection made in code since)."""
        item = self.query_one(SuggestionList).selected
        self.selected = item.id if item is not None else None

    @on(CursorList.CursorMoved)
    def stem_cursor_moved(self, message: CursorList.CursorMoved) -> None:
        if isinstance(message.cursor_list, StemsPanel):
            self.show_detail()
            self.schedule_ui_save()

    @on(DescendantFocus)
    def focus_moved(self) -> None:
        self.show_detail()
        self.schedule_ui_save()

    # -- where the user is -------------------------------------------------------------------------
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
        item = self.query_one(SuggestionList).selected
        self.selected_id = item.id if item else self.selected_id
        row = self.query_one(StemsPanel).selected
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
        saved = self.review.ui
        if {k: saved.get(k) for k in state} == state:
            return
        try:
            self.review.set_ui(**state)
        except OSError as exc:
            self.notify(f"Could not save where you are: {exc}", severity="warning")

    # -- the queue's filter and grouping ---------------------------------------------------------
    def action_filter(self) -> None:
        if not self.live:
            return
        filter_input = self.query_one(FilterInput)
        filter_input.add_class("-shown")
        filter_input.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        """Typing filters at once, by what the field holds now (the message can be older)."""
        self.filter_text = self.query_one(FilterInput).value

    @on(FilterInput.Done)
    def filter_done(self, event: FilterInput.Done) -> None:
        filter_input = self.query_one(FilterInput)
        if event.cleared or not filter_input.value:
            filter_input.remove_class("-shown")
        self.query_one(SuggestionList).focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one(FilterInput)
        filter_input.value = ""
        filter_input.remove_class("-shown")
        self.filter_text = ""

    def action_group(self) -> None:
        index = GROUP_MODES.index(self.group_mode)
        self.group_mode = GROUP_MODES[(index + 1) % len(GROUP_MODES)]

    def action_set_group(self, mode: str) -> None:
        if mode in GROUP_MODES:
            self.group_mode = mode

    # -- checks ------------------------------------------------------------------------------------
    def checks_of_session(self) -> list[tuple[str, Any]]:
        """(stem file or '' for the session, check) for every check."""
        if self.analysis is None:
            return []
        checks = [("", c) for c in self.analysis.session_checks]
        checks += [(r.stem.file, c) for r in self.analysis.stems for c in r.checks]
        return checks

    def action_checks(self) -> None:
        if self.analysis is not None:
            self.app.push_screen(ChecksScreen(self.checks_of_session(), self.names))
