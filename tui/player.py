"""The audition player: the mixer (``analysis.playback``) played through a sounddevice stream.

``make_audition(session)`` is what the app calls. It is quick, never raises, and returns either a
``Player`` or, when nothing can play here, a ``ClipsOnly`` audition (``available`` False, like
``NoAudio``) whose ``reason`` says why and how to fix it, and which can still write the A/B
passage as clips:

- an SSH session without forwarded audio (``SSH_CONNECTION`` set, no ``PULSE_SERVER``): the sound
  would come out of the remote machine; the reason says how to forward it
  (``MIXREVIEW_AUDIO=remote`` plays on the remote machine anyway);
- no PortAudio library (``import sounddevice`` raises OSError);
- no output device, or the stream cannot be opened (``PortAudioError``, ``ValueError``).

A ``Player`` that loses its stream while playing (the device goes away, the callback fails)
turns itself into the same state: ``available`` becomes False, ``reason`` says what happened,
every call keeps working.

Where things live: finding an output and keeping the libraries' diagnostics off the screen in
``player_device``, the ``Player`` in ``player_stream``, its control thread in ``player_control``,
``ClipsOnly`` in ``player_clips``. Rules kept across them:

- PortAudio, ALSA and JACK print diagnostics on the C-level stderr, which is where Textual draws
  the screen. Importing sounddevice and opening, starting and closing streams happen with fd 2
  pointed at a temporary file (``quiet_stderr``); whatever the app itself wrote there meanwhile
  (escape sequences) is written back, the libraries' lines are kept for error messages. ALSA's
  run-time messages (underruns) are silenced with an ALSA error handler.
- The audio callback only calls ``Mixer.next_block`` and writes numbers into preallocated arrays
  (meters, callback load). It never posts messages or calls into the UI.
- Work that builds renderers (play, seek, loop, new versions) runs in order on one control
  thread, so a keystroke never waits for files to open; the UI sees the requested state at once.
- Loudness matching is computed offline (``LoudnessMatcher``) on a matcher thread whenever the
  versions, the passage or the audible stems change, and reaches the mixer as a ramped gain.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from mixreview.analysis.errors import MixreviewError
from mixreview.analysis.playback import DEFAULT_BLOCK_FRAMES
from mixreview.analysis.session import Session
from mixreview.tui.audition import Audition, NoAudio
from mixreview.tui.listen_server import ListenServer
from mixreview.tui.player_clips import ClipsOnly
from mixreview.tui.player_device import (
    OpenFailed,
    load_sounddevice,
    no_portaudio_reason,
    output_device,
    quiet_stderr,
    silence_alsa,
    ssh_without_audio,
)
from mixreview.tui.player_listen import ListenOnlyPlayer, listen_hint
from mixreview.tui.player_stream import LOAD_HISTORY, MATCH_PAUSE_S, MATCH_POLL_S, Player

__all__ = [
    "LOAD_HISTORY",
    "MATCH_PAUSE_S",
    "MATCH_POLL_S",
    "ClipsOnly",
    "Player",
    "load_sounddevice",
    "make_audition",
    "output_device",
    "quiet_stderr",
    "silence_alsa",
    "ssh_without_audio",
]


def listen_server(session: Session) -> ListenServer | None:
    """This app's listening socket, or None when it cannot be made (listening is then off)."""
    try:
        return ListenServer(session.path, session.sample_rate)
    except (OSError, MixreviewError):
        return None


def make_audition(
    session: Session,
    device: Any = None,
    *,
    block_frames: int = DEFAULT_BLOCK_FRAMES,
    environ: Mapping[str, str] | None = None,
    loader: Callable[[], ModuleType] = load_sounddevice,
    listen: bool = True,
) -> Audition:
    """The real player, or a ClipsOnly audition saying why nothing can play. Never raises.

    ``device``: a sounddevice device (name or index); default: ``MIXREVIEW_AUDIO_DEVICE`` or the
    system default output. ``environ`` and ``loader`` are for tests. ``listen``: accept
    ``mixreview listen`` listeners (over SSH without forwarded audio they are the only way to
    hear the review).
    """
    env = os.environ if environ is None else environ
    try:
        if env.get("MIXREVIEW_AUDIO", "").lower() in ("off", "0", "no"):
            return ClipsOnly(session, "audio is switched off (MIXREVIEW_AUDIO=off)")
        why = ssh_without_audio(env)
        if why is not None:
            server = listen_server(session) if listen else None
            if server is None:
                return ClipsOnly(session, why)
            return ListenOnlyPlayer(session, server, listen_hint(), block_frames=block_frames)
        try:
            sd = loader()
        except OSError as exc:
            return ClipsOnly(session, no_portaudio_reason(exc))
        silence_alsa()
        if device is None:
            device = env.get("MIXREVIEW_AUDIO_DEVICE") or None
        device, why = output_device(sd, device)
        if why is not None:
            return ClipsOnly(session, why)
        try:
            server = listen_server(session) if listen else None
            return Player(session, sd, device, block_frames=block_frames, listen=server)
        except OpenFailed as exc:
            where = f" ({device})" if device is not None else ""
            return ClipsOnly(session, f"the audio output{where} could not be opened: {exc}")
    except Exception as exc:  # never let audio take the app down
        try:
            return ClipsOnly(session, f"the audio player failed to start ({exc})")
        except Exception:
            return NoAudio(f"the audio player failed to start ({exc})", 0.0)
