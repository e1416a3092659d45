"""The export screen: where the files go, then the export with a progress bar.

The renderer lives in ``analysis.export`` (``export_session``). When this build has none, the
screen says so and shows the headless command (``mixreview render SESSION``) instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from mixreview.analysis.printable import printable, shown
from mixreview.analysis.render_plan import VERSION_WORDS

Progress = Callable[[int, int, str], None]
Exporter = Callable[[Path, Progress], Any]


def find_export_session() -> Callable[..., Any] | None:
    """``analysis.export.export_session`` if this build has it."""
    try:
        module = importlib.import_module("mixreview.analysis.export")
    except ImportError:
        return None
    return getattr(module, "export_session", None)


def summary(result: Any) -> list[str]:
    """Where the export went, what it holds (each mix written and what is in it, the stems, the
    notes), and the renderer's messages."""
    lines = [f"Exported to {getattr(result, 'folder', result)}"]
    for version, path in (getattr(result, "mixes", None) or {}).items():
        words = VERSION_WORDS.get(version)
        lines.append(f"  {Path(path).name}" + (f": {words}" if words else ""))
    stems = getattr(result, "stems", None)
    if stems:
        lines.append(f"  stems/: {len(stems)} processed stems")
    if getattr(result, "notes_md", None) is not None:
        lines.append("  notes.md, notes.json")
    return [*lines, *getattr(result, "messages", ())]


def render_command(session: Path) -> str:
    return f"mixreview render {session}"


class ExportScreen(ModalScreen[Path | None]):
    """Returns the export folder when an export finished, else None."""

    BINDINGS: ClassVar = [("escape", "close", "close")]

    class Progressed(Message):
        def __init__(self, done: int, total: int, label: str) -> None:
            super().__init__()
            self.done, self.total, self.label = done, total, label

    def __init__(self, session: Path, default_out: Path, exporter: Exporter | None) -> None:
        super().__init__()
        self.session = session
        self.default_out = default_out
        self.exporter = exporter
        self.running = False
        self.result: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="dialog"):
            yield Static("Export", classes="dialog-title")
            if self.exporter is None:
                yield Static(
                    "This build cannot export from the app yet. Everything you decided is saved "
                    "in the review; render it from a shell:",
                    id="export-explain",
                )
                yield Static(
                    Content(shown(render_command(self.session))),
                    id="export-command",
                    classes="command",
                )
                with Horizontal(classes="buttons"):
                    yield Button("Close (Esc)", id="close")
                return
            yield Static(
                "The chosen, original, assistant and manual (your own changes alone) mixes, the "
                "processed stems and the notes for mastering go to:",
                id="export-explain",
            )
            yield Input(str(self.default_out), id="export-out")
            yield ProgressBar(total=None, show_eta=False, id="export-progress")
            yield Static("", id="export-status")
            with Horizontal(classes="buttons"):
                yield Button("Export (Enter)", id="start", variant="primary")
                yield Button("Close (Esc)", id="close")

    def on_mount(self) -> None:
        if self.exporter is not None:
            self.query_one("#export-progress").display = False
            self.query_one("#export-out", Input).focus()
        else:
            self.query_one("#close", Button).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.start()
        else:
            self.action_close()

    def start(self) -> None:
        if self.running or self.exporter is None:
            return
        out = Path(self.query_one("#export-out", Input).value.strip() or self.default_out)
        self.running = True
        self.query_one("#export-progress").display = True
        self.query_one("#export-status", Static).update(Content(f"Writing to {shown(out)} ..."))
        self.run_export(out)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def run_export(self, out: Path) -> Any:
        def progress(done: int, total: int, label: str) -> None:
            self.post_message(self.Progressed(done, total, label))

        assert self.exporter is not None
        return self.exporter(out, progress)

    def on_export_screen_progressed(self, event: Progressed) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(event.total, 1), progress=event.done)
        if event.label == "measuring":
            text = f"Measuring stems ({event.done}/{event.total})"
        else:
            text = f"{event.label.capitalize()} {event.done * 100 // max(event.total, 1)}%"
        self.query_one("#export-status", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "export":
            return
        status = self.query_one("#export-status", Static)
        if event.state == WorkerState.SUCCESS:
            self.running = False
            result = event.worker.result
            folder = getattr(result, "folder", None)
            self.result = Path(folder) if folder is not None else None
            status.update(Content("\n".join(shown(line) for line in summary(result))))
            self.query_one("#export-progress", ProgressBar).update(total=1, progress=1)
            self.query_one("#start", Button).disabled = True
            self.query_one("#close", Button).focus()
        elif event.state == WorkerState.ERROR:
            self.running = False
            error = event.worker.error
            text = str(error) if error else "unknown error"
            status.update(Content(f"Export failed: {printable(text)}"))
            self.app.notify(f"Export failed: {text}", severity="error", timeout=10)

    def action_close(self) -> None:
        if self.running:
            self.query_one("#export-status", Static).update(
                "The export is still writing; this closes when it is done."
            )
            return
        self.dismiss(self.result)
