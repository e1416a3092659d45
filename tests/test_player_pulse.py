"""The player against a real audio server (a PulseAudio null sink), and every no-audio path.

The PulseAudio tests play through ``tui.player`` on device "pulse" and record the sink's monitor
in the same process: what was heard must be what the mixer rendered (after the server's start
latency), an A/B switch must land within 2 blocks without a click, and the matched sides must
read within 0.5 LU. ``.ci/run`` starts the server; locally the fixture starts one (and stops it)
when ``pulseaudio`` is installed, and the tests are skipped, saying so, when it is not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from mixreview.analysis.apply import Change
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import Mixer, render_mix
from mixreview.analysis.reference import reference_stem
from mixreview.analysis.session import Session, load_session
from mixreview.tui import player as player_mod
from mixreview.tui.listening import no_sound_text
from mixreview.tui.player import ClipsOnly, Player, make_audition, quiet_stderr, ssh_without_audio

SR = 48000
BLOCK = 1024
SINK = "ci_sink"
NO_SSH: dict[str, str] = {}


# ------------------------------------------------------------------------------ session ---


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("player") / "song"
    folder.mkdir()
    n = 8 * SR
    t = np.arange(n) / SR
    rng = np.random.default_rng(3)
    bass = 0.3 * np.sin(2 * np.pi * 110 * t) * (0.7 + 0.3 * np.sin(2 * np.pi * 0.5 * t))
    keys = 0.15 * np.sin(2 * np.pi * 440 * t + 1.0)
    pad = signal.lfilter([0.02], [1.0, -0.98], rng.standard_normal((n, 2)), axis=0) * 0.3
    sf.write(str(folder / "Bass.wav"), bass.astype(np.float32), SR, subtype="PCM_24")
    sf.write(str(folder / "Keys.wav"), np.stack([keys, keys], 1).astype(np.float32), SR,
             subtype="PCM_24")  # fmt: skip
    sf.write(str(folder / "Pad.wav"), pad.astype(np.float32), SR, subtype="PCM_24")
    return load_session(folder)


FLIP = Change("polarity", ("Bass.wav", "Keys.wav", "Pad.wav"), {})  # B = -A: clicks if cut
UP = Change("gain", ("Keys.wav",), {"gain_db": 6.0})


def lufs(x: np.ndarray) -> float:
    meter = LoudnessMeter(SR, 2)
    meter.update(x)
    return meter.result().integrated_lufs


def max_jump(x: np.ndarray) -> float:
    return float(np.abs(np.diff(x, axis=0)).max())


# ------------------------------------------------------------------------ the audio server ---


def _pactl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)


def _server_up() -> bool:
    try:
        return _pactl("info").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def pulse() -> Any:
    """A PulseAudio server with the float32 null sink ``ci_sink`` (FACTS.md recipe)."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    process = None
    module = None
    if not _server_up():
        process = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n",
             "-L", "module-native-protocol-unix",
             "-L", f"module-null-sink sink_name={SINK} format=float32le rate={SR} channels=2 "
                   "norewinds=1",
             "-L", "module-always-sink"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _server_up():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip("pulseaudio is installed but did not start here")
            time.sleep(0.05)
    elif SINK not in _pactl("list", "short", "sinks").stdout:
        loaded = _pactl(
            "load-module", "module-null-sink", f"sink_name={SINK}", "format=float32le",
            f"rate={SR}", "channels=2", "norewinds=1",
        )  # fmt: skip
        module = loaded.stdout.strip()
    saved = {k: os.environ.get(k) for k in ("PULSE_SINK", "PULSE_SOURCE")}
    os.environ["PULSE_SINK"] = SINK
    os.environ["PULSE_SOURCE"] = f"{SINK}.monitor"
    sd = player_mod.load_sounddevice()
    with quiet_stderr():
        sd._terminate()  # PortAudio lists devices when it starts: list them again now
        sd._initialize()
    names = [d["name"] for d in sd.query_devices()]
    if "pulse" not in names:
        pytest.skip(f"PortAudio has no 'pulse' device here ({names}); is libasound2-plugins in?")
    yield sd
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if module:
        _pactl("unload-module", module)
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


class TapMixer(Mixer):
    """A mixer that keeps what it rendered, block by block (tests only)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rendered: list[np.ndarray] = []

    def next_block(self, frames: int) -> np.ndarray:
        block = super().next_block(frames)
        self.rendered.append(block.copy())
        return block


class Recorder:
    """Records the sink's monitor through PortAudio ("pulse" with PULSE_SOURCE set)."""

    def __init__(self, sd: Any) -> None:
        self.blocks: list[np.ndarray] = []
        self.clock: list[tuple[float, int]] = []  # (monotonic time, frames so far) per callback
        self.frames = 0
        self.stream = sd.InputStream(
            samplerate=SR, channels=2, dtype="float32", device="pulse", blocksize=BLOCK,
            callback=self._callback,
        )  # fmt: skip

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self.blocks.append(indata.copy())
        self.frames += frames
        self.clock.append((time.monotonic(), self.frames))

    def time_of(self, frame: int) -> float:
        """When frame ``frame`` of the recording had arrived (monotonic seconds)."""
        for at, frames in self.clock:
            if frames > frame:
                return at - (frames - frame) / SR
        return float("nan")

    def __enter__(self) -> Recorder:
        with quiet_stderr():
            self.stream.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with quiet_stderr():
            self.stream.stop()
            self.stream.close()

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)


def open_player(session: Session, pulse: Any) -> Player:
    audition = make_audition(session, device="pulse", environ=NO_SSH, loader=lambda: pulse)
    assert isinstance(audition, Player), getattr(audition, "reason", audition)
    audition.mixer = TapMixer(session, safety=True)  # before the stream starts: the callback
    # reads it; with the monitor's safety stage, as the player's own mixer has
    return audition


def wait_for(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def locate(heard: np.ndarray, rendered: np.ndarray) -> int:
    """Index in ``heard`` where ``rendered`` starts.

    The float32 null sink passes samples through unchanged, so a sample of the rendered audio
    is found by value and the candidate checked over half a second; failing that, the peak of
    the normalised cross-correlation of a one-second probe.
    """
    first = int(np.flatnonzero(np.abs(rendered[:, 0]) > 1e-4)[0])
    for probe_at in (first + 2000, first + 7000, first + 15000):
        for hit in np.flatnonzero(heard[:, 0] == rendered[probe_at, 0]):
            offset = int(hit) - probe_at
            if offset < 0:
                continue
            a = heard[offset + first : offset + first + SR // 2]
            if len(a) and np.array_equal(a, rendered[first : first + len(a)]):
                return offset
    probe = rendered[first : first + SR, 0]
    corr = signal.correlate(heard[:, 0], probe, mode="valid", method="fft")
    energy = np.convolve(heard[:, 0] ** 2, np.ones(len(probe)), mode="valid")
    return int(np.argmax(corr / np.sqrt(np.maximum(energy, 1e-12)))) - first


# -------------------------------------------------------------------- against the server ---


def test_heard_is_what_the_mixer_rendered_and_the_switch_is_clean(
    session: Session, pulse: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    player = open_player(session, pulse)
    try:
        player.set_versions([], [FLIP], "as is", "flipped")
        player.set_match_loudness(False)
        with Recorder(pulse) as rec:
            time.sleep(0.3)
            asked = time.monotonic()
            player.play()
            assert player.wait_idle()
            assert wait_for(lambda: player.mixer.frames_out > 0)
            assert wait_for(lambda: player.mixer.position_frames > SR)
            player.switch("B")
            assert wait_for(lambda: player.mixer.position_frames > 2 * SR)
            player.pause()
            time.sleep(0.6)  # the pause fades out; the stream keeps running (silence)
        heard = rec.audio
    finally:
        player.close()
    rendered = np.concatenate(player.mixer.rendered)
    # Heard = rendered, once the server's start latency is found.
    offset = locate(heard, rendered)
    assert offset >= 0
    start = int(np.flatnonzero(np.abs(rendered).max(axis=1) > 0)[0])
    end = int(np.flatnonzero(np.abs(rendered).max(axis=1) > 0)[-1]) + 1
    span = min(end, len(heard) - offset)
    assert span - start > 2 * SR
    np.testing.assert_allclose(heard[offset + start : offset + span], rendered[start:span],
                               atol=1e-6)  # fmt: skip
    # The switch: asked for between two callbacks, applied at the next one.
    event = player.mixer.switches[-1]
    assert event.landed_at - event.asked_at <= 2 * BLOCK
    # In the recording: A until the switch, then B, with no step bigger than the music's own.
    a = render_mix(session, [], 0, 3 * SR)
    b = render_mix(session, [FLIP], 0, 3 * SR)
    played_from = start  # frames of silence before play in the tap
    switch_at = event.landed_at - played_from  # timeline frame where B starts fading in
    heard_switch = offset + event.landed_at
    window = heard[heard_switch - BLOCK : heard_switch + 2 * BLOCK]
    assert max_jump(window) <= 1.2 * max(max_jump(a), max_jump(b))
    before = heard[heard_switch - BLOCK : heard_switch]
    after = heard[heard_switch + BLOCK : heard_switch + 2 * BLOCK]
    t0 = switch_at
    np.testing.assert_allclose(before, a[t0 - BLOCK : t0], atol=1e-5)
    np.testing.assert_allclose(after, b[t0 + BLOCK : t0 + 2 * BLOCK], atol=1e-5)
    # Nothing from PortAudio, ALSA or the server reached the terminal.
    captured = capfd.readouterr()
    assert "ALSA" not in captured.err and "PortAudio" not in captured.err, captured.err
    latency_ms = (rec.time_of(offset + start) - asked) * 1000
    print(f"\nplay() to sound in the monitor: {latency_ms:.0f} ms (stream latency "
          f"{player.stream_latency_s * 1000:.0f} ms); A/B switch applied "
          f"{event.landed_at - event.asked_at} frames after it was asked; "
          f"{span - start} frames heard = rendered")  # fmt: skip


@pytest.fixture(scope="module")
def master(session: Session) -> Any:
    """A reference track: the session's own mix, brighter and 9 dB louder, at 44.1 kHz."""
    mix = render_mix(session, [], 0, session.frames)
    sos = signal.butter(2, 2000, "highpass", fs=SR, output="sos")
    louder = (mix + signal.sosfilt(sos, mix, axis=0)) * 10 ** (9 / 20)
    at_44k = signal.resample_poly(louder, 147, 160, axis=0).astype(np.float32)
    path = session.path.parent / "Master.wav"
    sf.write(str(path), at_44k, 44100, subtype="FLOAT")
    return reference_stem(path)


@pytest.mark.parametrize("against", ["version", "reference"])
def test_matched_sides_read_the_same_on_the_server(
    session: Session, pulse: Any, master: Any, against: str
) -> None:
    player = open_player(session, pulse)
    loop = (1.0, 2.5)
    length = round((loop[1] - loop[0]) * SR)
    try:
        if against == "reference":
            player.set_versions([UP], [UP], "chosen", "master", reference=master)
        else:
            player.set_versions([], [UP], "as is", "keys up")
        assert player.matching  # the offset for these versions is not known yet
        player.set_loop(loop)
        assert player.wait_idle()
        assert wait_for(lambda: player.match is not None and not player.match_pending, 10)
        assert wait_for(lambda: not player.matching, 5)
        assert player.offset_db < -1.0
        with Recorder(pulse) as rec:
            player.play()
            assert wait_for(lambda: player.mixer.frames_out > 2 * length + 4 * BLOCK, 10)
            player.switch("B")
            switched = player.mixer.frames_out
            assert wait_for(lambda: player.mixer.frames_out > switched + 2 * length + BLOCK, 10)
            player.pause()
            time.sleep(0.3)
        heard = rec.audio
    finally:
        player.close()
    rendered = np.concatenate(player.mixer.rendered)
    offset = locate(heard, rendered)
    start = int(np.flatnonzero(np.abs(rendered).max(axis=1) > 0)[0])  # the loop start
    landed = player.mixer.switches[-1].landed_at
    # Whole passes of the loop, one on each side (the same music, loop start to loop end).
    a_at = start + length
    b_at = start + length * int(np.ceil((landed + player.mixer.crossfade_frames - start) / length))
    assert a_at + length <= landed
    a = heard[offset + a_at : offset + a_at + length]
    b = heard[offset + b_at : offset + b_at + length]
    assert len(a) == len(b) == length
    diff = lufs(a) - lufs(b)
    assert abs(diff) < 0.5, diff
    unmatched = player.match.loudness_b_lufs - player.match.loudness_a_lufs
    assert unmatched > 2.0  # without matching B would be this much louder
    print(f"\nmatched A - B on the server: {diff:+.3f} LU (unmatched {unmatched:.2f} LU)")


def test_the_monitor_never_goes_over_full_scale(session: Session, pulse: Any) -> None:
    """A version 12 dB up peaks over 0 dBFS: the sound card gets it under the safety ceiling,
    the drop is reported for the transport, and a render of the same version is untouched."""
    from mixreview.analysis.playback_safety import CEILING

    loud = Change("gain", ("Bass.wav", "Keys.wav", "Pad.wav"), {"gain_db": 12.0})
    player = open_player(session, pulse)
    try:
        player.set_versions([], [loud], "as is", "loud")
        player.set_match_loudness(False)
        player.switch("B")
        assert player.safety_db == 0.0
        with Recorder(pulse) as rec:
            time.sleep(0.2)
            player.play()
            assert wait_for(lambda: player.mixer.position_frames > 2 * SR, 10)
            player.pause()
            time.sleep(0.4)
        heard = rec.audio
    finally:
        player.close()
    rendered_file = render_mix(session, [loud], 0, 2 * SR)
    assert np.abs(rendered_file).max() > 1.5  # over full scale in the file, as it should be
    assert np.abs(heard).max() > 0.5  # something was recorded
    assert np.abs(heard).max() <= CEILING + 1e-6
    assert player.safety_db < -3.0
    print(
        f"\nsafety stage: file peak {np.abs(rendered_file).max():.3f}, heard peak "
        f"{np.abs(heard).max():.3f}, drop {player.safety_db:.1f} dB"
    )


def test_meters_read_the_correlation_of_what_is_heard(session: Session, pulse: Any) -> None:
    """Keys has identical channels (+1); with its right channel flipped, B reads -1."""
    flip_right = Change("polarity", ("Keys.wav",), {"channels": "right"})
    player = open_player(session, pulse)
    try:
        player.set_versions([], [flip_right], "as is", "right flipped")
        player.play()
        assert wait_for(lambda: player.mixer.position_frames > SR, 10)
        assert player.levels().correlation["Keys.wav"] == pytest.approx(1.0, abs=0.01)
        player.switch("B")
        at = player.mixer.position_frames
        assert wait_for(lambda: player.mixer.position_frames > at + 4 * SR, 10)
        correlation = player.levels().correlation
        assert correlation["Keys.wav"] == pytest.approx(-1.0, abs=0.01)
        assert -1.0 <= correlation["(mix)"] <= 1.0
    finally:
        player.close()


def test_callback_load_is_recorded(session: Session, pulse: Any) -> None:
    player = open_player(session, pulse)
    try:
        player.set_versions([], [UP], "as is", "keys up")
        player.play()
        assert wait_for(lambda: player.load_count > 20)
        load = player.callback_load()
        assert 0 < load["median"] < 1.0
        levels = player.levels()
        assert set(levels.peak_db) >= {"Bass.wav", "Keys.wav", "Pad.wav", "(mix)"}
    finally:
        player.close()


def test_missing_named_device_says_so(session: Session, pulse: Any) -> None:
    audition = make_audition(session, device="no-such-device", environ=NO_SSH,
                             loader=lambda: pulse)  # fmt: skip
    assert isinstance(audition, ClipsOnly)
    assert "could not be opened" in audition.reason and "no-such-device" in audition.reason


# ---------------------------------------------------------------------- no-audio paths ---


def exercise(audition: Any, tmp_path: Path) -> None:
    """Everything the app calls keeps working without sound, clips included."""
    audition.set_versions([], [UP], "as is", "keys up")
    audition.play()
    assert not audition.playing
    audition.switch()
    audition.seek(2.0)
    audition.set_loop((1.0, 2.0))
    audition.set_match_loudness(False)
    audition.set_mute("Bass.wav", True)
    audition.set_solo("Keys.wav", True)
    audition.levels()
    assert audition.position_s >= 0
    a, b = audition.write_clips(tmp_path / "clips", (1.0, 2.0))
    assert a.exists() and b.exists()
    audition.close()


def test_no_portaudio_library(session: Session, tmp_path: Path) -> None:
    def missing() -> Any:
        raise OSError("PortAudio library not found")

    audition = make_audition(session, environ=NO_SSH, loader=missing)
    assert not audition.available
    assert "PortAudio library" in audition.reason and "libportaudio2" in audition.reason
    exercise(audition, tmp_path)


class FakePortAudioError(Exception):
    pass


class FakeAbort(Exception):
    pass


class FakeStream:
    """An output stream that calls back from a thread, faster than real time."""

    last: FakeStream | None = None
    fail_open = False

    def __init__(self, **kwargs: Any) -> None:
        if FakeStream.fail_open:
            raise FakePortAudioError("Error opening OutputStream: Device unavailable [-9985]")
        self.callback = kwargs["callback"]
        self.finished = kwargs["finished_callback"]
        self.blocksize = kwargs["blocksize"]
        self.latency = 0.02
        self.active = False
        self._thread: threading.Thread | None = None
        FakeStream.last = self

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        out = np.zeros((self.blocksize, 2), np.float32)
        while self.active:
            try:
                self.callback(out, self.blocksize, None, None)
            except FakeAbort:
                self.die()
                return
            time.sleep(0.002)

    def die(self) -> None:
        """The device goes away."""
        self.active = False
        self.finished()

    def abort(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False


def fake_sd(devices: list[dict[str, Any]] | None = None) -> Any:
    devices = [{"name": "fake", "max_output_channels": 2}] if devices is None else devices
    return types.SimpleNamespace(
        OutputStream=FakeStream,
        query_devices=lambda: devices,
        default=types.SimpleNamespace(device=[-1, 0 if devices else -1]),
        PortAudioError=FakePortAudioError,
        CallbackAbort=FakeAbort,
    )


def test_no_output_device(session: Session, tmp_path: Path) -> None:
    audition = make_audition(session, environ=NO_SSH, loader=lambda: fake_sd([]))
    assert not audition.available
    assert "no audio output device" in audition.reason
    exercise(audition, tmp_path)


def test_stream_that_cannot_open(session: Session, tmp_path: Path) -> None:
    FakeStream.fail_open = True
    try:
        audition = make_audition(session, environ=NO_SSH, loader=fake_sd)
    finally:
        FakeStream.fail_open = False
    assert not audition.available
    assert "could not be opened" in audition.reason and "Device unavailable" in audition.reason
    exercise(audition, tmp_path)


def test_stream_error_mid_play(session: Session, tmp_path: Path) -> None:
    audition = make_audition(session, environ=NO_SSH, loader=fake_sd)
    assert isinstance(audition, Player) and audition.available
    audition.set_versions([], [UP], "as is", "keys up")
    audition.play()
    assert audition.wait_idle()
    assert wait_for(lambda: audition.mixer.frames_out > 10 * BLOCK)
    assert audition.playing
    assert FakeStream.last is not None
    FakeStream.last.die()  # the device is unplugged
    assert not audition.playing
    assert not audition.available
    assert "stream stopped" in audition.reason
    exercise(audition, tmp_path)  # the app keeps running: clips still work


def test_mixer_failure_mid_play_is_reported(session: Session, tmp_path: Path) -> None:
    audition = make_audition(session, environ=NO_SSH, loader=fake_sd)
    assert isinstance(audition, Player)
    audition.play()
    assert audition.wait_idle()
    assert wait_for(lambda: audition.mixer.frames_out > 4 * BLOCK)

    def broken(frames: int) -> np.ndarray:
        raise OSError("Bass.wav: file vanished")

    audition.mixer.next_block = broken  # type: ignore[method-assign]
    assert wait_for(lambda: not audition.available)
    assert "playback stopped" in audition.reason and "vanished" in audition.reason
    assert not audition.playing
    audition.mixer.next_block = Mixer.next_block.__get__(audition.mixer)  # type: ignore[method-assign]
    exercise(audition, tmp_path)


def test_ssh_without_forwarded_audio(session: Session) -> None:
    env = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.9 22"}
    calls = []
    audition = make_audition(session, environ=env, loader=lambda: calls.append(1) or fake_sd())
    assert not audition.available and not calls  # PortAudio is not even loaded
    assert "SSH" in audition.reason and "docs/audition.md" in audition.reason
    message = no_sound_text(audition.reason)
    assert len(message) <= 160  # a short message; the docs say how
    assert "`ssh " in message and "mixreview listen" in message  # how to hear it from here
    assert message.lower().count("no sound") == 1  # not "No sound: no sound here"
    assert ssh_without_audio({**env, "PULSE_SERVER": "tcp:127.0.0.1:24713"}) is None
    assert ssh_without_audio({**env, "MIXREVIEW_AUDIO": "remote"}) is None
    forwarded = make_audition(session, environ={**env, "PULSE_SERVER": "tcp:x"}, loader=fake_sd)
    assert forwarded.available
    forwarded.close()


def test_make_audition_never_raises(session: Session) -> None:
    def broken() -> Any:
        raise RuntimeError("something odd")

    audition = make_audition(session, environ=NO_SSH, loader=broken)
    assert not audition.available and "something odd" in audition.reason


def test_portaudio_chatter_never_reaches_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_stderr() as lines:
        os.write(2, b"ALSA lib pcm.c:2664:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear\n")
        os.write(2, b"\x1b[2;3Hscreen")  # the app's own drawing meanwhile
    captured = capfd.readouterr()
    assert "ALSA" not in captured.err
    assert "\x1b[2;3Hscreen" in captured.err  # written back
    assert lines and lines[0].startswith("ALSA lib")


# ------------------------------------------------------------------ player without a server ---


def test_blind_trials_through_the_player(session: Session, tmp_path: Path) -> None:
    from mixreview.analysis.review import Review

    review = Review.open(tmp_path / "review.json", tmp_path, ["Bass.wav", "Keys.wav", "Pad.wav"])
    audition = make_audition(session, environ=NO_SSH, loader=fake_sd)
    assert isinstance(audition, Player)
    try:
        audition.set_versions([], [UP], "as is", "keys up")
        audition.set_match_loudness(False)
        blind = audition.start_blind("gain-keys", review=review, seed=5)
        assert audition.match_loudness  # matching is forced on
        audition.set_match_loudness(False)
        assert audition.match_loudness  # and stays on
        assert audition.shown_labels == ("?", "?")
        picks = []
        for _ in range(6):
            shown = audition.side
            assert audition.mixer.side == blind.real_side(shown)
            picks.append(audition.choose())
            assert audition.mixer.side == blind.real_side(audition.side)  # next trial's order
        assert {p.real_side for p in picks} == {"A", "B"}
        tally = review.data["blind"]["gain-keys"]
        assert tally["trials"] == 6 and tally["labels"] == ["as is", "keys up"]
        audition.stop_blind()
        assert audition.mixer.side == audition.side
    finally:
        audition.close()


def test_player_rejects_bad_parameters_at_once(session: Session) -> None:
    audition = make_audition(session, environ=NO_SSH, loader=fake_sd)
    try:
        bad = Change("compressor", ("Bass.wav",), {"ratio": 0.5})
        with pytest.raises(ValueError):
            audition.set_versions([], [bad], "A", "B")
        audition.set_versions([], [UP], "as is", "keys up")
        for gain in (1.0, 2.0, 3.0):  # a burst while scrolling: only the last one is built
            audition.set_versions([], [Change("gain", ("Bass.wav",), {"gain_db": gain})], "a", "b")
        assert audition.wait_idle()
        assert audition.mixer.versions[1][0].params == {"gain_db": 3.0}
        assert audition.last_error is None
    finally:
        audition.close()


def test_alsa_underrun_messages_are_silenced(pulse: Any, capfd: pytest.CaptureFixture[str]) -> None:
    player_mod.silence_alsa()

    def slow(outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        time.sleep(0.05)  # misses every deadline: ALSA reports underruns
        outdata.fill(0)

    stream = pulse.OutputStream(samplerate=SR, channels=2, dtype="float32", device="pulse",
                                blocksize=BLOCK, callback=slow, latency="low")  # fmt: skip
    stream.start()
    time.sleep(0.5)
    stream.stop()
    stream.close()
    assert "ALSA" not in capfd.readouterr().err
