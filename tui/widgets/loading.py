"""What the keys do while the session is still being measured.

Until the analysis is done there is nothing to review, play or move through. A key bound to such
an action answers under the progress bar ("still measuring: a (accept) works once the analysis is
done") instead of doing nothing; quitting (``q``, ``ctrl+c``), the help (``?``) and the command
palette work at once. Keys are not kept for later: the first ``a`` after loading should accept
what is on the screen then, not something the user has not seen.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.widgets import Static

from mixreview.tui.keymap import KEYS_BY_ID, display, effective

# The keys the app itself binds, on every screen; all the others belong to the review screen.
APP_KEYS = frozenset({"quit", "help", "palette"})


def loading_answer(key: str, keymap: Mapping[str, str], failed: bool = False) -> str | None:
    """What a key pressed while loading says; None when it works now or is bound to nothing."""
    for key_id, keys in effective(keymap).items():
        if key not in keys.split(","):
            continue
        if key_id in APP_KEYS:
            return None
        quit_key = display(effective(keymap)["quit"].split(",")[0])
        what = f"{display(key)} ({KEYS_BY_ID[key_id].description})"
        if failed:
            return f"{what}: there is nothing to review, the session could not be opened."
        return f"still measuring: {what} works once the analysis is done · {quit_key} quits"
    return None


class LoadingHint(Static, can_focus=True):
    """Under the progress bar. It holds the focus while loading, so keys come here first; the
    screen hands it the keys that come while nothing has the focus (``answer``)."""

    DEFAULT_CSS = """
    LoadingHint {
        width: 100%;
        height: auto;
        margin-top: 1;
        color: $foreground 70%;
    }
    LoadingHint:focus {
        background: transparent;
    }
    """

    def __init__(self, keymap: Mapping[str, str], *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.keymap = keymap  # the user's keys, to name the key in the answer
        self.failed = False  # the session cannot be opened: nothing will come
        self.answered = ""  # the last answer (for tests)

    def on_mount(self) -> None:
        self.focus()

    def on_key(self, event: events.Key) -> None:
        self.answer(event)

    def answer(self, event: events.Key) -> bool:
        """Answer a key that cannot work yet (and keep it from its action); True if it did."""
        answer = loading_answer(event.key, self.keymap, self.failed)
        if answer is None:
            return False  # quit, help, the palette, or a key that does nothing anyway
        event.stop()
        event.prevent_default()
        self.answered = answer
        self.update(answer)
        return True
