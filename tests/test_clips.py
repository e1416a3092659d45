"""The no-audio fallback: two loudness-matched FLAC clips of the A/B passage, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis import clips
from mixreview.analysis.apply import Change
from mixreview.analysis.clips import fetch_and_play, remote_host, write_clips
from mixreview.analysis.meters.loudness import LoudnessMeter
from mixreview.analysis.playback import render_mix
from mixreview.analysis.reference import reference_stem
from mixreview.analysis.session import Session, load_session
from mixreview.analysis.stem_reader import StemReader

SR = 48000


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("clips") / "song"
    folder.mkdir()
    t = np.arange(4 * SR) / SR
    bass = 0.25 * np.sin(2 * np.pi * 110 * t)
    keys = 0.15 * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * t))
    sf.write(str(folder / "Bass.wav"), bass.astype(np.float32), SR, subtype="PCM_24")
    sf.write(str(folder / "Keys.wav"), np.stack([keys, keys], 1).astype(np.float32), SR,
             subtype="PCM_24")  # fmt: skip
    return load_session(folder)


def lufs(x: np.ndarray) -> float:
    meter = LoudnessMeter(SR, 2)
    meter.update(x)
    return meter.result().integrated_lufs


UP = Change("gain", ("Keys.wav",), {"gain_db": 6.0})
EQ = Change("eq", ("Bass.wav",), {"bands": [{"type": "peaking", "freq_hz": 110, "gain_db": -4}]})


def test_two_matched_clips_with_fades_and_silence(session: Session, tmp_path: Path) -> None:
    out = write_clips(session, [EQ], [EQ, UP], (1.0, 3.0), tmp_path / "clips",
                      label_a="without", label_b="with the keys up")  # fmt: skip
    assert out.path_a.name == "ab_0001.0-0003.0s_A_without.flac"
    assert out.path_b.name == "ab_0001.0-0003.0s_B_with-the-keys-up.flac"
    a, rate = sf.read(str(out.path_a), dtype="float32")
    b, _ = sf.read(str(out.path_b), dtype="float32")
    info = sf.info(str(out.path_a))
    assert (info.format, info.subtype, rate) == ("FLAC", "PCM_24", SR)
    body = 2 * SR
    assert len(a) == len(b) == body + SR // 2
    assert not a[body:].any() and not b[body:].any()  # half a second of silence
    assert abs(a[0]).max() < 1e-3 and abs(a[body - 1]).max() < 1e-3  # faded in and out
    assert out.offset_db < -1.0  # B is louder: turned down
    assert abs(lufs(a[:body]) - lufs(b[:body])) < 0.5
    # Away from the fades the clips are the offline renders, B at the matched gain.
    ref_a = render_mix(session, [EQ], SR, body)
    ref_b = render_mix(session, [EQ, UP], SR, body) * 10 ** (out.offset_db / 20)
    middle = slice(SR // 10, body - SR // 10)
    np.testing.assert_allclose(a[middle], ref_a[middle], atol=2e-5)
    np.testing.assert_allclose(b[middle], ref_b[middle], atol=2e-5)
    assert out.headroom_db == 0.0
    assert not list((tmp_path / "clips").glob(".*"))  # no temporary files left


def test_matching_off_and_headroom(session: Session, tmp_path: Path) -> None:
    loud = Change("gain", ("Bass.wav", "Keys.wav"), {"gain_db": 12.0})
    out = write_clips(session, [], [loud], (0.5, 2.5), tmp_path, match=False)
    assert out.offset_db == 0.0
    assert out.headroom_db < 0  # B would clip: both turned down by the same amount
    a, _ = sf.read(str(out.path_a), dtype="float32")
    b, _ = sf.read(str(out.path_b), dtype="float32")
    assert np.abs(b).max() <= 10 ** (-1 / 20) + 1e-4
    assert lufs(b[: 2 * SR]) - lufs(a[: 2 * SR]) == pytest.approx(12.0, abs=0.1)


def test_quieter_b_is_brought_up_without_clipping(session: Session, tmp_path: Path) -> None:
    quiet = Change("gain", ("Bass.wav", "Keys.wav"), {"gain_db": -14.0})
    loud = Change("gain", ("Bass.wav", "Keys.wav"), {"gain_db": 4.0})
    out = write_clips(session, [loud], [quiet], (0.0, 2.0), tmp_path)
    assert out.offset_db == pytest.approx(18.0, abs=0.1)
    a, _ = sf.read(str(out.path_a), dtype="float32")
    b, _ = sf.read(str(out.path_b), dtype="float32")
    assert max(np.abs(a).max(), np.abs(b).max()) <= 10 ** (-1 / 20) + 1e-4


def test_a_failed_write_leaves_nothing_behind(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_clips(session, [], [UP], (0.0, 1.0), tmp_path)
    before = first.path_b.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(clips.sf, "write", broken)
    with pytest.raises(OSError):
        write_clips(session, [], [UP, EQ], (0.0, 1.0), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first.paths)
    assert first.path_b.read_bytes() == before


def test_span_is_clamped_and_checked(session: Session, tmp_path: Path) -> None:
    out = write_clips(session, [], [UP], (3.0, 99.0), tmp_path)
    assert out.span_s == (3.0, 4.0)
    with pytest.raises(ValueError):
        write_clips(session, [], [UP], (5.0, 6.0), tmp_path)


def test_fetch_and_play_commands(tmp_path: Path) -> None:
    env = {"SSH_CONNECTION": "10.0.0.5 52311 192.168.1.20 22"}
    host = remote_host(env)
    assert host.endswith("@192.168.1.20")
    paths = [tmp_path / "it's A.flac", tmp_path / "B.flac"]
    fetch, play = fetch_and_play(paths, env)
    assert fetch.startswith("scp ") and fetch.endswith(" .")
    assert f"{host}:{paths[1].resolve()}" in fetch
    assert "'\"'\"'" in fetch  # the quote in the name is escaped for the shell
    assert play == "play 'it'\"'\"'s A.flac' B.flac"
    assert remote_host({}).split("@")[-1]  # without SSH: this machine's name


def test_mix_against_a_reference_track(session: Session, tmp_path: Path) -> None:
    """With a reference, clip B is the reference over the same passage, matched to the mix."""
    t = np.arange(5 * 44100) / 44100
    master = 0.5 * np.sin(2 * np.pi * 330 * t) * (0.8 + 0.2 * np.sin(2 * np.pi * 3 * t))
    path = tmp_path / "Master.wav"
    sf.write(str(path), np.stack([master, master], 1).astype(np.float32), 44100)
    reference = reference_stem(path)
    out = write_clips(session, [EQ], [EQ], (1.0, 3.0), tmp_path / "clips",
                      label_a="chosen", label_b="Master.wav", reference=reference)  # fmt: skip
    assert out.path_b.name == "ab_0001.0-0003.0s_B_master-wav.flac"
    a, _ = sf.read(str(out.path_a), dtype="float32")
    b, _ = sf.read(str(out.path_b), dtype="float32")
    body = 2 * SR
    assert out.offset_db < -3.0  # the master is louder: turned down
    assert abs(lufs(a[:body]) - lufs(b[:body])) < 0.5
    with StemReader(reference, SR) as reader:
        reader.seek(SR)
        expected = reader.read(body) * 10 ** (out.offset_db / 20)
    middle = slice(SR // 10, body - SR // 10)
    np.testing.assert_allclose(b[middle], expected[middle], atol=2e-5)
