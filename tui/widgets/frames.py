"""A screen that draws a change at once when it has been still.

Textual draws a screen from a timer on a fixed grid of 1/60 s, paused while nothing changes. When
the timer has been paused for longer than a tick, its next tick comes at once, but it then skips
ahead so that the tick after that waits for the second grid slot, 17 to 33 ms away. With the meters
drawing 25 times a second the timer is paused most of the time, so a keystroke's update often
waited there. This screen's timer only keeps a minimum time between two updates (1/120 s): a
change is drawn as soon as that much time has passed since the last update.

Before drawing, it lets the widgets that were just changed report it (each tells the screen from
its own task, a turn or two of the event loop later): it draws when the event loop has nothing
else ready to run, or after a few turns. So a keystroke's whole answer, the cursor and the detail
it selects, goes out in one update instead of two.

``quiet_collector`` is the other half of keeping keystrokes prompt: see its docstring.
"""

from __future__ import annotations

import asyncio
import gc
import os
from typing import Any

from textual import constants

# Private: the clock Textual's timers tick on (monotonic, perf_counter on Windows); no public
# name for it. This module's Textual and asyncio internals are checked by
# tests/test_private_apis.py.
from textual._time import get_time
from textual.screen import Screen
from textual.timer import EventTargetGone, Timer

# At most 120 updates a second (Textual's own timer: 60), unless TEXTUAL_FPS says otherwise:
# a keystroke that comes just after a meter update need not wait 17 ms for its own.
UPDATE_PERIOD_S = 1 / (constants.MAX_FPS if "TEXTUAL_FPS" in os.environ else 120)
SETTLE_TURNS = 12  # at most this many turns of the event loop before an update


async def settle() -> None:
    """Yield until nothing else is ready to run on the event loop (at most SETTLE_TURNS turns)."""
    # asyncio's private queue of ready callbacks: no public call says whether anything else is
    # ready to run; without it, the full SETTLE_TURNS turns are taken
    ready = getattr(asyncio.get_running_loop(), "_ready", None)
    for _turn in range(SETTLE_TURNS):
        await asyncio.sleep(0)
        if ready is not None and not ready:
            return


class PromptTimer(Timer):
    """Ticks when resumed, at least ``interval`` after its previous tick (no grid)."""

    async def _run(self) -> None:
        previous = -self._interval
        while True:
            await self._active.wait()
            wait_s = previous + self._interval - get_time()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
                continue  # paused meanwhile? wait for the resume again
            await settle()
            previous = get_time()
            try:
                await self._tick(next_timer=previous, count=0)
            except EventTargetGone:
                break


# Textual's Timer internals this relies on (Timer has no public hook for when it ticks); without
# them the screen keeps Textual's own timer.
_TIMER_OK = all(hasattr(Timer, name) for name in ("_run", "_tick", "_active", "_start"))


class PromptScreen(Screen[Any]):
    """A Screen whose updates follow its changes without waiting for a grid slot."""

    _prompt_timer: Timer | None = None

    @property
    def _update_timer(self) -> Timer:
        # Textual's Screen takes the timer that draws it from this private property, calls
        # _on_timer_update on each tick and stops the timers in _timers with the screen: there is
        # no public way to give a screen another update timer.
        if not _TIMER_OK:
            return super()._update_timer
        if self._prompt_timer is None:
            timer = PromptTimer(
                self, UPDATE_PERIOD_S, name="screen_update",
                callback=self._on_timer_update, pause=True,
            )  # fmt: skip
            timer._start()
            self._timers.add(timer)
            self._prompt_timer = timer
        return self._prompt_timer


YOUNG_THRESHOLD = 5000  # new objects between two collections of the youngest generation


def quiet_collector() -> None:
    """Collect the youngest generation after 5,000 new objects instead of Python's 700.

    Drawing leaves reference cycles behind (Textual's strips keep themselves in their own caches):
    about 10,000 objects a second with the meters running. With the default threshold the
    collector ran 15 times a second and promoted the strips still on screen, so a full collection
    stalled the app for 10-40 ms every few seconds. With 5,000, a frame's garbage dies in the
    youngest generation (about 2 ms, twice a second) and full collections become rare.
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
