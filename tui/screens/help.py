"""The help screen: every key in force (after the user's keymap), by group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from mixreview.tui.keymap import KEYS, display, effective

GROUP_ORDER = ("Review", "Queue", "Listen", "Move", "Panels", "App")


def help_text(keymap: Mapping[str, str], source: str, problems: Sequence[str]) -> Content:
    """The keys in force, grouped, with their ids (the names keys.toml uses)."""
    keys = effective(keymap)
    lines: list[Content] = []
    for group in GROUP_ORDER:
        lines.append(Content(group).stylize("bold $accent"))
        for key in (k for k in KEYS if k.group == group):
            mark = " *" if key.id in keymap else ""
            lines.append(
                Content.assemble(
                    (f"  {display(keys[key.id]):<14}", "bold"),
                    f"{key.help}{mark}",
                    (f"  [{key.id}]", "$foreground 50%"),
                )
            )
        lines.append(Content(""))
    lines.append(
        Content(f"Keys are read from {source}; * marks a key you remapped.").stylize(
            "$foreground 70%"
        )
    )
    lines.append(Content('Remap with lines like  accept = "y"  under [keys] (ids in brackets).')
                 .stylize("$foreground 70%"))  # fmt: skip
    for problem in problems:
        lines.append(Content(problem).stylize("$warning"))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the real bindings; Esc, q or ? closes it."""

    BINDINGS: ClassVar = [
        ("escape,q,question_mark,f1", "dismiss", "close"),
        ("j,down", "scroll(1)", "down"),
        ("k,up", "scroll(-1)", "up"),
    ]

    def __init__(self, keymap: Mapping[str, str], source: str, problems: Sequence[str]) -> None:
        super().__init__()
        self.keymap = keymap
        self.source = source
        self.problems = problems

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc closes"
            yield Static(help_text(self.keymap, self.source, self.problems), id="help-text")

    def action_scroll(self, direction: int) -> None:
        self.query_one("#help-box", VerticalScroll).scroll_relative(y=direction, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
