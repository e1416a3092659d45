"""Shared pieces of the review-app tests: one analysed flawed session per test run, cheap copies
of it (stems linked, the measurement cache copied), a scripted audition, and helpers to start the
app and read the screen as text."""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.playback_estimate import MatchEstimator
from mixreview.analysis.session import APP_DIR, Stem
from mixreview.tui.app import MixReviewApp, make_app
from mixreview.tui.audition import Levels, NoAudio
from tools.make_flawed_session import make_flawed_session

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sample_sessions" / "demo_song"
READY_TIMEOUT_S = 30.0


@functools.cache
def master_session() -> Path:
    """The flawed demo session, made and measured once per test run."""
    root = Path(tempfile.mkdtemp(prefix="mixreview-tui-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    folder = root / "flawed"
    make_flawed_session(DEMO, folder)
    analyze(folder)  # fills folder/.mixreview/cache
    return folder


def link(source: Path, target: Path) -> None:
    """A hard link (the stem is in the session, as a copied one would be), or a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def session_copy(tmp_path: Path, name: str = "song") -> Path:
    """A session of its own for one test: links to the stems, a copy of the cache."""
    master = master_session()
    folder = tmp_path / name
    folder.mkdir()
    for path in master.iterdir():
        if path.name == APP_DIR:
            continue
        if path.suffix.lower() in (".wav", ".flac"):
            link(path, folder / path.name)
        else:
            shutil.copy2(path, folder / path.name)
    shutil.copytree(master / APP_DIR / "cache", folder / APP_DIR / "cache")
    return folder


class FakeAudition:
    """An audition that 'plays': it records what the app asks and reports fixed levels."""

    def __init__(self, duration_s: float = 30.0, available: bool = True) -> None:
        self.available = available
        self.reason = "" if available else "no device here (test)"
        self.clips_possible = True
        self.playing = False
        self.side = "A"
        self.loop_s: tuple[float, float] | None = None
        self.match_loudness = True
        self.offset_db = 0.4
        self.matching = False
        self.offset_estimated = False
        self.estimator: MatchEstimator | None = None
        self.safety_db = 0.0
        self.listeners = 0
        self.label_a, self.label_b = "A", "B"
        self.duration_s = duration_s
        self._position_s = 0.0
        self.a: list[Change] = []
        self.b: list[Change] = []
        self.reference: Stem | None = None
        self.muted: set[str] = set()
        self.soloed: set[str] = set()
        self.level_db = -12.0
        self.calls: list[str] = []
        self.last_clips = None
        self.closed = False

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
        self.a, self.b, self.label_a, self.label_b = list(a), list(b), label_a, label_b
        self.reference = reference
        self.calls.append("set_versions")

    def play(self) -> None:
        self.playing = self.available

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> None:
        self.playing = self.available and not self.playing
        self.calls.append("toggle")

    def seek(self, position_s: float) -> None:
        self._position_s = min(max(0.0, position_s), self.duration_s)

    def switch(self, side: str | None = None) -> None:
        self.side = side or ("B" if self.side == "A" else "A")

    def set_loop(self, span_s: tuple[float, float] | None) -> None:
        """As the player does: the loop rounded to whole samples (at 44.1 kHz)."""
        if span_s is not None:
            span_s = (round(span_s[0] * 44100) / 44100, round(span_s[1] * 44100) / 44100)
        self.loop_s = span_s

    def set_match_loudness(self, on: bool) -> None:
        self.match_loudness = on

    def use_estimator(self, estimator: MatchEstimator | None) -> None:
        self.estimator = estimator

    def set_mute(self, stem: str, muted: bool) -> None:
        (self.muted.add if muted else self.muted.discard)(stem)

    def set_solo(self, stem: str, soloed: bool) -> None:
        (self.soloed.add if soloed else self.soloed.discard)(stem)

    def levels(self) -> Levels:
        files = ("Kick.flac", "Bass.flac")
        return Levels(
            peak_db={f: self.level_db for f in files},
            loudness_lufs={f: self.level_db - 8 for f in files},
        )

    # blind trials, as the real player runs them (analysis.blind)
    blind = None
    blind_possible = True

    def start_blind(self, key: str, review=None, seed: int | None = 7):  # type: ignore[no-untyped-def]
        from mixreview.analysis.blind import Blind

        record = review.record_blind if review is not None else None
        self.blind = Blind(key, self.label_a, self.label_b, seed=seed, record=record)
        return self.blind

    def choose(self, side: str | None = None):  # type: ignore[no-untyped-def]
        assert self.blind is not None
        return self.blind.choose(side or self.side)

    def stop_blind(self) -> None:
        self.blind = None

    @property
    def shown_labels(self) -> tuple[str, str]:
        return ("?", "?") if self.blind is not None else (self.label_a, self.label_b)

    def write_clips(self, out_dir: Path, span_s: tuple[float, float]) -> tuple[Path, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        a, b = out_dir / "A.flac", out_dir / "B.flac"
        a.write_bytes(b"a")
        b.write_bytes(b"b")
        self.calls.append(f"clips {span_s[0]:.1f}-{span_s[1]:.1f}")
        return a, b

    def close(self) -> None:
        self.closed = True


def no_audio(session) -> NoAudio:  # type: ignore[no-untyped-def]
    return NoAudio("audio player not available", session.duration_s)


def new_app(
    session: Path,
    tmp_path: Path | None = None,
    audition: FakeAudition | None = None,
    keymap: Path | None = None,
    meters: bool = False,
) -> MixReviewApp:
    """An app with no sound (or the given fake), no user keymap, one measuring process; the
    meters' timer only where a test is about them (seeking still moves the meters)."""
    factory = (lambda _s: audition) if audition is not None else no_audio
    keys = keymap or (tmp_path or session) / "no-keys.toml"
    return make_app(session, audition_factory=factory, keymap_path=keys, workers=1, meters=meters)


async def wait_ready(app: MixReviewApp, pilot, timeout_s: float = READY_TIMEOUT_S) -> None:  # type: ignore[no-untyped-def]
    """Until the analysis is on screen (or failed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not app.main.ready and app.loading.error is None:
        if loop.time() > deadline:
            raise TimeoutError("the app did not finish loading")
        await pilot.pause(0.02)
    await pilot.pause()


async def until(pilot, condition, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Pause until ``condition()`` holds (timers run late on a busy machine)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the condition did not come true")
        await pilot.pause(0.02)


def screen_text(app: MixReviewApp) -> str:
    """The screen as plain text, one line per row."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notifications(app: MixReviewApp) -> list[str]:
    return [n.message for n in app._notifications]
