"""The manual-change form: a change of the user's own on one stem (gain, EQ band, high-pass,
compressor, width, pan), optionally confined to a section. The review marks it as manual."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from mixreview.analysis.printable import shown
from mixreview.analysis.sections import Section
from mixreview.tui.widgets.params import MANUAL_FORMS, manual_params


@dataclass(frozen=True)
class ManualChange:
    """What the form returns."""

    kind: str
    params: dict[str, Any]
    section_span_s: tuple[float, float] | None
    note: str


class ManualScreen(ModalScreen[ManualChange | None]):
    """Enter adds the change, Esc cancels."""

    BINDINGS: ClassVar = [("escape", "cancel", "cancel"), ("ctrl+s", "add", "add")]

    def __init__(self, stem_name: str, sections: Sequence[Section], kind: str = "gain") -> None:
        super().__init__()
        self.stem_name = stem_name
        self.sections = list(sections)
        self.kind = kind

    def compose(self) -> ComposeResult:
        kinds = [(title, kind) for kind, (title, _fields) in MANUAL_FORMS.items()]
        scopes = [("Whole song", -1)] + [
            (f"{s.name} ({s.start_s:.1f}-{s.end_s:.1f} s)", i) for i, s in enumerate(self.sections)
        ]
        with Vertical(id="manual-box", classes="dialog"):
            yield Static(
                Content(f"Your own change on {shown(self.stem_name)}"), classes="dialog-title"
            )
            with Horizontal(classes="form-row"):
                yield Label("change", classes="form-label")
                yield Select(
                    kinds, value=self.kind, allow_blank=False, id="manual-kind", compact=True
                )
            with Horizontal(classes="form-row"):
                yield Label("where", classes="form-label")
                yield Select(scopes, value=-1, allow_blank=False, id="manual-scope", compact=True)
            yield Vertical(id="manual-fields")
            with Horizontal(classes="form-row"):
                yield Label("note", classes="form-label")
                yield Input(placeholder="why (goes into the notes)", id="manual-note", compact=True)
            yield Static("", id="manual-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Add (Enter)", id="add", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    async def on_mount(self) -> None:
        await self._show_fields(self.kind)
        self.query_one("#manual-kind", Select).focus()

    async def _show_fields(self, kind: str) -> None:
        self.kind = kind
        box = self.query_one("#manual-fields", Vertical)
        await box.remove_children()
        rows = []
        for field in MANUAL_FORMS[kind][1]:
            rows.append(
                Horizontal(
                    Label(field.label, classes="form-label"),
                    Input(
                        str(field.default),
                        id=f"field-{field.key}",
                        compact=True,
                        classes="form-number",
                    ),
                    Label(field.unit, classes="form-unit"),
                    classes="form-row",
                )
            )
        await box.mount_all(rows)

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "manual-kind" and event.value != self.kind:
            await self._show_fields(str(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_add()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self.action_add()
        else:
            self.action_cancel()

    def action_add(self) -> None:
        values = {
            field.key: self.query_one(f"#field-{field.key}", Input).value
            for field in MANUAL_FORMS[self.kind][1]
        }
        params, problem = manual_params(self.kind, values)
        if params is None:
            self.query_one("#manual-error", Static).update(Content(shown(problem)))
            return
        scope = self.query_one("#manual-scope", Select).value
        span = None
        if isinstance(scope, int) and scope >= 0:
            section = self.sections[scope]
            span = (section.start_s, section.end_s)
        note = self.query_one("#manual-note", Input).value.strip()
        self.dismiss(ManualChange(self.kind, params, span, note))

    def action_cancel(self) -> None:
        self.dismiss(None)
