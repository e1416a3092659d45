"""The note editor: free text on a suggestion or a stem, saved with ctrl+s."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from mixreview.analysis.printable import shown
from mixreview.tui.screens.confirm import ConfirmScreen


class NoteScreen(ModalScreen[str | None]):
    """Returns the new text, or None when cancelled. Esc asks first if the text was edited."""

    BINDINGS: ClassVar = [("ctrl+s", "save", "save"), ("escape", "cancel", "cancel")]

    def __init__(self, about: str, text: str) -> None:
        super().__init__()
        self.about = about
        self.original = text

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="dialog"):
            yield Static(Content(f"Note on {shown(self.about)}"), classes="dialog-title")
            yield TextArea(self.original, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static("ctrl+s saves · Esc cancels · an empty note removes it", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        if self.text == self.original.strip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard the changes to this note?", "Discard", "Keep editing"), answered
        )
