"""A reference that does not look like a finished record gives no direction until confirmed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixreview.analysis.analyze import analyze
from mixreview.analysis.reference_doubts import (
    MIN_FULL_BANDS,
    QUIETER_THAN_MIX_LU,
    confirm_reference,
    full_bands,
)
from mixreview.analysis.suggest import suggest
from mixreview.cli import main
from tests.test_reference import DEMO, unity_mix


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("doubts") / "song"
    shutil.copytree(DEMO, folder)
    return folder


def _write(path: Path, data: np.ndarray, rate: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), data, rate, subtype="PCM_24")
    return str(path)


def _directions(analysis) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.rule for s in suggest(analysis) if s.rule.startswith("reference_")]


def test_a_single_stem_as_reference_is_doubted_then_followed_once_confirmed(
    song: Path, tmp_path: Path
) -> None:
    bass, rate = sf.read(str(DEMO / "Bass.flac"), dtype="float32", always_2d=True)
    ref = _write(tmp_path / "refs" / "bass_bounce.wav", np.repeat(bass[:, :1], 2, axis=1), rate)
    analysis = analyze(song, workers=2, references=[ref])
    (report,) = analysis.references
    assert report.usable and not report.directs
    assert any("like one instrument" in d and "mono" in d for d in report.doubts)
    assert analysis.comparison is None and _directions(analysis) == []
    confirm_reference(song, Path(ref))
    again = analyze(song, workers=2, references=[ref])
    assert again.references[0].confirmed and again.references[0].directs
    assert again.comparison is not None


def test_a_master_far_quieter_than_the_mix_is_doubted(song: Path, tmp_path: Path) -> None:
    mix, rate = unity_mix(song)
    ref = _write(tmp_path / "refs" / "quiet.wav", mix * np.float32(10 ** (-14 / 20)), rate)
    (report,) = analyze(song, workers=2, references=[ref]).references
    assert any("quieter than the mix" in d for d in report.doubts) and not report.directs
    louder = _write(tmp_path / "refs" / "fine.wav", mix * np.float32(10 ** (-6 / 20)), rate)
    (fine,) = analyze(song, workers=2, references=[louder]).references
    assert fine.doubts == () and fine.directs  # 6 LU under the mix: within the threshold
    assert QUIETER_THAN_MIX_LU > 6.0


def test_the_full_mix_fills_its_bands_and_one_instrument_does_not(song: Path) -> None:
    analysis = analyze(song, workers=2)
    assert analysis.mix is not None and full_bands(analysis.mix) >= MIN_FULL_BANDS
    kick = next(r for r in analysis.stems if r.stem.file == "Kick.flac").measurement
    assert kick is not None and full_bands(kick) < MIN_FULL_BANDS


def test_the_command_line_trusts_references_when_asked(
    song: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kick, rate = sf.read(str(DEMO / "Kick.flac"), dtype="float32", always_2d=True)
    ref = _write(tmp_path / "refs" / "kick.wav", np.repeat(kick[:, :1], 2, axis=1), rate)
    assert main(["analyze", str(song), "--json", "--quiet", "--reference", ref]) == 0
    entry = json.loads(capsys.readouterr().out)["references"][0]
    assert entry["doubts"] and entry["gives_directions"] is False
    argv = ["analyze", str(song), "--json", "--quiet", "--reference", ref, "--trust-references"]
    assert main(argv) == 0
    entry = json.loads(capsys.readouterr().out)["references"][0]
    assert entry["confirmed"] and entry["gives_directions"] is True
