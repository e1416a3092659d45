"""The command palette's provider: every action of the app, by name, with its key."""

from __future__ import annotations

from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider


class HasCommands(Protocol):
    def palette_commands(self) -> list[tuple[str, str, str]]: ...

    async def run_action(self, action: str) -> bool: ...


class ReviewCommands(Provider):
    """(title, help, action) triples from ``app.palette_commands()``."""

    def _commands(self) -> list[tuple[str, str, str]]:
        app: HasCommands = self.app  # type: ignore[assignment]
        return app.palette_commands()

    async def _run(self, action: str) -> None:
        await self.app.run_action(action)

    async def discover(self) -> Hits:
        for title, text, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, action), help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, text, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), help=text)
