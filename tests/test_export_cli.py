"""`mixreview render`: the summary, the options, errors as messages, Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.review import Review
from mixreview.cli import main
from tests.conftest import SR, stereo, tone, write
from tests.test_render import build_demo, digests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_demo(tmp_path_factory.mktemp("demo"))


def render(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, str, str]:
    code = main(["render", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_render_writes_everything_and_summarises(demo: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "export"
    code, stdout, stderr = render(capsys, demo["dir"], "--review", demo["review"], "--out", out)
    assert code == 0, stderr
    assert stdout.startswith(f"Exported to {out}\n")
    for name in ("mix_chosen.wav", "mix_original.wav", "mix_assistant.wav"):
        assert name in stdout and (out / name).is_file()
    notes = json.loads((out / "notes.json").read_text())
    chosen = notes["measurements"]["chosen"]
    assert f"Chosen mix: {chosen['integrated_lufs']:.1f} LUFS integrated" in stdout
    assert f"true peak {chosen['true_peak_dbtp']:.1f} dBTP" in stdout
    assert "10 processed stems" in stdout and len(list((out / "stems").glob("*.wav"))) == 10
    assert "Traceback" not in stderr and "\r" not in stderr  # no progress bar off a terminal


def test_options(demo: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "export"
    options = ["--versions", "chosen", "--no-stems", "--format", "pcm16", "--quiet"]
    code, stdout, _ = render(
        capsys, demo["dir"], "--review", demo["review"], "--out", out, *options
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["mix_chosen.wav", "notes.json", "notes.md"]
    assert sf.info(str(out / "mix_chosen.wav")).subtype == "PCM_16"
    assert "mix_original.wav" not in stdout and "stems/" not in stdout


def test_reference_flag_reaches_the_notes(demo: dict, tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(5)
    reference = tmp_path / "Ref.wav"
    write(reference, (rng.standard_normal((12 * SR, 2)) * 0.1).astype(np.float32))
    darker = tmp_path / "Darker.wav"
    write(darker, np.cumsum(rng.standard_normal((12 * SR, 2)), axis=0).astype(np.float32) * 1e-3)
    short = tmp_path / "Short.wav"
    write(short, (rng.standard_normal((2 * SR, 2)) * 0.1).astype(np.float32))
    out = tmp_path / "export"
    code, _, stderr = render(
        capsys, demo["dir"], "--review", demo["review"], "--out", out, "--versions", "chosen",
        "--no-stems", "--quiet", "--reference", f"{reference}:2", "--reference", short,
        "--reference", darker, "--trust-references",  # brown noise: doubted, trusted here
    )  # fmt: skip
    assert code == 0, stderr
    notes = json.loads((out / "notes.json").read_text())
    tracks = notes["references"]["tracks"]
    assert [(t["file"], t["weight"], t["used"]) for t in tracks] == [
        ("Ref.wav", 2.0, True), ("Short.wav", 1.0, False), ("Darker.wav", 1.0, True)]  # fmt: skip
    assert "12 s long, the mix 6 s" in tracks[0]["notes"][0]
    assert "mixreview: note: reference not used: Short.wav is 2.0 s long" in stderr
    tone = notes["references"]["differences"]["chosen"]["tone_db"]
    assert set(tone) == {"sub", "bass", "low-mid", "mid", "presence", "air"}
    assert tone["air"]["reference_spread"] > 3  # white and brown noise disagree up there
    text = (out / "notes.md").read_text()
    assert "## References" in text and "| `Ref.wav` (`" in text
    assert "Compared with Ref.wav (weight 2), Darker.wav (weight 1) at matched loudness" in text
    assert "| | before (original) | now (chosen) | references' spread |" in text


def test_numbering_and_force(demo: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "export"
    args = [demo["dir"], "--review", demo["review"], "--out", out, "--no-stems", "--quiet"]
    assert render(capsys, *args)[0] == 0
    before = digests(out)
    code, stdout, _ = render(capsys, *args, "--versions", "original")
    assert code == 0 and "export-2" in stdout and "--force replaces it" in stdout
    assert digests(out) == before
    code, stdout, _ = render(capsys, *args, "--versions", "original", "--force")
    assert code == 0 and "replacing the earlier export" in stdout
    assert not (out / "mix_chosen.wav").exists() and (out / "mix_original.wav").exists()


def test_default_folder_and_review_are_the_sessions(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "song"
    folder.mkdir()
    write(folder / "Kick.wav", stereo(tone(60, 2.0, 0.3)))
    write(folder / "Pad.wav", stereo(tone(440, 2.0, 0.1)))
    review = Review.open(folder / ".mixreview" / "review.json", folder, ["Kick.wav", "Pad.wav"])
    review.add_manual("gain", "Pad.wav", {"gain_db": -6.0})
    code, stdout, stderr = render(capsys, folder, "--quiet")
    assert code == 0 and "no review" not in stderr
    out = folder / "mixreview-export"
    assert stdout.startswith(f"Exported to {out}")
    pad = sf.read(str(out / "stems" / "Pad.wav"))[0]
    assert np.abs(pad).max() == pytest.approx(0.1 * 10 ** (-6 / 20), abs=1e-4)
    notes = json.loads((out / "notes.json").read_text())
    assert notes["review"]["file"] == str(review.path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--review", "{tmp}/missing.json"], "no review file"),
        (["--review", "{tmp}/other.json"], "made for another session"),
        (["--out", "{session}/exports"], "read as stems"),
        (["--out", "{tmp}/plain", "--force"], "not a mixreview export"),
    ],
)
def test_errors_are_messages(demo: dict, tmp_path: Path, capsys, argv, message) -> None:
    Review.open(tmp_path / "other.json", tmp_path, ["Vox.wav"]).set_stem_note("Vox.wav", "x")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "keep.txt").write_text("mine")
    argv = [a.format(tmp=tmp_path, session=demo["dir"]) for a in argv]
    code, stdout, stderr = render(capsys, demo["dir"], "--quiet", *argv)
    assert code == 2
    assert stderr.startswith("mixreview: ") and message in stderr
    assert "Traceback" not in stderr and stdout == ""
    assert (tmp_path / "plain" / "keep.txt").read_text() == "mine"


def test_missing_session(tmp_path: Path, capsys) -> None:
    code, _, stderr = render(capsys, tmp_path / "nowhere")
    assert code == 2 and "does not exist" in stderr


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def test_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    """SIGINT to the whole process group (as a terminal sends it) while the worker process
    renders: exit 130, no staging folder, no new export, the earlier export untouched."""
    folder = tmp_path / "song"
    folder.mkdir()
    files = [f"Synth_{index}.wav" for index in range(4)]
    for index, name in enumerate(files):
        write(folder / name, stereo(tone(110 * (index + 1), 90.0, 0.1)))
    review = Review.open(folder / ".mixreview" / "review.json", folder, files)
    for name in files:  # enough work for two processes
        review.add_manual("compressor", name, {"threshold_db": -30.0, "ratio": 4.0,
                                               "attack_ms": 5.0, "release_ms": 100.0})  # fmt: skip
    earlier = folder / "mixreview-export"
    earlier.mkdir()
    (earlier / "notes.json").write_text('{"schema": "mixreview.notes/1"}')
    proc = subprocess.Popen(
        [sys.executable, "-m", "mixreview", "render", str(folder), "--force"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    staging: list[Path] = []
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        staging = [p for p in folder.iterdir() if p.name.startswith(".mixreview-export.partial")]
        workers = children(proc.pid)
        if staging and workers and any(staging[0].rglob("*.partial")):
            break
        time.sleep(0.01)
    assert staging and workers, "the render never started in two processes"
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in folder.iterdir() if p.name != ".mixreview") == [
        *files, "mixreview-export"]  # fmt: skip
    assert [p.name for p in earlier.iterdir()] == ["notes.json"]
    assert sf.info(str(folder / files[0])).frames == 90 * SR
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
