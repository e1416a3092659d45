"""The references screen: the reference tracks, adding one by path, and the aspects to follow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from mixreview.analysis.printable import shown

ASPECTS = ("tone", "width", "dynamics")


@dataclass(frozen=True)
class ReferenceRow:
    """One reference as the screen lists it."""

    name: str
    path: Path
    source: str  # "manifest", "added here" or "command line"
    weight: float
    summary: str  # loudness, true peak, length; or why it cannot be used
    usable: bool
    compare_id: str | None  # what ``v`` compares when this one is picked


@dataclass
class ReferenceActions:
    """What the screen asks of the review screen under it."""

    rows: Callable[[], Sequence[ReferenceRow]]
    add: Callable[[str], str | None]  # the text typed; returns an error to show, or None
    forget: Callable[[ReferenceRow], str | None]
    compare: Callable[[ReferenceRow], None]
    aspects: Callable[[], set[str]]
    set_aspects: Callable[[set[str]], None]
    busy: Callable[[], str | None]  # "measuring X ..." while a reference is being measured
    confirm: Callable[[ReferenceRow], str | None] = lambda row: None  # follow it despite doubts


class ReferencesScreen(ModalScreen[None]):
    """Enter on a reference compares the chosen mix with it; Enter in the path field adds one;
    Delete forgets one added here; the checkboxes choose which aspects to follow."""

    BINDINGS: ClassVar = [
        ("escape", "close", "close"),
        ("delete", "forget", "forget"),
        ("t", "confirm", "follow anyway"),
    ]

    def __init__(self, actions: ReferenceActions) -> None:
        super().__init__()
        self.actions = actions
        self.rows: list[ReferenceRow] = []
        self._busy_shown = False

    def compose(self) -> ComposeResult:
        with Vertical(id="references-box", classes="dialog"):
            yield Static("Reference tracks", classes="dialog-title")
            yield Static(
                "Compared with the mix at matched loudness. Enter on one plays the chosen mix "
                "against it (b switches, matched like every A/B).",
                classes="hint",
            )
            yield OptionList(id="reference-list")
            yield Static("Add a finished master (WAV, FLAC, AIFF; FILE or FILE:WEIGHT):")
            yield Input(placeholder="~/refs/Song.flac", id="reference-path")
            yield Static("", id="reference-status", classes="error")
            yield Static("Suggest changes toward the references for:")
            with Horizontal(id="reference-aspects"):
                for aspect in ASPECTS:
                    yield Checkbox(aspect, aspect in self.actions.aspects(), id=f"aspect-{aspect}")
            yield Static(
                "Enter adds · Del forgets one added here · t follows a doubtful one · Tab moves · "
                "Esc closes",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.reload()
        if self.rows:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def reload(self) -> None:
        """List the references again (after one was added, measured or forgotten)."""
        self.rows = list(self.actions.rows())
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not self.rows:
            options.add_option(Option(Content("No reference yet: add one below."), disabled=True))
        for row in self.rows:
            weight = f" ×{row.weight:g}" if row.weight != 1.0 else ""
            text = Content.assemble(
                (shown(row.name), "bold" if row.usable else "dim"),
                f"{weight} · {shown(row.source)} · ",
                (shown(row.summary), "" if row.usable else "red"),
            )
            options.add_option(Option(text))
        if self.rows:
            options.highlighted = min(highlighted or 0, len(self.rows) - 1)
        busy = self.actions.busy()
        if busy:
            self.status(busy, error=False)
            self._busy_shown = True
        elif self._busy_shown:
            self.status("", error=False)
            self._busy_shown = False

    def status(self, text: str, error: bool = True) -> None:
        self._busy_shown = False
        label = self.query_one("#reference-status", Static)
        label.set_class(error, "error")
        label.set_class(not error, "hint")
        label.update(Content(shown(text)))

    def selected_row(self) -> ReferenceRow | None:
        index = self.query_one(OptionList).highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.status("Type the path of a reference file.")
            return
        problem = self.actions.add(text)
        if problem:
            self.status(problem)
            return
        event.input.value = ""
        self.reload()

    def action_confirm(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        problem = self.actions.confirm(row)
        self.status(problem or f"{row.name} is followed now.", error=bool(problem))
        self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        row = self.selected_row()
        if row is None:
            return
        if not row.usable or row.compare_id is None:
            self.status(f"{row.name} cannot be played against the mix: {row.summary}")
            return
        self.actions.compare(row)
        self.dismiss(None)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        chosen = {a for a in ASPECTS if self.query_one(f"#aspect-{a}", Checkbox).value}
        self.actions.set_aspects(chosen)

    def action_forget(self) -> None:
        if isinstance(self.focused, Input):
            return
        row = self.selected_row()
        if row is None:
            return
        problem = self.actions.forget(row)
        if problem:
            self.status(problem)
        else:
            self.status(f"Forgot {row.name} (the file is left alone).", error=False)
            self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
