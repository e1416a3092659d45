"""What the app asks of audio: the interface between the review app and the audition player.

The app only talks to an ``Audition``, and only through this protocol (no probing of which
kind it is). ``NoAudio`` is the stand-in when nothing can play here (no PortAudio, no output
device, an SSH session without forwarded audio): every action still answers, and ``reason`` says
why there is no sound. The real player and ``ClipsOnly`` (no sound, but clips) live in
``tui/player*.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mixreview.analysis.apply import Change
from mixreview.analysis.blind import Blind, BlindPick
from mixreview.analysis.clips import ClipSet
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.session import Stem


@dataclass
class Levels:
    """Meter readings per stem (and ``"(mix)"``) for the UI to draw: peak dBFS, short-term LUFS,
    L/R correlation of what is heard."""

    peak_db: dict[str, float] = field(default_factory=dict)
    loudness_lufs: dict[str, float] = field(default_factory=dict)
    correlation: dict[str, float] = field(default_factory=dict)


class Audition(Protocol):
    """Transport and A/B of two versions of the mix, loudness-matched by default."""

    available: bool
    reason: str
    loop_s: tuple[float, float] | None
    match_loudness: bool
    offset_db: float  # gain applied to B to match A's loudness (shown in the UI)
    label_a: str
    label_b: str
    clips_possible: bool  # can write the A/B passage as two clips
    blind_possible: bool  # can run blind trials (it needs sound)
    blind: Blind | None  # the blind trials running, if any
    last_clips: ClipSet | None

    @property
    def listeners(self) -> int:
        """How many ``mixreview listen`` clients hear what plays."""

    @property
    def shown_labels(self) -> tuple[str, str]:
        """The labels to show: hidden ("?") during blind trials."""

    @property
    def matching(self) -> bool:
        """The offset for what plays now is still being measured (``offset_db`` is stale)."""

    @property
    def offset_estimated(self) -> bool:
        """``offset_db`` is the instant estimate from the measurements; the exact match of what
        plays now is still being measured."""

    def use_estimator(self, estimator: MatchEstimator | None) -> None:
        """Estimate each match at once from the session's measurements (None: do not)."""

    @property
    def safety_db(self) -> float:
        """The monitor's safety gain drop in dB (0 or below): what keeps the output under full
        scale; never applied to exports."""

    @property
    def playing(self) -> bool: ...

    @property
    def side(self) -> str:
        """The side heard: "A" or "B"."""

    @property
    def position_s(self) -> float: ...

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None = None,
    ) -> None:
        """Versions A and B, or version A and a ``reference`` track playing as B."""

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def toggle(self) -> None: ...

    def seek(self, position_s: float) -> None: ...

    def switch(self, side: str | None = None) -> None: ...

    def set_loop(self, span_s: tuple[float, float] | None) -> None: ...

    def set_match_loudness(self, on: bool) -> None: ...

    def set_mute(self, stem: str, muted: bool) -> None: ...

    def set_solo(self, stem: str, soloed: bool) -> None: ...

    def levels(self) -> Levels: ...

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]: ...

    def start_blind(self, key: str, review: Any = None) -> Blind:
        """Hide which side is which for trials of ``key`` (RuntimeError without sound)."""

    def choose(self, side: str | None = None) -> BlindPick:
        """The listener prefers ``side`` (default: the one playing); the next trial starts."""

    def stop_blind(self) -> None: ...

    def close(self) -> None: ...


class NoAudio:
    """An Audition that cannot play: it keeps the transport state so the app behaves the same."""

    def __init__(self, reason: str, duration_s: float = 0.0) -> None:
        self.available = False
        self.reason = reason
        self.playing = False
        self.side = "A"
        self.loop_s: tuple[float, float] | None = None
        self.match_loudness = True
        self.offset_db = 0.0
        self.matching = False
        self.offset_estimated = False
        self.safety_db = 0.0
        self.clips_possible = False
        self.blind_possible = False
        self.listeners = 0
        self.blind: Blind | None = None
        self.last_clips: ClipSet | None = None
        self.label_a = "A"
        self.label_b = "B"
        self.duration_s = duration_s
        self._position_s = 0.0
        self._a: list[Change] = []
        self._b: list[Change] = []
        self.reference: Stem | None = None
        self.muted: set[str] = set()
        self.soloed: set[str] = set()

    @property
    def position_s(self) -> float:
        return self._position_s

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None = None,
    ) -> None:
        self._a, self._b = list(a), list(b)
        self.label_a, self.label_b = label_a, label_b
        self.reference = reference

    def play(self) -> None:
        self.playing = False

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        self.playing = False

    def seek(self, position_s: float) -> None:
        position_s = float(position_s)
        self._position_s = min(max(0.0, position_s), self.duration_s or position_s)

    def switch(self, side: str | None = None) -> None:
        side = side or ("B" if self.side == "A" else "A")
        if side not in ("A", "B"):
            raise ValueError(f"side must be A or B, got {side!r}")
        self.side = side

    def set_loop(self, span_s: tuple[float, float] | None) -> None:
        self.loop_s = span_s

    def set_match_loudness(self, on: bool) -> None:
        self.match_loudness = bool(on)

    def set_mute(self, stem: str, muted: bool) -> None:
        (self.muted.add if muted else self.muted.discard)(stem)

    def set_solo(self, stem: str, soloed: bool) -> None:
        (self.soloed.add if soloed else self.soloed.discard)(stem)

    def levels(self) -> Levels:
        return Levels()

    @property
    def shown_labels(self) -> tuple[str, str]:
        return (self.label_a, self.label_b)

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        raise RuntimeError("clip export is provided by the audition player")

    def start_blind(self, key: str, review: Any = None) -> Blind:
        raise RuntimeError(f"blind A/B needs sound: {self.reason}")

    def choose(self, side: str | None = None) -> BlindPick:
        raise RuntimeError("no blind comparison is running")

    def stop_blind(self) -> None:
        self.blind = None

    def use_estimator(self, estimator: MatchEstimator | None) -> None:
        """Nothing plays here, so nothing is matched."""

    def close(self) -> None:
        pass
