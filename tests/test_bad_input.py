"""Bad input never produces a traceback: each case gets a specific message, the rest is analysed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import analyze
from tests.conftest import SR, file_digest, stereo, tone, write


def _ids(analysis, file: str) -> set[str]:
    return {c.id for c in analysis.stem_report(file).checks}


def _message(analysis, file: str, check_id: str) -> str:
    return next(c.message for c in analysis.stem_report(file).checks if c.id == check_id)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mixreview", *args], capture_output=True, text=True, timeout=120
    )


def test_empty_folder_cli_message(tmp_path: Path) -> None:
    result = run_cli("analyze", str(tmp_path))
    assert result.returncode == 2
    assert "no audio files" in result.stderr
    assert "Traceback" not in result.stderr


def test_each_bad_file_gets_its_own_message(small_session: Path) -> None:
    folder = small_session
    (folder / "NotAudio.wav").write_text("this is a text file named .wav")
    (folder / "Empty.wav").write_bytes(b"")
    good = stereo(tone(220, 2.0))
    write(folder / "Truncated.wav", good)
    raw = (folder / "Truncated.wav").read_bytes()
    (folder / "Truncated.wav").write_bytes(raw[: len(raw) // 2])
    write(folder / "Surround.wav", np.tile(tone(330, 1.0)[:, None], (1, 6)))
    nan = stereo(tone(440, 3.0))
    nan[1000:1010] = np.nan
    write(folder / "Glitch.wav", nan, subtype="FLOAT")
    write(folder / "Blip.wav", tone(1000, 0.2))
    digests = {p.name: file_digest(p) for p in folder.iterdir() if p.is_file()}

    analysis = analyze(folder, workers=1, use_cache=False)

    assert "not a readable audio file" in _message(analysis, "NotAudio.wav", "unreadable")
    assert "empty (0 bytes)" in _message(analysis, "Empty.wav", "unreadable")
    assert "6 channels" in _message(analysis, "Surround.wav", "channel_count")
    assert "NaN" in _message(analysis, "Glitch.wav", "nan_samples")
    assert "20 samples" in _message(analysis, "Glitch.wav", "nan_samples")  # 10 frames x 2
    assert "400 ms" in _message(analysis, "Blip.wav", "too_short")
    assert analysis.stem_report("Blip.wav").measurement.metrics()["integrated_lufs"] is None
    truncated = analysis.stem_report("Truncated.wav")
    assert truncated.measurement is not None  # what could be read was measured
    assert truncated.measurement.duration_s == pytest.approx(1.0, abs=0.05)
    # the rest of the session is still analysed and mixed
    assert analysis.stem_report("Kick.wav").measurement is not None
    assert analysis.mix is not None and analysis.mix.metrics()["integrated_lufs"] is not None
    assert "Surround.wav" not in [s.file for s in analysis.session.mix_stems]
    # nothing was modified
    assert {p.name: file_digest(p) for p in folder.iterdir() if p.is_file()} == digests


def test_nan_mix_stays_finite(tmp_path: Path) -> None:
    data = stereo(tone(440, 2.0))
    data[::100] = np.inf
    write(tmp_path / "Synth.wav", data, subtype="FLOAT")
    write(tmp_path / "Keys.wav", stereo(tone(220, 2.0)))
    analysis = analyze(tmp_path, workers=1, use_cache=False)
    metrics = analysis.mix.metrics()
    assert all(v is None or np.isfinite(v) for v in metrics.values())


def test_cli_survives_every_bad_case(small_session: Path) -> None:
    (small_session / "NotAudio.wav").write_text("nope")
    (small_session / "Empty.wav").write_bytes(b"")
    (small_session / "mixreview.toml").write_text('title = "x\n[stems."../../etc/passwd"]\n')
    result = run_cli("analyze", str(small_session), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert '"syntax error' in result.stdout or "syntax error" in result.stdout


def test_sources_are_opened_read_only(
    small_session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[str] = []
    real = sf.SoundFile

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real(*args, **kwargs)
        modes.append(handle.mode)
        return handle

    monkeypatch.setattr(sf, "SoundFile", recording)
    analyze(small_session, workers=1, use_cache=False)
    assert modes and set(modes) == {"r"}


def test_unwritable_session_keeps_state_elsewhere(
    small_session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixreview.analysis import state

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(state, "_usable", lambda folder: folder.parent != small_session)
    analysis = analyze(small_session, workers=1)
    assert analysis.mix is not None
    assert not (small_session / ".mixreview").exists()
    assert list((tmp_path / "state" / "mixreview").glob("song-*/cache/*.npz"))


def test_subtype_and_format_variety(tmp_path: Path) -> None:
    write(tmp_path / "Keys.aiff", stereo(tone(300, 1.0)))
    write(tmp_path / "Pad.flac", stereo(tone(200, 1.0)), subtype="PCM_16")
    sf.write(str(tmp_path / "Lead.wav"), stereo(tone(500, 1.0)), SR, subtype="FLOAT")
    analysis = analyze(tmp_path, workers=1, use_cache=False)
    assert {r.stem.subtype for r in analysis.stems} == {"PCM_24", "PCM_16", "FLOAT"}
    assert "bit_depth" in _ids(analysis, "Pad.flac")
    assert "bit_depth" not in _ids(analysis, "Lead.wav")
