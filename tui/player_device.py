"""Reaching an audio output: sounddevice imported and devices probed with the libraries' chatter
kept off the screen (it would land on the UI), and a reason to show when nothing can play here."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

# ------------------------------------------------------------------------------ stderr ---

_STDERR_LOCK = threading.Lock()


def _keep_screen_bytes(captured: bytes) -> bytes:
    """What of ``captured`` the app drew (pieces with escape sequences), without library lines."""
    kept = [piece for piece in captured.splitlines(keepends=True) if b"\x1b" in piece]
    return b"".join(kept)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[list[str]]:
    """Point fd 2 at a temporary file for the duration; yields a list that receives the text
    lines the libraries printed. Bytes with escape sequences (the app's own screen output, when
    a full-screen UI writes on stderr) are written back to the real stderr afterwards."""
    lines: list[str] = []
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield lines
            return
        with tempfile.TemporaryFile() as sink:
            try:
                with contextlib.suppress(AttributeError, ValueError, OSError):
                    import sys

                    sys.stderr.flush()
                os.dup2(sink.fileno(), 2)
                yield lines
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                captured = sink.read()
                screen = _keep_screen_bytes(captured)
                if screen:
                    with contextlib.suppress(OSError):
                        os.write(2, screen)
                text = captured.decode("utf-8", "replace")
                lines.extend(
                    line.strip()
                    for line in text.splitlines()
                    if line.strip() and "\x1b" not in line
                )


_ALSA_HANDLER: Any = None


def silence_alsa() -> None:
    """Install a no-op ALSA error handler (underrun messages would print over the screen)."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return
    name = ctypes.util.find_library("asound")
    if not name:
        return
    try:
        lib = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = handler_type(lambda *args: None)
        lib.snd_lib_error_set_handler(handler)
        _ALSA_HANDLER = handler  # keep it alive
    except (OSError, AttributeError):
        return


# ----------------------------------------------------------------------- no-audio checks ---


def ssh_without_audio(environ: Mapping[str, str] | None = None) -> str | None:
    """Why playing here would not reach the user, or None."""
    env = os.environ if environ is None else environ
    if env.get("MIXREVIEW_AUDIO", "").lower() == "remote":
        return None
    if env.get("SSH_CONNECTION") and not env.get("PULSE_SERVER"):
        return (
            "an SSH session without forwarded audio plays on the remote machine; "
            "docs/audition.md shows how to hear it on yours"
        )
    return None


def load_sounddevice() -> ModuleType:
    """Import sounddevice with the C-level stderr redirected (PortAudio probes devices at import
    and ALSA/JACK print while it does). Raises OSError without the PortAudio library."""
    with quiet_stderr():
        import sounddevice

    return sounddevice


def no_portaudio_reason(exc: BaseException) -> str:
    """Why nothing plays without the PortAudio library, and how to install it."""
    return (
        f"the PortAudio library is not installed ({exc}). Install it "
        "(`sudo apt-get install libportaudio2` on Debian/Ubuntu) and start mixreview again"
    )


def output_device(sd: ModuleType, device: Any) -> tuple[Any, str | None]:
    """The device to open and, when there is none, why."""
    try:
        devices = list(sd.query_devices())
    except Exception as exc:  # PortAudio in a bad state
        return None, f"the audio devices cannot be listed ({exc})"
    outputs = [i for i, d in enumerate(devices) if d.get("max_output_channels", 0) > 0]
    if not outputs:
        return None, (
            "no audio output device was found (PortAudio sees none: no sound card and no "
            "sound server such as PulseAudio or PipeWire)"
        )
    if device is not None:
        return device, None
    default = sd.default.device
    index = default[1] if isinstance(default, list | tuple) else default
    if isinstance(index, int) and index >= 0:
        return None, None
    return outputs[0], None


# ------------------------------------------------------------------------------ failures ---


class OpenFailed(Exception):
    """The output stream could not be opened (the message says why)."""


def describe_failure(exc: BaseException, lines: Sequence[str]) -> str:
    """The error's text with the last line the libraries printed, when it adds something."""
    text = str(exc) or type(exc).__name__
    detail = next((line for line in reversed(lines) if line), "")
    return f"{text} ({detail})" if detail and detail not in text else text
