"""The checks screen: every stem-preparation check of the session, with its fix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from mixreview.analysis.checks import Check
from mixreview.tui.widgets.checks import ordered
from mixreview.tui.widgets.stem_detail import check_lines


class ChecksScreen(ModalScreen[None]):
    """Errors first; Esc closes."""

    BINDINGS: ClassVar = [
        ("escape,q,exclamation_mark", "close", "close"),
        ("j,down", "scroll(1)", "down"),
        ("k,up", "scroll(-1)", "up"),
    ]

    def __init__(self, checks: Sequence[tuple[str, Check]], names: Mapping[str, str]) -> None:
        super().__init__()
        self.checks = ordered(checks)
        self.names = names

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="checks-box") as box:
            box.border_title = f"Stem-preparation checks ({len(self.checks)})"
            box.border_subtitle = "only a new export of the stem fixes these · Esc closes"
            if self.checks:
                yield Static(check_lines(self.checks, self.names))
            else:
                yield Static(Content("No findings: the stems are well prepared."))

    def action_scroll(self, direction: int) -> None:
        self.query_one("#checks-box", VerticalScroll).scroll_relative(y=direction, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
