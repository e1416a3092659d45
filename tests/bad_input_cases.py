"""The bad-input corpus: each case builds a damaged session folder from a small clean one.

A case says what every way in must do with it: the exit status of ``mixreview analyze`` (text
and ``--json``) and ``mixreview render``, the check id the report must hold, and ``says``: words
the one message about it must contain (in the report, on standard error, or in the app).
``review`` cases damage ``.mixreview/review.json``: render refuses them (exit 2), the app keeps the
file aside and opens the rest; analyze, which does not read the review, is not affected.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

SR = 48000
SECONDS = 1.0


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]  # makes the case under the given folder, returns the session
    says: str
    check: str | None = None
    analyze_exit: int = 0
    render_exit: int = 0
    review: bool = False
    render_says: str = ""  # what render says, when it is not ``says``

    def __str__(self) -> str:
        return self.name


def _sine(freq_hz: float, seconds: float = SECONDS, amp: float = 0.25) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def _stereo(x: np.ndarray) -> np.ndarray:
    return np.stack([x, 0.9 * x], axis=1)


def base(folder: Path) -> Path:
    """Two clean stems, 1 s each: the session every case damages."""
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(str(folder / "Kick.wav"), _sine(60, amp=0.3), SR, subtype="PCM_24")
    sf.write(str(folder / "Bass.wav"), _stereo(_sine(110)), SR, subtype="PCM_24")
    return folder


def _with(add: Callable[[Path], object]) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        folder = base(root / "song")
        add(folder)
        return folder

    return build


def _write(name: str, data: np.ndarray, subtype: str = "PCM_24", rate: int = SR) -> Callable:
    return lambda folder: sf.write(str(folder / name), data, rate, subtype=subtype)


def _cut(name: str, suffix: str, subtype: str = "PCM_24") -> Callable[[Path], None]:
    def add(folder: Path) -> None:
        path = folder / f"{name}.{suffix}"
        sf.write(str(path), _stereo(_sine(220)), SR, subtype=subtype)
        raw = path.read_bytes()
        path.write_bytes(raw[: len(raw) // 2])

    return add


def _header_rate(rate: int) -> Callable[[Path], None]:
    def add(folder: Path) -> None:
        path = folder / "Synth.wav"
        sf.write(str(path), _stereo(_sine(330)), SR, subtype="PCM_16")
        raw = bytearray(path.read_bytes())
        raw[24:28] = struct.pack("<I", rate)
        raw[28:32] = struct.pack("<I", rate * 4)
        path.write_bytes(bytes(raw))

    return add


def _header_only(folder: Path) -> None:
    sf.write(str(folder / "Pad.wav"), np.zeros((0, 2), np.float32), SR, subtype="PCM_24")


def _outside_link(folder: Path) -> None:
    target = folder.parent / "elsewhere" / "Keys.wav"
    target.parent.mkdir()
    sf.write(str(target), _stereo(_sine(440)), SR, subtype="PCM_24")
    (folder / "Keys.wav").symlink_to(target)


def _manifest(text: str | bytes) -> Callable[[Path], None]:
    def add(folder: Path) -> None:
        path = folder / "mixreview.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)

    return add


def _not_utf8(folder: Path) -> None:
    """A file whose name is not UTF-8 (a Latin-1 byte): Python holds it with a surrogate."""
    with open(os.fsencode(folder) + b"/Caf\xe9.wav", "wb") as handle:
        handle.write((folder / "Kick.wav").read_bytes())


def _nan(folder: Path) -> None:
    data = _stereo(_sine(500))
    data[100:110] = np.nan
    sf.write(str(folder / "Glitch.wav"), data, SR, subtype="FLOAT")


def _dc(folder: Path) -> None:
    sf.write(str(folder / "Organ.wav"), _stereo(_sine(300) + 0.05), SR, subtype="PCM_24")


def _clipped(folder: Path) -> None:
    sf.write(str(folder / "Guitar.wav"), _stereo(np.clip(4 * _sine(200), -1, 1)), SR, "PCM_16")


# -- review.json damage ------------------------------------------------------------------------
GOOD_DECISION = {"status": "accepted", "amount": 1.0, "params": None, "note": ""}
GOOD_MANUAL = {
    "id": "manual-1", "kind": "gain", "stems": ["Kick.wav"], "params": {"gain_db": -2.0},
    "section_span_s": None, "amount": 1.0, "note": "", "enabled": True,
}  # fmt: skip


def review_doc(folder: Path, **parts: Any) -> dict[str, Any]:
    """A review of the base session with ``parts`` in place of the clean ones."""
    doc: dict[str, Any] = {
        "schema": "mixreview.review/1",
        "session": {"path": str(folder.resolve()), "stems": ["Bass.wav", "Kick.wav"]},
        "decisions": {"gain-good": dict(GOOD_DECISION)},
        "manual": [dict(GOOD_MANUAL)],
        "stem_notes": {},
        "blind": {},
        "listened": {},
        "ui": {},
        "history": {"undo": [], "redo": []},
    }
    doc.update(parts)
    return doc


def _review(text: str | Callable[[Path], Any]) -> Callable[[Path], None]:
    def add(folder: Path) -> None:
        state = folder / ".mixreview"
        state.mkdir(exist_ok=True)
        body = text if isinstance(text, str) else json.dumps(text(folder))
        (state / "review.json").write_text(body)

    return add


_GONE = object()


def _decision(**entry: Any) -> Callable[[Path], dict[str, Any]]:
    """A review whose decision ``gain-bad`` is a good one changed by ``entry`` (``_GONE``: the
    key left out)."""
    bad = {k: v for k, v in {**GOOD_DECISION, **entry}.items() if v is not _GONE}
    return lambda folder: review_doc(
        folder, decisions={"gain-good": dict(GOOD_DECISION), "gain-bad": bad}
    )


def _part(**parts: Any) -> Callable[[Path], dict[str, Any]]:
    return lambda folder: review_doc(folder, **parts)


def _not_a_folder(root: Path) -> Path:
    path = root / "song.wav"
    sf.write(str(path), _sine(100), SR)
    return path


def _empty_folder(root: Path) -> Path:
    (root / "song").mkdir()
    return root / "song"


def _unmixable(root: Path) -> Path:
    folder = root / "song"
    folder.mkdir()
    (folder / "Notes.wav").write_text("not audio")
    return folder


CONTROL_NAME = "Bad\x1b[31mRED\x1b[0m\nline.wav"

CASES: list[Case] = [
    # stems
    Case(
        "not_audio",
        _with(lambda f: (f / "Text.wav").write_text("hello")),
        "not a readable",
        "unreadable",
    ),
    Case(
        "empty_file",
        _with(lambda f: (f / "Empty.wav").write_bytes(b"")),
        "empty (0 bytes)",
        "unreadable",
    ),
    Case("header_only", _with(_header_only), "holds no audio", "empty_file"),
    Case("wav_cut_in_half", _with(_cut("Vox", "wav")), "cut short", "truncated"),
    Case("float_wav_cut", _with(_cut("Vox", "wav", "FLOAT")), "cut short", "truncated"),
    Case("aiff_cut_in_half", _with(_cut("Vox", "aiff")), "cut short", "truncated"),
    Case("flac_cut_in_half", _with(_cut("Vox", "flac")), "could be read", "truncated"),
    Case(
        "six_channels",
        _with(_write("Bed.wav", np.tile(_sine(50)[:, None], (1, 6)))),
        "6 channels",
        "channel_count",
    ),
    Case("nan_samples", _with(_nan), "not numbers", "nan_samples"),
    Case("too_short", _with(_write("Blip.wav", _sine(1000, 0.2))), "400 ms", "too_short"),
    Case(
        "symlink_loop",
        _with(lambda f: (f / "Loop.wav").symlink_to("Loop.wav")),
        "leads back to itself",
        "unreadable",
    ),
    Case(
        "dangling_symlink",
        _with(lambda f: (f / "Gone.wav").symlink_to("/nonexistent/x.wav")),
        "which is not there",
        "unreadable",
    ),
    Case("one_hz_header", _with(_header_rate(1)), "sample rate of 1 Hz", "unreadable"),
    Case("ten_mhz_header", _with(_header_rate(10_000_000)), "10,000,000 Hz", "unreadable"),
    Case(
        "named_pipe", _with(lambda f: os.mkfifo(f / "Pipe.wav")), "not a regular file", "unreadable"
    ),
    Case("link_outside", _with(_outside_link), "outside the session", "linked_outside"),
    Case(
        "float_over_full_scale",
        _with(_write("Lead.wav", _stereo(_sine(700, amp=4.0)), "FLOAT")),
        "above full scale",
        "over_full_scale",
    ),
    Case("clipped", _with(_clipped), "at full scale", "clipping"),
    Case(
        "silent",
        _with(_write("Room.wav", np.zeros((SR, 2), np.float32))),
        "digital silence",
        "silent",
    ),
    Case(
        "pcm_u8",
        _with(_write("Old.wav", _stereo(_sine(250)), "PCM_U8")),
        "Old.wav: 8-bit (PCM_U8)",  # the file name first: "u8-bit" must not pass
        "bit_depth",
    ),
    Case(
        "mu_law",
        _with(_write("Phone.wav", _stereo(_sine(250)), "ULAW")),
        "Phone.wav: 8-bit µ-law (ULAW)",  # never "ulaw-bit"
        "bit_depth",
    ),
    Case(
        "other_rate",
        _with(_write("Perc.wav", _stereo(_sine(250)), rate=44100)),
        "44,100 Hz",
        "sample_rate_mismatch",
    ),
    Case("dc_offset", _with(_dc), "DC offset", "dc_offset"),
    Case(
        "control_chars_in_name",
        _with(_write(CONTROL_NAME, _stereo(_sine(250)))),
        "Bad\\x1b[31mRED",
        "unknown_role",
    ),
    Case("name_not_utf8", _with(_not_utf8), "not UTF-8", "unreadable"),
    # sessions that cannot be used at all
    Case("empty_folder", _empty_folder, "no audio files", analyze_exit=2, render_exit=2),
    Case(
        "a_file_not_a_folder",
        _not_a_folder,
        "is a file, not a folder",
        analyze_exit=2,
        render_exit=2,
    ),
    Case(
        "missing_folder",
        lambda root: root / "nowhere",
        "does not exist",
        analyze_exit=2,
        render_exit=2,
    ),
    Case(
        "nothing_mixable",
        _unmixable,
        "not a readable",
        "unreadable",
        render_exit=2,
        render_says="can be mixed",
    ),
    # the manifest
    Case("toml_syntax", _with(_manifest('title = "x\n')), "syntax error", "manifest"),
    Case(
        "toml_not_utf8", _with(_manifest(b"title = '\xff\xfe'\n")), "could not be read", "manifest"
    ),
    Case("tempo_nan", _with(_manifest("tempo = nan\n")), "not a tempo", "manifest"),
    Case("tempo_text", _with(_manifest('tempo_bpm = "fast"\n')), "not a tempo", "manifest"),
    Case("rate_768k", _with(_manifest("sample_rate = 768000\n")), "768000", "manifest"),
    Case(
        "missing_stem_override",
        _with(_manifest('[stems."missing.wav"]\nrole = "bass"\n')),
        "names no stem",
        "manifest",
    ),
    Case(
        "section_after_end",
        _with(_manifest('[[sections]]\nname = "Late"\nstart_s = 90\n')),
        "after the end",
        "manifest",
    ),
    Case(
        "section_start_text",
        _with(_manifest('[[sections]]\nname = "A"\nstart_s = "x"\n')),
        "needs start_s",
        "manifest",
    ),
    Case(
        "unknown_role",
        _with(_manifest('[stems."Kick.wav"]\nrole = "tuba"\n')),
        "unknown role",
        "manifest",
    ),
    Case(
        "stem_outside",
        _with(_manifest('[stems."../../etc/passwd"]\nrole = "bass"\n')),
        "outside the session",
        "manifest",
    ),
    Case("title_table", _with(_manifest("[title]\nx = 1\n")), "title must be text", "manifest"),
    Case(
        "deep_nesting",
        _with(_manifest("x = " + "[" * 5000 + "]" * 5000 + "\n")),
        "syntax error",
        "manifest",
    ),
    # review.json
    Case("amount_text", _with(_review(_decision(amount="lots"))), 'amount "lots"', review=True),
    Case("amount_missing", _with(_review(_decision(amount=_GONE))), "no amount", review=True),
    Case("amount_null", _with(_review(_decision(amount=None))), "amount null", review=True),
    Case("amount_nan", _with(_review(_decision(amount=float("nan")))), "amount NaN", review=True),
    Case(
        "unknown_status",
        _with(_review(_decision(status="maybe"))),
        'unknown status "maybe"',
        review=True,
    ),
    Case(
        "entry_is_text",
        _with(_review(_part(decisions={"gain-bad": "accepted"}))),
        "not a table",
        review=True,
    ),
    Case("params_list", _with(_review(_decision(params=[1, 2]))), "params is a list", review=True),
    Case(
        "decisions_list", _with(_review(_part(decisions=[1]))), "decisions is a list", review=True
    ),
    Case(
        "manual_bad_kind",
        _with(_review(_part(manual=[{**GOOD_MANUAL, "kind": "boost"}]))),
        'kind "boost"',
        review=True,
    ),
    Case(
        "manual_params_list",
        _with(_review(_part(manual=[{**GOOD_MANUAL, "params": [3]}]))),
        "params is a list",
        review=True,
    ),
    Case(
        "manual_missing_gain",
        _with(_review(_part(manual=[{**GOOD_MANUAL, "params": {}}]))),
        "gain_db",
        review=True,
    ),
    Case("manual_is_text", _with(_review(_part(manual="gain"))), "not a list", review=True),
    Case(
        "ui_garbage",
        _with(_review(_part(ui={"position_s": "abc", "focus": 3}))),
        "ui position_s",
        review=True,
    ),
    Case("ui_not_table", _with(_review(_part(ui=[1, 2]))), "where you were", review=True),
    Case(
        "stem_note_number",
        _with(_review(_part(stem_notes={"Kick.wav": 3}))),
        "note on stem Kick.wav",
        review=True,
    ),
    Case(
        "history_garbage",
        _with(_review(_part(history={"undo": [{"decisions": 1}]}))),
        "undo history",
        review=True,
    ),
    Case(
        "suggestion_copy_damaged",
        _with(_review(_decision(suggestion={"id": 1}))),
        "its suggestion",
        review=True,
    ),
    Case("review_not_json", _with(_review("{not json")), "could not be read", review=True),
    Case(
        "review_wrong_schema",
        _with(_review('{"schema": "other/1"}')),
        "could not be read",
        review=True,
    ),
    Case("review_is_a_list", _with(_review("[1, 2]")), "could not be read", review=True),
]
