"""How often the stems' meters are drawn: 25 times a second, fewer over a slow link, or not at all.

At 25 Hz the meters send about 40-65 kB a second to the terminal while audio plays (every stem
moving, 80x24 to 120x40; only the part of a row that changed is sent), at 10 Hz about half that.
Over a slow SSH link that can fill the link and delay everything else, keystrokes included.
``MIXREVIEW_METER_HZ`` sets the rate when the app starts (a number of times a second from 1 to 30,
or ``off``); the ``M`` key and the command palette switch between 25 Hz, 10 Hz and off while it
runs. With the meters off the transport clock still moves (twice a second) and seeking still shows
the measured levels at the playhead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from textual.message_pump import MessagePump
from textual.timer import Timer

ENV_METER_HZ = "MIXREVIEW_METER_HZ"
DEFAULT_HZ = 25
MAX_HZ = 30
CHOICES = (25, 10, 0)  # what the key steps through; 0 is off
CLOCK_HZ_WHEN_OFF = 2  # the transport clock keeps moving with the meters off
OFF_WORDS = ("off", "no", "none", "false", "0")


def parse_meter_hz(text: str) -> tuple[int, str | None]:
    """A rate from the environment: (Hz, None), or (the default, what is wrong with it)."""
    value = text.strip().lower().removesuffix("hz").strip()
    if value in OFF_WORDS:
        return 0, None
    try:
        hz = round(float(value))
    except ValueError:
        return DEFAULT_HZ, (
            f"{ENV_METER_HZ}={text!r} is not a rate: give times a second (1 to {MAX_HZ}) or "
            f"off. The meters run at {DEFAULT_HZ} Hz."
        )
    if hz < 1:
        return 0, None
    if hz > MAX_HZ:
        return MAX_HZ, f"{ENV_METER_HZ}={text}: at most {MAX_HZ} Hz; the meters run at {MAX_HZ}."
    return hz, None


def label(hz: int) -> str:
    return f"meters {hz} Hz" if hz else "meters off"


class MeterClock:
    """The timer behind the meters, at the chosen rate."""

    def __init__(self, hz: int = DEFAULT_HZ, problem: str | None = None) -> None:
        self.hz = hz
        self.problem = problem  # a bad MIXREVIEW_METER_HZ, to show once
        self.changed = False  # changed from the keyboard or the palette
        self._timer: Timer | None = None
        self._owner: MessagePump | None = None
        self._tick: Callable[[], object] | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> MeterClock:
        text = environ.get(ENV_METER_HZ, "")
        if not text.strip():
            return cls()
        hz, problem = parse_meter_hz(text)
        return cls(hz, problem)

    @property
    def meters_on(self) -> bool:
        return self.hz > 0

    @property
    def interval_s(self) -> float:
        return 1 / (self.hz or CLOCK_HZ_WHEN_OFF)

    @property
    def running(self) -> bool:
        return self._timer is not None

    @property
    def subtitle(self) -> str:
        """For the stems panel's border: the rate, when it is not the usual one (or was set)."""
        return label(self.hz) + " (M)" if self.changed or self.hz != DEFAULT_HZ else ""

    def start(self, owner: MessagePump, tick: Callable[[], object]) -> None:
        """Call ``tick`` at the rate from now on (again: restart)."""
        self.stop()
        self._owner, self._tick = owner, tick
        self._timer = owner.set_interval(self.interval_s, tick, name="meters")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def set_hz(self, hz: int) -> None:
        """A new rate (0: off); a running timer follows it."""
        self.hz = max(0, min(MAX_HZ, int(hz)))
        self.changed = True
        if self._timer is not None and self._owner is not None and self._tick is not None:
            self.start(self._owner, self._tick)

    def next_hz(self) -> int:
        """The rate after this one among 25 Hz, 10 Hz and off (from another rate: 25 Hz)."""
        if self.hz not in CHOICES:
            return CHOICES[0]
        return CHOICES[(CHOICES.index(self.hz) + 1) % len(CHOICES)]


def palette_commands() -> list[tuple[str, str, str]]:
    """(title, help, action) for the command palette."""
    return [
        (f"Meters: {'off' if hz == 0 else f'{hz} Hz'}", "how often the meters are drawn",
         f"meter_rate({hz})")
        for hz in CHOICES
    ]  # fmt: skip
