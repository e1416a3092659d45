"""The footer of the app's screens: the keys that work, and the palette's key from 100 columns.

Textual's footer makes all its keys again whenever the focus moves, though most moves leave the
same keys working; each key then costs a restyle, and opening the review screen paid for its keys
three times. ``KeyFooter`` makes them again only when what it shows changes.

Below 100 columns the palette's key would push the others out of sight. The footer is made with
the terminal's width it opens at and follows it when the terminal is resized
(``MixReviewApp.on_resize``).
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

PALETTE_KEY_COLUMNS = 100


def shows_palette_key(width: int) -> bool:
    """Whether a footer ``width`` columns wide shows the palette's key."""
    return width >= PALETTE_KEY_COLUMNS


def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    """What a footer on ``screen`` shows of its active bindings (those it shows and the
    palette's), as a comparable value."""
    app = screen.app
    return tuple(
        (key, b.key, app.get_key_display(b), b.description, b.action, b.group, enabled, tip)
        for key, (_node, b, enabled, tip) in screen.active_bindings.items()
        if b.show or key == app.COMMAND_PALETTE_BINDING
    )


class KeyFooter(Footer):
    """A footer that is composed again only when the keys it shows change."""

    _keys_shown: tuple[tuple[object, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if screen.app.app_focus and screen is self.screen:
            keys = shown_keys(screen)
            if keys == self._keys_shown:
                return
            self._keys_shown = keys
        super().bindings_changed(screen)


def key_footer(width: int) -> KeyFooter:
    """A footer for a terminal ``width`` columns wide."""
    return KeyFooter(show_command_palette=shows_palette_key(width))
