"""The render and the export folder: sums, determinism, atomicity, numbering, clear errors.

Sessions are small: the bundled demo song cut to 6 s, or synthetic stems of a few seconds.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.export import (
    DiskFullError,
    ExportError,
    ExportFolderError,
    ReviewMismatchError,
    export_session,
)
from mixreview.analysis.render import (
    BLOCK_FRAMES,
    MIX_NAMES,
    VERSIONS,
    RenderError,
    WavWriter,
    quantize,
    render,
    stem_output_names,
    to_bytes,
    wav_header,
)
from mixreview.analysis.review import Review
from mixreview.analysis.session import load_session
from mixreview.analysis.suggest import suggest
from mixreview.analysis.suggest.model import Suggestion, Target
from tests.conftest import SR, stereo, tone, write

DEMO = Path(__file__).resolve().parent.parent / "sample_sessions" / "demo_song"
TRIM_S = 6.0
LSB24 = 2.0**-23


# -- shared helpers (test_notes and test_export_cli use them too) ------------------------------
def trimmed_demo(folder: Path, seconds: float = TRIM_S) -> Path:
    """The demo song's stems cut to ``seconds``, same names, rates and channel counts."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(DEMO.glob("*.flac")):
        with sf.SoundFile(str(path)) as handle:
            data = handle.read(int(seconds * handle.samplerate), dtype="int32", always_2d=True)
            rate, subtype = handle.samplerate, handle.subtype
        sf.write(str(folder / path.name), data, rate, subtype=subtype)
    shutil.copy(DEMO / "mixreview.toml", folder / "mixreview.toml")
    return folder


def extra_suggestions(stems: list[str]) -> list[Suggestion]:
    """Suggestions of kinds the rules may or may not produce on a short clip, so every test has
    something to accept, adjust and reject whatever the rule families find."""
    target = Target("relative_level_lu", -12.0, -8.0, "within:-11..-3")
    common = dict(severity="medium", category="technical", why="test", evidence={}, target=target)
    return [
        Suggestion(kind="eq", stems=(stems[1],), rule="test-eq",
                   params={"bands": [{"type": "peaking", "freq_hz": 250.0, "gain_db": -3.0,
                                      "q": 1.4}]}, **common),
        Suggestion(kind="compressor", stems=(stems[2],), rule="test-comp",
                   params={"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 10.0,
                           "release_ms": 200.0}, **common),
        Suggestion(kind="gain", stems=(stems[3],), rule="test-gain", params={"gain_db": 2.0},
                   **common),
    ]  # fmt: skip


def session_suggestions(session_dir: Path) -> tuple[object, list[Suggestion]]:
    analysis = analyze(session_dir)
    found = suggest(analysis)
    files = [s.file for s in analysis.session.mix_stems]
    return analysis, [*found, *extra_suggestions(files)]


def adjusted_params(suggestion: Suggestion) -> dict:
    """The suggestion's params with one number changed (a valid value for its processor)."""
    params = dict(suggestion.params)
    if "gain_db" in params:
        params["gain_db"] = round(float(params["gain_db"]) / 2, 2)
    elif "threshold_db" in params:
        params["threshold_db"] = float(params["threshold_db"]) + 6.0
    elif "bands" in params:
        params["bands"] = [
            {**b, "gain_db": float(b.get("gain_db", 0.0)) / 2} for b in params["bands"]
        ]
    elif "freq_hz" in params:
        params["freq_hz"] = round(float(params["freq_hz"]) * 1.1, 1)
    return params


def make_review(session_dir: Path, path: Path, suggestions: list[Suggestion]) -> dict:
    """A review with one of each: accepted, adjusted (amount 0.5 and other params), rejected,
    a manual change, notes, a blind tally. Returns what was decided, by role."""
    stems = [s.file for s in load_session(session_dir).stems]
    review = Review.open(path, session_dir, stems)
    by_kind = {s.kind: s for s in suggestions}
    accepted, adjusted, rejected = by_kind["gain"], by_kind["eq"], by_kind["compressor"]
    review.accept(accepted)
    review.set_note(accepted, "keep it subtle")
    review.set_amount(adjusted, 0.5)
    review.set_params(adjusted, adjusted_params(adjusted))
    review.reject(rejected)
    review.set_note(rejected, "the vocal needs its dynamics")
    manual_stem = stems[0]
    manual = review.add_manual("highpass", manual_stem, {"freq_hz": 40.0}, note="rumble")
    review.set_stem_note(stems[4], "a little harsh at 3 kHz, leave it to mastering")
    review.record_blind(adjusted.id, "adjusted", "adjusted", "original")
    review.record_blind(adjusted.id, "adjusted", "adjusted", "original")
    review.record_blind(adjusted.id, "original", "adjusted", "original")
    return {"accepted": accepted, "adjusted": adjusted, "rejected": rejected,
            "manual": manual, "manual_stem": manual_stem, "note_stem": stems[4]}  # fmt: skip


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_stereo(path: Path) -> np.ndarray:
    data, _ = sf.read(str(path), dtype="float64", always_2d=True)
    return np.repeat(data, 2, axis=1) if data.shape[1] == 1 else data


def ffmpeg_measure(path: Path) -> dict[str, float]:
    """ffmpeg's ebur128 (peak=true+sample) read from its per-frame metadata (3 decimals)."""
    proc = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af",
         "ebur128=peak=true+sample:metadata=1,ametadata=print:file=-", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    last: dict[str, float] = {}
    short_term_max = -np.inf
    for line in proc.stdout.splitlines():
        if line.startswith("lavfi.r128."):
            key, value = line[len("lavfi.r128.") :].split("=")
            last[key] = float(value)
            if key == "S":
                short_term_max = max(short_term_max, float(value))
    return {
        "integrated_lufs": last["I"],
        "lra_lu": last["LRA"],
        "true_peak_dbtp": 20 * np.log10(last["true_peak"]),
        "sample_peak_dbfs": 20 * np.log10(last["sample_peak"]),
        "short_term_max_lufs": short_term_max,
    }


needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


# -- fixtures ----------------------------------------------------------------------------------
def build_demo(base: Path) -> dict:
    """A 6 s demo session, its analysis and suggestions, and a review with every decision."""
    session_dir = trimmed_demo(base / "song")
    analysis, suggestions = session_suggestions(session_dir)
    review_file = base / "review.json"
    decided = make_review(session_dir, review_file, suggestions)
    return {"dir": session_dir, "analysis": analysis, "suggestions": suggestions,
            "review": review_file, "decided": decided, "base": base}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_demo(tmp_path_factory.mktemp("demo"))


def run_export(demo: dict, out: Path, **kwargs: object):
    kwargs.setdefault("review_path", demo["review"])
    return export_session(
        demo["dir"], out=out, analysis=demo["analysis"], suggestions=demo["suggestions"], **kwargs
    )


@pytest.fixture(scope="module")
def exported(demo: dict, tmp_path_factory: pytest.TempPathFactory):
    return run_export(demo, tmp_path_factory.mktemp("out") / "export")


# -- what is written ---------------------------------------------------------------------------
def test_files_and_format(exported, demo: dict) -> None:
    session = load_session(demo["dir"])
    names = {p.relative_to(exported.folder).as_posix() for p in exported.folder.rglob("*.wav")}
    assert names == {
        *MIX_NAMES.values(),
        *(f"stems/{Path(s.file).stem}.wav" for s in session.stems),
    }
    assert (exported.folder / "notes.md").is_file() and (exported.folder / "notes.json").is_file()
    for path in exported.folder.rglob("*.wav"):
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (SR, 2, session.frames)
        assert info.subtype == "PCM_24"
    assert not [p for p in exported.folder.rglob("*") if p.name.endswith(".partial")]
    assert not [p for p in exported.folder.parent.iterdir() if p.name.startswith(".")]


def test_original_is_the_sample_accurate_sum_of_the_stems(exported, demo: dict) -> None:
    total = sum(read_stereo(p) for p in sorted(demo["dir"].glob("*.flac")))
    mix = read_stereo(exported.mixes["original"])
    assert np.abs(mix - total).max() <= LSB24


def test_chosen_is_the_sum_of_the_exported_stems(exported) -> None:
    stems = list(exported.stems.values())
    total = sum(read_stereo(p) for p in stems)
    mix = read_stereo(exported.mixes["chosen"])
    # each stem and the mix are rounded to 24 bits once: at most half an LSB each
    assert np.abs(mix - total).max() <= (len(stems) + 1) * LSB24 / 2 + 1e-12
    assert np.abs(mix - read_stereo(exported.mixes["original"])).max() > 1e-3  # changes applied


def test_unchanged_stems_are_written_bit_exact_as_they_enter_the_mix(exported, demo: dict) -> None:
    decided = demo["decided"]
    changed = {decided["manual_stem"], *decided["accepted"].stems, *decided["adjusted"].stems}
    unchanged = [f for f in exported.stems if f not in changed]
    assert unchanged
    for file in unchanged:
        source = read_stereo(demo["dir"] / file)  # mono stems: both sides
        assert np.array_equal(read_stereo(exported.stems[file]), source), file


def test_nothing_accepted_gives_chosen_equal_to_original(demo: dict, tmp_path: Path) -> None:
    stems = [s.file for s in load_session(demo["dir"]).stems]
    review = Review.open(tmp_path / "review.json", demo["dir"], stems)
    for suggestion in demo["suggestions"][::2]:
        review.reject(suggestion)  # the rest stays pending
    result = run_export(demo, tmp_path / "out", review_path=review.path, stems=False)
    chosen = result.mixes["chosen"].read_bytes()
    assert chosen == result.mixes["original"].read_bytes()
    assert chosen != result.mixes["assistant"].read_bytes()


def test_no_review_renders_the_original_as_chosen(tmp_path: Path) -> None:
    folder = trimmed_demo(tmp_path / "song", seconds=2.0)
    result = export_session(folder, versions="chosen,original", stems=False)
    assert result.folder == folder / "mixreview-export"
    assert result.mixes["chosen"].read_bytes() == result.mixes["original"].read_bytes()
    assert any("no review" in m for m in result.messages)
    assert not (folder / ".mixreview" / "review.json").exists()


def test_render_is_deterministic_and_independent_of_workers(demo: dict, tmp_path: Path) -> None:
    first = run_export(demo, tmp_path / "a", workers=1)
    second = run_export(demo, tmp_path / "b", workers=2)
    assert second.workers == 2
    a, b = digests(first.folder), digests(second.folder)
    audio = [name for name in a if name.endswith(".wav")]
    assert len(audio) == len(VERSIONS) + len(first.stems)
    assert {n: a[n] for n in audio} == {n: b[n] for n in audio}


def test_formats(demo: dict, tmp_path: Path) -> None:
    as_float = run_export(demo, tmp_path / "f", subtype="float", stems=False)
    as_16 = run_export(demo, tmp_path / "s", subtype="pcm16", versions=["original"], stems=False)
    assert sf.info(str(as_float.mixes["chosen"])).subtype == "FLOAT"
    assert sf.info(str(as_16.mixes["original"])).subtype == "PCM_16"
    total = sum(read_stereo(p) for p in sorted(demo["dir"].glob("*.flac")))
    assert np.abs(read_stereo(as_float.mixes["original"]) - total).max() < 1e-6
    assert np.abs(read_stereo(as_16.mixes["original"]) - total).max() <= 2.0**-16 + 1e-9
    assert as_16.notes["export"]["subtype"] == "PCM_16"


def test_source_stems_are_never_modified(demo: dict, tmp_path: Path) -> None:
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in demo["dir"].glob("*.flac")}
    run_export(demo, tmp_path / "out", stems=False, versions="chosen")
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in demo["dir"].glob("*.flac")}
    assert before == after


def test_stems_of_other_rates_and_lengths_come_out_at_the_session_format(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Kick.wav", stereo(tone(60, 3.0, 0.3)))
    write(folder / "Pad.wav", stereo(tone(440, 3.0, 0.1)))
    write(folder / "Bass.wav", tone(110, 2.0, 0.2, sr=44100)[:, None], sr=44100)
    write(folder / "Keys.wav", stereo(tone(660, 1.5, 0.1)), subtype="PCM_16")
    result = export_session(folder, out=tmp_path / "out")
    for path in result.stems.values():
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (SR, 2, 3 * SR)
    keys = read_stereo(result.stems["Keys.wav"])
    assert np.abs(keys[int(1.5 * SR) :]).max() == 0.0  # padded with silence
    assert np.array_equal(keys[: int(1.5 * SR)], read_stereo(folder / "Keys.wav"))
    bass = read_stereo(result.stems["Bass.wav"])
    assert 0.15 < np.abs(bass[:SR]).max() < 0.25  # resampled, same level


def test_clipping_is_counted_and_float_keeps_it(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    for name in ("Synth.wav", "Lead.wav", "Pad.wav"):
        write(folder / name, stereo(tone(220, 2.0, 0.45)))
    pcm = export_session(folder, out=tmp_path / "pcm", stems=False, versions="original")
    assert pcm.notes["measurements"]["original"]["clipped_samples"] > 0
    assert pcm.notes["export"]["clipped_samples"]["mix_original.wav"] > 0
    assert any("clipped" in m for m in pcm.messages)
    assert read_stereo(pcm.mixes["original"]).max() == pytest.approx(1 - LSB24)
    assert any("over full scale" in r for r in pcm.notes["mastering"])
    flt = export_session(folder, out=tmp_path / "flt", stems=False, versions="original",
                         subtype="FLOAT")  # fmt: skip
    assert read_stereo(flt.mixes["original"]).max() == pytest.approx(1.35, abs=1e-3)
    assert not flt.notes["export"]["clipped_samples"]


# -- encoding details --------------------------------------------------------------------------
def test_quantize_rounds_clips_and_zeroes_non_finite() -> None:
    block = np.array([[0.5, -0.5], [1.5, -1.5], [np.nan, np.inf], [1e-9, -0.25]], np.float32)
    q, clipped = quantize(block, "PCM_24")
    assert clipped == 3  # 1.5, -1.5 and +inf (clipped to the top)
    assert q[0].tolist() == [4194304.0, -4194304.0]
    assert q[1].tolist() == [8388607.0, -8388608.0]
    assert q[2, 0] == 0.0
    raw = to_bytes(q, "PCM_24").reshape(-1)
    assert raw[:3].tolist() == [0x00, 0x00, 0x40]


def test_wav_header_and_writer_read_back(tmp_path: Path) -> None:
    data = np.stack([np.linspace(-1, 1, 1001), np.linspace(1, -1, 1001)], axis=1).astype(np.float32)
    for subtype in ("PCM_24", "PCM_16", "FLOAT"):
        path = tmp_path / f"x-{subtype}.wav"
        writer = WavWriter(path, 44100, len(data), subtype)
        assert writer.partial.exists() and not path.exists()
        writer.write(*quantize(data[:500], subtype))
        writer.write(*quantize(data[500:], subtype))
        writer.close()
        back, rate = sf.read(str(path), dtype="float64")
        assert rate == 44100 and back.shape == data.shape
        tolerance = {"PCM_24": LSB24, "PCM_16": 2.0**-15, "FLOAT": 0.0}[subtype]
        assert np.abs(back - data).max() <= tolerance
        assert path.stat().st_size == len(wav_header(44100, 2, 1001, subtype)) + back.size * {
            "PCM_24": 3, "PCM_16": 2, "FLOAT": 4}[subtype]  # fmt: skip


def test_writer_refuses_a_short_file(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "short.wav", SR, 100, "PCM_24")
    writer.write(*quantize(np.zeros((50, 2), np.float32), "PCM_24"))
    with pytest.raises(RenderError):
        writer.close()
    assert not list(tmp_path.iterdir())


def test_stem_output_names_are_unique() -> None:
    from mixreview.analysis.session import Stem

    def stem(file: str) -> Stem:
        return Stem(path=Path(file), file=file, name=file, role="unknown", role_source="name")

    files = ("Bass.flac", "Bass.wav", "drums/Kick.aif", "kick.wav", "Pad.aiff")
    names = stem_output_names([stem(f) for f in files])
    assert names == {
        "Bass.flac": "stems/Bass-flac.wav",
        "Bass.wav": "stems/Bass.wav",
        "drums/Kick.aif": "stems/drums/Kick.wav",
        "kick.wav": "stems/kick.wav",
        "Pad.aiff": "stems/Pad.wav",
    }


def test_a_change_that_cannot_be_rendered_fails_before_any_file(demo: dict, tmp_path: Path) -> None:
    session = load_session(demo["dir"])
    bad = Change(kind="eq", stems=(session.stems[0].file,), params={"bands": "loud"})
    tmp_path.joinpath("x").mkdir()
    with pytest.raises(RenderError, match="cannot be rendered"):
        render(session, {"chosen": [bad]}, tmp_path / "x")
    assert not list((tmp_path / "x").iterdir())


# -- failures leave nothing partial ------------------------------------------------------------
def fail_after(monkeypatch: pytest.MonkeyPatch, blocks: int, exc: BaseException) -> None:
    """Make every WavWriter raise ``exc`` when it has written ``blocks`` blocks: the disk fills
    up in the middle of the render, in this process and in a forked worker alike."""
    original = WavWriter.write

    def write(self: WavWriter, quantized: np.ndarray, clipped: int = 0) -> None:
        if self.frames_written >= blocks * BLOCK_FRAMES:
            raise exc
        original(self, quantized, clipped)

    monkeypatch.setattr(WavWriter, "write", write)


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("workers", [1, 2])
def test_full_disk_mid_render_leaves_nothing_and_the_earlier_export_intact(
    demo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    out = tmp_path / "export"
    run_export(demo, out)
    before_files, before = listing(tmp_path), digests(out)
    fail_after(monkeypatch, 3, OSError(errno.ENOSPC, "No space left on device"))  # of 5 blocks
    for force in (False, True):
        with pytest.raises(DiskFullError, match="disk is full") as info:
            run_export(demo, out, workers=workers, force=force)
        assert "--out" not in str(info.value)  # the app asks for a folder its own way
        assert "--out" in info.value.cli_hint  # the command line names the option
        assert listing(tmp_path) == before_files  # no -2 folder, no staging, no .partial
        assert digests(out) == before


def test_interrupt_mid_render_leaves_nothing(demo: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    run_export(demo, out, stems=False, versions="chosen")
    before_files, before = listing(tmp_path), digests(out)
    calls = {"n": 0}

    def progress(done: int, total: int, label: str) -> None:
        calls["n"] += 1
        if label == "rendering" and calls["n"] == 2:
            raise KeyboardInterrupt

    for workers in (1, 2):
        calls["n"] = 0
        with pytest.raises(KeyboardInterrupt):
            run_export(demo, out, progress=progress, workers=workers, force=True)
        assert listing(tmp_path) == before_files
        assert digests(out) == before


def test_a_stale_staging_folder_of_a_killed_export_is_removed(demo: dict, tmp_path: Path) -> None:
    stale = tmp_path / ".export.partial-999999999-abc"
    (stale / "stems").mkdir(parents=True)
    (stale / "mix_chosen.wav.partial").write_bytes(b"RIFF")
    run_export(demo, tmp_path / "export", stems=False, versions="chosen")
    assert not stale.exists()


def test_disk_space_is_checked_before_rendering(
    demo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mixreview.analysis.export as export_mod

    real = shutil.disk_usage
    monkeypatch.setattr(export_mod.shutil, "disk_usage", lambda p: real(p)._replace(free=1_000_000))
    with pytest.raises(DiskFullError, match="MB free"):
        run_export(demo, tmp_path / "export")
    assert listing(tmp_path) == []


# -- folders: numbering, --force, refusals -----------------------------------------------------
def test_existing_export_gets_a_numbered_folder_unless_forced(demo: dict, tmp_path: Path) -> None:
    out = tmp_path / "mixreview-export"
    first = run_export(demo, out, stems=False, versions="chosen")
    second = run_export(demo, out, stems=False, versions="chosen")
    third = run_export(demo, out, stems=False, versions="chosen")
    assert (first.folder, second.folder, third.folder) == (
        out, tmp_path / "mixreview-export-2", tmp_path / "mixreview-export-3")  # fmt: skip
    assert second.numbered and not first.numbered
    kept = digests(second.folder)
    forced = run_export(demo, out, stems=False, versions="original", force=True)
    assert forced.folder == out and forced.replaced
    assert sorted(p.name for p in out.iterdir()) == ["mix_original.wav", "notes.json", "notes.md"]
    assert digests(second.folder) == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mixreview-export", "mixreview-export-2", "mixreview-export-3"]  # fmt: skip


def test_an_empty_folder_is_used_and_force_refuses_other_folders(
    demo: dict, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_export(demo, empty, stems=False, versions="chosen").folder == empty
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "song.wav").write_bytes(b"mine")
    with pytest.raises(ExportFolderError, match="not a mixreview export"):
        run_export(demo, precious, force=True)
    assert (precious / "song.wav").read_bytes() == b"mine"
    assert (
        run_export(demo, precious, stems=False, versions="chosen").folder == tmp_path / "precious-2"
    )


def test_folders_that_must_not_be_used(demo: dict, tmp_path: Path) -> None:
    with pytest.raises(ExportFolderError, match="read as stems"):
        run_export(demo, demo["dir"] / "exports")
    with pytest.raises(ExportFolderError, match="session itself"):
        run_export(demo, demo["dir"], force=True)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ExportFolderError, match="is a file"):
        run_export(demo, a_file)
    with pytest.raises(ExportFolderError, match="cannot write"):
        run_export(demo, a_file / "sub" / "export")


def test_unwritable_folder(demo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mixreview.analysis.export as export_mod

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(export_mod.tempfile, "mkdtemp", refuse)
    with pytest.raises(ExportFolderError, match=r"Permission denied.*folder you can write") as e:
        run_export(demo, tmp_path / "export")
    assert "--out" in e.value.cli_hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder(demo: dict, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportFolderError, match="cannot write"):
            run_export(demo, locked / "export")
    finally:
        locked.chmod(0o700)


def test_review_of_another_session_is_refused(demo: dict, tmp_path: Path) -> None:
    other = Review.open(tmp_path / "other.json", tmp_path, ["Drums.wav", "Vox.wav"])
    other.set_stem_note("Vox.wav", "x")
    with pytest.raises(ReviewMismatchError, match="another session") as info:
        run_export(demo, tmp_path / "out", review_path=other.path)
    assert "review of this session" in str(info.value)
    with pytest.raises(ReviewMismatchError, match="no review file"):
        run_export(demo, tmp_path / "out", review_path=tmp_path / "missing.json")
    assert not (tmp_path / "out").exists()


def test_bad_options(demo: dict, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown version"):
        run_export(demo, tmp_path / "out", versions="chosen,final")
    with pytest.raises(ExportError, match="sample format"):
        run_export(demo, tmp_path / "out", subtype="mp3")
    with pytest.raises(ExportError, match="nothing to render"):
        run_export(demo, tmp_path / "out", versions="", stems=False)


def test_progress_reports_frames(demo: dict, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    record: Callable[[int, int, str], None] = lambda d, t, label: seen.append((d, t, label))  # noqa: E731
    run_export(demo, tmp_path / "out", stems=False, progress=record)
    frames = load_session(demo["dir"]).frames
    rendering = [s for s in seen if s[2] == "rendering"]
    assert rendering[-1] == (frames, frames, "rendering")
    assert [d for d, _, _ in rendering] == sorted(d for d, _, _ in rendering)


def test_all_versions_are_measured_even_when_not_written(demo: dict, tmp_path: Path) -> None:
    result = run_export(demo, tmp_path / "out", versions="chosen", stems=False)
    assert set(result.notes["measurements"]) == set(VERSIONS)
    assert result.notes["measurements"]["assistant"]["file"] is None
    assert list(result.mixes) == ["chosen"]


def test_a_damaged_stem_reads_as_silence_from_the_damage(tmp_path: Path) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Pad.wav", stereo(tone(440, 4.0, 0.1)))
    noise = (np.random.default_rng(0).standard_normal((4 * SR, 2)) * 0.1).astype(np.float32)
    sf.write(str(folder / "Noise.flac"), noise, SR, subtype="PCM_24")
    data = (folder / "Noise.flac").read_bytes()
    (folder / "Noise.flac").write_bytes(data[: len(data) // 2])  # cut short: the decoder fails
    result = export_session(folder, out=tmp_path / "out")
    damaged_s = result.render.read_errors["Noise.flac"]
    assert 0.5 < damaged_s < 3.5
    stem = read_stereo(result.stems["Noise.flac"])
    cut = round(damaged_s * SR)
    assert len(stem) == 4 * SR and np.abs(stem[cut:]).max() == 0.0
    expected = sf.read(str(folder / "Noise.flac"), frames=cut - 1, dtype="float64")[0]
    assert np.array_equal(stem[: cut - 1], expected)
    assert any("Noise.flac is damaged" in m for m in result.messages)
    remarks = {s["file"]: s["remarks"] for s in result.notes["stems"]}["Noise.flac"]
    assert any(r.startswith("damaged: could not be read past") for r in remarks)


def test_the_versions_series_are_folded_but_their_figures_are_not(
    demo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past VERSION_SERIES_FRAMES_MAX frames the rendered versions are metered on longer frames
    (the notes read only long-term figures from their series): every figure stays the same."""
    import mixreview.analysis.render as render_module

    fine = run_export(demo, tmp_path / "fine", stems=False)
    frames = len(fine.render.measurements["chosen"].loudness.frame_energy)
    monkeypatch.setattr(render_module, "VERSION_SERIES_FRAMES_MAX", frames // 3)
    coarse = run_export(demo, tmp_path / "coarse", stems=False)
    for version in VERSIONS:
        a, b = fine.render.measurements[version], coarse.render.measurements[version]
        assert b.loudness.frame_s >= 0.3 - 1e-9  # three or more 100 ms segments a frame
        assert len(b.bands.mid_power) < len(a.bands.mid_power) / 2
        assert b.metrics() == a.metrics()
    assert (
        coarse.notes["measurements"]["chosen"]["integrated_lufs"]
        == (fine.notes["measurements"]["chosen"]["integrated_lufs"])
    )
