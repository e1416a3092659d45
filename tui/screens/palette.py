"""The command palette's provider: every action of the screen under it, by name, with its key."""

from __future__ import annotations

from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider


@runtime_checkable
class HasCommands(Protocol):
    def palette_commands(self) -> list[tuple[str, str, str]]: ...

    async def run_action(self, action: str) -> object: ...


class ReviewCommands(Provider):
    """(title, help, action) triples from the screen under the palette (the review screen), or
    the app's own (help, quit) over a screen that has none (the loading screen)."""

    def _source(self) -> HasCommands:
        screen: object = self.screen
        app: object = self.app
        source = screen if isinstance(screen, HasCommands) else app
        assert isinstance(source, HasCommands)
        return source

    async def _run(self, source: HasCommands, action: str) -> None:
        await source.run_action(action)

    async def discover(self) -> Hits:
        source = self._source()
        for title, text, action in source.palette_commands():
            yield DiscoveryHit(title, partial(self._run, source, action), help=text)

    async def search(self, query: str) -> Hits:
        source = self._source()
        matcher = self.matcher(query)
        for title, text, action in source.palette_commands():
            score = matcher.match(title)
            if score > 0:
                hit = partial(self._run, source, action)
                yield Hit(score, matcher.highlight(title), hit, help=text)
