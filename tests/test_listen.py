"""Hearing the review elsewhere: ``mixreview listen`` streams what the app plays as WAV.

The player here runs on a clock (no sound card: as over SSH without forwarded audio), the listen
command runs as a real process and its standard output is the recording.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.apply import Change
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import render_mix
from mixreview.analysis.session import Session, load_session
from mixreview.cli.listen import UNKNOWN, choose_app, wav_stream_header
from mixreview.tui.listen_socket import RunningApp, running_apps, socket_dir
from mixreview.tui.player import make_audition
from mixreview.tui.player_listen import ListenOnlyPlayer

pytest_plugins = ("tests.ssh_support",)  # the sshd fixture

SR = 48000
SSH = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.9 22"}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("listen") / "song"
    folder.mkdir()
    n = 10 * SR
    t = np.arange(n) / SR
    rng = np.random.default_rng(5)
    bass = 0.25 * np.sin(2 * np.pi * 110 * t)
    pad = rng.standard_normal((n, 2)) * 0.05
    sf.write(str(folder / "Bass.wav"), bass.astype(np.float32), SR, subtype="PCM_24")
    sf.write(str(folder / "Pad.wav"), pad.astype(np.float32), SR, subtype="PCM_24")
    return load_session(folder)


def wait_for(predicate, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def listen_process(session: Session, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mixreview", "listen", str(session.path), *extra]
    return subprocess.Popen(command, stdout=out.open("wb"), stderr=subprocess.PIPE)


def lufs(x: np.ndarray) -> float:
    meter = LoudnessMeter(SR, 2)
    meter.update(x)
    return meter.result().integrated_lufs


def test_the_wav_stream_header_says_its_length_is_unknown() -> None:
    header = wav_stream_header(48000, 2, "s16")
    assert header[:4] == b"RIFF" and header[8:16] == b"WAVEfmt " and len(header) == 44
    assert int.from_bytes(header[4:8], "little") == UNKNOWN
    assert int.from_bytes(header[40:44], "little") == UNKNOWN
    assert int.from_bytes(header[24:28], "little") == 48000  # the rate
    assert wav_stream_header(44100, 2, "float")[20:22] == (3).to_bytes(2, "little")


def test_the_socket_folder_is_private() -> None:
    folder = socket_dir()
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.stat().st_uid == os.getuid()


def test_which_app_to_listen_to() -> None:
    one = RunningApp(1, "/songs/a", Path("/x/1.sock"))
    two = RunningApp(2, "/songs/b", Path("/x/2.sock"))
    assert choose_app([one], None) == one
    assert "no mixreview app is running" in str(choose_app([], None))
    several = choose_app([one, two], None)
    assert isinstance(several, str) and "/songs/a (pid 1)" in several and "/songs/b" in several
    assert choose_app([one, two], Path("/songs/b")) == two
    assert "has /songs/c open" in str(choose_app([one, two], Path("/songs/c")))


def test_over_ssh_the_app_plays_for_its_listeners(session: Session, tmp_path: Path) -> None:
    player = make_audition(session, environ=SSH, loader=lambda: pytest.fail("no PortAudio"))
    assert isinstance(player, ListenOnlyPlayer)
    try:
        assert not player.available and "mixreview listen" in player.reason
        assert any(app.pid == os.getpid() for app in running_apps())
        out = tmp_path / "heard.wav"
        listener = listen_process(session, out, "--format", "float")
        assert wait_for(lambda: player.listeners == 1), listener.stderr
        assert player.available and player.reason == ""
        quieter = Change("gain", ("Bass.wav", "Pad.wav"), {"gain_db": -6.0})
        player.set_versions([], [quieter], "as is", "6 dB down")
        player.set_match_loudness(False)
        player.play()
        assert wait_for(lambda: player.mixer.position_frames > 3 * SR)
        player.switch("B")
        switched = player.mixer.position_frames
        assert wait_for(lambda: player.mixer.position_frames > switched + 3 * SR)
        player.pause()
        time.sleep(0.3)
    finally:
        player.close()
    assert listener.wait(timeout=10) == 0  # the app quit: the stream ends
    data = out.read_bytes()
    assert int.from_bytes(data[4:8], "little") == UNKNOWN
    heard = np.frombuffer(data[44:], "<f4").reshape(-1, 2)
    start = int(np.flatnonzero(np.abs(heard).max(axis=1) > 1e-4)[0])
    a = heard[start + SR // 2 : start + 2 * SR + SR // 2]  # A, past the fade-in
    rendered = render_mix(session, [], SR // 2, 2 * SR + SR // 2)
    assert lufs(a) == pytest.approx(lufs(rendered), abs=0.5)
    b_at = start + (switched - 0) + SR  # a second after the switch
    b = heard[b_at : b_at + 2 * SR]
    assert len(b) == 2 * SR
    assert lufs(b) - lufs(a) == pytest.approx(-6.0, abs=1.0)


def test_a_slow_or_killed_listener_never_stalls_the_app(session: Session, tmp_path: Path) -> None:
    player = make_audition(session, environ=SSH, loader=lambda: pytest.fail("no PortAudio"))
    assert isinstance(player, ListenOnlyPlayer) and player.listen is not None
    stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stalled.connect(str(player.listen.path))  # connects, then never reads
        killed = listen_process(session, tmp_path / "killed.wav")
        assert wait_for(lambda: player.listeners == 2)
        player.play()
        assert wait_for(lambda: player.mixer.position_frames > SR)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=5)
        assert wait_for(lambda: player.listeners == 1)
        at = player.mixer.position_frames
        assert wait_for(lambda: player.mixer.position_frames > at + 4 * SR, 8)  # still playing
        assert player.listen.dropped > 0  # the slow one lost blocks
    finally:
        stalled.close()
        player.close()
    assert not player.listen.path.exists()


def test_listen_says_when_no_app_runs(session: Session, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mixreview", "listen", str(tmp_path / "nothing")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no mixreview app has" in done.stderr


def test_listening_over_a_real_ssh_hop(session: Session, tmp_path: Path, sshd) -> None:  # type: ignore[no-untyped-def]
    player = make_audition(session, environ=SSH, loader=lambda: pytest.fail("no PortAudio"))
    assert isinstance(player, ListenOnlyPlayer)
    out = tmp_path / "over-ssh.wav"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    remote = f"XDG_RUNTIME_DIR={runtime} {sys.executable} -m mixreview listen {session.path}"
    hop = subprocess.Popen([*sshd, remote], stdout=out.open("wb"), stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: player.listeners == 1, 20), hop.stderr
        player.set_versions([], [], "as is", "as is")
        player.set_match_loudness(False)
        player.play()
        assert wait_for(lambda: player.mixer.position_frames > 3 * SR)
        player.pause()
        time.sleep(0.5)
    finally:
        player.close()
    assert hop.wait(timeout=20) == 0
    data = out.read_bytes()
    assert data[:4] == b"RIFF" and int.from_bytes(data[34:36], "little") == 16  # 16-bit
    heard = np.frombuffer(data[44:], "<i2").reshape(-1, 2).astype(np.float32) / 32768
    start = int(np.flatnonzero(np.abs(heard).max(axis=1) > 1e-3)[0])
    a = heard[start + SR // 2 : start + 2 * SR + SR // 2]
    assert lufs(a) == pytest.approx(lufs(render_mix(session, [], SR // 2, 2 * SR + SR // 2)),
                                    abs=0.5)  # fmt: skip


async def test_the_app_says_how_to_listen_and_who_listens(tmp_path: Path) -> None:
    from mixreview.tui.app import make_app
    from tests.test_tui_support import screen_text, session_copy, until, wait_ready

    song = session_copy(tmp_path)
    factory = lambda s: make_audition(s, environ=SSH, loader=lambda: pytest.fail("PortAudio"))  # noqa: E731
    app = make_app(song, audition_factory=factory, keymap_path=tmp_path / "k.toml", workers=1,
                   meters=False)  # fmt: skip
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(app, pilot)
        assert "mixreview listen | ffplay -nodisp -" in app.audition.reason
        assert "no audio: over SSH, listen with `ssh" in screen_text(app)
        player = app.audition
        assert isinstance(player, ListenOnlyPlayer) and player.listen is not None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(str(player.listen.path))
            await until(pilot, lambda: "1 listener" in screen_text(app))
            assert "no audio" not in screen_text(app)
            await pilot.press("space")
            await until(pilot, lambda: app.audition.playing)
            header = client.recv(200)
            assert b'"rate": 48000' in header
