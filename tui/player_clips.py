"""The A/B versions every audition keeps, playing or not, and ``ClipsOnly``: the audition used when
nothing can play here, which still writes the A/B passage as two loudness-matched clips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mixreview.analysis.apply import Change, chains_for
from mixreview.analysis.clips import ClipSet, write_clips
from mixreview.analysis.playback import audible_stems
from mixreview.analysis.session import Session, Stem
from mixreview.tui.audition import NoAudio


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


class ClipsOnly(AuditionVersions, NoAudio):
    """An audition that cannot play here: the transport state of ``NoAudio``, plus checked A/B
    versions it can write as two matched clips (``clips_possible``)."""

    def __init__(self, session: Session, reason: str) -> None:
        NoAudio.__init__(self, reason, session.duration_s)
        self.session = session
        self.clips_possible = True

    def set_versions(
        self,
        a: Sequence[Change],
        b: Sequence[Change],
        label_a: str,
        label_b: str,
        reference: Stem | None = None,
    ) -> None:
        self._store_versions(a, b, label_a, label_b, reference)

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        files = [s.file for s in self.session.mix_stems]
        audible = audible_stems(files, self.muted, self.soloed)
        return self._clip_set(out_dir, span_s, audible).paths
