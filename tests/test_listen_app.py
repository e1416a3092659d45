"""The whole app over a real SSH hop, heard through ``mixreview listen``.

``python -m mixreview SESSION`` runs on the far side of ``ssh -tt`` to this machine, in a
pseudo-terminal as a user's terminal would hold it, so sshd sets ``SSH_CONNECTION`` and the app
picks the listen-only player by itself. A second ``ssh ... mixreview listen SESSION`` records what
it plays to a file while the test types the keys a reviewer would: select the headroom suggestion,
loudness matching off, ``space``, ``b``, ``space``, ``q``. The recording must be a WAV stream of the
session's own audio (the offline render of the same passages, by loudness and by waveform) in which
B is the mix turned down by the suggestion's gain, as the suggestion says.

The sshd is a throwaway one (``tests.ssh_support``); without sshd or ssh the test is skipped.
Every process it starts, here or on the far side of the hop, is ended before it returns. A
smaller test here checks in-process that A/B plays the suggestion a filter leaves selected.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from scipy import signal as scipy_signal

from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change, change_of
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import render_mix
from mixreview.analysis.session import Session, load_session
from mixreview.analysis.suggest import suggest
from mixreview.cli.listen import UNKNOWN
from tests.pty_support import COLUMNS, ROWS, Terminal, shows, until
from tests.test_tui_support import session_copy

pytest_plugins = ("tests.ssh_support",)  # the sshd fixture

HEADER_BYTES = 44
FRAME_BYTES = 4  # 16-bit stereo
SOUND = 1e-3  # above 16-bit silence, far below the music
PASSAGE_S = 2.0  # the length of each passage compared with the offline render
A_FROM_S = 0.5  # A is compared from here (past the fade-in of play)
B_MARGIN_S = 1.0  # B is compared from this long after the screen said "hearing B"
REACH_S = 0.25  # how far a passage is searched for around where it should be (< a beat)
PLAY_S = 3.0  # how long A plays before `b`
STARTUP_TIMEOUT_S = 90.0  # a loaded 2-core machine: the app's start, sshd's, Python's imports
STEP_TIMEOUT_S = 30.0


class Recording:
    """The file ``mixreview listen`` writes to: a 16-bit stereo WAV stream, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start: int | None = None  # the frame where sound begins

    def frames(self) -> int:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return 0
        return max(0, (size - HEADER_BYTES) // FRAME_BYTES)

    def samples(self) -> np.ndarray:
        data = self.path.read_bytes()[HEADER_BYTES:]
        usable = len(data) - len(data) % FRAME_BYTES
        return np.frombuffer(data[:usable], "<i2").reshape(-1, 2).astype(np.float32) / 32768

    def sound_for(self, seconds: float, rate: int) -> bool:
        """Whether sound has begun and lasted ``seconds`` so far."""
        if self.start is None:
            loud = np.flatnonzero(np.abs(self.samples()).max(axis=1) > SOUND)
            if len(loud) == 0:
                return False
            self.start = int(loud[0])
        return self.frames() >= self.start + seconds * rate

    def silent_tail(self, since: int, seconds: float, rate: int) -> bool:
        """Whether the last ``seconds`` are silent and all came after frame ``since``."""
        frames = self.frames()
        want = int(seconds * rate)
        if frames < since + want:
            return False
        return bool(np.abs(self.samples()[frames - want : frames]).max() == 0)


def remote(command: Sequence[str], pid_file: Path, env: Mapping[str, str], cwd: Path) -> str:
    """The shell line run on the far side: note its pid (to end it if need be), then exec."""
    settings = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    return (
        f"cd {shlex.quote(str(cwd))} && echo $$ > {shlex.quote(str(pid_file))} && "
        f"exec env -u PULSE_SERVER -u MIXREVIEW_AUDIO {settings} {shlex.join(command)}"
    )


def end_remote(pid_file: Path) -> bool:
    """End the far-side process whose pid is in ``pid_file``; whether it had still been running."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    if b"mixreview" not in cmdline:  # ended, and the pid is another process's now
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
    return True


def lufs(x: np.ndarray, rate: int) -> float:
    meter = LoudnessMeter(rate, 2)
    meter.update(x)
    return float(meter.result().integrated_lufs)


def find(heard: np.ndarray, passage: np.ndarray, guess: int, reach: int) -> int:
    """Where ``passage`` starts in ``heard``, within ``guess`` ± ``reach`` (by cross-correlation,
    which a gain does not move)."""
    lo = max(0, guess - reach)
    window = heard[lo : guess + reach + len(passage)].mean(axis=1)
    assert len(window) >= len(passage), "the recording is shorter than the passage"
    score = scipy_signal.correlate(window, passage.mean(axis=1), mode="valid", method="fft")
    return lo + int(np.argmax(score))


def alike(heard: np.ndarray, rendered: np.ndarray) -> float:
    """The correlation of two passages' waveforms (1: the same audio up to a gain)."""
    return float(np.corrcoef(heard.mean(axis=1), rendered.mean(axis=1))[0, 1])


def headroom_change(song: Path) -> Change:
    """The headroom suggestion the app will show: every stem turned down by its gain."""
    found = [s for s in suggest(analyze(song, workers=1)) if s.kind == "headroom"]
    assert found, "the flawed session no longer gets a headroom suggestion"
    return change_of(found[0])


def test_the_app_over_ssh_heard_through_listen(tmp_path: Path, sshd: list[str]) -> None:
    song = session_copy(tmp_path).resolve()
    session: Session = load_session(song)
    rate = session.sample_rate
    turn_down = headroom_change(song)
    gain_db = float(turn_down.params["gain_db"])
    assert gain_db < -3, "a turn-down too small to tell A from B"

    runtime = Path(tempfile.mkdtemp(prefix="mrl-"))  # short: a socket path has ~100 bytes
    env = {
        "XDG_RUNTIME_DIR": str(runtime),  # the app's socket, private to this test
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no user keymap
    }
    app_pid, listen_pid = tmp_path / "app.pid", tmp_path / "listen.pid"
    out = Recording(tmp_path / "heard.wav")
    app_line = remote([sys.executable, "-m", "mixreview", str(song)], app_pid, env, tmp_path)
    listen_line = remote(
        [sys.executable, "-m", "mixreview", "listen", str(song)], listen_pid, env, tmp_path
    )
    term_env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR")}
    term_env["TERM"] = "xterm-256color"
    term = Terminal([*sshd[:-1], "-tt", "-e", "none", sshd[-1], app_line], term_env)
    listener: subprocess.Popen[bytes] | None = None
    stderr = (tmp_path / "listen.err").open("wb")
    try:
        until(term, shows(term, "no audio: over SSH"), "the review screen did not show",
              STARTUP_TIMEOUT_S)  # fmt: skip
        mark = term.press("/")  # the filter field takes the keys once it shows
        until(term, shows(term, "words to match", mark), "the filter field did not open")
        mark = term.press("headroom")
        until(term, shows(term, "headroom · all stems", mark), "the filter did not select it")
        mark = term.press("\r")
        until(term, shows(term, "filter “headroom”", mark), "the filter was not kept")
        mark = term.press("L")
        until(term, shows(term, "match off", mark), "loudness matching did not turn off")

        with out.path.open("wb") as stdout:
            listener = subprocess.Popen([*sshd, listen_line], stdout=stdout, stderr=stderr)
        until(term, shows(term, "1 listener"), "the app did not count its listener")

        term.press(" ")
        until(term, lambda: out.sound_for(PLAY_S, rate), "A was not heard")
        mark = term.press("b")
        until(term, shows(term, "hearing B", mark), "the app did not switch to B")
        b_from = out.frames() + int(B_MARGIN_S * rate)
        b_needed = b_from + int((PASSAGE_S + 2 * REACH_S) * rate)
        until(term, lambda: out.frames() >= b_needed, "B was not heard")
        paused = out.frames()
        term.press(" ")
        until(term, lambda: out.silent_tail(paused, 0.3, rate), "the pause was not heard")

        term.press("q")
        until(term, lambda: term.exit_status() is not None, "the app did not quit")
        assert listener.wait(timeout=STEP_TIMEOUT_S) == 0  # the app quit: the stream ended
        assert term.exit_status() == 0
    finally:
        term.close()
        if listener is not None and listener.poll() is None:
            listener.kill()
            listener.wait(timeout=10)
        stderr.close()
        left = [p.name for p in (app_pid, listen_pid) if end_remote(p)]
        shutil.rmtree(runtime, ignore_errors=True)
    assert not left, f"still running after the app quit: {left}"
    assert out.start is not None

    data = out.path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt " and data[36:40] == b"data"
    assert int.from_bytes(data[4:8], "little") == UNKNOWN  # a stream: its length is unknown
    assert int.from_bytes(data[40:44], "little") == UNKNOWN
    channels, sample_rate = struct.unpack("<HI", data[22:28])
    assert (channels, sample_rate) == (2, rate)
    assert int.from_bytes(data[34:36], "little") == 16  # 16-bit

    heard = out.samples()
    reach = int(REACH_S * rate)
    a_from, length = int(A_FROM_S * rate), int(PASSAGE_S * rate)
    rendered_a = render_mix(session, [], a_from, length)
    a_at = find(heard, rendered_a, out.start + a_from, reach)
    heard_a = heard[a_at : a_at + length]
    assert alike(heard_a, rendered_a) > 0.99  # the session's audio, not just as loud
    assert lufs(heard_a, rate) == pytest.approx(lufs(rendered_a, rate), abs=0.5)

    b_session = b_from - (a_at - a_from)  # where B's passage should be in the song
    plain_b = render_mix(session, [], b_session, length)
    b_at = find(heard, plain_b, b_from, reach)
    heard_b = heard[b_at : b_at + length]
    assert alike(heard_b, plain_b) > 0.99
    assert lufs(heard_b, rate) == pytest.approx(
        lufs(render_mix(session, [turn_down], b_session, length), rate), abs=0.5
    )
    # what the suggestion says B is: the same mix, turned down by its gain
    assert lufs(heard_b, rate) - lufs(plain_b, rate) == pytest.approx(gain_db, abs=0.5)


async def test_a_b_follows_the_suggestion_a_filter_selects(tmp_path: Path) -> None:
    """Filtering the queue can leave the selected suggestion out: the one shown instead is the
    one A/B plays (not the one the filter hid)."""
    from tests.test_tui_support import FakeAudition, new_app, until, wait_ready

    song = session_copy(tmp_path)
    audition = FakeAudition()
    app = new_app(song, tmp_path, audition=audition)
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        await wait_ready(app, pilot)
        first = app.main.selected
        await until(pilot, lambda: [c.source_id for c in audition.b] == [first])
        await pilot.press("slash", *"headroom", "enter")
        await until(pilot, lambda: str(app.main.selected).startswith("headroom"))
        await until(pilot, lambda: [c.kind for c in audition.b] == ["headroom"])
        assert [c.source_id for c in audition.b] == [app.main.selected]
