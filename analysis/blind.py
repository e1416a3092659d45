"""Blind comparison: which of two versions the listener prefers without knowing which is which.

Each trial hides the two versions behind the shown sides "A" and "B" in an order drawn at random:
the order of trial n comes from a generator seeded with (seed, key, n), so a run can be replayed
in tests while a fresh seed per run keeps the listener from learning a pattern. The listener
switches between the shown sides as usual (loudness matching must stay on: the louder version
would otherwise give itself away) and picks one; the pick is told in the real labels, recorded in
the review (``Review.record_blind``), and the next trial starts with a new order.

This defeats "louder sounds better" and "newer sounds better".
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SHOWN = ("A", "B")

Recorder = Callable[[str, str, str, str], None]
"""``(key, preferred_label, a_label, b_label)``: e.g. ``Review.record_blind``."""


@dataclass(frozen=True)
class BlindPick:
    """The outcome of one trial: the shown side picked and what it really was."""

    trial: int
    shown: str
    real_side: str  # "A" or "B" of the versions given to the player
    label: str  # that version's label, e.g. "with the EQ"


@dataclass
class Blind:
    """Trials of a blind A/B of ``key`` (e.g. a suggestion id) between two labelled versions."""

    key: str
    label_a: str
    label_b: str
    seed: int = field(default_factory=lambda: secrets.randbits(63))
    record: Recorder | None = None
    trial: int = 0
    picks: list[BlindPick] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._swapped = self._draw(self.trial)

    def _draw(self, trial: int) -> bool:
        text = f"{self.seed}:{self.key}:{trial}".encode()
        seed = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")
        return bool(np.random.default_rng(seed).integers(0, 2))

    def real_side(self, shown: str) -> str:
        """The real side ("A" or "B") behind the shown side of the current trial."""
        if shown not in SHOWN:
            raise ValueError(f"side must be A or B, got {shown!r}")
        if not self._swapped:
            return shown
        return "B" if shown == "A" else "A"

    def label_of(self, real_side: str) -> str:
        return self.label_a if real_side == "A" else self.label_b

    def choose(self, shown: str) -> BlindPick:
        """The listener prefers ``shown``: record it (if a recorder is set), start the next trial
        and say what it was."""
        real = self.real_side(shown)
        pick = BlindPick(self.trial, shown, real, self.label_of(real))
        self.picks.append(pick)
        if self.record is not None:
            self.record(self.key, pick.label, self.label_a, self.label_b)
        self.trial += 1
        self._swapped = self._draw(self.trial)
        return pick

    def tally(self) -> dict[str, int]:
        """Wins per label so far in this run."""
        wins = {self.label_a: 0, self.label_b: 0}
        for pick in self.picks:
            wins[pick.label] = wins.get(pick.label, 0) + 1
        return wins
