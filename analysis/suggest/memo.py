"""What the rules worked out per stem and per pair, kept from one derivation to the next.

After a decision the live model derives every suggestion again, but only the stems the decision
touched have new measurements: a result is kept for as long as the measurements it was worked
out from are the very same objects. A whole-stem gain (a fader move, the headroom) keeps the
measurement ahead of the fader and moves only the stem's level, so a result is also kept across
a level change when its rule says how the change moves it (``shift``), or that it does not.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
LEVEL_TOLERANCE_DB = 1e-9


@dataclass(frozen=True)
class _Entry:
    objects: tuple[Any, ...]  # held: their ids stay unique while the entry lives
    levels: tuple[float, ...]
    value: Any


def unmoved(value: Any, _deltas: tuple[float, ...]) -> Any:
    """The ``shift`` of a result that a level change leaves as it is (a rule reading levels
    against the stem's own, or, with ``alike``, against stems moved as much)."""
    return value


class IdentityMemo:
    """One result per key, kept while its ``objects`` are the very same objects. When its
    ``levels`` (dB) moved since it was worked out, ``shift(result, level changes)`` gives the
    result at the new levels; with ``alike`` only when every level moved by as much (the result
    reads the levels against each other). Without ``shift`` a level change works it out again."""

    _bypass = False

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0
        self.kept = 0
        self.shifted = 0

    def get(
        self,
        key: Hashable,
        objects: Sequence[Any],
        compute: Callable[[], T],
        *,
        levels: Sequence[float] = (),
        shift: Callable[[T, tuple[float, ...]], T] | None = None,
        alike: bool = False,
    ) -> T:
        if IdentityMemo._bypass:
            return compute()
        objects, levels = tuple(objects), tuple(levels)
        with self._lock:
            entry = self._items.get(key)
        if entry is not None and _same(entry.objects, objects) and len(entry.levels) == len(levels):
            if _close(entry.levels, levels):
                with self._lock:
                    self.kept += 1
                    if key in self._items:
                        self._items.move_to_end(key)
                return entry.value
            deltas = tuple(n - o for n, o in zip(levels, entry.levels, strict=True))
            if shift is not None and (not alike or _close(deltas, (deltas[0],) * len(deltas))):
                moved = shift(entry.value, deltas)
                self._store(key, _Entry(objects, levels, moved))
                with self._lock:
                    self.shifted += 1
                return moved
        value = compute()
        self._store(key, _Entry(objects, levels, value))
        with self._lock:
            self.computed += 1
        return value

    def _store(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            self._items[key] = entry
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def _same(held: tuple[Any, ...], objects: tuple[Any, ...]) -> bool:
    return len(held) == len(objects) and all(a is b for a, b in zip(held, objects, strict=True))


def _close(held: tuple[float, ...], levels: tuple[float, ...]) -> bool:
    return len(held) == len(levels) and all(
        abs(a - b) <= LEVEL_TOLERANCE_DB for a, b in zip(held, levels, strict=True)
    )


@contextmanager
def recomputing() -> Iterator[None]:
    """Every memo works its results out afresh inside (and keeps what it held): the plain
    computation the kept and shifted results are checked against."""
    IdentityMemo._bypass = True
    try:
        yield
    finally:
        IdentityMemo._bypass = False
