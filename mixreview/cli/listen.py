"""``mixreview listen [SESSION]``: what the running app plays, as a WAV stream on standard output.

Over SSH this is how a reviewer hears the remote session on their own speakers::

    ssh studio mixreview listen | ffplay -nodisp -loglevel quiet -

The app's socket is private to this user (see ``tui.listen_socket``). The WAV header says its
lengths are unknown; then 16-bit (default) or float samples follow at the session rate, silence
while the app is paused, until the app quits (exit 0).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np

from mixreview.cli.exits import EXIT_USAGE
from mixreview.tui.listen_socket import RunningApp, running_apps

UNKNOWN = 0xFFFFFFFF  # a streamed WAV's length fields
FORMATS = {"s16": (1, 16), "float": (3, 32)}  # WAVE format tag, bits per sample


def wav_stream_header(sample_rate: int, channels: int, sample_format: str) -> bytes:
    """A RIFF/WAVE header whose RIFF and data lengths say "unknown" (players read to the end)."""
    tag, bits = FORMATS[sample_format]
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, sample_rate, sample_rate * block, block, bits)
    return (
        b"RIFF" + struct.pack("<I", UNKNOWN) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", UNKNOWN)
    )  # fmt: skip


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listen = sub.add_parser(
        "listen",
        help="stream what the running app plays to standard output as WAV (hear a remote "
        "review: ssh HOST mixreview listen | ffplay -nodisp -)",
    )
    listen.add_argument(
        "session", type=Path, nargs="?", default=None,
        help="the session the app has open (default: the only app running)",
    )  # fmt: skip
    listen.add_argument(
        "--format", choices=sorted(FORMATS), default="s16",
        help="samples: 16-bit (default, 1.5 Mbit/s at 48 kHz) or 32-bit float",
    )  # fmt: skip
    listen.add_argument(
        "--buffer-ms", type=int, default=40,
        help="how much audio each write to standard output holds (default 40)",
    )  # fmt: skip
    listen.set_defaults(func=run)


def choose_app(apps: list[RunningApp], session: Path | None) -> RunningApp | str:
    """The app to listen to, or what to tell the user."""
    if session is not None:
        wanted = str(session.resolve())
        apps = [a for a in apps if a.session == wanted]
        if not apps:
            return f"no mixreview app has {session} open; start one with `mixreview {session}`."
    if not apps:
        return "no mixreview app is running for this user; start one with `mixreview SESSION`."
    if len(apps) > 1:
        listed = "\n".join(f"  {a.session} (pid {a.pid})" for a in apps)
        return f"several mixreview apps are running; name the session:\n{listed}"
    return apps[0]


def run(args: argparse.Namespace) -> int:
    if args.buffer_ms < 1 or args.buffer_ms > 2000:
        print("mixreview listen: --buffer-ms must be 1 to 2000.", file=sys.stderr)
        return EXIT_USAGE
    app = choose_app(running_apps(), args.session)
    if isinstance(app, str):
        print(f"mixreview listen: {app}", file=sys.stderr)
        return 1
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(str(app.socket))
    except OSError as exc:
        print(f"mixreview listen: cannot reach the app (pid {app.pid}): {exc}", file=sys.stderr)
        return 1
    return stream(conn, sys.stdout.buffer, args.format, args.buffer_ms)


def stream(conn: socket.socket, out: BinaryIO, sample_format: str, buffer_ms: int) -> int:
    """Copy the app's frames to ``out`` as a WAV stream until the app quits."""
    reader = conn.makefile("rb")
    try:
        info = json.loads(reader.readline() or b"{}")
        rate, channels = int(info["rate"]), int(info["channels"])
    except (ValueError, KeyError, OSError):
        print("mixreview listen: the app did not say what it plays.", file=sys.stderr)
        return 1
    frame_bytes = 4 * channels
    chunk = max(1, rate * buffer_ms // 1000) * frame_bytes
    try:
        out.write(wav_stream_header(rate, channels, sample_format))
        out.flush()
        while True:
            data = reader.read(chunk)
            if not data:
                break
            usable = len(data) - len(data) % frame_bytes
            samples = np.frombuffer(data[:usable], "<f4")
            if sample_format == "s16":
                scaled = np.clip(samples * 32768.0, -32768, 32767)
                out.write(np.round(scaled).astype("<i2").tobytes())
            else:
                out.write(samples.tobytes())
            out.flush()
    except BrokenPipeError:  # the player stopped reading: that is the end
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())  # no second error when Python flushes at exit
    except KeyboardInterrupt:
        pass
    finally:
        conn.close()
    print("mixreview listen: the app stopped.", file=sys.stderr)
    return 0
