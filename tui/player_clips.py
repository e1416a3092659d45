"""The A/B versions every audition keeps, playing or not, and ``ClipsOnly``: the audition used when
nothing can play here, which still writes the A/B passage as two loudness-matched clips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mixreview.analysis.apply import Change, chains_for
from mixreview.analysis.blind import Blind, BlindPick
from mixreview.analysis.clips import ClipSet, write_clips
from mixreview.analysis.playback import audible_stems
from mixreview.analysis.session import Session, Stem
from mixreview.tui.audition import Levels


class AuditionVersions:
    """What every audition keeps, playing or not: versions, labels, blind trials, clips."""

    session: Session
    label_a: str
    label_b: str
    last_clips: ClipSet | None
    _a: list[Change]
    _b: list[Change]
    reference: Stem | None = None  # side B is this reference track when set

    def _store_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None,
    ) -> None:
        """Check the changes (ValueError at once for bad parameters), then keep them."""
        chains_for(a, self.session)
        chains_for(b, self.session)
        self._a, self._b = list(a), list(b)
        self.label_a, self.label_b = label_a, label_b
        self.reference = reference

    def _clip_set(self, out_dir: Path, span_s: tuple[float, float], audible: set[str]) -> ClipSet:
        clips = write_clips(
            self.session, self._a, self._b, span_s, Path(out_dir),
            label_a=self.label_a, label_b=self.label_b, audible=audible,
            match=getattr(self, "match_loudness", True), reference=self.reference,
        )  # fmt: skip
        self.last_clips = clips
        return clips


class ClipsOnly(AuditionVersions):
    """An audition that cannot play here but keeps the transport state like ``NoAudio`` and can
    write the A/B passage as two matched clips (``clips_possible``).

    Not a ``NoAudio`` subclass on purpose: the app treats a NoAudio as unable to write clips.
    """

    clips_possible = True
    blind_possible = False
    listeners = 0
    blind: Blind | None = None

    def __init__(self, session: Session, reason: str) -> None:
        self.session = session
        self.available = False
        self.reason = reason
        self.playing = False
        self.side = "A"
        self.loop_s: tuple[float, float] | None = None
        self.match_loudness = True
        self.offset_db = 0.0
        self.matching = False
        self.safety_db = 0.0
        self.label_a, self.label_b = "A", "B"
        self.duration_s = session.duration_s
        self.last_clips = None
        self.muted: set[str] = set()
        self.soloed: set[str] = set()
        self._a: list[Change] = []
        self._b: list[Change] = []
        self._position_s = 0.0

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
        self._store_versions(a, b, label_a, label_b, reference)

    def play(self) -> None:
        self.playing = False

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        self.playing = False

    def seek(self, position_s: float) -> None:
        self._position_s = min(max(0.0, float(position_s)), self.duration_s)

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

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        files = [s.file for s in self.session.mix_stems]
        audible = audible_stems(files, self.muted, self.soloed)
        return self._clip_set(out_dir, span_s, audible).paths

    @property
    def shown_labels(self) -> tuple[str, str]:
        return (self.label_a, self.label_b)

    def start_blind(self, key: str, review: Any = None) -> Blind:
        raise RuntimeError(f"blind A/B needs sound: {self.reason}")

    def choose(self, side: str | None = None) -> BlindPick:
        raise RuntimeError("no blind comparison is running")

    def stop_blind(self) -> None:
        pass

    def close(self) -> None:
        pass
