"""Stems measured again for a decision are kept in the session's cache: a second model (the
review reopened) reads them instead of measuring, a changed stem file or changed settings are
measured again, each stem keeps its latest few entries, and ``use_cache=False`` keeps nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mixreview.analysis import processed_cache
from mixreview.analysis.analyze import Analysis, analyze
from mixreview.analysis.apply import Change
from mixreview.analysis.predict import measure_processed_stem
from mixreview.analysis.state import state_dir
from mixreview.analysis.suggest.live import LiveModel
from tests.suggest_support import band_noise, kick, save

COMPRESSOR = {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 10.0, "release_ms": 100.0}


@pytest.fixture
def song(tmp_path: Path) -> Analysis:
    folder = save(
        tmp_path / "song",
        {"Kick.wav": kick(), "Bass.wav": 0.5 * band_noise(40.0, 120.0, seed=3)},
    )
    return analyze(folder, workers=1)


def squeeze(ratio: float = 4.0, stem: str = "Bass.wav") -> Change:
    return Change("compressor", (stem,), {**COMPRESSOR, "ratio": ratio})


def entries(analysis: Analysis) -> list[Path]:
    return sorted((state_dir(analysis.session.path) / "cache").glob("processed-*.npz"))


def test_a_reopened_review_reads_the_stems_measured_again(song: Analysis) -> None:
    first = LiveModel(song).processed([squeeze()])
    assert first.remeasured == ("Bass.wav",) and len(entries(song)) == 1
    again = LiveModel(song).processed([squeeze()])  # a new model: the review opened again
    assert again.remeasured == ()
    [old] = [r.measurement for r in first.analysis.stems if r.stem.file == "Bass.wav"]
    [new] = [r.measurement for r in again.analysis.stems if r.stem.file == "Bass.wav"]
    assert old is not None and new is not None
    np.testing.assert_array_equal(new.loudness.frame_energy, old.loudness.frame_energy)
    np.testing.assert_array_equal(new.bands.mid_power, old.bands.mid_power)
    assert new.levels.rms_dbfs == old.levels.rms_dbfs
    # what is kept is what measuring gives
    direct = measure_processed_stem(song.session, song.stem_report("Bass.wav").stem, [squeeze()])
    assert direct.levels.rms_dbfs == new.levels.rms_dbfs


def test_other_settings_or_a_changed_file_are_measured_again(song: Analysis) -> None:
    LiveModel(song).processed([squeeze()])
    assert LiveModel(song).processed([squeeze(ratio=6.0)]).remeasured == ("Bass.wav",)
    bass = song.session.path / "Bass.wav"
    save(song.session.path, {"Bass.wav": 0.4 * band_noise(40.0, 120.0, seed=4)})
    assert bass.exists()
    assert LiveModel(song).processed([squeeze()]).remeasured == ("Bass.wav",)


def test_each_stem_keeps_its_latest_entries(
    song: Analysis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processed_cache, "KEEP_PER_STEM", 2)
    LiveModel(song).processed([squeeze(stem="Kick.wav")])
    for ratio in (2.0, 3.0, 4.0):
        LiveModel(song).processed([squeeze(ratio)])
    assert len(entries(song)) == 3  # the kick's one and the bass's latest two
    assert LiveModel(song).processed([squeeze(4.0)]).remeasured == ()
    assert LiveModel(song).processed([squeeze(3.0)]).remeasured == ()
    assert LiveModel(song).processed([squeeze(2.0)]).remeasured == ("Bass.wav",)
    assert LiveModel(song).processed([squeeze(stem="Kick.wav")]).remeasured == ()


def test_without_the_cache_nothing_is_kept(song: Analysis) -> None:
    assert LiveModel(song, use_cache=False).processed([squeeze()]).remeasured == ("Bass.wav",)
    assert entries(song) == []
    assert LiveModel(song, use_cache=False).processed([squeeze()]).remeasured == ("Bass.wav",)
